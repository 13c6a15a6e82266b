"""One source record (a mapping in the form of DESIGN.md §1) -> ``Article`` or ``RecordError``.

JSON Lines, CSV, scraped pages and the database adapter all end here, so every source
is held to the same contract, the door where a record is checked against everything the
later stages need: required fields, the three date forms within the supported years,
absolute http(s) URLs in the one normal form (``urls``), every text field cleaned the one
way (``text.clean_text``: NFC, no control characters or bidi overrides, mojibake repaired
or refused), sanitized HTML of bounded depth, and sizes within the catalogue's
``[limits]``.  Whatever goes wrong while one record is read is that record's RecordError,
never the batch's.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import lru_cache, partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import xxhash

from ..config import Limits
from ..errors import RecordError, printable
from ..model import Article, Category, Image, Link, ListedPost, Status
from ..names import slugify
from ..text import (
    HtmlTooDeep,
    clean_text,
    html_mojibake,
    html_to_text,
    is_clean,
    mojibake,
    sanitize_html,
)
from ..timezone import check_supported, localize, parse_time, to_local
from ..urls import normalize_url, same_page

log = logging.getLogger("hnp_feeds.adapters")
_PACKAGE = __name__.partition(".")[0]

STATUSES: tuple[Status, ...] = ("published", "draft", "retracted")
# "HNP - ", "HNP– ", "HNP —\u00a0": the portal's dateline in front of every lede.
DATELINE = re.compile(r"^\s*HNP\s*[-\u2013\u2014]\s*")
_LOOKS_LIKE_HTML = re.compile(r"<[A-Za-z/!]")
# What the sanitizer will take out and the editors should hear about: a script-like element,
# an event handler, a javascript: URL (the last two looked for only where "=" or ":" is).
_UNSAFE_ELEMENT = re.compile(r"<\s*(?:script|iframe|object|embed|style)\b", re.IGNORECASE)
_EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.IGNORECASE)
# RFC 6838 type/subtype (an image's ``type``), parameters left out.
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
# ``slugify`` remembered: a portal has a few dozen categories, named again by most records.
_slugify = lru_cache(maxsize=4096)(slugify)
# ``normalize_url`` remembered: most records link the same few pages (their category's).
_normalize_url = lru_cache(maxsize=4096)(normalize_url)
# A category and a link made once for each value, the same object for every record that
# names it (frozen values): a worker sends each once per chunk to the parent, not once a
# record (``pickle`` writes an object it has written already as a reference).
_category_of = lru_cache(maxsize=4096)(Category)
_link_of = lru_cache(maxsize=4096)(Link)
# What ``isinstance`` takes as a list of items, and as the text of an object's part.
_LIST = (list, tuple)
_TEXT_OR_NUMBER = (str, int)
# Image sizes fit a 32-bit integer, which every reader's parser takes.
_MAX_SIZE = 2**31 - 1


class _Bad(Exception):
    """Internal: one field is unusable; becomes the record's RecordError."""


class _Cleaner:
    """Cleans the text fields of one record, holds them to the limits, and remembers what
    it had to remove or repair (a plain class: one is made per record, a third of what a
    dataclass with two default factories takes)."""

    __slots__ = ("limits", "controls", "repaired")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.controls: dict[str, int] = {}
        self.repaired: list[str] = []

    def text(self, name: str, raw: str, *, limit: int, multiline: bool = False) -> str:
        """``raw`` cleaned (``text.clean_text``, the one way for every field); a text
        longer than ``limit`` characters, or mis-decoded beyond repair, refuses the record."""
        if len(raw) > 4 * limit:  # far too long to be worth cleaning first
            raise _Bad(f"{name} is {len(raw)} characters long (limit {limit})")
        text, removed, repaired, found = _cleaned(raw, multiline)
        if removed:
            self.controls[name] = self.controls.get(name, 0) + removed
        if repaired and name not in self.repaired:
            self.repaired.append(name)
        if len(text) > limit:
            raise _Bad(f"{name} is {len(text)} characters long (limit {limit})")
        if found is not None:
            _refuse_mojibake(name, found)
        return text

    def html(self, name: str, raw: str, base_url: str | None) -> str:
        limit = self.limits.content_html_chars
        if len(raw) > limit:
            raise _Bad(f"{name} is {len(raw)} characters long (limit {limit})")
        clean = is_clean(raw, multiline=True)  # then nothing to count, nor to prepare
        if not clean:
            cleaned = clean_text(raw, multiline=True)
            if cleaned.controls_removed:
                self.controls[name] = self.controls.get(name, 0) + cleaned.controls_removed
            if cleaned.repaired:
                self.repaired.append(name)
        try:
            depth = self.limits.html_depth
            html = sanitize_html(raw, base_url, max_depth=depth, clean=clean)
        except HtmlTooDeep as exc:
            raise _Bad(f"{name}: {exc}") from None
        _refuse_mojibake(name, html_mojibake(html))
        return html


@lru_cache(maxsize=8192)
def _cleaned(raw: str, multiline: bool) -> tuple[str, int, bool, tuple[str, str] | None]:
    """``raw`` cleaned (``text.clean_text``: the text, the control characters removed,
    whether it was repaired) and the mojibake left in it (``text.mojibake``), remembered:
    a record's names (author, category, tags, related posts' titles) are those of many
    others, each cleaned and looked at once, not once a record (a third of the door)."""
    if is_clean(raw, multiline):  # the common case: ``clean_text`` gives it back
        return raw, 0, False, mojibake(raw)
    cleaned = clean_text(raw, multiline=multiline)
    return cleaned.text, cleaned.controls_removed, cleaned.repaired, mojibake(cleaned.text)


def _refuse_mojibake(name: str, found: tuple[str, str] | None) -> None:
    """``found`` (``text.mojibake``: its kind and run) refuses the record."""
    if found is not None:
        kind, run = found
        raise _Bad(f"mis-encoded text in {name} ({kind}): {run!r}")


class RawDigest:
    """The digest of a raw record (a JSON line's bytes, a CSV row's cells) under the rules
    it is read by: the ``[limits]`` and the code of the door (the reader's module, this
    one and what it calls), so an upgrade or a new limit reads every record again, once.
    ``known`` maps the digests the store holds to their record ids
    (``SQLiteStore.raw_hashes``): a record found there is ``Unchanged``, never adapted;
    one with ``get_many`` (``store.RawRecords``) is asked a block of digests at a time.

    The digest is XXH3-128 (32 hex digits) seeded with a SHA-256 of the rules: a whole
    export's 120 MB in ~0.03 s, where SHA-256 takes ~0.15 s.  It is not cryptographic:
    128 bits make an accidental collision as unlikely as with SHA-256, but whoever writes
    the export could forge a line with another stored line's digest, which would only
    have that line skipped, or the other record's own line refused as a duplicate."""

    #: The modules, besides the reader's own, whose code decides what a record becomes.
    RULES = tuple(f"{_PACKAGE}.{name}" for name in ("model", "text", "timezone", "urls"))

    def __init__(
        self, reader: str, limits: Limits | None, known: Mapping[str, str], context: bytes = b""
    ) -> None:
        """``reader``: the adapter module's name; ``context``: what else a record is read
        with (a CSV file's header)."""
        rules = hashlib.sha256(repr(limits or Limits()).encode())
        rules.update(context)
        for name in (*self.RULES, __name__, reader):
            with open(str(sys.modules[name].__file__), "rb") as code:  # imported: in use
                rules.update(code.read())
        seed = int.from_bytes(rules.digest()[:8], "big")
        #: The digest of one raw record.
        self.of: Callable[[bytes | memoryview], str] = partial(xxhash.xxh3_128_hexdigest, seed=seed)
        self.known = known
        self._get_many: Callable[[list[str]], list[str | None]] | None = getattr(
            known, "get_many", None
        )
        # A store that knows blocks of raw records (``store.RawRecords``), else none.
        self._block: Callable[[str], Sequence[str] | None] | None = getattr(known, "block", None)
        self._saw_block: Callable[..., None] | None = getattr(known, "saw_block", None)

    def of_many(self, raws: list[bytes]) -> list[str]:
        """The digest of each raw record."""
        return list(map(self.of, raws))

    def ids(self, raw_hashes: list[str]) -> list[str | None]:
        """The record id each digest was read as before (None: not read before)."""
        if self._get_many is not None:
            return self._get_many(raw_hashes)
        return list(map(self.known.get, raw_hashes))

    def block_ids(self, digest: str) -> Sequence[str] | None:
        """The record ids of the lines of a block of raw records whose digest (``of`` its
        bytes) is ``digest``, when the store knows it: each line a record it holds as read
        from that line, so the block is those records, unchanged; else None."""
        return self._block(digest) if self._block is not None else None

    def saw_block(
        self,
        source: str,
        digest: str,
        raw_hashes: list[str] | None = None,
        ids: list[str | None] | None = None,
    ) -> None:
        """A block of ``source`` read: known (``block_ids``), or split into lines with
        these digests, read before as these ids (None: not), for the store to keep."""
        if self._saw_block is not None:
            self._saw_block(source, digest, raw_hashes, ids)


def keep_raw(item: Article | RecordError, raw: Callable[[], str]) -> Article | RecordError:
    """A refused record keeps the text it was read from (``raw()``: made only then), so
    ``hnp-feeds rejected`` can show it."""
    if isinstance(item, RecordError) and not item.raw:
        item.raw = printable(raw())
    return item


def strip_dateline(lede: str) -> str:
    """The lede without the portal's ``HNP -`` dateline."""
    return DATELINE.sub("", lede, count=1).strip()


def article_from_record(
    record: Mapping[str, Any],
    source: str,
    position: str | int,
    limits: Limits | None = None,
    raw_hash: str = "",
) -> Article | RecordError:
    """Map one record to an Article, or to a RecordError naming source, position and reason.

    Control characters are removed (and mojibake of UTF-8 repaired) with a warning on
    ``hnp_feeds.adapters``; everything else that is wrong (missing field, bad date, bad
    URL, mis-decoded text, a size over ``limits``) rejects the record, so that it is
    reported and never published.  No exception escapes: whatever fails while this one
    record is read is its RecordError.
    """
    pos = str(position)
    record_id: str | None = None
    try:
        record_id = _record_id(record.get("id"))
        where = f"{source}:{pos}" if pos else source
        return _article(record, where, record_id, limits or Limits(), raw_hash)
    except _Bad as bad:
        return RecordError(source, pos, str(bad), record_id=record_id)
    except Exception as exc:  # noqa: BLE001 - one record's fault is never the batch's
        return unreadable(source, pos, exc, record_id)


def unreadable(
    source: str, position: str, exc: Exception, record_id: str | None = None
) -> RecordError:
    """The RecordError of a record whose reading raised ``exc``: that record is lost, the
    rest of the source is read."""
    reason = f"unreadable record ({type(exc).__name__}: {exc})"
    return RecordError(source, position, reason[:500], record_id=record_id)


def _article(
    record: Mapping[str, Any], where: str, record_id: str | None, limits: Limits, raw_hash: str
) -> Article:
    clean = _Cleaner(limits)
    if record_id is None:
        raise _Bad("missing id" if _blank(record.get("id")) else "id must be a string or a number")
    record_id = clean.text("id", record_id, limit=limits.id_chars)
    if not record_id:
        raise _Bad("missing id")

    status = _status(record.get("status"))
    url = _article_url(record.get("url"), status, limits)

    title = clean.text("title", _string(record, "title"), limit=limits.title_chars)
    if not title:
        raise _Bad("missing title")

    published = _time(record.get("published"), "published")
    if published is None:
        raise _Bad("missing published time")
    updated = _time(record.get("updated"), "updated") or published
    if updated < published:
        log.warning("%s: updated %s is before published; using published", where, updated)
        updated = published

    summary_raw = _string(record, "summary")
    if _LOOKS_LIKE_HTML.search(summary_raw):
        summary_raw = html_to_text(summary_raw[: 4 * limits.summary_chars + 1])
    summary = strip_dateline(clean.text("summary", summary_raw, limit=limits.summary_chars))
    content_raw = _string(record, "content_html")
    content_html = clean.html("content_html", content_raw, url)
    author_raw = _string(record, "author")
    author = clean.text("author", author_raw, limit=limits.name_chars) or None
    category = _category(record.get("category"), clean)
    tags = _tags(record.get("tags"), clean)
    image = _image(record.get("image"), url, clean)
    related, listed = _related(record.get("related"), clean)
    if url is not None and any(same_page(link.url, url) for link in related):
        # The portal policy refuses an entry that recommends itself (RelatedLinkToSelf).
        related = tuple(link for link in related if not same_page(link.url, url))
        log.warning("%s: removed a related link to the article itself", where)

    if _unsafe_html(content_raw):
        log.warning(
            "%s: removed scripts, event handlers or javascript: URLs from content_html", where
        )
    if clean.controls:
        fields = ", ".join(f"{name} ({n})" for name, n in clean.controls.items())
        log.warning("%s: removed control characters from %s", where, fields)
    if clean.repaired:
        fields = ", ".join(clean.repaired)
        log.warning("%s: repaired UTF-8 read as Latin-1/cp1252 in %s", where, fields)

    return Article(
        id=record_id,
        title=title,
        published=published,
        updated=updated,
        url=url,
        summary=summary,
        content_html=content_html,
        author=author,
        category=category,
        tags=tags,
        image=image,
        related=related,
        listed=listed,
        status=status,
        source=where,
        raw_hash=raw_hash,
    )


def _unsafe_html(html: str) -> bool:
    """``html`` holds what the sanitizer takes out (``_UNSAFE_ELEMENT``...)."""
    return bool(
        _UNSAFE_ELEMENT.search(html)
        or ("=" in html and _EVENT_HANDLER.search(html))
        or (":" in html and _JAVASCRIPT_URL.search(html))
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _record_id(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _string(record: Mapping[str, Any], name: str) -> str:
    value = record.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _Bad(f"{name} must be text, got {type(value).__name__}")
    return value


def _status(value: Any) -> Status:
    if _blank(value):
        return "published"
    text = str(value).strip().lower()
    for status in STATUSES:
        if text == status:
            return status
    raise _Bad(f"unknown status {value!r} (expected published, draft or retracted)")


def _absolute_url(value: str, what: str, limits: Limits) -> str:
    """``value`` as a normalised absolute http(s) URL (``urls.normalize_url``); otherwise
    a reason for the record."""
    if len(value) > limits.url_chars:
        raise _Bad(f"{what} is {len(value)} characters long (limit {limits.url_chars})")
    try:
        url = _normalize_url(value)
    except ValueError as exc:
        raise _Bad(f"{what} {value!r} {exc}") from None
    if len(url) > limits.url_chars:
        raise _Bad(f"{what} is {len(url)} characters long encoded (limit {limits.url_chars})")
    return url


def _article_url(value: Any, status: Status, limits: Limits) -> str | None:
    if _blank(value):
        if status == "published":
            raise _Bad("missing url (an article needs one to be published)")
        return None
    if not isinstance(value, str):
        raise _Bad("url must be text")
    return _absolute_url(value, "url", limits)


def _time(value: Any, name: str) -> datetime | None:
    if _blank(value):
        return None
    try:
        if isinstance(value, datetime):
            moment = localize(value) if value.tzinfo is None else to_local(value)
        elif isinstance(value, str):
            moment = parse_time(value)
        else:
            raise _Bad(f"{name} must be a date in text, got {type(value).__name__}")
        check_supported(moment)
    except (ValueError, OverflowError) as exc:
        raise _Bad(f"{name}: {exc}") from None
    return moment


def _category(value: Any, clean: _Cleaner) -> Category | None:
    if _blank(value):
        return None
    limit = clean.limits.name_chars
    if isinstance(value, str):
        name, slug = clean.text("category", value, limit=limit), ""
    elif type(value) is dict or isinstance(value, Mapping):
        name = clean.text("category", _text_of(value.get("name"), "category name"), limit=limit)
        raw_slug = _text_of(value.get("slug"), "category slug")
        slug = clean.text("category slug", raw_slug, limit=limit)
    else:
        raise _Bad("category must be a name or an object with slug and name")
    if not name and not slug:
        return None
    slug = _slugify(slug or name)
    if not slug:
        raise _Bad(f"category {value!r} gives an empty slug")
    return _category_of(slug, name or slug)


def _text_of(value: Any, what: str) -> str:
    """A text part of an object field: text or a number, as text."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, _TEXT_OR_NUMBER):
        raise _Bad(f"{what} must be text, got {type(value).__name__}")
    return str(value)


def _tags(value: Any, clean: _Cleaner) -> tuple[str, ...]:
    if _blank(value):
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split(";")
    elif isinstance(value, _LIST):
        items = list(value)
    else:
        raise _Bad("tags must be a list of names")
    limit = clean.limits.tags
    if len(items) > limit:
        raise _Bad(f"{len(items)} tags (limit {limit})")
    tags: dict[str, None] = {}
    for item in items:
        if not isinstance(item, str):
            raise _Bad(f"tag {item!r} must be text")
        tag = clean.text("tags", item, limit=clean.limits.tag_chars)
        if tag:
            tags[tag] = None
    return tuple(tags)


def _image(value: Any, base_url: str | None, clean: _Cleaner) -> Image | None:
    if _blank(value):
        return None
    if isinstance(value, str):
        value = {"url": value}
    if not (type(value) is dict or isinstance(value, Mapping)) or _blank(value.get("url")):
        raise _Bad("image must be a URL or an object with a url")
    if not isinstance(value["url"], str):
        raise _Bad("image url must be text")
    raw_url = value["url"].strip()
    if base_url and not urlsplit(raw_url).scheme:
        raw_url = urljoin(base_url, raw_url)
    url = _absolute_url(raw_url, "image url", clean.limits)
    sizes: dict[str, int | None] = {}
    for name in ("length", "width", "height"):
        size = value.get(name)
        if _blank(size):
            sizes[name] = None
        elif isinstance(size, int) and not isinstance(size, bool) and 0 <= size <= _MAX_SIZE:
            sizes[name] = size
        elif isinstance(size, str) and size.strip().isdigit() and len(size.strip()) <= 10:
            sizes[name] = int(size)
        else:
            raise _Bad(f"image {name} must be a whole number up to {_MAX_SIZE}, got {size!r}")
        if (sizes[name] or 0) > _MAX_SIZE:
            raise _Bad(f"image {name} must be a whole number up to {_MAX_SIZE}, got {size!r}")
        # A CMS's 0 is a size it does not know: Media RSS (fileSize, width, height) wants
        # one greater than 0, and an unknown one is left out.
        sizes[name] = sizes[name] or None
    limit = clean.limits.name_chars
    media_type = clean.text("image type", _text_of(value.get("type"), "image type"), limit=limit)
    if media_type and not _MEDIA_TYPE.match(media_type.lower()):
        raise _Bad(f"image type {media_type!r} is not a media type like image/jpeg")
    caption = _text_of(value.get("caption"), "image caption")
    return Image(
        url=url,
        caption=clean.text("image caption", caption, limit=clean.limits.summary_chars),
        type=media_type.lower() or None,
        length=sizes["length"],
        width=sizes["width"],
        height=sizes["height"],
    )


def _related(value: Any, clean: _Cleaner) -> tuple[tuple[Link, ...], tuple[ListedPost, ...]]:
    """``{url, title}`` items are links; ``{title, published?}`` items without a URL are
    posts listed by title, for the store to link once it knows them."""
    if _blank(value):
        return (), ()
    if not isinstance(value, _LIST):
        raise _Bad("related must be a list of {url, title}")
    limit = clean.limits.related
    if len(value) > limit:
        raise _Bad(f"{len(value)} related posts (limit {limit})")
    links: dict[str, Link] = {}
    listed: dict[ListedPost, None] = {}
    for n, item in enumerate(value, 1):
        if isinstance(item, str):
            item = {"url": item}
        if isinstance(item, ListedPost):
            item = {"title": item.title, "published": item.published}
        if not (type(item) is dict or isinstance(item, Mapping)):
            raise _Bad(f"related[{n}] must be an object with a url or a title")
        raw_url = item.get("url")
        no_url = _blank(raw_url)
        if no_url and _blank(item.get("title")):
            raise _Bad(f"related[{n}] must be an object with a url or a title")
        name = f"related[{n}] title"
        title = clean.text(name, _text_of(item.get("title"), name), limit=clean.limits.title_chars)
        if no_url:
            post = ListedPost(title, _time(item.get("published"), f"related[{n}] published"))
            listed.setdefault(post, None)
            continue
        if not isinstance(raw_url, str):
            raise _Bad(f"related[{n}] url must be text")
        url = _absolute_url(raw_url, f"related[{n}] url", clean.limits)
        if url not in links:  # the first link to a URL is kept
            links[url] = _link_of(url, title)
    return tuple(links.values()), tuple(listed)

"""One source record (a mapping in the form of DESIGN.md §1) -> ``Article`` or ``RecordError``.

JSON Lines, CSV, scraped pages and the database adapter all end here, so every source
is held to the same contract: required fields, the three date forms, absolute http(s)
URLs, NFC text without control characters, sanitized HTML and no mis-decoded text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..errors import RecordError
from ..model import Article, Category, Image, Link, ListedPost, Status
from ..text import clean_text, find_mojibake, html_to_text, sanitize_html, slugify
from ..timezone import localize, parse_time, to_local

log = logging.getLogger("hnp_feeds.adapters")

STATUSES: tuple[Status, ...] = ("published", "draft", "retracted")
# "HNP - ", "HNP– ", "HNP —\u00a0": the portal's dateline in front of every lede.
DATELINE = re.compile(r"^\s*HNP\s*[-\u2013\u2014]\s*")
_LOOKS_LIKE_HTML = re.compile(r"<[A-Za-z/!]")
# What the sanitizer will take out and the editors should hear about.
_UNSAFE_HTML = re.compile(
    r"<\s*(?:script|iframe|object|embed|style)\b|\son[a-z]+\s*=|javascript\s*:", re.IGNORECASE
)


class _Bad(Exception):
    """Internal: one field is unusable; becomes the record's RecordError."""


@dataclass
class _Cleaner:
    """Cleans the text fields of one record and remembers what it had to remove."""

    controls: dict[str, int] = field(default_factory=dict)

    def text(self, name: str, raw: str, *, multiline: bool = False) -> str:
        cleaned = clean_text(raw, multiline=multiline)
        if cleaned.controls_removed:
            self.controls[name] = self.controls.get(name, 0) + cleaned.controls_removed
        return cleaned.text

    def html(self, name: str, raw: str, base_url: str | None) -> str:
        removed = clean_text(raw, multiline=True).controls_removed
        if removed:
            self.controls[name] = self.controls.get(name, 0) + removed
        return sanitize_html(raw, base_url=base_url)


def keep_raw(item: Article | RecordError, raw: Callable[[], str]) -> Article | RecordError:
    """A refused record keeps the text it was read from (``raw()``: made only then), so
    ``hnp-feeds rejected`` can show it."""
    if isinstance(item, RecordError) and not item.raw:
        item.raw = raw()
    return item


def strip_dateline(lede: str) -> str:
    """The lede without the portal's ``HNP -`` dateline."""
    return DATELINE.sub("", lede, count=1).strip()


def article_from_record(
    record: Mapping[str, Any], source: str, position: str | int
) -> Article | RecordError:
    """Map one record to an Article, or to a RecordError naming source, position and reason.

    Control characters are removed with a warning on ``hnp_feeds.adapters``; everything
    else that is wrong (missing field, bad date, relative URL, mis-decoded text) rejects
    the record, so that it is reported and never published.
    """
    pos = str(position)
    where = f"{source}:{pos}" if pos else source
    record_id = _record_id(record.get("id"))
    try:
        article = _article(record, where, record_id)
    except _Bad as bad:
        return RecordError(source, pos, str(bad), record_id=record_id)
    return article


def _article(record: Mapping[str, Any], where: str, record_id: str | None) -> Article:
    clean = _Cleaner()
    if record_id is None:
        raise _Bad("missing id" if _blank(record.get("id")) else "id must be a string or a number")
    record_id = clean.text("id", record_id)
    if not record_id:
        raise _Bad("missing id")

    status = _status(record.get("status"))
    url = _article_url(record.get("url"), status)

    title = clean.text("title", _string(record, "title"))
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
        summary_raw = html_to_text(summary_raw)
    summary = strip_dateline(clean.text("summary", summary_raw))
    content_html = clean.html("content_html", _string(record, "content_html"), url)
    author = clean.text("author", _string(record, "author")) or None
    category = _category(record.get("category"), clean)
    tags = _tags(record.get("tags"), clean)
    image = _image(record.get("image"), url, clean)
    related, listed = _related(record.get("related"), clean)

    texts = {
        "title": title,
        "summary": summary,
        "content_html": html_to_text(content_html),
        "author": author or "",
        "category": category.name if category else "",
        "tags": " ".join(tags),
        "image caption": image.caption if image else "",
        **{f"related[{n}] title": link.title for n, link in enumerate(related, 1)},
        **{f"listed[{n}] title": post.title for n, post in enumerate(listed, 1)},
    }
    for name, value in texts.items():
        run = find_mojibake(value)
        if run is not None:
            raise _Bad(f"mis-encoded text in {name}: {run!r}")

    if _UNSAFE_HTML.search(_string(record, "content_html")):
        log.warning(
            "%s: removed scripts, event handlers or javascript: URLs from content_html", where
        )
    if clean.controls:
        fields = ", ".join(f"{name} ({n})" for name, n in clean.controls.items())
        log.warning("%s: removed control characters from %s", where, fields)

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


def _absolute_url(value: str, what: str) -> str:
    """``value`` if it is an absolute http(s) URL; otherwise a reason for the record."""
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return url
    if not parts.scheme and not parts.netloc:
        raise _Bad(f"{what} {value!r} is relative: it must be an absolute http(s) URL")
    raise _Bad(f"{what} {value!r} is not an absolute http(s) URL")


def _article_url(value: Any, status: Status) -> str | None:
    if _blank(value):
        if status == "published":
            raise _Bad("missing url (an article needs one to be published)")
        return None
    if not isinstance(value, str):
        raise _Bad("url must be text")
    return _absolute_url(value, "url")


def _time(value: Any, name: str) -> datetime | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return localize(value) if value.tzinfo is None else to_local(value)
    if not isinstance(value, str):
        raise _Bad(f"{name} must be a date in text, got {type(value).__name__}")
    try:
        return parse_time(value)
    except ValueError as exc:
        raise _Bad(f"{name}: {exc}") from None


def _category(value: Any, clean: _Cleaner) -> Category | None:
    if _blank(value):
        return None
    if isinstance(value, str):
        name, slug = clean.text("category", value), ""
    elif isinstance(value, Mapping):
        name = clean.text("category", str(value.get("name") or ""))
        slug = str(value.get("slug") or "")
    else:
        raise _Bad("category must be a name or an object with slug and name")
    if not name and not slug:
        return None
    slug = slugify(slug or name)
    if not slug:
        raise _Bad(f"category {value!r} gives an empty slug")
    return Category(slug, name or slug)


def _tags(value: Any, clean: _Cleaner) -> tuple[str, ...]:
    if _blank(value):
        return ()
    if isinstance(value, str):
        items: list[Any] = value.split(";")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise _Bad("tags must be a list of names")
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise _Bad(f"tag {item!r} must be text")
        tag = clean.text("tags", item)
        if tag and tag not in tags:
            tags.append(tag)
    return tuple(tags)


def _image(value: Any, base_url: str | None, clean: _Cleaner) -> Image | None:
    if _blank(value):
        return None
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, Mapping) or _blank(value.get("url")):
        raise _Bad("image must be a URL or an object with a url")
    raw_url = str(value["url"]).strip()
    if base_url and not urlsplit(raw_url).scheme:
        raw_url = urljoin(base_url, raw_url)
    url = _absolute_url(raw_url, "image url")
    sizes: dict[str, int | None] = {}
    for name in ("length", "width", "height"):
        size = value.get(name)
        if _blank(size):
            sizes[name] = None
        elif isinstance(size, int) and not isinstance(size, bool) and size >= 0:
            sizes[name] = size
        elif isinstance(size, str) and size.strip().isdigit():
            sizes[name] = int(size)
        else:
            raise _Bad(f"image {name} must be a whole number, got {size!r}")
    media_type = value.get("type")
    return Image(
        url=url,
        caption=clean.text("image caption", str(value.get("caption") or "")),
        type=str(media_type).strip() if media_type else None,
        length=sizes["length"],
        width=sizes["width"],
        height=sizes["height"],
    )


def _related(value: Any, clean: _Cleaner) -> tuple[tuple[Link, ...], tuple[ListedPost, ...]]:
    """``{url, title}`` items are links; ``{title, published?}`` items without a URL are
    posts listed by title, for the store to link once it knows them."""
    if _blank(value):
        return (), ()
    if not isinstance(value, list | tuple):
        raise _Bad("related must be a list of {url, title}")
    links: list[Link] = []
    listed: list[ListedPost] = []
    for n, item in enumerate(value, 1):
        if isinstance(item, str):
            item = {"url": item}
        if isinstance(item, ListedPost):
            item = {"title": item.title, "published": item.published}
        if not isinstance(item, Mapping) or (_blank(item.get("url")) and _blank(item.get("title"))):
            raise _Bad(f"related[{n}] must be an object with a url or a title")
        title = clean.text("related", str(item.get("title") or ""))
        if _blank(item.get("url")):
            post = ListedPost(title, _time(item.get("published"), f"related[{n}] published"))
            if post not in listed:
                listed.append(post)
            continue
        url = _absolute_url(str(item["url"]), f"related[{n}] url")
        if all(link.url != url for link in links):
            links.append(Link(url, title))
    return tuple(links), tuple(listed)

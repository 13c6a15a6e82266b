"""The portal's article page saved as text (DESIGN.md §1, ``shared/corpus/pages/``).

Shape: title line with ``(HH:MM DD/MM/YYYY)``, ``HNP -`` lede, optional image caption,
body paragraphs, the author's byline, the lists "Các bài mới đăng" / "Các bài đã đăng :",
then the comment form and a mis-encoded captcha, which are never published.

A page carries no URL or id.  They come from options (``url=``, ``id=``), from a sidecar
``<page>.json`` or from a ``manifest.jsonl`` beside the pages (one ``{"page": file, ...}``
a line, any record field).  Without an id, the id is ``page-<12 hex>`` of the URL, which a
fix of the title never changes.  Without a URL the page cannot be published: it is a
RecordError naming the ways to give one (``NO_URL``).  The related posts a page lists by
title become ``Article.listed``: the store links them to the articles they name.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..config import Limits
from ..errors import RecordError
from ..model import Article, ListedPost
from ..text import clean_text, escape_html
from ..timezone import parse_time
from .records import DATELINE, article_from_record, keep_raw, unreadable

log = logging.getLogger("hnp_feeds.adapters")

MANIFEST_NAME = "manifest.jsonl"
_HTML = (".html", ".htm")
NO_URL = "no URL known (give --url, a sidecar <page>.json or a manifest.jsonl)"


def page_id(url: str) -> str:
    """The id of a page without a CMS id: ``page-<12 hex>`` of its URL (scheme and host
    case, fragment and trailing slash aside), so a fix of its title keeps its entry."""
    parts = urlsplit(url.strip())
    key = f"{parts.netloc.lower()}{parts.path.rstrip('/')}?{parts.query}"
    return "page-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def caption_html(caption: str) -> str:
    """A photo's caption when no image URL is known: published at the top of the body."""
    return f"<p><em>{escape_html(caption)}</em></p>" if caption else ""


_TIME = r"\d{1,2}:\d{2}\s+\d{1,2}/\d{1,2}/\d{4}"
_TITLE_LINE = re.compile(rf"^(?P<title>.*?\S)\s*\((?P<time>{_TIME})\)$")
# \s*+: spaces are never given back, or a long line that fails costs its length squared
_LIST_ITEM = re.compile(rf"^[-•*·]?\s*+(?P<title>.*?\S)\s*+(?:\((?P<time>{_TIME})\))?$")
_NEWER = re.compile(r"^Các bài mới đăng\s*:?$", re.IGNORECASE)
_OLDER = re.compile(r"^Các bài đã đăng\s*:?$", re.IGNORECASE)
# The comment form: "Bài viết Xem", "Viết bình luận", "Họ tên:(*)", "Mã xác nhận: ...".
_COMMENT_FORM = re.compile(
    r"^(?:Bài viết\s+Xem|Viết bình luận|Họ tên\s*:|Mã xác nhận\s*:)", re.IGNORECASE
)
_SENTENCE_END = (".", "!", "?", "…", ":", ";", ",", '"', "”")


@dataclass(frozen=True)
class ParsedPage:
    """What a scraped page says, before ids and URLs are attached."""

    title: str
    published: datetime
    lede: str
    caption: str
    paragraphs: tuple[str, ...]
    author: str | None
    newer: tuple[ListedPost, ...] = ()
    older: tuple[ListedPost, ...] = ()
    controls_removed: int = 0

    @property
    def listed(self) -> tuple[ListedPost, ...]:
        """Both lists, newer posts first, each post once."""
        return tuple(dict.fromkeys((*self.newer, *self.older)))

    @property
    def content_html(self) -> str:
        """The body paragraphs as HTML (caption and byline kept apart)."""
        return "\n".join(f"<p>{escape_html(p)}</p>" for p in self.paragraphs)


def parse_page(text: str, source: str) -> ParsedPage:
    """Read one page; raises RecordError naming ``source`` (and the line) when it does not fit."""
    lines: list[tuple[int, str]] = []
    controls = 0
    for number, raw in enumerate(text.splitlines(), 1):
        cleaned = clean_text(raw)
        controls += cleaned.controls_removed
        lines.append((number, cleaned.text))

    article: list[tuple[int, str]] = []
    newer: list[ListedPost] = []
    older: list[ListedPost] = []
    section = "article"
    for number, line in lines:
        if _COMMENT_FORM.match(line):
            break
        if _NEWER.match(line):
            section = "newer"
        elif _OLDER.match(line):
            section = "older"
        elif not line:
            continue
        elif section == "article":
            article.append((number, line))
        else:
            (newer if section == "newer" else older).append(_listed(line))

    if not article:
        raise RecordError(source, "", "empty page: no title line")
    title_number, title_line = article[0]
    heading = _TITLE_LINE.match(title_line)
    if heading is None:
        raise RecordError(
            source, str(title_number), "title line has no publication time (HH:MM DD/MM/YYYY)"
        )
    try:
        published = parse_time(heading["time"])
    except ValueError as exc:
        raise RecordError(source, str(title_number), f"publication time: {exc}") from None
    if len(article) < 2:
        raise RecordError(source, str(title_number), "no lede or body after the title line")

    lede = DATELINE.sub("", article[1][1], count=1).strip()
    rest = [line for _, line in article[2:]]
    author = rest.pop() if rest and is_byline(rest[-1]) else None
    caption = rest.pop(0) if len(rest) > 1 and _is_caption(rest[0]) else ""
    return ParsedPage(
        title=heading["title"],
        published=published,
        lede=lede,
        caption=caption,
        paragraphs=tuple(rest),
        author=author,
        newer=tuple(newer),
        older=tuple(older),
        controls_removed=controls,
    )


def _listed(line: str) -> ListedPost:
    item = _LIST_ITEM.match(line)
    if item is None:
        return ListedPost(line)
    when = None
    if item["time"]:
        try:
            when = parse_time(item["time"])
        except ValueError:
            when = None
    return ListedPost(item["title"], when)


def is_byline(line: str) -> bool:
    """A name or two: short, no digits, no sentence punctuation at the end."""
    return (
        len(line) <= 60
        and len(line.split()) <= 6
        and not any(c.isdigit() for c in line)
        and not line.endswith(_SENTENCE_END)
        and line[:1].isupper()
    )


def _is_caption(line: str) -> bool:
    """The short line under the lede that describes the photo, not a sentence of the body."""
    return len(line) <= 200 and (not line.endswith(_SENTENCE_END) or "Ảnh" in line)


def read_page(path: str | Path, **options: Any) -> Iterator[Article | RecordError]:
    """One page file -> its Article (URL and id from options or a sidecar) or a RecordError."""
    page = Path(path)
    sidecar, errors = sidecar_for(page)
    yield from errors
    yield _page_article(page, {**sidecar, **_given(options)}, options.get("limits"))


def read_page_dir(path: str | Path, **options: Any) -> Iterator[Article | RecordError]:
    """Every page of a directory, in name order, with URLs and ids from its
    ``manifest.jsonl``: ``*.txt`` pages, and ``*.html``/``*.htm`` pages read by
    ``page_html`` (option ``selectors``: the catalogue's ``[html_pages]``).

    Related posts a text page lists by title are linked by the store, to whichever
    article it knows by that title (an HTML page's related posts are links).
    """
    folder = Path(path)
    manifest_path = Path(options.get("manifest") or folder / MANIFEST_NAME)
    entries, errors = read_manifest(manifest_path) if manifest_path.exists() else ({}, [])
    yield from errors
    html_pages = {p for p in folder.iterdir() if p.suffix.lower() in _HTML and p.is_file()}
    pages = sorted(p for p in folder.glob("*.txt") if p.is_file())
    if html_pages:
        from .page_html import read_listed_page  # lxml only for a folder that needs it
    for page in sorted({*pages, *html_pages}):
        entry = entries.get(page.name, {})
        if page in html_pages:
            yield read_listed_page(
                page, entry, selectors=options.get("selectors"), limits=options.get("limits")
            )
        else:
            yield _page_article(page, entry, options.get("limits"))


def _given(options: Mapping[str, Any]) -> dict[str, Any]:
    fields = ("id", "url", "category", "tags", "author", "image", "status", "related")
    return {k: options[k] for k in fields if options.get(k) not in (None, "", ())}


def _read_text(page: Path) -> str:
    # Undecodable bytes become U+FFFD, which the record checks then report as mis-encoded.
    return page.read_bytes().decode("utf-8", errors="replace").lstrip("\ufeff")


def _page_article(
    page: Path, entry: Mapping[str, Any], limits: Limits | None = None
) -> Article | RecordError:
    source = str(page)
    try:
        text = _read_text(page)
    except OSError as exc:
        return RecordError(source, "", f"cannot read the page: {exc.strerror or exc}")
    return keep_raw(_text_article(text, source, entry, limits), lambda: text)


def _text_article(
    text: str, source: str, entry: Mapping[str, Any], limits: Limits | None
) -> Article | RecordError:
    try:
        parsed = parse_page(text, source)
    except RecordError as error:
        return error
    except Exception as exc:  # noqa: BLE001 - one page's fault is never the folder's
        return unreadable(source, "", exc)
    url = entry.get("url")
    if not isinstance(url, str) or not url.strip():
        return RecordError(source, "", NO_URL, record_id=entry.get("id"))
    if parsed.controls_removed:
        log.warning("%s: removed %d control characters", source, parsed.controls_removed)
    image = entry.get("image")
    if isinstance(image, str):
        image = {"url": image}
    caption = ""
    if isinstance(image, Mapping):
        if parsed.caption and not image.get("caption"):
            image = {**image, "caption": parsed.caption}
    else:
        caption = caption_html(parsed.caption)
    record: dict[str, Any] = {
        "id": entry.get("id") or page_id(url),
        "title": parsed.title,
        "published": parsed.published,
        "summary": parsed.lede,
        "content_html": caption + parsed.content_html,
        "author": parsed.author,
        # Listed by title: the store links each to the article it names.
        "related": [{"title": p.title, "published": p.published} for p in parsed.listed],
    }
    record.update({k: v for k, v in entry.items() if k not in ("page", "image")})
    if image is not None:
        record["image"] = image
    return article_from_record(record, source, "", limits)


def sidecar_for(page: Path) -> tuple[dict[str, Any], list[RecordError]]:
    """The page's entry in ``<page>.json`` or in ``manifest.jsonl`` beside it."""
    own = page.with_suffix(".json")
    if own.exists():
        try:
            entry = json.loads(own.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return {}, [RecordError(str(own), "", f"unreadable sidecar: {exc}")]
        if not isinstance(entry, dict):
            return {}, [RecordError(str(own), "", "a sidecar must be a JSON object")]
        return entry, []
    manifest = page.parent / MANIFEST_NAME
    if manifest.exists():
        entries, errors = read_manifest(manifest)
        return entries.get(page.name, {}), errors
    return {}, []


def read_manifest(path: Path) -> tuple[dict[str, dict[str, Any]], list[RecordError]]:
    """``manifest.jsonl``: page file name -> its fields; bad lines are reported."""
    entries: dict[str, dict[str, Any]] = {}
    errors: list[RecordError] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [RecordError(str(path), "", f"unreadable manifest: {exc}")]
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            reason = f"not valid JSON: {exc.msg}"
            errors.append(RecordError(str(path), str(number), reason, raw=line))
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("page"), str):
            reason = 'needs a "page" file name'
            errors.append(RecordError(str(path), str(number), reason, raw=line))
            continue
        entries[Path(entry["page"]).name] = entry
    return entries, errors


# The HTML page adapter imported these under their first names.

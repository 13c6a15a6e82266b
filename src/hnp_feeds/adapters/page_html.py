"""The portal's article page as HTML -> ``Article`` | ``RecordError`` (lxml.html).

Real portal markup is not available to us, so parts are found by their text and place,
never by guessed CSS classes: the title is the heading that carries ``(HH:MM DD/MM/YYYY)``
(or stands next to it), the lede is the block that starts ``HNP -``, the body is what
follows the lede up to the headings "Các bài mới đăng" / "Các bài đã đăng", whose links
are the related posts; the comment form after them is never read.  Where a layout
defeats this, ``[html_pages]`` in hnp-feeds.toml gives XPath expressions per part
(``config.PageSelectors``, compiled when the catalogue is loaded and handed here by
``adapters.read_sources``); without them, or without a catalogue, every part is found
by the rules above.

Encoding, in order: a byte-order mark, the charset declared by HTTP (option
``charset=``), ``<meta charset>`` / ``http-equiv``, then sniffing: valid UTF-8, else
windows-1258, the legacy Vietnamese code page.  Text is NFC after decoding (windows-1258
writes tones as combining marks).  A page whose text comes out mis-decoded is reported,
never published.
"""

from __future__ import annotations

import codecs
import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from ..config import Limits
from ..config import PageSelectors as PageSelectors  # re-exported: its home before config
from ..errors import RecordError
from ..model import Article
from ..text import clean_text, find_mojibake
from ..timezone import parse_time
from .page_text import NO_URL, is_byline, page_id, sidecar_for
from .records import DATELINE, article_from_record, keep_raw, unreadable

log = logging.getLogger("hnp_feeds.adapters")


_TIME = re.compile(r"\(\s*(\d{1,2}:\d{2}\s+\d{1,2}/\d{1,2}/\d{4})\s*\)")
_BARE_TIME = re.compile(r"\d{1,2}:\d{2}\s+\d{1,2}/\d{1,2}/\d{4}")
_RELATED_HEADING = re.compile(r"^Các bài (?:mới|đã) đăng\s*:?$", re.IGNORECASE)
_COMMENT_FORM = re.compile(
    r"^(?:Bài viết\s+Xem|Viết bình luận|Họ tên\s*:|Mã xác nhận\s*:|Ý kiến bạn đọc)",
    re.IGNORECASE,
)
_BYLINE_PREFIX = re.compile(r"^(?:Tác giả|Bài và ảnh|Bài, ảnh|Theo)\s*:?\s*", re.IGNORECASE)
# Forms themselves stay: ASP.NET pages wrap the whole page in one.  The comment form is
# left out because reading stops at it; its controls are dropped here.
_DROP = ("script", "style", "noscript", "iframe", "object", "embed", "button", "input",
         "select", "textarea")  # fmt: skip
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_INLINE = ("a", "abbr", "b", "big", "cite", "code", "em", "font", "i", "img", "q", "s",
           "small", "span", "strike", "strong", "sub", "sup", "u")  # fmt: skip
_WRAPPERS = ("div", "section", "article", "main", "center")
_BLOCKS = ("p", "div", "figure", "table", "ul", "ol", "blockquote", "section", "pre", *_HEADINGS)
_CONTAINERS = ("div", "section", "article", "main", "td", "tr", "tbody", "table", "center")

# WHATWG maps these labels to windows-1252; Python's latin-1 would leave C1 controls.
_LABEL_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "x-cp1258": "cp1258",
    "windows-1258": "cp1258",
}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))  # fmt: skip
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


@dataclass(frozen=True)
class Decoded:
    """A page's text and how its encoding was decided (for reports)."""

    text: str
    encoding: str
    how: str
    suspect: str | None = None


def decode_page(data: bytes, declared: str | None = None) -> Decoded:
    """Bytes -> NFC text: BOM, then the declared charset, then ``<meta>``, then sniffing.

    An unknown label is skipped (the next rule decides); bytes the chosen codec cannot
    read become U+FFFD, which the mojibake check then reports.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decoded(data[len(bom) :], encoding, "byte-order mark")
    if declared:
        codec = _codec(declared)
        if codec:
            return _decoded(data, codec, f"declared charset {declared!r}")
        log.warning("unknown declared charset %r; looking further", declared)
    for match in _META_CHARSET.finditer(data[:4096]):
        label = match.group(1).decode("ascii", "replace")
        codec = _codec(label)
        if codec:
            # A page saved as UTF-16 cannot declare itself in ASCII bytes: WHATWG reads UTF-8.
            codec = "utf-8" if codec.startswith("utf-16") else codec
            return _decoded(data, codec, f"<meta> charset {label!r}")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return _decoded(data, "cp1258", "sniffed: not UTF-8, read as windows-1258")
    return _decoded(data, "utf-8", "sniffed: valid UTF-8")


def _codec(label: str) -> str | None:
    name = label.strip().strip("\"'").lower()
    name = _LABEL_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _decoded(data: bytes, encoding: str, how: str) -> Decoded:
    text = data.decode(encoding, errors="replace")
    suspect = None
    if not encoding.startswith("utf") and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:  # Vietnamese in a legacy code page is never also valid multi-byte UTF-8.
            suspect = "the bytes are UTF-8"
    return Decoded(unicodedata.normalize("NFC", text), encoding, how, suspect)


@dataclass(frozen=True)
class HtmlPage:
    """What an HTML article page says, before its id and URL are attached."""

    title: str
    published: datetime
    lede: str
    content_html: str
    author: str | None
    image: dict[str, str] | None
    related: tuple[tuple[str, str], ...]
    base_url: str | None
    encoding: str


def parse_html_page(
    data: bytes,
    source: str,
    *,
    url: str | None = None,
    charset: str | None = None,
    selectors: PageSelectors | None = None,
) -> HtmlPage:
    """Read one page; raises RecordError naming ``source`` when it cannot be an article."""
    decoded = decode_page(data, charset)
    if decoded.suspect:
        raise RecordError(
            source, "", f"text mis-decoded as {decoded.encoding} ({decoded.how}): {decoded.suspect}"
        )
    doc = html_document(decoded, source)
    base = _base_url(doc, url)
    for element in list(doc.iter(*_DROP)):
        _drop(element)
    for container in list(doc.iter("body", *_CONTAINERS)):
        _paragraphize(container)
    if base:
        doc.make_links_absolute(base, resolve_base_href=True, handle_failures="discard")

    chosen = selectors or PageSelectors()
    reader = _PageReader(doc, source, chosen)
    title, published = reader.title_and_time()
    lede_element, lede = reader.lede()
    blocks = reader.body_blocks(lede_element)
    author, blocks = reader.author(blocks)
    content_html = "\n".join(_outer_html(b) for b in blocks)
    image = _lead_image(blocks)
    related = reader.related(base)

    published_text = "\n".join([title, lede, *(b.text_content() for b in blocks), author or ""])
    run = find_mojibake(published_text)
    if run is not None:
        raise RecordError(
            source, "", f"text mis-decoded as {decoded.encoding} ({decoded.how}): {run!r}"
        )
    return HtmlPage(
        title=title,
        published=published,
        lede=lede,
        content_html=content_html,
        author=author,
        image=image,
        related=related,
        base_url=base,
        encoding=decoded.encoding,
    )


def html_document(decoded: Decoded, source: str) -> lxml.html.HtmlElement:
    """The decoded page parsed (comments and processing instructions left out), or a
    RecordError naming ``source``."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return cast(
            lxml.html.HtmlElement,
            lxml.html.document_fromstring(decoded.text.encode("utf-8"), parser=parser),
        )
    except (etree.ParserError, ValueError) as exc:
        raise RecordError(source, "", f"not an HTML page: {exc}") from None


def _drop(element: lxml.html.HtmlElement) -> None:
    """Remove an element but keep the text that follows it (its tail)."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _paragraphize(container: lxml.html.HtmlElement) -> None:
    """Old layouts write text straight into a cell, lines split by ``<br>``: wrap each run
    of inline content between ``<br>``s in a ``<p>``, so every layout has blocks."""
    children = list(container)
    has_text = bool((container.text or "").strip()) or any((c.tail or "").strip() for c in children)
    if not has_text or not any(c.tag == "br" for c in children):
        return
    runs: list[lxml.html.HtmlElement] = []
    paragraph = lxml.html.Element("p")
    paragraph.text = container.text

    def flush() -> None:
        nonlocal paragraph
        if (paragraph.text or "").strip() or len(paragraph):
            runs.append(paragraph)
        paragraph = lxml.html.Element("p")

    for child in children:
        tail, child.tail = child.tail, None
        container.remove(child)
        if child.tag == "br":
            flush()
        elif isinstance(child.tag, str) and child.tag not in _INLINE:
            flush()
            runs.append(child)
        else:
            paragraph.append(child)
        if tail:
            if len(paragraph):
                paragraph[-1].tail = (paragraph[-1].tail or "") + tail
            else:
                paragraph.text = (paragraph.text or "") + tail
    flush()
    container.text = None
    for run in runs:
        container.append(run)


def _base_url(doc: lxml.html.HtmlElement, url: str | None) -> str | None:
    """The URL relative links resolve against: the page's own, else its canonical link."""
    if url:
        return url
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        found = doc.xpath(xpath)
        if found and urlsplit(str(found[0])).scheme in ("http", "https"):
            return str(found[0]).strip()
    return None


def _text(element: Any) -> str:
    if isinstance(element, str):
        return clean_text(element).text
    return clean_text(element.text_content()).text


def _outer_html(element: lxml.html.HtmlElement) -> str:
    html: str = lxml.html.tostring(element, encoding="unicode", with_tail=False)
    return html.strip()


class _PageReader:
    """Finds the parts of one parsed page, by override or by text and structure."""

    def __init__(self, doc: lxml.html.HtmlElement, source: str, selectors: PageSelectors):
        self.doc = doc
        self.source = source
        self.selectors = selectors
        body = doc.find("body")
        self.body: lxml.html.HtmlElement = body if body is not None else doc

    def _select(self, name: str) -> list[Any]:
        expression = self.selectors.xpath(name)
        if expression is None:
            return []
        try:
            result = expression(self.doc)
        except etree.XPathError as exc:
            raise RecordError(self.source, "", f"[html_pages] {name}: {exc}") from None
        if isinstance(result, list):
            return [r for r in result if not isinstance(r, str) or r.strip()]
        if isinstance(result, str | float | bool) and str(result).strip():
            return [str(result)]
        return []

    def _bad(self, reason: str) -> RecordError:
        return RecordError(self.source, "", reason)

    # -- title and time -------------------------------------------------------------------

    def title_and_time(self) -> tuple[str, datetime]:
        title, when = "", ""
        if self.selectors.title:
            found = self._select("title")
            if not found:
                raise self._bad("[html_pages] title selects nothing")
            title = _text(found[0])
        if self.selectors.time:
            found = self._select("time")
            if not found:
                raise self._bad("[html_pages] time selects nothing")
            when = _text(found[0])
            bare = _BARE_TIME.search(when)
            when = bare.group(0) if bare else when
        if not title or not when:
            found_title, found_time = self._find_title_and_time()
            title = title or _TIME.sub("", found_title).strip()
            when = when or found_time
        if not title:
            raise self._bad("no title found (a heading with '(HH:MM DD/MM/YYYY)')")
        if not when:
            raise self._bad("no publication time (HH:MM DD/MM/YYYY) found near the title")
        try:
            return title, parse_time(when)
        except ValueError as exc:
            raise self._bad(f"publication time: {exc}") from None

    def _find_title_and_time(self) -> tuple[str, str]:
        """The heading with the time in it; else the first heading and a time just after."""
        for heading in self.body.iter(*_HEADINGS):
            found = _TIME.search(_text(heading))
            if found:
                return _text(heading), found.group(1)
        headings = [h for h in self.body.iter("h1", "h2") if _text(h)]
        for heading in headings:
            after = self._time_after(heading)
            if after:
                return _text(heading), after
        # Old table layouts: the first short block that carries the time.
        for element in self.body.iter("td", "div", "p", "span", "b", "strong", "font"):
            text = _text(element)
            found = _TIME.search(text)
            if found and len(text) <= 400 and not self._in_related_list(element):
                title = _TIME.sub("", text).strip()
                if title:
                    return text, found.group(1)
                previous = element.getprevious()
                if previous is not None and _text(previous):
                    return _text(previous), found.group(1)
        title_tag = self.doc.find(".//title")
        anywhere = _TIME.search(_text(self.body))
        return (
            _text(title_tag) if title_tag is not None else "",
            anywhere.group(1) if anywhere else "",
        )

    def _time_after(self, heading: lxml.html.HtmlElement) -> str:
        """A time in the text right after a heading (its tail or the next few elements)."""
        texts = [heading.tail or ""]
        texts.extend(_text(e)[:80] for _, e in zip(range(3), heading.itersiblings(), strict=False))
        for text in texts:
            found = _TIME.search(text)
            if found:
                return found.group(1)
        return ""

    def _in_related_list(self, element: lxml.html.HtmlElement) -> bool:
        return (
            any(a.tag == "a" for a in element.iterancestors()) or element.find(".//a") is not None
        )

    # -- lede and body --------------------------------------------------------------------

    def lede(self) -> tuple[lxml.html.HtmlElement | None, str]:
        if self.selectors.lede:
            found = self._select("lede")
            if not found:
                raise self._bad("[html_pages] lede selects nothing")
            element = found[0] if not isinstance(found[0], str) else None
            return element, DATELINE.sub("", _text(found[0]), count=1).strip()
        candidates = [e for e in self.body.iter("p", "div", "td", "span", "strong", "b", "h2")
                      if DATELINE.match(_text(e))]  # fmt: skip
        if not candidates:
            return None, ""
        # The innermost block that starts "HNP -" (not the container around the whole article).
        innermost = [e for e in candidates if not any(c in candidates for c in e.iterdescendants())]
        element = innermost[0]
        while element.tag in ("span", "strong", "b") and element.getparent() is not None:
            parent = element.getparent()
            if parent is None or not DATELINE.match(_text(parent)) or parent.tag in _CONTAINERS:
                break
            element = parent
        return element, DATELINE.sub("", _text(element), count=1).strip()

    def body_blocks(self, lede: lxml.html.HtmlElement | None) -> list[lxml.html.HtmlElement]:
        if self.selectors.body:
            found = [e for e in self._select("body") if not isinstance(e, str)]
            if len(found) == 1 and found[0].tag in _CONTAINERS:
                return [c for c in found[0] if _text(c) or c.find(".//img") is not None]
            return found
        if lede is None:
            raise self._bad("no lede (a paragraph starting 'HNP -') to find the body by")
        start = lede
        # A lede alone in its wrapper: climb until there is something after it.
        while start.getnext() is None and start.getparent() is not None:
            parent = start.getparent()
            if parent is None or parent is self.body:
                break
            start = parent
        blocks: list[lxml.html.HtmlElement] = []
        self._collect(start.itersiblings(), blocks)
        return blocks

    def _collect(self, elements: Iterator[Any], blocks: list[lxml.html.HtmlElement]) -> bool:
        """Add the body's blocks until a related heading or the comment form; True = stopped."""
        for element in elements:
            if not isinstance(element.tag, str):
                continue
            text = _text(element)
            if _RELATED_HEADING.match(text) or _COMMENT_FORM.match(text) or element.tag == "form":
                return True
            if element.tag == "hr":
                continue
            marker = self._first_marker(element)
            if marker is not None:
                if element.tag in _CONTAINERS or element.tag in ("ul", "ol", "p"):
                    # The end of the article lies inside: take what comes before it.
                    self._collect(iter(element), blocks)
                return True
            if element.tag in _WRAPPERS and any(c.tag in _BLOCKS for c in element):
                self._collect(iter(element), blocks)  # a wrapper: its blocks are the body's
            elif text or element.find(".//img") is not None or element.tag == "img":
                blocks.append(element)
        return False

    def _first_marker(self, element: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
        for inner in element.iterdescendants():
            if isinstance(inner.tag, str):
                text = _text(inner)
                if _RELATED_HEADING.match(text) or _COMMENT_FORM.match(text) or inner.tag == "form":
                    return inner
        return None

    def author(
        self, blocks: list[lxml.html.HtmlElement]
    ) -> tuple[str | None, list[lxml.html.HtmlElement]]:
        if self.selectors.author:
            found = self._select("author")
            if not found:
                return None, blocks
            name = _BYLINE_PREFIX.sub("", _text(found[0])).strip()
            rest = [b for b in blocks if not isinstance(found[0], str) and b is not found[0]]
            return name or None, rest if not isinstance(found[0], str) else blocks
        if blocks:
            last = _text(blocks[-1])
            name = _BYLINE_PREFIX.sub("", last).strip()
            if name and is_byline(name) and blocks[-1].find(".//img") is None:
                return name, blocks[:-1]
        meta = self.doc.xpath('//meta[@name="author"]/@content')
        if meta and _text(str(meta[0])):
            return _text(str(meta[0])), blocks
        return None, blocks

    # -- related posts --------------------------------------------------------------------

    def related(self, base: str | None) -> tuple[tuple[str, str], ...]:
        anchors: list[lxml.html.HtmlElement] = []
        if self.selectors.related:
            for found in self._select("related"):
                if isinstance(found, str):
                    continue
                anchors.extend([found] if found.tag == "a" else found.iter("a"))
        else:
            anchors = self._related_anchors()
        links: list[tuple[str, str]] = []
        for anchor in anchors:
            href = (anchor.get("href") or "").strip()
            title = _TIME.sub("", _text(anchor)).strip()
            if not href or href.startswith(("#", "javascript:", "mailto:")):
                continue
            if not urlsplit(href).scheme:
                if not base:
                    log.info("%s: related %r has a relative link and no base URL; left out",
                             self.source, title)  # fmt: skip
                    continue
                href = urljoin(base, href)
            if all(href != url for url, _ in links):
                links.append((href, title))
        return tuple(links)

    def _related_anchors(self) -> list[lxml.html.HtmlElement]:
        """Anchors after each related heading, inside the heading's section, until the form."""
        anchors: list[lxml.html.HtmlElement] = []
        for heading in self.body.iter():
            if not isinstance(heading.tag, str) or heading.tag == "a":
                continue
            if not _RELATED_HEADING.match(_text(heading)) or heading.find(".//a") is not None:
                continue
            section = heading.getparent()
            while section is not None and _text(section) == _text(heading):
                section = section.getparent()
            if section is None:
                continue
            after = False
            for element in section.iter():
                if element is heading:
                    after = True
                    continue
                if not after or not isinstance(element.tag, str):
                    continue
                text = _text(element)
                if (
                    element.tag == "form"
                    or _COMMENT_FORM.match(text)
                    or (_RELATED_HEADING.match(text) and element.find(".//a") is None)
                ):
                    break
                if element.tag == "a" and element.get("href") and element not in anchors:
                    anchors.append(element)
        return anchors


def _lead_image(blocks: list[lxml.html.HtmlElement]) -> dict[str, str] | None:
    """The first image of the body, with its caption (figcaption, the next short line, alt)."""
    for block in blocks:
        images = [block] if block.tag == "img" else list(block.iter("img"))
        for img in images:
            src = (img.get("src") or "").strip()
            if not src or urlsplit(src).scheme not in ("http", "https"):
                continue
            caption = ""
            figure = next((a for a in img.iterancestors("figure")), None)
            if figure is not None:
                figcaption = figure.find(".//figcaption")
                caption = _text(figcaption) if figcaption is not None else ""
            if not caption:
                after = _text(block) if block.tag != "img" else ""
                if not after:
                    following = block.getnext()
                    after = _text(following) if following is not None else ""
                if after and len(after) <= 200 and not after.endswith("."):
                    caption = after
            caption = caption or _text(img.get("alt") or "")
            return {"url": src, "caption": caption}
    return None


def read_page(path: str | Path, **options: Any) -> Iterator[Article | RecordError]:
    """One ``.html`` page -> its Article, or a RecordError naming the page and the reason.

    Options: ``url``/``id`` and record fields (else from ``<page>.json`` or
    ``manifest.jsonl`` beside it, as for text pages, else the page's canonical link),
    ``charset`` (from HTTP), ``selectors`` (the catalogue's ``[html_pages]``, a
    ``PageSelectors``; without it no part is overridden).
    """
    page = Path(path)
    sidecar, errors = sidecar_for(page)  # the text pages' rules, shared
    yield from errors
    given = {k: v for k, v in options.items() if k in _RECORD_FIELDS and v not in (None, "", ())}
    yield read_listed_page(
        page,
        {**sidecar, **given},
        charset=options.get("charset"),
        selectors=options.get("selectors"),
        limits=options.get("limits"),
    )


def read_listed_page(
    page: Path,
    entry: Mapping[str, Any],
    *,
    charset: str | None = None,
    selectors: PageSelectors | None = None,
    limits: Limits | None = None,
) -> Article | RecordError:
    """One ``.html`` page whose sidecar or manifest ``entry`` is already known (a directory
    of pages reads its manifest once for all of them)."""
    source = str(page)
    entry = {k: v for k, v in entry.items() if k != "page"}
    try:
        data = page.read_bytes()
    except OSError as exc:
        return RecordError(source, "", f"cannot read the page: {exc.strerror or exc}")
    url = entry.get("url") if isinstance(entry.get("url"), str) else None
    try:
        parsed = parse_html_page(data, source, url=url, charset=charset, selectors=selectors)
        article = article_from_page(parsed, entry, source, limits)
    except RecordError as error:
        article = error
    except Exception as exc:  # noqa: BLE001 - one page's fault is never the folder's
        article = unreadable(source, "", exc)
    return keep_raw(article, lambda: data.decode("utf-8", errors="replace"))


_RECORD_FIELDS = ("id", "url", "category", "tags", "author", "image", "status", "related")


def article_from_page(
    page: HtmlPage, entry: Mapping[str, Any], source: str, limits: Limits | None = None
) -> Article | RecordError:
    """The page's record, with the sidecar's fields on top, through the shared record rules."""
    url = entry.get("url") or page.base_url
    if not isinstance(url, str) or not url.strip():
        return RecordError(source, "", NO_URL, record_id=entry.get("id"))
    record: dict[str, Any] = {
        "id": entry.get("id") or page_id(url),
        "url": url,
        "title": page.title,
        "published": page.published,
        "summary": page.lede,
        "content_html": page.content_html,
        "author": page.author,
        "related": [{"url": u, "title": t} for u, t in page.related],
    }
    if page.image is not None:
        record["image"] = page.image
    record.update(entry)
    return article_from_record(record, source, "", limits)

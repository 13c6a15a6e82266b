"""What the three writers share: entry order and limit, the feed's date, public URLs,
the summary and the HTML content with its "Bài liên quan" list (DESIGN.md §5)."""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import datetime

from ..catalogue import newest_first
from ..model import Article, FeedSpec, Image, Link, Site
from ..names import slugify
from ..text import escape_html, html_to_text
from ..timezone import localize, rfc3339, to_local
from .document import FEED_FILES as FEED_FILES
from .document import FeedDocument
from .document import feed_url as feed_url

RELATED_HEADING = "Bài liên quan"
SUMMARY_CHARS = 300
ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
JSON_TYPE = "application/feed+json"
#: The XSLT that shows a feed to people in a browser, at the root of the output directory
#: (``feedview``); the current Atom and RSS documents point to it.
STYLESHEET = "feed.xsl"
# A fixed table rather than the mimetypes module, whose answers depend on the machine.
_IMAGE_TYPES = {
    "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif",
    "webp": "image/webp", "avif": "image/avif", "svg": "image/svg+xml",
}  # fmt: skip


def entries_of(
    site: Site, feed: FeedSpec, entries: Sequence[Article], *, keep_all: bool = False
) -> list[Article]:
    """The entries a document shows: newest published first (ties by id), at most
    ``feed.limit or site.entries_per_feed`` unless ``keep_all`` (archive pages)."""
    ordered = newest_first(entries)
    if keep_all:
        return ordered
    return ordered[: feed.limit or site.entries_per_feed]


def shown_of(site: Site, document: FeedDocument, filename: str) -> tuple[Article, ...]:
    """The entries the document shows in the format of ``filename``: an Atom archive
    page all of its own, every other document its newest (``entries_of``)."""
    return _shown(site, document, filename).entries


def updated_of(site: Site, document: FeedDocument, filename: str) -> datetime:
    """The ``feed_updated`` of the entries ``shown_of`` gives."""
    shown = _shown(site, document, filename)
    if shown.updated is None:
        shown.updated = feed_updated(site, shown.entries)
    return shown.updated


class _Shown:
    """What one document shows, kept for the next question about the same document: a
    document is asked for them by ``fragments.assemble``, then by the writer for its head
    and again with its new entries (each a sort of all its entries, up to thousands on an
    archive page), and by every format of a current document."""

    def __init__(self, site: Site, document: FeedDocument, keep_all: bool) -> None:
        self.site, self.document, self.keep_all = site, document, keep_all
        self.entries = tuple(entries_of(site, document.feed, document.entries, keep_all=keep_all))
        self.updated: datetime | None = None


_last: list[_Shown] = []  # the document last asked about (one: a run renders one at a time)


def _shown(site: Site, document: FeedDocument, filename: str) -> _Shown:
    keep_all = filename == "atom.xml" and document.is_archive_page
    for last in _last:  # documents are frozen: the same object shows the same entries
        if last.document is document and last.site is site and last.keep_all == keep_all:
            return last
    shown = _Shown(site, document, keep_all)
    _last[:] = [shown]
    return shown


def feed_updated(site: Site, entries: Sequence[Article]) -> datetime:
    """The feed's ``updated``/``lastBuildDate``: the newest entry ``updated``, never now.

    An empty feed takes midnight local time of ``site.tag_date`` so it is still stable.
    """
    if entries:
        return to_local(max(a.updated for a in entries))
    parts = [int(p) for p in site.tag_date.split("-")] + [1, 1]
    return localize(datetime(parts[0], parts[1], parts[2]))


def moment(value: datetime) -> datetime:
    """A time as the XML writers print it: local Asia/Ho_Chi_Minh, so that ``isoformat()``
    equals ``timezone.rfc3339`` (a fraction of a second only when there is one) and ``%z``
    gives ``+0700``."""
    return _local(value, value.fold)


def stamp(value: datetime) -> str:
    """``timezone.rfc3339``, remembered as ``moment``: the JSON Feed's and the XML
    extensions' dates."""
    return _stamp(value, value.fold)


# The times of an entry are converted once for all its formats (and its ``updated`` is
# often its ``published``): remembered by instant, an instant being one local time
# whatever zone it was given in.  Equal times of one zone that differ by ``fold`` are
# two instants (a wall time repeated at a DST end), so ``fold`` is part of the key.
# The size of ``timezone.from_iso``'s.
@functools.lru_cache(maxsize=1 << 15)
def _local(value: datetime, fold: int) -> datetime:
    return to_local(value)


@functools.lru_cache(maxsize=1 << 15)
def _stamp(value: datetime, fold: int) -> str:
    return rfc3339(value)


def require_url(article: Article) -> str:
    """An entry's alternate link; an article without one cannot be published."""
    if not article.url:
        where = article.source or f"article {article.id!r}"
        raise ValueError(f"{where}: article {article.id!r} has no url, it cannot be published")
    return article.url


def summary_of(article: Article) -> str:
    """Plain-text summary: the lede, or the start of the content when there is none."""
    summary = article.summary
    if "<" in summary:
        summary = html_to_text(summary)
    if summary:
        return summary
    text = html_to_text(article.content_html) if article.content_html else ""
    if len(text) <= SUMMARY_CHARS:
        return text
    cut = text[:SUMMARY_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def related_html(related: Sequence[Link]) -> str:
    """The short "Bài liên quan" list put at the end of the content (most readers ignore
    ``rel="related"`` links, so the list is also in the HTML)."""
    if not related:
        return ""
    items = "".join(
        [
            f'<li><a href="{_escaped(link.url)}">{_escaped(link.title or link.url)}</a></li>'
            for link in related
        ]
    )
    return f"<p><strong>{RELATED_HEADING}</strong></p><ul>{items}</ul>"


#: A character ``escape_html`` replaces: text without one is its own escape (most URLs
#: and titles: one scan, not four replacements and their strings).
_TO_ESCAPE = re.compile('[&<>"]').search


def _escaped(text: str) -> str:
    return escape_html(text) if _TO_ESCAPE(text) else text


def stylesheet_href(relpath: str) -> str:
    """The ``xml-stylesheet`` href of the document at ``relpath`` (``tin-moi/atom.xml``):
    relative, so it stays on the document's own origin (browsers apply no XSLT from
    another one), on the portal and in the preview server alike."""
    return "../" * relpath.count("/") + STYLESHEET


def lead_image_html(article: Article) -> str:
    """The lead image as a ``<figure>``, for readers that ignore ``media:*`` and
    enclosures; empty when there is none or the body already shows it."""
    image, body = article.image, article.content_html
    if image is None or image.url in body or escape_html(image.url) in body:
        return ""
    alt = escape_html(image.caption)
    caption = f"<figcaption>{alt}</figcaption>" if image.caption else ""
    return f'<figure><img src="{escape_html(image.url)}" alt="{alt}">{caption}</figure>'


def content_of(article: Article) -> str:
    """The full HTML content of an entry: the lead image when the body lacks it, the
    article body, then its related posts."""
    return lead_image_html(article) + article.content_html + related_html(article.related)


def entry_parts(article: Article) -> tuple[str, str, list[tuple[str, str]]]:
    """``summary_of``, ``content_of`` and ``category_terms`` of an entry, made once for the
    formats of its document that write it in turn (each the same for the same article):
    kept for the article object itself (frozen: the same object shows the same), while
    it is among the last ``_PARTS_KEPT`` asked about."""
    hit = _parts.get(id(article))
    if hit is not None and hit[0] is article:  # held here, so its id is its own
        return hit[1]
    parts = (summary_of(article), content_of(article), category_terms(article))
    if len(_parts) >= _PARTS_KEPT:
        _parts.clear()
    _parts[id(article)] = (article, parts)
    return parts


#: As many entries as a document shows at most, and more (an archive page: 100).
_PARTS_KEPT = 512
_parts: dict[int, tuple[Article, tuple[str, str, list[tuple[str, str]]]]] = {}


def category_terms(article: Article) -> list[tuple[str, str]]:
    """``(term, label)`` pairs: the category (slug, name), then each tag, no term twice."""
    pairs: list[tuple[str, str]] = []
    if article.category is not None:
        pairs.append((article.category.slug, article.category.name))
    for tag in article.tags:
        pairs.append((slugify(tag) or tag, tag))
    seen: set[str] = set()
    unique: list[tuple[str, str]] = []
    for term, label in pairs:
        if term and term not in seen:
            seen.add(term)
            unique.append((term, label))
    return unique


def image_type(image: Image) -> str | None:
    """The image's media type, given or guessed from its URL's extension."""
    if image.type:
        return image.type
    path = image.url.split("#", 1)[0].split("?", 1)[0]
    extension = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return _IMAGE_TYPES.get(extension)

"""``feeds/sitemap.xml``, its pages ``feeds/sitemap-<n>.xml`` and ``feeds/news-sitemap.xml``:
the portal's articles for search engines, written with the feeds (``publish.run``).

- sitemap.xml (https://www.sitemaps.org/protocol.html) is a sitemap index of the pages
  ``sitemap-1.xml``, ``sitemap-2.xml``, ...: every live article, ``SITEMAP_PAGE_SIZE`` history
  slots a page, oldest first, as the RFC 5005 archive cuts them (a retracted article
  keeps its slot, empty), so a new article changes only the last page and the index; each
  page entry its ``loc`` and ``lastmod``.
- news-sitemap.xml (Google News, https://developers.google.com/search/docs/crawling-indexing/sitemaps/news-sitemap):
  the articles published in the last ``NEWS_WINDOW`` (at most ``NEWS_LIMIT``), each with
  ``news:news``: the publication's name and language, the publication date with its
  offset (``+07:00``) and the title.  No article in the window gives an empty ``urlset``.

Both list the articles' own pages (on ``base_url``): a sitemap under ``/feeds/`` may name
them once ``robots.txt`` points to it (``Sitemap: https://.../feeds/sitemap.xml``).
Deterministic: the same articles and the same window give the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .model import Article, Site
from .timezone import rfc3339

if TYPE_CHECKING:
    from lxml import etree

SITEMAP = "sitemap.xml"
NEWS_SITEMAP = "news-sitemap.xml"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
#: History slots a sitemap page holds (sitemaps.org allows 50,000): small, so the page a
#: new article changes is cheap to write again.
SITEMAP_PAGE_SIZE = 1_000
#: Google News: articles of the last two days, at most 1,000 in one sitemap.
NEWS_WINDOW = timedelta(days=2)
NEWS_LIMIT = 1_000


def sitemap_relpath(number: int) -> str:
    """Sitemap page ``number`` (from 1), beside the index: ``sitemap-3.xml``."""
    return f"sitemap-{number}.xml"


def sitemap_number(name: str) -> int | None:
    """The number of a sitemap page's file name, None for any other name."""
    found = re.fullmatch(r"sitemap-([1-9][0-9]*)\.xml", name)
    return int(found.group(1)) if found else None


def newest(dates: Iterable[str]) -> str:
    """The latest of RFC 3339 times (compared as instants), or "" for none."""
    return max(dates, key=datetime.fromisoformat, default="")


def render_sitemap_index(site: Site, pages: Sequence[tuple[str, str]]) -> bytes:
    """The sitemap index: each page (its path under the output directory, its newest
    ``lastmod`` or "" when every slot of it is empty) by its public URL."""
    from lxml import etree  # loaded when a sitemap is written, not by a no-op run

    root = etree.Element(f"{{{SITEMAP_NS}}}sitemapindex", nsmap={None: SITEMAP_NS})  # type: ignore[dict-item]
    for relpath, modified in pages:
        entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}sitemap")
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = site.feeds_url + relpath
        if modified:
            etree.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = modified
    return _serialize(root)


def render_sitemap(pages: Sequence[tuple[str, str]]) -> bytes:
    """The sitemap of ``pages``: (URL, last modification in RFC 3339) each, in that order."""
    from lxml import etree  # loaded when a sitemap is written, not by a no-op run

    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})  # type: ignore[dict-item]
    for url, modified in pages:
        entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = url
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}lastmod").text = modified
    return _serialize(root)


def render_news_sitemap(site: Site, articles: Sequence[Article]) -> bytes:
    """The Google News sitemap of ``articles`` (those of the window, newest first)."""
    from lxml import etree  # loaded when a sitemap is written, not by a no-op run

    namespaces = {None: SITEMAP_NS, "news": NEWS_NS}
    root = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap=namespaces)  # type: ignore[arg-type]
    for article in articles:
        if not article.url:
            continue
        entry = etree.SubElement(root, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(entry, f"{{{SITEMAP_NS}}}loc").text = article.url
        news = etree.SubElement(entry, f"{{{NEWS_NS}}}news")
        publication = etree.SubElement(news, f"{{{NEWS_NS}}}publication")
        etree.SubElement(publication, f"{{{NEWS_NS}}}name").text = site.title
        etree.SubElement(publication, f"{{{NEWS_NS}}}language").text = site.language
        etree.SubElement(news, f"{{{NEWS_NS}}}publication_date").text = rfc3339(article.published)
        etree.SubElement(news, f"{{{NEWS_NS}}}title").text = article.title
    return _serialize(root)


def _serialize(root: etree._Element) -> bytes:
    from lxml import etree

    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data + b"\n"

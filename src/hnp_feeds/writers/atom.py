"""Atom 1.0 (RFC 4287) through feedgen, with RFC 5005 archive links, RFC 6721 tombstones and
WebSub hub links.

https://www.rfc-editor.org/rfc/rfc4287 , https://www.rfc-editor.org/rfc/rfc5005 ,
https://www.rfc-editor.org/rfc/rfc6721
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feedgen.feed import FeedGenerator

from ..identity import entry_id, feed_id
from ..model import Article, FeedSpec, Site
from .common import (
    ATOM_TYPE,
    entry_parts,
    feed_url,
    moment,
    require_url,
    shown_of,
    stylesheet_href,
    updated_of,
)
from .document import FeedDocument
from .entry_state import put
from .extensions import NAME, AtomEntryExtension, AtomFeedExtension

GENERATOR = "hnp-feeds"


def render_atom(
    site: Site, document: FeedDocument, entries: Sequence[Article] | None = None
) -> bytes:
    """The Atom document: a feed's newest entries, or one RFC 5005 archive page; with its
    archive links and RFC 6721 tombstones.  ``entries``: write these instead of the ones
    the document shows (its head stays the document's: ``writers.fragments``)."""
    feed, archive = document.feed, document.archive
    is_archive = document.is_archive_page
    if archive is not None and archive.is_archive and not archive.self_url:
        raise ValueError(f"feed {feed.slug!r}: an archive page needs its own self_url")
    shown = shown_of(site, document, "atom.xml")
    self_url = (archive.self_url if archive else None) or feed_url(site, feed.slug, "atom.xml")

    fg: Any = FeedGenerator()
    fg.register_extension(NAME, AtomFeedExtension, AtomEntryExtension, atom=True, rss=False)
    fg.hnp.archive = is_archive
    fg.hnp.tombstones = document.tombstones
    if not is_archive:  # a page for people in a browser (feedview); archives are for readers
        fg.hnp.stylesheet = stylesheet_href(f"{feed.slug}/atom.xml")
    fg.id(_archive_id(site, feed, self_url) if is_archive else feed_id(site, feed.slug))
    fg.title(feed.title)
    if feed.description or site.description:
        fg.subtitle(feed.description or site.description)
    fg.language(site.language)
    # feedgen defaults updated to now(); the feed's date is its newest entry's (DESIGN.md §2).
    fg.updated(moment(updated_of(site, document, "atom.xml")))
    fg.author(name=site.title, uri=site.base_url)
    # Without arguments feedgen writes its own name, URL and version: the bytes would change
    # with every feedgen upgrade.
    fg.generator(GENERATOR)
    if site.icon:
        fg.icon(site.icon)
    if site.logo:
        fg.logo(site.logo)
    if site.rights:
        fg.rights(site.rights)
    fg.link(href=self_url, rel="self", type=ATOM_TYPE)
    fg.link(href=site.base_url, rel="alternate", type="text/html")
    if site.hub:
        fg.link(href=site.hub, rel="hub")
    if archive is not None:
        if is_archive:
            fg.link(href=archive.current, rel="current", type=ATOM_TYPE)
        if archive.prev_archive:
            fg.link(href=archive.prev_archive, rel="prev-archive", type=ATOM_TYPE)
        if archive.next_archive:
            fg.link(href=archive.next_archive, rel="next-archive", type=ATOM_TYPE)

    for article in shown if entries is None else entries:
        # feedgen prepends by default, which would reverse our newest-first order.
        fe: Any = fg.add_entry(order="append")
        _fill_entry(site, fe, article)
    data: bytes = fg.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return data


def _fill_entry(site: Site, fe: Any, article: Article) -> None:
    url = require_url(article)
    fe.id(entry_id(site, article))
    fe.title(article.title)
    fe.updated(moment(article.updated))
    fe.published(moment(article.published))
    summary, content, terms = entry_parts(article)
    # The author, the link and the categories as ``fe.author(name=...)``, ``fe.link(href=,
    # rel="alternate", type="text/html")`` and ``fe.category([...])`` leave them for Atom
    # (``entry_state``); the rest through feedgen's setters.
    if article.author:
        put(fe, atom_author=[{"name": article.author}])
    put(fe, atom_link=[{"href": url, "rel": "alternate", "type": "text/html"}])
    if summary:
        fe.summary(summary)
    if content:
        fe.content(content, type="html")
    if terms:
        put(fe, atom_category=[{"term": term, "label": label} for term, label in terms])
    # Related links, the image and the alternate link's rel: see extensions.AtomEntryExtension.
    fe.hnp.alternate = url
    fe.hnp.related = article.related
    fe.hnp.image = article.image


def _archive_id(site: Site, feed: FeedSpec, self_url: str) -> str:
    """An archive page's own id, from its place under the feeds URL (``tin-moi/archive/3``)."""
    if not self_url.startswith(site.feeds_url):
        raise ValueError(
            f"feed {feed.slug!r}: archive page URL {self_url!r} is not under {site.feeds_url!r}"
        )
    path = self_url[len(site.feeds_url) :]
    stem = path.rsplit(".", 1)[0] if "." in path.rsplit("/", 1)[-1] else path
    return feed_id(site, stem)

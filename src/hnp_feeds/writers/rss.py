"""RSS 2.0 through feedgen, with content:encoded, dc:creator, media:* and atom:link.

https://www.rssboard.org/rss-specification
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from feedgen.feed import FeedGenerator

from ..identity import entry_id
from ..model import Article, Site
from .common import (
    RSS_TYPE,
    entry_parts,
    feed_url,
    image_type,
    moment,
    require_url,
    shown_of,
    stylesheet_href,
    updated_of,
)
from .document import FeedDocument
from .entry_state import put
from .extensions import NAME, RssEntryExtension, RssFeedExtension

GENERATOR = "hnp-feeds"


def render_rss(
    site: Site, document: FeedDocument, entries: Sequence[Article] | None = None
) -> bytes:
    """The RSS 2.0 document of a feed: its newest items, newest first (``entries``: as
    ``render_atom``)."""
    feed = document.feed
    shown = shown_of(site, document, "rss.xml")

    fg: Any = FeedGenerator()
    fg.register_extension(NAME, RssFeedExtension, RssEntryExtension, atom=False, rss=True)
    fg.hnp.hub = site.hub
    fg.hnp.stylesheet = stylesheet_href(f"{feed.slug}/rss.xml")
    fg.title(feed.title)
    fg.description(feed.description or site.description or feed.title)
    fg.language(site.language)
    # feedgen defaults lastBuildDate to now(); ours is the newest entry's updated.
    fg.updated(moment(updated_of(site, document, "rss.xml")))
    fg.generator(GENERATOR)
    fg.ttl(site.publish_interval_minutes)
    if site.rights:
        fg.copyright(site.rights)
    if site.logo:
        # RSS 2.0 <image>: its title and link are the channel's, as the spec asks.
        fg.image(url=site.logo, title=feed.title, link=site.base_url)
    fg.link(href=feed_url(site, feed.slug, "rss.xml"), rel="self", type=RSS_TYPE)
    # feedgen takes the channel <link> from the *last* link given, whatever its rel:
    # the site's home page must come last.
    fg.link(href=site.base_url, rel="alternate")

    for article in shown if entries is None else entries:
        # feedgen prepends by default, which would reverse our newest-first order.
        fe: Any = fg.add_entry(order="append")
        _fill_item(site, fe, article)
    data: bytes = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return data


def _fill_item(site: Site, fe: Any, article: Article) -> None:
    url = require_url(article)
    fe.guid(entry_id(site, article), permalink=False)
    fe.title(article.title)
    fe.published(moment(article.published))
    summary, content, terms = entry_parts(article)
    if summary:
        fe.description(summary, isSummary=True)
    if content:
        fe.content(content, type="html")
    # The link, the categories and the enclosure as ``fe.link(href=url)``,
    # ``fe.category([...])`` and ``fe.enclosure(...)`` leave them for RSS (``entry_state``):
    # a category's label is its RSS value.
    put(fe, rss_link=url)
    if terms:
        put(fe, rss_category=[{"value": label} for _, label in terms])
    image = article.image
    # RSS 2.0 wants the enclosure's length in bytes; without one the image goes in
    # media:content only (extensions.RssEntryExtension).
    kind = image_type(image) if image is not None else None
    if image is not None and image.length and kind:
        put(fe, rss_enclosure={"url": image.url, "type": kind, "length": str(image.length)})
    # feedgen drops authors without an e-mail from RSS: dc:creator instead.
    fe.hnp.creator = article.author
    if article.updated > article.published:  # corrected since: say when
        fe.hnp.modified = article.updated
    fe.hnp.related = article.related
    fe.hnp.image = image

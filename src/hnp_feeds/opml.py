"""``feeds/feeds.opml``: every feed of the portal in one OPML 2.0 file, so a reader
subscribes to all of them (or a group) at once.  http://opml.org/spec2.opml

Outlines are grouped as on the page for people: the main feed, categories, authors, tags,
then the feeds declared by hand.  Output is deterministic: no build time, the date is the
newest article's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from .config import Catalogue
from .model import FeedKind, FeedSpec
from .timezone import rfc822
from .writers import feed_url

OPML_DOCS = "http://opml.org/spec2.opml"

#: Group of each feed kind, in the order they are listed, with its Vietnamese heading.
GROUPS: tuple[tuple[FeedKind, str], ...] = (
    ("main", "Tin mới nhất"),
    ("category", "Chuyên mục"),
    ("author", "Tác giả"),
    ("tag", "Chủ đề"),
    ("custom", "Chủ đề khác"),
)


def grouped(feeds: Iterable[FeedSpec]) -> list[tuple[FeedKind, str, list[FeedSpec]]]:
    """The feeds by group (kind, heading, feeds in the given order); empty groups left out."""
    feeds = list(feeds)
    found = []
    for kind, heading in GROUPS:
        members = [f for f in feeds if f.kind == kind]
        if members:
            found.append((kind, heading, members))
    return found


def render_opml(
    catalogue: Catalogue, feeds: Sequence[FeedSpec], *, updated: datetime | None = None
) -> bytes:
    """The OPML 2.0 document listing ``feeds`` (their Atom URLs), grouped by kind.

    ``updated`` (the newest article's time) becomes ``dateModified``; without it the
    element is left out rather than filled with the clock.
    """
    from lxml import etree  # only when the pages are written again

    site = catalogue.site
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = f"{site.title}: nguồn tin"
    if updated is not None:
        etree.SubElement(head, "dateModified").text = rfc822(updated)
    etree.SubElement(head, "ownerName").text = site.title
    etree.SubElement(head, "docs").text = OPML_DOCS
    body = etree.SubElement(root, "body")
    for _kind, heading, members in grouped(feeds):
        group = etree.SubElement(body, "outline", text=heading, title=heading)
        for feed in members:
            attributes = {
                "type": "rss",
                "text": feed.title,
                "title": feed.title,
                "xmlUrl": feed_url(site, feed.slug, "atom.xml"),
                "htmlUrl": site.base_url,
                "language": site.language,
            }
            if feed.description:
                attributes["description"] = feed.description
            etree.SubElement(group, "outline", attributes)
    etree.indent(root, space="  ")
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data + b"\n"

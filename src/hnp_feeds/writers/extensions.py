"""feedgen extensions: what feedgen 1.0.0 gets wrong or does not write, added through its
``register_extension`` mechanism (DESIGN.md §5).

feedgen builds Atom elements without a namespace under a root carrying ``xmlns``, so the
Atom elements added here are plain ``link``; elements of other vocabularies are qualified
and get the prefixes that ``extend_ns`` declares on the root.

The faults worked around here, each pinned by tests/test_writers_feedgen_workarounds.py:

- ``FeedEntry.atom_entry`` rebinds its loop variable ``link`` to the new element and then
  reads ``rel``/``type``/``title`` from that element: every entry link comes out with
  ``href`` alone, i.e. as an alternate link.  Related and enclosure links are therefore
  written here, and the alternate link gets its ``rel``/``type`` back.
- RSS items get no ``atom:link`` at all, and the channel only the first ``rel="self"``:
  related links and the WebSub hub link are written here.
- RSS ``<author>`` needs an e-mail; feedgen silently drops authors without one.  The portal's
  bylines are names, so RSS items carry ``dc:creator`` instead.
- No support for ``fh:archive`` (RFC 5005) or for ``media:*`` outside its own media:group.
- No way to give a document an ``xml-stylesheet`` processing instruction: it is put
  before the root element here (the extensions get the root; feedgen serializes the whole
  document, so the PI comes right after the XML declaration).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from ..model import Image, Link, Tombstone
from .common import image_type, stamp

ATOM_NS = "http://www.w3.org/2005/Atom"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
FH_NS = "http://purl.org/syndication/history/1.0"
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"

_ATOM_LINK = f"{{{ATOM_NS}}}link"

#: The name under which the extensions are registered (``fg.hnp``, ``entry.hnp``).
NAME = "hnp"


def _attrs(pairs: Sequence[tuple[str, str | int | None]]) -> dict[str, str]:
    """Attributes in a fixed order, the empty ones left out."""
    return {name: str(value) for name, value in pairs if value not in (None, "")}


def _related_attrs(related: Link) -> dict[str, str]:
    """``_attrs`` of a related link's ``rel``, ``href`` and ``title``, made directly (every
    entry has a few: no pairs to filter)."""
    attrs = {"rel": "related"}
    if related.url:
        attrs["href"] = related.url
    if related.title:
        attrs["title"] = related.title
    return attrs


def _add_stylesheet(root: etree._Element, href: str | None) -> None:
    """``<?xml-stylesheet type="text/xsl" href="..."?>`` before the root element."""
    if href:
        root.addprevious(
            etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{href}"')
        )


def _media_thumbnail(parent: etree._Element, image: Image) -> None:
    etree.SubElement(
        parent,
        f"{{{MEDIA_NS}}}thumbnail",
        _attrs([("url", image.url), ("width", image.width), ("height", image.height)]),
    )


class AtomFeedExtension:
    """Atom document level: the media, (archive pages) fh and (with tombstones) at
    namespaces, ``<fh:archive/>``, RFC 6721 ``<at:deleted-entry ref when/>`` and the
    browser's stylesheet."""

    def __init__(self) -> None:
        self.archive = False
        self.tombstones: Sequence[Tombstone] = ()
        self.stylesheet: str | None = None

    def extend_ns(self) -> dict[str, str]:
        namespaces = {"media": MEDIA_NS}
        if self.archive:
            namespaces["fh"] = FH_NS
        if self.tombstones:
            namespaces["at"] = TOMBSTONES_NS
        return namespaces

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        _add_stylesheet(feed, self.stylesheet)
        if self.archive:
            # RFC 5005 §4: an archive document is marked so readers do not subscribe to it.
            etree.SubElement(feed, f"{{{FH_NS}}}archive")
        for tomb in self.tombstones:
            # feedgen adds the entries after this: the deletions come before them.
            etree.SubElement(
                feed,
                f"{{{TOMBSTONES_NS}}}deleted-entry",
                _attrs([("ref", tomb.ref), ("when", stamp(tomb.when))]),
            )
        return feed

    def extend_rss(self, feed: etree._Element) -> etree._Element:
        return feed


class AtomEntryExtension:
    """Atom entry level: the alternate link's ``rel``/``type``, related links with their
    titles, the lead image as an enclosure link and ``media:thumbnail``."""

    def __init__(self) -> None:
        self.alternate: str | None = None
        self.related: Sequence[Link] = ()
        self.image: Image | None = None

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        for link in entry.iterchildren("link"):
            if link.get("href") == self.alternate and link.get("rel") is None:
                link.set("rel", "alternate")
                link.set("type", "text/html")
        for related in self.related:
            etree.SubElement(entry, "link", _related_attrs(related))
        if self.image is not None:
            kind = image_type(self.image)
            if kind:
                etree.SubElement(
                    entry,
                    "link",
                    _attrs(
                        [
                            ("rel", "enclosure"),
                            ("href", self.image.url),
                            ("type", kind),
                            ("length", self.image.length),
                            ("title", self.image.caption),
                        ]
                    ),
                )
            _media_thumbnail(entry, self.image)
        return entry

    def extend_rss(self, item: etree._Element) -> etree._Element:
        return item


class RssFeedExtension:
    """RSS channel level: the dc, dcterms and media namespaces, the WebSub
    ``atom:link rel="hub"`` and the browser's stylesheet."""

    def __init__(self) -> None:
        self.hub: str | None = None
        self.stylesheet: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"dc": DC_NS, "dcterms": DCTERMS_NS, "media": MEDIA_NS}

    def extend_atom(self, feed: etree._Element) -> etree._Element:
        return feed

    def extend_rss(self, rss: etree._Element) -> etree._Element:
        _add_stylesheet(rss, self.stylesheet)
        channel = rss.find("channel")
        if self.hub and channel is not None:
            hub = etree.Element(_ATOM_LINK, _attrs([("rel", "hub"), ("href", self.hub)]))
            links = channel.findall(_ATOM_LINK)
            if links:
                links[-1].addnext(hub)
            else:
                channel.append(hub)
        return rss


class RssEntryExtension:
    """RSS item level: ``dc:creator``, ``dcterms:modified`` of a corrected article (the one
    modification time feedparser and gofeed read without any reader taking it for the
    publication: docs/readers-edits-and-retractions.md), ``atom:link rel="related"`` and the
    lead image as ``media:content`` and ``media:thumbnail``."""

    def __init__(self) -> None:
        self.creator: str | None = None
        self.modified: datetime | None = None
        self.related: Sequence[Link] = ()
        self.image: Image | None = None

    def extend_ns(self) -> dict[str, str]:
        return {}

    def extend_atom(self, entry: etree._Element) -> etree._Element:
        return entry

    def extend_rss(self, item: etree._Element) -> etree._Element:
        if self.creator:
            etree.SubElement(item, f"{{{DC_NS}}}creator").text = self.creator
        if self.modified is not None:
            etree.SubElement(item, f"{{{DCTERMS_NS}}}modified").text = stamp(self.modified)
        for related in self.related:
            etree.SubElement(item, _ATOM_LINK, _related_attrs(related))
        if self.image is not None:
            content = etree.SubElement(
                item,
                f"{{{MEDIA_NS}}}content",
                _attrs(
                    [
                        ("url", self.image.url),
                        ("medium", "image"),
                        ("type", image_type(self.image)),
                        ("fileSize", self.image.length),
                        ("width", self.image.width),
                        ("height", self.image.height),
                    ]
                ),
            )
            if self.image.caption:
                description = etree.SubElement(content, f"{{{MEDIA_NS}}}description", type="plain")
                description.text = self.image.caption
            _media_thumbnail(item, self.image)
        return item

"""The one input of every writer: a feed document (DESIGN.md §5).

A feed's current document, or one RFC 5005 archive page of it: the feed, its entries, its
archive links and the RFC 6721 tombstones of entries that left it.  Atom writes all of it;
RSS and JSON Feed write the feed and its entries (they have no archives or tombstones).
Here too, the files a feed is published as and their URLs: what the pipeline needs of
the writers without loading any of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Article, FeedSpec, Site, Tombstone

#: The file each feed is published as, one per format (``formats.FORMATS``), in this order.
FEED_FILES = ("atom.xml", "rss.xml", "feed.json")


def feed_url(site: Site, slug: str, filename: str) -> str:
    """The public URL of one feed file: ``https://.../feeds/tin-moi/atom.xml``."""
    return f"{site.feeds_url}{slug}/{filename}"


@dataclass(frozen=True)
class ArchiveLinks:
    """RFC 5005 links of one Atom document.

    The current (subscription) document has ``is_archive=False`` and ``prev_archive`` set
    to the newest archive page; an archive page has ``is_archive=True``, its own
    ``self_url`` (its id is derived from it), ``current`` and its neighbours.
    """

    current: str
    prev_archive: str | None = None
    next_archive: str | None = None
    is_archive: bool = False
    self_url: str | None = None


@dataclass(frozen=True)
class FeedDocument:
    """What one document shows.  ``entries`` in any order (the writers sort them newest
    first); a current document shows at most ``feed.limit or site.entries_per_feed``."""

    feed: FeedSpec
    entries: tuple[Article, ...]
    archive: ArchiveLinks | None = None
    tombstones: tuple[Tombstone, ...] = ()

    @property
    def is_archive_page(self) -> bool:
        return self.archive is not None and self.archive.is_archive

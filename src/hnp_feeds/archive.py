"""RFC 5005 §4 archived feeds: a feed's whole history in fixed pages a reader can walk.

The history (``selection.IN_HISTORY``) is ordered oldest first (publication time, then id)
and cut into pages of ``site.archive_page_size``: page 1 holds the oldest articles.  Only
full pages are published (``<slug>/archive/<n>.xml``); the newer remainder is held by the
current document, which links ``prev-archive`` to the newest page.  A page's set of slots
and their order never change; the newest page gains its ``next-archive`` link once the page
after it fills.

A retracted article keeps its slot (it is left out of its page's entries) so a retraction
never shifts the pages after it.  An article published late with an old date does shift
them: the CMS's history is assumed to grow at its new end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from .model import FeedSpec, Site
from .writers import ArchiveLinks, feed_url

ARCHIVE_DIR = "archive"


class Slot(Protocol):
    """One slot of a feed's history, as the store lists it (``store.HistorySlot``)."""

    @property
    def record_id(self) -> str: ...

    @property
    def content_hash(self) -> str: ...

    @property
    def live(self) -> int: ...


def archive_relpath(slug: str, number: int) -> str:
    """``tin-moi/archive/3.xml``: where page ``number`` of a feed lives under ``feeds/``."""
    return f"{slug}/{ARCHIVE_DIR}/{number}.xml"


def archive_url(site: Site, slug: str, number: int) -> str:
    """The public URL of archive page ``number``."""
    return feed_url(site, slug, f"{ARCHIVE_DIR}/{number}.xml")


@dataclass(frozen=True)
class ArchivePage:
    """One full page: its number and its slots, oldest first (retracted ones included)."""

    number: int
    slots: tuple[Slot, ...]

    @property
    def record_ids(self) -> tuple[str, ...]:
        """The entries it shows: its live slots."""
        return tuple(slot.record_id for slot in self.slots if slot.live)


@dataclass(frozen=True)
class ArchiveLayout:
    """How a feed's history is cut: its full pages and its current documents.

    ``current`` is the feed with its ``limit`` widened when needed, so the current
    documents hold every article newer than the last full page (RFC 5005 §4: the current
    document plus the archives hold the whole feed); ``links`` are its Atom document's."""

    current: FeedSpec
    links: ArchiveLinks | None
    #: The full pages cut, numbered from ``skipped + 1`` (those before were not read).
    pages: tuple[ArchivePage, ...]
    skipped: int = 0

    @property
    def total(self) -> int:
        """How many full pages the history fills."""
        return self.skipped + len(self.pages)


def cut_history(site: Site, feed: FeedSpec, slots: Sequence[Slot], start: int = 0) -> ArchiveLayout:
    """The one archive cutter: ``slots`` (the feed's history, oldest first) into pages;
    ``start``: the slots before ``slots`` (whole pages, not read: ``store.history_tail``)."""
    size = site.archive_page_size
    skipped, rest = divmod(start, size)
    if rest:
        raise ValueError(f"a history read from slot {start}, not from a page's first")
    full = (start + len(slots)) // size
    base = feed.limit or site.entries_per_feed
    remainder = sum(1 for slot in slots[full * size - start :] if slot.live)
    limit = max(base, remainder)
    current = feed if limit == base else dataclasses.replace(feed, limit=limit)
    links = None
    if full:
        links = ArchiveLinks(
            current=feed_url(site, feed.slug, "atom.xml"),
            prev_archive=archive_url(site, feed.slug, full),
        )
    pages = tuple(
        ArchivePage(number, tuple(slots[(number - 1) * size - start : number * size - start]))
        for number in range(skipped + 1, full + 1)
    )
    return ArchiveLayout(current, links, pages, skipped)


def page_links(site: Site, feed: FeedSpec, number: int, pages: int) -> ArchiveLinks:
    """RFC 5005 links of archive page ``number`` of ``pages``: current, prev, next."""
    return ArchiveLinks(
        current=feed_url(site, feed.slug, "atom.xml"),
        prev_archive=archive_url(site, feed.slug, number - 1) if number > 1 else None,
        next_archive=archive_url(site, feed.slug, number + 1) if number < pages else None,
        is_archive=True,
        self_url=archive_url(site, feed.slug, number),
    )

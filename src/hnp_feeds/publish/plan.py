"""Planning a run: which feeds what changed can reach, and of those which documents differ
from what was last published (fingerprints of ids and content hashes, from the store)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import writers
from ..archive import ARCHIVE_DIR, ArchiveLayout, ArchivePage
from ..catalogue import feeds_of
from ..config import Catalogue
from ..model import FeedSpec, Tombstone
from ..selection import feed_keys
from ..store import EntryRow, FeedState, SQLiteStore, content_hash


def config_fingerprint(catalogue: Catalogue) -> str:
    """Changes whenever the catalogue would change any feed: then every feed is re-planned."""
    return content_hash(repr((catalogue.site, catalogue.declared, catalogue.main_slug)))


def spec_text(feed: FeedSpec) -> str:
    return json.dumps(feed.__dict__, sort_keys=True, ensure_ascii=False)


def site_feeds(catalogue: Catalogue, store: SQLiteStore) -> list[FeedSpec]:
    """Every feed of the site now, in the catalogue's order (``feeds_of``, the one
    definition of which feeds exist, given the store's live sections)."""
    categories, authors = store.live_sections()
    least = catalogue.site.tag_feed_min_articles
    tags = store.live_tags(least) if least else {}
    return feeds_of(catalogue, categories, authors, tags)


def feeds_to_plan(
    catalogue: Catalogue,
    store: SQLiteStore,
    out_dir: Path,
    config: str,
    feed_states: Callable[[], dict[str, FeedState]] | None = None,
    every: Callable[[], list[FeedSpec]] | None = None,
) -> list[FeedSpec]:
    """The feeds that what changed since the last publish can reach (none: the cron fast
    path, nothing rendered, nothing read); ``feed_states`` and ``every``: what the caller
    read (once a pass) of ``store.feed_states`` and ``site_feeds``."""
    full = store.get_meta("config") != config
    # New writers (an upgrade): every current document again, the archive pages as written.
    rewrite = store.get_meta("writers") != writers.writer_version()
    dirty = store.dirty_keys()
    root = f"{out_dir}{os.sep}"
    isfile = os.path.isfile
    redo = {
        slug
        for slug, (files, stale) in store.feed_files().items()
        if stale or not all(isfile(root + f) for f in files)
    }
    if not (full or rewrite or dirty or redo):
        return []
    states = (feed_states or store.feed_states)()
    feeds = {feed.slug: feed for feed in (every() if every else site_feeds(catalogue, store))}
    # A category, author or tag feed whose articles went (or too many of them, for a tag)
    # stays published, and is kept up to date: its subscribers are not left with a 404.
    for slug, state in states.items():
        if slug not in feeds and state.spec.kind in ("category", "author", "tag"):
            feeds[slug] = state.spec
    return [
        feed
        for feed in feeds.values()
        if full
        or rewrite
        or feed.slug not in states
        or feed.slug in redo
        or feed_keys(feed) <= dirty
    ]


def feed_fingerprint(
    config: str,
    feed: FeedSpec,
    rows: Sequence[EntryRow],
    tombs: Sequence[Tombstone],
    layout: ArchiveLayout | None,
) -> str:
    """What the feed's current documents depend on, the writers' code included (its
    archive pages have their own, without it: a page once written stays as it is)."""
    digest = hashlib.sha256()
    digest.update(config.encode())
    digest.update(f"\nwriters {writers.writer_version()}".encode())
    digest.update(spec_text(feed).encode())
    if layout is not None:
        digest.update(f"\narchive {layout.current.limit} {layout.total}".encode())
    for row in rows:
        digest.update(f"\ne {row.record_id} {row.content_hash}".encode())
    for tomb in tombs:
        digest.update(f"\nt {tomb.ref} {tomb.when.isoformat()}".encode())
    return digest.hexdigest()


def page_fingerprint(config: str, feed: FeedSpec, page: ArchivePage, total: int) -> str:
    """What archive page ``page`` of ``total`` shows: its slots and whether it links a next."""
    text = f"{config}\n{spec_text(feed)}\n{page.number} {page.number < total}\n" + "\n".join(
        f"{s.record_id} {s.content_hash} {int(s.live)}" for s in page.slots
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class ArchiveOnDisk:
    """A feed's archive pages as a run finds them, read once for its planning: their
    fingerprints as last written (``store.archive_pages``) and the page files in its
    folder (one listing: the main feed's folder holds a file per page and its .gz)."""

    written: dict[int, str]
    files: frozenset[str]  # the names in the folder

    @classmethod
    def read(cls, store: SQLiteStore, out_dir: Path, slug: str) -> ArchiveOnDisk:
        try:
            files = frozenset(os.listdir(out_dir / slug / ARCHIVE_DIR))
        except OSError:
            files = frozenset()
        return cls(store.archive_pages(slug), files)

    def has_file(self, number: int) -> bool:
        """Whether page ``number``'s file is there (``archive_relpath``)."""
        return f"{number}.xml" in self.files

    def numbers(self) -> set[int]:
        """The numbers of the pages written: remembered, or a file in the folder."""
        pages = [name[:-4] for name in self.files if name.endswith(".xml")]
        return set(self.written) | {int(stem) for stem in pages if stem.isdigit()}


def pages_to_render(
    archive: ArchiveOnDisk, config: str, feed: FeedSpec, layout: ArchiveLayout
) -> list[tuple[ArchivePage, str]]:
    """The full pages (with their fingerprints) that changed since written or whose file is
    gone, newest first: a page gains its ``next-archive`` link only once the page it points
    to is there."""
    total = layout.total
    todo = []
    for page in reversed(layout.pages):
        fingerprint = page_fingerprint(config, feed, page, total)
        if archive.written.get(page.number) != fingerprint or not archive.has_file(page.number):
            todo.append((page, fingerprint))
    return todo


def pages_in_place(archive: ArchiveOnDisk, pages: int) -> bool:
    """Whether archive pages 1 to ``pages`` are all written (remembered, and their files
    there): what ``pages_to_render`` would find unchanged when their slots are."""
    written = archive.written
    return all(number in written and archive.has_file(number) for number in range(1, pages + 1))

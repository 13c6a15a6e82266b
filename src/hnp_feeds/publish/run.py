"""One run of the pipeline over an open store, under the lock: plan -> render -> validate ->
write -> ledger; ``__init__`` wraps it in ingest before and hub pings after.

Only the feeds that what changed since the last publish can reach are looked at; of those,
only the ones whose entries (ids and content hashes) differ from what was last published
are rendered.  Each feed is validated in every format before any of its files is written;
a feed that fails keeps its previous files.  With ``all_or_nothing`` (``build``) no file
is written unless every file of the run is valid.  A run killed at any point leaves
complete files and a store the next run picks up from.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol, TypeVar

from .. import writers
from ..archive import (
    ARCHIVE_DIR,
    ArchiveLayout,
    archive_relpath,
    cut_history,
    page_links,
)
from ..config import Catalogue
from ..model import FeedSpec, Site
from ..output import Writes, commit_later, remove_stale_temporaries, sync_dirs
from ..precompress import add_with_sibling, gzip_sibling, write_with_sibling
from ..sitemaps import (
    NEWS_LIMIT,
    NEWS_SITEMAP,
    NEWS_WINDOW,
    SITEMAP,
    SITEMAP_PAGE_SIZE,
    newest,
    render_news_sitemap,
    render_sitemap_index,
    sitemap_number,
    sitemap_relpath,
)
from ..store import CachedEntry, FeedState, HistoryMark, HistorySlot, HistoryTail, SQLiteStore
from ..writers import FEED_FILES
from .plan import (
    ArchiveOnDisk,
    config_fingerprint,
    feed_fingerprint,
    feeds_to_plan,
    pages_in_place,
    pages_to_render,
    site_feeds,
    spec_text,
)
from .result import FeedSummary, PublishResult

if TYPE_CHECKING:  # rendering (the writers, the validator, the workers) only when there is some
    from concurrent.futures import Future

    from .render import Rendered, RenderJob, Validate
    from .workers import Workers

Batch = TypeVar("Batch")
Handed = TypeVar("Handed")

#: How long a retracted entry is announced as an RFC 6721 ``at:deleted-entry``.
TOMBSTONE_TTL = timedelta(days=30)
# The formats aggregators subscribe to: the files announced to the hub.
ANNOUNCED = FEED_FILES
# The pages for people beside the feeds.
PAGES = ("index.html", "feeds.opml", "feed.xsl")
#: The store's meta key of the index page's ``snippet_section`` as last made, after what
#: it was made of (the digest of the list of feeds).
SNIPPETS = "index-snippets"
#: The store's meta key present while a run writes files: a run that finds it set (the
#: last one was killed while writing) removes the temporary files it may have left.
WRITING = "writing"
#: Documents rendered (in the workers) between two writes: bounds the bodies and the
#: rendered files in memory.
BATCH = 32
#: Entries rendered and checked together, once, for the documents of a batch sharing them.
SHARED_CHUNK = 50
#: Batches of the first feed's archive pages handed to the workers before the other
#: feeds are planned (~1.5 s of planning on the 100,000-article portal: what two workers
#: render of three batches).
AHEAD = 3


class Progress(Protocol):
    """What the CLI's progress bar offers the library (a null one when it is off)."""

    def start(self, total: int) -> None: ...

    def advance(self, label: str) -> None: ...


class NullProgress:
    """Progress that shows nothing (cron, tests)."""

    def start(self, total: int) -> None:
        pass

    def advance(self, label: str) -> None:
        pass


class _FeedTask(NamedTuple):
    """A feed's current documents to render, with what they will be remembered by."""

    feed: FeedSpec  # as the catalogue has it (the job's may have a widened limit)
    fingerprint: str
    job: RenderJob
    #: Archive pages past the end of its history (it became shorter: an article moved to
    #: another section, say): removed once the current documents no longer link them.
    dropped: tuple[int, ...] = ()
    #: The live entries it shows, archive pages included (``Run._removes_too_much``).
    entries: int = 0
    record_ids: tuple[str, ...] = ()  # of the job's entries


class _PageBatch(NamedTuple):
    """Archive pages handed to the workers: their tasks, jobs and results to come."""

    tasks: list[_PageTask]
    jobs: list[RenderJob]
    rendered: Iterator[Rendered]


class _PageTask(NamedTuple):
    """An archive page to render again, before its bodies are read: its number and the
    entries it shows (not its slots: every page of a first publish waits here)."""

    feed: FeedSpec
    number: int
    record_ids: tuple[str, ...]
    total: int
    fingerprint: str


#: Every feed of the site and its card on the index page (slug -> HTML).
_Cards = tuple[list[FeedSpec], dict[str, str]]


class _SitemapPage(NamedTuple):
    """A sitemap page: its path, what its slots are (``fingerprint``), its newest date,
    and its lines (URL, date) when it is to be written (None: as written)."""

    relpath: str
    fingerprint: str
    modified: str
    lines: list[tuple[str, str]] | None = None


@dataclass
class _Sitemaps:
    """The sitemap files a run writes (``Run._sitemaps``)."""

    news: tuple[bytes, str] | None = None  # the news sitemap and its fingerprint
    pages: list[_SitemapPage] | None = None  # every page; None: none changed
    config: str = ""  # what the pages were made with
    #: The bytes and ``.gz`` of each page with lines, in order, when asked (rendered in
    #: the workers).
    rendered: list[Callable[[], tuple[bytes, bytes | None]]] = field(default_factory=list)

    def files(
        self, site: Site, files: dict[str, tuple[bytes, bytes | None]], saved: dict[str, str]
    ) -> None:
        """Into ``files``, each file (its bytes and ``.gz``) and, into ``saved``, what
        the store remembers of them: the pages before their index."""
        if self.news is not None:
            files[NEWS_SITEMAP] = (self.news[0], None)
            saved["news-sitemap"] = self.news[1]
        if self.pages is None:
            return
        rendered = iter(self.rendered)
        for page in self.pages:
            if page.lines is not None:
                files[page.relpath] = next(rendered)()
                saved[f"sitemap:{page.relpath}"] = f"{page.fingerprint} {page.modified}"
        index = [(page.relpath, page.modified) for page in self.pages]
        files[SITEMAP] = (render_sitemap_index(site, index), None)
        saved["sitemaps"] = self.config


class Run:
    """One run of the pipeline over an open store."""

    def __init__(
        self,
        catalogue: Catalogue,
        store: SQLiteStore,
        out_dir: Path,
        now: datetime,
        reissue: Sequence[str],
        validate: Validate,
        *,
        processes: int = 1,
        small_run: bool = False,
        lock_fd: int | None = None,
        all_or_nothing: bool = False,
        allow_mass_removal: bool = False,
        progress: Progress | None = None,
        entry_cache: bool = True,
    ) -> None:
        self.catalogue = catalogue
        self.entry_cache = entry_cache
        self.allow_mass_removal = allow_mass_removal
        self.site = catalogue.site
        self.store = store
        self.out_dir = out_dir
        self.now = now
        self.reissue = set(reissue)
        self.validate = validate
        self.processes = processes
        self.small_run = small_run  # ``workers.Workers``: a small run renders in this process
        self.lock_fd = lock_fd
        self.all_or_nothing = all_or_nothing
        self.progress = progress or NullProgress()
        self.config = config_fingerprint(catalogue)
        # all_or_nothing: files (and their .gz) that wait for the end
        self.held: dict[str, tuple[bytes, bytes | None]] = {}
        # Directories written into whose renames are not durable yet: synced once each,
        # before the store records what they hold (``_sync``).
        self.unsynced: set[Path] = set()
        self.writing = False  # the store says this run (or a killed one) is writing
        self.writes: Writes | None = None  # where ``_put`` adds files (``_together``)
        #: The archive pages being put in place while the next batch is taken
        #: (``_write_pages``), and what the store is to remember of them once they are.
        self.settling: tuple[Future[None], dict[str, dict[int, str]]] | None = None
        self.held_removals: list[str] = []  # and the files to take away then
        self.withheld: dict[str, str] = {}  # record id -> why the portal policy refuses it
        self.withheld_from: set[str] = set()  # the files that failed because of them
        #: The main feed's history as this pass read it (None: not read, or changed since).
        self.main_history: list[HistorySlot] | None = None
        #: The history marks of this pass (None: none read yet) and of the last publish.
        self.marks: dict[str, HistoryMark] | None = None
        self.last_marks: dict[str, HistoryMark] = {}
        #: What is read between two batches while the workers render (``_sitemap_steps``).
        self.meanwhile: Iterator[None] = iter(())
        #: The feeds' states and every feed of the site as this pass read them
        #: (``_feed_states``, ``_site_feeds``; None: not yet).
        self.states: dict[str, FeedState] | None = None
        self.feeds: list[FeedSpec] | None = None

    def publish(self, result: PublishResult) -> None:
        result.all_or_nothing = self.all_or_nothing
        # Only a run killed while writing leaves temporaries: no walk of every file else.
        self.writing = self.store.get_meta(WRITING) is not None
        if self.writing or self.all_or_nothing:
            remove_stale_temporaries(self.out_dir)
        self.store.expire_tombstones(self.now - TOMBSTONE_TTL)
        self._pass(result)
        if self.withheld:
            # Articles the portal policy refused alone left the feeds: what failed because
            # of them is published again without them, in a second pass.
            for relpath in self.withheld_from:
                result.invalid.pop(relpath, None)
            self.withheld, self.withheld_from = {}, set()
            self._pass(result)
        self._finish(result)
        if self.writing:
            self.store.delete_meta(WRITING)

    def _pass(self, result: PublishResult) -> None:
        changes = self.store.history_changes()  # what this pass reads of the history
        self.states, self.feeds = None, None
        planned = feeds_to_plan(
            self.catalogue, self.store, self.out_dir, self.config, self._feed_states,
            self._site_feeds,
        )  # fmt: skip
        result.planned = sorted({*result.planned, *(feed.slug for feed in planned)})
        if not planned:  # the cron fast path; the pages, after a run killed before them
            self._publish_pages(result)
            return
        from .workers import Workers

        # Rendering and validating are most of the work: a few processes share them while
        # this one writes, in order, whatever has come back.  They are forked before the
        # histories are read when many feeds are planned: a worker begins as a copy of
        # this process.  Archive pages first, so the current documents never link to a
        # page not yet there.
        with (
            Workers(
                self.site, self.validate, self.processes, self.lock_fd, self.small_run
            ) as workers,
            _collected_later() as set_aside,
        ):
            workers.start(len(planned))
            # The first feed's first archive pages are handed to the workers as soon as
            # that feed is planned: they render them while the other feeds are.
            tasks, pages = self._tasks(planned[:1], result)
            ahead = self._pages_ahead(pages, workers)
            more_tasks, more_pages = self._tasks(planned[1:], result)
            tasks, pages = tasks + more_tasks, pages + more_pages
            set_aside()  # (the plan, the histories: alive till the end of the pass)
            if result.mass_removal:
                # Refused as a whole: nothing written, the dirty keys kept, so every run is
                # refused the same way until the export is fixed or the removal confirmed.
                self.main_history = None
                return
            self.progress.start(len(tasks) + len(pages))
            # The sitemaps are read a page at a time between two batches (each handed to
            # the workers once read), the rest of them once the last documents are handed.
            sitemaps = _Sitemaps()
            self.meanwhile = self._sitemap_steps(workers, sitemaps)
            failed: list[FeedSpec] = []
            workers.start(len(tasks) + len(pages))
            broken = self._publish_archive_pages(pages, workers, result, ahead)
            # A feed with a page that failed keeps its previous current documents too.
            kept = [task for task in tasks if task.feed.slug not in broken]

            def hand(batch: list[_FeedTask]) -> tuple[list[_FeedTask], Iterator[Rendered]]:
                jobs = self._with_cache(
                    [t.job for t in batch], [t.record_ids for t in batch], workers
                )
                return batch, workers.render(jobs)

            def take(handed: tuple[list[_FeedTask], Iterator[Rendered]]) -> None:
                ready: list[tuple[_FeedTask, Rendered]] = []
                with self.store.transaction():  # (the batch's entries, ids and pings)
                    for task, rendered in zip(*handed, strict=True):
                        self.progress.advance(task.feed.slug)
                        self._keep_entries(rendered)
                        if self._feed_ready(task, rendered, result):
                            ready.append((task, rendered))
                        else:
                            failed.append(task.feed)
                self._write_feeds(ready, result)
                next(self.meanwhile, None)

            if self.entry_cache and workers.parallel and len(kept) > BATCH:
                # Each batch is rendered while the one before is written: the entries that
                # documents of two batches show are rendered once, before them all.
                self._shared_first([t.job for t in kept], [t.record_ids for t in kept], workers)
            # A smaller batch first, not last: the workers have a whole one to render while
            # this process reads what ends the pass (``last``).
            first = len(kept) % BATCH or BATCH
            batches = [
                kept[max(start, 0) : start + BATCH]
                for start in range(first - BATCH, len(kept), BATCH)
            ]
            # The index's cards are made, and the sitemaps read to their end, once the last
            # documents are handed: while those render and are written.
            cards: list[_Cards] = []

            def last() -> None:
                if not result.invalid:  # (else the sitemaps are not written)
                    for _ in self.meanwhile:
                        pass
                cards.append(self._index_cards(result))

            _one_ahead(workers.parallel, batches, hand, take, last=last)
            self.meanwhile = iter(())
            failed += [feed for feed in planned if feed.slug in broken]
            ready = not result.invalid
            if self.withheld:
                result.withheld += self.store.withhold(
                    self.withheld, self.now, self.site.related_count
                )
                self.main_history = None  # the withheld articles' slots are empty now
                self.feeds = None  # (a section may have gone with them)
                ready = False  # (the sitemaps and cards were made of them)
                cards.clear()
            self._publish_pages(result, sitemaps if ready else None, cards[0] if cards else None)
        self.main_history = None
        self.store.finish_publish(
            failed, self.config, self.now, changes, self.marks, writers.writer_version()
        )
        self.marks = None

    def _feed_states(self) -> dict[str, FeedState]:
        """``store.feed_states``, read once a pass: no feed's state is saved before the
        pass has planned every feed (``_tasks``)."""
        if self.states is None:
            self.states = self.store.feed_states()
        return self.states

    def _site_feeds(self) -> list[FeedSpec]:
        """``plan.site_feeds``, read once a pass (the articles do not change within it)."""
        if self.feeds is None:
            self.feeds = site_feeds(self.catalogue, self.store)
        return self.feeds

    def _refused(self, job: RenderJob, rendered: Rendered, result: PublishResult) -> None:
        """A document failed: its entries that fail alone are withheld at the end of the
        pass (and the document published without them); else the document keeps its old
        files."""
        from .render import culprits

        result.invalid.update(rendered.invalid)
        found = culprits(job, self.site, self.validate)
        if found:
            self.withheld.update(found)
            self.withheld_from.update(rendered.invalid)

    def _finish(self, result: PublishResult) -> None:
        if self.all_or_nothing:  # a build that would show no article writes nothing
            result.articles = self.store.live_count()
        # A build writes all or nothing, and nothing when it has no article to show.
        if (
            self.all_or_nothing
            and not result.invalid
            and not result.mass_removal
            and result.articles
        ):
            with self._together():
                for relpath, (data, gz) in sorted(self.held.items()):
                    self._put(relpath, data, result, gz)
            self.all_or_nothing = False
            for relpath in self.held_removals:
                self._remove(relpath, result)
        self._sync()

    def _tasks(
        self, planned: Sequence[FeedSpec], result: PublishResult
    ) -> tuple[list[_FeedTask], list[_PageTask]]:
        """The current documents and archive pages of the planned feeds that differ from
        what was last published (those that would take too much away left out)."""
        from .render import RenderJob

        states = self._feed_states()
        same_config = self.store.get_meta("config") == self.config
        tasks: list[_FeedTask] = []
        pages: list[_PageTask] = []
        for feed in planned:
            layout: ArchiveLayout | None = None
            live = 0
            if feed.archive:
                archive = ArchiveOnDisk.read(self.store, self.out_dir, feed.slug)
                layout, live = self._history(feed, states.get(feed.slug), same_config, archive)
            current = layout.current if layout is not None else feed
            limit = current.limit or self.site.entries_per_feed
            rows = self.store.select_entries(feed, limit)
            entries = live if feed.archive else len(rows)
            before = self._published_entries(feed)
            if not feed.archive:  # a smaller limit in the catalogue takes nothing away
                before = min(before, limit)
            if self._removes_too_much(before, entries):
                result.mass_removal[feed.slug] = (before, entries)
                continue
            if layout is not None:
                total = layout.total
                pages += [
                    _PageTask(feed, page.number, page.record_ids, total, fingerprint)
                    for page, fingerprint in pages_to_render(archive, self.config, feed, layout)
                ]
            tombs = self.store.tombstones(feed) if self.site.tombstones else []
            fingerprint = feed_fingerprint(self.config, feed, rows, tombs, layout)
            state = states.get(feed.slug)
            if (
                state is not None
                and not state.stale
                and state.fingerprint == fingerprint
                and all((self.out_dir / f).is_file() for f in state.files)
            ):
                continue
            job = RenderJob(
                current,
                tuple((row.body, row.source) for row in rows),
                layout.links if layout is not None else None,
                tuple(tombs),
                digests=tuple(row.content_hash for row in rows),
            )
            dropped = _pages_past(archive, layout.total) if layout is not None else ()
            ids = tuple(row.record_id for row in rows)
            tasks.append(_FeedTask(feed, fingerprint, job, dropped, entries, ids))
        return tasks, pages

    def _history(
        self, feed: FeedSpec, state: FeedState | None, same_config: bool, archive: ArchiveOnDisk
    ) -> tuple[ArchiveLayout, int]:
        """How ``feed``'s history is cut, and its live slots.  Read from its end
        (``store.history_tail``) when the pages before it are as the last publish left
        them: the same catalogue and feed, published and in place; else whole."""
        if same_config and state is not None and not state.stale and state.spec == feed:
            tail = self._tail(feed, self.site.archive_page_size)
            layout = cut_history(self.site, feed, tail.slots, tail.start)
            if pages_in_place(archive, layout.skipped):
                return layout, tail.live
        history = self.store.history_keys(feed)
        if feed.kind == "main":  # every article's slot: the sitemap's too
            self.main_history = history
        return cut_history(self.site, feed, history), sum(slot.live for slot in history)

    def _tail(self, feed: FeedSpec, unit: int) -> HistoryTail:
        """``store.history_tail``, counted from the mark the last publish left for ``feed``
        and ``unit``; its new mark kept for ``finish_publish``."""
        name = f"{feed.slug}:{unit}"
        if self.marks is None:
            self.marks = {}
            self.last_marks = self.store.history_marks()
        tail = self.store.history_tail(feed, unit, self.last_marks.get(name))
        if tail.mark is not None:
            self.marks[name] = tail.mark
        return tail

    def _keep_entries(self, rendered: Rendered) -> None:
        """Keep the entries a document was assembled from, unless it failed validation:
        what a faulty render made is never reused (the next run renders it again)."""
        if not rendered.invalid:
            self.store.save_cached_entries(rendered.cache)

    def _with_cache(
        self, jobs: Sequence[RenderJob], record_ids: Sequence[Sequence[str]], workers: Workers
    ) -> list[RenderJob]:
        """The jobs with the entries the store keeps for their articles (``render``), the
        entries more than one of them shows rendered and checked once first, and kept."""
        if not self.entry_cache:
            return list(jobs)
        by_key = self._shared_first(jobs, record_ids, workers)
        return [
            dataclasses.replace(
                job,
                cached={
                    (rid, f): e for rid in ids for f in job.formats if (e := by_key.get((rid, f)))
                },
            )
            for job, ids in zip(jobs, record_ids, strict=True)
        ]

    def _shared_first(
        self, jobs: Sequence[RenderJob], record_ids: Sequence[Sequence[str]], workers: Workers
    ) -> dict[tuple[str, str], CachedEntry]:
        """The entries the store keeps for the jobs' articles, by (record id, format), with
        those more than one of the jobs shows rendered and checked first (``render``), and
        kept."""
        from .render import KnownValidator, shared_entries

        every = [rid for ids in record_ids for rid in ids]
        kept = self.store.cached_entries(every)
        by_key = {(entry.record_id, entry.format): entry for entry in kept}
        shared = []
        if isinstance(self.validate, KnownValidator):  # whose verdicts on entries are kept
            size = min(SHARED_CHUNK, self.validate.entries_allowed(False))
            if len(set(every)) < len(every):  # (else no entry is shown twice: none shared)
                shared = shared_entries(self.site, jobs, record_ids, by_key, size)
            workers.start(len(jobs), sum(len(job.bodies) for job in shared))
        for rows in workers.render_entries(shared):
            self.store.save_cached_entries(rows)
            by_key.update(((entry.record_id, entry.format), entry) for entry in rows)
        return by_key

    def _removes_too_much(self, before: int, entries: int) -> bool:
        """Whether a feed that showed ``before`` entries would lose more than the allowed
        share of them by showing ``entries`` (``[publish] max_removed_share``)."""
        if self.allow_mass_removal or before < self.catalogue.mass_removal_min:
            return False
        return before - entries > before * self.catalogue.max_removed_share

    def _published_entries(self, feed: FeedSpec) -> int:
        """How many live entries ``feed`` showed when last published: remembered by the
        store; else (a fresh store: ``build``) read from the published files, the current
        ``feed.json`` and a full page per archive page."""
        remembered = self.store.get_meta(f"entries:{feed.slug}")
        if remembered is not None:
            return int(remembered)
        folder = self.out_dir / feed.slug
        try:
            items = len(json.loads((folder / "feed.json").read_bytes()).get("items", []))
        except (OSError, ValueError, AttributeError):
            return 0
        pages = sum(1 for p in (folder / ARCHIVE_DIR).glob("*.xml") if p.stem.isdigit())
        return items + pages * self.site.archive_page_size

    def _pages_ahead(self, pages: Sequence[_PageTask], workers: Workers) -> list[_PageBatch]:
        """The first ``AHEAD`` batches of ``pages`` (one feed's, newest first: their entries
        shown by no page before them) handed to the workers now, before the other feeds
        are planned, when there are that many and workers to hand them to."""
        if not workers.parallel or len(pages) < AHEAD * BATCH:
            return []
        return [
            self._hand_pages(pages[start : start + BATCH], workers)
            for start in range(0, AHEAD * BATCH, BATCH)
        ]

    def _hand_pages(self, batch: Sequence[_PageTask], workers: Workers) -> _PageBatch:
        """Archive pages handed to the workers, their bodies read from the store."""
        from .render import RenderJob

        # The bodies of the whole batch in one read (a category's page and a main page
        # of the same batch share theirs).
        rows = iter(self.store.entry_rows([rid for t in batch for rid in t.record_ids]))
        jobs = self._with_cache(
            [
                RenderJob(
                    t.feed,
                    tuple((r.body, r.source) for r in page),
                    page_links(self.site, t.feed, t.number, t.total),
                    page=t.number,
                    digests=tuple(r.content_hash for r in page),
                )
                for t in batch
                for page in ([next(rows) for _ in t.record_ids],)
            ],
            [t.record_ids for t in batch],
            workers,
        )
        return _PageBatch(list(batch), jobs, workers.render(jobs))

    def _publish_archive_pages(
        self,
        tasks: Sequence[_PageTask],
        workers: Workers,
        result: PublishResult,
        ahead: list[_PageBatch] | None = None,
    ) -> set[str]:
        """Render, validate and write archive pages, a batch at a time (bodies read from
        the store per batch); the slugs of feeds with a page that failed.  With workers,
        a batch is handed to them before the one before it is written: they render while
        this process reads and writes.  ``ahead``: the first batches, handed already
        (``_pages_ahead``): written first (and taken out of the list)."""
        ahead = ahead if ahead is not None else []
        broken: set[str] = set()
        needs: Callable[[int], bool] = _never
        if self.entry_cache and len(tasks) > 2 * BATCH:
            tasks = _interleaved(tasks, 2 * BATCH)
        handed = [task for batch in ahead for task in batch.tasks]
        if handed:  # (a prefix of one feed's pages: each feed's order is kept)
            first = {id(task) for task in handed}
            tasks = handed + [task for task in tasks if id(task) not in first]
        if self.entry_cache and len(tasks) > 2 * BATCH:
            needs = _needs_batch_before([task.record_ids for task in tasks], BATCH)

        def take(batch: _PageBatch) -> None:
            self._write_pages(batch, broken, result)
            next(self.meanwhile, None)  # (a step of what else there is to read)

        def hand(start: int) -> _PageBatch:
            if start < len(handed):
                return ahead.pop(0)
            batch = [t for t in tasks[start : start + BATCH] if t.feed.slug not in broken]
            return self._hand_pages(batch, workers)

        _one_ahead(
            workers.parallel,
            range(0, len(tasks), BATCH),
            hand,
            take,
            needs,
        )
        self._settle_pages()  # before any current document links to them
        return broken

    def _write_pages(self, batch: _PageBatch, broken: set[str], result: PublishResult) -> None:
        """The rendered archive pages of ``batch`` written: the entries they were made of
        kept, their ids in the ledger (one transaction each for the batch), then their
        files staged and handed to ``commit_later`` (they go in place while the next
        batch is taken), once the batch before is in place and remembered."""
        kept: list[CachedEntry] = []
        good: list[tuple[_PageTask, Rendered]] = []
        published = self.store.ledger_ids([rid for task in batch.tasks for rid in task.record_ids])
        known = set(published)  # in the ledger already: never added again (it keeps them)
        for task, job, rendered in zip(batch.tasks, batch.jobs, batch.rendered, strict=True):
            self.progress.advance(f"{task.feed.slug} {task.number}")
            if not rendered.invalid:  # what a faulty render made is never reused
                kept += rendered.cache
            slug = task.feed.slug
            if slug in broken:
                continue
            result.warnings.update(rendered.warnings)
            if rendered.invalid:
                self._refused(job, rendered, result)
                broken.add(slug)
                continue
            if not self._check_identity(task.feed, rendered.ids, result, published):
                broken.add(slug)
                continue
            published.update(rendered.ids)
            good.append((task, rendered))
        new = {k: v for _, r in good for k, v in r.ids.items() if k not in known}
        with self.store.transaction():
            self.store.save_cached_entries(kept)
            if new:
                self.store.add_to_ledger(new, self.now)
        done: dict[str, dict[int, str]] = {}
        writes = Writes(set(), later=True)
        self.writes = writes
        try:
            for task, rendered in good:
                for relpath, data in rendered.files.items():
                    self._write(relpath, data, result, rendered.gz.get(relpath))
                done.setdefault(task.feed.slug, {})[task.number] = task.fingerprint
            self._settle_pages()  # the batch before: in place first
        except BaseException:
            writes.discard()
            raise
        finally:
            self.writes = None
        self.settling = (commit_later(writes), done)

    def _settle_pages(self) -> None:
        """The archive pages last given to ``commit_later`` in place and their directories
        synced (waited for): then remembered by the store."""
        if self.settling is None:
            return
        committed, done = self.settling
        self.settling = None
        committed.result()
        with self.store.transaction():
            for slug, written in done.items():
                self.store.save_archive_pages(slug, written)

    def _feed_ready(self, task: _FeedTask, rendered: Rendered, result: PublishResult) -> bool:
        """Check a rendered feed and its ids, and put its new ids in the ledger and its
        pings in the queue (before its files appear: a run killed in between neither
        forgets an id nor loses a ping); False (nothing to write) if it fails."""
        feed = task.feed
        result.warnings.update(rendered.warnings)
        if rendered.invalid:
            self._refused(task.job, rendered, result)
            return False
        published = self.store.ledger_ids(list(rendered.ids))
        if not self._check_identity(feed, rendered.ids, result, published):
            return False
        summary = FeedSummary(feed.slug, feed.title, len(rendered.ids))
        result.feeds = [f for f in result.feeds if f.slug != feed.slug] + [summary]  # 2nd pass
        new = {k: v for k, v in rendered.ids.items() if k not in published}
        if new:  # (those there already are kept as they are)
            self.store.add_to_ledger(new, self.now)
        if self.site.hub and not self.all_or_nothing:  # (no hub: the old files not read)
            announced = [
                self.site.feeds_url + relpath
                for relpath, data in sorted(rendered.files.items())
                if relpath.rsplit("/", 1)[-1] in ANNOUNCED
                and not _same_bytes(self.out_dir / relpath, data)
            ]
            if announced:
                self.store.queue_pings(announced, self.now)
        return True

    def _write_feeds(
        self, ready: Sequence[tuple[_FeedTask, Rendered]], result: PublishResult
    ) -> None:
        """The files of a batch of feeds (``_feed_ready``) put in place together (flushed
        at once, renamed in order), their archive pages past the end taken away, their
        directories synced, then each feed's state saved."""
        with self._together():
            for _, rendered in ready:
                for relpath, data in sorted(rendered.files.items()):
                    self._write(relpath, data, result, rendered.gz.get(relpath))
        for task, _ in ready:
            for number in task.dropped:
                self._remove(archive_relpath(task.feed.slug, number), result)
        self._sync()
        with self.store.transaction():  # (every state of the batch)
            for task, rendered in ready:
                if task.dropped:
                    self.store.forget_archive_pages(task.feed.slug, task.dropped)
                self.store.save_feed_state(
                    task.feed, task.fingerprint, sorted(rendered.files), self.now,
                    rendered.updated, entries=task.entries,
                )  # fmt: skip

    def _publish_pages(
        self,
        result: PublishResult,
        sitemaps: _Sitemaps | None = None,
        cards: _Cards | None = None,
    ) -> None:
        """``index.html`` and ``feeds.opml`` again when any feed changed since they were
        written (a fingerprint of every feed's fingerprint says so), of the index's cards
        only those whose entries changed (``_cards``); ``feed.xsl`` and the discovery
        fragments when the list of feeds changed; the sitemaps (``_sitemaps``; they and
        the cards given when made while the last documents rendered).  All put in place
        together, then their directories synced, then the store told what they hold."""
        if result.invalid:
            # While a document of the run failed, the sitemaps stay as they were, like its
            # feeds, and are written by the next run that succeeds.
            self.store.set_meta("news-sitemap", "")
            self.store.set_meta("sitemaps", "")
            sitemaps = None
        elif sitemaps is None:
            sitemaps = self._sitemaps(None)
        files: dict[str, tuple[bytes, bytes | None]] = {}
        saved: dict[str, str] = {}  # meta keys to set once the files are in place
        self._listing(result, files, saved, cards)
        if sitemaps is not None:  # last: the workers render the pages meanwhile
            sitemaps.files(self.site, files, saved)
        if files:
            with self._together():
                for name, (data, gz) in files.items():
                    self._write(name, data, result, gz)
        if sitemaps is not None and sitemaps.pages is not None:
            # Only once the index no longer names them (a run killed between leaves no
            # link to a missing page).
            for path in sorted(self.out_dir.glob("sitemap-*.xml")):
                number = sitemap_number(path.name)
                if number is not None and number > len(sitemaps.pages):
                    self._remove(path.name, result)
        self._sync()
        with self.store.transaction():
            for key, value in saved.items():
                self.store.set_meta(key, value)

    def _listing(
        self,
        result: PublishResult,
        files: dict[str, tuple[bytes, bytes | None]],
        saved: dict[str, str],
        cards: _Cards | None = None,
    ) -> None:
        """The pages for people (``PAGES``, the discovery fragments) to write, into
        ``files``, and what the store is to remember of them, into ``saved``; ``cards``:
        the feeds and their cards (``_index_cards``), when made already."""
        fingerprints = self.store.feed_fingerprints()
        digest = hashlib.sha256(self.config.encode())
        for slug in sorted(fingerprints):
            digest.update(f"\n{slug} {fingerprints[slug]}".encode())
        fingerprint = digest.hexdigest()
        if self.store.get_meta("pages") == fingerprint and all(
            (self.out_dir / name).is_file() for name in PAGES
        ):
            return
        # The pages (and the OPML writer) only when written.
        from ..pages import fixed_files, fixed_names, listing_files, snippet_section

        feeds, made = cards or self._index_cards(result)
        updated = self.store.feeds_updated(feed.slug for feed in feeds)
        # The stylesheet, the discovery fragments and the index page's snippets change
        # with the list of feeds alone.
        digest = hashlib.sha256(self.config.encode())
        for feed in feeds:
            digest.update(f"\n{spec_text(feed)}".encode())
        fixed = digest.hexdigest()
        kept, _, snippets = (self.store.get_meta(SNIPPETS) or "").partition("\n")
        if kept != fixed:
            snippets = snippet_section(self.site, feeds)
            saved[SNIPPETS] = f"{fixed}\n{snippets}"
        listing = listing_files(self.catalogue, [(f, []) for f in feeds], updated, made, snippets)
        if self.store.get_meta("fixed-pages") != fixed or not all(
            _exists(self.out_dir, name) for name in fixed_names(feeds)
        ):
            listing.update(fixed_files(self.catalogue, feeds))
        files.update((name, (data, None)) for name, data in sorted(listing.items()))
        saved["fixed-pages"] = fixed
        saved["pages"] = fingerprint

    def _index_cards(self, result: PublishResult) -> _Cards:
        """Every feed of the site and its card on the index page (``_cards``)."""
        feeds = self._site_feeds()
        return feeds, self._cards(feeds, set(result.planned))

    def _cards(self, feeds: Sequence[FeedSpec], planned: set[str]) -> dict[str, str]:
        """Each feed's card on the index page: as last written when made from the same
        entries (their ids and content hashes, the feed and the catalogue), else made from
        them now; only the feeds whose entries changed are read and decoded.  A feed the
        run did not plan has the entries it had (nothing that changed reaches it, as for
        its documents): its card is kept without a look at them."""
        from ..pages import feed_card, shown

        kept = self.store.index_cards()
        cards: dict[str, str] = {}
        made: dict[str, tuple[str, str]] = {}
        for feed in feeds:
            if feed.slug not in planned and feed.slug in kept:
                cards[feed.slug] = kept[feed.slug][1]
                continue
            keys = self.store.newest_keys(feed, shown(feed))
            text = "\n".join([self.config, spec_text(feed), *(f"{r} {h}" for r, h in keys)])
            digest = hashlib.sha256(text.encode()).hexdigest()
            old = kept.get(feed.slug)
            if old is not None and old[0] == digest:
                cards[feed.slug] = old[1]
                continue
            rows = self.store.entry_rows([record_id for record_id, _ in keys])
            cards[feed.slug] = feed_card(self.site, feed, [row.article() for row in rows])
            made[feed.slug] = (digest, cards[feed.slug])
        self.store.save_index_cards(made, set(kept) - set(cards))
        return cards

    def _sitemaps(self, workers: Workers | None) -> _Sitemaps:
        """The sitemaps to write (``_sitemap_steps``), read now."""
        found = _Sitemaps()
        for _ in self._sitemap_steps(workers, found):
            pass
        return found

    def _sitemap_steps(self, workers: Workers | None, found: _Sitemaps) -> Iterator[None]:
        """Into ``found``, the sitemaps to write, a step at a time (each sitemap page a
        step: a run with workers takes one between two batches, while they render): the
        news sitemap again when the news window moved on (its ids and hashes, read from
        the main index: cheap on every run); the sitemap index and its pages when an
        article changed since the last publish (a dirty key), and of the pages only those
        whose slots changed, each handed to ``workers`` once read (without them, rendered
        here when written)."""
        news = self.store.published_since(self.now - NEWS_WINDOW, NEWS_LIMIT)
        digest = hashlib.sha256(self.config.encode())
        for record_id, content_hash in news:
            digest.update(f"\n{record_id} {content_hash}".encode())
        fingerprint = digest.hexdigest()
        if self.store.get_meta("news-sitemap") != fingerprint or not _exists(
            self.out_dir, NEWS_SITEMAP
        ):
            articles = [row.article() for row in self.store.entry_rows([rid for rid, _ in news])]
            found.news = (render_news_sitemap(self.site, articles), fingerprint)
        yield
        if not (
            self.store.dirty_keys()
            or self.store.get_meta("sitemaps") != self.config
            or not _exists(self.out_dir, SITEMAP)
        ):
            return
        found.config = self.config
        found.pages = []
        for page in self._sitemap_pages():
            if page.lines is not None:
                found.rendered.append(_sitemap_result(workers, page.lines))
                page = page._replace(lines=[])  # (not kept here: handed on)
            found.pages.append(page)
            yield

    def _sitemap_pages(self) -> Iterator[_SitemapPage]:
        """Every sitemap page, in order: those whose slots (ids, hashes, standing) changed
        or whose file is gone with their lines (read as it is reached), the others as
        written."""
        written = self.store.meta_prefixed("sitemap:")  # relpath -> "fingerprint modified"
        kept, slots = self._sitemap_history(written)
        for relpath, modified in kept:
            yield _SitemapPage(relpath, "", modified)
        for number, start in enumerate(range(0, len(slots), SITEMAP_PAGE_SIZE), len(kept) + 1):
            chunk = slots[start : start + SITEMAP_PAGE_SIZE]
            relpath = sitemap_relpath(number)
            text = "\n".join(f"{s.record_id} {s.content_hash} {s.live}" for s in chunk)
            fingerprint = hashlib.sha256(f"{self.config}\n{text}".encode()).hexdigest()
            saved = written.get(relpath, "").split(" ", 1)
            if saved[0] == fingerprint and _exists(self.out_dir, relpath):
                yield _SitemapPage(relpath, fingerprint, saved[1])
                continue
            dates = self.store.page_dates([s.record_id for s in chunk if s.live])
            modified = newest(when for _, when in dates)
            yield _SitemapPage(relpath, fingerprint, modified, dates)

    def _sitemap_history(
        self, written: dict[str, str]
    ) -> tuple[list[tuple[str, str]], Sequence[HistorySlot]]:
        """The sitemap pages (path, newest date) known unchanged, and the slots of the main
        history after them: its end (``store.history_tail``) when the pages before it are
        as this configuration wrote them (``written``: what the store remembers of each)
        and in place; else every slot."""
        if self.main_history is not None:
            return [], self.main_history
        every = FeedSpec(slug=self.catalogue.main_slug, title=self.site.title)
        if self.store.get_meta("sitemaps") == self.config:
            tail = self._tail(every, SITEMAP_PAGE_SIZE)
            kept = []
            for number in range(1, tail.start // SITEMAP_PAGE_SIZE + 1):
                relpath = sitemap_relpath(number)
                saved = written.get(relpath, "").split(" ", 1)
                if len(saved) < 2 or not _exists(self.out_dir, relpath):
                    break
                kept.append((relpath, saved[1]))
            else:
                return kept, tail.slots
        return [], self.store.history_keys(every)

    def _write(
        self, relpath: str, data: bytes, result: PublishResult, gz: bytes | None = None
    ) -> None:
        """A file put in place now, or held until the whole run is known to be valid."""
        if self.all_or_nothing:
            self.held[relpath] = (data, gz)
        else:
            self._put(relpath, data, result, gz)

    @contextlib.contextmanager
    def _together(self) -> Iterator[None]:
        """The files ``_put`` within put in place together at its end (``output.Writes``:
        flushed at once, renamed in order)."""
        with Writes(self.unsynced) as writes:
            self.writes = writes
            try:
                yield
            finally:
                self.writes = None

    def _sync(self) -> None:
        """The renames of this run made durable: each directory written into synced once."""
        sync_dirs(self.unsynced)

    def _remove(self, relpath: str, result: PublishResult) -> None:
        """A published file and its ``.gz`` taken away, now or once the run is known valid."""
        if self.all_or_nothing:
            self.held_removals.append(relpath)
            return
        target = self.out_dir / relpath
        for path in (gzip_sibling(target), target):  # never a .gz without its file
            if path.exists():
                path.unlink()
                result.removed_files.append(path)

    def _put(
        self, relpath: str, data: bytes, result: PublishResult, gz: bytes | None = None
    ) -> None:
        """One file and its ``.gz`` sibling (``gz``, when compressed by the renderer) put
        in place (see ``add_with_sibling``): now, or with the others of ``_together``; its
        directory synced by ``_sync``."""
        if not self.writing:
            self.store.set_meta(WRITING, self.now.isoformat())
            self.writing = True
        target = self.out_dir / relpath
        if self.writes is not None:
            changed = add_with_sibling(self.writes, target, data, gz)
        else:
            changed = write_with_sibling(target, data, gz, self.unsynced)
        if changed:
            result.written.append(target)
            result.bytes_written += len(data)
        else:
            result.unchanged.append(target)

    def _check_identity(
        self,
        feed: FeedSpec,
        ids: dict[str, str],
        result: PublishResult,
        published: dict[str, str] | None = None,
    ) -> bool:
        """Every entry keeps the id it was first published with, unless reissued;
        ``published``: the ledger's ids of these records, when read already."""
        if published is None:
            published = self.store.ledger_ids(list(ids))
        ok = True
        for record_id, new_id in sorted(ids.items()):
            old_id = published.get(record_id)
            if old_id is None or old_id == new_id:
                continue
            if record_id in self.reissue or old_id in self.reissue:
                self.store.reissue_ledger(record_id, new_id)
                continue
            result.identity.append(
                f"feed {feed.slug}: record {record_id} would change its published id"
                f" {old_id} to {new_id} (tag authority or publication date changed?);"
                f" feed not published; to accept, run with --reissue {record_id}"
            )
            ok = False
        return ok


@contextlib.contextmanager
def _collected_later() -> Iterator[Callable[[], None]]:
    """Within it, what is alive when the function it gives is called (a pass's plan:
    its documents' bodies, every slot of the histories, the pages to render) is left out
    of the cyclic collector's walks (``gc.freeze``), which would otherwise go through it
    all each time they reach the oldest generation, many times a batch (0.9 s of the
    publishing process's 13 s at a first publish of 100,000 articles); back with the rest
    at its end.  What a batch makes and lets go is collected as before."""
    import gc

    try:
        yield gc.freeze
    finally:
        gc.unfreeze()


def _one_ahead(
    parallel: bool,
    batches: Sequence[Batch],
    hand: Callable[[Batch], Handed],
    take: Callable[[Handed], None],
    needs: Callable[[Batch], bool] = lambda batch: False,
    last: Callable[[], None] = lambda: None,
) -> None:
    """Each batch handed to the workers (``hand``), then its results taken (``take``):
    with workers (``parallel``), the next batch is handed before the results of the one
    before are taken, so they render it while this process writes, unless it ``needs``
    them (it shows entries the one before renders: taken first, they are kept for it).
    ``last`` is called once every batch is handed, before the results of the last two are
    taken (the workers render them meanwhile)."""
    pending: deque[Handed] = deque()
    if not batches:
        last()
    for index, batch in enumerate(batches):
        if pending and needs(batch):
            take(pending.popleft())
        pending.append(hand(batch))
        if index == len(batches) - 1:
            last()
        while len(pending) > (1 if parallel else 0):
            take(pending.popleft())
    while pending:
        take(pending.popleft())


def _interleaved(tasks: Sequence[_PageTask], lag: int) -> list[_PageTask]:
    """The pages in an order that keeps the workers and this process busy together: a
    page whose every entry an earlier page shows too (a category's, on a first publish:
    the main pages render its entries) comes ``lag`` pages after the last of those (by
    then they are kept: ``_one_ahead`` hands a batch once the one two before it is
    written), between the pages that render entries, rather than all of them at the end,
    where this process would read and write them while the workers wait.  Each feed's
    pages keep their order; the same pages, the same bytes."""
    # record id -> the page (index in ``tasks``) first showing it
    first = _first_shown([task.record_ids for task in tasks])
    rendering: list[int] = []
    waiting: list[tuple[int, int]] = []  # (the page it comes after, its own index)
    last: dict[str, tuple[int, bool]] = {}  # each feed's page before: its ready, waits?
    for index, task in enumerate(tasks):
        ready = max(map(first.__getitem__, task.record_ids), default=index)
        before, waits = last.get(task.feed.slug, (-1, False))
        ready = max(ready, before)
        if ready == index and not waits:
            rendering.append(index)
        else:  # (after a page of its feed that waits, it waits too: their order kept)
            waiting.append((ready, index))
        last[task.feed.slug] = (ready, ready != index or waits)
    waiting.sort()
    placed: dict[int, int] = {}  # a rendering page (its index) -> its place in ``order``
    order: list[int] = []
    up = 0
    for index in rendering:
        placed[index] = len(order)
        order.append(index)
        while up < len(waiting) and placed.get(waiting[up][0], len(order)) + lag < len(order):
            order.append(waiting[up][1])
            up += 1
    order += [index for _, index in waiting[up:]]
    return [tasks[index] for index in order]


def _never(start: int) -> bool:
    return False


def _needs_batch_before(shown: Sequence[Sequence[str]], size: int) -> Callable[[int], bool]:
    """Whether the batch of documents starting at ``start`` (``size`` a batch; ``shown``:
    the record ids of each document) shows an entry that first shows in the batch before
    it (whose results ``_one_ahead`` then takes, and the store keeps, before handing this
    one: the entry is rendered and checked once)."""
    batches = [
        [record_id for record_ids in shown[start : start + size] for record_id in record_ids]
        for start in range(0, len(shown), size)
    ]
    first = _first_shown(batches)  # record id -> the batch first showing it
    starts = {
        index - index % size
        for index, record_ids in enumerate(shown)
        if index >= size and index // size - 1 in map(first.__getitem__, record_ids)
    }
    return starts.__contains__


def _first_shown(shown: Sequence[Sequence[str]]) -> dict[str, int]:
    """Each record id of ``shown`` (the record ids of documents, or of batches) -> the
    index of the first that shows it (the later ones written over by the earlier, each
    in one call: a first publish of 100,000 articles shows 300,000 on its pages)."""
    first: dict[str, int] = {}
    for index in range(len(shown) - 1, -1, -1):
        first.update(dict.fromkeys(shown[index], index))
    return first


def _sitemap_result(
    workers: Workers | None, lines: Sequence[tuple[str, str]]
) -> Callable[[], tuple[bytes, bytes | None]]:
    """A sitemap page of ``lines`` and its ``.gz``, when asked: rendered by ``workers``
    (handed to them now), or, without them, here when asked (its ``.gz`` made when it is
    written)."""
    if workers is not None:
        return workers.render_sitemap(lines)
    from ..sitemaps import render_sitemap  # (the cron fast path: no workers, nor their module)

    return lambda: (render_sitemap(lines), None)


def _pages_past(archive: ArchiveOnDisk, total: int) -> tuple[int, ...]:
    """The numbers of the archive pages written (remembered, or on disk) past ``total``."""
    return tuple(sorted(number for number in archive.numbers() if number > total))


def _exists(out_dir: Path, relpath: str) -> bool:
    return (out_dir / relpath).is_file()


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except FileNotFoundError:
        return False

"""What cron runs: ingest -> plan -> render -> validate -> atomic write -> hub ping.

Only the feeds that what changed since the last publish can reach are looked at (the
main feed, the article's category and author feeds, declared feeds selecting it); of
those, only the ones whose entries (ids and content hashes) differ from what was last
published are rendered.  Each feed is validated in every format before any of its files
is written; a feed that fails keeps its previous files.  Runs never overlap (a lock file
next to the store), and a run killed at any point leaves complete files and a store the
next run picks up from.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import fcntl
import hashlib
import json
import multiprocessing
import multiprocessing.pool
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Protocol, TypeVar
from xml.sax.saxutils import quoteattr

from .archive import archive_relpath, archive_url, page_links
from .catalogue import feeds_for
from .config import Catalogue
from .errors import LockBusy, RecordError
from .identity import entry_id
from .model import Article, Category, FeedSpec, Site
from .output import remove_stale_temporaries
from .pages import LATEST, LATEST_MAIN, site_files
from .precompress import write_with_sibling
from .render import render_feed
from .store import (
    EntryRow,
    HistorySlot,
    IngestResult,
    SQLiteStore,
    Tombstone,
    article_from_json,
    content_hash,
    feed_keys,
    open_store,
)
from .timezone import localize, rfc3339, to_local
from .validator import PortalPolicy, Report, validate
from .websub import DEFAULT_TIMEOUT, PingReport, announce_pending
from .writers import ArchiveLinks, feed_url, render_atom

PR_SET_PDEATHSIG = 1  # linux/prctl.h
#: Below this many feeds to render, forking workers costs more than it saves.
MIN_PARALLEL_FEEDS = 4
#: How long a retracted entry is announced as an RFC 6721 ``at:deleted-entry``.
TOMBSTONE_TTL = timedelta(days=30)
TOMBSTONES_NS = "http://purl.org/atompub/tombstones/1.0"
# The formats aggregators subscribe to: the files announced to the hub.
ANNOUNCED = ("atom.xml", "rss.xml", "feed.json")
# The pages for people beside the feeds, and how many entries of each feed they show.
PAGES = ("index.html", "feeds.opml")
#: Archive pages rendered (in the workers) between two writes: bounds the bodies in memory.
PAGE_BATCH = 32


def _shown(feed: FeedSpec) -> int:
    """How many entries of ``feed`` the index page shows (pages.render_index)."""
    return LATEST_MAIN if feed.kind == "main" else LATEST


Validate = Callable[[bytes, str], Report]
Job = TypeVar("Job")
Out = TypeVar("Out")


class Outcome(Enum):
    """How a publish ended; the CLI maps each to its exit code (same names)."""

    OK = "ok"
    REJECTED = "some records were rejected; the rest was published"
    INVALID = "a feed failed validation; its previous files were kept"
    IDENTITY = "a change would alter a published entry id; refused"


class FeedExtras(Protocol):
    """The seam for files a feed has beyond its three documents (RFC 5005 archive pages).

    ``fingerprint`` must change whenever ``files`` would; both see the store.
    """

    def fingerprint(self, store: SQLiteStore, feed: FeedSpec) -> str: ...

    def files(
        self, store: SQLiteStore, catalogue: Catalogue, feed: FeedSpec
    ) -> dict[str, bytes]: ...


class NoExtras:
    """No extra files (archives not configured)."""

    def fingerprint(self, store: SQLiteStore, feed: FeedSpec) -> str:
        return ""

    def files(self, store: SQLiteStore, catalogue: Catalogue, feed: FeedSpec) -> dict[str, bytes]:
        return {}


@dataclass
class PublishResult:
    """What a publish did, for the summary line and the exit code."""

    ingest: IngestResult | None = None
    planned: list[str] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    bytes_written: int = 0
    invalid: dict[str, Report] = field(default_factory=dict)
    identity: list[str] = field(default_factory=list)
    pings: PingReport | None = None
    ingest_only: bool = False  # ``hnp-feeds ingest``: nothing was meant to be published
    #: Scheduled articles that went live this run (record ids), and those still waiting
    #: (record id, when they go live): future-dated articles never reach a feed early.
    released: list[str] = field(default_factory=list)
    scheduled: list[tuple[str, datetime]] = field(default_factory=list)

    @property
    def rejected(self) -> list[RecordError]:
        return self.ingest.rejected if self.ingest else []

    @property
    def outcome(self) -> Outcome:
        if self.invalid:
            return Outcome.INVALID
        if self.identity or (self.ingest and self.ingest.identity):
            return Outcome.IDENTITY
        if self.rejected:
            return Outcome.REJECTED
        return Outcome.OK

    def summary(self) -> str:
        """One line for cron's mail."""
        parts = []
        if self.ingest is not None:
            i = self.ingest
            parts.append(
                f"ingested {i.seen} records ({i.added} new, {i.changed} changed, "
                f"{i.removed} removed, {len(i.rejected)} rejected)"
            )
        if self.ingest_only:
            pass
        elif not self.planned:
            parts.append("nothing to publish")
        else:
            parts.append(
                f"{len(self.rendered)}/{len(self.planned)} feeds rendered, "
                f"{len(self.written)} files written ({self.bytes_written} bytes), "
                f"{len(self.unchanged)} unchanged"
            )
        if self.released:
            parts.append(f"{len(self.released)} scheduled released")
        waiting = len(self.scheduled) or (len(self.ingest.scheduled) if self.ingest else 0)
        if waiting:
            parts.append(f"{waiting} scheduled")
        if self.invalid:
            parts.append(f"{len(self.invalid)} files INVALID (previous kept)")
        refused = len(self.identity) + (len(self.ingest.identity) if self.ingest else 0)
        if refused:
            parts.append(f"{refused} id changes refused")
        if self.pings is not None and (self.pings.sent or self.pings.failed):
            parts.append(f"hub: {len(self.pings.sent)} pinged, {self.pings.pending} pending")
        return "; ".join(parts) + f": {self.outcome.name.lower()}"


@contextmanager
def publish_lock(store_path: Path) -> Iterator[int]:
    """Hold ``<store>.lock`` for the run (yields its descriptor); LockBusy at once if
    another run holds it.  ``flock`` is released when the process dies, even by SIGKILL.
    """
    lock_path = store_path.with_name(store_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockBusy(f"{lock_path}: another publish is running") from None
        yield fd
    finally:
        os.close(fd)


def _now(now: datetime | None) -> datetime:
    return to_local(now) if now is not None else to_local(datetime.now().astimezone())


def ingest(
    catalogue: Catalogue,
    sources: Sequence[Path | str],
    *,
    store_path: Path | None = None,
    reissue: Sequence[str] = (),
    now: datetime | None = None,
) -> IngestResult:
    """Read the sources into the store (under the publish lock); nothing is rendered."""
    path = store_path or catalogue.store_path
    with publish_lock(path), open_store(path) as store:
        return _ingest(catalogue, store, sources, reissue, _now(now))


def _ingest(
    catalogue: Catalogue,
    store: SQLiteStore,
    sources: Sequence[Path | str],
    reissue: Sequence[str],
    now: datetime,
) -> IngestResult:
    from .adapters import read_sources  # the adapters are only needed when reading

    return store.ingest(
        read_sources(list(sources), catalogue=catalogue), catalogue.site, now, reissue
    )


def config_fingerprint(catalogue: Catalogue) -> str:
    """Changes whenever the catalogue would change any feed: then every feed is re-planned."""
    text = repr((catalogue.site, catalogue.declared, catalogue.main_slug))
    return content_hash(text)


def publish(
    catalogue: Catalogue,
    sources: Sequence[Path | str] = (),
    *,
    store_path: Path | None = None,
    out_dir: Path | None = None,
    reissue: Sequence[str] = (),
    now: datetime | None = None,
    validate_feed: Validate | None = None,
    extras: FeedExtras | None = None,
    hub_timeout: float = DEFAULT_TIMEOUT,
    workers: int | None = None,
) -> PublishResult:
    """Ingest ``sources`` (if any), then publish every feed that changed; see the module.

    ``workers``: processes that render and validate (default: one per CPU, at most 4).
    """
    path = store_path or catalogue.store_path
    out = out_dir or catalogue.out_dir
    moment = _now(now)
    with publish_lock(path) as lock_fd, open_store(path) as store:
        result = PublishResult()
        if sources:
            result.ingest = _ingest(catalogue, store, sources, reissue, moment)
        # Scheduled articles whose time has come go live now: their feeds are re-planned.
        result.released = store.release_scheduled(catalogue.site, moment)
        result.scheduled = store.scheduled()
        run = _Run(catalogue, store, out, moment, reissue, validate_feed, extras or NoExtras())
        run.workers = workers if workers is not None else min(os.cpu_count() or 1, 4)
        run.lock_fd = lock_fd
        run.publish(result)
        if catalogue.site.hub and store.pending_pings():
            result.pings = announce_pending(store, catalogue.site.hub, moment, hub_timeout)
        return result


def portal_validator(site: Site, now: datetime) -> Validate:
    """Spec and portal policy, as ``build`` checks its own output: offsets of the site's
    zone, no date after the run's ``now``, related links, page sizes (``PortalPolicy``)."""
    policy = PortalPolicy.for_site(site, now=now)

    def check(data: bytes, base_url: str) -> Report:
        return validate(data, base_url=base_url, profile="portal", policy=policy)

    return check


class _Run:
    """One publish over an open store, under the lock."""

    def __init__(
        self,
        catalogue: Catalogue,
        store: SQLiteStore,
        out_dir: Path,
        now: datetime,
        reissue: Sequence[str],
        validate_feed: Validate | None,
        extras: FeedExtras,
    ) -> None:
        self.catalogue = catalogue
        self.site = catalogue.site
        self.store = store
        self.out_dir = out_dir
        self.now = now
        self.reissue = set(reissue)
        self.validate = validate_feed or portal_validator(self.site, now)
        self.extras = extras
        self.config = config_fingerprint(catalogue)
        self.workers = 1
        self.lock_fd: int | None = None

    def plan(self) -> list[FeedSpec]:
        """The feeds that what changed since the last publish can reach."""
        full = self.store.get_meta("config") != self.config
        self.store.expire_tombstones(self.now - TOMBSTONE_TTL)
        dirty = self.store.dirty_keys()
        states = self.store.feed_states()
        redo = {
            slug
            for slug, state in states.items()
            if state.stale or not all((self.out_dir / f).is_file() for f in state.files)
        }
        if not (full or dirty or redo):
            return []  # the cron fast path: nothing rendered, nothing read
        feeds = {feed.slug: feed for feed in self.site_feeds()}
        # A category or author feed whose last article went stays published, emptied.
        for slug, state in states.items():
            if slug not in feeds and state.spec.kind in ("category", "author"):
                feeds[slug] = state.spec
        return [
            feed
            for feed in feeds.values()
            if full or feed.slug not in states or feed.slug in redo or feed_keys(feed) <= dirty
        ]

    def site_feeds(self) -> list[FeedSpec]:
        """Every feed of the site now, in the catalogue's order (``feeds_for``)."""
        return feeds_for(self.catalogue, self._section_stubs())

    def _section_stubs(self) -> list[Article]:
        """One stand-in article per live category and author, so ``feeds_for`` (the one
        definition of which feeds exist) runs without loading every article."""
        categories, authors = self.store.live_sections()
        epoch = localize(datetime(2000, 1, 1))
        stubs = [
            Article(id="", title="", published=epoch, updated=epoch, category=Category(s, n))
            for s, n in sorted(categories.items())
        ]
        stubs += [
            Article(id="", title="", published=epoch, updated=epoch, author=n)
            for _, n in sorted(authors.items())
        ]
        return stubs

    def fingerprint(
        self,
        feed: FeedSpec,
        rows: Sequence[EntryRow],
        tombs: Sequence[Tombstone],
        layout: ArchiveLayout | None = None,
    ) -> str:
        """What the feed's current documents depend on (not its archive pages: those
        have fingerprints of their own, ``ArchiveLayout.pages``)."""
        digest = hashlib.sha256()
        digest.update(self.config.encode())
        digest.update(json.dumps(feed.__dict__, sort_keys=True, ensure_ascii=False).encode())
        if layout is not None:
            digest.update(f"\narchive {layout.current.limit} {len(layout.pages)}".encode())
        for row in rows:
            digest.update(f"\ne {row.record_id} {row.content_hash}".encode())
        for tomb in tombs:
            digest.update(f"\nt {tomb.ref} {tomb.when.isoformat()}".encode())
        digest.update(self.extras.fingerprint(self.store, feed).encode())
        return digest.hexdigest()

    def publish(self, result: PublishResult) -> None:
        remove_stale_temporaries(self.out_dir)
        planned = self.plan()
        result.planned = [feed.slug for feed in planned]
        if not planned:
            self._publish_pages(result)  # after a run killed between feeds and pages
            return
        states = self.store.feed_states()
        failed: list[FeedSpec] = []
        limit = self.site.entries_per_feed
        jobs: list[RenderJob] = []
        fingerprints: list[str] = []
        pages: list[PageTask] = []
        for feed in planned:
            layout = self.archive_layout(feed) if feed.archive else None
            current = layout.current if layout is not None else feed
            rows = self.store.select_entries(feed, current.limit or limit)
            tombs = self.store.tombstones(feed)
            fingerprint = self.fingerprint(feed, rows, tombs, layout)
            if layout is not None:
                pages += self._pages_to_render(feed, layout)
            state = states.get(feed.slug)
            if (
                state is not None
                and not state.stale
                and state.fingerprint == fingerprint
                and all((self.out_dir / f).is_file() for f in state.files)
            ):
                continue
            links = layout.links if layout is not None else None
            bodies = tuple((r.body, r.source) for r in rows)
            jobs.append(RenderJob(feed, bodies, tuple(tombs), current, links))
            fingerprints.append(fingerprint)
        # Rendering and validating are most of the work: a few processes share them while
        # this one writes, in order, whatever has come back.  Archive pages first, so the
        # current documents never link to a page not yet there.
        with _Workers(self, len(jobs) + len(pages)) as workers:
            broken = self._publish_archive_pages(pages, workers, result)
            # A feed with a page that failed keeps its previous current documents too.
            kept = [
                (job, fingerprint)
                for job, fingerprint in zip(jobs, fingerprints, strict=True)
                if job.feed.slug not in broken
            ]
            rendered_all = workers.map(_render_in_worker, [job for job, _ in kept])
            for (job, fingerprint), rendered in zip(kept, rendered_all, strict=True):
                if not self._publish_feed(job.feed, rendered, fingerprint, result):
                    failed.append(job.feed)
        failed += [feed for feed in planned if feed.slug in broken]
        self._publish_pages(result)
        self.store.finish_publish(failed, self.config, self.now)

    # -- RFC 5005 archives --

    def archive_layout(self, feed: FeedSpec) -> ArchiveLayout:
        """How ``feed``'s history is cut (``archive.plan_archive``), from the store's
        ids and hashes alone: what the current documents hold and a fingerprint of
        every full page (its slots' ids, hashes and liveness, and its links)."""
        size = self.site.archive_page_size
        slots = self.store.history_keys(feed)
        full = len(slots) // size
        base = feed.limit or self.site.entries_per_feed
        remainder = sum(1 for slot in slots[full * size :] if slot.live)
        limit = max(base, remainder)
        current = feed if limit == base else dataclasses.replace(feed, limit=limit)
        links = None
        if full:
            links = ArchiveLinks(
                current=feed_url(self.site, feed.slug, "atom.xml"),
                prev_archive=archive_url(self.site, feed.slug, full),
            )
        head = f"{self.config}\n{_spec_text(feed)}\n"
        pages = []
        for number in range(1, full + 1):
            chunk = slots[(number - 1) * size : number * size]
            pages.append(
                ArchivePage(
                    number,
                    _page_fingerprint(head, number, full, chunk),
                    tuple(slot.record_id for slot in chunk if slot.live),
                )
            )
        return ArchiveLayout(current, links, tuple(pages))

    def _pages_to_render(self, feed: FeedSpec, layout: ArchiveLayout) -> list[PageTask]:
        """The full pages whose fingerprint changed since written (or whose file is
        gone), newest first: a page gains its ``next-archive`` link only once the page
        it points to is there."""
        written = self.store.archive_pages(feed.slug)
        total = len(layout.pages)
        return [
            PageTask(feed, page.number, total, page.fingerprint, page.record_ids)
            for page in reversed(layout.pages)
            if written.get(page.number) != page.fingerprint
            or not (self.out_dir / archive_relpath(feed.slug, page.number)).is_file()
        ]

    def _publish_archive_pages(
        self, tasks: Sequence[PageTask], workers: _Workers, result: PublishResult
    ) -> set[str]:
        """Render, validate and write archive pages, a batch at a time (bodies read from
        the store per batch); the slugs of feeds with a page that failed."""
        broken: set[str] = set()
        for start in range(0, len(tasks), PAGE_BATCH):
            batch = [t for t in tasks[start : start + PAGE_BATCH] if t.feed.slug not in broken]
            jobs = [
                PageJob(
                    t.feed,
                    t.number,
                    t.total,
                    tuple((r.body, r.source) for r in self.store.entry_rows(t.record_ids)),
                )
                for t in batch
            ]
            done: dict[str, dict[int, str]] = {}
            for task, page in zip(batch, workers.map(_render_page_in_worker, jobs), strict=True):
                slug = task.feed.slug
                if slug in broken:
                    continue
                if page.invalid is not None:
                    result.invalid[page.relpath] = page.invalid
                    broken.add(slug)
                    continue
                if not self._check_identity(task.feed, page.ids, result):
                    broken.add(slug)
                    continue
                self.store.add_to_ledger(page.ids, self.now)
                self._write(page.relpath, page.data, result)
                done.setdefault(slug, {})[task.number] = task.fingerprint
            for slug, written in done.items():
                self.store.save_archive_pages(slug, written)
        return broken

    def _write(self, relpath: str, data: bytes, result: PublishResult) -> None:
        """One file and its ``.gz`` sibling put in place (see ``write_with_sibling``)."""
        target = self.out_dir / relpath
        if write_with_sibling(target, data):
            result.written.append(target)
            result.bytes_written += len(data)
        else:
            result.unchanged.append(target)

    def _publish_pages(self, result: PublishResult) -> None:
        """``index.html`` and ``feeds.opml`` again when any feed changed since they were
        written (a fingerprint of every feed's fingerprint says so)."""
        states = self.store.feed_states()
        digest = hashlib.sha256(self.config.encode())
        for slug in sorted(states):
            digest.update(f"\n{slug} {states[slug].fingerprint}".encode())
        fingerprint = digest.hexdigest()
        if self.store.get_meta("pages") == fingerprint and all(
            (self.out_dir / name).is_file() for name in PAGES
        ):
            return
        # The pages show a few newest entries per feed: read no more than that.
        listed = [
            (feed, [row.article() for row in self.store.select_entries(feed, _shown(feed))])
            for feed in self.site_feeds()
        ]
        for name, data in sorted(site_files(self.catalogue, listed).items()):
            self._write(name, data, result)
        self.store.set_meta("pages", fingerprint)

    def _publish_feed(
        self, feed: FeedSpec, rendered: Rendered, fingerprint: str, result: PublishResult
    ) -> bool:
        """Check ids, then write one rendered feed; False (nothing written) if it fails."""
        if not self._check_identity(feed, rendered.ids, result):
            return False
        result.rendered.append(feed.slug)
        files = dict(rendered.files)
        invalid = dict(rendered.invalid)
        for relpath, data in sorted(self.extras.files(self.store, self.catalogue, feed).items()):
            files[relpath] = data
            report = self.validate(data, self.site.feeds_url + relpath)
            if not report.ok:
                invalid[relpath] = report
        if invalid:
            result.invalid.update(invalid)
            return False
        ids = rendered.ids
        changed = [
            relpath
            for relpath, data in files.items()
            if not _same_bytes(self.out_dir / relpath, data)
        ]
        announced = [
            self.site.feeds_url + relpath
            for relpath in sorted(changed)
            if relpath.rsplit("/", 1)[-1] in ANNOUNCED
        ]
        # The ids are in the ledger and the pings queued *before* the files appear, so
        # a run killed in between neither forgets an id nor loses a ping.
        self.store.add_to_ledger(ids, self.now)
        if self.site.hub and announced:
            self.store.queue_pings(announced, self.now)
        for relpath, data in sorted(files.items()):
            self._write(relpath, data, result)
        self.store.save_feed_state(feed, fingerprint, sorted(files), self.now)
        return True

    def _check_identity(self, feed: FeedSpec, ids: dict[str, str], result: PublishResult) -> bool:
        """Every entry keeps the id it was first published with, unless reissued."""
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


@dataclass(frozen=True)
class RenderJob:
    """One feed's current documents to render: its entries as stored (JSON bodies) and its
    tombstones; for an archived feed, ``current`` (its limit widened to the entries newer
    than the last full page) and the RFC 5005 links of its Atom document."""

    feed: FeedSpec
    bodies: tuple[tuple[str, str], ...]
    tombs: tuple[Tombstone, ...]
    current: FeedSpec | None = None
    links: ArchiveLinks | None = None


@dataclass(frozen=True)
class ArchivePage:
    """One full archive page as the store's history cuts it: what it holds, no bodies."""

    number: int
    fingerprint: str
    record_ids: tuple[str, ...]  # its live entries, oldest first


@dataclass(frozen=True)
class ArchiveLayout:
    """An archived feed's history: the current documents' spec and links, its full pages."""

    current: FeedSpec
    links: ArchiveLinks | None
    pages: tuple[ArchivePage, ...]


@dataclass(frozen=True)
class PageTask:
    """An archive page to render again, before its bodies are read."""

    feed: FeedSpec
    number: int
    total: int
    fingerprint: str
    record_ids: tuple[str, ...]


@dataclass(frozen=True)
class PageJob:
    """An archive page to render: its entries as stored, oldest first."""

    feed: FeedSpec
    number: int
    total: int
    bodies: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RenderedPage:
    """A rendered archive page: its path, bytes, entry ids, and its report if invalid."""

    relpath: str
    data: bytes
    ids: dict[str, str]
    invalid: Report | None


def _spec_text(feed: FeedSpec) -> str:
    return json.dumps(feed.__dict__, sort_keys=True, ensure_ascii=False)


def _page_fingerprint(head: str, number: int, total: int, slots: Sequence[HistorySlot]) -> str:
    """What page ``number`` of ``total`` shows: its slots and whether it links a next page."""
    text = (
        head
        + f"{number} {number < total}\n"
        + "\n".join(f"{slot.record_id} {slot.content_hash} {int(slot.live)}" for slot in slots)
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Rendered:
    """A rendered feed: entry ids, every file's bytes, and the reports of invalid files."""

    ids: dict[str, str]
    files: dict[str, bytes]
    invalid: dict[str, Report]


def render_job(job: RenderJob, catalogue: Catalogue, validate_feed: Validate) -> Rendered:
    """Render one feed in every format (Atom with its tombstones) and validate each file."""
    entries = [article_from_json(body, source) for body, source in job.bodies]
    current = job.current or job.feed
    files = render_feed(catalogue, current, entries)
    if job.links is not None:
        files[f"{job.feed.slug}/atom.xml"] = render_atom(
            catalogue.site, current, entries, archive=job.links
        )
    if job.tombs:
        atom = f"{job.feed.slug}/atom.xml"
        files[atom] = add_tombstones(files[atom], job.tombs)
    invalid: dict[str, Report] = {}
    for relpath, data in sorted(files.items()):
        report = validate_feed(data, catalogue.site.feeds_url + relpath)
        if not report.ok:
            invalid[relpath] = report
    ids = {article.id: entry_id(catalogue.site, article) for article in entries}
    return Rendered(ids, files, invalid)


def render_page(job: PageJob, catalogue: Catalogue, validate_feed: Validate) -> RenderedPage:
    """Render archive page ``job.number`` (``archive.render_pages``) and validate it."""
    site = catalogue.site
    entries = [article_from_json(body, source) for body, source in job.bodies]
    links = page_links(site, job.feed, job.number, job.total)
    data = render_atom(site, job.feed, entries, archive=links)
    relpath = archive_relpath(job.feed.slug, job.number)
    report = validate_feed(data, site.feeds_url + relpath)
    ids = {article.id: entry_id(site, article) for article in entries}
    return RenderedPage(relpath, data, ids, None if report.ok else report)


# Set in the publishing process just before the workers are forked from it (and used
# in it directly when it renders alone).
_WORKER_CONTEXT: tuple[Catalogue, Validate] | None = None


def _render_in_worker(job: RenderJob) -> Rendered:
    assert _WORKER_CONTEXT is not None
    catalogue, validate_feed = _WORKER_CONTEXT
    return render_job(job, catalogue, validate_feed)


def _render_page_in_worker(job: PageJob) -> RenderedPage:
    assert _WORKER_CONTEXT is not None
    catalogue, validate_feed = _WORKER_CONTEXT
    return render_page(job, catalogue, validate_feed)


class _Workers:
    """Render processes for one run, forked once and only when it pays (enough work,
    more than one worker wanted); ``map`` runs in this process otherwise."""

    def __init__(self, run: _Run, work: int) -> None:
        self.run = run
        self.parallel = run.workers >= 2 and work >= MIN_PARALLEL_FEEDS and _can_fork()
        self.pool: multiprocessing.pool.Pool | None = None

    def __enter__(self) -> _Workers:
        global _WORKER_CONTEXT
        _WORKER_CONTEXT = (self.run.catalogue, self.run.validate)  # inherited by the workers
        return self

    def __exit__(self, *exc: object) -> None:
        global _WORKER_CONTEXT
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
        _WORKER_CONTEXT = None

    def map(self, fn: Callable[[Job], Out], jobs: Sequence[Job]) -> Iterator[Out]:
        """``fn`` over ``jobs``, results in order, as they come."""
        if not self.parallel or len(jobs) < 2:
            return map(fn, jobs)
        if self.pool is None:
            _warm_up()
            context = multiprocessing.get_context("fork")
            self.pool = context.Pool(
                self.run.workers, _worker_start, (os.getpid(), self.run.lock_fd)
            )
        return self.pool.imap(fn, jobs)


def _worker_start(parent: int, lock_fd: int | None) -> None:
    """A worker dies with its parent (a SIGKILLed publish leaves no orphan holding the
    lock file open) and does not keep its own copy of the lock."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker still exits with the pool
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    if lock_fd is not None:
        with contextlib.suppress(OSError):
            os.close(lock_fd)


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _warm_up() -> None:
    """Import the validators before forking, so no worker waits on an import lock held
    by another thread of the parent at fork time."""
    from .validator import atom, jsonfeed, rss  # noqa: F401


def _same_bytes(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except FileNotFoundError:
        return False


def add_tombstones(atom: bytes, tombs: Sequence[Tombstone]) -> bytes:
    """RFC 6721 ``<at:deleted-entry ref when/>`` elements added to an Atom document.

    Done here rather than in the writer: they come from the store, not from articles.
    """
    end = atom.rfind(b"</feed>")
    if end < 0:
        raise ValueError("not an Atom feed document: no </feed>")
    lines = b"".join(
        (
            f"  <at:deleted-entry xmlns:at={quoteattr(TOMBSTONES_NS)}"
            f" ref={quoteattr(tomb.ref)} when={quoteattr(rfc3339(tomb.when))}/>\n"
        ).encode()
        for tomb in tombs
    )
    return atom[:end] + lines + atom[end:]

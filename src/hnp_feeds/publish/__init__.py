"""The one pipeline: ingest -> release scheduled -> plan -> render -> validate -> write ->
ledger -> hub ping.

``publish`` runs it on the persistent store (what cron runs); ``build`` runs the same
pipeline on a fresh temporary store, writing nothing unless every file is valid; ``ingest``
runs only its first step.  A module per job: ``plan`` (which feeds and documents changed),
``render`` (one document rendered and validated), ``workers`` (the process pool), ``run``
(writing, the ledger, the pages), ``lock``, ``result``.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..adapters import check_page_fields, is_incremental, read_sources
from ..config import Catalogue
from ..digest import source_digest
from ..errors import (
    ConfigError,
    HnpFeedsError,
    PageError,
    RecordError,
    StoreError,
    StoreUnusable,
    SystemFault,
    error_line,
    exit_code_of,
)
from ..forking import default_processes
from ..model import Site
from ..names import slugify
from ..store import (
    IngestResult,
    RawRecords,
    SQLiteStore,
    content_hash,
    open_store,
    prepare_article,
)
from ..timezone import to_local
from .lock import publish_lock
from .plan import site_feeds
from .result import FeedSummary, PublishResult
from .run import PAGES, NullProgress, Progress, Run

if TYPE_CHECKING:
    from ..validator import PortalPolicy, Report
    from .render import Validate

__all__ = [
    "FeedSummary",
    "NullProgress",
    "Progress",
    "PublishResult",
    "build",
    "discovery",
    "ingest",
    "portal_validator",
    "publish",
    "publish_lock",
]


def publish(
    catalogue: Catalogue,
    sources: Sequence[Path | str] = (),
    *,
    store_path: Path | None = None,
    out_dir: Path | None = None,
    reissue: Sequence[str] = (),
    now: datetime | None = None,
    validate_feed: Validate | None = None,
    hub_timeout: float | None = None,
    hub_budget: float | None = None,
    workers: int | None = None,
    all_or_nothing: bool = False,
    allow_mass_removal: bool = False,
    start_over: bool = False,
    progress: Progress | None = None,
    page: Mapping[str, Any] | None = None,
    entry_cache: bool = True,
) -> PublishResult:
    """Ingest ``sources`` (if any), then publish every feed that changed; see the module.

    ``workers``: processes that render and validate (default: one per CPU, at most 4,
    forked only for a run larger than ``workers.SMALL_RUN_DOCUMENTS``);
    ``all_or_nothing``: write no file unless every file of the run is valid, ping no hub;
    ``page``: record fields (``url``, ``id``, ...) of a single page source;
    ``hub_timeout``, ``hub_budget``: seconds for one hub ping, and for all of them
    (default: ``websub.DEFAULT_TIMEOUT``, ``DEFAULT_BUDGET``);
    ``allow_mass_removal``: publish a feed that loses more than ``[publish]
    max_removed_share`` of its entries; ``start_over``: publish from a new (missing or
    empty) store although ``out`` holds a published portal (``check_store_not_lost``);
    ``entry_cache``: assemble documents from the entries the store keeps rendered and
    checked (``render``); False renders and validates every document whole.
    """
    page = page or {}
    check_page_fields(sources, page)
    path = store_path or catalogue.store_path
    out = out_dir or catalogue.out_dir
    moment = _now(now)
    with system_faults():
        with publish_lock(path) as lock_fd:
            if not start_over and not all_or_nothing:
                check_store_not_lost(path, out)
            with open_store(path) as store, _remembered(store, "publish", moment) as done:
                if not start_over and not all_or_nothing:
                    check_store_not_lost(path, out, store)
                result = done(_publish(
                    catalogue, store, sources, out, reissue, moment, page, lock_fd,
                    validate_feed=validate_feed, workers=workers,
                    all_or_nothing=all_or_nothing, allow_mass_removal=allow_mass_removal,
                    progress=progress, entry_cache=entry_cache,
                ))  # fmt: skip
        # After the lock: a slow hub never delays the next run (a ping owed twice is
        # harmless; one queued again meanwhile is kept, ``ping_done``).
        if not all_or_nothing and not result.nothing_read and catalogue.site.hub:
            with open_store(path) as store:
                if store.pending_pings():
                    # The hub's client only when a ping is owed: a run with nothing to
                    # announce never loads it.
                    from ..websub import DEFAULT_BUDGET, DEFAULT_TIMEOUT, announce_pending

                    result.pings = announce_pending(
                        store, catalogue.site.hub, moment,
                        DEFAULT_TIMEOUT if hub_timeout is None else hub_timeout,
                        DEFAULT_BUDGET if hub_budget is None else hub_budget,
                    )  # fmt: skip
    return result


def _publish(
    catalogue: Catalogue,
    store: SQLiteStore,
    sources: Sequence[Path | str],
    out: Path,
    reissue: Sequence[str],
    moment: datetime,
    page: Mapping[str, Any],
    lock_fd: int,
    *,
    validate_feed: Validate | None,
    workers: int | None,
    all_or_nothing: bool,
    allow_mass_removal: bool,
    progress: Progress | None,
    entry_cache: bool,
) -> PublishResult:
    """The run under the lock: ingest, release the scheduled, then ``Run.publish``."""
    result = PublishResult()
    # A catalogue whose feed slugs clash with stored categories is refused before any
    # source is read (its records would be refused at the door for the catalogue's fault).
    site_feeds(catalogue, store)
    if sources:
        result.ingest = _ingest(catalogue, store, sources, reissue, moment, page)
        if not result.ingest.usable and _nothing_read(sources, result.ingest.rejected):
            # An empty or all-bad export: never blank what is published.
            result.nothing_read = True
            return result
    # Scheduled articles whose time has come go live now: their feeds are re-planned.
    result.released = store.release_scheduled(catalogue.site, moment)
    result.scheduled = store.scheduled()
    run = Run(
        catalogue,
        store,
        out,
        moment,
        reissue,
        validate_feed or portal_validator(catalogue.site, moment),
        processes=workers if workers is not None else default_processes(),
        small_run=workers is None,
        lock_fd=lock_fd,
        all_or_nothing=all_or_nothing,
        allow_mass_removal=allow_mass_removal,
        progress=progress,
        entry_cache=entry_cache,
    )
    run.publish(result)
    return result


def check_store_not_lost(path: Path, out: Path, store: SQLiteStore | None = None) -> None:
    """StoreUnusable when the store at ``path`` is missing (before it is opened) or has
    never published (once opened: an empty or zeroed file) while ``out`` holds a published
    portal: publishing from it would blank the feeds."""
    if not is_published_portal(out):
        return
    if store is None:
        if path.is_file() and path.stat().st_size > 0:
            return  # opened next, then asked whether it ever published
        state = "empty" if path.exists() else "missing"
    elif store.count("feed_state") or store.count("ledger"):
        return
    else:
        state = "empty"
    raise StoreUnusable(
        f"{path}: the store is {state} but {out} holds a published portal; publishing"
        " from it would blank the feeds: restore the store (or check [store] path and the"
        " working directory), or run with --start-over to rebuild the portal from the sources"
    )


def is_published_portal(out: Path) -> bool:
    """Whether ``out`` holds what a publish wrote (its pages or a feed)."""
    if any((out / name).is_file() for name in PAGES):
        return True
    return out.is_dir() and next(out.glob("*/atom.xml"), None) is not None


def build(
    catalogue: Catalogue,
    sources: Sequence[Path | str] | None = None,
    out_dir: Path | None = None,
    *,
    now: datetime | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    page: Mapping[str, Any] | None = None,
    allow_mass_removal: bool = False,
) -> PublishResult:
    """``publish`` into a fresh temporary store: every feed rendered from the sources
    (default: the catalogue's), nothing written unless every file is valid.  No hub is
    pinged: a temporary store could not retry a ping that failed."""
    import tempfile

    with system_faults(), tempfile.TemporaryDirectory(prefix="hnp-feeds-build-") as scratch:
        return publish(
            catalogue,
            sources or catalogue.sources,
            store_path=Path(scratch) / "build.sqlite",
            out_dir=out_dir,
            now=now,
            workers=workers,
            all_or_nothing=True,
            allow_mass_removal=allow_mass_removal,
            progress=progress,
            page=page,
        )


def ingest(
    catalogue: Catalogue,
    sources: Sequence[Path | str],
    *,
    store_path: Path | None = None,
    reissue: Sequence[str] = (),
    now: datetime | None = None,
    page: Mapping[str, Any] | None = None,
) -> IngestResult:
    """Read the sources into the store (under the publish lock); nothing is rendered."""
    check_page_fields(sources, page or {})
    path = store_path or catalogue.store_path
    moment = _now(now)
    with (
        system_faults(),
        publish_lock(path),
        open_store(path) as store,
        _remembered(store, "ingest", moment) as done,
    ):
        result = _ingest(catalogue, store, sources, reissue, moment, page or {})
        done(PublishResult(result, ingest_only=True))
        return result


@contextmanager
def system_faults() -> Iterator[None]:
    """What the system refused (a lock file, a directory, a removal) as one SystemFault
    naming the path and the cause, never a traceback."""
    try:
        yield
    except OSError as exc:
        raise SystemFault.of(exc) from exc


def discovery(catalogue: Catalogue, section: str, *, store_path: Path | None = None) -> str:
    """The ``<link rel="alternate">`` lines the page of ``section`` (a feed's slug, or a
    category's name) carries: what publish writes to ``discovery/<slug>.html``, from the
    store's feeds."""
    path = store_path or catalogue.store_path
    if not path.is_file():
        raise StoreError(f"{path}: no store yet; run hnp-feeds publish first")
    with open_store(path) as store:
        feeds = site_feeds(catalogue, store)
    by_slug = {feed.slug: feed for feed in feeds}
    feed = by_slug.get(section) or by_slug.get(slugify(section))
    if feed is None:
        raise ConfigError(f"no feed {section!r}; the feeds are: {', '.join(by_slug)}")
    main = next((f for f in feeds if f.kind == "main"), None)
    from ..pages import discovery_fragment

    return discovery_fragment(catalogue.site, feed, main)


def portal_validator(site: Site, now: datetime) -> Validate:
    """Spec and portal policy at the run's ``now``: offsets of the site's zone, no later
    date, related links, page sizes (``PortalPolicy``)."""
    return PortalValidator(site, now)


@dataclass(frozen=True)
class PortalValidator:
    """``validate`` with the portal's policy; a ``render.KnownValidator``: its verdicts
    on entries are kept, under the validator's source and the policy but its ``now`` (an
    entry not later than one run's time is not later than any later run's).  The
    validator (and lxml) is loaded by the first document checked: a run with nothing to
    render never loads it."""

    site: Site
    now: datetime

    @functools.cached_property
    def policy(self) -> PortalPolicy:
        from ..validator import PortalPolicy

        return PortalPolicy.for_site(self.site, now=self.now)

    @functools.cached_property
    def version(self) -> str:
        timeless = dataclasses.replace(self.policy, now=None)
        source = source_digest(("validator", "model.py", "timezone.py", "urls.py"), ("lxml",))
        return f"{source} {content_hash(repr(timeless))}"

    def entries_allowed(self, archive: bool) -> int:
        return self.policy.max_archive_entries if archive else self.policy.max_entries

    def __call__(self, data: bytes, base_url: str, /) -> Report:
        from ..validator import validate

        # No time budget for the run's own files: a loaded machine must never turn a
        # good feed into a refused one (the budget guards against documents of others).
        return validate(
            data, base_url=base_url, profile="portal", policy=self.policy, time_budget=None
        )


def _nothing_read(sources: Sequence[Path | str], rejected: Sequence[RecordError]) -> bool:
    """No usable record: an empty or all-bad export, never published over what is there.
    An incremental source that changed nothing is the normal case; one of its records
    refused stops the run, except a web page that failed (``PageError``): the source was
    read, and that page is tried again on a later run."""
    if not all(map(is_incremental, sources)):
        return True
    return any(not isinstance(error, PageError) for error in rejected)


def _now(now: datetime | None) -> datetime:
    return to_local(now) if now is not None else to_local(datetime.now().astimezone())


def _ingest(
    catalogue: Catalogue,
    store: SQLiteStore,
    sources: Sequence[Path | str],
    reissue: Sequence[str],
    now: datetime,
    page: Mapping[str, Any],
) -> IngestResult:
    """The sources read with what the catalogue says of them (and a single page with the
    fields it was given), into the store; what the adapters repaired is kept in the result."""
    cleaned: list[str] = []
    given = {name: value for name, value in page.items() if value not in (None, "", ())}
    from ..adapters.repairs import repairs_into  # logging only when sources are read

    with repairs_into(cleaned):
        # A database source's read position and a web source's fetched pages are saved in
        # the ingest's transaction; a raw record the store has read before is skipped, and
        # the blocks of an export it knows whole are kept there too.
        known = RawRecords(store, store.raw_hashes)
        items = read_sources(
            list(sources), catalogue=catalogue, marks=store.db, now=now,
            known=known, prepare=prepare_article, **given,
        )  # fmt: skip
        result = store.ingest(items, catalogue.site, now, reissue, finish=known.keep_blocks)
    result.cleaned = cleaned
    # Sources read whole say what is no longer wrong; a database is read incrementally.
    read_whole = {source for source in result.sources if not is_incremental(source)}
    result.fresh_cleaned = store.settle_reports(read_whole, cleaned, now)
    return result


@contextmanager
def _remembered(
    store: SQLiteStore, command: str, now: datetime
) -> Iterator[Callable[[PublishResult], PublishResult]]:
    """The run kept in the store for ``hnp-feeds status``: that it started, then how it
    ended (``done(result)``, or the error that stopped it)."""
    store.start_run(command, now)

    def done(result: PublishResult) -> PublishResult:
        code = result.exit_code
        store.finish_run(command, now, int(code), code.name.lower(), result.summary())
        return result

    try:
        yield done
    except HnpFeedsError as exc:
        store.finish_run(command, now, int(exit_code_of(exc)), error_line(exc))
        raise

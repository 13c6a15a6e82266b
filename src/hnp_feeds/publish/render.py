"""Rendering and validating one document, in a worker or in the publishing process.

A job carries its entries as the store keeps them (JSON bodies), so a worker gets plain
data and gives back bytes and reports; what a run writes is decided by the parent.

With the entries the store keeps rendered (``store.CachedEntry``) a document is assembled
from them (``writers.assemble``: the same bytes), and an entry is checked once: a
document whose every entry was found clean before (in the same bytes, by the same
validator) is not walked again when its own parts are clean: its head (the document
without entries) and what only the whole shows (ids, links and dates used twice, too many
entries).  Anything else, and every document of a validator that is not a
``KnownValidator``, is validated whole, as without a cache.

An entry that several documents of one batch show and the store does not keep yet (a
first publish: an article is in the main, its category's and its author's documents) is
rendered once per format and checked once before them (``shared_entries``,
``render_entries``), in a document of its own with others; the documents are then
assembled from it as from any kept entry.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from ..archive import archive_relpath
from ..identity import entry_id
from ..model import Article, FeedSpec, Site, Tombstone
from ..precompress import gzip_files
from ..store import CachedEntry, article_from_json, article_place
from ..timezone import to_local
from ..validator import Report
from ..validator.explain import explain
from ..writers import (
    FEED_FILES,
    FORMATS,
    ArchiveLinks,
    Assembled,
    FeedDocument,
    assemble,
    entry_key,
    entry_keys,
    join,
    render_atom,
    render_formats,
    site_key,
)

Validate = Callable[[bytes, str], Report]


@runtime_checkable
class KnownValidator(Protocol):
    """A validator whose verdicts on entries may be kept: ``version`` changes with
    anything that could change a verdict but its ``now`` (no date may be later: an entry
    checked is checked again when it is later than ``now``, a clock set back);
    ``entries_allowed`` is its bound on entries."""

    @property
    def version(self) -> str: ...

    @property
    def now(self) -> datetime | None: ...

    def entries_allowed(self, archive: bool) -> int: ...

    def __call__(self, data: bytes, base_url: str, /) -> Report: ...


@dataclass(frozen=True)
class RenderJob:
    """One feed document to render: the current documents of a feed (every format), or
    archive page ``page`` of it (Atom)."""

    feed: FeedSpec  # a current document's limit is widened to hold what no page holds
    bodies: tuple[tuple[str, str], ...]  # (stored JSON, source) of each entry
    archive: ArchiveLinks | None = None
    tombstones: tuple[Tombstone, ...] = ()
    page: int | None = None
    #: The entries kept for its articles by (record id, format); None: every document
    #: rendered and validated whole (``culprits``, a run without the cache).
    cached: Mapping[tuple[str, str], CachedEntry] | None = None
    #: The store's ``content_hash`` of each body (its SHA-256, what an entry key is made
    #: of: ``fragments.entry_keys``), when the job was read with them; else each is made.
    digests: tuple[str, ...] = ()

    @property
    def formats(self) -> tuple[str, ...]:
        """The formats of its entries: every feed format, Atom alone for an archive page."""
        return FEED_FILES if self.page is None else ("atom.xml",)


@dataclass(frozen=True)
class Rendered:
    """A rendered job: its entry ids, every file's bytes, and the reports of its files
    with errors (``invalid``) or with warnings only."""

    ids: dict[str, str]
    files: dict[str, bytes]
    invalid: dict[str, Report]
    warnings: dict[str, Report]
    updated: datetime | None  # the newest ``updated`` of its entries
    #: Entries rendered, or found clean, now: to keep (``store.save_cached_entries``).
    cache: tuple[CachedEntry, ...] = ()
    #: The ``.gz`` sibling of each valid file that gets one, compressed where rendered.
    gz: dict[str, bytes] = field(default_factory=dict)


def render_job(job: RenderJob, site: Site, validate: Validate) -> Rendered:
    """Render one job through the writers and validate each file it gives."""
    cache: _EntryCache | None = None
    if job.cached is None:
        entries = tuple(article_from_json(body, source) for body, source in job.bodies)
    else:
        cache = _EntryCache(job, site, validate)
        entries = cache.entries
    document = FeedDocument(job.feed, entries, job.archive, job.tombstones)
    ids = {article.id: entry_id(site, article) for article in entries}
    assembled: dict[str, Assembled] = {}
    if cache is None:
        if job.page is None:
            files = render_formats(site, document)
        else:
            files = {archive_relpath(job.feed.slug, job.page): render_atom(site, document)}
    else:
        cache.ids = ids
        assembled = {relpath: cache.assemble(document, relpath) for relpath in cache.names}
        files = {relpath: done.data for relpath, done in assembled.items()}
    invalid: dict[str, Report] = {}
    warnings: dict[str, Report] = {}
    for relpath, data in sorted(files.items()):
        url = site.feeds_url + relpath
        if cache is not None and cache.known_clean(document, relpath, assembled[relpath], url):
            continue
        report = validate(data, url)
        if not report.ok:
            invalid[relpath] = report
        elif report.warnings:
            warnings[relpath] = report
        elif cache is not None:
            cache.found_clean(relpath, assembled[relpath])
    updated = max((article.updated for article in entries), default=None)
    kept = cache.changed() if cache is not None else ()
    gz = {} if invalid else gzip_files(files)
    return Rendered(ids, files, invalid, warnings, updated, kept, gz)


class _EntryCache:
    """The entries of one job as kept, and what is to be kept after it.

    An article whose entry is kept under its current key in every format of the job is
    only placed in its documents (``store.article_place``: its id, url and times, without
    decoding the rest of its body); the others are decoded whole, to be rendered."""

    def __init__(self, job: RenderJob, site: Site, validate: Validate) -> None:
        self.cached = job.cached or {}
        self.ids: Mapping[str, str] = {}  # article id -> entry id, set by render_job
        self.site = site
        self.own = site_key(site)
        if job.page is not None:
            self.names = {archive_relpath(job.feed.slug, job.page): "atom.xml"}
        else:
            self.names = {f"{job.feed.slug}/{filename}": filename for filename in FORMATS}
        self.validator = validate if isinstance(validate, KnownValidator) else None
        self.current: dict[tuple[str, str], CachedEntry] = {}  # under today's keys
        self.rows: dict[tuple[str, str], CachedEntry] = {}  # rendered or checked now
        filenames = tuple(self.names.values())
        #: Each format's key of each article: format -> article id -> key.
        self.keys: dict[str, dict[str, str]] = {filename: {} for filename in filenames}
        #: The entries kept under their current key: format -> article id -> bytes.
        self.known: dict[str, dict[str, bytes]] = {filename: {} for filename in filenames}
        entries = []
        digests = _digests(job.bodies, job.digests)
        for (body, source), digest in zip(job.bodies, digests, strict=True):
            # Its place first (its id with it, read as ``stored_id`` reads it): what an
            # entry kept in every format is, in most documents of a run.
            article = article_place(body, source)
            record_id = article.id
            kept = True
            keys = entry_keys(self.own, filenames, body, digest)
            for filename, key in zip(filenames, keys, strict=True):
                self.keys[filename][record_id] = key
                hit = self.cached.get((record_id, filename))
                if hit is not None and hit.key == key:
                    self.known[filename][record_id] = hit.data
                    self.current[(record_id, filename)] = hit
                else:
                    kept = False
            entries.append(article if kept else article_from_json(body, source))
        self.entries = tuple(entries)

    def assemble(self, document: FeedDocument, relpath: str) -> Assembled:
        """One file of the document, from the entries kept under their current key."""
        filename = self.names[relpath]
        keys = self.keys[filename]
        done = assemble(self.site, document, filename, self.known[filename])
        for record_id, fragment in done.new.items():
            row = CachedEntry(record_id, filename, keys[record_id], fragment, None)
            self.current[(record_id, filename)] = self.rows[(record_id, filename)] = row
        return done

    def known_clean(self, document: FeedDocument, relpath: str, done: Assembled, url: str) -> bool:
        """Whether ``done`` needs no walk: nothing used twice, within the validator's
        bound, and its head clean with every entry found clean in these bytes: before, or
        now in the head with the entries not checked yet (the new ones of a cron run)."""
        if self.validator is None:
            return False
        articles = [article for article, _ in done.pieces]
        if len(articles) > self.validator.entries_allowed(document.is_archive_page):
            return False
        if _repeats(self.ids, articles) or _later(articles, self.validator.now):
            return False
        filename = self.names[relpath]
        unchecked = [
            (article, fragment)
            for article, fragment in done.pieces
            if (row := self.current[(article.id, filename)]).checked
            != _checked(self.validator, row.key)
        ]
        if unchecked and len(unchecked) == len(done.pieces):
            return False  # as much work as the whole
        # One walk: the head with the entries not checked yet (alone when there are none);
        # every rule of the head runs on it.
        probe = join(filename, done.head, [fragment for _, fragment in unchecked])
        if not _clean(self.validator(probe, url)):
            return False
        self._mark(filename, unchecked)
        return True

    def found_clean(self, relpath: str, done: Assembled) -> None:
        """``done`` was validated whole and found clean: so is each of its entries."""
        self._mark(self.names[relpath], done.pieces)

    def _mark(self, filename: str, pieces: Sequence[tuple[Article, bytes]]) -> None:
        for article, _ in pieces:
            row = self.current[(article.id, filename)]
            checked = _checked(self.validator, row.key)
            if checked is not None and row.checked != checked:
                row = row._replace(checked=checked)
                self.current[(article.id, filename)] = self.rows[(article.id, filename)] = row

    def changed(self) -> tuple[CachedEntry, ...]:
        return tuple(self.rows[key] for key in sorted(self.rows))


def _checked(validator: KnownValidator | None, key: str) -> str | None:
    """What ``checked`` says of an entry found clean by ``validator``, the entry of this
    ``key`` (``fragments.entry_key``: its bytes are what the writers of that key make of
    that body, so its key stands for them: no digest of the bytes, ~3 KB an entry, each
    time a document shows it)."""
    if validator is None:
        return None
    return _verdict(validator.version, key)


@functools.lru_cache(maxsize=1 << 12)
def _verdict(version: str, key: str) -> str:
    """``_checked``'s digest, made once for the documents of a run that show the entry
    (asked of every entry of a document before it is walked, and after)."""
    return hashlib.sha256(f"{version}\0{key}".encode()).hexdigest()


def _digests(bodies: Sequence[tuple[str, str]], digests: Sequence[str]) -> Sequence[str | None]:
    """The digest of each body as a job gives them (``RenderJob.digests``), else None each."""
    if not digests:
        return [None] * len(bodies)
    if len(digests) != len(bodies):
        raise ValueError(f"{len(digests)} digests for {len(bodies)} bodies")
    return digests


@dataclass(frozen=True)
class EntryJob:
    """Entries to render in one format and check, together in one document with the
    head of ``feed`` (each entry's bytes and verdict are its own, whatever the document)."""

    feed: FeedSpec
    filename: str
    bodies: tuple[tuple[str, str], ...]  # (stored JSON, source) of each entry
    digests: tuple[str, ...] = ()  # as ``RenderJob.digests``


def shared_entries(
    site: Site,
    jobs: Sequence[RenderJob],
    record_ids: Sequence[Sequence[str]],
    kept: Mapping[tuple[str, str], CachedEntry],
    size: int,
) -> list[EntryJob]:
    """The entries that more than one of ``jobs`` (their ``record_ids``) shows in a
    format and that ``kept`` lacks under their current key, by ``size`` in a document,
    in the order the jobs first show them: each to render once, before the jobs."""
    own = site_key(site)
    Wanted = tuple[FeedSpec, tuple[str, str], str | None]
    wanted: dict[tuple[str, str], Wanted] = {}
    shown: dict[tuple[str, str], int] = {}
    for job, ids in zip(jobs, record_ids, strict=True):
        formats = job.formats
        digests = _digests(job.bodies, job.digests)
        for record_id, entry, digest in zip(ids, job.bodies, digests, strict=True):
            for filename in formats:
                at = (record_id, filename)
                shown[at] = shown.get(at, 0) + 1
                if at not in wanted:
                    wanted[at] = (job.feed, entry, digest)
    todo: dict[str, list[Wanted]] = {name: [] for name in FEED_FILES}
    for (record_id, filename), (feed, entry, digest) in wanted.items():
        if shown[(record_id, filename)] < 2:
            continue
        hit = kept.get((record_id, filename))
        if hit is None or hit.key != entry_key(own, filename, entry[0], digest):
            todo[filename].append((feed, entry, digest))
    return [
        EntryJob(
            chunk[0][0],
            filename,
            tuple(entry for _, entry, _ in chunk),
            tuple(digest for *_, digest in chunk if digest is not None),
        )
        for filename, entries in todo.items()
        for chunk in (entries[start : start + size] for start in range(0, len(entries), size))
    ]


def render_entries(job: EntryJob, site: Site, validate: Validate) -> tuple[CachedEntry, ...]:
    """The entries of ``job`` rendered and checked by ``validate`` (a ``KnownValidator``):
    to keep.  Nothing when their document is not clean (an entry refused, a warning, two
    entries sharing an id, a link or a time) or the validator keeps no verdicts: the
    documents that show them render and check them whole, as without sharing, and say
    what is wrong where it is."""
    if not isinstance(validate, KnownValidator):
        return ()
    entries = tuple(article_from_json(body, source) for body, source in job.bodies)
    ids = {article.id: entry_id(site, article) for article in entries}
    if _repeats(ids, entries) or _later(entries, validate.now):
        return ()
    feed = dataclasses.replace(job.feed, limit=len(entries))  # shows them all
    done = assemble(site, FeedDocument(feed, entries), job.filename, {})
    if not _clean(validate(done.data, site.feeds_url + f"{job.feed.slug}/{job.filename}")):
        return ()
    own = site_key(site)
    digests = _digests(job.bodies, job.digests)
    keys = {
        article.id: entry_key(own, job.filename, body, digest)
        for article, (body, _), digest in zip(entries, job.bodies, digests, strict=True)
    }
    return tuple(
        CachedEntry(
            article.id,
            job.filename,
            keys[article.id],
            fragment,
            _checked(validate, keys[article.id]),
        )
        for article, fragment in done.pieces
    )


def _clean(report: Report) -> bool:
    return report.ok and not report.warnings


def _later(articles: Sequence[Article], now: datetime | None) -> bool:
    """Whether an entry is dated later than ``now`` (the clock, when None)."""
    # In the zone of the entries (``to_local``): a time compared with one of the same
    # pytz offset is compared field by field, not through two ``utcoffset`` calls.
    moment = to_local(now or datetime.now(UTC))
    return any(a.published > moment or a.updated > moment for a in articles)


def _repeats(ids: Mapping[str, str], articles: Sequence[Article]) -> bool:
    """Whether two entries share an id (``ids``: article id -> entry id), a link or an
    ``updated`` time: the rules that judge those look at the whole document."""
    for values in (
        [ids[a.id] for a in articles],
        [a.url for a in articles],
        [a.updated for a in articles],
    ):
        if len(set(values)) != len(values):
            return True
    return False


def culprits(job: RenderJob, site: Site, validate: Validate) -> dict[str, str]:
    """When a document fails, the entries that fail on their own: record id -> why, from
    the validator.  None when the document fails empty too, or when every one of two or
    more entries fails: that is a fault of the document (a writer's), not of an article."""
    empty = render_job(RenderJob(job.feed, (), job.archive, (), job.page), site, validate)
    if empty.invalid:
        return {}
    found: dict[str, str] = {}
    for body, source in job.bodies:
        alone = render_job(
            RenderJob(job.feed, ((body, source),), job.archive, (), job.page), site, validate
        )
        for relpath, report in sorted(alone.invalid.items()):
            (record_id,) = alone.ids
            first = report.errors[0]
            where = f"{relpath.rsplit('/', 1)[-1]}:{first.line}" if first.line else relpath
            found[record_id] = (
                f"withheld from the feeds, the portal policy refuses its entry: {first.code}"
                f" ({explain(first.code)}) at {where}"
            )
            break
    if len(job.bodies) > 1 and len(found) == len(job.bodies):
        return {}
    return found

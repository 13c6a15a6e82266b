"""The ingest policy: how records enter the store.

An unchanged record changes nothing; a changed one moves ``updated``; a retracted one
leaves the feeds with an RFC 6721 tombstone if it had been published; a record that would
alter a published entry id is refused unless reissued; a scheduled (future-dated) one waits
until a run at or after its time releases it; bad records are kept with their reason.
Related posts are completed here, once, for new and changed articles.
"""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from ..errors import RecordError, split_where
from ..identity import entry_id
from ..model import Article, Link, Site, Unchanged
from ..names import title_key
from ..selection import article_slugs, placement, selection_keys
from ..sql import select_in, select_keyed
from ..timezone import rfc3339, to_local
from .codec import (
    altered,
    article_from_json,
    article_to_json,
    content_hash,
    from_micros,
    iso,
    micros,
    with_updated,
)
from .connection import Connection
from .links import Targets, dependents, derive, no_links, own_links_json, remember_urls
from .reports import clear_stored, reject
from .state import mark_dirty

if TYPE_CHECKING:
    from ..related import Entry, RelatedIndex
    from ..related_pass import Snapshot

_MICROSECOND = timedelta(microseconds=1)


#: Articles read, linked and given related posts at once.
_RELATED_CHUNK = 2000
#: Articles given to the related-posts index at once (their text read from the store).
_INDEX_CHUNK = 5000


def _index_entries(
    db: sqlite3.Connection, ids: list[str], given: Mapping[str, Article]
) -> list[Entry | Article]:
    """What the related-posts index is given of these stored articles, in their order: a
    candidate's ``Entry`` made from the article ``given`` (as this ingest stored it) or
    read from the store's columns (not decoded), any other (a draft, one without a URL:
    the index drops it) as the article."""
    from ..related import Entry

    found = select_keyed(
        db,
        "SELECT record_id, url, title, summary, tags, category_slug, published_us,"
        " CASE WHEN status = 'published' AND url != '' THEN NULL ELSE body END FROM"
        " (SELECT record_id, status, category_slug, published_us, body,"
        " json_extract(body, '$.url') AS url, json_extract(body, '$.title') AS title,"
        " json_extract(body, '$.summary') AS summary, json_extract(body, '$.tags') AS tags"
        " FROM articles WHERE record_id IN ({marks}))",
        [record_id for record_id in ids if record_id not in given],
    )
    entries: list[Entry | Article] = []
    for record_id in ids:
        article = given.get(record_id)
        if article is not None:
            if article.status != "published" or not article.url:
                entries.append(article)
                continue
            category = article.category.slug if article.category else None
            published = micros(article.published) / 1_000_000
            entries.append(Entry(record_id, article.url, article.title, article.summary,
                                 article.tags, category, published))  # fmt: skip
        elif record_id in found:
            url, title, summary, tags, category, published, body = found[record_id]
            entries.append(
                article_from_json(body)
                if body is not None
                else Entry(
                    record_id,
                    url,
                    title,
                    summary,
                    tuple(json.loads(tags)),
                    category,
                    published / 1_000_000,
                )  # fmt: skip
            )
    return entries


def _related_index(db: sqlite3.Connection) -> RelatedIndex:
    """The related-posts index, imported when first needed: numpy and scipy are loaded
    only by a run that computes related posts, never by a no-op cron run."""
    from ..related import RelatedIndex

    return RelatedIndex(db)


#: Records stored together (their rows read in one query, written in one).
RUN = 500
_CACHE_KB = 65536
#: Indexes that no statement of a first fill reads by: of ``articles`` (the feeds' and
#: the archives' orders, tombstones, raw digests, schedule) and of the links (by the
#: article a link or URL is of: read by ``links.dependents``, which finds no link to
#: look through in a first fill, and by the deletes of a record's old links, of which
#: there are none).  A first fill of an empty store drops them and builds each once at
#: its end, in its transaction (a kill rolls both back), rather than row by row (at
#: 100,000 rows, storing them costs half as much).
_BUILT_AT_END = (
    "articles_main", "articles_category", "articles_author", "articles_tombstones",
    "articles_category_names", "articles_author_names", "articles_history",
    "articles_history_category", "articles_raw_hash", "articles_scheduled",
    "article_urls_record", "related_refs_target", "url_refs_record", "pending_listed_record",
)  # fmt: skip


def _empty(db: sqlite3.Connection) -> bool:
    """Whether the store holds no article (an ingest into it is a first fill)."""
    return db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None


def _drop_for_first_fill(db: sqlite3.Connection) -> list[str]:
    """When ``articles`` is empty, ``_BUILT_AT_END`` dropped: their SQL, to build them."""
    if not _empty(db):
        return []
    marks = ",".join("?" * len(_BUILT_AT_END))
    found = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
        f" AND name IN ({marks}) ORDER BY name",
        _BUILT_AT_END,
    ).fetchall()
    for name, _ in found:
        db.execute(f'DROP INDEX "{name}"')
    return [str(sql) for _, sql in found]


@contextmanager
def _kept_out_of_collection() -> Iterator[None]:
    """Within it, what was allocated before each ``gc.freeze()`` (the articles an ingest
    keeps to link, 100,000 on a first fill) is left out of the cyclic collector's walks,
    which would otherwise go through them all each time; back with the rest at its end.
    (An article holds no cycle: what an ingest lets go is freed by its reference count.)"""
    try:
        yield
    finally:
        gc.unfreeze()


class _Form(NamedTuple):
    """What storing an article takes that follows from the article alone."""

    #: Its body, ``article_to_json`` in UTF-8: what the row holds, made in a door worker and
    #: sent as bytes, bound as they are (``_INSERT_ARTICLE``'s ``CAST``): this process
    #: neither decodes the text it only writes nor encodes it again to write it.
    body: bytes
    digest: str  # the body's ``content_hash``
    slugs: dict[str, tuple[str, ...]]  # ``article_slugs``
    keys: tuple[str, ...]  # ``selection_keys`` (a tuple: sent from a worker, not hashed)
    title_key: str
    own_links: str  # ``own_links_json``


#: Where an article keeps its ``_Form`` (the instance's ``__dict__``).
_FORM = "_stored_form"


_Item = TypeVar("_Item")


def prepare_article(item: _Item) -> _Item:
    """``item``, an article, with its ``_Form`` made and kept on it, and without the
    content and image its stored body holds: what the door's worker processes do for
    each article they read, so that the process that stores the whole export gets each
    one ready to write (``adapters.parallel``'s ``then``), and is not sent what it never
    reads again (what it keeps to link drops them: ``_to_link``)."""
    if not isinstance(item, Article):
        return item
    form = _form(item)
    if not item.content_html and item.image is None:
        return item
    light = altered(item, content_html="", image=None)
    light.__dict__[_FORM] = form
    return cast(_Item, light)


def _form(article: Article) -> _Form:
    """The ``_Form`` of ``article``, made once: kept on it as ``functools.cached_property``
    keeps a value, in the instance's ``__dict__``, so that pickling it (from a door worker)
    keeps it and ``dataclasses.replace`` (another article) never does.  The fields of a
    frozen article never change: what is kept stays its form."""
    form: _Form | None = article.__dict__.get(_FORM)
    if form is None:
        text = article_to_json(article)
        form = _Form(
            text.encode("utf-8"),
            content_hash(text),
            article_slugs(article),
            tuple(selection_keys(article)),
            title_key(article.title),
            own_links_json(article),
        )
        article.__dict__[_FORM] = form
    return form


def _to_link(article: Article, shared: dict[object, Any]) -> Article:
    """``article`` as it is kept until linked: its links and related posts read none of its
    content, image or raw digest (its body is patched, never encoded again), and its
    category, author and tags are the objects ``shared`` holds, one for each value (a
    first fill keeps 100,000 articles, each read on its own: a few hundred names)."""
    category = article.category
    return altered(
        article,
        content_html="",
        image=None,
        raw_hash="",
        category=category if category is None else shared.setdefault(category, category),
        author=article.author and shared.setdefault(article.author, article.author),
        tags=tuple([shared.setdefault(tag, tag) for tag in article.tags]),
    )


class _Run:
    """Records to store together: none of them could change what another finds in the
    store (no two share an id or a URL)."""

    def __init__(self) -> None:
        self.articles: list[Article] = []
        self.ids: set[str] = set()
        self.urls: set[str] = set()

    def takes(self, article: Article) -> bool:
        return (
            len(self.articles) < RUN
            and article.id not in self.ids
            and not (article.url and article.url in self.urls)
        )

    def add(self, article: Article) -> None:
        self.articles.append(article)
        self.ids.add(article.id)
        if article.url:
            self.urls.add(article.url)


_INSERT_ARTICLE = (
    "INSERT INTO articles (record_id, source_hash, content_hash, status, live,"
    " published_us, category_slug, category_name, author_slug, author_name, body,"
    " source, first_seen, last_changed, tombstone, removed_at, deleted_when, has_url,"
    " scheduled_us, title_key, own_related, computed_related, raw_hash)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL,"
    " ?)"
    " ON CONFLICT (record_id) DO UPDATE SET source_hash = excluded.source_hash,"
    " content_hash = excluded.content_hash, status = excluded.status,"
    " live = excluded.live, published_us = excluded.published_us,"
    " category_slug = excluded.category_slug, category_name = excluded.category_name,"
    " author_slug = excluded.author_slug, author_name = excluded.author_name,"
    " body = excluded.body, source = excluded.source,"
    " last_changed = excluded.last_changed, tombstone = excluded.tombstone,"
    " removed_at = excluded.removed_at, deleted_when = excluded.deleted_when,"
    " has_url = excluded.has_url, scheduled_us = excluded.scheduled_us,"
    " title_key = excluded.title_key, own_related = excluded.own_related,"
    " computed_related = NULL, raw_hash = excluded.raw_hash"
)


@dataclass
class _Writes:
    """What a run of records writes, done together by ``done``."""

    rows: list[tuple[object, ...]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)  # stored (new or changed)
    urls: list[tuple[str, str]] = field(default_factory=list)
    retagged: list[tuple[str]] = field(default_factory=list)  # stored before: old tags go
    tags: list[tuple[str, str]] = field(default_factory=list)
    raw_hashes: list[tuple[str, str]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    stamp: str = ""  # the run's time, as the store keeps it

    def done(self, db: sqlite3.Connection) -> None:
        db.executemany("UPDATE articles SET raw_hash = ? WHERE record_id = ?", self.raw_hashes)
        db.executemany(_INSERT_ARTICLE, self.rows)
        remember_urls(db, self.urls)
        db.executemany("DELETE FROM article_tags WHERE record_id = ?", self.retagged)
        db.executemany(
            "INSERT OR IGNORE INTO article_tags (record_id, tag_slug) VALUES (?, ?)", self.tags
        )
        mark_dirty(db, self.touched)


@dataclass
class IngestResult:
    """What one ingest did, record by record counted."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: list[RecordError] = field(default_factory=list)
    #: Those of ``rejected`` first seen in this ingest: what is reported (exit 3).
    fresh_rejected: list[RecordError] = field(default_factory=list)
    #: The sources the records came from (their files, pages or database URLs).
    sources: set[str] = field(default_factory=set)
    identity: list[RecordError] = field(default_factory=list)
    reissued: list[str] = field(default_factory=list)
    #: Record ids stored as scheduled (dated after ``now``): also counted as new or changed.
    scheduled: list[str] = field(default_factory=list)
    #: What the adapters repaired on the way in: ``file:line: what``; and those first seen.
    cleaned: list[str] = field(default_factory=list)
    fresh_cleaned: list[str] = field(default_factory=list)
    #: Changed records that brought no newer ``updated`` of their own: given the time seen.
    bumped: list[str] = field(default_factory=list)
    #: New or changed articles published with no related post (nothing to link or compute).
    unrelated: list[str] = field(default_factory=list)
    #: What could not be linked yet (a listed related post not known): once per record.
    notes: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.usable + len(self.rejected) + len(self.identity)

    @property
    def usable(self) -> int:
        """Records that were read and stored (or already stored as they are)."""
        return self.added + self.changed + self.unchanged + self.removed


class IngestOps(Connection):
    """Writing records into the store (``ingest``) and releasing scheduled ones."""

    def ingest(
        self,
        items: Iterable[Article | RecordError | Unchanged],
        site: Site,
        now: datetime,
        reissue: Sequence[str] = (),
        finish: Callable[[sqlite3.Connection], None] | None = None,
    ) -> IngestResult:
        """Upsert records in one transaction: unchanged ones change nothing, changed ones
        move ``updated``, retracted ones leave the feeds (with a tombstone if they had
        been published), bad ones are kept in ``rejected`` and the rest still go in.
        Raw records skipped by their adapter (``Unchanged``: a run of them) count as
        unchanged.

        ``reissue`` holds record ids or published entry ids whose id may change;
        ``finish`` is called last in the transaction, every record stored (what a source
        keeps of what it read: ``RawRecords.keep_blocks``).
        """
        result = IngestResult()
        wanted = set(reissue)
        # New or changed records, in input order, each as stored (its body encoded once:
        # kept here, its links are derived from it and its body patched, never decoded).
        fresh: dict[str, Article] = {}
        shared: dict[object, Any] = {}  # their names, one object each (``_to_link``)
        # An ingest reads back much of what it writes in one transaction: a page cache of
        # 64 MB (SQLite's default is 2 MB) keeps it from the WAL file.
        self.db.execute(f"PRAGMA cache_size = -{_CACHE_KB}")
        with (
            self.filling() if _empty(self.db) else nullcontext(False),
            self.transaction("ingest failed") as db,
            _kept_out_of_collection(),
        ):
            first = _empty(db)
            build = _drop_for_first_fill(db) if first else []
            run = _Run()
            for item in items:
                if isinstance(item, Unchanged):
                    result.sources.add(item.source)
                    result.unchanged += len(item)
                    continue
                if isinstance(item, RecordError) or not run.takes(item):
                    # A record of the run could change what this one finds: stored first
                    # (and a rejection is reported in the order of the records).
                    fresh.update(self._store_run(db, run, site, now, wanted, result, shared))
                    gc.freeze()
                    run = _Run()
                if isinstance(item, RecordError):
                    result.sources.add(item.source)
                    self._reject(db, item, now, result.fresh_rejected)
                    result.rejected.append(item)
                else:
                    result.sources.add(split_where(item.source)[0])
                    run.add(item)
            fresh.update(self._store_run(db, run, site, now, wanted, result, shared))
            # Stored again: what was refused of these records before is fixed.
            clear_stored(db, list(fresh), now)
            waiting = set(result.scheduled)
            if waiting:
                # Not candidates before their time (nor given links: that is at release).
                for record_id in waiting:
                    fresh.pop(record_id, None)
                if self._get_meta(db, "related_index") is not None:
                    _related_index(db).remove(sorted(waiting))
            if fresh:
                changed = list(fresh)
                live = {i for i, article in fresh.items() if placement(article, False).live}
                if first:  # the index is of these alone: none of the store to read first
                    db.execute(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES ('related_index', '1')"
                    )
                bare = self._relink(
                    db, changed, site.related_count, result.notes, fresh=True, given=fresh
                )
                # In the feeds with no related post at all (nothing to link or compute).
                result.unrelated = [i for i in changed if i in bare and i in live]
            for sql in build:
                db.execute(sql)
            if finish is not None:
                finish(db)
        return result

    @staticmethod
    def _reject(
        db: sqlite3.Connection, error: RecordError, now: datetime, fresh: list[RecordError]
    ) -> None:
        """Keep ``error`` with the rejected records; into ``fresh`` when first seen."""
        if reject(db, error, now):
            fresh.append(error)

    def _refuse(
        self,
        db: sqlite3.Connection,
        article: Article,
        reason: str,
        now: datetime,
        result: IngestResult,
    ) -> RecordError:
        """A record kept out of the store (its previous version stays), kept as rejected."""
        error = RecordError.at(article.source, reason, article.id)
        error.raw = _form(article).body.decode("utf-8")
        self._reject(db, error, now, result.fresh_rejected)
        return error

    def _store_run(
        self,
        db: sqlite3.Connection,
        run: _Run,
        site: Site,
        now: datetime,
        reissue: set[str],
        result: IngestResult,
        shared: dict[object, Any],
    ) -> dict[str, Article]:
        """Store a run of records (no two with the same id or URL): what the store holds
        of them read in one query per table, each decided in order as if alone, the
        writes done together.  Returns those new or changed, by id, as stored (what
        linking them reads of them: ``_to_link``)."""
        if not run.articles:
            return {}
        ids = [article.id for article in run.articles]
        olds = select_keyed(
            db,
            "SELECT record_id, source_hash, status, body, live, tombstone, raw_hash"
            " FROM articles WHERE record_id IN ({marks})",
            ids,
        )
        ledgers = {
            str(record_id): str(entry)
            for record_id, entry in select_in(
                db, "SELECT record_id, entry_id FROM ledger WHERE record_id IN ({marks})", ids
            )
        }
        holders = {
            str(url): (str(record_id), str(source))
            for url, record_id, source in select_in(
                db,
                "SELECT u.url, a.record_id, a.source FROM article_urls u JOIN articles a"
                " USING (record_id) WHERE u.url IN ({marks})"
                " AND json_extract(a.body, '$.url') = u.url",
                list(run.urls),
            )
        }
        writes = _Writes(stamp=iso(now))
        stored: dict[str, Article] = {}
        for article in run.articles:
            holder = holders.get(article.url or "")
            if holder is not None and (holder[0] == article.id or holder[0] in writes.ids):
                holder = None  # its own URL, or its holder's new version has another
            kept = self._upsert(
                db, article, site, now, reissue, result,
                olds.get(article.id), ledgers.get(article.id), holder, writes,
            )  # fmt: skip
            if kept is not None:
                stored[kept.id] = _to_link(kept, shared)
        writes.done(db)
        return stored

    def _upsert(
        self,
        db: sqlite3.Connection,
        article: Article,
        site: Site,
        now: datetime,
        reissue: set[str],
        result: IngestResult,
        old: Sequence[object] | None,
        ledger: str | None,
        holder: tuple[str, str] | None,
        writes: _Writes,
    ) -> Article | None:
        """Decide one record given what the store holds of it (``old``: its row, ``ledger``:
        its published entry id, ``holder``: another article that has its URL), its writes
        into ``writes``; the article as stored when it is new or changed, else None."""
        scheduled = article.status == "published" and bool(article.url) and article.published > now
        if article.status != "draft" and not scheduled and article.updated > now:
            # Its feeds would carry a future date, which the portal refuses: keep what was.
            reason = (
                f"record {article.id}: updated {rfc3339(article.updated)} is in the future"
                f" (published {rfc3339(article.published)} is not)"
            )
            result.rejected.append(self._refuse(db, article, reason, now, result))
            return None
        if holder is not None:
            reason = (
                f"record {article.id}: url {article.url} is already the URL of record"
                f" {holder[0]} ({holder[1]}); an article has one URL of its own"
            )
            result.rejected.append(self._refuse(db, article, reason, now, result))
            return None
        form = _form(article)
        source_hash = form.digest
        if old is not None and old[0] == source_hash:
            if article.raw_hash and article.raw_hash != old[5]:  # read again as it is next time
                writes.raw_hashes.append((article.raw_hash, article.id))
            result.unchanged += 1
            return None
        if ledger is not None and article.status == "published":
            new_id = entry_id(site, article)
            if new_id != ledger:
                if article.id in reissue or ledger in reissue:
                    db.execute(
                        "UPDATE ledger SET entry_id = ?, reissued_from = ? WHERE record_id = ?",
                        (new_id, ledger, article.id),
                    )
                    result.reissued.append(article.id)
                else:
                    reason = (
                        f"record {article.id}: this change would alter the published entry id"
                        f" {ledger} to {new_id} (first publication date changed?); the"
                        f" published version is kept; to accept it, read this source again with"
                        f" --reissue {article.id}"
                    )
                    result.identity.append(self._refuse(db, article, reason, now, result))
                    return None

        stored = article
        # A scheduled article reaches no feed yet: only those its previous version was in.
        touched = set() if scheduled else set(form.keys)
        was_live = False
        if old is not None:
            previous = article_from_json(str(old[2]))
            was_live = bool(old[3])
            if not scheduled or was_live or old[4]:
                touched |= selection_keys(previous)
            # A changed record whose `updated` did not move gets the time the store first saw
            # the change, to the microsecond, less one for each such edit before it in the run
            # and one more (never after the run's now, never on the whole second a record's
            # own time is): readers notice it, no two edits share a value, and none shares
            # one with a record's own (never earlier than what was shown).
            if article.updated <= previous.updated:
                seen = to_local(now) - _MICROSECOND * (len(result.bumped) + 1)
                later = previous.updated + _MICROSECOND
                stored = replace(article, updated=max(seen, later, article.published))
                result.bumped.append(article.id)
        body: bytes | str = form.body
        body_hash = source_hash
        if stored is not article:
            body = with_updated(form.body.decode("utf-8"), stored.updated)
            body_hash = content_hash(body)
        live, has_url = placement(stored, scheduled)
        slugs = form.slugs  # ``updated`` is the one field ``stored`` may change
        published_before = ledger is not None
        tombstone = 0
        removed_at: str | None = None
        deleted_when: str | None = None
        if not live and published_before and (was_live or (old is not None and old[4])):
            tombstone = 1
            removed_at = writes.stamp
            deleted_when = iso(max(stored.updated, to_local(now.replace(microsecond=0))))
            result.removed += 1
        elif old is None:
            result.added += 1
        else:
            result.changed += 1
        if scheduled:
            result.scheduled.append(stored.id)
        stamp = writes.stamp
        writes.rows.append(
            (
                stored.id,
                source_hash,
                body_hash,
                stored.status,
                int(live),
                micros(stored.published),
                next(iter(slugs["category"]), None),
                stored.category.name if stored.category else None,
                next(iter(slugs["author"]), None),
                stored.author,
                body,
                stored.source,
                stamp,
                stamp,
                tombstone,
                removed_at,
                deleted_when,
                int(has_url),
                micros(max(stored.published, stored.updated)) if scheduled else None,
                form.title_key,
                form.own_links,
                article.raw_hash or None,
            )
        )
        writes.ids.add(stored.id)
        if stored.url:
            writes.urls.append((stored.url, stored.id))
        if old is not None:
            writes.retagged.append((stored.id,))
        writes.tags += [(stored.id, tag) for tag in slugs["tag"]]
        writes.touched |= touched
        return stored

    def _relink(
        self,
        db: sqlite3.Connection,
        changed: list[str],
        count: int,
        notes: list[str] | None,
        *,
        fresh: bool,
        candidates: bool = True,
        given: dict[str, Article] | None = None,
    ) -> set[str]:
        """Related links after ``changed`` articles were stored (``fresh``: their records
        are new or changed, so their links are found again) or changed standing (released,
        withheld): their own links, those of every entry that refers to them (a new URL or
        title shows there, a retraction leaves it), and computed ones where too few or one
        of them went away (``store.links``).

        Those that refer to them first: what they show of ``changed`` is its URL, title
        and standing, never its links (so ``changed`` are read once, and each one's links
        derived, completed and written at once).  ``given``: ``changed`` as this ingest
        stored them (not read again; their bodies patched with their links), emptied as
        they are linked (each let go once written).  Returns those of ``changed`` left
        with no related link at all."""
        ids = set(changed)
        unlinked = no_links(db)  # a first fill: none of ``changed`` has links to replace
        # What links to articles show, read once (no URL, title or standing changes here).
        seen: Targets = {}
        again = derive(
            db, [d for d in dependents(db, changed) if d not in ids], keep=True, seen=seen
        )
        lost = sorted(again.lost_computed - ids)
        db.executemany(
            "UPDATE articles SET computed_related = NULL WHERE record_id = ?",
            [(record_id,) for record_id in lost],
        )
        # Those left with fewer than ``count`` (a related post went away) get computed ones.
        fewer = sorted(again.changed - ids - set(lost))
        # a withheld article is no candidate
        index = self._related_index_with(db, changed if candidates else [], given or {})
        from ..related import FEW_ARTICLES

        # Many articles (a first ingest): scored against the whole index in memory, by
        # blocks; a few (a cron run) from the postings of their own words.
        many = len(changed) + len(lost) + len(fewer) > FEW_ARTICLES
        snapshot = index.snapshot() if many else None

        def complete(articles: list[Article]) -> list[tuple[str, list[Link]]]:
            return self._choose(index, articles, count, snapshot)

        bare: set[str] = set()
        for chunk in (
            self._given_chunks(given, changed)
            if given
            else self._chunks(db, changed, _RELATED_CHUNK)
        ):
            # Their links derived, related posts computed, each body written: once.
            stored = {article.id: article for article in chunk}
            bare |= derive(
                db, stored, keep=not fresh, notes=notes, stored=stored,
                complete=complete, chunk=_RELATED_CHUNK, written=given is not None, seen=seen,
                unlinked=unlinked,
            ).bare  # fmt: skip
        # Those that lost a computed one: derived with the others only, then completed.
        derive(db, [*lost, *fewer], keep=True, complete=complete, chunk=_RELATED_CHUNK, seen=seen)
        return bare

    def _related_index_with(
        self, db: sqlite3.Connection, index_them: list[str], given: Mapping[str, Article]
    ) -> RelatedIndex:
        """The related-posts index with ``index_them`` (new, changed or released articles)
        indexed again (retracted ones and drafts are never candidates; those ``given``
        as this ingest stored them, not read again); a store filled before related posts
        were computed here first gets all it holds."""
        index = _related_index(db)
        if self._get_meta(db, "related_index") is None:
            skip = set(index_them)
            every = [
                str(record_id)
                for (record_id,) in db.execute(
                    "SELECT record_id FROM articles WHERE scheduled_us IS NULL"
                )
                if record_id not in skip
            ]
            index_them = [*every, *index_them]
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('related_index', '1')")
        with index.bulk():
            for start in range(0, len(index_them), _INDEX_CHUNK):
                index.add(_index_entries(db, index_them[start : start + _INDEX_CHUNK], given))
        return index

    @staticmethod
    def _choose(
        index: RelatedIndex, articles: list[Article], count: int, snapshot: Snapshot | None
    ) -> list[tuple[str, list[Link]]]:
        """The computed related posts of each published one of ``articles`` with fewer than
        ``count`` links (those given some): the links after its own."""
        asking = [a for a in articles if a.status == "published" and len(a.related) < count]
        return [
            (article.id, list(links[len(article.related) :]))
            for article, links in zip(
                asking, index.related_many(asking, count, snapshot), strict=True
            )
            if len(links) > len(article.related)
        ]

    def raw_hashes(self) -> dict[str, str]:
        """The digest of the raw record each article was last read from, to its record id
        (``adapters.records.RawDigest``): what a JSON Lines or CSV source skips unparsed."""
        # Two JSON arrays in one row, not a row an article: 100,000 read in a third of the time.
        ((raw_hashes, record_ids),) = self._query(
            "SELECT json_group_array(raw_hash), json_group_array(record_id)"
            " FROM articles WHERE raw_hash IS NOT NULL"
        )
        return dict(zip(json.loads(raw_hashes), json.loads(record_ids), strict=True))

    def withhold(self, reasons: dict[str, str], now: datetime, count: int) -> list[RecordError]:
        """Take articles whose own entry the portal policy refuses out of every feed (their
        slots in the archives stay, empty) until their record changes; each is kept with the
        rejected records (the article as stored for its raw text).  Returns those
        RecordErrors: each is new, as an article is withheld once per version."""
        errors: list[RecordError] = []
        with self.transaction("withholding articles failed") as db:
            for record_id, reason in sorted(reasons.items()):
                row = db.execute(
                    "SELECT body, source FROM articles WHERE record_id = ? AND live = 1",
                    (record_id,),
                ).fetchone()
                if row is None:
                    continue
                db.execute("UPDATE articles SET live = 0 WHERE record_id = ?", (record_id,))
                mark_dirty(db, selection_keys(article_from_json(row[0])))
                error = RecordError.at(str(row[1]), reason, record_id)
                error.raw = str(row[0])
                reject(db, error, now)
                errors.append(error)
            withheld = [error.record_id for error in errors if error.record_id]
            if withheld:
                if self._get_meta(db, "related_index") is not None:
                    _related_index(db).remove(withheld)  # no longer a candidate
                self._relink(db, withheld, count, None, fresh=False, candidates=False)
        return errors

    def release_scheduled(self, site: Site, now: datetime) -> list[str]:
        """Scheduled articles whose time has come (``scheduled_us`` <= ``now``) become
        live as if just ingested: their feeds' keys dirty, related posts completed.
        Returns their record ids, oldest first."""
        with self.transaction("releasing scheduled articles failed") as db:
            due = db.execute(
                "SELECT record_id, body FROM articles"
                " WHERE scheduled_us IS NOT NULL AND scheduled_us <= ?"
                " ORDER BY scheduled_us, record_id",
                (micros(now),),
            ).fetchall()
            stamp = iso(now)
            for record_id, body in due:
                db.execute(
                    "UPDATE articles SET scheduled_us = NULL, live = 1, has_url = 1,"
                    " tombstone = 0, removed_at = NULL, deleted_when = NULL,"
                    " last_changed = ? WHERE record_id = ?",
                    (stamp, record_id),
                )
                mark_dirty(db, selection_keys(article_from_json(body)))
            released = [str(record_id) for record_id, _ in due]
            if released:
                self._relink(db, released, site.related_count, None, fresh=True)
        return released

    def scheduled(self) -> list[tuple[str, datetime]]:
        """Articles waiting for their time: record id and when they go live, soonest first."""
        return [
            (str(record_id), from_micros(int(due)))
            for record_id, due in self._query(
                "SELECT record_id, scheduled_us FROM articles WHERE scheduled_us IS NOT NULL"
                " ORDER BY scheduled_us, record_id"
            )
        ]

    @staticmethod
    def _given_chunks(given: dict[str, Article], ids: list[str]) -> Iterator[list[Article]]:
        """The ``given`` articles of ``ids`` (taken out of it) as ``_chunks`` reads them back:
        the store keeps no ``source`` in a body (a note on a listed post names the record
        id instead)."""
        for start in range(0, len(ids), _RELATED_CHUNK):
            chunk = (given.pop(record_id) for record_id in ids[start : start + _RELATED_CHUNK])
            yield [altered(a, source="") if a.listed else a for a in chunk]

    @staticmethod
    def _chunks(db: sqlite3.Connection, ids: list[str], size: int = 500) -> Iterator[list[Article]]:
        """The stored articles of ``ids``, in that order, a few hundred at a time."""
        for start in range(0, len(ids), size):
            chunk = ids[start : start + size]
            marks = ",".join("?" * len(chunk))
            bodies = dict(
                db.execute(
                    f"SELECT record_id, body FROM articles WHERE record_id IN ({marks})", chunk
                ).fetchall()
            )
            yield [article_from_json(bodies[record_id]) for record_id in chunk]

    def expire_tombstones(self, before: datetime) -> int:
        """Stop announcing deletions older than ``before``; their feeds become dirty."""
        cutoff = iso(before)
        with self.transaction() as db:
            rows = db.execute(
                "SELECT record_id, body FROM articles WHERE tombstone = 1 AND removed_at < ?",
                (cutoff,),
            ).fetchall()
            for record_id, body in rows:
                mark_dirty(db, selection_keys(article_from_json(body)))
                db.execute("UPDATE articles SET tombstone = 0 WHERE record_id = ?", (record_id,))
        return len(rows)

"""The embedded SQLite store behind ``ingest`` and ``publish``.

It keeps every article with a hash of its content, the ledger of entry ids already
published (they never change), rejected records with their reason, the hub pings still
owed, and per feed a fingerprint of what was last published, so that a cron run only
renders what changed.  The schema is SQL text with a version and ``migrate_N_to_M``
steps, each in one transaction; sqlite3 errors leave this module as ``StoreError``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from .errors import RecordError, StoreError, split_where
from .identity import entry_id
from .model import Article, Category, FeedSpec, Image, Link, Site, Status
from .related import RelatedIndex
from .text import slugify
from .timezone import ZONE_NAME, rfc3339, to_local

SCHEMA_VERSION = 4

_SCHEMA_V1 = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- One row per CMS record.  `body` is the Article as JSON (what the feeds show);
-- `source_hash` is the hash of the record as last read, so an unchanged record
-- changes nothing, `content_hash` the hash of `body`, for the feed fingerprints.
CREATE TABLE articles (
    record_id      TEXT PRIMARY KEY,
    source_hash    TEXT NOT NULL,
    content_hash   TEXT NOT NULL,
    status         TEXT NOT NULL,
    live           INTEGER NOT NULL,          -- published with a URL: may be in a feed
    published_us   INTEGER NOT NULL,          -- UTC microseconds since 1970, for ordering
    category_slug  TEXT,
    category_name  TEXT,
    author_slug    TEXT,
    author_name    TEXT,
    body           TEXT NOT NULL,
    source         TEXT NOT NULL DEFAULT '',
    first_seen     TEXT NOT NULL,
    last_changed   TEXT NOT NULL,
    tombstone      INTEGER NOT NULL DEFAULT 0, -- 1 while an RFC 6721 deleted-entry is shown
    removed_at     TEXT,                       -- when we saw it leave the feeds
    deleted_when   TEXT                        -- the deleted-entry's `when`
);
CREATE INDEX articles_main ON articles (live, published_us, record_id);
CREATE INDEX articles_category ON articles (live, category_slug, published_us, record_id);
CREATE INDEX articles_author ON articles (live, author_slug, published_us, record_id);
CREATE INDEX articles_tombstones ON articles (tombstone, removed_at);
CREATE TABLE article_tags (
    record_id TEXT NOT NULL REFERENCES articles (record_id) ON DELETE CASCADE,
    tag_slug  TEXT NOT NULL,
    PRIMARY KEY (tag_slug, record_id)
) WITHOUT ROWID;
CREATE INDEX article_tags_record ON article_tags (record_id);
-- Once an entry id has been published it is the article's id for ever (DESIGN.md §3).
CREATE TABLE ledger (
    record_id       TEXT PRIMARY KEY,
    entry_id        TEXT NOT NULL UNIQUE,
    first_published TEXT NOT NULL,
    reissued_from   TEXT
);
CREATE TABLE rejected (
    source     TEXT NOT NULL,
    position   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    record_id  TEXT,
    raw        TEXT NOT NULL DEFAULT '',
    first_seen TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    times      INTEGER NOT NULL DEFAULT 1,
    UNIQUE (source, position, reason)
);
CREATE TABLE pending_pings (
    url        TEXT PRIMARY KEY,
    queued_at  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_try   TEXT,
    last_error TEXT
);
-- What each feed last published: its spec, a fingerprint of its entries and its files.
CREATE TABLE feed_state (
    slug         TEXT PRIMARY KEY,
    spec         TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    files        TEXT NOT NULL,               -- JSON list of paths under the output dir
    published_at TEXT NOT NULL,
    stale        INTEGER NOT NULL DEFAULT 0   -- 1: must be rendered again (e.g. it failed)
);
-- Selection keys touched since the last publish: 'main', 'category:x', 'author:y', 'tag:z'.
CREATE TABLE dirty (
    key TEXT PRIMARY KEY
) WITHOUT ROWID;
"""


def migrate_0_to_1(db: sqlite3.Connection) -> None:
    """An empty file becomes a version 1 store."""
    for statement in _SCHEMA_V1.split(";"):
        if statement.strip():
            db.execute(statement)


def migrate_1_to_2(db: sqlite3.Connection) -> None:
    """Indexes that let the live categories and authors be listed by a few index seeks
    (a loose index scan) instead of a pass over every article."""
    db.execute(
        "CREATE INDEX articles_category_names ON articles (live, category_slug, category_name)"
    )
    db.execute("CREATE INDEX articles_author_names ON articles (live, author_slug, author_name)")


_SCHEMA_V2_TO_V3 = """
-- RFC 5005 archives.  An article takes a slot in a feed's history when it is live or was
-- retracted with a URL (archive.in_history): `has_url` lets that be read without bodies.
ALTER TABLE articles ADD COLUMN has_url INTEGER NOT NULL DEFAULT 0;
UPDATE articles SET has_url = (json_extract(body, '$.url') IS NOT NULL);
-- A feed's history in slot order, ids and hashes only, from the index alone.
CREATE INDEX articles_history
    ON articles (has_url, published_us, record_id, status, content_hash);
CREATE INDEX articles_history_category
    ON articles (has_url, category_slug, published_us, record_id, status, content_hash);
-- What each published archive page holds (ids, hashes, its links): a full page is only
-- rendered again when this changes.
CREATE TABLE archive_pages (
    slug        TEXT NOT NULL,
    number      INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (slug, number)
) WITHOUT ROWID;
"""


def migrate_2_to_3(db: sqlite3.Connection) -> None:
    """Archive pages published incrementally: history without bodies, page fingerprints."""
    for statement in _SCHEMA_V2_TO_V3.split(";"):
        if statement.strip():
            db.execute(statement)


_SCHEMA_V3_TO_V4 = """
-- Scheduled articles: published, with a URL, but dated after the ingest's `now` (the
-- portal refuses a feed with a future date).  Stored with live = 0 and has_url = 0 (no
-- feed, no history slot) and `scheduled_us`, the UTC microseconds of their latest date;
-- the first publish run at or after it makes them live.  NULL for every other article.
ALTER TABLE articles ADD COLUMN scheduled_us INTEGER;
CREATE INDEX articles_scheduled ON articles (scheduled_us) WHERE scheduled_us IS NOT NULL;
"""


def migrate_3_to_4(db: sqlite3.Connection) -> None:
    """Scheduled (future-dated) articles kept out of the feeds until their time."""
    for statement in _SCHEMA_V3_TO_V4.split(";"):
        if statement.strip():
            db.execute(statement)


# Step N -> N+1; each runs in one transaction together with the new user_version.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: migrate_0_to_1,
    1: migrate_1_to_2,
    2: migrate_2_to_3,
    3: migrate_3_to_4,
}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


# --- the Article <-> JSON form kept in the store -------------------------------------------


def article_to_json(article: Article) -> str:
    """A canonical JSON form of an article (without ``source``), the basis of its hash."""
    return json.dumps(
        {
            "id": article.id,
            "title": article.title,
            "published": _local_iso(article.published),
            "updated": _local_iso(article.updated),
            "url": article.url,
            "summary": article.summary,
            "content_html": article.content_html,
            "author": article.author,
            "category": [article.category.slug, article.category.name]
            if article.category
            else None,
            "tags": list(article.tags),
            "image": _image_json(article.image),
            "related": [[link.url, link.title] for link in article.related],
            "status": article.status,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def _image_json(image: Image | None) -> dict[str, Any] | None:
    if image is None:
        return None
    return {
        "url": image.url,
        "caption": image.caption,
        "type": image.type,
        "length": image.length,
        "width": image.width,
        "height": image.height,
    }


def article_from_json(text: str, source: str = "") -> Article:
    """The inverse of ``article_to_json``."""
    raw = json.loads(text)
    image = raw["image"]
    status: Status = raw["status"]
    return Article(
        id=raw["id"],
        title=raw["title"],
        published=to_local(datetime.fromisoformat(raw["published"])),
        updated=to_local(datetime.fromisoformat(raw["updated"])),
        url=raw["url"],
        summary=raw["summary"],
        content_html=raw["content_html"],
        author=raw["author"],
        category=Category(*raw["category"]) if raw["category"] else None,
        tags=tuple(raw["tags"]),
        image=Image(**image) if image else None,
        related=tuple(Link(url, title) for url, title in raw["related"]),
        status=status,
        source=source,
    )


def _local_iso(moment: datetime) -> str:
    # Articles come from the adapters already in Asia/Ho_Chi_Minh: skip the conversion.
    if getattr(moment.tzinfo, "zone", None) == ZONE_NAME:
        return moment.isoformat()
    return to_local(moment).isoformat()


# Authors and tags repeat across thousands of articles: slugify each name once.
_slug = functools.lru_cache(maxsize=65536)(slugify)


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def micros(moment: datetime) -> int:
    """UTC microseconds since 1970: sorts like the instants themselves."""
    return (moment - _EPOCH) // _MICRO


def selection_keys(article: Article) -> set[str]:
    """The dirty keys an article touches: every feed that could select it has one of them."""
    keys = {"main"}
    if article.category is not None:
        keys.add(f"category:{article.category.slug}")
    if article.author:
        keys.add(f"author:{_slug(article.author)}")
    keys.update(f"tag:{_slug(tag)}" for tag in article.tags)
    return keys


def feed_keys(feed: FeedSpec) -> set[str]:
    """The dirty keys that must all be present for a change to reach ``feed``."""
    keys = {"main"}
    if feed.category is not None:
        keys.add(f"category:{feed.category}")
    if feed.author is not None:
        keys.add(f"author:{feed.author}")
    if feed.tag is not None:
        keys.add(f"tag:{feed.tag}")
    return keys


def _iso(moment: datetime) -> str:
    return to_local(moment).isoformat()


# --- rows handed to publish ----------------------------------------------------------------


@dataclass(frozen=True)
class EntryRow:
    """A selected entry before it is decoded: enough to fingerprint a feed cheaply."""

    record_id: str
    content_hash: str
    body: str
    source: str

    def article(self) -> Article:
        return article_from_json(self.body, self.source)


class HistorySlot(NamedTuple):
    """One slot of a feed's RFC 5005 history, without its body: enough to fingerprint
    archive pages; ``live`` 0 for a retracted article (its slot stays, empty), else 1.
    A tuple: the main feed's history is every article, read on each run that renders it."""

    record_id: str
    content_hash: str
    live: int


@dataclass(frozen=True)
class Tombstone:
    """An RFC 6721 ``at:deleted-entry``: a published entry that left the feeds."""

    ref: str
    when: datetime
    record_id: str = ""


@dataclass(frozen=True)
class FeedState:
    """What a feed last published."""

    slug: str
    spec: FeedSpec
    fingerprint: str
    files: tuple[str, ...]
    stale: bool


@dataclass(frozen=True)
class PendingPing:
    url: str
    attempts: int
    last_error: str | None


@dataclass
class IngestResult:
    """What one ingest did, record by record counted."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    rejected: list[RecordError] = field(default_factory=list)
    identity: list[RecordError] = field(default_factory=list)
    reissued: list[str] = field(default_factory=list)
    #: Record ids stored as scheduled (dated after ``now``): also counted as new or changed.
    scheduled: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.added + self.changed + self.unchanged + len(self.rejected)


class Store(Protocol):
    """The store's reading and ingesting side, for fakes in tests of code that needs no
    more (``SQLiteStore`` is the one implementation; publish uses it whole)."""

    def ingest(
        self,
        items: Iterable[Article | RecordError],
        site: Site,
        now: datetime,
        reissue: Sequence[str] = (),
    ) -> IngestResult: ...

    def dirty_keys(self) -> set[str]: ...

    def select_entries(self, feed: FeedSpec, limit: int) -> list[EntryRow]: ...

    def tombstones(self, feed: FeedSpec) -> list[Tombstone]: ...


# --- related posts for the articles of one ingest ----------------------------------------

#: Up to this many new or changed articles, related posts look up document frequencies
#: term by term instead of reading the whole vocabulary (0.4 s for 100,000 articles).
FEW_ARTICLES = 200


class _TermCounts(dict[str, int]):
    """Document frequencies of the index, read one term at a time when first asked."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__()
        self.conn = conn

    def __missing__(self, term: str) -> int:
        row = self.conn.execute("SELECT doc FROM related_vocab WHERE term = ?", (term,)).fetchone()
        count = int(row[0]) if row else 0
        self[term] = count
        return count

    def get(self, term: str, default: int | None = 0) -> int:  # type: ignore[override]
        return self[term]


class _FewArticlesIndex(RelatedIndex):
    """``RelatedIndex`` for a cron ingest of a few articles into a large index: the same
    links, with frequencies looked up per term (``_TermCounts``)."""

    def _frequencies(self) -> dict[str, int]:
        if self._doc_freq is None:
            self._doc_freq = _TermCounts(self.conn)
            self._doc_count = self.conn.execute("SELECT count(*) FROM related_fts").fetchone()[0]
        return self._doc_freq


# --- the SQLite store ----------------------------------------------------------------------


class SQLiteStore:
    """The store in one SQLite file (WAL mode); use as a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the store: {exc}") from exc

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    # -- plumbing --

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back on any error, sqlite3 errors wrapped."""
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot start a transaction: {exc}") from exc
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot commit: {exc}") from exc

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: {exc}") from exc

    def _migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: store schema version {version} is newer than this "
                f"hnp-feeds ({SCHEMA_VERSION}); upgrade hnp-feeds"
            )
        while version < SCHEMA_VERSION:
            step = MIGRATIONS[version]
            with self.transaction() as db:
                # Re-read inside the lock: a concurrent opener may have migrated already.
                if int(db.execute("PRAGMA user_version").fetchone()[0]) == version:
                    step(db)
                    db.execute(f"PRAGMA user_version = {version + 1}")
            version = int(self.db.execute("PRAGMA user_version").fetchone()[0])

    @property
    def schema_version(self) -> int:
        return int(self._query("PRAGMA user_version")[0][0])

    def get_meta(self, key: str) -> str | None:
        rows = self._query("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    # -- ingest --

    def ingest(
        self,
        items: Iterable[Article | RecordError],
        site: Site,
        now: datetime,
        reissue: Sequence[str] = (),
    ) -> IngestResult:
        """Upsert records in one transaction: unchanged ones change nothing, changed ones
        move ``updated``, retracted ones leave the feeds (with a tombstone if they had
        been published), bad ones are kept in ``rejected`` and the rest still go in.

        ``reissue`` holds record ids or published entry ids whose id may change.
        """
        result = IngestResult()
        wanted = set(reissue)
        fresh: dict[str, None] = {}  # ids of new or changed records, in input order
        try:
            with self.transaction() as db:
                for item in items:
                    if isinstance(item, RecordError):
                        self._reject(db, item, now)
                        result.rejected.append(item)
                    else:
                        stored = self._upsert(db, item, site, now, wanted, result)
                        if stored is not None:
                            fresh[stored.id] = None
                waiting = set(result.scheduled)
                if waiting:
                    # Not candidates before their time (nor given links: that is at release).
                    for record_id in waiting:
                        fresh.pop(record_id, None)
                    if self._get_meta(db, "related_index") is not None:
                        RelatedIndex(db).remove(sorted(waiting))
                if fresh:
                    self._complete_related(db, list(fresh), site.related_count)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: ingest failed: {exc}") from exc
        return result

    def _reject(self, db: sqlite3.Connection, error: RecordError, now: datetime) -> None:
        stamp = _iso(now)
        db.execute(
            "INSERT INTO rejected (source, position, reason, record_id, raw, first_seen, seen_at)"
            " VALUES (?, ?, ?, ?, '', ?, ?)"
            " ON CONFLICT (source, position, reason) DO UPDATE SET"
            " seen_at = excluded.seen_at, times = times + 1, record_id = excluded.record_id",
            (error.source, error.position, error.reason, error.record_id, stamp, stamp),
        )

    def _upsert(
        self,
        db: sqlite3.Connection,
        article: Article,
        site: Site,
        now: datetime,
        reissue: set[str],
        result: IngestResult,
    ) -> Article | None:
        """Store one record; the article as stored when it is new or changed, else None."""
        scheduled = article.status == "published" and bool(article.url) and article.published > now
        if article.status != "draft" and not scheduled and article.updated > now:
            # Its feeds would carry a future date, which the portal refuses: keep what was.
            source, position = split_where(article.source)
            error = RecordError(
                source,
                position,
                f"record {article.id}: updated {rfc3339(article.updated)} is in the future"
                f" (published {rfc3339(article.published)} is not)",
                record_id=article.id,
            )
            self._reject(db, error, now)
            result.rejected.append(error)
            return None
        text = article_to_json(article)
        source_hash = content_hash(text)
        old = db.execute(
            "SELECT source_hash, status, body, live, tombstone FROM articles WHERE record_id = ?",
            (article.id,),
        ).fetchone()
        if old is not None and old[0] == source_hash:
            result.unchanged += 1
            return None
        # A ledger row only exists for an article already stored.
        ledger = (
            None
            if old is None
            else db.execute(
                "SELECT entry_id FROM ledger WHERE record_id = ?", (article.id,)
            ).fetchone()
        )
        if ledger is not None and article.status == "published":
            new_id = entry_id(site, article)
            if new_id != ledger[0]:
                if article.id in reissue or ledger[0] in reissue:
                    db.execute(
                        "UPDATE ledger SET entry_id = ?, reissued_from = ? WHERE record_id = ?",
                        (new_id, ledger[0], article.id),
                    )
                    result.reissued.append(article.id)
                else:
                    source, position = split_where(article.source)
                    error = RecordError(
                        source,
                        position,
                        f"record {article.id}: this change would alter the published entry id"
                        f" {ledger[0]} to {new_id} (first publication date changed?); the"
                        f" published version is kept; to accept it, read this source again with"
                        f" --reissue {article.id}",
                        record_id=article.id,
                    )
                    self._reject(db, error, now)
                    result.identity.append(error)
                    return None

        stored = article
        # A scheduled article reaches no feed yet: only those its previous version was in.
        touched = set() if scheduled else selection_keys(article)
        was_live = False
        if old is not None:
            previous = article_from_json(old[2])
            was_live = bool(old[3])
            if not scheduled or was_live or old[4]:
                touched |= selection_keys(previous)
            # A changed record whose `updated` did not move gets the time we saw the change,
            # so readers notice it (never earlier than what was published before).
            if article.updated <= previous.updated:
                bumped = to_local(now.replace(microsecond=0))
                stored = replace(article, updated=max(bumped, previous.updated, article.published))
        body = text if stored is article else article_to_json(stored)
        live = stored.status == "published" and bool(stored.url) and not scheduled
        published_before = ledger is not None
        tombstone = 0
        removed_at: str | None = None
        deleted_when: str | None = None
        if not live and published_before and (was_live or (old is not None and old[4])):
            tombstone = 1
            removed_at = _iso(now)
            deleted_when = _iso(max(stored.updated, to_local(now.replace(microsecond=0))))
            result.removed += 1
        elif old is None:
            result.added += 1
        else:
            result.changed += 1
        if scheduled:
            result.scheduled.append(stored.id)
        stamp = _iso(now)
        db.execute(
            "INSERT INTO articles (record_id, source_hash, content_hash, status, live,"
            " published_us, category_slug, category_name, author_slug, author_name, body,"
            " source, first_seen, last_changed, tombstone, removed_at, deleted_when, has_url,"
            " scheduled_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (record_id) DO UPDATE SET source_hash = excluded.source_hash,"
            " content_hash = excluded.content_hash, status = excluded.status,"
            " live = excluded.live, published_us = excluded.published_us,"
            " category_slug = excluded.category_slug, category_name = excluded.category_name,"
            " author_slug = excluded.author_slug, author_name = excluded.author_name,"
            " body = excluded.body, source = excluded.source,"
            " last_changed = excluded.last_changed, tombstone = excluded.tombstone,"
            " removed_at = excluded.removed_at, deleted_when = excluded.deleted_when,"
            " has_url = excluded.has_url, scheduled_us = excluded.scheduled_us",
            (
                stored.id,
                source_hash,
                content_hash(body),
                stored.status,
                int(live),
                micros(stored.published),
                stored.category.slug if stored.category else None,
                stored.category.name if stored.category else None,
                _slug(stored.author) if stored.author else None,
                stored.author,
                body,
                stored.source,
                stamp,
                stamp,
                tombstone,
                removed_at,
                deleted_when,
                int(bool(stored.url) and not scheduled),
                micros(max(stored.published, stored.updated)) if scheduled else None,
            ),
        )
        if old is not None:
            db.execute("DELETE FROM article_tags WHERE record_id = ?", (stored.id,))
        db.executemany(
            "INSERT OR IGNORE INTO article_tags (record_id, tag_slug) VALUES (?, ?)",
            [(stored.id, _slug(tag)) for tag in stored.tags],
        )
        db.executemany(
            "INSERT OR IGNORE INTO dirty (key) VALUES (?)", [(key,) for key in sorted(touched)]
        )
        return stored

    def _complete_related(self, db: sqlite3.Connection, fresh: list[str], count: int) -> None:
        """Index the new and changed articles (ids in ``fresh``) for related posts
        (retracted ones and drafts are never candidates), then give each published one
        with fewer than ``count`` related links computed ones after its own, stored with it.

        Computed once, at ingest: candidates are never newer than the article, so later
        articles do not change its links and its feeds stay byte-stable.  The whole batch
        is indexed first (as ``complete_related`` does for a build); articles are read
        back in chunks so a large first ingest stays small in memory.  Inside the ingest
        transaction (``RelatedIndex`` joins it rather than committing)."""
        index = RelatedIndex(db) if len(fresh) > FEW_ARTICLES else _FewArticlesIndex(db)
        if self._get_meta(db, "related_index") is None:
            # A store filled before related posts were computed here: index what it holds.
            ids = set(fresh)
            index.add(
                article_from_json(body)
                for record_id, body in db.execute(
                    "SELECT record_id, body FROM articles WHERE scheduled_us IS NULL"
                )
                if record_id not in ids
            )
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('related_index', '1')")
        index.add(article for chunk in self._chunks(db, fresh) for article in chunk)
        for chunk in self._chunks(db, fresh):
            for article in chunk:
                if article.status != "published" or len(article.related) >= count:
                    continue
                links = index.related_for(article, count)
                if links == article.related:
                    continue
                body = article_to_json(replace(article, related=links))
                db.execute(
                    "UPDATE articles SET body = ?, content_hash = ? WHERE record_id = ?",
                    (body, content_hash(body), article.id),
                )

    def release_scheduled(self, site: Site, now: datetime) -> list[str]:
        """Scheduled articles whose time has come (``scheduled_us`` <= ``now``) become
        live as if just ingested: their feeds' keys dirty, related posts completed.
        Returns their record ids, oldest first."""
        try:
            with self.transaction() as db:
                due = db.execute(
                    "SELECT record_id, body FROM articles"
                    " WHERE scheduled_us IS NOT NULL AND scheduled_us <= ?"
                    " ORDER BY scheduled_us, record_id",
                    (micros(now),),
                ).fetchall()
                stamp = _iso(now)
                for record_id, body in due:
                    db.execute(
                        "UPDATE articles SET scheduled_us = NULL, live = 1, has_url = 1,"
                        " tombstone = 0, removed_at = NULL, deleted_when = NULL,"
                        " last_changed = ? WHERE record_id = ?",
                        (stamp, record_id),
                    )
                    keys = selection_keys(article_from_json(body))
                    db.executemany(
                        "INSERT OR IGNORE INTO dirty (key) VALUES (?)", [(k,) for k in sorted(keys)]
                    )
                released = [str(record_id) for record_id, _ in due]
                if released:
                    self._complete_related(db, released, site.related_count)
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: releasing scheduled articles failed: {exc}") from exc
        return released

    def scheduled(self) -> list[tuple[str, datetime]]:
        """Articles waiting for their time: record id and when they go live, soonest first."""
        return [
            (str(record_id), to_local(_EPOCH + timedelta(microseconds=int(due))))
            for record_id, due in self._query(
                "SELECT record_id, scheduled_us FROM articles WHERE scheduled_us IS NOT NULL"
                " ORDER BY scheduled_us, record_id"
            )
        ]

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

    @staticmethod
    def _get_meta(db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    # -- planning --

    def dirty_keys(self) -> set[str]:
        return {str(row[0]) for row in self._query("SELECT key FROM dirty")}

    def live_sections(self) -> tuple[dict[str, str], dict[str, str]]:
        """Categories (slug -> name) and authors (slug -> name) of the live articles."""
        return self._distinct("category"), self._distinct("author")

    def _distinct(self, column: str) -> dict[str, str]:
        # A loose index scan: one seek per distinct slug on (live, <x>_slug, <x>_name),
        # so 200 authors cost 200 seeks, not a pass over 100,000 articles.
        slug, name = f"{column}_slug", f"{column}_name"
        rows = self._query(
            "WITH RECURSIVE seen (value) AS ("
            f" SELECT MIN({slug}) FROM articles WHERE live = 1 AND {slug} IS NOT NULL"
            f" UNION ALL SELECT (SELECT MIN({slug}) FROM articles"
            f" WHERE live = 1 AND {slug} > value) FROM seen WHERE value IS NOT NULL)"
            f" SELECT value, (SELECT MIN({name}) FROM articles WHERE live = 1 AND {slug} = value)"
            " FROM seen WHERE value IS NOT NULL"
        )
        return {str(value): str(label) for value, label in rows}

    @staticmethod
    def _where(feed: FeedSpec) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if feed.category is not None:
            clauses.append("a.category_slug = ?")
            params.append(feed.category)
        if feed.author is not None:
            clauses.append("a.author_slug = ?")
            params.append(feed.author)
        if feed.tag is not None:
            clauses.append("a.record_id IN (SELECT record_id FROM article_tags WHERE tag_slug = ?)")
            params.append(feed.tag)
        return "".join(f" AND {c}" for c in clauses), params

    def select_entries(self, feed: FeedSpec, limit: int) -> list[EntryRow]:
        """The first ``limit`` entries of ``feed``, newest first (ties by id), as
        ``catalogue.select`` orders them (the caller applies ``feed.limit``)."""
        where, params = self._where(feed)
        rows = self._query(
            "SELECT a.record_id, a.content_hash, a.body, a.source FROM articles a"
            f" WHERE a.live = 1{where} ORDER BY a.published_us DESC, a.record_id DESC LIMIT ?",
            [*params, limit],
        )
        return [EntryRow(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def select_history(self, feed: FeedSpec) -> list[EntryRow]:
        """Every entry that takes a slot in ``feed``'s RFC 5005 history (``archive.in_history``):
        live ones and retracted ones the feed selected, oldest first (time, then id).

        The whole history: for the main feed of a large portal that is every article, so
        this is for rendering archive pages, never for a cron run's fingerprints."""
        where, params = self._where(feed)
        rows = self._query(
            "SELECT a.record_id, a.content_hash, a.body, a.source FROM articles a"
            f" WHERE a.has_url = 1 AND a.status IN ('published', 'retracted'){where}"
            " ORDER BY a.published_us, a.record_id",
            params,
        )
        return [EntryRow(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    def history_keys(self, feed: FeedSpec) -> list[HistorySlot]:
        """``select_history`` without bodies: each slot's id, content hash and whether it
        is live, oldest first.  From an index for the main and category feeds: cheap
        enough for every run that renders the feed."""
        where, params = self._where(feed)
        rows = self._query(
            "SELECT a.record_id, a.content_hash, a.status = 'published' FROM articles a"
            f" WHERE a.has_url = 1 AND a.status IN ('published', 'retracted'){where}"
            " ORDER BY a.published_us, a.record_id",
            params,
        )
        return list(map(HistorySlot._make, rows))

    def entry_rows(self, record_ids: Sequence[str]) -> list[EntryRow]:
        """The stored entries of ``record_ids``, in that order."""
        found: dict[str, EntryRow] = {}
        for start in range(0, len(record_ids), 500):
            chunk = list(record_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for r in self._query(
                "SELECT record_id, content_hash, body, source FROM articles"
                f" WHERE record_id IN ({marks})",
                chunk,
            ):
                found[str(r[0])] = EntryRow(str(r[0]), str(r[1]), str(r[2]), str(r[3]))
        return [found[record_id] for record_id in record_ids]

    def archive_pages(self, slug: str) -> dict[int, str]:
        """Fingerprints of the archive pages of ``slug`` as last written: number -> it."""
        return {
            int(number): str(fingerprint)
            for number, fingerprint in self._query(
                "SELECT number, fingerprint FROM archive_pages WHERE slug = ?", (slug,)
            )
        }

    def save_archive_pages(self, slug: str, pages: dict[int, str]) -> None:
        """These archive pages of ``slug`` are written: remember what they hold."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO archive_pages (slug, number, fingerprint) VALUES (?, ?, ?)",
                [(slug, number, fingerprint) for number, fingerprint in sorted(pages.items())],
            )

    def tombstones(self, feed: FeedSpec) -> list[Tombstone]:
        """Published entries of ``feed`` that were retracted and are still announced."""
        where, params = self._where(feed)
        rows = self._query(
            "SELECT l.entry_id, a.deleted_when, a.record_id FROM articles a"
            " JOIN ledger l ON l.record_id = a.record_id"
            f" WHERE a.tombstone = 1 AND a.live = 0{where}"
            " ORDER BY a.removed_at DESC, a.record_id DESC",
            params,
        )
        return [
            Tombstone(str(ref), to_local(datetime.fromisoformat(str(when))), str(record_id))
            for ref, when, record_id in rows
        ]

    def expire_tombstones(self, before: datetime) -> int:
        """Stop announcing deletions older than ``before``; their feeds become dirty."""
        cutoff = _iso(before)
        with self.transaction() as db:
            rows = db.execute(
                "SELECT record_id, body FROM articles WHERE tombstone = 1 AND removed_at < ?",
                (cutoff,),
            ).fetchall()
            for record_id, body in rows:
                keys = selection_keys(article_from_json(body))
                db.executemany("INSERT OR IGNORE INTO dirty (key) VALUES (?)", [(k,) for k in keys])
                db.execute("UPDATE articles SET tombstone = 0 WHERE record_id = ?", (record_id,))
        return len(rows)

    # -- feed state and ledger --

    def feed_states(self) -> dict[str, FeedState]:
        states: dict[str, FeedState] = {}
        for slug, spec, fingerprint, files, stale in self._query(
            "SELECT slug, spec, fingerprint, files, stale FROM feed_state"
        ):
            states[str(slug)] = FeedState(
                str(slug),
                FeedSpec(**json.loads(spec)),
                str(fingerprint),
                tuple(json.loads(files)),
                bool(stale),
            )
        return states

    def ledger_ids(self, record_ids: Sequence[str]) -> dict[str, str]:
        """Published entry ids of these records (those that have one)."""
        found: dict[str, str] = {}
        for start in range(0, len(record_ids), 500):
            chunk = list(record_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for record_id, eid in self._query(
                f"SELECT record_id, entry_id FROM ledger WHERE record_id IN ({marks})", chunk
            ):
                found[str(record_id)] = str(eid)
        return found

    def reissue_ledger(self, record_id: str, new_entry_id: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE ledger SET reissued_from = entry_id, entry_id = ? WHERE record_id = ?",
                (new_entry_id, record_id),
            )

    def add_to_ledger(self, ids: dict[str, str], now: datetime) -> None:
        """Record the entry ids about to be published; an id already there never changes."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO ledger (record_id, entry_id, first_published)"
                " VALUES (?, ?, ?)",
                [(rid, eid, _iso(now)) for rid, eid in sorted(ids.items())],
            )

    def save_feed_state(
        self, feed: FeedSpec, fingerprint: str, files: Sequence[str], now: datetime
    ) -> None:
        """A feed's files are published: remember what they hold."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO feed_state"
                " (slug, spec, fingerprint, files, published_at, stale)"
                " VALUES (?, ?, ?, ?, ?, 0)",
                (feed.slug, _spec_json(feed), fingerprint, json.dumps(list(files)), _iso(now)),
            )

    def finish_publish(
        self, stale: Sequence[FeedSpec], config_fingerprint: str, now: datetime
    ) -> None:
        """End of a publish, in one transaction: dirty keys cleared, feeds that failed
        marked stale so the next run tries them again, the configuration remembered."""
        with self.transaction() as db:
            for feed in stale:
                db.execute(
                    "INSERT INTO feed_state (slug, spec, fingerprint, files, published_at, stale)"
                    " VALUES (?, ?, '', '[]', ?, 1)"
                    " ON CONFLICT (slug) DO UPDATE SET stale = 1",
                    (feed.slug, _spec_json(feed), _iso(now)),
                )
            db.execute("DELETE FROM dirty")
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('config', ?)",
                (config_fingerprint,),
            )

    # -- hub pings --

    def queue_pings(self, urls: Iterable[str], now: datetime) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO pending_pings (url, queued_at) VALUES (?, ?)",
                [(url, _iso(now)) for url in urls],
            )

    def pending_pings(self) -> list[PendingPing]:
        return [
            PendingPing(str(url), int(attempts), last_error)
            for url, attempts, last_error in self._query(
                "SELECT url, attempts, last_error FROM pending_pings ORDER BY queued_at, url"
            )
        ]

    def ping_done(self, url: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM pending_pings WHERE url = ?", (url,))

    def ping_failed(self, url: str, error: str, now: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE pending_pings SET attempts = attempts + 1, last_try = ?, last_error = ?"
                " WHERE url = ?",
                (_iso(now), error, url),
            )

    # -- inspection --

    def rejected(self) -> list[tuple[str, str, str, int]]:
        """Every rejected record: source, position, reason, how many runs saw it."""
        return [
            (str(s), str(p), str(r), int(t))
            for s, p, r, t in self._query(
                "SELECT source, position, reason, times FROM rejected ORDER BY source, position"
            )
        ]

    def article(self, record_id: str) -> Article | None:
        rows = self._query("SELECT body, source FROM articles WHERE record_id = ?", (record_id,))
        return article_from_json(rows[0][0], rows[0][1]) if rows else None

    def count(self, table: str) -> int:
        if table not in {"articles", "ledger", "rejected", "pending_pings", "feed_state"}:
            raise ValueError(table)
        return int(self._query(f"SELECT COUNT(*) FROM {table}")[0][0])

    def check(self) -> list[str]:
        """Problems found in the file: SQLite's integrity check and our own invariants."""
        problems = [str(row[0]) for row in self._query("PRAGMA integrity_check") if row[0] != "ok"]
        problems += [
            f"article {rid}: content hash does not match its body"
            for rid, body, digest in self._query(
                "SELECT record_id, body, content_hash FROM articles"
            )
            if content_hash(body) != digest
        ]
        problems += [
            f"ledger: {rid} has no article"
            for (rid,) in self._query(
                "SELECT record_id FROM ledger WHERE record_id NOT IN"
                " (SELECT record_id FROM articles)"
            )
        ]
        return problems


def _spec_json(feed: FeedSpec) -> str:
    return json.dumps(feed.__dict__, ensure_ascii=False, sort_keys=True)


def open_store(path: Path) -> SQLiteStore:
    """Open (creating and migrating as needed) the store at ``path``."""
    return SQLiteStore(path)

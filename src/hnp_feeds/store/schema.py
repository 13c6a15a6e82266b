"""The store's schema: SQL text with an integer version and ``migrate_N_to_M`` steps,
each run in one transaction together with the new ``user_version``."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from ..names import title_key

SCHEMA_VERSION = 15

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


def _execute_all(db: sqlite3.Connection, script: str) -> None:
    """Each statement of ``script`` in the caller's transaction (``executescript`` would
    commit it first); a trigger's body is part of its statement."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            if statement.strip(" \n;"):
                db.execute(statement)
            statement = ""


def migrate_0_to_1(db: sqlite3.Connection) -> None:
    """An empty file becomes a version 1 store."""
    _execute_all(db, _SCHEMA_V1)


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
    _execute_all(db, _SCHEMA_V2_TO_V3)


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
    _execute_all(db, _SCHEMA_V3_TO_V4)


_SCHEMA_V4_TO_V5 = """
-- Where each database source's incremental read stopped (adapters.database.Mark as JSON),
-- saved in the transaction that stores the rows it covers.
CREATE TABLE IF NOT EXISTS source_state (
    source TEXT PRIMARY KEY,
    mark   TEXT NOT NULL
);
"""


def migrate_4_to_5(db: sqlite3.Connection) -> None:
    """Database sources' read positions kept in the store (they were a JSON file)."""
    db.execute(_SCHEMA_V4_TO_V5)


_SCHEMA_V5_TO_V6 = """
-- Related posts as references (store.links): every article's title as listed posts are
-- matched by, the links its record gives itself (JSON [[url, title]]), the ids related.py
-- chose for it (JSON list), every URL an article has had, which article each related
-- link refers to, the URLs of links to no known article (yet), and the listed posts
-- still waiting for an article of their title.
ALTER TABLE articles ADD COLUMN title_key TEXT;
ALTER TABLE articles ADD COLUMN own_related TEXT;
ALTER TABLE articles ADD COLUMN computed_related TEXT;
UPDATE articles SET title_key = title_key(json_extract(body, '$.title'));
CREATE INDEX articles_title_key ON articles (title_key, live);
CREATE TABLE article_urls (
    url       TEXT PRIMARY KEY,
    record_id TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX article_urls_record ON article_urls (record_id);
INSERT OR REPLACE INTO article_urls (url, record_id)
    SELECT json_extract(body, '$.url'), record_id FROM articles
    WHERE json_extract(body, '$.url') IS NOT NULL;
CREATE TABLE related_refs (
    record_id TEXT NOT NULL,
    kind      TEXT NOT NULL,             -- 'own', 'listed' or 'computed'
    position  INTEGER NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (record_id, kind, position)
) WITHOUT ROWID;
CREATE INDEX related_refs_target ON related_refs (target_id);
CREATE TABLE url_refs (
    url       TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (url, record_id)
) WITHOUT ROWID;
CREATE INDEX url_refs_record ON url_refs (record_id);
CREATE TABLE pending_listed (
    title_key TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (title_key, record_id)
) WITHOUT ROWID;
CREATE INDEX pending_listed_record ON pending_listed (record_id);
-- A history slot is live when its article is in the feeds (an article the portal policy
-- refuses is withheld: published, but not live), read from the index alone.
DROP INDEX articles_history;
DROP INDEX articles_history_category;
CREATE INDEX articles_history
    ON articles (has_url, published_us, record_id, status, content_hash, live);
CREATE INDEX articles_history_category
    ON articles (has_url, category_slug, published_us, record_id, status, content_hash, live);
"""


def migrate_5_to_6(db: sqlite3.Connection) -> None:
    """Related posts kept as references to the articles they point to (``store.links``)."""
    db.create_function("title_key", 1, title_key, deterministic=True)
    _execute_all(db, _SCHEMA_V5_TO_V6)


_SCHEMA_V6_TO_V7 = """
-- What the operator was told, so cron reports a thing once, when first seen: the repairs
-- made to records on the way in (by source, position and a digest of what was repaired),
-- as `rejected` keeps first_seen/seen_at for refused records.  A row leaves when its
-- source is read again without it.
CREATE TABLE reported_repairs (
    source     TEXT NOT NULL,
    position   TEXT NOT NULL,
    digest     TEXT NOT NULL,
    message    TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    PRIMARY KEY (source, position, digest)
) WITHOUT ROWID;
-- A record stored again clears the rejections of its id.
CREATE INDEX rejected_record ON rejected (record_id);
"""


_SCHEMA_V7_TO_V8 = """
-- Web sources (adapters.web): every page fetched, by the URL asked for.  `source` is the
-- start URL it was last fetched for.  `etag` and `last_modified` make the next fetch
-- conditional.  `content_hash` is of the bytes and what shaped their record, so an
-- unchanged page gives no record.  `record` (JSON: id, url, title, published) is what the
-- page last published, for a retraction.  A failure counts up `failures` and waits for
-- `next_retry` (UTC ISO 8601, as `last_fetched`).
CREATE TABLE web_pages (
    url           TEXT PRIMARY KEY,
    source        TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    content_hash  TEXT,
    last_status   INTEGER,
    last_error    TEXT,
    last_fetched  TEXT NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    next_retry    TEXT,
    record        TEXT
) WITHOUT ROWID;
"""


def migrate_6_to_7(db: sqlite3.Connection) -> None:
    """Repairs and rejections reported once (``store.reports``)."""
    _execute_all(db, _SCHEMA_V6_TO_V7)


def migrate_7_to_8(db: sqlite3.Connection) -> None:
    """Web sources' fetched pages remembered, for conditional and incremental crawls."""
    _execute_all(db, _SCHEMA_V7_TO_V8)


_SCHEMA_V8_TO_V9 = """
-- Related posts: the FTS5 index (tone marks folded away) gives way to related.py's own
-- tables (related_docs, related_terms, related_postings, related_corpus, created by
-- RelatedIndex).  Dropping the mark makes the next ingest index every stored article
-- again: links computed before stay as they are (published, never chosen again).
DROP TABLE IF EXISTS related_vocab;
DROP TABLE IF EXISTS related_fts;
DROP TABLE IF EXISTS related_docs;
DELETE FROM meta WHERE key = 'related_index';
"""


_SCHEMA_V9_TO_V10 = """
-- Entries rendered once (writers.fragments): per article and format the bytes of its
-- entry, under the key they were rendered for (the writers' version, the site, the
-- stored body). `checked` is set once the validator found the entry clean: a digest of
-- the validator's version and these bytes.  One row per article and format: a new
-- version of the article replaces it.
CREATE TABLE entry_cache (
    record_id TEXT NOT NULL,
    format    TEXT NOT NULL,
    key       TEXT NOT NULL,
    bytes     BLOB NOT NULL,
    checked   TEXT,
    PRIMARY KEY (record_id, format)
) WITHOUT ROWID;
"""


_SCHEMA_V10_TO_V11 = """
-- The digest of the raw record an article was last read from (its JSON line's bytes, its
-- CSV row, `adapters.records.RawDigest`): the same raw record is skipped before it is
-- parsed.  NULL until the article is read again from such a source.
ALTER TABLE articles ADD COLUMN raw_hash TEXT
"""


def migrate_8_to_9(db: sqlite3.Connection) -> None:
    """Related posts from the new text model: the old full-text index dropped."""
    _execute_all(db, _SCHEMA_V8_TO_V9)


def migrate_9_to_10(db: sqlite3.Connection) -> None:
    """Entries rendered and checked once, kept for the documents that show them again."""
    _execute_all(db, _SCHEMA_V9_TO_V10)


def migrate_10_to_11(db: sqlite3.Connection) -> None:
    """Raw records read once: an unchanged JSON line or CSV row is skipped unparsed."""
    _execute_all(db, _SCHEMA_V10_TO_V11)


_SCHEMA_V11_TO_V12 = """
-- The oldest publication time whose history slots changed since the last publish
-- (`published_us`; no row: none changed): archive and sitemap pages older than the page
-- before it are not read again (`reads.history_tail`).  Kept by triggers, so every
-- writer of articles is counted (`changes`); cleared when a publish finishes unless
-- something changed while it ran.  A migrated store has its whole history read once.
CREATE TABLE history_since (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    published_us INTEGER NOT NULL,
    changes      INTEGER NOT NULL DEFAULT 1
);
INSERT INTO history_since (id, published_us) VALUES (1, -9223372036854775808);
CREATE TRIGGER articles_history_insert AFTER INSERT ON articles BEGIN
    INSERT INTO history_since (id, published_us) VALUES (1, new.published_us)
    ON CONFLICT (id) DO UPDATE SET published_us = min(published_us, excluded.published_us),
    changes = changes + 1;
END;
CREATE TRIGGER articles_history_delete AFTER DELETE ON articles BEGIN
    INSERT INTO history_since (id, published_us) VALUES (1, old.published_us)
    ON CONFLICT (id) DO UPDATE SET published_us = min(published_us, excluded.published_us),
    changes = changes + 1;
END;
CREATE TRIGGER articles_history_update AFTER UPDATE ON articles
WHEN old.content_hash IS NOT new.content_hash OR old.live IS NOT new.live
    OR old.has_url IS NOT new.has_url OR old.status IS NOT new.status
    OR old.published_us IS NOT new.published_us OR old.record_id IS NOT new.record_id
    OR old.category_slug IS NOT new.category_slug OR old.author_slug IS NOT new.author_slug
BEGIN
    INSERT INTO history_since (id, published_us)
    VALUES (1, min(old.published_us, new.published_us))
    ON CONFLICT (id) DO UPDATE SET published_us = min(published_us, excluded.published_us),
    changes = changes + 1;
END;
-- A raw record looked up by its digest: a cron run reading ten lines asks for ten.
CREATE INDEX articles_raw_hash ON articles (raw_hash, record_id) WHERE raw_hash IS NOT NULL;
"""


def migrate_11_to_12(db: sqlite3.Connection) -> None:
    """A cron run reads what changed: the history from its oldest change on, the raw
    records it is given by their digests."""
    _execute_all(db, _SCHEMA_V11_TO_V12)


_SCHEMA_V12_TO_V13 = """
-- The kept entries in a table with rowids: an entry (~2 KB) is several times too large
-- for a WITHOUT ROWID table's B-tree (whose rows are best under a twentieth of a page),
-- which spread each over ~4.6 KB of pages, written twice (WAL, checkpoint) and read
-- back as much.  Now they take what they hold: a first publish of 100,000 articles
-- writes ~250 MB of them, not ~580 MB.  The same columns and key, the rows kept
-- (`checked` now a digest of the validator's version and the entry's key: a verdict
-- kept under the bytes' digest is asked again once).
CREATE TABLE entry_cache_rows (
    record_id TEXT NOT NULL,
    format    TEXT NOT NULL,
    key       TEXT NOT NULL,
    bytes     BLOB NOT NULL,
    checked   TEXT,
    PRIMARY KEY (record_id, format)
);
INSERT INTO entry_cache_rows (record_id, format, key, bytes, checked)
    SELECT record_id, format, key, bytes, checked FROM entry_cache ORDER BY record_id, format;
DROP TABLE entry_cache;
ALTER TABLE entry_cache_rows RENAME TO entry_cache;
"""


def migrate_12_to_13(db: sqlite3.Connection) -> None:
    """The kept entries in a rowid table, which holds rows of their size in the space
    they take (``_SCHEMA_V12_TO_V13``)."""
    _execute_all(db, _SCHEMA_V12_TO_V13)


_SCHEMA_V13_TO_V14 = """
-- Blocks of a JSON Lines export (about 1 MiB of whole lines each, cut at the same place
-- whenever the bytes before them are the same) whose every line is a record the store
-- holds as read from that line: a block whose bytes come again is known to hold these
-- records, unchanged, without being split or its lines looked up (`adapters.jsonl`).
-- `digest`: XXH3 of its bytes seeded with the rules its lines are read by (`RawDigest`);
-- `ids`: its lines' record ids in order (a JSON array); `source`: where it was last read.
CREATE TABLE IF NOT EXISTS raw_blocks (
    digest TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    ids    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS raw_blocks_source ON raw_blocks (source);
-- Each record of a block: once its raw digest changes or it goes, the block is no longer
-- true and goes with it (the triggers below, whoever writes the row), in that write's
-- transaction.
CREATE TABLE IF NOT EXISTS raw_block_records (
    record_id TEXT NOT NULL,
    digest    TEXT NOT NULL REFERENCES raw_blocks (digest) ON DELETE CASCADE,
    PRIMARY KEY (record_id, digest)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS raw_block_records_digest ON raw_block_records (digest);
CREATE TRIGGER IF NOT EXISTS raw_blocks_record_changed
AFTER UPDATE OF raw_hash, record_id ON articles
WHEN old.raw_hash IS NOT new.raw_hash OR old.record_id IS NOT new.record_id BEGIN
    DELETE FROM raw_blocks WHERE digest IN
        (SELECT digest FROM raw_block_records WHERE record_id = old.record_id);
END;
CREATE TRIGGER IF NOT EXISTS raw_blocks_record_deleted AFTER DELETE ON articles BEGIN
    DELETE FROM raw_blocks WHERE digest IN
        (SELECT digest FROM raw_block_records WHERE record_id = old.record_id);
END;
"""


def migrate_13_to_14(db: sqlite3.Connection) -> None:
    """Blocks of an export known to hold records unchanged, kept true by triggers on
    ``articles`` (``_SCHEMA_V13_TO_V14``)."""
    _execute_all(db, _SCHEMA_V13_TO_V14)


_SCHEMA_V14_TO_V15 = """
-- Related posts: a term's df in a row of its own (related_terms), its postings list in
-- another (related_lists).  A cron run adds to the df of every term its articles have,
-- and SQLite writes a whole row again to change one column: with the list in the same
-- row, that read the lists of all those terms (hundreds of KB each for a common one) and
-- wrote many of them again (whenever the row's size changed), some 6,500 pages at
-- 100,000 articles for 10 new ones.  (Tables made by RelatedIndex: run only where
-- related_terms holds the lists, `migrate_14_to_15`.)
CREATE TABLE related_lists (
    id INTEGER PRIMARY KEY,
    docs BLOB NOT NULL,
    weights BLOB NOT NULL
);
INSERT INTO related_lists (id, docs, weights) SELECT id, docs, weights FROM related_terms;
CREATE TABLE related_terms_df (
    id INTEGER PRIMARY KEY,
    df INTEGER NOT NULL
);
INSERT INTO related_terms_df (id, df) SELECT id, df FROM related_terms;
DROP TABLE related_terms;
ALTER TABLE related_terms_df RENAME TO related_terms;
"""


def migrate_14_to_15(db: sqlite3.Connection) -> None:
    """A related term's df apart from its postings list (``_SCHEMA_V14_TO_V15``), where
    the store has a related-posts index of version 14's (none yet: ``RelatedIndex``
    makes the tables as they are now)."""
    columns = {str(row[1]) for row in db.execute("PRAGMA table_info(related_terms)")}
    if "docs" in columns:
        _execute_all(db, _SCHEMA_V14_TO_V15)


# Step N -> N+1; each runs in one transaction together with the new user_version.
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    0: migrate_0_to_1,
    1: migrate_1_to_2,
    2: migrate_2_to_3,
    3: migrate_3_to_4,
    4: migrate_4_to_5,
    5: migrate_5_to_6,
    6: migrate_6_to_7,
    7: migrate_7_to_8,
    8: migrate_8_to_9,
    9: migrate_9_to_10,
    10: migrate_10_to_11,
    11: migrate_11_to_12,
    12: migrate_12_to_13,
    13: migrate_13_to_14,
    14: migrate_14_to_15,
}

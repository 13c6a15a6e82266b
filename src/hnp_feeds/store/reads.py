"""Reading the store: what feeds select (with ``selection``'s SQL), histories, tombstones,
and what an operator inspects."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from ..model import Article, FeedSpec, Tombstone
from ..selection import IN_HISTORY, LIVE, slug, where
from ..sql import select_in
from ..timezone import from_iso
from .codec import article_from_json, content_hash, micros
from .connection import Connection

#: Later than any publication time: no slot changed.
_NEVER = 2**63 - 1


class EntryRow(NamedTuple):
    """A selected entry before it is decoded: enough to fingerprint a feed cheaply.  A
    tuple, made from its row as it is read (a first publish of 100,000 articles reads
    some 400,000: the main, category and author pages and the current documents)."""

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


class HistoryMark(NamedTuple):
    """What a read of a feed's history tail (``ReadOps.history_tail``) saw before it:
    ``before`` slots, ``live`` of them live, ahead of the slot (``published_us``,
    ``record_id``), in the history that ``where`` (the selection's digest) reads.  True
    while no slot that old changes (``history_since`` later than ``published_us``)."""

    where: str
    published_us: int
    record_id: str
    before: int
    live: int


class HistoryTail(NamedTuple):
    """The end of a feed's history (``ReadOps.history_tail``): ``slots`` are those from
    slot ``start`` on; ``size`` slots in all, ``live`` of them live; ``mark``: the slots
    before ``start`` counted, for the next read (None: the history is empty)."""

    start: int
    slots: list[HistorySlot]
    size: int
    live: int
    mark: HistoryMark | None = None


class RawRecords(Mapping[str, str]):
    """The raw records the store has read, digest -> record id (``raw_hashes``), for a
    source to skip those it gives again: looked up in the digests' index while few are
    asked, as for a cron run's ten new lines or the lines of a block that changed; all read
    at once (one query) when more than ``BULK`` are (a whole export read line by line).
    ``get_many`` asks a block of digests at once.

    And the blocks of a JSON Lines export known to be records it holds unchanged
    (``raw_blocks``): ``block`` gives one's record ids, ``saw_block`` is told each block
    read, and ``keep_blocks``, in the ingest's transaction once every record is stored,
    keeps those whose every line is now a record held as read from it (and forgets
    those of a source read again that are no longer in it).  A block stays true: its
    rows go with any change of one of its records' digests, whoever makes it (triggers
    on ``articles``, in that write's transaction)."""

    BULK = 20_000

    def __init__(self, store: Connection, everything: Callable[[], dict[str, str]]) -> None:
        self.store = store
        self.everything = everything
        self.asked = 0
        self.all: dict[str, str] | None = None
        #: The blocks read, by source: digest -> its lines' digests, when each line was
        #: a record read before (to keep), else None (known, or not to keep).
        self.read: dict[str, dict[str, list[str] | None]] = {}

    def block(self, digest: str) -> list[str] | None:
        """The record ids of the lines of the block ``digest``, when it is known."""
        rows = self.store._query("SELECT ids FROM raw_blocks WHERE digest = ?", (digest,))
        return list(json.loads(rows[0][0])) if rows else None

    def saw_block(
        self,
        source: str,
        digest: str,
        raw_hashes: list[str] | None,
        ids: list[str | None] | None,
    ) -> None:
        """A block of ``source`` read: known (no ``raw_hashes``), or its lines' digests and
        the id each was read as before; one whose every line was is kept if still so."""
        keep = raw_hashes if ids is not None and None not in ids else None
        self.read.setdefault(source, {})[digest] = keep

    def keep_blocks(self, db: sqlite3.Connection) -> None:
        """The blocks read kept (``raw_blocks``), in the ingest's transaction (``db``)
        after every record is stored: each whose every line's digest is now that of a
        record the store holds (the record ids in the lines' order), and those known
        before still there; of each source read, the blocks not read this time forgotten."""
        for source, blocks in sorted(self.read.items()):
            for digest, raw_hashes in blocks.items():
                if raw_hashes is None:
                    db.execute(
                        "UPDATE raw_blocks SET source = ? WHERE digest = ? AND source != ?",
                        (source, digest, source),
                    )
                    continue
                found = dict(
                    select_in(
                        db,
                        "SELECT raw_hash, record_id FROM articles WHERE raw_hash IN ({marks})",
                        raw_hashes,
                    )
                )
                ids = [found.get(raw_hash) for raw_hash in raw_hashes]
                if None in ids:
                    continue
                db.execute(
                    "INSERT INTO raw_blocks (digest, source, ids) VALUES (?, ?, ?)"
                    " ON CONFLICT (digest) DO UPDATE SET source = excluded.source,"
                    " ids = excluded.ids",
                    (digest, source, json.dumps(ids)),
                )
                db.executemany(
                    "INSERT OR IGNORE INTO raw_block_records (record_id, digest) VALUES (?, ?)",
                    [(record_id, digest) for record_id in dict.fromkeys(ids)],
                )
            gone = [
                (digest,)
                for (digest,) in db.execute(
                    "SELECT digest FROM raw_blocks WHERE source = ?", (source,)
                )
                if digest not in blocks
            ]
            db.executemany("DELETE FROM raw_blocks WHERE digest = ?", gone)

    def get(self, raw_hash: str, default: str | None = None) -> str | None:  # type: ignore[override]
        """The record id read from ``raw_hash`` (``default`` if none): once per line of
        a whole export, so without ``Mapping``'s detour through ``KeyError``."""
        if self.all is not None:
            return self.all.get(raw_hash, default)
        if self.asked >= self.BULK:
            return self._all().get(raw_hash, default)
        self.asked += 1
        rows = self.store._query(
            "SELECT record_id FROM articles WHERE raw_hash = ? LIMIT 1", (raw_hash,)
        )
        return str(rows[0][0]) if rows else default

    def get_many(self, raw_hashes: list[str]) -> list[str | None]:
        """The record id read from each of ``raw_hashes`` (None: not read before)."""
        if self.all is None and self.asked + len(raw_hashes) > self.BULK:
            self._all()
        if self.all is not None:
            return list(map(self.all.get, raw_hashes))
        self.asked += len(raw_hashes)
        sql = "SELECT raw_hash, record_id FROM articles WHERE raw_hash IN ({marks})"
        found: dict[str, str] = dict(self.store._query_in(sql, raw_hashes))
        return [found.get(raw_hash) for raw_hash in raw_hashes]

    def __getitem__(self, raw_hash: str) -> str:
        found = self.get(raw_hash)
        if found is None:
            raise KeyError(raw_hash)
        return found

    def __bool__(self) -> bool:  # without reading them all
        if self.all is not None:
            return bool(self.all)
        return bool(self.store._query("SELECT 1 FROM articles WHERE raw_hash IS NOT NULL LIMIT 1"))

    def _all(self) -> dict[str, str]:
        if self.all is None:
            self.all = self.everything()
        return self.all

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class ReadOps(Connection):
    """Queries over the stored articles."""

    def live_sections(self) -> tuple[dict[str, str], dict[str, str]]:
        """Categories (slug -> name) and authors (slug -> name) of the live articles."""
        return self._distinct("category"), self._distinct("author")

    def live_tags(self, least: int) -> dict[str, str]:
        """Tags (slug -> name) of at least ``least`` live articles; the name as the live
        article of the smallest record id writes it (``catalogue.feeds_for``'s choice)."""
        rows = self._query(
            "SELECT t.tag_slug, MIN(t.record_id) FROM article_tags t"
            " JOIN articles a ON a.record_id = t.record_id WHERE a.live = 1"
            " GROUP BY t.tag_slug HAVING COUNT(*) >= ? ORDER BY t.tag_slug",
            (least,),
        )
        found: dict[str, str] = {}
        for tag_slug, record_id in rows:
            article = self.article(str(record_id))
            names = [tag for tag in article.tags if slug(tag) == tag_slug] if article else []
            if names:
                found[str(tag_slug)] = names[0]
        return found

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

    def select_entries(self, feed: FeedSpec, limit: int) -> list[EntryRow]:
        """The first ``limit`` entries of ``feed``, newest first (ties by id), as
        ``catalogue.select`` orders them (the caller applies ``feed.limit``)."""
        clause, params = where(feed)
        rows = self._query(
            "SELECT a.record_id, a.content_hash, a.body, a.source FROM articles a"
            f" WHERE {LIVE}{clause} ORDER BY a.published_us DESC, a.record_id DESC LIMIT ?",
            [*params, limit],
        )
        return list(map(EntryRow._make, rows))

    def newest_keys(self, feed: FeedSpec, limit: int) -> list[tuple[str, str]]:
        """The ids and content hashes of ``select_entries(feed, limit)``, without bodies."""
        clause, params = where(feed)
        rows = self._query(
            "SELECT a.record_id, a.content_hash FROM articles a"
            f" WHERE {LIVE}{clause} ORDER BY a.published_us DESC, a.record_id DESC LIMIT ?",
            [*params, limit],
        )
        return [(str(record_id), str(digest)) for record_id, digest in rows]

    def published_since(self, since: datetime, limit: int) -> list[tuple[str, str]]:
        """The live articles published at or after ``since``, newest first (ties by id),
        at most ``limit``: their ids and content hashes, without their bodies (every run
        asks; ``entry_rows`` reads them when they changed)."""
        rows = self._query(
            "SELECT a.record_id, a.content_hash FROM articles a"
            f" WHERE {LIVE} AND a.published_us >= ?"
            " ORDER BY a.published_us DESC, a.record_id DESC LIMIT ?",
            (micros(since), limit),
        )
        return [(str(record_id), str(digest)) for record_id, digest in rows]

    def page_dates(self, record_ids: Sequence[str]) -> list[tuple[str, str]]:
        """(URL, ``updated`` in RFC 3339) of ``record_ids``, in that order, without decoding
        their bodies: a sitemap page's lines."""
        found = {
            str(record_id): (str(url), str(updated))
            for record_id, url, updated in self._query_in(
                "SELECT record_id, json_extract(body, '$.url'), json_extract(body, '$.updated')"
                " FROM articles WHERE record_id IN ({marks})",
                record_ids,
            )
        }
        return [found[record_id] for record_id in record_ids]

    def history_keys(self, feed: FeedSpec) -> list[HistorySlot]:
        """Every slot of ``feed``'s RFC 5005 history (``selection.IN_HISTORY``), oldest
        first (time, then id), without bodies: each one's id, content hash and whether it is
        live.  From an index for the main and category feeds: cheap
        enough for every run that renders the feed."""
        clause, params = where(feed)
        rows = self._query(
            "SELECT a.record_id, a.content_hash, a.live FROM articles a"
            f" WHERE {IN_HISTORY}{clause}"
            " ORDER BY a.published_us, a.record_id",
            params,
        )
        return list(map(HistorySlot._make, rows))

    def history_tail(
        self, feed: FeedSpec, unit: int, mark: HistoryMark | None = None
    ) -> HistoryTail:
        """The end of ``feed``'s history that may differ from what the last publish saw,
        in whole units of ``unit`` slots (archive or sitemap pages): from the unit before
        the one holding the oldest slot changed since (``history_since``; the last units
        when none changed; the whole history after a migration).  The slots before it are
        as they were, in the same places, and the units they fill are as published, their
        links included (the unit before is read: it may gain its ``next``).  Counted from
        the index: from ``mark`` on (a ``HistoryTail.mark`` of an earlier read) while it
        holds, else the whole history; only the tail is read, from ``since`` on and back."""
        clause, params = where(feed)
        marked = self._query("SELECT published_us FROM history_since")
        since = int(marked[0][0]) if marked else _NEVER
        selection = content_hash(f"{clause}\n{params!r}")
        count = "SELECT COUNT(*), COALESCE(SUM(a.live), 0), COALESCE(SUM(a.published_us < ?), 0)"
        if mark is not None and mark.where == selection and mark.published_us < since:
            after, live_after, before_after = self._query(
                f"{count} FROM articles a WHERE {IN_HISTORY}{clause}"
                " AND (a.published_us, a.record_id) >= (?, ?)",
                [since, *params, mark.published_us, mark.record_id],
            )[0]
            size = mark.before + int(after)
            live = mark.live + int(live_after)
            before = mark.before + int(before_after)
        else:
            size, live, before = self._query(
                f"{count} FROM articles a WHERE {IN_HISTORY}{clause}", [since, *params]
            )[0]
        start = max(0, int(before) // unit - 1) * unit
        # Walked from ``since`` both ways: back to ``start``, then on to the end.
        columns = f"SELECT a.record_id, a.content_hash, a.live FROM articles a WHERE {IN_HISTORY}"
        older = self._query(
            f"{columns}{clause} AND a.published_us < ?"
            " ORDER BY a.published_us DESC, a.record_id DESC LIMIT ?",
            [*params, since, int(before) - start],
        )
        newer = self._query(
            f"{columns}{clause} AND a.published_us >= ? ORDER BY a.published_us, a.record_id",
            [*params, since],
        )
        slots = list(map(HistorySlot._make, [*reversed(older), *newer]))
        found = None
        if slots:
            first = slots[0].record_id
            (published,) = self._query(
                "SELECT published_us FROM articles WHERE record_id = ?", (first,)
            )[0]
            ahead = int(live) - sum(slot.live for slot in slots)
            found = HistoryMark(selection, int(published), first, start, ahead)
        return HistoryTail(start, slots, int(size), int(live), found)

    def entry_rows(self, record_ids: Sequence[str]) -> list[EntryRow]:
        """The stored entries of ``record_ids``, in that order (an id given twice, twice)."""
        rows = self._query_in(
            "SELECT record_id, content_hash, body, source FROM articles"
            " WHERE record_id IN ({marks})",
            list(dict.fromkeys(record_ids)),
        )
        found = {row.record_id: row for row in map(EntryRow._make, rows)}
        return [found[record_id] for record_id in record_ids]

    def tombstones(self, feed: FeedSpec) -> list[Tombstone]:
        """Published entries of ``feed`` that were retracted and are still announced."""
        clause, params = where(feed)
        rows = self._query(
            "SELECT l.entry_id, a.deleted_when, a.record_id FROM articles a"
            " JOIN ledger l ON l.record_id = a.record_id"
            f" WHERE a.tombstone = 1 AND a.live = 0{clause}"
            " ORDER BY a.removed_at DESC, a.record_id DESC",
            params,
        )
        return [
            Tombstone(str(ref), from_iso(str(when)), str(record_id))
            for ref, when, record_id in rows
        ]

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

    def live_count(self) -> int:
        """How many articles the feeds hold now."""
        return int(self._query(f"SELECT COUNT(*) FROM articles a WHERE {LIVE}")[0][0])

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

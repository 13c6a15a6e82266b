"""What the store tells the operator, and remembers having told: the rejected records
(with their raw text, first and last seen), the repairs made on the way in, the runs of
``publish`` and ``ingest``, and the counts ``hnp-feeds status`` shows.

A rejection or a repair is reported once, when first seen: cron mails what is new, not
what it said five minutes ago.  A record leaves the rejected list by itself when it is
stored again, or when its source is read again without it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from ..errors import RecordError, split_where
from .codec import iso
from .connection import Connection

#: At most this many characters of a refused record's text are kept (a page may be large).
RAW_LIMIT = 4000

#: A published article with a URL that is in no feed and not waiting for its time: the
#: portal policy withheld it, until its record changes.
WITHHELD = "status = 'published' AND has_url = 1 AND live = 0 AND scheduled_us IS NULL"


def bounded(raw: str) -> str:
    """``raw`` cut to ``RAW_LIMIT`` characters, saying how much was left out."""
    if len(raw) <= RAW_LIMIT:
        return raw
    return f"{raw[:RAW_LIMIT]}\n[... {len(raw) - RAW_LIMIT} more characters not kept]"


def reject(db: sqlite3.Connection, error: RecordError, now: datetime) -> bool:
    """Keep ``error`` with the rejected records (its raw text bounded); True when it was
    not there yet: a new rejection, to be reported."""
    stamp = iso(now)
    (times,) = db.execute(
        "INSERT INTO rejected (source, position, reason, record_id, raw, first_seen, seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (source, position, reason) DO UPDATE SET"
        " seen_at = excluded.seen_at, times = times + 1, record_id = excluded.record_id,"
        " raw = CASE WHEN excluded.raw = '' THEN raw ELSE excluded.raw END"
        " RETURNING times",
        (error.source, error.position, error.reason, error.record_id, bounded(error.raw), stamp,
         stamp),
    ).fetchone()  # fmt: skip
    return int(times) == 1


def clear_stored(db: sqlite3.Connection, record_ids: Sequence[str], now: datetime) -> None:
    """These records were stored (new or changed): their earlier rejections are fixed."""
    stamp = iso(now)
    db.executemany(
        "DELETE FROM rejected WHERE record_id = ? AND seen_at < ?",
        [(record_id, stamp) for record_id in record_ids],
    )


@dataclass(frozen=True)
class Rejection:
    """One rejected record as ``hnp-feeds rejected`` lists it."""

    source: str
    position: str
    reason: str
    record_id: str | None
    raw: str
    first_seen: str
    last_seen: str
    times: int

    @property
    def where(self) -> str:
        return f"{self.source}:{self.position}" if self.position else self.source


@dataclass(frozen=True)
class Run:
    """A ``publish`` or ``ingest`` run as the store remembers it."""

    command: str
    at: str
    exit_code: int | None = None  # None: started, not finished
    outcome: str = ""
    summary: str = ""


class ReportOps(Connection):
    """What was reported, and what ``rejected`` and ``status`` read."""

    def settle_reports(
        self, sources: Iterable[str], repairs: Sequence[str], now: datetime
    ) -> list[str]:
        """After an ingest that read ``sources`` whole (not incrementally): their rejections
        and repairs not seen at ``now`` are gone (withheld articles stay until their record
        changes), and ``repairs`` (``file:line: what``) are remembered.  Returns the repairs
        first seen now, in their order."""
        stamp = iso(now)
        fresh: list[str] = []
        with self.transaction() as db:
            for source in sorted(set(sources)):
                db.execute(
                    "DELETE FROM rejected WHERE source = ? AND seen_at < ? AND NOT EXISTS"
                    " (SELECT 1 FROM articles WHERE articles.record_id = rejected.record_id"
                    f" AND {WITHHELD})",
                    (source, stamp),
                )
            for message in dict.fromkeys(repairs):
                where, _, what = message.partition(": ")
                source, position = split_where(where)
                digest = hashlib.sha256(what.encode()).hexdigest()[:16]
                (first,) = db.execute(
                    "INSERT INTO reported_repairs"
                    " (source, position, digest, message, first_seen, last_seen)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, position, digest)"
                    " DO UPDATE SET last_seen = excluded.last_seen RETURNING first_seen",
                    (source, position, digest, message, stamp, stamp),
                ).fetchone()
                if first == stamp:
                    fresh.append(message)
            for source in sorted(set(sources)):
                db.execute(
                    "DELETE FROM reported_repairs WHERE source = ? AND last_seen < ?",
                    (source, stamp),
                )
        return fresh

    def rejections(self) -> list[Rejection]:
        """Every rejected record, by source and position."""
        return [
            Rejection(str(s), str(p), str(r), i, str(raw), str(f), str(seen), int(t))
            for s, p, r, i, raw, f, seen, t in self._query(
                "SELECT source, position, reason, record_id, raw, first_seen, seen_at, times"
                " FROM rejected ORDER BY source, CAST(position AS INTEGER), position, reason"
            )
        ]

    def clear_rejected(self, wheres: Sequence[str] = ()) -> int:
        """Forget rejected records (all, or those at ``source:position``, of a ``source``
        or of a record id); a record still bad is rejected, and reported, again."""
        with self.transaction() as db:
            if not wheres:
                return int(db.execute("DELETE FROM rejected").rowcount)
            removed = 0
            for where in wheres:
                source, position = split_where(where)
                removed += db.execute(
                    "DELETE FROM rejected WHERE (source = ? AND (? = '' OR position = ?))"
                    " OR record_id = ?",
                    (source, position, position, where),
                ).rowcount
            return removed

    def start_run(self, command: str, now: datetime) -> None:
        """A run of ``command`` began at ``now`` (``status`` tells one that never ended)."""
        self.set_meta("run_started", json.dumps({"command": command, "at": iso(now)}))

    def finish_run(
        self, command: str, now: datetime, exit_code: int, outcome: str, summary: str = ""
    ) -> None:
        """The run of ``command`` begun at ``now`` ended with ``exit_code``."""
        run = Run(command, iso(now), exit_code, outcome, summary)
        self.set_meta("last_run", json.dumps(asdict(run), ensure_ascii=False))

    def runs(self) -> tuple[Run | None, Run | None]:
        """The last run started and the last run finished (the same run when it ended)."""
        started, finished = self.get_meta("run_started"), self.get_meta("last_run")
        return (
            Run(**json.loads(started)) if started else None,
            Run(**json.loads(finished)) if finished else None,
        )

    def article_counts(self) -> dict[str, int]:
        """Articles by where they stand: in the feeds, withheld, scheduled, published
        without a URL, drafts, retracted."""
        counts = dict.fromkeys(
            ("in the feeds", "withheld", "scheduled", "without a URL", "draft", "retracted"), 0
        )
        for standing, count in self._query(
            "SELECT CASE WHEN live = 1 THEN 'in the feeds'"
            f" WHEN {WITHHELD} THEN 'withheld'"
            " WHEN scheduled_us IS NOT NULL THEN 'scheduled'"
            " WHEN status = 'published' THEN 'without a URL'"
            " ELSE status END AS standing, count(*) FROM articles GROUP BY standing"
        ):
            counts[str(standing)] = int(count)
        return counts

    def feed_counts(self) -> tuple[int, int, str | None]:
        """Feeds published, those to be rendered again (stale), and the last publication."""
        total, stale, last = self._query(
            "SELECT count(*), coalesce(sum(stale), 0), max(published_at) FROM feed_state"
        )[0]
        return int(total), int(stale), last

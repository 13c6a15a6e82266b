"""What the store remembers of publishing: each feed's and archive page's fingerprint, the
ledger of published entry ids, the dirty keys, and the hub pings still owed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..model import FeedSpec
from ..timezone import from_iso
from .codec import iso, spec_json
from .connection import PREFIXED, Connection, prefix_range
from .reads import HistoryMark

#: The meta keys of the ``HistoryMark`` s a publish leaves.
_MARK = "history-mark:"


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
    queued_at: str = ""  # when the change it announces was queued (a later one moves it)


def mark_dirty(db: sqlite3.Connection, keys: Iterable[str]) -> None:
    """These selection keys changed: every feed they reach is planned by the next publish."""
    db.executemany("INSERT OR IGNORE INTO dirty (key) VALUES (?)", [(k,) for k in sorted(keys)])


class StateOps(Connection):
    """The publishing state kept beside the articles."""

    def dirty_keys(self) -> set[str]:
        """Selection keys touched since the last publish (``selection.selection_keys``)."""
        return {str(row[0]) for row in self._query("SELECT key FROM dirty")}

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

    def forget_archive_pages(self, slug: str, numbers: Sequence[int]) -> None:
        """These archive pages of ``slug`` are gone (its history became shorter)."""
        with self.transaction() as db:
            db.executemany(
                "DELETE FROM archive_pages WHERE slug = ? AND number = ?",
                [(slug, number) for number in numbers],
            )

    def feed_files(self) -> dict[str, tuple[tuple[str, ...], bool]]:
        """Each published feed's files and whether it is stale: what a cron run checks
        before anything else (``feed_states`` without decoding the specs)."""
        return {
            str(slug): (tuple(json.loads(files)), bool(stale))
            for slug, files, stale in self._query("SELECT slug, files, stale FROM feed_state")
        }

    def feed_fingerprints(self) -> dict[str, str]:
        """Each published feed's fingerprint (``feed_states`` without decoding)."""
        return {
            str(slug): str(fingerprint)
            for slug, fingerprint in self._query("SELECT slug, fingerprint FROM feed_state")
        }

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
        return {
            str(record_id): str(eid)
            for record_id, eid in self._query_in(
                "SELECT record_id, entry_id FROM ledger WHERE record_id IN ({marks})", record_ids
            )
        }

    def reissue_ledger(self, record_id: str, new_entry_id: str) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE ledger SET reissued_from = entry_id, entry_id = ? WHERE record_id = ?",
                (new_entry_id, record_id),
            )

    def add_to_ledger(self, ids: dict[str, str], now: datetime) -> None:
        """Record the entry ids about to be published; an id already there never changes."""
        stamp = iso(now)
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO ledger (record_id, entry_id, first_published)"
                " VALUES (?, ?, ?)",
                [(rid, eid, stamp) for rid, eid in sorted(ids.items())],
            )

    def save_feed_state(
        self,
        feed: FeedSpec,
        fingerprint: str,
        files: Sequence[str],
        now: datetime,
        updated: datetime | None = None,
        entries: int | None = None,
    ) -> None:
        """A feed's files are published: remember what they hold, the newest ``updated``
        of its entries (None: it has none) for the pages that list it, and how many live
        entries it shows (what the next run may not take too much of)."""
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO feed_state"
                " (slug, spec, fingerprint, files, published_at, stale)"
                " VALUES (?, ?, ?, ?, ?, 0)",
                (feed.slug, spec_json(feed), fingerprint, json.dumps(list(files)), iso(now)),
            )
            if entries is not None:
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                    (f"entries:{feed.slug}", str(entries)),
                )
            key = f"updated:{feed.slug}"
            if updated is None:
                db.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, iso(updated))
                )

    def feeds_updated(self, slugs: Iterable[str]) -> datetime | None:
        """The newest ``updated`` of what the feeds ``slugs`` last published."""
        wanted = set(slugs)
        stamps = self.meta_prefixed("updated:")
        return max((from_iso(stamps[s]) for s in wanted if s in stamps), default=None)

    def index_cards(self) -> dict[str, tuple[str, str]]:
        """The feeds' cards on the index page as last written: slug -> (what they were
        made from, a digest; the card)."""
        found: dict[str, tuple[str, str]] = {}
        for slug, value in self.meta_prefixed("card:").items():
            digest, _, card = value.partition("\n")
            found[slug] = (digest, card)
        return found

    def save_index_cards(self, made: dict[str, tuple[str, str]], gone: Iterable[str]) -> None:
        """The cards of the index page just written (``index_cards``): those ``made`` by
        this run kept, those of the feeds ``gone`` from it forgotten."""
        with self.transaction() as db:
            db.executemany("DELETE FROM meta WHERE key = ?", [(f"card:{s}",) for s in gone])
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                [(f"card:{slug}", f"{digest}\n{card}") for slug, (digest, card) in made.items()],
            )

    def history_marks(self) -> dict[str, HistoryMark]:
        """The ``HistoryMark`` each history read by the last publish left (name -> it):
        true while ``history_tail`` finds them so."""
        return {
            name: HistoryMark(*json.loads(value))
            for name, value in self.meta_prefixed(_MARK).items()
        }

    def history_changes(self) -> int:
        """How many changes of history slots ``history_since`` counts (0: none since the
        last publish): given back to ``finish_publish`` by the run that read them."""
        rows = self._query("SELECT changes FROM history_since")
        return int(rows[0][0]) if rows else 0

    def finish_publish(
        self,
        stale: Sequence[FeedSpec],
        config_fingerprint: str,
        now: datetime,
        history_changes: int = 0,
        marks: dict[str, HistoryMark] | None = None,
        writers: str | None = None,
    ) -> None:
        """End of a publish, in one transaction: dirty keys cleared, feeds that failed
        marked stale so the next run tries them again, the configuration remembered, the
        history taken as published (``history_since``, when no slot changed since the run
        read ``history_changes``) and the ``marks`` its reads left kept in place of the
        last run's (a mark not made again may count a change that the history no longer
        shows), and the ``writers``' version the current documents are now rendered by."""
        with self.transaction() as db:
            db.execute(f"DELETE FROM meta WHERE {PREFIXED}", prefix_range(_MARK))
            db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [(f"{_MARK}{name}", json.dumps(list(m))) for name, m in (marks or {}).items()],
            )
            for feed in stale:
                db.execute(
                    "INSERT INTO feed_state (slug, spec, fingerprint, files, published_at, stale)"
                    " VALUES (?, ?, '', '[]', ?, 1)"
                    " ON CONFLICT (slug) DO UPDATE SET stale = 1",
                    (feed.slug, spec_json(feed), iso(now)),
                )
            db.execute("DELETE FROM dirty")
            # What changed while this run published is read again by the next one.
            db.execute("DELETE FROM history_since WHERE changes = ?", (history_changes,))
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('config', ?)",
                (config_fingerprint,),
            )
            if writers is not None:
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('writers', ?)", (writers,)
                )

    def queue_pings(self, urls: Iterable[str], now: datetime) -> None:
        """These feed URLs changed: a ping is owed (one already waiting is moved to
        ``now``, so a ping sent meanwhile, outside the lock, does not settle this change)."""
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO pending_pings (url, queued_at) VALUES (?, ?)"
                " ON CONFLICT (url) DO UPDATE SET queued_at = excluded.queued_at",
                [(url, iso(now)) for url in urls],
            )

    def pending_pings(self) -> list[PendingPing]:
        return [
            PendingPing(str(url), int(attempts), last_error, str(queued_at))
            for url, attempts, last_error, queued_at in self._query(
                "SELECT url, attempts, last_error, queued_at FROM pending_pings"
                " ORDER BY queued_at, url"
            )
        ]

    def ping_done(self, url: str, queued_at: str) -> None:
        """The hub was told of the change to ``url`` queued at ``queued_at``; one queued
        again since then still waits."""
        with self.transaction() as db:
            db.execute(
                "DELETE FROM pending_pings WHERE url = ? AND queued_at = ?", (url, queued_at)
            )

    def ping_failed(self, url: str, error: str, now: datetime) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE pending_pings SET attempts = attempts + 1, last_try = ?, last_error = ?"
                " WHERE url = ?",
                (iso(now), error, url),
            )

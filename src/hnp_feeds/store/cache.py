"""Entries rendered once: their bytes per format and whether the validator found them
clean, by article (``writers.fragments``, ``publish.render``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from .connection import Connection


class CachedEntry(NamedTuple):
    """One article's entry in one format: the key it was rendered for, its bytes, and
    the digest of the validator's version and those bytes when found clean (else None)."""

    record_id: str
    format: str
    key: str
    data: bytes
    checked: str | None


class CacheOps(Connection):
    """The ``entry_cache`` table."""

    def cached_entries(self, record_ids: Sequence[str]) -> list[CachedEntry]:
        """Every format's cached entry of these articles."""
        rows = self._query_in(
            "SELECT record_id, format, key, bytes, checked FROM entry_cache"
            " WHERE record_id IN ({marks})",
            sorted(set(record_ids)),
        )
        return list(map(CachedEntry._make, rows))  # (a BLOB is read as bytes)

    def save_cached_entries(self, entries: Iterable[CachedEntry]) -> None:
        """Keep these entries (each replaces its article's entry in its format)."""
        rows = [tuple(entry) for entry in entries]
        if not rows:
            return
        with self.transaction("cannot keep the rendered entries") as db:
            db.executemany(
                "INSERT OR REPLACE INTO entry_cache (record_id, format, key, bytes, checked)"
                " VALUES (?, ?, ?, ?, ?)",
                rows,
            )

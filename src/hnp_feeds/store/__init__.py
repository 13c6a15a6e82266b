"""The embedded SQLite store behind ``ingest``, ``publish`` and ``build``.

It keeps every article with a hash of its content, the ledger of entry ids already
published (they never change), rejected records with their reason, the hub pings still
owed, and per feed a fingerprint of what was last published, so that a cron run only
renders what changed.  A module per job: ``schema`` (SQL and migrations), ``codec`` (the
stored form of an article), ``connection`` (opening, transactions, errors), ``ingest``
(the ingest policy), ``links`` (related posts as references to the articles they point
to), ``reads`` (queries), ``reports`` (what the operator is told, once), ``state`` (what
publishing remembers), ``cache`` (entries rendered once), ``backup`` (a consistent copy
with SQLite's backup API).
"""

from __future__ import annotations

from pathlib import Path

from .cache import CachedEntry, CacheOps
from .codec import article_from_json, article_place, article_to_json, content_hash, stored_id
from .ingest import IngestOps, IngestResult, prepare_article
from .reads import EntryRow, HistoryMark, HistorySlot, HistoryTail, RawRecords, ReadOps
from .reports import Rejection, ReportOps, Run
from .schema import SCHEMA_VERSION
from .state import FeedState, PendingPing, StateOps


class SQLiteStore(IngestOps, ReadOps, ReportOps, StateOps, CacheOps):
    """The store in one SQLite file (WAL mode); use as a context manager."""


def open_store(path: Path) -> SQLiteStore:
    """Open (creating and migrating as needed) the store at ``path``."""
    return SQLiteStore(path)


__all__ = [
    "SCHEMA_VERSION",
    "CachedEntry",
    "EntryRow",
    "FeedState",
    "HistoryMark",
    "HistorySlot",
    "HistoryTail",
    "IngestResult",
    "PendingPing",
    "RawRecords",
    "Rejection",
    "Run",
    "SQLiteStore",
    "article_from_json",
    "article_place",
    "article_to_json",
    "content_hash",
    "open_store",
    "prepare_article",
    "stored_id",
]

"""The store's connection: opening (and migrating) the file, transactions, queries, and the
``meta`` table; sqlite3 errors leave it as ``StoreError``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from ..errors import StoreError
from . import schema


def check_version(path: Path, version: int) -> None:
    """A store this hnp-feeds can open (an older one is migrated), else StoreError."""
    if version > schema.SCHEMA_VERSION:
        raise StoreError(
            f"{path}: store schema version {version} is newer than this "
            f"hnp-feeds ({schema.SCHEMA_VERSION}); upgrade hnp-feeds"
        )


class Connection:
    """One SQLite file (WAL mode), migrated to the current schema; a context manager."""

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

    def __enter__(self) -> Self:
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
        check_version(self.path, version)
        while version < schema.SCHEMA_VERSION:
            step = schema.MIGRATIONS[version]
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

    @staticmethod
    def _get_meta(db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

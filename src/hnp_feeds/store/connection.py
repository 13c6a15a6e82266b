"""The store's connection: opening (and migrating) the file, transactions, queries, and the
``meta`` table; sqlite3 errors leave it as ``StoreError``."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from ..errors import StoreError, StoreSystemFault, StoreUnusable, SystemFault
from ..sql import select_in
from . import schema

# SQLite's primary result codes of a file system that refused (https://sqlite.org/rescode.html):
# SQLITE_PERM, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
_SYSTEM_CODES = frozenset({3, 8, 10, 13, 14})
# SQLITE_CORRUPT, SQLITE_NOTADB: the file is damaged, or not a store at all.
_DAMAGED_CODES = frozenset({11, 26})
#: What a damaged store's message tells the operator to do.
#: How long a statement waits for another connection's lock.
_BUSY_MS = 30000
#: The meta keys from the first parameter up to the second (``_range``): a range of the
#: key's index, where ``LIKE 'x:%'`` would read every row (the index cards' text too).
PREFIXED = "key >= ? AND key < ?"
DAMAGED_HINT = "restore it from a backup (or move it away and run with --start-over)"


def prefix_range(prefix: str) -> tuple[str, str]:
    """The bounds of ``PREFIXED`` for the keys that begin with ``prefix``."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def store_error(path: Path, what: str, error: sqlite3.Error) -> StoreError:
    """``error`` (what SQLite said while doing ``what``) as the store's error: a
    StoreSystemFault when the file system refused, else a StoreError."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None and code & 0xFF in _SYSTEM_CODES:
        return StoreSystemFault(f"{path}: {what}: {error}")
    if code is not None and code & 0xFF in _DAMAGED_CODES:
        return StoreUnusable(f"{path}: the store is damaged ({error}); {DAMAGED_HINT}")
    return StoreError(f"{path}: {what}: {error}")


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
        self.failed = False  # an sqlite3 error was met: the store is not known good at close
        self.depth = 0  # transactions open (``transaction``): those within join the first
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, isolation_level=None, timeout=_BUSY_MS / 1000)
        except sqlite3.Error as exc:
            raise store_error(path, "cannot open the store", exc) from exc
        except OSError as exc:
            raise StoreSystemFault(str(SystemFault.of(exc))) from exc
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._check()
            self._migrate()
        except sqlite3.Error as exc:
            self.db.close()
            raise store_error(path, "cannot open the store", exc) from exc
        except BaseException:
            self.db.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()
        if not self.failed:
            self._remember_good()

    # -- plumbing --

    def fault(self, what: str, error: sqlite3.Error) -> StoreError:
        """The error of this store for ``error`` raised while doing ``what``."""
        self.failed = True
        return store_error(self.path, what, error)

    @contextmanager
    def transaction(self, what: str = "write failed") -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back on any error, sqlite3 errors wrapped.  The
        error that stopped it is the one raised: SQLite may have rolled back already (a
        full disk), and a failed ROLLBACK must not hide the cause.  One opened within
        another is part of it: committed (or rolled back) with it, at its end."""
        if self.depth:
            self.depth += 1
            try:
                yield self.db
            except sqlite3.Error as exc:
                raise self.fault(what, exc) from exc
            finally:
                self.depth -= 1
            return
        try:
            self.db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self.fault("cannot start a transaction", exc) from exc
        self.depth = 1
        try:
            yield self.db
        except BaseException as exc:
            self.depth = 0
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self.fault(what, exc) from exc
            raise
        self.depth = 0
        try:
            self.db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            raise self.fault("cannot commit", exc) from exc

    @contextmanager
    def filling(self) -> Iterator[bool]:
        """For a transaction that fills an empty store: SQLite's rollback journal instead
        of the WAL (whether it could be had: no other connection open), back after it.
        The rows are then written once, into the file, not into the WAL and copied from
        it at the checkpoint; a new page has nothing to roll back, so the journal holds
        only the few pages there were.  A run killed during the fill leaves a hot journal,
        which the next opener rolls back (SQLite does, before it reads): the store as it
        was, never half filled.  Synchronous FULL meanwhile: the journal is on the disk
        before any page of the file is overwritten."""
        try:
            self.db.execute("PRAGMA busy_timeout = 0")  # another reader: keep the WAL
            mode = str(self.db.execute("PRAGMA journal_mode = DELETE").fetchone()[0])
        except sqlite3.Error:
            mode = "wal"
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {_BUSY_MS}")
        journal = mode.lower() == "delete"
        if journal:
            self.db.execute("PRAGMA synchronous = FULL")
        try:
            yield journal
        finally:
            if journal:
                with contextlib.suppress(sqlite3.Error):  # else the next open sets it
                    self.db.execute("PRAGMA journal_mode = WAL")
                self.db.execute("PRAGMA synchronous = NORMAL")

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self.db.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise self.fault("read failed", exc) from exc

    def _query_in(self, sql: str, ids: Sequence[Any]) -> list[Any]:
        """``sql.select_in``: the rows of ``sql`` (``{marks}`` its ``IN`` list) for all of
        ``ids``, read errors wrapped as ``_query`` wraps them."""
        try:
            return select_in(self.db, sql, ids)
        except sqlite3.Error as exc:
            raise self.fault("read failed", exc) from exc

    # -- known good: the structure checked once, not at every open --

    @property
    def _stamp_path(self) -> Path:
        return self.path.with_name(self.path.name + ".checked")

    def _file_stamp(self) -> dict[str, int] | None:
        """The file as it is now (inode, size, mtime), or None when a WAL file or a
        rollback journal is beside it (a run that did not close, or one still open: its
        pages are not settled)."""
        for beside in ("-wal", "-journal"):
            try:
                if os.stat(f"{self.path}{beside}").st_size:
                    return None
            except FileNotFoundError:
                pass
        try:
            found = os.stat(self.path)
        except OSError:
            return None
        return {"ino": found.st_ino, "size": found.st_size, "mtime_ns": found.st_mtime_ns}

    def _remember_good(self) -> None:
        """After a clean close: the file as this process left it, checked at open and
        changed only by its transactions (``<store>.checked``)."""
        stamp = self._file_stamp()
        with contextlib.suppress(OSError):
            if stamp is None:
                self._stamp_path.unlink(missing_ok=True)
            else:
                self._stamp_path.write_text(json.dumps(stamp), encoding="utf-8")

    def _known_good(self) -> bool:
        """Whether the file is exactly as the last clean close left it."""
        try:
            remembered = json.loads(self._stamp_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return remembered is not None and remembered == self._file_stamp()

    def _check(self) -> None:
        """SQLite's quick check of the file's structure: a damaged store is refused at
        open, never read as an empty one (which would blank the feeds).  Read whole (seconds
        on a large store), so only when the file is not as the last clean close left it:
        changed by anything else (a copy, a restore, a disk fault), or left by a run that
        did not close (its WAL file is there)."""
        if self._known_good():
            return
        with contextlib.suppress(OSError):
            self._stamp_path.unlink(missing_ok=True)
        self.full_check()

    def full_check(self) -> None:
        """``PRAGMA quick_check`` (and ``integrity_check`` where it errs): StoreUnusable
        when the file is damaged."""
        found = [str(row[0]) for row in self.db.execute("PRAGMA quick_check(3)")]
        if found != ["ok"] and all(m.startswith("NULL value in ") for m in found):
            # SQLite 3.40's quick_check reports NOT NULL columns of WITHOUT ROWID tables
            # (article_tags) as NULL when they are not: the full check decides.
            found = [str(row[0]) for row in self.db.execute("PRAGMA integrity_check(3)")]
        if found != ["ok"]:
            # One line: SQLite's report may span several ("*** in database main ***" ...).
            lines = [line.strip() for m in found for line in m.splitlines()]
            first = next((line for line in lines if line and not line.startswith("***")), "?")
            raise StoreUnusable(
                f"{self.path}: the store is damaged (PRAGMA quick_check: {first}); {DAMAGED_HINT}"
            )

    def _migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        check_version(self.path, version)
        while version < schema.SCHEMA_VERSION:
            step = schema.MIGRATIONS[version]
            with self.transaction(f"cannot open the store: migrating to {version + 1}") as db:
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

    def meta_prefixed(self, prefix: str) -> dict[str, str]:
        """The meta values whose key begins with ``prefix``, by the rest of their key."""
        sql = f"SELECT key, value FROM meta WHERE {PREFIXED}"
        return {
            str(key)[len(prefix) :]: str(value)
            for key, value in self._query(sql, prefix_range(prefix))
        }

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def delete_meta(self, key: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM meta WHERE key = ?", (key,))

    @staticmethod
    def _get_meta(db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

"""A consistent copy of the store, and putting one back, with SQLite's online backup API
(``sqlite3.Connection.backup``): the copy is made in one read transaction, so it is the
store as one committed moment, even while a publish writes to it."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from ..errors import StoreError
from .connection import check_version


def backup_store(store_path: Path, dest: Path) -> int:
    """Copy the store at ``store_path`` to ``dest`` (written beside it, checked, then
    renamed into place: ``dest`` is never a half copy).  The store is not migrated
    first: a copy taken before an upgrade is the store as the old version left it.
    Returns the copy's size in bytes."""
    if not store_path.is_file():
        raise StoreError(f"{store_path}: no store to back up")
    if dest.exists() and dest.resolve() == store_path.resolve():
        raise StoreError(f"{dest}: is the store itself; back it up elsewhere")
    if dest.is_dir():
        raise StoreError(f"{dest}: is a directory; name the backup file")
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with (
            closing(sqlite3.connect(store_path, timeout=30)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)  # every page in one step: one read transaction
            _check(copy, partial)
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        os.replace(partial, dest)
    except sqlite3.Error as exc:
        raise StoreError(f"{store_path}: backup to {dest} failed: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"{dest}: cannot write the backup: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return dest.stat().st_size


def restore_store(backup: Path, store_path: Path) -> int:
    """Put the backup ``backup`` in place of the store at ``store_path`` through SQLite
    (the store's own WAL and connections stay coherent); the caller holds the publish
    lock.  The next open migrates it if it is older.  Returns its schema version."""
    if not backup.is_file():
        raise StoreError(f"{backup}: no such backup")
    try:
        with closing(sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)) as source:
            version = _check(source, backup)
            store_path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(store_path, timeout=30)) as store:
                source.backup(store)
    except sqlite3.Error as exc:
        raise StoreError(f"{backup}: cannot restore it to {store_path}: {exc}") from exc
    return version


def _check(db: sqlite3.Connection, path: Path) -> int:
    """The schema version of an intact hnp-feeds store, else StoreError naming ``path``."""
    # integrity_check, not quick_check: SQLite 3.40's quick_check reports a NULL in the
    # key of a WITHOUT ROWID table (article_tags) where there is none.
    (result,) = db.execute("PRAGMA integrity_check(1)").fetchone()
    if result != "ok":
        raise StoreError(f"{path}: the copy is damaged: {result}")
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if version < 1 or "articles" not in tables:
        raise StoreError(f"{path}: not an hnp-feeds store")
    check_version(path, version)
    return version

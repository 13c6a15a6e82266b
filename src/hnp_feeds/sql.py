"""One SQLite idiom shared by the store and the related-posts index."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

#: Ids bound in one ``IN (...)``: well under SQLite's limit of host parameters.
CHUNK = 500


def select_in(db: sqlite3.Connection, sql: str, ids: Sequence[Any]) -> list[Any]:
    """The rows of ``sql`` (whose ``{marks}`` is the ``?, ?, ...`` of an ``IN``) for all
    of ``ids``, asked ``CHUNK`` at a time."""
    rows: list[Any] = []
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        rows += db.execute(sql.format(marks=",".join("?" * len(chunk))), chunk).fetchall()
    return rows


def select_keyed(db: sqlite3.Connection, sql: str, ids: Sequence[Any]) -> dict[str, Any]:
    """``select_in`` as a mapping: each row's first column (as text) to the rest of it."""
    return {str(row[0]): row[1:] for row in select_in(db, sql, ids)}

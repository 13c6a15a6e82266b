"""What a web source remembers between runs: a row per page fetched in the store's
``web_pages`` table (``store.schema.migrate_6_to_7``), written in the ingest's
transaction, so it moves only together with the records it produced."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class KnownPage:
    """A page as last fetched.  ``record`` (id, url, title, published) is what it last
    published, so that a page gone for good can be retracted; times are UTC ISO 8601."""

    url: str
    source: str
    last_fetched: str
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    last_status: int | None = None
    last_error: str | None = None
    failures: int = 0
    next_retry: str | None = None
    record: dict[str, Any] | None = None

    def settled(self) -> KnownPage:
        """The page with its failures behind it."""
        return replace(self, failures=0, next_retry=None, last_error=None)


#: The table's columns, named as the fields (``url`` first, the key).
_COLUMNS = tuple(f.name for f in fields(KnownPage))


class PageLog:
    """The pages fetched by web sources, in ``conn``; ``source`` is the start URL this
    run saves them under.  Every source sees them all, so an article two sections list
    is one page, fetched once.  Without a connection (a source read on its own) nothing
    is remembered and every page is new."""

    def __init__(self, conn: sqlite3.Connection | None, source: str) -> None:
        self.conn = conn
        self.source = source

    def known(self) -> dict[str, KnownPage]:
        if self.conn is None:
            return {}
        rows = self.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM web_pages")
        pages: dict[str, KnownPage] = {}
        for row in rows:
            values = dict(zip(_COLUMNS, row, strict=True))
            values["record"] = json.loads(values["record"]) if values["record"] else None
            pages[values["url"]] = KnownPage(**values)
        return pages

    def save(self, page: KnownPage) -> None:
        if self.conn is None:
            return
        values = {name: getattr(page, name) for name in _COLUMNS}
        values["record"] = json.dumps(page.record, ensure_ascii=False) if page.record else None
        marks = ", ".join("?" * len(_COLUMNS))
        updates = ", ".join(f"{name} = excluded.{name}" for name in _COLUMNS[1:])
        self.conn.execute(
            f"INSERT INTO web_pages ({', '.join(_COLUMNS)}) VALUES ({marks})"
            f" ON CONFLICT (url) DO UPDATE SET {updates}",
            [values[name] for name in _COLUMNS],
        )

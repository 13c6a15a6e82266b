"""The CMS database as a source: a configured SQL query and a column mapping -> Articles.

``sqlite:///abs/path.db`` is read with the standard library (read-only URI mode);
``postgresql://user:pass@host/db`` with psycopg 3 (the optional ``postgres`` extra).
Reads are incremental: the query's rows are filtered on their ``updated`` column
against the high-water mark of the last complete read, kept in the store's
``source_state`` table (saved with the rows it covers), so a cron run reads only what
changed and a ``build`` (a fresh store) reads everything.  Rows
at exactly the mark are remembered by id, so a row saved in the same second as the
mark is neither lost nor read twice.  Every row goes through ``records`` like a JSONL line.

The query and mapping come from ``[database]`` in hnp-feeds.toml, checked when the
catalogue is loaded (``config.DatabaseSettings``); ``adapters.read_sources`` passes them
here as options, with the store's connection for the marks.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from ..config import DEFAULT_QUERY, Limits, check_mapping
from ..config import RECORD_COLUMNS as FIELDS
from ..errors import ConfigError, RecordError
from ..model import Article
from .records import article_from_record, keep_raw

Item = Article | RecordError
Row = dict[str, Any]

_SINCE = re.compile(r"(?<![:\w]):since\b")


@dataclass(frozen=True)
class Mark:
    """The high-water mark: the newest ``updated`` value read, and the ids read at it."""

    value: Any
    at_mark: tuple[str, ...] = ()

    def to_json(self) -> str:
        kind, value = _encode_value(self.value)
        return json.dumps({"kind": kind, "value": value, "at_mark": list(self.at_mark)})

    @classmethod
    def from_json(cls, text: str) -> Mark:
        data = json.loads(text)
        return cls(_decode_value(data["kind"], data["value"]), tuple(data.get("at_mark", ())))


def _encode_value(value: Any) -> tuple[str, Any]:
    if isinstance(value, datetime):
        return "datetime", value.isoformat()
    if isinstance(value, date):
        return "date", value.isoformat()
    if isinstance(value, Decimal):
        return "decimal", str(value)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"cannot keep {type(value).__name__} as a high-water mark")
    return type(value).__name__, value


def _decode_value(kind: str, value: Any) -> Any:
    if kind == "datetime":
        return datetime.fromisoformat(value)
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "decimal":
        return Decimal(value)
    return value


class StateStore(Protocol):
    """Where a source's high-water mark lives between runs."""

    def load(self, key: str) -> Mark | None: ...

    def save(self, key: str, mark: Mark) -> None: ...


@dataclass
class StateTable:
    """Marks in a ``source_state`` table of a SQLite database: the store's, where a mark is
    saved in the transaction that stores the rows it covers."""

    conn: sqlite3.Connection

    def __post_init__(self) -> None:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS source_state (source TEXT PRIMARY KEY, mark TEXT NOT NULL)"
        )

    def load(self, key: str) -> Mark | None:
        row = self.conn.execute("SELECT mark FROM source_state WHERE source = ?", (key,)).fetchone()
        return Mark.from_json(row[0]) if row else None

    def save(self, key: str, mark: Mark) -> None:
        statement = (
            "INSERT INTO source_state (source, mark) VALUES (?, ?)"
            " ON CONFLICT (source) DO UPDATE SET mark = excluded.mark"
        )
        if self.conn.in_transaction:  # the caller's (the store's ingest) commits it
            self.conn.execute(statement, (key, mark.to_json()))
            return
        with self.conn:
            self.conn.execute(statement, (key, mark.to_json()))


def state_store(state: StateStore | sqlite3.Connection | None) -> StateStore | None:
    """A SQLite connection -> StateTable, None -> read everything."""
    if isinstance(state, sqlite3.Connection):
        return StateTable(state)
    return state


def redacted(url: str) -> str:
    """The URL without its password, for reports and state keys."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = quote(parts.username or "", safe="")
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, ""))


def sqlite_path(url: str) -> Path:
    """``sqlite:///abs/path.db`` (or ``sqlite:/abs/path.db``, ``sqlite:rel.db``) -> a path."""
    rest = url.partition(":")[2]
    if rest.startswith("///"):
        rest = "/" + rest.lstrip("/")  # sqlite:///abs and SQLAlchemy's sqlite:////abs
    elif rest.startswith("//"):
        raise ConfigError(f"{url}: write sqlite:///absolute/path.db (no host part)")
    if not rest:
        raise ConfigError(f"{url}: no database path")
    return Path(rest)


@dataclass
class DatabaseSource:
    """One CMS database read with ``query``; ``mapping`` names the column of each record
    field (fields left out are read from a column of the same name when there is one).

    The query is wrapped as ``SELECT * FROM (query) WHERE updated >= :since``, so it
    needs no parameter of its own; a query that names ``:since`` itself is run as it is
    (with ``initial_since`` on the first run) and must filter with ``>=``.
    """

    url: str
    query: str = DEFAULT_QUERY
    mapping: Mapping[str, str] = field(default_factory=dict)
    state: StateStore | sqlite3.Connection | None = None
    initial_since: Any = "1970-01-01T00:00:00+00:00"
    batch_size: int = 1000
    limits: Limits | None = None
    pending: Mark | None = field(default=None, init=False)
    kind: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self.mapping = check_mapping(self.mapping, f"{self.source}: mapping")
        self.kind = self.url.partition(":")[0].lower()
        if self.kind not in ("sqlite", "postgresql", "postgres"):
            raise ConfigError(f"{self.source}: not a sqlite: or postgresql: URL")
        self._state: StateStore | None = state_store(self.state)

    @property
    def source(self) -> str:
        return redacted(self.url)

    @property
    def state_key(self) -> str:
        """The source and a digest of its query: a changed query starts afresh."""
        digest = hashlib.sha256(f"{self.query}\n{sorted(self.mapping.items())}".encode())
        return f"{self.source}#{digest.hexdigest()[:12]}"

    def column(self, name: str) -> str:
        return self.mapping.get(name, name)

    def read(self) -> Iterator[Item]:
        """Rows changed since the saved mark, as Articles or RecordErrors, oldest first.

        The new mark is kept in ``pending``; ``commit()`` saves it once the caller has
        dealt with every item.  A database that cannot be read is one RecordError.
        """
        mark = self._state.load(self.state_key) if self._state else None
        sql = self._sql(mark)
        since = mark.value if mark is not None else self.initial_since
        newest: Any = mark.value if mark else None
        at_newest: set[str] = set(mark.at_mark) if mark else set()
        try:
            for position, row in enumerate(self._rows(sql, since), 1):
                record = self._record(row)
                key = str(record.get("id"))
                updated = row.get(self.column("updated"))
                if mark is not None and updated == mark.value and key in mark.at_mark:
                    continue  # read at the mark last time
                if updated is not None:
                    if newest is None or updated > newest:
                        newest, at_newest = updated, set()
                    if updated == newest:
                        at_newest.add(key)
                article = article_from_record(record, self.source, position, self.limits)
                as_text = partial(json.dumps, record, ensure_ascii=False, default=str)
                yield keep_raw(article, as_text)
        except DatabaseReadError as exc:
            yield RecordError(self.source, "", str(exc))
            return
        if newest is not None:
            self.pending = Mark(newest, tuple(sorted(at_newest)))

    def commit(self) -> None:
        """Save the mark of the last complete ``read()``: the next one starts after it."""
        if self._state is not None and self.pending is not None:
            self._state.save(self.state_key, self.pending)
            self.pending = None

    def _sql(self, mark: Mark | None) -> str:
        updated, ident = self.column("updated"), self.column("id")
        query = self.query.strip().rstrip(";")
        if _SINCE.search(query):
            return query
        where = f" WHERE cms.{updated} >= :since" if mark is not None else ""
        return f"SELECT * FROM ({query}) AS cms{where} ORDER BY cms.{updated}, cms.{ident}"

    def _rows(self, sql: str, since: Any) -> Iterator[Row]:
        if self.kind == "sqlite":
            yield from self._sqlite_rows(sql, since)
        else:
            yield from self._postgres_rows(sql, since)

    def _sqlite_rows(self, sql: str, since: Any) -> Iterator[Row]:
        path = sqlite_path(self.url)
        if not path.is_file():
            raise DatabaseReadError(f"no database file at {path}")
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise DatabaseReadError(f"cannot open the database: {exc}") from exc
        try:
            conn.row_factory = sqlite3.Row
            params = {"since": since} if _SINCE.search(sql) else {}
            cursor = conn.execute(sql, params)
            while batch := cursor.fetchmany(self.batch_size):
                for row in batch:
                    yield dict(row)
        except sqlite3.Error as exc:
            raise DatabaseReadError(f"query failed: {exc}") from exc
        finally:
            conn.close()

    def _postgres_rows(self, sql: str, since: Any) -> Iterator[Row]:
        try:
            import psycopg
            from psycopg.rows import dict_row
        except ImportError:
            raise DatabaseReadError(
                "reading PostgreSQL needs psycopg: pip install 'hnp-feeds[postgres]'"
            ) from None
        # psycopg writes parameters as %(name)s: a literal % must be doubled.
        statement = _SINCE.sub("%(since)s", sql.replace("%", "%%"))
        params = {"since": since} if _SINCE.search(sql) else {}
        try:
            with psycopg.connect(self.url, row_factory=dict_row, connect_timeout=10) as conn:
                conn.read_only = True
                # A named cursor streams from the server instead of loading every row.
                with conn.cursor(name="hnp_feeds_read") as cursor:
                    cursor.itersize = self.batch_size
                    cursor.execute(statement, params)
                    yield from cursor
        except psycopg.Error as exc:
            raise DatabaseReadError(f"PostgreSQL: {_first_line(exc)}") from exc

    def _record(self, row: Row) -> dict[str, Any]:
        """A row in the record form of DESIGN.md §1 (JSON text cells parsed)."""
        record: dict[str, Any] = {}
        for name in FIELDS:
            column = self.column(name)
            if column in row and row[column] is not None:
                record[name] = _cell(name, row[column])
        image = {k[6:]: record.pop(k) for k in list(record) if k.startswith("image_")}
        if image and "image" not in record:
            record["image"] = image
        slug, name = record.pop("category_slug", None), record.pop("category_name", None)
        if (slug or name) and "category" not in record:
            record["category"] = {"slug": slug or "", "name": name or ""}
        return record


class DatabaseReadError(Exception):
    """Internal: the database could not be opened or queried; becomes one RecordError."""


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _cell(name: str, value: Any) -> Any:
    """Database values in the record's types: JSON text for lists/objects, Decimal ids."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", errors="replace")
    if name in ("related", "image", "category", "tags") and isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "{")):
            try:
                return json.loads(text)
            except ValueError:
                return value
    return value


def read_database(location: str, **options: Any) -> Generator[Item, None, None]:
    """Adapter entry point: the rows of ``location`` changed since the last complete read.

    Options: ``query``, ``mapping``, ``state`` (where marks live: a SQLite connection,
    the store's under ``publish``; without it every row is read each time),
    ``initial_since``; ``read_sources`` gives the query and mapping from the catalogue's
    ``[database]`` and the state from the store.  The mark is saved once every item has
    been taken from this iterator.
    """
    source = DatabaseSource(
        location,
        query=options.get("query") or DEFAULT_QUERY,
        mapping=options.get("mapping") or {},
        state=options.get("state"),
        initial_since=options.get("initial_since", "1970-01-01T00:00:00+00:00"),
        limits=options.get("limits"),
    )
    yield from source.read()
    source.commit()

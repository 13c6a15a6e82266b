"""Sources -> ``Article`` | ``RecordError``: one module per kind of source.

``read_source`` picks the adapter from the location: ``.jsonl``/``.ndjson``, ``.csv``,
a ``.txt`` or ``.html``/``.htm`` page, a directory of such pages (with an optional
``manifest.jsonl``), ``sqlite:``/``postgresql:`` database URLs and ``http(s)://``
listing pages of the live portal (``web``).  Adapters
*yield* RecordErrors so that one bad record never stops the rest.

What the catalogue says about reading a kind (``[database]``, ``[html_pages]``, ``[web]``) is
checked when it is loaded and handed to that kind's adapter by ``read_sources``.

Adding a kind: a line in ``_BUILTIN`` naming ``module:function``; the module is imported
only when that kind is read.
"""

from __future__ import annotations

import importlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from itertools import repeat
from pathlib import Path
from typing import Any, Protocol

from ..config import Catalogue
from ..errors import ConfigError, RecordError
from ..model import Article, Unchanged

Item = Article | RecordError | Unchanged
#: The logger adapters say what they repaired on (``publish`` collects it per run).
ADAPTER_LOG = __name__


class Source(Protocol):
    """An adapter: a location (path or URL) and options -> Articles and RecordErrors."""

    def __call__(self, location: str, /, **options: Any) -> Iterator[Item]: ...


# Kinds read by modules of this package, imported on first use.  Keys are file
# suffixes (".csv"), URL schemes ending in ":" ("sqlite:") or "dir" for a directory.
_BUILTIN: dict[str, str] = {
    ".jsonl": "jsonl:read_jsonl",
    ".ndjson": "jsonl:read_jsonl",
    ".csv": "csv:read_csv",
    ".txt": "page_text:read_page",
    "dir": "page_text:read_page_dir",
    ".html": "page_html:read_page",
    ".htm": "page_html:read_page",
    "sqlite:": "database:read_database",
    "postgresql:": "database:read_database",
    "postgres:": "database:read_database",
    "http:": "web:read_web",
    "https:": "web:read_web",
}
# Kinds that skip a raw record the store has read before (option ``known``).
_SKIPS_UNCHANGED = (".jsonl", ".ndjson", ".csv")
# Kinds read in worker processes when large (``parallel.door``; option ``prepare``).
_READ_IN_WORKERS = (".jsonl", ".ndjson")
# Kinds that read only what changed since their last read, keeping where they are in
# the store: that one yields nothing is the normal case.
_INCREMENTAL = ("database:", "web:")


def kind_of(location: str | Path) -> str:
    """The adapter key for a location: its URL scheme, "dir", or its file suffix."""
    text = str(location)
    head, sep, _ = text.partition(":")
    if sep and len(head) > 1 and head.isalpha():  # a scheme, not a Windows drive letter
        return head.lower() + ":"
    path = Path(text)
    if path.is_dir():
        return "dir"
    return path.suffix.lower()


def adapter_for(location: str | Path) -> Source:
    """The reader for ``location``; ConfigError when hnp-feeds cannot read that kind."""
    kind = kind_of(location)
    target = _BUILTIN.get(kind)
    if target is None:
        known = ", ".join(sorted(_BUILTIN))
        what = kind or "files without a suffix"
        raise ConfigError(f"{location}: no adapter for {what!r} (known: {known})")
    module_name, _, function = target.partition(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    reader: Source = getattr(module, function)
    return reader


def read_source(location: str | Path, **options: Any) -> Iterator[Item]:
    """Every record of one source, in its order, as Article or RecordError."""
    reader = adapter_for(location)
    return reader(str(location), **options)


def catalogue_options(
    catalogue: Catalogue,
    location: str | Path,
    marks: sqlite3.Connection | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What the catalogue says about reading ``location``: the ``[database]`` query and
    mapping for database URLs (and ``marks``, where their read positions live), the
    ``[html_pages]`` selectors for HTML pages and directories of pages, for a web source
    ``[web]``, the selectors, ``marks`` (where fetched pages are remembered) and the run's
    ``now``, and for every kind the ``[limits]`` a record is held to.  All were checked
    when the catalogue was loaded."""
    kind = kind_of(location)
    given: dict[str, Any] = {"limits": catalogue.limits}
    if _BUILTIN.get(kind, "").startswith("web:"):
        web = {"settings": catalogue.web, "selectors": catalogue.html_pages, "now": now}
        return given | web | {"state": marks}
    if is_incremental(location):
        database = catalogue.database
        given |= {"query": database.query, "mapping": database.mapping, "state": marks}
    if kind in (".html", ".htm", "dir"):
        given["selectors"] = catalogue.html_pages
    return given


def is_incremental(location: str | Path) -> bool:
    """A source that reads only what changed since its last read (a CMS database, a web
    source): that it yields nothing is the normal case, not a missing or empty export."""
    return _BUILTIN.get(kind_of(location), "").startswith(_INCREMENTAL)


#: Record fields a single page source may be given on the command line (as a sidecar can).
PAGE_FIELDS = ("url", "id", "category", "author", "tags", "image")
_PAGE_KINDS = (".txt", ".html", ".htm")


def check_page_fields(locations: Sequence[str | Path], fields: Mapping[str, Any]) -> None:
    """``fields`` (``--url``, ``--id``, ...) describe one page: refuse them for anything else."""
    given = sorted(name for name, value in fields.items() if value not in (None, "", ()))
    if not given:
        return
    unknown = sorted(set(given) - set(PAGE_FIELDS))
    if unknown:
        raise ConfigError(f"unknown page fields: {', '.join(unknown)}")
    options = ", ".join(f"--{name.rstrip('s')}" for name in given)
    if len(locations) != 1 or kind_of(locations[0]) not in _PAGE_KINDS:
        raise ConfigError(
            f"{options} describe a single page source (.txt, .html, .htm);"
            f" got {len(locations)} source(s): {', '.join(map(str, locations)) or 'none'}"
        )


def read_sources(
    locations: Iterable[str | Path],
    *,
    catalogue: Catalogue | None = None,
    marks: sqlite3.Connection | None = None,
    now: datetime | None = None,
    known: Mapping[str, str] | None = None,
    prepare: Callable[[Item], Item] | None = None,
    **options: Any,
) -> Iterator[Item]:
    """Several sources chained; an id seen twice in one run is reported the second time.

    With ``catalogue``, each source also gets the options the catalogue gives its kind;
    ``marks`` is the database (the store's connection) that keeps database sources' read
    positions and web sources' fetched pages; ``now`` is the run's time; ``known``: the
    digests of the raw records the store holds, which JSON Lines and CSV sources skip as
    ``Unchanged`` (``records.RawDigest``), a run of them at a time, its ids checked for
    duplicates together; ``prepare``: what the receiver does with each
    article, done where a source reads its records in worker processes (JSON Lines)."""
    first_seen: dict[str, str | Unchanged] = {}  # where each id was first seen
    for location in locations:
        given = catalogue_options(catalogue, location, marks, now) if catalogue is not None else {}
        if known is not None and kind_of(location) in _SKIPS_UNCHANGED:
            given["known"] = known
        if prepare is not None and kind_of(location) in _READ_IN_WORKERS:
            given["prepare"] = prepare
        for item in read_source(location, **{**given, **options}):
            if isinstance(item, Unchanged):
                yield from _unchanged_seen(item, first_seen)
                continue
            if isinstance(item, Article) and catalogue is not None:
                item = _own_slug(item, catalogue)
            if not isinstance(item, RecordError):
                duplicate = _duplicate(item.id, item.source, first_seen)
                if duplicate is not None:
                    yield duplicate
                    continue
            yield item


def _duplicate(
    record_id: str, where: str, first_seen: dict[str, str | Unchanged]
) -> RecordError | None:
    """The RecordError of ``record_id`` at ``where`` when it was first seen elsewhere;
    otherwise None, and it is seen there."""
    first = first_seen.setdefault(record_id, where)
    if isinstance(first, Unchanged):
        first = first.where(record_id)
    if first == where:
        return None
    return RecordError.at(where, f"duplicate id {record_id!r}, first seen at {first}", record_id)


def _unchanged_seen(run: Unchanged, first_seen: dict[str, str | Unchanged]) -> Iterator[Item]:
    """A run of unchanged records seen: given on whole when none of its ids was seen
    before (a whole export's, told in bulk), else record by record, each duplicate refused.
    (Its ids all seen here when none was before: each then first seen at its first line
    in the run, which is what ``_duplicate`` finds for a line of the run.)"""
    if first_seen.keys().isdisjoint(run.ids):
        before = len(first_seen)
        first_seen.update(zip(run.ids, repeat(run)))
        if len(first_seen) - before == len(run):
            yield run
            return
    kept: list[str] = []
    lines: list[int] = []
    for (record_id, where), line in zip(run.each(), run.lines, strict=True):
        duplicate = _duplicate(record_id, where, first_seen)
        if duplicate is None:
            kept.append(record_id)
            lines.append(line)
            continue
        if kept:
            yield Unchanged(run.source, kept, lines)
            kept, lines = [], []
        yield duplicate
    if kept:
        yield Unchanged(run.source, kept, lines)


def _own_slug(article: Article, catalogue: Catalogue) -> Article | RecordError:
    """``article``, or a RecordError when its category's slug is a feed of the catalogue's
    (the main feed, a declared feed, the author feeds' prefix): two feeds, one file."""
    slug = article.category.slug if article.category else None
    owner = catalogue.slug_owner(slug) if slug else None
    if owner is None:
        return article
    assert article.category is not None
    reason = f"category {article.category.name!r} has the slug {slug!r} of {owner}"
    return RecordError.at(article.source, reason, article.id)


__all__ = [
    "ADAPTER_LOG",
    "PAGE_FIELDS",
    "check_page_fields",
    "is_incremental",
    "Item",
    "Source",
    "adapter_for",
    "catalogue_options",
    "kind_of",
    "read_source",
    "read_sources",
]

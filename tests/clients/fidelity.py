"""What a reader understood of each entry, set against the record it came from.

Every client's reading is brought to one shape (``Reading``) and compared field by field
with what the record says the entry must be: id, title, instants, link, related links,
author and categories.  Used by the pytest suite and by ``make test-clients``.
"""

from __future__ import annotations

import calendar
import html
import json
import shutil
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import feedparser

from hnp_feeds.identity import entry_id
from hnp_feeds.model import Article, Site
from hnp_feeds.writers.common import category_terms

Format = Literal["atom", "rss", "json"]
SIMPLEPIE_DUMP = Path(__file__).with_name("simplepie_dump.php")
SIMPLEPIE_LIBRARY = Path("/usr/share/php/simplepie/autoloader.php")


@dataclass(frozen=True)
class Reading:
    """One entry as a reader sees it.  ``published``/``updated`` are Unix times (the
    instant, whatever the offset); ``updated`` is None where the format has no such date."""

    id: str
    title: str
    published: int | None
    updated: int | None
    link: str | None
    related: tuple[str, ...]
    author: str | None
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Difference:
    """One field a client read differently from the record."""

    client: str
    file: str
    entry: str
    field: str
    expected: object
    read: object

    def __str__(self) -> str:
        return (
            f"{self.client}: {self.file} {self.entry} {self.field}: "
            f"expected {self.expected!r}, read {self.read!r}"
        )


def format_of(relpath: str) -> Format:
    """``atom.xml`` and archive pages are Atom, ``rss.xml`` RSS, ``feed.json`` JSON Feed."""
    if relpath.endswith("rss.xml"):
        return "rss"
    if relpath.endswith(".json"):
        return "json"
    return "atom"


def feed_files(out_dir: Path) -> list[str]:
    """Every feed document under ``out_dir``, archive pages included, as relative paths."""
    names = ("atom.xml", "rss.xml", "feed.json")
    found = [p for p in out_dir.rglob("*") if p.name in names or p.parent.name == "archive"]
    return sorted(str(p.relative_to(out_dir)) for p in found if p.suffix in (".xml", ".json"))


def _epoch(moment: Any) -> int:
    return int(moment.timestamp())


def expected(site: Site, article: Article, fmt: Format) -> Reading:
    """What every reader must find for ``article`` in a document of format ``fmt``."""
    terms = category_terms(article)
    categories = (
        tuple(f"{term}={label}" for term, label in terms)
        if fmt == "atom"
        else tuple(label for _, label in terms)
    )
    return Reading(
        id=entry_id(site, article),
        title=article.title,
        published=_epoch(article.published),
        updated=_epoch(article.updated) if fmt != "rss" else None,
        link=article.url,
        related=tuple(link.url for link in article.related),
        author=article.author,
        categories=categories,
    )


def from_feedparser(entry: Mapping[str, Any], fmt: Format) -> Reading:
    """feedparser's ``FeedParserDict`` entry."""
    tags = entry.get("tags") or []
    categories = (
        tuple(f"{t.get('term')}={t.get('label')}" for t in tags)
        if fmt == "atom"
        else tuple(str(t.get("term")) for t in tags)
    )
    published = entry.get("published_parsed")
    updated = entry.get("updated_parsed") if fmt == "atom" else None
    return Reading(
        id=str(entry.get("id")),
        title=str(entry.get("title")),
        published=calendar.timegm(published) if published else None,
        updated=calendar.timegm(updated) if updated else None,
        link=entry.get("link"),
        related=tuple(
            link["href"] for link in entry.get("links", []) if link.get("rel") == "related"
        ),
        author=entry.get("author"),
        categories=categories,
    )


def from_simplepie(item: Mapping[str, Any], fmt: Format) -> Reading:
    """One item of ``simplepie_dump.php``'s JSON.  SimplePie hands titles out as HTML
    (``&amp;``), so they are unescaped once."""
    cats = item.get("categories") or []
    categories = (
        tuple(f"{c.get('term')}={c.get('label')}" for c in cats)
        if fmt == "atom"
        else tuple(str(c.get("term")) for c in cats)
    )
    return Reading(
        id=str(item.get("id")),
        title=html.unescape(str(item.get("title"))),
        published=item.get("published") or None,
        updated=(item.get("updated") or None) if fmt == "atom" else None,
        link=item.get("link"),
        related=tuple(item.get("related") or ()),
        author=item.get("author"),
        categories=categories,
    )


def from_json_feed(item: Mapping[str, Any]) -> Reading:
    """One JSON Feed 1.1 item, read with the json module (no reader here speaks it);
    related links are in the ``_hnp`` extension object."""
    from datetime import datetime

    def instant(key: str) -> int | None:
        value = item.get(key)
        return _epoch(datetime.fromisoformat(value)) if value else None

    authors = item.get("authors") or []
    extension = item.get("_hnp") or {}
    return Reading(
        id=str(item.get("id")),
        title=str(item.get("title")),
        published=instant("date_published"),
        updated=instant("date_modified"),
        link=item.get("url"),
        related=tuple(link.get("url") for link in extension.get("related", [])),
        author=authors[0].get("name") if authors else None,
        categories=tuple(item.get("tags") or ()),
    )


def compare(
    client: str,
    relpath: str,
    readings: Iterable[Reading],
    site: Site,
    records: Mapping[str, Article],
) -> list[Difference]:
    """Every field of every reading that differs from its record (``records`` by entry id)."""
    fmt = format_of(relpath)
    found: list[Difference] = []
    for seen in readings:
        article = records.get(seen.id)
        if article is None:
            found.append(Difference(client, relpath, seen.id, "id", "an id of a record", seen.id))
            continue
        wanted = expected(site, article, fmt)
        for field in fields(Reading):
            want, got = getattr(wanted, field.name), getattr(seen, field.name)
            if want != got:
                found.append(Difference(client, relpath, seen.id, field.name, want, got))
    return found


def records_by_id(site: Site, articles: Iterable[Article]) -> dict[str, Article]:
    """The published records, by the entry id they are published under."""
    return {entry_id(site, a): a for a in articles if a.status == "published"}


def read_with_feedparser(out_dir: Path, relpath: str) -> list[Reading]:
    fmt = format_of(relpath)
    data = (out_dir / relpath).read_bytes()
    if fmt == "json":
        return [from_json_feed(item) for item in json.loads(data)["items"]]
    parsed = feedparser.parse(data)
    if parsed.bozo:
        raise ValueError(f"{relpath}: feedparser: {parsed.get('bozo_exception')}")
    return [from_feedparser(entry, fmt) for entry in parsed.entries]


def simplepie_available() -> str | None:
    """None when SimplePie can run here, else why not."""
    if shutil.which("php") is None:
        return "php is not installed (apt-get install php-cli php-xml)"
    if not SIMPLEPIE_LIBRARY.exists():
        return "SimplePie is not installed (apt-get install libphp-simplepie)"
    probe = subprocess.run(
        ["php", "-r", "exit(function_exists('xml_parser_create') ? 0 : 1);"], check=False
    )
    if probe.returncode != 0:
        return "PHP's xml extension is missing (apt-get install php-xml)"
    return None


def simplepie_dump(out_dir: Path, relpaths: Sequence[str]) -> dict[str, Any]:
    """What ``simplepie_dump.php`` prints for the XML documents: relative path -> its
    title, image, copyright and items as SimplePie read them."""
    done = subprocess.run(
        ["php", str(SIMPLEPIE_DUMP), *relpaths],
        cwd=out_dir,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if done.returncode != 0:
        raise RuntimeError(f"simplepie_dump.php failed: {done.stderr[-2000:]}")
    dumped: dict[str, Any] = json.loads(done.stdout)
    return dumped


def read_with_simplepie(out_dir: Path, relpaths: Sequence[str]) -> dict[str, list[Reading]]:
    """Run ``simplepie_dump.php`` over the XML documents; relative path -> readings."""
    xml = [r for r in relpaths if format_of(r) != "json"]
    dumped = simplepie_dump(out_dir, xml)
    readings: dict[str, list[Reading]] = {}
    for relpath in xml:
        result = dumped[relpath]
        if not result["ok"]:
            raise ValueError(f"{relpath}: SimplePie could not read it: {result['error']}")
        readings[relpath] = [from_simplepie(item, format_of(relpath)) for item in result["items"]]
    return readings

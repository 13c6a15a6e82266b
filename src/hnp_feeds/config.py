"""hnp-feeds.toml -> Site, the declared feeds and where the inputs and outputs live."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError
from .model import FeedSpec, Site
from .text import slugify

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TAG_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")


@dataclass(frozen=True)
class Catalogue:
    """Everything hnp-feeds.toml says: the site, the feeds declared by hand, the main
    feed's slug, the sources to read and where the store and the output go."""

    site: Site
    declared: tuple[FeedSpec, ...] = ()
    main_slug: str = "tin-moi"
    sources: tuple[str, ...] = ()
    database: Mapping[str, Any] = field(default_factory=dict)
    store_path: Path = Path("var/hnp-feeds.sqlite")
    out_dir: Path = Path("feeds")
    path: Path | None = None


def bundled_config_path() -> Path:
    """The sample portal's catalogue, shipped inside the package."""
    return Path(str(resources.files("hnp_feeds") / "data" / "sample" / "hnp-feeds.toml"))


def load_config(path: Path | None = None) -> Catalogue:
    """Read and check a catalogue; relative paths in it are relative to the file."""
    path = path or bundled_config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path) -> Catalogue:
    """Build a Catalogue from parsed TOML; every error names the file and the key."""
    where = str(path)
    site_raw = _table(raw, "site", where)
    site = Site(
        title=_str(site_raw, "title", where),
        base_url=_url(site_raw, "base_url", where),
        feeds_url=_url(site_raw, "feeds_url", where, trailing_slash=True),
        tag_authority=_str(site_raw, "tag_authority", where),
        tag_date=_str(site_raw, "tag_date", where),
        language=_str(site_raw, "language", where, "vi"),
        timezone=_str(site_raw, "timezone", where, "Asia/Ho_Chi_Minh"),
        description=_str(site_raw, "description", where, ""),
        hub=_optional_url(site_raw, "hub", where),
        entries_per_feed=_int(site_raw, "entries_per_feed", where, 50),
        # One archive page per feed's worth of entries: the current document then never
        # holds more than entries_per_feed (RFC 5005 keeps the newest partial page in it).
        archive_page_size=_int(
            site_raw, "archive_page_size", where, _int(site_raw, "entries_per_feed", where, 50)
        ),
        publish_interval_minutes=_int(site_raw, "publish_interval_minutes", where, 5),
        related_count=_int(site_raw, "related_count", where, 5),
        category_feeds=bool(site_raw.get("category_feeds", True)),
        author_feeds=bool(site_raw.get("author_feeds", True)),
    )
    if site.timezone != "Asia/Ho_Chi_Minh":
        raise ConfigError(f"{where}: [site] timezone: only Asia/Ho_Chi_Minh is supported")
    if not _TAG_DATE.match(site.tag_date):
        raise ConfigError(f"{where}: [site] tag_date must be YYYY, YYYY-MM or YYYY-MM-DD")
    if not re.match(r"^[A-Za-z0-9.-]+$|^[^@\s]+@[A-Za-z0-9.-]+$", site.tag_authority):
        raise ConfigError(f"{where}: [site] tag_authority must be a domain name or an e-mail")

    main_slug = _str(site_raw, "main_slug", where, "tin-moi")
    declared = tuple(_feed(item, where, n) for n, item in enumerate(raw.get("feed", []), 1))
    slugs = [main_slug, *(f.slug for f in declared)]
    dupes = sorted({s for s in slugs if slugs.count(s) > 1})
    if dupes:
        raise ConfigError(f"{where}: [[feed]] slugs used twice: {', '.join(dupes)}")

    base = path.parent
    inputs = raw.get("input", {})
    sources = tuple(_source(str(s), base) for s in inputs.get("sources", []))
    database = raw.get("database", {})
    if not isinstance(database, dict):
        raise ConfigError(f"{where}: [database] must be a table")
    # Paths written in the file are relative to it; the defaults are relative to the
    # working directory, so the bundled catalogue never writes inside the installed package.
    store_raw = raw.get("store", {}).get("path")
    store_path = base / str(store_raw) if store_raw else Path("var/hnp-feeds.sqlite")
    out_raw = raw.get("output", {}).get("dir")
    out_dir = base / str(out_raw) if out_raw else Path("feeds")
    return Catalogue(site, declared, main_slug, sources, database, store_path, out_dir, path)


def _source(location: str, base: Path) -> str:
    """A database URL stays as written; a file or folder is relative to the catalogue."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", location):
        return location
    return str(base / location)


def _feed(item: Any, where: str, n: int) -> FeedSpec:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: [[feed]] #{n} must be a table")
    label = f"{where}: [[feed]] #{n}"
    slug = _str(item, "slug", label)
    if not _SLUG.match(slug):
        raise ConfigError(f"{label}: slug {slug!r} must be lowercase ASCII words joined by '-'")
    selection = {k: slugify(str(item[k])) for k in ("category", "author", "tag") if item.get(k)}
    if not selection:
        raise ConfigError(f"{label}: a declared feed needs a category, author or tag to select")
    limit = item.get("limit")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise ConfigError(f"{label}: limit must be a positive integer")
    return FeedSpec(
        slug=slug,
        title=_str(item, "title", label),
        kind="custom",
        description=_str(item, "description", label, ""),
        limit=limit,
        archive=bool(item.get("archive", False)),
        **selection,
    )


def _table(raw: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: missing [{key}] table")
    return value


def _str(table: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = table.get(key, default)
    if value is None:
        raise ConfigError(f"{where}: missing required key {key!r}")
    if not isinstance(value, str):
        raise ConfigError(f"{where}: {key!r} must be a string")
    return value


def _int(table: dict[str, Any], key: str, where: str, default: int) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"{where}: {key!r} must be a positive integer")
    return value


def _url(table: dict[str, Any], key: str, where: str, trailing_slash: bool = False) -> str:
    value = _str(table, key, where)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where}: {key!r} must be an absolute http(s) URL, got {value!r}")
    if trailing_slash and not value.endswith("/"):
        value += "/"
    return value


def _optional_url(table: dict[str, Any], key: str, where: str) -> str | None:
    return _url(table, key, where) if table.get(key) else None

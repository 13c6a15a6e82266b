"""hnp-feeds.toml -> Site, the declared feeds, how the sources are read and where the inputs
and outputs live.  Every section is checked here, at load: a wrong key or value is a
ConfigError before anything is read or written."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from lxml import etree

from .errors import ConfigError
from .model import FeedSpec, Site
from .text import slugify

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TAG_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_SQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

DEFAULT_QUERY = "SELECT * FROM articles"
# Record fields (DESIGN.md §1) a database column may be mapped to; the image_* and
# category_* parts are gathered into the record's ``image`` and ``category`` objects.
RECORD_COLUMNS = (
    "id", "url", "title", "summary", "content_html", "author", "category", "category_slug",
    "category_name", "tags", "published", "updated", "image", "image_url", "image_caption",
    "image_type", "image_length", "image_width", "image_height", "related", "status",
)  # fmt: skip


def check_mapping(mapping: Any, where: str) -> dict[str, str]:
    """A column mapping (record field -> column) checked: known fields, columns named in
    text, and plain SQL names for ``id`` and ``updated``, which go into the SQL we write.
    The one check, for the catalogue and for a ``DatabaseSource`` made in code alike."""
    if not isinstance(mapping, Mapping) or not all(
        isinstance(column, str) and column for column in mapping.values()
    ):
        raise ConfigError(f'{where}: must be a table of field = "column"')
    unknown = sorted(set(mapping) - set(RECORD_COLUMNS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown fields {', '.join(unknown)} (known: {', '.join(RECORD_COLUMNS)})"
        )
    for name in ("id", "updated"):
        column = mapping.get(name, name)
        if not _SQL_NAME.match(column):
            raise ConfigError(f"{where}: {name} = {column!r}: the column must be a plain SQL name")
    return dict(mapping)


@dataclass(frozen=True)
class DatabaseSettings:
    """``[database]``: how a CMS database source is read -- the SQL ``query``, the
    ``mapping`` of record fields to its columns (a field left out is read from a column
    of its own name).  The incremental reads' mark is kept in the store."""

    query: str = DEFAULT_QUERY
    mapping: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        if not isinstance(self.query, str) or not self.query.strip():
            raise ConfigError("[database] query: must be SQL text")
        checked = check_mapping(self.mapping, "[database] mapping")
        object.__setattr__(self, "mapping", MappingProxyType(checked))


# lxml resolves functions, namespace prefixes and variables only when an expression is
# evaluated, and a predicate only on the nodes it filters: names are looked up here so a
# typo anywhere in an expression fails at load.  XPath 1.0 core functions and node tests;
# [html_pages] declares no namespaces or variables.
_XPATH_NAMES = frozenset(
    "last position count id local-name namespace-uri name string concat starts-with contains"
    " substring-before substring-after substring string-length normalize-space translate"
    " boolean not true false lang number sum floor ceiling round"
    " node text comment processing-instruction and or div mod".split()
)
_XPATH_LITERAL = re.compile(r"\"[^\"]*\"|'[^']*'")
_XPATH_CALL = re.compile(r"(?<![\w.:$@-])([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\(")
_XPATH_PREFIX = re.compile(r"(?<![\w.:$-])@?([A-Za-z_][\w.-]*):(?!:)")
_EMPTY_PAGE = etree.fromstring("<html><head/><body/></html>")


def compile_xpath(expression: str, where: str) -> etree.XPath:
    """An XPath expression compiled, its names looked up and tried once on an empty page,
    or a ConfigError naming ``where``."""
    bare = _XPATH_LITERAL.sub('""', expression)
    faults = [f"unknown function {n}()" for n in _XPATH_CALL.findall(bare) if n not in _XPATH_NAMES]
    faults += [f"undefined namespace prefix {p}" for p in _XPATH_PREFIX.findall(bare) if p != "xml"]
    faults += ["a variable, which nothing defines"] if "$" in bare else []
    try:
        if faults:
            raise etree.XPathError(faults[0])
        compiled = etree.XPath(expression)
        compiled(_EMPTY_PAGE)
    except etree.XPathError as exc:
        raise ConfigError(f"{where}: not a valid XPath expression: {exc}: {expression!r}") from None
    return compiled


# The parts of an article page an ``[html_pages]`` XPath may select, in reading order.
PAGE_PARTS = ("title", "time", "lede", "body", "author", "related")


@dataclass(frozen=True)
class PageSelectors:
    """``[html_pages]``: XPath overrides for the parts of an HTML article page, for layouts
    that defeat reading by text and place; a part left out is found as usual.

    ``title``, ``time``, ``lede`` and ``author`` select an element (its text is used) or
    a string; ``body`` selects the body's blocks (or one container of them);
    ``related`` selects ``<a>`` elements or elements holding them.  Each expression is
    compiled when the selectors are made, so a bad one fails at load.
    """

    title: str | None = None
    time: str | None = None
    lede: str | None = None
    body: str | None = None
    author: str | None = None
    related: str | None = None
    _compiled: Mapping[str, etree.XPath] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        compiled: dict[str, etree.XPath] = {}
        for part in PAGE_PARTS:
            expression = getattr(self, part)
            if expression is None:
                continue
            if not isinstance(expression, str) or not expression.strip():
                raise ConfigError(f"[html_pages] {part}: must be an XPath expression in a string")
            compiled[part] = compile_xpath(expression, f"[html_pages] {part}")
        object.__setattr__(self, "_compiled", MappingProxyType(compiled))

    def xpath(self, part: str) -> etree.XPath | None:
        """The compiled expression for ``part``, or None when the page's own rules find it."""
        return self._compiled.get(part)


@dataclass(frozen=True)
class Catalogue:
    """Everything hnp-feeds.toml says: the site, the feeds declared by hand, the main
    feed's slug, the sources to read and how (``[database]``, ``[html_pages]``), and
    where the store and the output go."""

    site: Site
    declared: tuple[FeedSpec, ...] = ()
    main_slug: str = "tin-moi"
    sources: tuple[str, ...] = ()
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    html_pages: PageSelectors = field(default_factory=PageSelectors)
    store_path: Path = Path("var/hnp-feeds.sqlite")
    out_dir: Path = Path("feeds")
    path: Path | None = None
    #: ``[publish]``: a run that would take more than this share of a feed's entries away
    #: (a mass retraction, everything drafted, a truncated export) is refused unless
    #: confirmed; feeds with fewer than ``mass_removal_min`` entries are not checked.
    max_removed_share: float = 0.5
    mass_removal_min: int = 10


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
        tombstones=_bool(site_raw, "tombstones", where, False),
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
    database = _database(raw, where, base)
    html_pages = _html_pages(raw, where)
    # Paths written in the file are relative to it, and so is the default store (cron runs
    # from $HOME must find the same store); the bundled catalogue's defaults are relative
    # to the working directory, so it never writes inside the installed package.
    store_raw = raw.get("store", {}).get("path")
    store_base = Path() if _is_bundled(path) else base
    store_path = base / str(store_raw) if store_raw else store_base / "var/hnp-feeds.sqlite"
    out_raw = raw.get("output", {}).get("dir")
    out_dir = base / str(out_raw) if out_raw else Path("feeds")
    return Catalogue(
        site,
        declared,
        main_slug,
        sources,
        database=database,
        html_pages=html_pages,
        store_path=store_path,
        out_dir=out_dir,
        path=path,
        **_publish_section(raw, where),
    )


def _is_bundled(path: Path) -> bool:
    try:
        return path.resolve() == bundled_config_path().resolve()
    except OSError:
        return False


def _publish_section(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """``[publish]``: how much a run may take away before it is refused."""
    table = _section(raw, "publish", where, ("max_removed_share", "mass_removal_min"))
    share = table.get("max_removed_share", 0.5)
    if isinstance(share, bool) or not isinstance(share, int | float) or not 0 <= share <= 1:
        raise ConfigError(f"{where}: [publish] max_removed_share must be a number from 0 to 1")
    return {
        "max_removed_share": float(share),
        "mass_removal_min": _int(table, "mass_removal_min", f"{where}: [publish]", 10),
    }


def _database(raw: dict[str, Any], where: str, base: Path) -> DatabaseSettings:
    if isinstance(raw.get("database"), dict) and "state" in raw["database"]:
        raise ConfigError(
            f"{where}: [database] state: the read position is kept in the store now"
            " ([store] path); remove this key"
        )
    table = _section(raw, "database", where, ("query", "mapping"))
    try:
        return DatabaseSettings(table.get("query", DEFAULT_QUERY), table.get("mapping", {}))
    except ConfigError as exc:  # the settings' own checks, named for this file
        raise ConfigError(f"{where}: {exc}") from None


def _html_pages(raw: dict[str, Any], where: str) -> PageSelectors:
    table = _section(raw, "html_pages", where, PAGE_PARTS)
    try:
        return PageSelectors(**table)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _section(raw: dict[str, Any], key: str, where: str, known: tuple[str, ...]) -> dict[str, Any]:
    """An optional table whose keys must all be known: a typo is an error, never ignored."""
    table = raw.get(key, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    unknown = sorted(set(table) - set(known))
    if unknown:
        s = "s" if len(unknown) > 1 else ""
        raise ConfigError(
            f"{where}: [{key}] unknown key{s} {', '.join(unknown)} (known: {', '.join(known)})"
        )
    return table


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


def _bool(table: dict[str, Any], key: str, where: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: {key!r} must be true or false, got {value!r}")
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

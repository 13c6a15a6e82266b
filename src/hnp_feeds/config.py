"""hnp-feeds.toml -> Site, the declared feeds, how the sources are read and where the inputs
and outputs live.  Every section is checked here, at load: a wrong key or value is a
ConfigError (exit 2, one line naming the file and the key) before anything is read or
written.

Strict by one table: ``KEYS`` lists every key each table may hold, with the TOML type its
value must have.  A key not there is an error with a "did you mean" (a typo is never
ignored), and a value of another type is an error (``"false"`` is not a boolean, ``5`` is
not a directory).  **Adding a key is one line in ``KEYS``** (a new table: one entry in
``KEYS[""]`` and one for its keys), then reading it in ``parse_config``; a settings class
of its own (``[database]``, ``[html_pages]``) checks its values itself (``object`` in
``KEYS``: any TOML type, left to it).

Every feed slug (``main_slug``, each ``[[feed]]``) is a lowercase ASCII slug, used once,
outside the author feeds' ``tac-gia-`` prefix; ``Catalogue.slug_owner`` tells the door
which slugs a category may not take.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .errors import ConfigError
from .model import FeedSpec, Site
from .names import MAX_SLUG, slugify

if TYPE_CHECKING:
    from lxml import etree  # imported when an [html_pages] XPath is compiled

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TAG_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?$")
_SQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: The slugs of the author feeds begin so (``tac-gia-trong-toan``); no other feed may.
AUTHOR_PREFIX = "tac-gia-"

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
            f"{where}: unknown fields {', '.join(unknown)}{did_you_mean(unknown, RECORD_COLUMNS)}"
            f" (known: {', '.join(RECORD_COLUMNS)})"
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


@cache
def _xpath_patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """A string literal, a function call and a namespace prefix in an XPath expression
    (compiled when one is first checked: most catalogues have none)."""
    return (
        re.compile(r"\"[^\"]*\"|'[^']*'"),
        re.compile(r"(?<![\w.:$@-])([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)\s*\("),
        re.compile(r"(?<![\w.:$-])@?([A-Za-z_][\w.-]*):(?!:)"),
    )


@cache
def _empty_page() -> etree._Element:
    from lxml import etree

    return etree.fromstring("<html><head/><body/></html>")


def compile_xpath(expression: str, where: str) -> etree.XPath:
    """An XPath expression compiled, its names looked up and tried once on an empty page,
    or a ConfigError naming ``where``."""
    from lxml import etree

    literal, call, prefix = _xpath_patterns()
    bare = literal.sub('""', expression)
    faults = [f"unknown function {n}()" for n in call.findall(bare) if n not in _XPATH_NAMES]
    faults += [f"undefined namespace prefix {p}" for p in prefix.findall(bare) if p != "xml"]
    faults += ["a variable, which nothing defines"] if "$" in bare else []
    try:
        if faults:
            raise etree.XPathError(faults[0])
        compiled = etree.XPath(expression)
        compiled(_empty_page())
    except etree.XPathError as exc:
        raise ConfigError(f"{where}: not a valid XPath expression: {exc}: {expression!r}") from None
    return compiled


def compile_xpaths(settings: Any, names: tuple[str, ...], table: str) -> dict[str, etree.XPath]:
    """The XPath expressions of ``settings`` named ``names`` (None: not given), compiled,
    or a ConfigError naming ``[table] name``."""
    compiled: dict[str, etree.XPath] = {}
    for name in names:
        expression = getattr(settings, name)
        if expression is None:
            continue
        if not isinstance(expression, str) or not expression.strip():
            raise ConfigError(f"[{table}] {name}: must be an XPath expression in a string")
        compiled[name] = compile_xpath(expression, f"[{table}] {name}")
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
        compiled = compile_xpaths(self, PAGE_PARTS, "html_pages")
        object.__setattr__(self, "_compiled", MappingProxyType(compiled))

    def xpath(self, part: str) -> etree.XPath | None:
        """The compiled expression for ``part``, or None when the page's own rules find it."""
        return self._compiled.get(part)


# ``[web]``'s numbers: each key's type and least value (seconds may be fractions).
_WEB_NUMBERS: dict[str, tuple[type, float]] = {
    "max_depth": (int, 1), "delay_seconds": (float, 0), "concurrency": (int, 1),
    "connect_timeout": (float, 0.01), "read_timeout": (float, 0.01),
    "total_timeout": (float, 0.01), "max_page_bytes": (int, 1), "max_redirects": (int, 0),
    "retries": (int, 0), "backoff_seconds": (float, 0), "page_budget": (int, 1),
    "recheck_per_run": (int, 0),
}  # fmt: skip
DEFAULT_NEXT_XPATH = "//a[@rel='next']/@href | //link[@rel='next']/@href"
_WEB_XPATHS = ("follow_xpath", "next_xpath")
WEB_KEYS = ("follow_pattern", "follow_xpath", "next_xpath", "hosts", "categories", "contact",
            "retract_on_404", *_WEB_NUMBERS)  # fmt: skip


@dataclass(frozen=True)
class WebSettings:
    """``[web]``: how a web source (an ``http(s)://`` listing page) is crawled.

    Article links are the listing's ``<a href>`` on an allowed host (the start URL's and
    ``hosts``), narrowed by ``follow_pattern`` (a regex searched in the absolute URL)
    and ``follow_xpath`` (the anchors or hrefs of the listing to consider); the next
    listing page is ``next_xpath``, up to ``max_depth`` pages from the start.  The rest
    bounds the crawl (``adapters.web``): a ``contact`` for the User-Agent, the pause
    between requests to one host, timeouts, sizes, redirects, retries, the pages one run
    may fetch and how many known pages it re-checks.  ``categories`` maps a start URL
    to the section its articles are filed under.  Checked when made, like the others.
    """

    follow_pattern: str | None = None
    follow_xpath: str | None = None
    next_xpath: str = DEFAULT_NEXT_XPATH
    hosts: tuple[str, ...] = ()
    categories: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    contact: str | None = None
    retract_on_404: bool = False
    max_depth: int = 3
    delay_seconds: float = 1.0
    concurrency: int = 1
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    total_timeout: float = 30.0
    max_page_bytes: int = 2_000_000
    max_redirects: int = 5
    retries: int = 2
    backoff_seconds: float = 1.0
    page_budget: int = 200
    recheck_per_run: int = 20
    _compiled: dict[str, Any] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        for name, (kind, least) in _WEB_NUMBERS.items():
            value = getattr(self, name)
            fits = isinstance(value, int | float) if kind is float else isinstance(value, int)
            if isinstance(value, bool) or not fits or value < least:
                what = "an integer" if kind is int else "a number"
                raise ConfigError(f"[web] {name}: must be {what} >= {least:g}, got {value!r}")
            object.__setattr__(self, name, kind(value))
        compiled: dict[str, Any] = {}
        if self.follow_pattern is not None:
            if not isinstance(self.follow_pattern, str) or not self.follow_pattern:
                raise ConfigError("[web] follow_pattern: must be a regular expression in a string")
            try:
                compiled["follow_pattern"] = re.compile(self.follow_pattern)
            except re.error as exc:
                raise ConfigError(
                    f"[web] follow_pattern: not a valid regular expression: {exc}:"
                    f" {self.follow_pattern!r}"
                ) from None
        # The default next_xpath is ours and good: compiled (with lxml) when a web source
        # is read, not by every command that loads the catalogue.
        given = ("follow_xpath",) if self.next_xpath == DEFAULT_NEXT_XPATH else _WEB_XPATHS
        compiled.update(compile_xpaths(self, given, "web"))
        object.__setattr__(self, "_compiled", compiled)
        hosts = self.hosts
        if isinstance(hosts, str) or not all(isinstance(h, str) and h for h in hosts):
            raise ConfigError('[web] hosts: must be a list of host names ("www.hnp.vn")')
        object.__setattr__(self, "hosts", tuple(h.lower() for h in hosts))
        if not isinstance(self.categories, Mapping) or not all(
            isinstance(name, str) and name and _is_http(url)
            for url, name in self.categories.items()
        ):
            raise ConfigError('[web] categories: must be a table of "start URL" = "section"')
        object.__setattr__(self, "categories", MappingProxyType(dict(self.categories)))
        if self.contact is not None and (
            not isinstance(self.contact, str) or not self.contact.strip() or "\n" in self.contact
        ):
            raise ConfigError("[web] contact: must be a URL or an e-mail address in a string")
        if not isinstance(self.retract_on_404, bool):
            raise ConfigError(
                f"[web] retract_on_404: must be true or false, got {self.retract_on_404!r}"
            )

    def compiled(self, name: str) -> Any:
        """The compiled ``follow_pattern``, ``follow_xpath`` or ``next_xpath``, or None."""
        if name == "next_xpath" and name not in self._compiled:
            self._compiled.update(compile_xpaths(self, (name,), "web"))
        return self._compiled.get(name)


def _is_http(url: Any) -> bool:
    parts = urlsplit(url) if isinstance(url, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)


@dataclass(frozen=True)
class Limits:
    """``[limits]``: how large one record may be; a record over a limit is refused at the
    door (``file:line: title is 900 characters long (limit 500)``), the rest published.

    The defaults are far above what the portal's editors write and far below what makes
    a feed too large for readers and the validator (libxml2 refuses a text node over
    10 MB) or a run slow (20,000 tags, 100,000 nested elements).  Lengths are characters.
    """

    content_html_chars: int = 1_000_000  # the article body, before sanitizing
    html_depth: int = 100  # how deep its elements may nest
    title_chars: int = 500  # the title, and each related post's title
    summary_chars: int = 5_000  # the lede, and the image caption
    name_chars: int = 200  # author, category (name and slug), image type
    tags: int = 50  # how many tags
    tag_chars: int = 100  # each tag
    related: int = 50  # how many related posts a record gives
    url_chars: int = 2_000  # each URL, once percent-encoded
    id_chars: int = 200  # the record id


@dataclass(frozen=True)
class Catalogue:
    """Everything hnp-feeds.toml says: the site, the feeds declared by hand, the main
    feed's slug, the sources to read and how (``[database]``, ``[html_pages]``, ``[web]``), and
    where the store and the output go."""

    site: Site
    declared: tuple[FeedSpec, ...] = ()
    main_slug: str = "tin-moi"
    sources: tuple[str, ...] = ()
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    html_pages: PageSelectors = field(default_factory=PageSelectors)
    limits: Limits = field(default_factory=Limits)
    web: WebSettings = field(default_factory=WebSettings)
    store_path: Path = Path("var/hnp-feeds.sqlite")
    out_dir: Path = Path("feeds")
    path: Path | None = None
    #: ``[publish]``: a run that would take more than this share of a feed's entries away
    #: (a mass retraction, everything drafted, a truncated export) is refused unless
    #: confirmed; feeds with fewer than ``mass_removal_min`` entries are not checked.
    max_removed_share: float = 0.5
    mass_removal_min: int = 10

    def slug_owner(self, slug: str) -> str | None:
        """Which feed of the catalogue ``slug`` belongs to (the main feed, a declared feed,
        the author feeds' prefix), or None when a category may take it."""
        if slug == self.main_slug:
            return "the main feed (main_slug)"
        for n, feed in enumerate(self.declared, 1):
            if slug == feed.slug:
                return f"the declared feed [[feed]] #{n}"
        if slug.startswith(AUTHOR_PREFIX):
            return f"the author feeds ({AUTHOR_PREFIX}...)"
        return None


_LIMIT_KEYS: dict[str, type] = {f.name: int for f in fields(Limits)}

#: Every key hnp-feeds.toml may hold, by table ("" is the top level, "feed" each
#: ``[[feed]]``), with the TOML type of its value; ``object``: checked by the section's
#: own settings class.  A new key is declared here (one line) and read in parse_config.
KEYS: dict[str, dict[str, type]] = {
    "": {
        "site": dict, "feed": list, "input": dict, "store": dict, "output": dict,
        "database": dict, "html_pages": dict, "limits": dict, "web": dict, "publish": dict,
    },
    "site": {
        "title": str, "base_url": str, "feeds_url": str, "tag_authority": str,
        "tag_date": str, "language": str, "timezone": str, "description": str, "hub": str,
        "main_slug": str, "entries_per_feed": int, "archive_page_size": int,
        "publish_interval_minutes": int, "related_count": int, "category_feeds": bool,
        "author_feeds": bool, "tombstones": bool, "icon": str, "logo": str, "rights": str,
        "tag_feed_min_articles": int,
    },
    "feed": {
        "slug": str, "title": str, "description": str, "category": str, "author": str,
        "tag": str, "limit": int, "archive": bool,
    },
    "input": {"sources": list},
    "store": {"path": str},
    "output": {"dir": str},
    "database": {"query": object, "mapping": object},
    "html_pages": dict.fromkeys(PAGE_PARTS, object),
    "limits": _LIMIT_KEYS,
    "web": dict.fromkeys(WEB_KEYS, object),
    "publish": {"max_removed_share": object, "mass_removal_min": int},
}  # fmt: skip


def known_keys() -> Mapping[str, tuple[str, ...]]:
    """Every key the catalogue accepts, by table (``feed``: each ``[[feed]]``;
    ``database.mapping``: the record fields a column may be mapped to), as
    docs/configuration.md lists them: ``KEYS`` read back."""
    tables = {section: tuple(keys) for section, keys in KEYS.items() if section}
    tables["database.mapping"] = RECORD_COLUMNS
    return MappingProxyType(tables)


_TOML_TYPES = {bool: "true or false", str: "a string", int: "an integer", list: "an array",
               dict: "a table"}  # fmt: skip


def did_you_mean(unknown: list[str], known: tuple[str, ...] | list[str]) -> str:
    """`` (did you mean query?)`` for the first unknown name close to a known one, or ""."""
    for name in unknown:
        close = difflib.get_close_matches(name, known, n=1)
        if close:
            return f" (did you mean {close[0]}?)"
    return ""


def _checked(table: Any, section: str, label: str) -> dict[str, Any]:
    """``table`` when its keys are all in ``KEYS[section]`` and each value has its type;
    otherwise a ConfigError naming ``label`` (``path: [site]``), the key and the fault."""
    schema = KEYS[section]
    if not isinstance(table, dict):
        raise ConfigError(f"{label} must be a table, got {_toml_type(table)}")
    known = list(schema)
    unknown = sorted(set(table) - set(schema))
    if unknown:
        s = "s" if len(unknown) > 1 else ""
        raise ConfigError(
            f"{label} unknown key{s} {', '.join(unknown)}{did_you_mean(unknown, known)}"
            f" (known: {', '.join(known)})"
        )
    for key, value in table.items():
        kind = schema[key]
        if kind is object or _has_type(value, kind):
            continue
        if kind is dict and section == "":
            raise ConfigError(f"{label} [{key}] must be a table, got {_toml_type(value)}")
        raise ConfigError(
            f"{label} {key} must be {_TOML_TYPES[kind]}, got {_toml_type(value)} {value!r}"
        )
    return table


def _has_type(value: Any, kind: type) -> bool:
    """``isinstance``, except that a TOML boolean is no integer (a Python bool is an int)."""
    return isinstance(value, kind) and (kind is bool or not isinstance(value, bool))


def _toml_type(value: Any) -> str:
    for kind, name in _TOML_TYPES.items():
        if isinstance(value, kind):
            return "a boolean" if kind is bool else name
    return type(value).__name__


#: The files shipped inside the package (the sample portal, the new portal's template,
#: the feeds' stylesheet), beside its modules (importlib.resources would cost a cron run
#: ~6 ms to say so: the package is never imported from a zip, its store is a file).
PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def bundled_config_path() -> Path:
    """The sample portal's catalogue, shipped inside the package."""
    return PACKAGE_DATA / "sample" / "hnp-feeds.toml"


def catalogue_for(path: Path | None, sources: Sequence[str] = ()) -> Catalogue:
    """The catalogue a command runs with: the file named, else the bundled sample portal,
    which publishes only its own articles (``make run``).  Sources without a catalogue are
    refused: they would go out under the sample's title, URLs and entry ids."""
    if path is None and sources:
        raise ConfigError(
            "sources given but no catalogue: they would be published under the bundled"
            " sample portal's title, URLs and entry ids; write one for your portal with"
            " `hnp-feeds init` and name it with -c hnp-feeds.toml (to try the sample with"
            f" them: -c {bundled_config_path()})"
        )
    return load_config(path)


def load_config(path: Path | None = None) -> Catalogue:
    """Read and check a catalogue; relative paths in it are relative to the file."""
    path = path or bundled_config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 (byte {exc.start + 1}); TOML is UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path) -> Catalogue:
    """Build a Catalogue from parsed TOML; every error names the file and the key."""
    where = str(path)
    _checked(raw, "", f"{where}:")
    if "site" not in raw:
        raise ConfigError(f"{where}: missing [site] table")
    site_raw = _checked(raw["site"], "site", f"{where}: [site]")
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
        category_feeds=_bool(site_raw, "category_feeds", where, True),
        author_feeds=_bool(site_raw, "author_feeds", where, True),
        tombstones=_bool(site_raw, "tombstones", where, False),
        icon=_optional_url(site_raw, "icon", where),
        logo=_optional_url(site_raw, "logo", where),
        rights=_str(site_raw, "rights", where, ""),
        tag_feed_min_articles=(
            _int(site_raw, "tag_feed_min_articles", where, 1)
            if "tag_feed_min_articles" in site_raw
            else None
        ),
    )
    if site.timezone != "Asia/Ho_Chi_Minh":
        raise ConfigError(f"{where}: [site] timezone: only Asia/Ho_Chi_Minh is supported")
    if not _TAG_DATE.match(site.tag_date):
        raise ConfigError(f"{where}: [site] tag_date must be YYYY, YYYY-MM or YYYY-MM-DD")
    if not re.match(r"^[A-Za-z0-9.-]+$|^[^@\s]+@[A-Za-z0-9.-]+$", site.tag_authority):
        raise ConfigError(f"{where}: [site] tag_authority must be a domain name or an e-mail")

    main_slug = _slug(_str(site_raw, "main_slug", where, "tin-moi"), f"{where}: [site] main_slug")
    declared = tuple(_feed(item, where, n) for n, item in enumerate(raw.get("feed", []), 1))
    slugs = [main_slug, *(f.slug for f in declared)]
    dupes = sorted({s for s in slugs if slugs.count(s) > 1})
    if dupes:
        raise ConfigError(
            f"{where}: feed slugs used twice (main_slug, [[feed]] slug): {', '.join(dupes)}"
        )

    base = path.parent
    inputs = _checked(raw.get("input", {}), "input", f"{where}: [input]")
    listed = inputs.get("sources", [])
    if not all(isinstance(s, str) and s.strip() for s in listed):
        raise ConfigError(f"{where}: [input] sources must be an array of paths or URLs")
    sources = tuple(_source(s, base) for s in listed)
    database = _database(raw, where, base)
    html_pages = _html_pages(raw, where)
    limits = _limits(raw, where)
    web = _web(raw, where)
    # Paths written in the file are relative to it, and so are the default store and
    # output (cron runs from $HOME must find the same ones); the bundled catalogue's
    # defaults are relative to the working directory, so it never writes inside the
    # installed package.
    default_base = Path() if _is_bundled(path) else base
    store_raw = _checked(raw.get("store", {}), "store", f"{where}: [store]").get("path")
    store_path = base / store_raw if store_raw else default_base / "var/hnp-feeds.sqlite"
    out_raw = _checked(raw.get("output", {}), "output", f"{where}: [output]").get("dir")
    out_dir = base / out_raw if out_raw else default_base / "feeds"
    return Catalogue(
        site,
        declared,
        main_slug,
        sources,
        database=database,
        html_pages=html_pages,
        limits=limits,
        web=web,
        store_path=store_path,
        out_dir=out_dir,
        path=path,
        **_publish_section(raw, where),
    )


def _limits(raw: dict[str, Any], where: str) -> Limits:
    table = _checked(raw.get("limits", {}), "limits", f"{where}: [limits]")
    defaults = Limits()
    return Limits(
        **{
            f.name: _int(table, f.name, f"{where}: [limits]", getattr(defaults, f.name))
            for f in fields(Limits)
        }
    )


def _slug(slug: str, label: str) -> str:
    """A feed's slug: lowercase ASCII words joined by '-' (no '/', no '..'), not too long,
    outside the author feeds' prefix."""
    if not _SLUG.match(slug):
        raise ConfigError(f"{label}: slug {slug!r} must be lowercase ASCII words joined by '-'")
    if len(slug) > MAX_SLUG:
        raise ConfigError(f"{label}: slug {slug!r} is longer than {MAX_SLUG} characters")
    if slug.startswith(AUTHOR_PREFIX):
        raise ConfigError(f"{label}: slug {slug!r}: {AUTHOR_PREFIX}... is the author feeds'")
    return slug


def _is_bundled(path: Path) -> bool:
    try:
        return path.resolve() == bundled_config_path().resolve()
    except OSError:
        return False


def _publish_section(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """``[publish]``: how much a run may take away before it is refused."""
    table = _checked(raw.get("publish", {}), "publish", f"{where}: [publish]")
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
    table = _checked(raw.get("database", {}), "database", f"{where}: [database]")
    try:
        return DatabaseSettings(table.get("query", DEFAULT_QUERY), table.get("mapping", {}))
    except ConfigError as exc:  # the settings' own checks, named for this file
        raise ConfigError(f"{where}: {exc}") from None


def _html_pages(raw: dict[str, Any], where: str) -> PageSelectors:
    table = _checked(raw.get("html_pages", {}), "html_pages", f"{where}: [html_pages]")
    try:
        return PageSelectors(**table)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _web(raw: dict[str, Any], where: str) -> WebSettings:
    table = dict(_checked(raw.get("web", {}), "web", f"{where}: [web]"))
    if isinstance(table.get("hosts"), list):
        table["hosts"] = tuple(table["hosts"])
    try:
        return WebSettings(**table)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _source(location: str, base: Path) -> str:
    """A database URL stays as written; a file or folder is relative to the catalogue."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", location):
        return location
    return str(base / location)


def _feed(item: Any, where: str, n: int) -> FeedSpec:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: [[feed]] #{n} must be a table")
    label = f"{where}: [[feed]] #{n}"
    _checked(item, "feed", label)
    slug = _slug(_str(item, "slug", label), label)
    selection = {k: slugify(item[k]) for k in ("category", "author", "tag") if item.get(k)}
    if not selection:
        raise ConfigError(f"{label}: a declared feed needs a category, author or tag to select")
    limit = item.get("limit")
    if limit is not None and limit < 1:
        raise ConfigError(f"{label}: limit must be a positive integer")
    return FeedSpec(
        slug=slug,
        title=_str(item, "title", label),
        kind="custom",
        description=_str(item, "description", label, ""),
        limit=limit,
        archive=_bool(item, "archive", label, False),
        **selection,
    )


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

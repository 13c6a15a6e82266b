"""docs/configuration.md lists every key the catalogue accepts, and no other: the keys
``config.parse_config`` reads (recorded while it parses a full catalogue), those
``config.known_keys()`` names, and the reference's tables must agree."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds.config import ConfigError, WebSettings, known_keys, parse_config

REFERENCE = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
_HEADING = re.compile(r"^#{2,3} `\[{1,2}([a-z_.]+)\]{1,2}`$")
_ROW = re.compile(r"^\| `([a-z0-9_]+)` \| ([^|]+) \| ([^|]+) \| (.+) \|$")


def reference() -> dict[str, dict[str, tuple[str, str]]]:
    """The reference's tables: section -> key -> (type, default)."""
    tables: dict[str, dict[str, tuple[str, str]]] = {}
    section = None
    for line in REFERENCE.read_text(encoding="utf-8").splitlines():
        heading = _HEADING.match(line)
        if heading:
            section = heading.group(1)
            tables[section] = {}
            continue
        row = _ROW.match(line)
        if row and section is not None:
            key, kind, default, meaning = (part.strip() for part in row.groups())
            assert kind and default and meaning, (section, key)
            assert key not in tables[section], f"[{section}] {key} listed twice"
            tables[section][key] = (kind, default)
    return tables


class Reading(dict[str, Any]):
    """A table that records every key the parser asks it for."""

    def __init__(self, data: dict[str, Any], name: str, asked: set[tuple[str, str]]) -> None:
        super().__init__(data)
        self.name, self.asked = name, asked

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add((self.name, key))
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.asked.add((self.name, key))
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.asked.add((self.name, str(key)))
        return super().__contains__(key)


FULL = {
    "site": {
        "title": "Báo", "base_url": "https://bao.example.vn/",
        "feeds_url": "https://bao.example.vn/feeds/", "tag_authority": "bao.example.vn",
        "tag_date": "2020-01-01", "language": "vi", "timezone": "Asia/Ho_Chi_Minh",
        "description": "Tin", "hub": "https://hub.example.net/", "main_slug": "moi",
        "entries_per_feed": 20, "archive_page_size": 10, "publish_interval_minutes": 10,
        "related_count": 3, "category_feeds": False, "author_feeds": False, "tombstones": True,
    },
    "input": {"sources": ["export.jsonl"]},
    "store": {"path": "var/s.sqlite"},
    "output": {"dir": "out"},
    "database": {"query": "SELECT * FROM posts", "mapping": {"id": "post_id"}},
    "html_pages": {"title": "//h1", "body": "//article/p"},
    "limits": {"title_chars": 400, "tags": 20},
    "publish": {"max_removed_share": 0.3, "mass_removal_min": 5},
    "feed": [{
        "title": "Bóng đá", "slug": "bong-da", "description": "d", "tag": "bóng đá",
        "category": "thể thao", "author": "An", "limit": 5, "archive": True,
    }],
}  # fmt: skip


def asked_keys() -> set[tuple[str, str]]:
    """(table, key) for every key ``parse_config`` reads from a catalogue that sets all."""
    asked: set[tuple[str, str]] = set()
    raw = {
        name: [Reading(item, name, asked) for item in table]
        if isinstance(table, list)
        else Reading(table, name, asked)
        for name, table in FULL.items()
    }
    raw["database"]["mapping"] = Reading(FULL["database"]["mapping"], "database.mapping", asked)
    parse_config(Reading(raw, "", asked), Path("/srv/bao/hnp-feeds.toml"))
    return asked


def refused(table: str, key: str) -> bool:
    """Whether a full catalogue with ``key`` added to ``table`` is a ConfigError."""
    raw: dict[str, Any] = {name: value for name, value in FULL.items() if name != "feed"}
    if table == "feed":
        raw["feed"] = [{**FULL["feed"][0], key: "x"}]
    else:
        raw[table] = {**raw.get(table, {}), key: "x"}
    try:
        parse_config(raw, Path("/srv/bao/hnp-feeds.toml"))
    except ConfigError:
        return True
    return False


def test_every_key_config_reads_is_a_known_key() -> None:
    asked = asked_keys()
    known = known_keys()
    tables = {key for table, key in asked if table == ""}
    assert tables <= set(known), tables - set(known)
    unknown = {(table, key) for table, key in asked if table and key not in known[table]}
    # A key read only to be refused (a removed one, with its own message) is not accepted.
    accepted = sorted((table, key) for table, key in unknown if not refused(table, key))
    assert not accepted, f"config.py accepts keys known_keys() does not list: {accepted}"
    # And known_keys() names nothing the parser never reads (the keys of these two are
    # checked as a whole against the known ones, not read one by one: tested below).
    for table, keys in known.items():
        if table not in ("database.mapping", "html_pages", "web"):
            assert set(keys) <= {key for t, key in asked if t == table}, table


def test_the_reference_lists_every_known_key_and_no_other() -> None:
    documented = reference()
    known = known_keys()
    assert set(documented) == set(known), set(documented) ^ set(known)
    for table, keys in known.items():
        missing = sorted(set(keys) - set(documented[table]))
        assert not missing, f"docs/configuration.md lacks [{table}] {', '.join(missing)}"
        stale = sorted(set(documented[table]) - set(keys))
        assert not stale, f"docs/configuration.md lists [{table}] {', '.join(stale)}"


def test_the_mapping_accepts_exactly_the_fields_listed() -> None:
    fields = reference()["database.mapping"]
    where = Path("/srv/bao/hnp-feeds.toml")
    base = {"site": FULL["site"]}
    catalogue = parse_config(
        {**base, "database": {"mapping": {f: f"c_{f}" for f in fields}}}, where
    )
    assert set(catalogue.database.mapping) == set(fields)
    with pytest.raises(ConfigError, match="unknown fields colour"):
        parse_config({**base, "database": {"mapping": {"colour": "c"}}}, where)


def test_the_site_defaults_are_those_the_reference_gives() -> None:
    required = {k: v for k, v in FULL["site"].items() if k in ("title", "tag_date")}
    required |= {k: FULL["site"][k] for k in ("base_url", "feeds_url", "tag_authority")}
    catalogue = parse_config({"site": required}, Path("/srv/bao/hnp-feeds.toml"))
    checked = 0
    for key, (_, default) in reference()["site"].items():
        literal = re.fullmatch(r"`(.+)`", default)
        if literal is None or default == "`entries_per_feed`":
            continue
        value = tomllib.loads(f"v = {literal.group(1)}")["v"]
        actual = getattr(catalogue, key) if key == "main_slug" else getattr(catalogue.site, key)
        assert actual == value, key
        checked += 1
    assert checked >= 10
    assert catalogue.site.archive_page_size == catalogue.site.entries_per_feed


def test_the_page_selectors_accept_exactly_the_parts_listed() -> None:
    parts = reference()["html_pages"]
    where = Path("/srv/bao/hnp-feeds.toml")
    base = {"site": FULL["site"]}
    catalogue = parse_config({**base, "html_pages": {part: "//p" for part in parts}}, where)
    assert all(catalogue.html_pages.xpath(part) is not None for part in parts)
    with pytest.raises(ConfigError, match="unknown key headline"):
        parse_config({**base, "html_pages": {"headline": "//h1"}}, where)


def test_the_web_settings_take_exactly_the_keys_listed_with_their_defaults() -> None:
    documented = reference()["web"]
    settings = {f.name: f for f in dataclasses.fields(WebSettings) if not f.name.startswith("_")}
    assert set(settings) == set(documented)
    defaults = WebSettings()
    checked = 0
    for key, (_, default) in documented.items():
        literal = re.fullmatch(r"`(.+)`", default)
        if literal is None or key == "next_xpath":
            continue
        value = tomllib.loads(f"v = {literal.group(1)}")["v"]
        actual = getattr(defaults, key)
        assert (list(actual) if isinstance(actual, tuple) else actual) == value, key
        checked += 1
    assert checked >= 15
    where = Path("/srv/bao/hnp-feeds.toml")
    with pytest.raises(ConfigError, match="unknown key delay "):
        parse_config({"site": FULL["site"], "web": {"delay": 1}}, where)

"""hnp-feeds.toml checked strictly (issue 15.5): unknown keys with a "did you mean" at every
level, TOML types, every slug valid and used once, and every configuration fault one plain
line with exit 2 from every command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnp_feeds.cli import app
from hnp_feeds.config import KEYS, Limits, load_config
from hnp_feeds.errors import ConfigError, ExitCode

from .portal import record

SITE = """[site]
title = "Hà Nội Plus"
base_url = "https://hnp.example.vn/"
feeds_url = "https://hnp.example.vn/feeds/"
tag_authority = "hnp.example.vn"
tag_date = "2008-01-01"
"""
FEED = '\n[[feed]]\nslug = "tuyen-sinh"\ntitle = "Tuyển sinh"\ntag = "Tuyển sinh"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hnp-feeds.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and "\n" not in message, message
    return message


# (the catalogue, what the one line must say)
UNKNOWN = [
    pytest.param('sites = "x"\n' + SITE, "unknown key sites (did you mean site?)", id="top"),
    pytest.param(SITE + 'titel = "x"\n', "[site] unknown key titel (did you mean title?)",
                 id="site"),
    pytest.param(SITE + FEED + 'slgu = "x"\n', "[[feed]] #1 unknown key slgu (did you mean slug?)",
                 id="feed"),
    pytest.param(SITE + '[input]\nsource = ["a.jsonl"]\n',
                 "[input] unknown key source (did you mean sources?)", id="input"),
    pytest.param(SITE + '[store]\npaht = "x"\n', "[store] unknown key paht (did you mean path?)",
                 id="store"),
    pytest.param(SITE + '[output]\ndri = "x"\n', "[output] unknown key dri (did you mean dir?)",
                 id="output"),
    pytest.param(SITE + "[limits]\ntag = 3\n", "[limits] unknown key tag (did you mean tags?)",
                 id="limits"),
    pytest.param(SITE + '[database.mapping]\ntitel = "x"\n',
                 "[database] mapping: unknown fields titel (did you mean title?)",
                 id="database-mapping"),
    pytest.param(SITE + '[html_pages]\nlead = "//p"\n',
                 "[html_pages] unknown key lead (did you mean lede?)", id="html-pages"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "says"), UNKNOWN)
def test_an_unknown_key_at_any_level_is_an_error_with_a_suggestion(
    tmp_path: Path, text: str, says: str
) -> None:
    assert says in refusal(tmp_path, text)


TYPES = [
    pytest.param(SITE + 'tombstones = "false"\n', "[site] tombstones must be true or false, "
                 "got a string 'false'", id="string-false"),
    pytest.param(SITE + 'category_feeds = "no"\n', "category_feeds must be true or false",
                 id="string-no"),
    pytest.param(SITE + "author_feeds = 0\n", "author_feeds must be true or false", id="int-bool"),
    pytest.param(SITE + "entries_per_feed = true\n", "entries_per_feed must be an integer, got a "
                 "boolean", id="bool-int"),
    pytest.param(SITE + "[output]\ndir = 5\n", "[output] dir must be a string, got an integer 5",
                 id="output-dir-number"),
    pytest.param(SITE + '[input]\nsources = "articles.jsonl"\n',
                 "[input] sources must be an array, got a string", id="sources-string"),
    pytest.param(SITE + "[input]\nsources = [1]\n", "[input] sources must be an array of paths",
                 id="sources-numbers"),
    pytest.param('store = "x"\n' + SITE, "[store] must be a table, got a string", id="store"),
    pytest.param('feed = "x"\n' + SITE, "feed must be an array, got a string", id="feed"),
    pytest.param(SITE + FEED + 'archive = "yes"\n', "[[feed]] #1 archive must be true or false",
                 id="feed-archive"),
    pytest.param(SITE + FEED + "limit = 2.5\n", "[[feed]] #1 limit must be an integer",
                 id="feed-limit"),
    pytest.param(SITE + "[limits]\ntags = 0\n", "[limits]: 'tags' must be a positive integer",
                 id="limit-zero"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "says"), TYPES)
def test_values_of_another_toml_type_are_refused(tmp_path: Path, text: str, says: str) -> None:
    assert says in refusal(tmp_path, text)


SLUGS = [
    pytest.param(SITE + 'main_slug = "../../etc"\n', "main_slug: slug '../../etc' must be",
                 id="main-traversal"),
    pytest.param(SITE + FEED.replace("tuyen-sinh", "a/b", 1), "slug 'a/b' must be", id="slash"),
    pytest.param(SITE + FEED.replace("tuyen-sinh", "tac-gia-an", 1),
                 "slug 'tac-gia-an': tac-gia-... is the author feeds'", id="author-prefix"),
    pytest.param(SITE + 'main_slug = "tuyen-sinh"\n' + FEED,
                 "feed slugs used twice (main_slug, [[feed]] slug): tuyen-sinh",
                 id="main-declared"),
    pytest.param(SITE + FEED + FEED, "used twice", id="declared-twice"),
    pytest.param(SITE + FEED.replace("tuyen-sinh", "a" * 121, 1), "longer than 120",
                 id="too-long"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "says"), SLUGS)
def test_every_slug_is_valid_and_used_once(tmp_path: Path, text: str, says: str) -> None:
    assert says in refusal(tmp_path, text)


def test_limits_are_read_typed_with_their_defaults(tmp_path: Path) -> None:
    catalogue = load_config(write(tmp_path, SITE + "[limits]\ntags = 7\n"))
    assert catalogue.limits == Limits(tags=7)
    assert set(KEYS["limits"]) == set(Limits.__dataclass_fields__)


def commands(config: Path, tmp_path: Path) -> dict[str, list[str]]:
    source = tmp_path / "articles.jsonl"
    source.write_text("", encoding="utf-8")
    store, out = str(tmp_path / "s.sqlite"), str(tmp_path / "out")
    return {
        "build": ["build", "-c", str(config), "-o", out],
        "ingest": ["ingest", "-c", str(config), "--store", store, str(source)],
        "publish": ["publish", "-c", str(config), "--store", store, "-o", out],
        "serve": ["serve", "-c", str(config), "--port", "1"],
    }


FAULTS = {
    "not-utf8": lambda tmp: (tmp / "c.toml", b'[site]\ntitle = "H\xe0 N\xf4i"\n'),
    "a-directory": lambda tmp: (tmp, None),
    "top-level-store": lambda tmp: (tmp / "c.toml", b'store = "x"\n' + SITE.encode()),
    "markup-in-message": lambda tmp: (tmp / "c.toml", (SITE + FEED + FEED).encode()),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("command", ["build", "ingest", "publish", "serve"])
def test_a_configuration_fault_is_one_plain_line_and_exit_2_from_every_command(
    tmp_path: Path, command: str, fault: str
) -> None:
    path, data = FAULTS[fault](tmp_path)
    if data is not None:
        path.write_bytes(data)
    result = CliRunner().invoke(app, commands(path, tmp_path)[command])
    assert result.exit_code == ExitCode.USAGE, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = result.output.splitlines()
    assert line.startswith(f"configuration error: {path}: "), line
    if fault == "markup-in-message":
        assert "[[feed]] slug): tuyen-sinh" in line  # printed as written, never as markup


def test_record_ids_and_names_that_look_like_markup_print_literally(tmp_path: Path) -> None:
    config = write(tmp_path, SITE + '[output]\ndir = "out"\n')
    source = tmp_path / "export.jsonl"
    records = [record(1, id="[/x]", title=""), record(2, id="[bold]2", category="[/b] Mục")]
    source.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for args in (["build", "-c", str(config), "-s", str(source)],
                 ["publish", "-c", str(config), "--store", str(tmp_path / "s.sqlite"),
                  "--out", str(tmp_path / "published"), "-v", str(source)]):  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == ExitCode.REJECTED, result.output
        assert f"rejected {source}:1: missing title" in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "[/b] Mục" in CliRunner().invoke(app, ["build", "-c", str(config), "-s",
                                                  str(source)]).output  # fmt: skip


def test_a_declared_feed_given_the_slug_of_a_published_category_is_exit_2(
    tmp_path: Path,
) -> None:
    source = tmp_path / "export.jsonl"
    source.write_text(json.dumps(record(2)) + "\n", encoding="utf-8")  # category the-thao
    config = write(tmp_path, SITE + '[output]\ndir = "out"\n[store]\npath = "s.sqlite"\n')
    first = CliRunner().invoke(app, ["publish", "-c", str(config), str(source)])
    assert first.exit_code == ExitCode.OK, first.output
    clash = FEED.replace('slug = "tuyen-sinh"', 'slug = "the-thao"')
    write(tmp_path, config.read_text(encoding="utf-8") + clash)
    again = CliRunner().invoke(app, ["publish", "-c", str(config), str(source)])
    assert again.exit_code == ExitCode.USAGE, again.output
    (line,) = again.output.splitlines()
    assert "the category 'Thể thao' of stored articles has the slug 'the-thao' of the" in line
    assert "declared feed [[feed]] #1" in line

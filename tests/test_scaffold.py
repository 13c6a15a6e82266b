"""`hnp-feeds init`: a catalogue of one's own that loads and builds; sources given without
a catalogue are refused rather than published under the bundled sample's identity."""

from __future__ import annotations

from pathlib import Path

import feedparser
from typer.testing import CliRunner

from hnp_feeds.cli import app
from hnp_feeds.config import bundled_config_path, known_keys, load_config
from hnp_feeds.errors import ExitCode
from tests.portal import record, write_records

runner = CliRunner()


def test_init_writes_a_catalogue_that_loads_and_builds_a_portal(tmp_path: Path) -> None:
    made = runner.invoke(
        app,
        ["init", str(tmp_path), "--title", 'Tin "Hồ Tây"', "--base-url", "https://tin.example.vn"],
    )
    assert made.exit_code == ExitCode.OK, made.output
    path = tmp_path / "hnp-feeds.toml"
    assert made.stdout.startswith(f"wrote {path}")
    catalogue = load_config(path)
    assert catalogue.site.title == 'Tin "Hồ Tây"'
    assert catalogue.site.feeds_url == "https://tin.example.vn/feeds/"
    assert catalogue.site.tag_authority == "tin.example.vn"
    assert catalogue.sources == (str(tmp_path / "export.jsonl"),)
    assert catalogue.store_path == tmp_path / "var" / "hnp-feeds.sqlite"
    # Commented: each [site] key the catalogue knows is shown, set or commented out.
    text = path.read_text(encoding="utf-8")
    for key in known_keys()["site"]:
        assert f"\n{key} = " in text or f"\n# {key} = " in text, key
    # The portal it describes, from a small export in the place it names.
    records = [
        record(n, url=f"https://tin.example.vn/thoi-su/bai-{n}.html", related=[]) for n in range(3)
    ]
    write_records(tmp_path / "export.jsonl", records)
    built = runner.invoke(app, ["build", "-c", str(path)])
    assert built.exit_code == ExitCode.OK, built.output
    main = feedparser.parse((tmp_path / "feeds" / "tin-moi" / "atom.xml").read_bytes())
    assert main.feed.title == 'Tin "Hồ Tây"' and len(main.entries) == 3
    assert all(entry.id.startswith("tag:tin.example.vn,") for entry in main.entries)


def test_init_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "portal.toml"
    path.write_text("# mine\n", encoding="utf-8")
    result = runner.invoke(app, ["init", str(path)])
    assert result.exit_code == ExitCode.USAGE
    assert result.stderr == f"configuration error: {path}: already exists; not overwritten\n"
    assert path.read_text(encoding="utf-8") == "# mine\n"


def test_init_refuses_what_would_not_load(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "x.toml"), "--base-url", "tin.example.vn"])
    assert result.exit_code == ExitCode.USAGE
    assert "'base_url' must be an absolute http(s) URL" in result.stderr
    assert not (tmp_path / "x.toml").exists()


def test_sources_without_a_catalogue_are_refused_by_every_command(tmp_path: Path) -> None:
    export = write_records(tmp_path / "export.jsonl", [record(1)])
    outputs = set()
    for command in (
        ["build", "-s", str(export), "-o", str(tmp_path / "out")],
        ["ingest", str(export)],
        ["publish", str(export)],
    ):
        result = runner.invoke(app, command)
        assert result.exit_code == ExitCode.USAGE, (command, result.output)
        outputs.add(result.stderr)
    (line,) = outputs
    assert line.startswith("configuration error: sources given but no catalogue: ")
    assert "`hnp-feeds init`" in line and f"-c {bundled_config_path()}" in line
    assert not (tmp_path / "out").exists()

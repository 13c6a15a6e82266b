"""Feed discovery for the portal's own pages: ``feeds/discovery/<slug>.html`` written by
publish for every feed, and ``hnp-feeds snippet SECTION`` printing the same lines from the
store; the lines parsed as HTML ``<link>`` elements."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import lxml.html
from typer.testing import CliRunner

from hnp_feeds.cli import ExitCode, app
from hnp_feeds.config import load_config
from hnp_feeds.publish import publish
from hnp_feeds.timezone import localize

from .portal import portal_toml, record, write_records

runner = CliRunner()
NOW = localize(datetime(2022, 8, 1, 12, 0))
TYPES = ["application/atom+xml", "application/rss+xml", "application/feed+json"]
NAMES = ["atom.xml", "rss.xml", "feed.json"]


def _links(fragment: str) -> list[tuple[str | None, str | None]]:
    head = lxml.html.fromstring(f"<html><head>{fragment}</head><body></body></html>")
    assert all(link.get("rel") == "alternate" for link in head.xpath("//link"))
    return [(link.get("type"), link.get("href")) for link in head.xpath("//link")]


def _published(tmp_path: Path) -> tuple[Path, Path]:
    config = portal_toml(tmp_path)
    source = write_records(tmp_path / "export.jsonl", [record(n) for n in range(6)])
    result = publish(load_config(config), [source], now=NOW)
    assert result.exit_code is ExitCode.OK, result.summary()
    return config, tmp_path / "feeds"


def test_every_feed_has_its_fragment_a_section_names_its_feed_then_the_main(
    tmp_path: Path,
) -> None:
    _, out = _published(tmp_path)
    fragments = {p.stem for p in (out / "discovery").glob("*.html")}
    assert {"tin-moi", "thoi-su", "kinh-te", "the-thao", "bong-da"} <= fragments
    assert "tac-gia-trong-toan" in fragments
    section = _links((out / "discovery" / "the-thao.html").read_text(encoding="utf-8"))
    feeds = "https://hnp.example.vn/feeds/"
    assert section == [
        *((kind, f"{feeds}the-thao/{name}") for kind, name in zip(TYPES, NAMES, strict=True)),
        *((kind, f"{feeds}tin-moi/{name}") for kind, name in zip(TYPES, NAMES, strict=True)),
    ]
    main = _links((out / "discovery" / "tin-moi.html").read_text(encoding="utf-8"))
    assert main == section[3:]


def test_snippet_prints_what_publish_wrote_by_slug_or_by_name(tmp_path: Path) -> None:
    config, out = _published(tmp_path)
    written = (out / "discovery" / "the-thao.html").read_text(encoding="utf-8")
    for section in ("the-thao", "Thể thao"):
        result = runner.invoke(app, ["snippet", "-c", str(config), section])
        assert result.exit_code == ExitCode.OK, result.output
        assert result.output == written


def test_snippet_of_an_unknown_section_or_without_a_store_says_so(tmp_path: Path) -> None:
    config, _ = _published(tmp_path)
    unknown = runner.invoke(app, ["snippet", "-c", str(config), "bong-ro"])
    assert unknown.exit_code == ExitCode.USAGE
    assert "no feed 'bong-ro'; the feeds are: tin-moi, " in unknown.output
    missing = tmp_path / "none.sqlite"
    result = runner.invoke(app, ["snippet", "-c", str(config), "--store", str(missing), "x"])
    assert result.exit_code == ExitCode.FAILED
    assert "no store yet; run hnp-feeds publish first" in result.output
    assert not missing.exists()  # asking never creates a store

"""``hnp-feeds validate``: grouped human output, --json, --profile, --strict, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hnp_feeds.cli import app

from .local_http import serving

runner = CliRunner()
SELF = "https://hnp.example.vn/feeds/tin-moi/atom.xml"


def entry(n: int, updated: str) -> str:
    return f"""
  <entry>
    <title>Tin số {n}</title>
    <id>tag:hnp.example.vn,2022-06-17:{n}</id>
    <link href="https://hnp.example.vn/tin/{n}.html"/>
    <link rel="related" href="https://hnp.example.vn/tin/{n + 100}.html"/>
    <updated>{updated}</updated>
    <summary>HNP - Tóm tắt {n}.</summary>
  </entry>"""


def atom(*entries: str, updated: str = "2022-06-17T20:22:00+07:00") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
  <title>HNP - Tin mới</title>
  <id>tag:hnp.example.vn,2022:feed/tin-moi</id>
  <link rel="self" href="{SELF}"/>
  <updated>{updated}</updated>
  <author><name>Trọng Toàn</name></author>{"".join(entries)}
</feed>
"""


CLEAN = atom(entry(1, "2022-06-17T20:22:00+07:00"), entry(2, "2022-06-17T19:00:00+07:00"))
# two entries with the same updated time: a W3C warning (DuplicateUpdated), not an error
WARNED = atom(entry(1, "2022-06-17T20:22:00+07:00"), entry(2, "2022-06-17T20:22:00+07:00"))
BROKEN = atom(entry(1, "2022-06-17 20:22"))


def rss(*ids: int) -> str:
    items = "".join(
        f"""
  <item>
    <title>Tin số {n}</title>
    <link>https://hnp.example.vn/tin/{n}.html</link>
    <guid isPermaLink="false">tag:hnp.example.vn,2022-06-17:{n}</guid>
    <pubDate>Fri, 17 Jun 2022 20:22:00 +0700</pubDate>
    <atom:link rel="related" href="https://hnp.example.vn/tin/{n + 100}.html"/>
  </item>"""
        for n in ids
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>HNP - Tin mới</title>
  <link>https://hnp.example.vn/</link>
  <description>Tin mới</description>
  <language>vi</language>
  <atom:link rel="self" href="https://hnp.example.vn/feeds/tin-moi/rss.xml"
             type="application/rss+xml"/>{items}
</channel>
</rss>
"""


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_clean_feed_exits_0(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", write(tmp_path / "atom.xml", CLEAN)])
    assert result.exit_code == 0, result.output
    assert "atom.xml: ok (atom)" in result.output
    assert "1 feed checked, 0 with errors" in result.output


def test_errors_exit_1_grouped_by_file_with_position_and_explanation(tmp_path: Path) -> None:
    broken = write(tmp_path / "a" / "atom.xml", BROKEN)
    clean = write(tmp_path / "b" / "atom.xml", CLEAN)
    result = runner.invoke(app, ["validate", broken, clean])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    header = lines.index(f"{broken}: 1 error, 0 warnings")
    assert "InvalidRFC3339Date (updated in entry)" in lines[header + 1]
    assert lines[header + 1].split()[0] == "13:-"
    assert "Not an RFC 3339 date-time" in lines[header + 2]
    assert f"{clean}: ok (atom)" in lines
    assert lines[-1] == "2 feeds checked, 1 with errors: 1 error, 0 warnings"


def test_warnings_are_shown_but_fatal_only_with_strict(tmp_path: Path) -> None:
    path = write(tmp_path / "atom.xml", WARNED)
    shown = runner.invoke(app, ["validate", path])
    assert shown.exit_code == 0
    assert "warning  DuplicateUpdated" in shown.output
    assert runner.invoke(app, ["validate", "--strict", path]).exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "no/such/feed.xml"],
        ["validate", "--profile", "lenient", "feed.xml"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert runner.invoke(app, args).exit_code == 2


def test_an_empty_directory_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no feeds here")
    result = runner.invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 2
    assert "no *.xml or *.json feed files" in result.output


def test_json_output_shape(tmp_path: Path) -> None:
    write(tmp_path / "feeds" / "tin-moi" / "atom.xml", BROKEN)
    write(tmp_path / "feeds" / "tin-moi" / "rss.xml", rss(1))
    result = runner.invoke(app, ["validate", "--json", str(tmp_path / "feeds")])
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["summary"] == {"files": 2, "failed": 1, "errors": 1, "warnings": 0}
    atom_file, rss_file = document["files"]
    assert atom_file["source"].endswith("tin-moi/atom.xml") and atom_file["format"] == "atom"
    assert atom_file["ok"] is False and rss_file["ok"] is True
    [message] = atom_file["messages"]
    assert set(message) == {"level", "code", "params", "line", "column", "explanation"}
    assert message["code"] == "InvalidRFC3339Date" and message["line"] == 13
    assert message["params"]["element"] == "updated"


def test_portal_profile_checks_policy_and_the_atom_rss_pair(tmp_path: Path) -> None:
    feed_dir = tmp_path / "tin-moi"
    write(feed_dir / "atom.xml", CLEAN)
    write(feed_dir / "rss.xml", rss(2, 1))
    assert runner.invoke(app, ["validate", str(feed_dir)]).exit_code == 0
    result = runner.invoke(app, ["validate", "--profile", "portal", "--json", str(feed_dir)])
    assert result.exit_code == 1
    files = {Path(f["source"]).name: f for f in json.loads(result.output)["files"]}
    assert [m["code"] for m in files["rss.xml"]["messages"]] == ["EntryIdsDiffer"]
    assert files["atom.xml"]["ok"] is True
    write(feed_dir / "rss.xml", rss(1, 2))
    assert runner.invoke(app, ["validate", "--profile", "portal", str(feed_dir)]).exit_code == 0


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def feed_server(tmp_path: Path) -> Iterator[str]:
    write(tmp_path / "atom.xml", CLEAN)
    with serving(partial(_QuietHandler, directory=str(tmp_path))) as base:
        yield base


def test_urls_are_fetched_and_http_errors_reported(feed_server: str) -> None:
    result = runner.invoke(app, ["validate", "--json", f"{feed_server}/atom.xml"])
    [fetched] = json.loads(result.output)["files"]
    assert fetched["format"] == "atom"
    codes = {m["code"] for m in fetched["messages"]}
    # judged against the URL it was read from: the self link names another place
    assert "SelfDoesntMatchLocation" in codes
    assert "UnexpectedContentType" not in codes  # .xml is served as an XML type
    missing = runner.invoke(app, ["validate", "--json", f"{feed_server}/gone.xml"])
    assert missing.exit_code == 1
    [gone] = json.loads(missing.output)["files"]
    assert [m["code"] for m in gone["messages"]] == ["HttpError"]
    assert gone["messages"][0]["params"]["value"] == "404"


def test_an_oversize_file_is_not_read_whole(tmp_path: Path) -> None:
    from hnp_feeds.validator.files import validate_paths

    path = write(tmp_path / "atom.xml", CLEAN + "<!--" + "x" * 10_000 + "-->")
    [result] = validate_paths([path], max_bytes=1_000)
    assert [m.code for m in result.report.messages] == ["ValidatorLimit"]
    assert result.report.messages[0].params["value"] == "1001"  # reading stopped there


def test_every_code_of_the_parser_policy_and_reader_is_explained() -> None:
    import re

    from hnp_feeds.validator import explain, files, policy, xmlparse

    emitted = set()
    for module in (xmlparse, policy, files):
        source = Path(module.__file__ or "").read_text(encoding="utf-8")
        emitted |= set(re.findall(r'\.(?:error|warning|info)\(\s*"([A-Z]\w+)"', source))
    assert {"EntityDeclaration", "OffsetNotLocal", "HttpError"} <= emitted
    assert emitted <= set(explain.EXPLANATIONS), emitted - set(explain.EXPLANATIONS)
    assert explain.explain("MissingHubLink") == (
        "Missing hub link (see the W3C Feed Validation Service's MissingHubLink)."
    )


class _TypedHandler(BaseHTTPRequestHandler):
    """Serves CLEAN under whatever Content-Type the path names (``/text/html``, ...)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = CLEAN.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", self.path.lstrip("/").replace("~", ";"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/atom+xml~charset=utf-8", set()),
        ("text/html", {"UnexpectedContentType"}),
        ("application/atom+xml~charset=iso-8859-1", {"EncodingMismatch"}),
    ],
)
def test_what_the_server_says_is_checked(content_type: str, expected: set[str]) -> None:
    with serving(_TypedHandler) as base:
        result = runner.invoke(app, ["validate", "--json", f"{base}/{content_type}"])
    [fetched] = json.loads(result.output)["files"]
    codes = {m["code"] for m in fetched["messages"]}
    assert codes & {"UnexpectedContentType", "EncodingMismatch"} == expected

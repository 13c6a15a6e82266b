"""What a sysadmin meets over a week of cron: a bad record reported once (exit 3, then 0),
listed by `hnp-feeds rejected` with its raw line, gone once fixed; `status` after each run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import feedparser
import pytest
from typer.testing import CliRunner

from hnp_feeds.cli import app
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish
from hnp_feeds.store import open_store
from hnp_feeds.store.reports import RAW_LIMIT
from hnp_feeds.store.schema import SCHEMA_VERSION
from tests.portal import (
    catalogue,
    portal_toml,
    record,
    record_with_a_space_in_its_url,
    write_records,
)

runner = CliRunner()
BAD = {"id": "2001", "url": "https://hnp.example.vn/thoi-su/x.html", "title": "Không có ngày"}


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


def lines(text: str, start: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(start)]


def status_of(config: Path) -> dict[str, Any]:
    result = cli("status", "-c", str(config), "--json")
    assert result.exit_code == ExitCode.OK, result.output
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def test_a_week_of_cron_with_a_bad_record_that_gets_fixed(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    export = tmp_path / "export.jsonl"
    records = [record(n) for n in range(6)]
    records[2] = record(2, title="Bài viết\x07 có ký tự lạ")  # repaired on the way in
    write_records(export, [*records, BAD])
    where = f"{export}:7"

    # Monday, 08:00: the bad record is reported, with the repair, once; exit 3.
    first = cli("publish", "-c", str(config), str(export))
    assert first.exit_code == ExitCode.REJECTED, first.output
    assert lines(first.stderr, "rejected ") == [f"rejected {where}: missing published time"]
    assert lines(first.stderr, "cleaned ") == [
        f"cleaned {export}:3: removed control characters from title (1)"
    ]
    listed = cli("rejected", "-c", str(config))
    assert listed.exit_code == ExitCode.OK, listed.output
    assert listed.stdout.splitlines()[0] == f"{where}: missing published time"
    assert f"  | {json.dumps(BAD, ensure_ascii=False)}" in listed.stdout.splitlines()
    assert "1 rejected records" in listed.stdout
    (kept,) = json.loads(cli("rejected", "-c", str(config), "--json").stdout)
    assert kept["record_id"] == "2001" and kept["times"] == 1
    assert kept["raw"] == json.dumps(BAD, ensure_ascii=False) + "\n"
    first_seen = kept["first_seen"]
    state = status_of(config)
    assert state["last_run"]["command"] == "publish" and state["last_run"]["exit_code"] == 3
    assert state["last_run"]["outcome"] == "rejected" and state["unfinished"] is None
    assert state["articles"]["in the feeds"] == 6 and state["rejected"] == 1
    assert state["schema_version"] == SCHEMA_VERSION and state["store_path"].endswith(
        "hnp-feeds.sqlite"
    )

    # Every five minutes until Wednesday: the same export, nothing said again, exit 0.
    for run in range(2, 5):
        again = cli("publish", "-c", str(config), str(export))
        assert again.exit_code == ExitCode.OK, again.output
        assert again.stderr == "", again.stderr
        assert "7 records (0 new, 0 changed, 0 removed, 1 rejected, 1 known)" in again.stdout
        (kept,) = json.loads(cli("rejected", "-c", str(config), "--json").stdout)
        assert kept["times"] == run and kept["first_seen"] == first_seen
        assert kept["last_seen"] >= first_seen
        state = status_of(config)
        assert (state["last_run"]["exit_code"], state["rejected"]) == (0, 1)
        assert "nothing to publish" in state["last_run"]["summary"]

    # Wednesday: the editors fix it; it is published and leaves the list by itself.
    fixed = [*records, {**BAD, "published": "2022-06-20 10:00"}]
    write_records(export, fixed)
    after = cli("publish", "-c", str(config), str(export))
    assert after.exit_code == ExitCode.OK, after.output
    assert after.stderr == ""
    assert cli("rejected", "-c", str(config)).stdout == "0 rejected records\n"
    main = feedparser.parse((tmp_path / "feeds" / "tin-moi" / "atom.xml").read_bytes())
    assert "Không có ngày" in {entry.title for entry in main.entries}
    state = status_of(config)
    assert state["articles"]["in the feeds"] == 7 and state["rejected"] == 0
    assert state["last_run"]["exit_code"] == 0 and "1 new" in state["last_run"]["summary"]

    # Friday: a new bad record is appended: reported once; then deleted from the export,
    # which takes it off the list as well.
    write_records(export, [*fixed, {**BAD, "id": "2002", "title": "Thiếu ngày"}])
    new = cli("publish", "-c", str(config), str(export))
    assert new.exit_code == ExitCode.REJECTED
    assert lines(new.stderr, "rejected ") == [f"rejected {export}:8: missing published time"]
    assert cli("publish", "-c", str(config), str(export)).exit_code == ExitCode.OK
    write_records(export, fixed)
    assert cli("publish", "-c", str(config), str(export)).exit_code == ExitCode.OK
    assert cli("rejected", "-c", str(config)).stdout == "0 rejected records\n"
    assert status_of(config)["last_run"]["exit_code"] == 0


def test_verbose_still_lists_every_known_rejection(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(1), BAD])
    assert cli("publish", "-c", str(config), str(export)).exit_code == ExitCode.REJECTED
    again = cli("publish", "-c", str(config), "--verbose", str(export))
    assert again.exit_code == ExitCode.OK
    assert lines(again.stderr, "rejected ") == [f"rejected {export}:2: missing published time"]


def test_clear_forgets_records_of_a_source_no_longer_read(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    old = write_records(tmp_path / "old.jsonl", [record(1), BAD, {"id": "x"}])
    assert cli("publish", "-c", str(config), str(old)).exit_code == ExitCode.REJECTED
    new = write_records(tmp_path / "new.jsonl", [record(2)])
    assert cli("publish", "-c", str(config), str(new)).exit_code == ExitCode.OK
    # old.jsonl is not read any more: its rejections stay until cleared.
    assert cli("rejected", "-c", str(config)).stdout.endswith("2 rejected records\n")
    one = cli("rejected", "-c", str(config), "--clear", f"{old}:2")
    assert one.stdout == "cleared 1 rejected records\n"
    (left,) = json.loads(cli("rejected", "-c", str(config), "--json").stdout)
    assert left["position"] == "3"
    assert cli("rejected", "-c", str(config), "--clear").stdout == "cleared 1 rejected records\n"
    assert cli("rejected", "-c", str(config)).stdout == "0 rejected records\n"


def test_a_huge_rejected_page_keeps_a_bounded_raw_text(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    huge = {"id": "3001", "title": "Quá dài", "content_html": "<p>" + "x" * 50_000 + "</p>"}
    export = write_records(tmp_path / "export.jsonl", [record(1), huge])
    assert cli("publish", "-c", str(config), str(export)).exit_code == ExitCode.REJECTED
    (kept,) = json.loads(cli("rejected", "-c", str(config), "--json").stdout)
    assert kept["raw"].startswith('{"id": "3001"')
    assert len(kept["raw"]) < RAW_LIMIT + 100
    assert kept["raw"].endswith("more characters not kept]")


def test_a_bad_csv_row_is_kept_as_its_csv_text(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    export = tmp_path / "export.csv"
    export.write_text(
        "id,title,published,url\n"
        "1,Một,2022-06-01 08:00,https://hnp.example.vn/a.html\n"
        '2,"Hai, không ngày",,https://hnp.example.vn/b.html\n',
        encoding="utf-8",
    )
    assert cli("publish", "-c", str(config), str(export)).exit_code == ExitCode.REJECTED
    (kept,) = json.loads(cli("rejected", "-c", str(config), "--json").stdout)
    assert (kept["position"], kept["reason"]) == ("3", "missing published time")
    assert kept["raw"] == '2,"Hai, không ngày",,https://hnp.example.vn/b.html'


def test_a_withheld_article_stays_listed_until_its_record_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = catalogue(tmp_path, related_count=1)
    records = [record(n) for n in range(4)]
    records[3] = record_with_a_space_in_its_url(monkeypatch, 3)
    source = write_records(tmp_path / "a.jsonl", records)
    first = publish(portal, [source], workers=1)
    assert first.exit_code is ExitCode.REJECTED and len(first.new_rejected) == 1
    again = publish(portal, [source], workers=1)
    assert again.exit_code is ExitCode.OK and again.new_rejected == []
    with open_store(portal.store_path) as store:
        (withheld,) = store.rejections()
        assert withheld.record_id == "1003" and "InvalidUriChar" in withheld.reason
        assert json.loads(withheld.raw)["url"].endswith("bai viet 3.html")  # as stored
    records[3] = record(3)
    fixed = publish(portal, [write_records(source, records)], workers=1)
    assert fixed.exit_code is ExitCode.OK, fixed.summary()
    with open_store(portal.store_path) as store:
        assert store.rejections() == []


def test_status_and_rejected_never_create_a_store(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    for command in ("status", "rejected"):
        result = cli(command, "-c", str(config))
        assert result.exit_code == ExitCode.FAILED
        assert "no store here yet (the first publish creates it)" in result.stderr
    assert not (tmp_path / "var").exists()


def test_status_tells_a_run_that_never_ended(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(1)])
    assert cli("publish", "-c", str(config), str(export)).exit_code == ExitCode.OK
    with open_store(tmp_path / "var" / "hnp-feeds.sqlite") as store:
        (_, finished) = store.runs()
        assert finished is not None
        # A run killed after it started: its start is remembered, its end never came.
        store.set_meta("run_started", json.dumps({"command": "publish", "at": "9999-01-01"}))
    text = cli("status", "-c", str(config)).stdout
    assert "unfinished run: publish started at 9999-01-01 has not ended" in text
    assert f"last run: publish at {finished.at}: exit 0 ok" in text


def test_version_is_the_installed_one() -> None:
    from importlib.metadata import version

    result = cli("--version")
    assert result.exit_code == 0 and result.stdout == f"hnp-feeds {version('hnp-feeds')}\n"

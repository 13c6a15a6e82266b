"""A run never blanks what is published: a lost, zeroed or damaged store beside a published
portal, a store looked for in cron's working directory, an export that drafts or retracts
most of a feed, a truncated export given to ``build``.  Each is refused with one line and
its exit code, the published files untouched, and the next run (fixed, or confirmed)
converges.  Through the CLI, as cron runs it."""

from __future__ import annotations

import json
import os
import random
import sqlite3
from pathlib import Path

import feedparser
import pytest

from hnp_feeds.errors import ExitCode

from .portal import call_cli, portal_toml, record, snapshot, write_records
from .test_publish_sources import cms, cms_catalogue

COUNT = 24  # articles of the portal, all in its main feed (one partial archive page)


def main_entries(out: Path) -> int:
    parsed = feedparser.parse((out / "tin-moi" / "atom.xml").read_bytes())
    assert not parsed.bozo
    return len(parsed.entries)


@pytest.fixture
def portal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The portal published once from the full export; its directory."""
    portal_toml(tmp_path)
    write_records(tmp_path / "export.jsonl", [record(n) for n in range(COUNT)])
    code, _, err = call_cli(publish_args(tmp_path), capsys)
    assert code == ExitCode.OK, err
    return tmp_path


def publish_args(portal: Path, *more: str, source: str = "export.jsonl") -> list[str]:
    return ["publish", "-c", str(portal / "hnp-feeds.toml"), str(portal / source), *more]


def store_files(portal: Path) -> list[Path]:
    var = portal / "var"
    return [var / f"hnp-feeds.sqlite{suffix}" for suffix in ("", "-wal", "-shm")]


def partial_export(portal: Path) -> None:
    """What the CMS exported in a hurry: the two newest articles only."""
    write_records(portal / "partial.jsonl", [record(n) for n in range(COUNT - 2, COUNT)])


def refused_line(err: str, *parts: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("refused: "), err
    assert all(part in lines[0] for part in parts), lines


@pytest.mark.parametrize("how", ["deleted", "zero bytes", "zeroed pages"])
def test_a_lost_store_beside_a_published_portal_is_refused_until_started_over(
    portal: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    out = portal / "feeds"
    before = snapshot(out)
    shown = main_entries(out)
    store = store_files(portal)[0]
    for path in store_files(portal):
        path.unlink(missing_ok=True)
    if how == "zero bytes":
        store.write_bytes(b"")
    elif how == "zeroed pages":
        store.write_bytes(bytes(8192))
    partial_export(portal)
    args = publish_args(portal, source="partial.jsonl")
    code, _, err = call_cli(args, capsys)
    assert code == ExitCode.STORE
    if how == "zeroed pages":
        refused_line(err, str(store), "damaged", "--start-over")
    else:
        state = "missing" if how == "deleted" else "empty"
        refused_line(err, str(store), f"the store is {state}", str(out), "--start-over")
    assert snapshot(out) == before and main_entries(out) == shown
    if how == "deleted":
        assert not store.exists()  # no new empty store made by the refusal
    # Again: refused the same way (nothing was half done).
    assert call_cli(args, capsys)[0] == ExitCode.STORE
    if how == "zeroed pages":
        store.unlink()
    # Starting over on purpose: the full export rebuilds the portal.
    code, _, err = call_cli(publish_args(portal, "--start-over"), capsys)
    assert code == ExitCode.OK, err
    assert main_entries(out) == shown
    assert call_cli(args, capsys)[0] == ExitCode.OK  # and the cron job goes on


@pytest.mark.parametrize("seed", range(6))
def test_random_bytes_in_the_store_never_publish_a_blank_portal(
    portal: Path, capsys: pytest.CaptureFixture[str], seed: int
) -> None:
    """4 KB of random bytes over a real store file, anywhere in it: the run is refused
    (damaged store, or a mass removal), or it publishes without taking anything away;
    never a traceback, never a blanked feed."""
    out = portal / "feeds"
    shown = main_entries(out)
    store = store_files(portal)[0]
    assert not store_files(portal)[1].exists() or store_files(portal)[1].stat().st_size == 0
    rng = random.Random(seed)
    data = bytearray(store.read_bytes())
    offset = rng.randrange(0, len(data) - 4096)
    data[offset : offset + 4096] = rng.randbytes(4096)
    store.write_bytes(bytes(data))
    partial_export(portal)
    code, _, err = call_cli(publish_args(portal, source="partial.jsonl"), capsys)
    assert "Traceback" not in err
    assert code in (ExitCode.OK, ExitCode.STORE, ExitCode.MASS_REMOVAL, ExitCode.FAILED), err
    if code != ExitCode.OK:
        assert err.strip() and all(
            line.startswith(("refused", "error: ")) for line in err.strip().splitlines()
        ), err
    assert main_entries(out) >= shown


def test_a_catalogue_without_store_run_from_another_directory_finds_its_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """cron runs from $HOME: the default store is beside the catalogue, not in $HOME."""
    config = portal_toml(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8").replace('[store]\npath = "var/hnp-feeds.sqlite"\n', ""),
        encoding="utf-8",
    )
    write_records(tmp_path / "export.jsonl", [record(n) for n in range(COUNT)])
    monkeypatch.chdir(tmp_path)
    assert call_cli(publish_args(tmp_path), capsys)[0] == ExitCode.OK
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(home)
    partial_export(tmp_path)
    code, out, err = call_cli(publish_args(tmp_path, source="partial.jsonl"), capsys)
    assert code == ExitCode.OK and "nothing to publish" in out, err
    assert list(home.iterdir()) == []  # no store made in the working directory
    assert main_entries(tmp_path / "feeds") == COUNT


@pytest.mark.parametrize("status", ["draft", "retracted"])
def test_an_export_that_takes_most_of_a_feed_away_is_refused_until_confirmed(
    portal: Path, capsys: pytest.CaptureFixture[str], status: str
) -> None:
    out = portal / "feeds"
    before = snapshot(out)
    gone = [record(n, status=status) for n in range(COUNT)]
    write_records(portal / "export.jsonl", gone)
    code, summary, err = call_cli(publish_args(portal), capsys)
    assert code == ExitCode.MASS_REMOVAL
    assert "would lose too much of their entries: nothing written" in summary
    lines = err.strip().splitlines()
    assert lines and all(line.startswith("refused feed ") for line in lines), err
    assert any("feed tin-moi: would go from 24 to 0 entries" in line for line in lines), err
    assert all("--allow-mass-removal" in line for line in lines)
    assert snapshot(out) == before  # feeds, archive pages, index.html, feeds.opml
    # The next cron run, with the same export, is refused again: nothing slips through.
    assert call_cli(publish_args(portal), capsys)[0] == ExitCode.MASS_REMOVAL
    assert snapshot(out) == before
    # The export fixed: published as before.
    write_records(portal / "export.jsonl", [record(n) for n in range(COUNT)])
    assert call_cli(publish_args(portal), capsys)[0] == ExitCode.OK
    assert main_entries(out) == COUNT
    # Again, and confirmed: published.
    write_records(portal / "export.jsonl", gone)
    assert call_cli(publish_args(portal), capsys)[0] == ExitCode.MASS_REMOVAL
    code, _, err = call_cli(publish_args(portal, "--allow-mass-removal"), capsys)
    assert code == ExitCode.OK, err
    assert main_entries(out) == 0


def test_taking_away_less_than_the_share_publishes(
    portal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    some = [record(n, status="draft" if n % 4 == 0 else "published") for n in range(COUNT)]
    write_records(portal / "export.jsonl", some)
    assert call_cli(publish_args(portal), capsys)[0] == ExitCode.OK


def test_the_share_is_the_catalogue_s(portal: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = portal / "hnp-feeds.toml"
    with config.open("a", encoding="utf-8") as file:
        file.write("[publish]\nmax_removed_share = 0.2\n")
    some = [record(n, status="draft" if n % 4 == 0 else "published") for n in range(COUNT)]
    write_records(portal / "export.jsonl", some)
    assert call_cli(publish_args(portal), capsys)[0] == ExitCode.MASS_REMOVAL


def test_build_over_a_truncated_export_keeps_the_published_portal(
    portal: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``build`` has no store to remember; it compares with the files it would replace."""
    out = portal / "feeds"
    before = snapshot(out)
    partial_export(portal)
    build = ["build", "-c", str(portal / "hnp-feeds.toml"), "-s", str(portal / "partial.jsonl")]
    code, summary, err = call_cli([*build, "-q"], capsys)
    assert code == ExitCode.MASS_REMOVAL, summary + err
    assert "nothing written" in summary and "--allow-mass-removal" in err
    assert snapshot(out) == before
    code, _, err = call_cli([*build, "-q", "--allow-mass-removal"], capsys)
    assert code == ExitCode.OK, err
    assert main_entries(out) == 2


@pytest.mark.parametrize("content", [b"", b"\n\n", b"garbage\n\xff\xfe\n", None, "cp1258"])
def test_build_over_an_empty_or_unreadable_source_writes_nothing(
    portal: Path, capsys: pytest.CaptureFixture[str], content: bytes | str | None
) -> None:
    out = portal / "feeds"
    before = snapshot(out)
    source = portal / "broken.jsonl"
    if content == "cp1258":
        text = "".join(json.dumps(record(n), ensure_ascii=False) + "\n" for n in range(3))
        source.write_bytes(text.encode("cp1258", errors="replace"))
    elif isinstance(content, bytes):
        source.write_bytes(content)
    code, summary, _ = call_cli(
        ["build", "-c", str(portal / "hnp-feeds.toml"), "-s", str(source)], capsys
    )
    assert code == ExitCode.FAILED
    assert "nothing published, the files stay" in summary
    assert snapshot(out) == before


def test_a_database_row_read_by_a_run_that_failed_is_published_by_the_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read position is saved with the rows it covers, in the store: a run that read
    them and then failed to write (the disk refused) leaves them to the next run, which
    publishes them without reading them again."""
    database = cms(tmp_path)
    config = cms_catalogue(tmp_path)
    args = ["publish", "-c", str(config), f"sqlite:///{database}"]
    assert call_cli(args, capsys)[0] == ExitCode.OK
    with sqlite3.connect(database) as conn:
        conn.execute(
            "UPDATE bai_viet SET tieu_de = 'Quận Ba Đình tổng kết năm 2022',"
            " ngay_sua = '2022-06-19 09:00:00' WHERE ma = 2"
        )
    conn.close()

    def refused(src: object, dst: object) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    real_replace = os.replace
    monkeypatch.setattr(os, "replace", refused)
    assert call_cli(args, capsys)[0] == ExitCode.SYSTEM
    monkeypatch.setattr(os, "replace", real_replace)
    code, summary, err = call_cli(args, capsys)
    assert code == ExitCode.OK, err
    assert "ingested 0 records" in summary  # not read again ...
    parsed = feedparser.parse((tmp_path / "feeds" / "tin-moi" / "atom.xml").read_bytes())
    assert "Quận Ba Đình tổng kết năm 2022" in {e.title for e in parsed.entries}  # ... published


def test_a_smaller_feed_size_in_the_catalogue_is_no_mass_removal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The author feeds (no archive) go from 8 entries to 3 because the catalogue says so,
    not because articles went: published."""
    config = portal_toml(tmp_path, entries_per_feed=20)
    with config.open("a", encoding="utf-8") as file:
        file.write("[publish]\nmass_removal_min = 5\n")
    write_records(tmp_path / "export.jsonl", [record(n) for n in range(COUNT)])
    assert call_cli(publish_args(tmp_path), capsys)[0] == ExitCode.OK
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("entries_per_feed = 20", "entries_per_feed = 3"), "utf-8")
    code, _, err = call_cli(publish_args(tmp_path), capsys)
    assert code == ExitCode.OK, err
    parsed = feedparser.parse((tmp_path / "feeds" / "tac-gia-trong-toan" / "atom.xml").read_bytes())
    assert len(parsed.entries) == 3
    # Retracting 5 of an author's 8 articles is a mass removal for that feed all the same.
    config.write_text(text, "utf-8")
    assert call_cli(publish_args(tmp_path), capsys)[0] == ExitCode.OK
    gone = [
        record(n, status="retracted" if n % 3 == 0 and n < 15 else "published")
        for n in range(COUNT)
    ]
    write_records(tmp_path / "export.jsonl", gone)
    code, _, err = call_cli(publish_args(tmp_path), capsys)
    assert (
        code == ExitCode.MASS_REMOVAL and "feed tac-gia-trong-toan: would go from 8 to 3" in err
    ), err

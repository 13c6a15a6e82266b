"""publish killed with SIGKILL at many points, and two publishes started at once.

After every kill each published file must be complete and valid and the store must
open and be consistent; at the end an uninterrupted run must give the same feeds as a
publish of the same records into a fresh store.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import feedparser
import pytest

from hnp_feeds.cli import ExitCode
from hnp_feeds.store import open_store
from hnp_feeds.validator import validate

from .portal import portal_toml, record, write_records

KILLS = 60
ARTICLES = 60
FEEDS_URL = "https://hnp.example.vn/feeds/"
CLI = [sys.executable, "-c", "from hnp_feeds.cli import app; app()"]


def round_records(round_no: int) -> list[dict[str, Any]]:
    """The portal's export after ``round_no`` rounds of editing: every round edits 15
    articles (each edit moves ``updated``), adds one and retracts one every third round.
    Deterministic, so a fresh store can be given the same final state."""
    records = []
    for n in range(ARTICLES + round_no):
        edits = [r for r in range(1, round_no + 1) if (n - r * 7) % ARTICLES < 15]
        changes: dict[str, Any] = {}
        if n >= ARTICLES:
            changes["published"] = f"2022-06-29 {(n - ARTICLES) % 24:02d}:30"
        if edits:
            last = edits[-1]
            changes["title"] = f"Bài viết số {n}, bản sửa {len(edits)}"
            changes["updated"] = f"2022-07-{1 + last // 24:02d} {last % 24:02d}:00"
        if any(r % 3 == 0 and (r * 13) % ARTICLES == n for r in range(1, round_no + 1)):
            changes["status"] = "retracted"
        records.append(record(n, **changes))
    return records


def publish_cmd(tmp_path: Path, source: Path) -> list[str]:
    return [*CLI, "publish", "-c", str(tmp_path / "hnp-feeds.toml"), str(source)]


# Archives on (pages of 10: the main feed and each category feed have full pages, so kills
# land among page writes too); records bring the one related link the site asks for, so
# a fresh store computes none differently.
SITE = {"archive_page_size": 10, "related_count": 1}


def check_published(out: Path) -> int:
    """Every published file complete and valid (archive pages too, ``.gz`` siblings
    aside: one may lag its file while a run is cut short); returns how many there are."""
    files = [
        p
        for p in out.rglob("*.*")
        if p.parent != out and not p.name.startswith(".") and p.suffix != ".gz"
    ]
    for path in files:
        data = path.read_bytes()
        rel = path.relative_to(out).as_posix()
        report = validate(data, base_url=FEEDS_URL + rel)
        assert report.ok, (rel, [m.to_dict() for m in report.errors])
        if path.suffix == ".json":
            assert json.loads(data)["items"], rel
        else:
            parsed = feedparser.parse(data)
            # An archive page whose every slot was retracted is complete with no entry.
            assert not parsed.bozo and (parsed.entries or "/archive/" in rel), rel
    return len(files)


def check_store(path: Path) -> bool:
    """The store opens and is consistent; True when a publish was cut short in it."""
    if not path.exists():
        return False
    with open_store(path) as store:
        assert store.check() == []
        return bool(store.dirty_keys())


def survivors(config: Path, wait: float = 2.0) -> list[int]:
    """Processes still running a publish of ``config`` (a killed run's render workers
    must die with it), after waiting up to ``wait`` seconds for them to go."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                if str(config).encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.02)


def snapshot(out: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in out.rglob("*.*")}


def without_tombstones(data: bytes) -> bytes:
    return re.sub(rb"  <at:deleted-entry [^>]*/>\n", b"", data)


def check_siblings(out: Path) -> None:
    """Every ``.gz`` holds exactly its file's bytes."""
    siblings = list(out.rglob("*.gz"))
    assert siblings
    for sibling in siblings:
        assert gzip.decompress(sibling.read_bytes()) == sibling.with_suffix("").read_bytes()


def test_publish_killed_at_many_points_never_leaves_a_broken_file(tmp_path: Path) -> None:
    portal_toml(tmp_path, entries_per_feed=20, **SITE)
    out = tmp_path / "feeds"
    store_path = tmp_path / "var" / "hnp-feeds.sqlite"
    source = tmp_path / "export.jsonl"

    write_records(source, round_records(0))
    started = time.monotonic()
    assert subprocess.run(publish_cmd(tmp_path, source), capture_output=True).returncode == 0
    duration = time.monotonic() - started
    check_published(out)

    rng = random.Random(20260526)
    killed = finished = mid_write = 0
    for round_no in range(1, KILLS + 1):
        write_records(source, round_records(round_no))
        # Kill points spread over the whole run: start-up, ingest, render, write, commit.
        before = snapshot(out)
        delay = duration * (0.15 + 1.0 * rng.random())
        process = subprocess.Popen(
            publish_cmd(tmp_path, source), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.returncode == -9:
            killed += 1
            assert survivors(tmp_path / "hnp-feeds.toml") == []
        else:
            assert process.returncode == ExitCode.OK, process.stderr.read()  # type: ignore[union-attr]
            finished += 1
        process.stderr.close()  # type: ignore[union-attr]
        assert check_published(out) >= 3
        cut_short = check_store(store_path)
        if process.returncode == -9 and cut_short and snapshot(out) != before:
            mid_write += 1  # killed after some files were replaced, before the end

    assert killed >= KILLS // 3, (killed, finished)
    assert mid_write >= 3, (killed, finished, mid_write)
    # An uninterrupted run finishes the work of the killed ones ...
    final = subprocess.run(publish_cmd(tmp_path, source), capture_output=True, text=True)
    assert final.returncode == ExitCode.OK, final.stdout + final.stderr
    assert len(list(out.glob("*/archive/*.xml"))) >= 10
    check_published(out)
    check_siblings(out)
    with open_store(store_path) as store:
        assert store.check() == [] and store.dirty_keys() == set()

    # ... and gives the feeds a fresh store gives for the same records.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    portal_toml(fresh, entries_per_feed=20, **SITE)
    write_records(fresh / "export.jsonl", round_records(KILLS))
    clean = subprocess.run(publish_cmd(fresh, fresh / "export.jsonl"), capture_output=True)
    assert clean.returncode == ExitCode.OK
    ours = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.*") if p.suffix != ".gz"}
    theirs = {
        p.relative_to(fresh / "feeds"): p.read_bytes()
        for p in (fresh / "feeds").rglob("*.*")
        if p.suffix != ".gz"
    }
    assert set(ours) == set(theirs)
    for rel, data in theirs.items():
        assert without_tombstones(ours[rel]) == data, rel
    assert any(b"deleted-entry" in data for data in ours.values())


@pytest.mark.parametrize("attempt", range(4))
def test_two_publishes_started_at_once_never_overlap(tmp_path: Path, attempt: int) -> None:
    portal_toml(tmp_path, entries_per_feed=20)
    source = write_records(tmp_path / "export.jsonl", round_records(attempt))
    runs = [
        subprocess.Popen(publish_cmd(tmp_path, source), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    codes = sorted(process.wait(timeout=60) for process in runs)
    for process in runs:
        process.stdout.close()  # type: ignore[union-attr]
    assert codes in ([ExitCode.OK, ExitCode.OK], [ExitCode.OK, ExitCode.LOCKED]), codes
    assert check_published(tmp_path / "feeds") == 8 * 3
    with open_store(tmp_path / "var" / "hnp-feeds.sqlite") as store:
        assert store.check() == [] and store.dirty_keys() == set()
    # Whichever ran, a third run finds nothing left to do.
    again = subprocess.run(publish_cmd(tmp_path, source), capture_output=True, text=True)
    assert again.returncode == ExitCode.OK and "nothing to publish" in again.stdout

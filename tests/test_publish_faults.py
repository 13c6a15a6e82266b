"""Faults as a sysadmin meets them: a render worker killed, the disk full or read-only, a
file name too long, a store that fails mid-transaction.  Each ends the run with one line
naming the path and the cause and its own exit code, frees the lock, blanks nothing, and
the next run converges."""

from __future__ import annotations

import os
import signal
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from hnp_feeds import cli
from hnp_feeds.errors import ExitCode, error_line, exit_code_of
from hnp_feeds.publish import publish, publish_lock, workers
from hnp_feeds.publish.render import render_job
from hnp_feeds.publish.workers import WorkerDied
from hnp_feeds.timezone import localize

from .portal import catalogue, portal_toml, record, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))


def snapshot(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def call_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The CLI in this process: exit status, stdout, stderr."""
    try:
        cli.app(args, prog_name="hnp-feeds")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_killed_render_worker_fails_the_run_and_frees_the_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OOM killer's SIGKILL of one render worker: the run stops with WorkerDied (it
    does not wait for ever holding the lock), what was published stays, and the next run
    publishes everything."""
    cat = catalogue(tmp_path)
    source = write_records(tmp_path / "export.jsonl", [record(n) for n in range(12)])
    assert publish(cat, [source], now=NOW, workers=2).exit_code == ExitCode.OK
    before = snapshot(cat.out_dir)
    parent = os.getpid()

    def dies_in_a_worker(job: Any, *args: Any) -> Any:
        if os.getpid() != parent and job.feed.kind == "category":
            os.kill(os.getpid(), signal.SIGKILL)
        return render_job(job, *args)

    # Forked workers inherit the patched module: one of them kills itself.
    monkeypatch.setattr(workers, "render_job", dies_in_a_worker)
    edited = [record(n, title=f"Bài viết số {n}, đã sửa") for n in range(12)]
    write_records(source, edited)
    with pytest.raises(WorkerDied) as died:
        publish(cat, [source], now=NOW, workers=2)
    assert exit_code_of(died.value) == ExitCode.FAILED
    assert "\n" not in error_line(died.value) and "render worker died" in str(died.value)
    with publish_lock(cat.store_path):  # free again
        pass
    for relpath, data in snapshot(cat.out_dir).items():  # complete files, old or new
        assert data == before.get(relpath) or b"\xc4\x91\xc3\xa3 s\xe1\xbb\xada" in data, relpath

    monkeypatch.setattr(workers, "render_job", render_job)
    again = publish(cat, [source], now=NOW, workers=2)
    assert again.exit_code == ExitCode.OK
    assert_all_edited(cat.out_dir, 12)


def assert_all_edited(out: Path, entries: int) -> None:
    """feedparser reads the main feed: ``entries`` entries, every one the edited title."""
    parsed = feedparser.parse((out / "tin-moi" / "atom.xml").read_bytes())
    assert not parsed.bozo
    titles = [entry.title for entry in parsed.entries]
    assert len(titles) == entries and all(t.endswith("đã sửa") for t in titles), titles

"""Faults as a sysadmin meets them: a render worker killed, the disk full or read-only, a
file name too long, a store that fails mid-transaction.  Each ends the run with one line
naming the path and the cause and its own exit code, frees the lock, blanks nothing, and
the next run converges."""

from __future__ import annotations

import contextlib
import errno
import gzip
import os
import signal
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest

from hnp_feeds.errors import ExitCode, error_line, exit_code_of
from hnp_feeds.publish import publish, publish_lock, workers
from hnp_feeds.publish.render import render_job
from hnp_feeds.publish.workers import WorkerDied
from hnp_feeds.timezone import localize

from .portal import call_cli, catalogue, portal_toml, record, snapshot, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))


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
    with pytest.raises(WorkerDied) as died, no_hang(120):
        publish(cat, [source], now=NOW, workers=2)
    assert exit_code_of(died.value) == ExitCode.FAILED
    assert "\n" not in error_line(died.value) and "render worker died" in str(died.value)
    with publish_lock(cat.store_path):  # free again
        pass
    for relpath, data in snapshot(cat.out_dir).items():  # complete files, old or new
        shown = gzip.decompress(data) if relpath.endswith(".gz") else data  # whole, too
        assert data == before.get(relpath) or b"\xc4\x91\xc3\xa3 s\xe1\xbb\xada" in shown, relpath

    monkeypatch.setattr(workers, "render_job", render_job)
    again = publish(cat, [source], now=NOW, workers=2)
    assert again.exit_code == ExitCode.OK
    assert_all_edited(cat.out_dir, 12)


@contextlib.contextmanager
def no_hang(seconds: int) -> Iterator[None]:
    """Fail (instead of waiting for ever) if the block is still running after ``seconds``."""

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"still running after {seconds} s: the run hangs")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def assert_all_edited(out: Path, entries: int) -> None:
    """feedparser reads the main feed: ``entries`` entries, every one the edited title."""
    parsed = feedparser.parse((out / "tin-moi" / "atom.xml").read_bytes())
    assert not parsed.bozo
    titles = [entry.title for entry in parsed.entries]
    assert len(titles) == entries and all(t.endswith("đã sửa") for t in titles), titles


# -- the disk: a real tmpfs that fills or turns read-only --


@pytest.fixture
def mount_tmpfs(tmp_path: Path) -> Iterator[Callable[[Path], Path]]:
    """Mount a small tmpfs on a directory (root only; skipped where it is not allowed),
    unmounted at the end."""
    mounted: list[Path] = []

    def mount(where: Path) -> Path:
        where.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here (needs root): {done.stderr.strip()}")
        mounted.append(where)
        return where

    yield mount
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(directory: Path, spare: int = 0) -> Path:
    """Fill the file system of ``directory`` to the last byte but ``spare``; the filler."""
    filler = directory / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(fd, b"\0" * 65536)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    try:  # and the last partial block
        while True:
            os.write(fd, b"\0")
    except OSError:
        pass
    finally:
        os.close(fd)
    if spare:
        os.truncate(filler, filler.stat().st_size - spare)
    return filler


def remount(where: Path, mode: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{mode}", str(where)], check=True)


def edited_portal(tmp_path: Path, count: int = 12) -> tuple[list[str], Path]:
    """The portal published once (its CLI arguments), the export then edited."""
    portal_toml(tmp_path)
    source = write_records(tmp_path / "export.jsonl", [record(n) for n in range(count)])
    args = ["publish", "-c", str(tmp_path / "hnp-feeds.toml"), str(source)]
    return args, source


def edit(source: Path, count: int = 12) -> None:
    write_records(source, [record(n, title=f"Bài viết số {n}, đã sửa") for n in range(count)])


def assert_one_line(stderr: str, *parts: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("system error: ") and all(p in lines[0] for p in parts), lines


def through_a_fault(
    args: list[str],
    source: Path,
    out: Path,
    capsys: pytest.CaptureFixture[str],
    fault: Callable[[], object],
    repair: Callable[[], object],
    *said: str,
) -> str:
    """An edit published while ``fault`` holds: exit 7, one line saying ``said`` (returned),
    every file as it was; after ``repair`` the next run publishes the edit, each .gz
    matching its file."""
    fault()
    before = snapshot(out)
    edit(source)
    code, _, err = call_cli(args, capsys)
    assert code == ExitCode.SYSTEM
    assert_one_line(err, *said)
    assert snapshot(out) == before  # no temporary left, no file changed
    repair()
    assert call_cli(args, capsys)[0] == ExitCode.OK
    assert_all_edited(out, 12)
    assert_gz_match(out)
    return err


@pytest.mark.parametrize(
    ("fault", "cause"),
    [("full", "No space left on device (ENOSPC)"), ("ro", "Read-only file system (EROFS)")],
)
def test_an_output_disk_full_or_read_only_is_one_line_exit_7_then_converges(
    tmp_path: Path,
    mount_tmpfs: Callable[[Path], Path],
    capsys: pytest.CaptureFixture[str],
    fault: str,
    cause: str,
) -> None:
    """The output directory on a real tmpfs that fills up, or is remounted read-only."""
    out = mount_tmpfs(tmp_path / "feeds")
    args, source = edited_portal(tmp_path)
    assert call_cli(args, capsys)[0] == ExitCode.OK
    if fault == "full":
        start, repair = (lambda: fill(out)), (out / "filler.bin").unlink
    else:
        start, repair = (lambda: remount(out, "ro")), (lambda: remount(out, "rw"))
    through_a_fault(args, source, out, capsys, start, repair, str(out), cause)


def test_a_full_store_disk_names_sqlite_s_own_error_then_converges(
    tmp_path: Path, mount_tmpfs: Callable[[Path], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """SQLite's "database or disk is full" survives the rollback that follows it (SQLite
    has rolled back already: "cannot rollback - no transaction is active" must not hide it)."""
    var = mount_tmpfs(tmp_path / "var")
    args, source = edited_portal(tmp_path)
    assert call_cli(args, capsys)[0] == ExitCode.OK
    out = tmp_path / "feeds"
    before = snapshot(out)
    big = [record(n, content_html="<p>" + "Nội dung dài. " * 4000 + "</p>") for n in range(40)]
    write_records(source, big)
    filler = fill(var, spare=256 * 1024)  # room to open the store, not for the export
    code, _, err = call_cli(args, capsys)
    assert code == ExitCode.SYSTEM
    assert_one_line(err, str(var / "hnp-feeds.sqlite"), "disk is full")
    assert "cannot rollback" not in err
    assert snapshot(out) == before
    filler.unlink()
    edit(source)
    assert call_cli(args, capsys)[0] == ExitCode.OK
    assert_all_edited(out, 12)


@pytest.mark.parametrize(
    ("number", "cause"),
    [(errno.EACCES, "Permission denied (EACCES)"), (errno.ENAMETOOLONG, "File name too long")],
)
def test_a_refused_rename_is_one_line_naming_the_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    number: int,
    cause: str,
) -> None:
    """Permission denied (root ignores modes, so the refusal is simulated at os.replace)
    and a file name too long: one line naming the file, exit 7, the files kept."""
    args, source = edited_portal(tmp_path)
    assert call_cli(args, capsys)[0] == ExitCode.OK
    out = tmp_path / "feeds"

    def refused(src: Any, dst: Any) -> None:
        raise OSError(number, os.strerror(number), os.fsdecode(src))

    err = through_a_fault(
        args, source, out, capsys,
        lambda: monkeypatch.setattr(os, "replace", refused), monkeypatch.undo, cause,
    )  # fmt: skip
    target = err.split(": ")[1]  # the file being put in place, not its temporary
    assert target.startswith(str(out)) and not Path(target).name.startswith("."), err


def assert_gz_match(out: Path) -> None:
    for path in out.rglob("*.*"):
        if path.suffix in (".xml", ".json", ".html", ".opml"):
            packed = path.with_name(path.name + ".gz").read_bytes()
            assert gzip.decompress(packed) == path.read_bytes(), path

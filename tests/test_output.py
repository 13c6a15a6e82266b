"""Atomic writes: complete files or the old ones, untouched when the bytes are the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hnp_feeds import output
from hnp_feeds.errors import SystemFault
from hnp_feeds.output import Writes, commit_later, remove_stale_temporaries, write_atomic


def test_write_creates_directories_and_reports_a_change(tmp_path: Path) -> None:
    target = tmp_path / "tin-moi" / "atom.xml"
    assert write_atomic(target, b"<feed/>") is True
    assert target.read_bytes() == b"<feed/>"
    assert oct(target.stat().st_mode & 0o777) == "0o644"


def test_unchanged_bytes_keep_the_mtime(tmp_path: Path) -> None:
    target = tmp_path / "atom.xml"
    write_atomic(target, b"same")
    os.utime(target, (1_000_000_000, 1_000_000_000))
    assert write_atomic(target, b"same") is False
    assert target.stat().st_mtime == 1_000_000_000
    assert write_atomic(target, b"different") is True
    assert target.stat().st_mtime != 1_000_000_000


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "atom.xml"
    write_atomic(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(output.os, "replace", broken_replace)
    with pytest.raises(SystemFault, match=f"^{target}: disk full$"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["atom.xml"]


def test_stale_temporaries_are_removed(tmp_path: Path) -> None:
    (tmp_path / "tin-moi").mkdir()
    (tmp_path / "tin-moi" / ".atom.xml.abc.tmp").write_bytes(b"half")
    (tmp_path / "tin-moi" / "atom.xml").write_bytes(b"whole")
    assert remove_stale_temporaries(tmp_path) == 1
    assert [p.name for p in (tmp_path / "tin-moi").iterdir()] == ["atom.xml"]


def test_files_written_together_are_flushed_first_then_renamed_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``Writes``: every file's bytes on disk before the first rename (flushed at once),
    the renames in the order the files were added; unchanged ones not written."""
    (tmp_path / "same.xml").write_bytes(b"same")
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("F " + Path(os.readlink(f"/proc/self/fd/{fd}")).name.split(".")[1])
        real_fsync(fd)

    def replace(source: str, target: str) -> None:
        events.append(f"R {Path(target).stem}")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    names = ["c", "a", "same", "b"]
    unsynced: set[Path] = set()
    with Writes(unsynced) as writes:
        added = [writes.add(tmp_path / f"{name}.xml", name.encode()) for name in names]
        assert not events  # nothing flushed or renamed before the end
    assert added == [True, True, False, True]
    assert sorted(events[:3]) == ["F a", "F b", "F c"]
    assert events[3:] == ["R c", "R a", "R b"]
    assert unsynced == {tmp_path}  # the directory synced by the caller, once
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        f"{name}.xml": name.encode() for name in names
    }


def test_writes_committed_later_go_in_place_in_order_synced_and_say_what_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``commit_later``: in a thread, one ``Writes`` after the other, each file flushed
    before its rename, the directories synced; a refused rename raised by the result,
    leaving the old file and no temporary."""
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        real_fsync(fd)
        name = Path(os.readlink(f"/proc/self/fd/{fd}")).name
        events.append(f"D {name}" if os.path.isdir(f"/proc/self/fd/{fd}") else f"F {name}")

    def replace(source: str, target: str) -> None:
        events.append(f"R {Path(target).name}")
        if Path(target).name == "refused.xml":
            raise PermissionError(13, "Permission denied")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    folder = tmp_path / "tin-moi"
    first, second = Writes(set(), later=True), Writes(set(), later=True)
    first.add(folder / "a.xml", b"a")
    second.add(folder / "b.xml", b"b")
    done = [commit_later(first), commit_later(second)]
    for future in done:
        future.result()
    renames = [e for e in events if e.startswith("R ")]
    assert renames == ["R a.xml", "R b.xml"]
    for name in ("a.xml", "b.xml"):
        flushed = next(i for i, e in enumerate(events) if e.startswith(f"F .{name}."))
        assert flushed < events.index(f"R {name}") < events.index("D tin-moi", flushed)
    assert first.unsynced == second.unsynced == set()  # synced, and emptied
    (folder / "refused.xml").write_bytes(b"old")
    refused = Writes(set(), later=True)
    refused.add(folder / "refused.xml", b"new")
    with pytest.raises(SystemFault, match="refused.xml"):
        commit_later(refused).result()
    assert (folder / "refused.xml").read_bytes() == b"old"
    assert sorted(p.name for p in folder.iterdir()) == ["a.xml", "b.xml", "refused.xml"]

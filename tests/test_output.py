"""Atomic writes: complete files or the old ones, untouched when the bytes are the same."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hnp_feeds import output
from hnp_feeds.errors import SystemFault
from hnp_feeds.output import remove_stale_temporaries, write_atomic


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

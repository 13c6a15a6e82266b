"""Writing published files so that no reader ever sees half of one.

Each file goes to a temporary file in the same directory, is flushed to disk and renamed
over the old one (rename is atomic on POSIX within a file system).  A file whose bytes are
already there is not touched, so its mtime, and the ``Last-Modified`` served from it, stay.
A write the system refuses (disk full, read-only) is a ``SystemFault`` naming the file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import SystemFault


def write_atomic(path: Path, data: bytes, unsynced: set[Path] | None = None) -> bool:
    """Put ``data`` at ``path`` atomically; False (and nothing written) when unchanged.

    The rename is made durable by syncing the directory: now, or, given ``unsynced``, by
    the caller once for all the files it wrote there (``sync_dirs``), before it records
    them as published."""
    try:
        return _write_atomic(path, data, unsynced)
    except OSError as exc:
        raise SystemFault.of(exc, path) from exc


def sync_dirs(unsynced: set[Path]) -> None:
    """Sync each directory of ``unsynced`` once (the renames into it become durable), and
    empty it."""
    for directory in sorted(unsynced):
        _fsync_dir(directory)
    unsynced.clear()


def _write_atomic(path: Path, data: bytes, unsynced: set[Path] | None) -> bool:
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    if unsynced is None:
        _fsync_dir(path.parent)
    else:
        unsynced.add(path.parent)
    return True


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (POSIX: the directory entry must be flushed too)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(directory: Path) -> int:
    """Delete temporary files left by a run that was killed mid-write; returns how many."""
    removed = 0
    if directory.is_dir():
        for leftover in directory.rglob(".*.tmp"):
            leftover.unlink(missing_ok=True)
            removed += 1
    return removed

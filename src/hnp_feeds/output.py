"""Writing published files so that no reader ever sees half of one.

Each file goes to a temporary file in the same directory, is flushed to disk and renamed
over the old one (rename is atomic on POSIX within a file system).  A file whose bytes are
already there is not touched, so its mtime, and the ``Last-Modified`` served from it, stay.
A write the system refuses (disk full, read-only) is a ``SystemFault`` naming the file.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import SystemFault

if TYPE_CHECKING:  # the threads only when a file is written
    from concurrent.futures import Future, ThreadPoolExecutor

#: Threads that flush the files of one ``Writes`` to disk at once (``io_threads``).
_IO_THREADS = 8
#: Files a ``Writes`` holds open at most: the first ones put in place when it has that many.
_STAGED = 64
#: The same for a ``Writes`` put in place later (``commit_later``): a batch of documents
#: (``publish.run.BATCH``) and their ``.gz``, put in place in one go.
_STAGED_LATER = 128


def write_atomic(path: Path, data: bytes, unsynced: set[Path] | None = None) -> bool:
    """Put ``data`` at ``path`` atomically; False (and nothing written) when unchanged.

    The rename is made durable by syncing the directory: now, or, given ``unsynced``, by
    the caller once for all the files it wrote there (``sync_dirs``), before it records
    them as published."""
    with Writes(unsynced) as writes:
        return writes.add(path, data)


def sync_dirs(unsynced: set[Path]) -> None:
    """Sync each directory of ``unsynced`` once (the renames into it become durable), and
    empty it."""
    for directory in sorted(unsynced):
        _fsync_dir(directory)
    unsynced.clear()


class Writes:
    """Files put in place together, each as ``write_atomic`` puts one: written to a
    temporary file beside it, flushed to disk, renamed over it, in the order they were
    added.  All are flushed before the first rename, at once (in threads: the file system
    commits them in one go, where one after the other each waits for its own commit); a
    run killed anywhere leaves each file old or new, complete, as with one at a time.
    Used as a context: the files go in place at its end (and every ``_STAGED`` files),
    unless it ends in an error (then none that was not yet, and no temporary file stays).
    ``unsynced``: see ``write_atomic``."""

    def __init__(self, unsynced: set[Path] | None = None, *, later: bool = False) -> None:
        self.unsynced = unsynced
        self.staged: list[tuple[Path, str, int]] = []  # target, temporary file, open fd
        self.most = _STAGED_LATER if later else _STAGED

    def __enter__(self) -> Writes:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.discard()

    def add(self, path: Path, data: bytes) -> bool:
        """``data`` to go to ``path``; False (nothing to write) when already there."""
        try:
            try:
                if path.stat().st_size == len(data) and path.read_bytes() == data:
                    return False
            except FileNotFoundError:
                pass
            fd, tmp_name = _temporary(path)
            self.staged.append((path, tmp_name, fd))
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError as exc:
            self.discard()
            raise SystemFault.of(exc, path) from exc
        if len(self.staged) >= self.most:
            self.commit()
        return True

    def commit(self) -> None:
        """Every file added put in place (see the class)."""
        try:
            if len(self.staged) > 1:
                list(io_threads().map(_flush, self.staged))
            else:
                for file in self.staged:
                    _flush(file)
        except BaseException:
            self.discard()
            raise
        staged, self.staged = self.staged, []
        for _, _, fd in staged:
            os.close(fd)
        for done, (path, tmp_name, _) in enumerate(staged):
            try:
                os.chmod(tmp_name, 0o644)
                os.replace(tmp_name, path)
            except BaseException as exc:
                for _, later, _ in staged[done:]:
                    Path(later).unlink(missing_ok=True)
                if isinstance(exc, OSError):
                    raise SystemFault.of(exc, path) from exc
                raise
            if self.unsynced is None:
                _fsync_dir(path.parent)
            else:
                self.unsynced.add(path.parent)

    def discard(self) -> None:
        """The files added and not in place yet forgotten (their temporary files gone)."""
        for _, tmp_name, fd in self.staged:
            with contextlib.suppress(OSError):
                os.close(fd)
            Path(tmp_name).unlink(missing_ok=True)
        self.staged = []


def commit_later(writes: Writes) -> Future[None]:
    """``writes`` put in place and the directories they went into synced (its
    ``unsynced``, emptied), in a thread, while the caller goes on: the caller waits for
    the result before it records them as published.  Writes given to it go in place in
    the order given, one after the other."""
    global _committer
    if _committer is None:
        from concurrent.futures import ThreadPoolExecutor

        _committer = ThreadPoolExecutor(1, thread_name_prefix="hnp-feeds-commit")

    def commit() -> None:
        try:
            writes.commit()
        finally:
            if writes.unsynced is not None:
                sync_dirs(writes.unsynced)

    return _committer.submit(commit)


_pool: ThreadPoolExecutor | None = None
_committer: ThreadPoolExecutor | None = None


def io_threads() -> ThreadPoolExecutor:
    """The threads for work that lets go of the GIL: flushing files (``Writes``), gzip
    (``precompress``).  Started once (each start costs a wait for the scheduler, on a
    loaded machine a millisecond), stopped before this process forks.  Work given to
    them never waits on them (no deadlock)."""
    global _pool
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor

        _pool = ThreadPoolExecutor(_IO_THREADS, thread_name_prefix="hnp-feeds-io")
    return _pool


def _stop_threads() -> None:
    """No thread of the pools lives on in a forked child (the render workers)."""
    global _pool, _committer
    if _committer is not None:
        _committer.shutdown(wait=True)
        _committer = None
    if _pool is not None:
        _pool.shutdown(wait=True)
        _pool = None


os.register_at_fork(before=_stop_threads)


#: Numbers the temporary files of this process (``_temporary``).
_serial = itertools.count()


def _temporary(path: Path) -> tuple[int, str]:
    """A new temporary file beside ``path`` (its folder made if missing), open for
    writing, readable by its owner alone (as ``tempfile.mkstemp`` makes one): named by
    this process and a serial, never one that is there (``O_EXCL``), and ``.*.tmp`` as
    ``remove_stale_temporaries`` finds them."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    while True:
        name = f"{path.parent}{os.sep}.{path.name}.{os.getpid()}-{next(_serial)}.tmp"
        try:
            return os.open(name, flags, 0o600), name
        except FileExistsError:  # (left by a killed process of the same id)
            continue
        except FileNotFoundError:  # (the folder is not there yet)
            path.parent.mkdir(parents=True, exist_ok=True)


def _flush(file: tuple[Path, str, int]) -> None:
    path, _, fd = file
    try:
        os.fsync(fd)
    except OSError as exc:
        raise SystemFault.of(exc, path) from exc


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

"""Two runs never overlap: an exclusive ``flock`` on ``<store>.lock``."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LockBusy


@contextmanager
def publish_lock(store_path: Path) -> Iterator[int]:
    """Hold ``<store>.lock`` for the run (yields its descriptor); LockBusy at once if
    another run holds it.  ``flock`` is released when the process dies, even by SIGKILL.
    """
    lock_path = store_path.with_name(store_path.name + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockBusy(f"{lock_path}: another publish is running") from None
        yield fd
    finally:
        os.close(fd)

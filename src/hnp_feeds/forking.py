"""Worker processes forked from a run: they die with it and keep none of its locks.

Used by the render workers (``publish.workers``) and the door's (``adapters.parallel``)."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def default_processes() -> int:
    """Worker processes a run forks unless told: one per CPU, at most 4."""
    return min(os.cpu_count() or 1, 4)


def can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def worker_start(parent: int, lock_fd: int | None = None) -> None:
    """A worker dies with its parent (a SIGKILLed publish leaves no orphan holding the
    lock file open) and does not keep its own copy of the lock."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the worker still exits with the pool
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    if lock_fd is not None:
        with contextlib.suppress(OSError):
            os.close(lock_fd)


def pool(
    processes: int,
    initializer: Callable[..., None] = worker_start,
    initargs: tuple[Any, ...] | None = None,
) -> ProcessPoolExecutor:
    """``processes`` workers forked from this one, each begun by ``initializer`` (by
    default ``worker_start``: they die with it) given ``initargs`` (by default this
    process's pid).  The one way the door, the renderers and related posts fork theirs."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        processes,
        mp_context=multiprocessing.get_context("fork"),
        initializer=initializer,
        initargs=(os.getpid(),) if initargs is None else initargs,
    )

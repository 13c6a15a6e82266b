"""The render processes of one run: forked once, and only when it pays.

A worker that dies (the OOM killer's SIGKILL) breaks the pool: the run stops at once with
``WorkerDied`` (``concurrent.futures`` notices the death; ``multiprocessing.Pool`` would
wait for the lost job for ever, holding the lock)."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..errors import HnpFeedsError
from ..model import Site
from .render import Rendered, RenderJob, Validate, render_job

PR_SET_PDEATHSIG = 1  # linux/prctl.h
#: Below this many jobs, forking workers costs more than it saves.
MIN_PARALLEL_JOBS = 4

# Set in the publishing process just before the workers are forked from it.
_CONTEXT: tuple[Site, Validate] | None = None


class WorkerDied(HnpFeedsError):
    """A render process died (killed, out of memory): the run stops, nothing more written."""


def _render_in_worker(job: RenderJob) -> Rendered:
    assert _CONTEXT is not None
    site, validate = _CONTEXT
    return render_job(job, site, validate)


class Workers:
    """``render`` maps jobs to results in order: in ``processes`` forked workers when there
    is enough work (and more than one is wanted), in this process otherwise."""

    def __init__(
        self, site: Site, validate: Validate, processes: int, work: int, lock_fd: int | None
    ) -> None:
        self.site = site
        self.validate = validate
        self.processes = processes
        self.lock_fd = lock_fd
        self.parallel = processes >= 2 and work >= MIN_PARALLEL_JOBS and _can_fork()
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        global _CONTEXT
        _CONTEXT = (self.site, self.validate)  # inherited by the workers
        return self

    def __exit__(self, *exc: object) -> None:
        global _CONTEXT
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        _CONTEXT = None

    def render(self, jobs: Sequence[RenderJob]) -> Iterator[Rendered]:
        """Each job rendered and validated, results in order, as they come."""
        if not self.parallel or len(jobs) < 2:
            return (render_job(job, self.site, self.validate) for job in jobs)
        if self.pool is None:
            _warm_up()
            self.pool = ProcessPoolExecutor(
                self.processes,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_worker_start,
                initargs=(os.getpid(), self.lock_fd),
            )
        return _results(self.pool, jobs)


def _results(pool: ProcessPoolExecutor, jobs: Sequence[RenderJob]) -> Iterator[Rendered]:
    try:
        yield from pool.map(_render_in_worker, jobs)
    except BrokenProcessPool:
        raise WorkerDied(
            "a render worker died (killed, or out of memory?); the run stopped, the files"
            " not yet written keep their previous version; the next run takes it up"
        ) from None


def _worker_start(parent: int, lock_fd: int | None) -> None:
    """A worker dies with its parent (a SIGKILLed publish leaves no orphan holding the
    lock file open) and does not keep its own copy of the lock."""
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


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _warm_up() -> None:
    """Import the validators before forking, so no worker waits on an import lock held
    by another thread of the parent at fork time."""
    from ..validator import atom, jsonfeed, rss  # noqa: F401

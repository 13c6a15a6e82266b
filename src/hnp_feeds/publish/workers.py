"""The render processes of one run: forked once, and only when it pays.

A worker that dies (the OOM killer's SIGKILL) breaks the pool: the run stops at once with
``WorkerDied`` (``concurrent.futures`` notices the death; ``multiprocessing.Pool`` would
wait for the lost job for ever, holding the lock)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from .. import forking
from ..errors import HnpFeedsError
from ..forking import can_fork
from ..model import Site
from ..precompress import gzip_bytes
from ..store import CachedEntry
from .render import EntryJob, Rendered, RenderJob, Validate, render_entries, render_job

if TYPE_CHECKING:  # multiprocessing only when forking: a small run renders here
    from concurrent.futures import ProcessPoolExecutor

Job = TypeVar("Job")
Done = TypeVar("Done")

#: Below this many jobs, forking workers costs more than it saves.
MIN_PARALLEL_JOBS = 4
#: A run of no more documents than this (one batch of ``run.BATCH``: no rendering of a
#: next batch to overlap with the writing of this one), with no more entries than
#: ``SMALL_RUN_ENTRIES`` to render afresh, is rendered in this process when the number of
#: processes is left to the run (a cron run's ~20 documents assembled from kept entries):
#: forking, feeding and waiting for the workers costs more CPU than it saves, and as much
#: time.  Measured on the 100,000-article portal (bench_publish): README, "Cron runs".
SMALL_RUN_DOCUMENTS = 32
SMALL_RUN_ENTRIES = 100

#: Bytes the pipes between this process and its workers hold (Linux's limit for a process
#: without privileges, ``/proc/sys/fs/pipe-max-size``; 64 KB by default): a worker writes
#: a rendered document (its files, their ``.gz`` and its entries: ~0.3 MB for an archive
#: page) at once and goes on with the next, rather than 64 KB at a time, each time waiting
#: for this process's reading thread to get its turn.  Measured on the 10,000-article
#: portal: a worker's time handing results back halved, its idle share 19 % -> 14 %.
PIPE_BYTES = 1 << 20

# Set in the publishing process just before the workers are forked from it.
_CONTEXT: tuple[Site, Validate] | None = None


class WorkerDied(HnpFeedsError):
    """A render process died (killed, out of memory): the run stops, nothing more written."""


def _worker_start(parent: int, lock_fd: int | None) -> None:
    """``forking.worker_start``, then what this process holds from its parent frozen out of
    the garbage collector's reach (``gc.freeze``): never garbage (the parent keeps it), it
    was walked by every full collection in each worker, for nothing."""
    import gc

    forking.worker_start(parent, lock_fd)
    gc.freeze()


def _render_in_worker(job: RenderJob) -> Rendered:
    assert _CONTEXT is not None
    return render_job(job, *_CONTEXT)


def _entries_in_worker(job: EntryJob) -> tuple[CachedEntry, ...]:
    assert _CONTEXT is not None
    return render_entries(job, *_CONTEXT)


def sitemap_files(lines: Sequence[tuple[str, str]]) -> tuple[bytes, bytes]:
    """A sitemap page of ``lines`` (``sitemaps.render_sitemap``) and its ``.gz``."""
    from ..sitemaps import render_sitemap

    data = render_sitemap(lines)
    return data, gzip_bytes(data)


class Workers:
    """``render`` and ``render_entries`` map jobs to results in order: in ``processes``
    forked workers once ``start`` was told of enough work (and more than one process is
    wanted), in this process otherwise.

    Enough work: ``MIN_PARALLEL_JOBS`` jobs when ``small_run`` is False (a number of
    processes asked for); else more documents than ``SMALL_RUN_DOCUMENTS`` or more
    entries to render than ``SMALL_RUN_ENTRIES``."""

    def __init__(
        self,
        site: Site,
        validate: Validate,
        processes: int,
        lock_fd: int | None,
        small_run: bool = False,
    ) -> None:
        self.site = site
        self.validate = validate
        self.processes = processes
        self.lock_fd = lock_fd
        self.small_run = small_run
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

    def start(self, work: int, entries: int = 0) -> None:
        """Fork the workers now if ``work`` documents (or ``entries`` entries to render
        afresh) are coming and they pay: as early as it is known, since each worker's
        memory begins as a copy of this process's."""
        if self.pool is not None or self.processes < 2 or not self._pays(work, entries):
            return
        if not can_fork():
            return
        _warm_up()
        self.pool = forking.pool(
            self.processes, _worker_start, initargs=(os.getpid(), self.lock_fd)
        )
        _widen_pipes(self.pool)
        # The pool forks its workers at its first job, not when it is made: one now.
        self.pool.submit(int)

    def _pays(self, work: int, entries: int) -> bool:
        if not self.small_run:
            return work >= MIN_PARALLEL_JOBS
        return work > SMALL_RUN_DOCUMENTS or entries > SMALL_RUN_ENTRIES

    @property
    def parallel(self) -> bool:
        """Whether jobs go to forked workers (else they run here, one by one, when their
        results are asked)."""
        return self.pool is not None

    def render(self, jobs: Sequence[RenderJob]) -> Iterator[Rendered]:
        """Each document rendered and validated, results in order, as they come; with
        workers, every job is handed to them at once, before the first result is asked."""
        if self.pool is None or len(jobs) < 2:
            return (render_job(job, self.site, self.validate) for job in jobs)
        return _results(self.pool, _render_in_worker, jobs)

    def render_entries(self, jobs: Sequence[EntryJob]) -> Iterator[tuple[CachedEntry, ...]]:
        """The entries of each job rendered and checked (``render.render_entries``)."""
        if self.pool is None or len(jobs) < 2:
            return (render_entries(job, self.site, self.validate) for job in jobs)
        return _results(self.pool, _entries_in_worker, jobs)

    def render_sitemap(self, lines: Sequence[tuple[str, str]]) -> Callable[[], tuple[bytes, bytes]]:
        """``sitemap_files`` of ``lines``, when asked: handed to the workers now when
        forked (then asked before they stop, ``__exit__``), else rendered here then."""
        if self.pool is None:
            return lambda: sitemap_files(lines)
        from concurrent.futures.process import BrokenProcessPool

        try:
            future = self.pool.submit(sitemap_files, lines)
        except BrokenProcessPool:
            raise _died() from None

        def result() -> tuple[bytes, bytes]:
            try:
                return future.result()
            except BrokenProcessPool:
                raise _died() from None

        return result


def _results(
    pool: ProcessPoolExecutor, work: Callable[[Job], Done], jobs: Sequence[Job]
) -> Iterator[Done]:
    """The jobs handed to the workers now (they start on them while the caller does
    something else, the next batch's reads say), their results as they come."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        done = pool.map(work, jobs)
    except BrokenProcessPool:
        raise _died() from None
    return _checked(done)


def _checked(done: Iterator[Done]) -> Iterator[Done]:
    from concurrent.futures.process import BrokenProcessPool

    try:
        yield from done
    except BrokenProcessPool:
        raise _died() from None


def _died() -> WorkerDied:
    return WorkerDied(
        "a render worker died (killed, or out of memory?); the run stopped, the files"
        " not yet written keep their previous version; the next run takes it up"
    )


def _widen_pipes(pool: ProcessPoolExecutor) -> None:
    """The pool's pipes (its jobs, its results) made to hold ``PIPE_BYTES``, where the
    system allows it (Linux); as they are otherwise.  The pipes are the pool's own
    (``concurrent.futures.process``: a ``Queue`` and a ``SimpleQueue``, each with a
    ``_reader`` connection): a Python without them is left as it is."""
    import fcntl

    resize = getattr(fcntl, "F_SETPIPE_SZ", None)
    for queue in (getattr(pool, "_call_queue", None), getattr(pool, "_result_queue", None)):
        reader = getattr(queue, "_reader", None)
        if resize is None or reader is None:
            continue
        with contextlib.suppress(OSError):
            fcntl.fcntl(reader.fileno(), resize, PIPE_BYTES)


def _warm_up() -> None:
    """Import the validators before forking, so no worker waits on an import lock held
    by another thread of the parent at fork time."""
    from ..validator import atom, jsonfeed, rss  # noqa: F401

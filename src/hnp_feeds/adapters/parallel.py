"""The door in worker processes, for a source of many records (a first ingest's export).

``door`` maps ``work`` over a source's jobs (a raw record and where it is) and gives the
results in the order of the source, with what ``work`` logged while reading each record
(the adapters' warnings) logged again here, just before that record: exactly what
reading them one by one in this process gives.  Below ``THRESHOLD`` jobs (a cron run of
ten records) nothing is forked.  ``work`` never raises for a bad record (it is that
record's ``RecordError``); a worker that dies (killed, out of memory) leaves its records
and the rest to this process.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any, TypeVar

from ..forking import can_fork, default_processes, worker_start
from ..forking import pool as forking_pool
from . import ADAPTER_LOG

if TYPE_CHECKING:
    from concurrent.futures import Future

#: Jobs a source must have before the door forks its workers.
THRESHOLD = 2000
#: Jobs given to a worker at once.
CHUNK = 250
#: Worker processes.
PROCESSES = default_processes()

Job = tuple[Any, ...]
Done = TypeVar("Done")


def door(
    entries: Iterable[Job | Done],
    work: Callable[..., Done | None],
    context: Job = (),
    then: Callable[[Done], Done] | None = None,
) -> Iterator[Done]:
    """``work(*context, *job)`` for each job of ``entries`` (a tuple), in order, leaving out
    what is None (a blank line); an entry that is not a tuple is already done (a record the
    store has read before) and is given as it is, in its place.  ``then`` (a function of
    a module: it is pickled by name) is applied in the workers to each result, for what
    the receiver would otherwise do with it here (``store.prepare_article``); the results
    read in this process are given without it."""
    stream = iter(entries)
    ahead: list[Job | Done] = []
    jobs = 0
    for entry in stream:
        ahead.append(entry)
        jobs += isinstance(entry, tuple)
        if jobs >= THRESHOLD:
            break
    if jobs < THRESHOLD or PROCESSES < 2 or not can_fork():
        yield from _here(ahead, work, context)
        yield from _here(stream, work, context)
        return
    yield from _forked(_chain(ahead, stream), work, context, then)


def _chain(first: list[Job | Done], rest: Iterator[Job | Done]) -> Iterator[Job | Done]:
    yield from first
    first.clear()
    yield from rest


def _here(
    entries: Iterable[Job | Done], work: Callable[..., Done | None], context: Job
) -> Iterator[Done]:
    for entry in entries:
        done = work(*context, *entry) if isinstance(entry, tuple) else entry
        if done is not None:
            yield done


# A chunk's results in order, and what was logged while reading some of them (by their
# place in the chunk): most records log nothing, and are sent without an empty list each.
_Result = tuple[list[Any], dict[int, list[logging.LogRecord]]]


def _forked(
    entries: Iterator[Job | Done],
    work: Callable[..., Done | None],
    context: Job,
    then: Callable[[Done], Done] | None,
) -> Iterator[Done]:
    # Imported here: a cron run's few records never pay for them.
    from concurrent.futures.process import BrokenProcessPool

    pool = forking_pool(PROCESSES, _worker_begins)
    pending: deque[tuple[list[Job | Done], Future[_Result] | None]] = deque()
    broken = False
    try:
        while True:
            chunk = list(islice(entries, CHUNK))
            if not chunk:
                break
            jobs = [entry for entry in chunk if isinstance(entry, tuple)]
            future = None
            if jobs and not broken:
                try:
                    future = pool.submit(_in_worker, work, context, jobs, then)
                except BrokenProcessPool:
                    broken = True
            pending.append((chunk, future))
            while len(pending) > 2 * PROCESSES:
                broken = yield from _finish(*pending.popleft(), work, context, broken)
        while pending:
            broken = yield from _finish(*pending.popleft(), work, context, broken)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _finish(
    chunk: list[Job | Done],
    future: Future[_Result] | None,
    work: Callable[..., Done | None],
    context: Job,
    broken: bool,
) -> Generator[Done, None, bool]:
    """The chunk's results in order, its records' warnings logged before each; read here
    when its worker failed (and every chunk after it, when it died).  Returns whether the
    pool broke."""
    from concurrent.futures.process import BrokenProcessPool

    results: _Result | None = None
    if future is not None:
        try:
            results = future.result()
        except BrokenProcessPool:
            broken = True
        except Exception:  # noqa: BLE001 - a result that could not be sent: read here
            pass
    if results is None:
        yield from _here(chunk, work, context)
        return broken
    items, logged = results
    done = iter(items)
    index = 0
    for entry in chunk:
        if not isinstance(entry, tuple):
            yield entry
            continue
        item = next(done)
        for record in logged.get(index, ()):
            logging.getLogger(record.name).handle(record)
        index += 1
        if item is not None:
            yield item
    return broken


class _Kept(logging.Handler):
    """In a worker: what the adapters log, kept for the parent to log."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # As ``logging.handlers.QueueHandler`` prepares one: the text made, picklable.
        record.msg = record.getMessage()
        record.args = record.exc_info = record.exc_text = None
        self.records.append(record)


_KEPT = _Kept()


def _worker_begins(parent: int) -> None:
    """A door worker dies with its parent; what the adapters log is kept (``_KEPT``), not
    given to the handlers inherited from the parent."""
    worker_start(parent)
    logger = logging.getLogger(ADAPTER_LOG)
    logger.handlers = [_KEPT]
    logger.propagate = False


def _in_worker(
    work: Callable[..., Any], context: Job, jobs: list[Job], then: Callable[[Any], Any] | None
) -> _Result:
    items: list[Any] = []
    logged: dict[int, list[logging.LogRecord]] = {}
    for index, job in enumerate(jobs):
        _KEPT.records = []
        done = work(*context, *job)
        if then is not None and done is not None:
            done = then(done)
        items.append(done)
        if _KEPT.records:
            logged[index] = _KEPT.records
    return items, logged

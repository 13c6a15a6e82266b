"""When the render workers of a publish are busy, and what the publishing process does.

    .venv/bin/python bench/timeline.py <portal folder> [publish options]

runs ``hnp-feeds publish -c hnp-feeds.toml`` in the folder, in this process, with each
worker's jobs and the publishing process's phases noted (monotonic clock, shared by the
processes) in a log beside it (``timeline.log``), and prints: when the workers were forked
and began, each worker's busy and idle share between its fork and the last job, how long
every worker was idle at once (the longest of those spans: where this process kept them
waiting), the time each worker spent handing its results back, the CPU time of each
process, and the phases of this process (wall, CPU, first start and last end).

A measurement tool only: it wraps functions of ``hnp_feeds.publish`` by name (and two of
``concurrent.futures.process``, the worker's loop), so it follows the code it measures.
Copy a store first (a publish writes into the folder); on a loaded machine a worker's
busy time includes the time it waited for a CPU, so compare idle shares, not seconds.
"""

from __future__ import annotations

import atexit
import collections
import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

now = time.monotonic
LOG: Path | None = None
_files: dict[int, Any] = {}
_lock = threading.Lock()

#: The publishing process's phases noted: methods of ``publish.run.Run``.
PHASES = (
    "_pass _tasks _pages_ahead _publish_archive_pages _write_pages _settle_pages _shared_first "
    "_feed_ready _write_feeds _sitemaps _publish_pages _listing _cards _sync _finish"
).split()


def note(kind: str, name: str, start: float, end: float) -> None:
    assert LOG is not None
    with _lock:
        out = _files.get(os.getpid())
        if out is None:
            out = _files[os.getpid()] = LOG.open("a", buffering=1)
        out.write(f"{os.getpid()} {kind} {name} {start:.6f} {end:.6f}\n")


def wrapped(function: Callable[..., Any], kind: str, name: str) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start, cpu = now(), time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            note(kind, name, start, now())
            note("cpu", name, cpu, time.process_time())

    return timed


def instrument() -> None:
    import concurrent.futures.process as pool_process

    from hnp_feeds.publish import run, workers

    for name in ("_render_in_worker", "_entries_in_worker", "sitemap_files"):
        setattr(workers, name, wrapped(getattr(workers, name), "job", name))
    pool_process._sendback_result = wrapped(pool_process._sendback_result, "send", "result")  # type: ignore[attr-defined]
    for name in PHASES:
        setattr(run.Run, name, wrapped(getattr(run.Run, name), "phase", name))
    start = workers.Workers.start

    def forking(self: Any, *args: Any, **kwargs: Any) -> None:
        had = self.pool is not None
        start(self, *args, **kwargs)
        if not had and self.pool is not None:
            note("mark", "forked", now(), now())

    workers.Workers.start = forking  # type: ignore[method-assign]


def report(log: Path, parent: int) -> None:
    rows = [line.split() for line in log.read_text().splitlines()]
    events = [(int(p), kind, name, float(a), float(b)) for p, kind, name, a, b in rows]
    timed = [e for e in events if e[1] != "cpu"]
    begin = min(e[3] for e in timed)
    end = max(e[4] for e in timed if e[0] == parent)
    jobs = sorted((e for e in events if e[1] == "job"), key=lambda e: e[3])
    print(f"publish: {end - begin:.2f} s (from its first phase)")
    if not jobs:
        print("no job in workers (rendered in this process)")
        return
    forked = min((e[3] for e in events if e[2] == "forked"), default=jobs[0][3])
    last = max(e[4] for e in jobs)
    print(f"workers forked at {forked - begin:.2f} s, first job {jobs[0][3] - begin:.2f} s,"
          f" last job ended {last - begin:.2f} s")  # fmt: skip
    busy: dict[int, float] = collections.defaultdict(float)
    for pid, _, _, a, b in jobs:
        busy[pid] += b - a
    span = last - forked
    for pid in sorted(busy):
        print(f"  worker {pid}: busy {busy[pid]:.2f} s of {span:.2f} s,"
              f" idle {100 * (1 - busy[pid] / span):.1f} %")  # fmt: skip
    whole = len(busy) * (end - begin)
    print(f"workers idle over the whole publish: {100 * (1 - sum(busy.values()) / whole):.1f} %")
    edges = sorted([(a, 1) for *_, a, _ in jobs] + [(b, -1) for *_, b in jobs])
    running, since, idle = 0, forked, []
    for moment, step in edges:
        if running == 0 and moment > since:
            idle.append((moment - since, since - begin))
        running += step
        if running == 0:
            since = moment
    if end > since and running == 0:
        idle.append((end - since, since - begin))
    longest = ", ".join(f"{length:.2f} s at {at:.1f} s" for length, at in sorted(idle)[::-1][:5])
    print(
        f"every worker idle at once: {sum(length for length, _ in idle):.2f} s; longest {longest}"
    )
    sent: dict[int, float] = collections.defaultdict(float)
    for pid, kind, _, a, b in events:
        if kind == "send":
            sent[pid] += b - a
    print("handing results back: " + ", ".join(f"{p} {s:.2f} s" for p, s in sorted(sent.items())))
    cpu: dict[int, float] = collections.defaultdict(float)
    for pid, kind, name, a, b in events:
        if kind == "cpu" and (pid != parent and name != "result" or name == "_pass"):
            cpu[pid] += b - a
    used = ", ".join(
        f"{'publishing process' if p == parent else p} {c:.2f} s" for p, c in sorted(cpu.items())
    )
    print(f"CPU in the jobs (workers), in the pass (this process, its threads too): {used}")
    phases: dict[str, list[float]] = {}
    for pid, kind, name, a, b in events:
        if pid == parent and kind in ("phase", "cpu") and name in PHASES:
            got = phases.setdefault(name, [0.0, 0.0, a, b])
            if kind == "phase":
                got[0] += b - a
                got[2], got[3] = min(got[2], a), max(got[3], b)
            else:
                got[1] += b - a
    print("phases of the publishing process (nested; wall, CPU, first start .. last end):")
    for name, (wall, used, a, b) in sorted(phases.items(), key=lambda item: item[1][2]):
        print(f"  {name:24} {wall:7.2f} s {used:7.2f} s  {a - begin:7.2f} .. {b - begin:7.2f}")


def main() -> int:
    global LOG
    folder = Path(sys.argv[1]).resolve()
    LOG = folder / "timeline.log"
    LOG.unlink(missing_ok=True)
    os.chdir(folder)
    instrument()
    from hnp_feeds.cli import main as cli

    sys.argv = ["hnp-feeds", "publish", "-c", "hnp-feeds.toml", *sys.argv[2:]]
    parent = os.getpid()
    atexit.register(lambda: report(LOG, parent) if os.getpid() == parent and LOG else None)
    return int(cli() or 0)


if __name__ == "__main__":
    sys.exit(main())

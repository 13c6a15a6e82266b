"""How the benches measure a command: wall time of a fresh process (start-up included), its
CPU time (with its workers') and the peak RSS of its whole process tree (the command and
every worker it forks), polled from /proc, beside the machine's load average.  RSS counts
a page a forked worker shares with its parent once in each; PSS (``smaps_rollup``) shares
it out, so the tree's PSS is the memory it really holds.

    from measure import load_average, run_measured
    done = run_measured(["hnp-feeds", "publish", "-c", "hnp-feeds.toml"], cwd=portal)
    done.seconds, done.cpu_seconds, done.peak_tree_mb, done.peak_tree_pss_mb, done.stdout
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

#: Seconds between two looks at the process tree's RSS (``statm``: a counter, cheap).
POLL = 0.01
#: Seconds between two looks at its PSS.  ``smaps_rollup`` walks every page table of the
#: process under its memory map's lock: read every 10 ms, it slowed a 660 MB process
#: (the naive cron job) by 1.4-3.5 s of 5.3 s, and so every figure of a large process.
PSS_POLL = 0.25
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Measured:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    #: The largest sum of the RSS of the process and all its descendants seen at once.
    peak_tree_mb: float
    #: User + system CPU seconds of the process and the descendants it waited for (its
    #: render and door workers): what a loaded machine does not inflate as it does the wall.
    cpu_seconds: float = 0.0
    #: The largest sum of their PSS seen at once (shared pages counted once in all).
    peak_tree_pss_mb: float = 0.0


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages, and its CPUs."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def bench_env() -> dict[str, str]:
    """The environment of a measured command: bytecode cached as in production (a
    ``PYTHONDONTWRITEBYTECODE`` of the shell would compile every module at every start)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as handle:
            return int(handle.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


def run_measured(
    args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> Measured:
    """Run ``args`` to its end; its wall time and the peak RSS of its process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        args, cwd=cwd, env=env or bench_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    peak = peak_pss = 0
    done = threading.Event()

    def poll() -> None:
        nonlocal peak, peak_pss
        pss_due = 0.0
        while not done.is_set():
            tree = _tree(process.pid)
            peak = max(peak, sum(_rss(pid) for pid in tree))
            if time.perf_counter() >= pss_due:
                peak_pss = max(peak_pss, sum(_pss(pid) for pid in tree))
                pss_due = time.perf_counter() + PSS_POLL
            time.sleep(POLL)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Measured(
        seconds, process.returncode, stdout, stderr, peak / 2**20, cpu, peak_pss / 2**20
    )

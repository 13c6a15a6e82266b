"""publish killed with SIGKILL at many points, and two publishes started at once.

After every kill each published file must be complete and valid (and link only to files
that are there), each ``.gz`` the compressed bytes of a complete, valid document (its
file's, or -- when the run was cut short between the two -- the next one's, never an older
one: the file is then still what it was before that run), the killed
run's render workers gone, and the store must open and be consistent; the next run that
completes must leave every ``.gz`` matching its file; at the end an uninterrupted run must
give the same feeds as a publish of the same records into a fresh store.

Most runs are children forked from this (already warm) process that call the CLI in
process, so a kill costs no interpreter start-up.  Half of them are SIGKILLed from here
after a delay spread over a run; the other half SIGKILL themselves just before or after
their n-th event -- a file put in place (``os.replace``), flushed (``os.fsync``) or a store
commit, hooked in the child only -- so that kills land mid-write however fast or loaded the
machine is.  Two runs are the real entry point in a new interpreter, killed at a delay
after its start-up.  No assertion depends on where the kills happen to fall.  The
randomness is seeded (``HNP_CRASH_SEED`` picks another seed); a failure names the seed, the
round, how that run was stopped and its last events.

Documents are validated once per distinct content, while this process waits for the next
run (``Checker``); the cheap checks (complete, links, ``.gz``) are made right after each run.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import feedparser
import pytest
from lxml import etree

from hnp_feeds import cli
from hnp_feeds.cli import ExitCode
from hnp_feeds.publish import workers
from hnp_feeds.store import open_store
from hnp_feeds.validator import validate

from .portal import portal_toml, record, write_records

KILLS = 60
ARTICLES = 60
SEED = int(os.environ.get("HNP_CRASH_SEED", "20260526"))
FEEDS_URL = "https://hnp.example.vn/feeds/"
CLI = [sys.executable, "-c", "from hnp_feeds.cli import app; app()"]
# What publish gives a .gz sibling (precompress.COMPRESSIBLE_SUFFIXES, as published here).
COMPRESSED = {".xml", ".json", ".html", ".opml"}
ATOM = "{http://www.w3.org/2005/Atom}"


def round_records(round_no: int) -> list[dict[str, Any]]:
    """The portal's export after ``round_no`` rounds of editing: every round edits 15
    articles (each edit moves ``updated``), adds one and retracts one every third round.
    Deterministic, so a fresh store can be given the same final state."""
    records = []
    for n in range(ARTICLES + round_no):
        edits = [r for r in range(1, round_no + 1) if (n - r * 7) % ARTICLES < 15]
        changes: dict[str, Any] = {}
        if n >= ARTICLES:
            changes["published"] = f"2022-06-29 {(n - ARTICLES) % 24:02d}:30"
        if edits:
            last = edits[-1]
            changes["title"] = f"Bài viết số {n}, bản sửa {len(edits)}"
            changes["updated"] = f"2022-07-{1 + last // 24:02d} {last % 24:02d}:00"
        if any(r % 3 == 0 and (r * 13) % ARTICLES == n for r in range(1, round_no + 1)):
            changes["status"] = "retracted"
        records.append(record(n, **changes))
    return records


def publish_args(portal: Path, source: Path) -> list[str]:
    return ["publish", "-c", str(portal / "hnp-feeds.toml"), str(source)]


# Archives on (pages of 10: the main feed and each category feed have full pages, so kills
# land among page writes too); records bring the one related link the site asks for, so
# a fresh store computes none differently; RFC 6721 tombstones on, so retractions write them.
SITE: dict[str, int | bool] = {"archive_page_size": 10, "related_count": 1, "tombstones": True}


# -- the store (its reader's one use here: adapt this if it is renamed) --


@contextlib.contextmanager
def store_at(path: Path) -> Iterator[Any]:
    with open_store(path) as store:
        yield store


def check_store(path: Path, *, settled: bool = False) -> bool:
    """The store opens and is consistent (with ``settled``: no publish cut short in it);
    True when a publish was cut short in it."""
    if not path.exists():
        return False
    with store_at(path) as store:
        assert store.check() == []
        cut_short = bool(store.dirty_keys())
    assert not (settled and cut_short), "a completed run left dirty keys"
    return cut_short


# -- runs: children forked from this process calling the CLI, or the real entry point --


@dataclass(frozen=True)
class Trap:
    """Where a forked run stops: just before or just after its ``event``-th event (a file
    put in place, an ``fsync`` or a store commit; with ``only``, the events that regular
    expression matches).  It SIGKILLs itself there, or with ``pause`` reports ``P`` and
    waits for a byte on that descriptor, then goes on."""

    event: int
    when: Literal["before", "after"]
    pause: int | None = None
    only: str = ""

    def __str__(self) -> str:
        which = f" matching {self.only!r}" if self.only else ""
        return f"{self.when} its event {self.event}{which}"


@dataclass
class Run:
    """How a run ended (``returncode`` -9: SIGKILLed) and what it did, in order: ``R
    <file>`` a file put in place, ``F <file>`` one flushed to disk, ``C`` a store commit;
    ``! <event>``: killed just before that one."""

    how: str
    returncode: int
    pid: int
    events: list[str] = field(default_factory=list)
    times: list[int] = field(default_factory=list)  # CLOCK_MONOTONIC ns of each event
    stdout: str = ""
    stderr: str = ""

    @property
    def killed(self) -> bool:
        return self.returncode == -signal.SIGKILL

    def __str__(self) -> str:
        tail = "; ".join(self.events[-3:]) or "none"
        err = f"\nstderr: {self.stderr[-3000:]}" if self.stderr.strip() else ""
        return f"{self.how}: exit {self.returncode}, {len(self.events)} events (last: {tail}){err}"


def hook_events(
    report: Callable[[str], None],
    trap: Trap | None,
    out: Path,
    patch: Callable[[Any, str, Any], None] = setattr,
) -> None:
    """Every file put in place or flushed (``os.fsync``) and every store commit of this
    process becomes an event given to ``report``; ``trap`` fires at its event.  Done in a
    forked child (or under a MonkeyPatch): the render workers it forks pass through."""
    me = os.getpid()
    seen = 0

    def stop(label: str) -> None:
        assert trap is not None
        if trap.pause is None:
            if trap.when == "before":
                report(f"! {label}")
            os.kill(me, signal.SIGKILL)
        report("P")
        os.read(trap.pause, 1)

    def event(label: str, action: Callable[[], Any]) -> Any:
        nonlocal seen
        if os.getpid() != me:
            return action()
        fire = False
        if trap is not None and re.match(trap.only, label):
            seen += 1
            fire = seen == trap.event
        if fire and trap.when == "before":  # type: ignore[union-attr]
            stop(label)
        result = action()
        report(label)
        if fire and trap.when == "after":  # type: ignore[union-attr]
            stop(label)
        return result

    def named(path: Path) -> str:
        return path.relative_to(out).as_posix() if path.is_relative_to(out) else str(path)

    real_replace, real_rename, real_fsync = os.replace, os.rename, os.fsync
    real_connect = sqlite3.connect

    def replace(src: Any, dst: Any, **kw: Any) -> None:
        event(f"R {named(Path(os.fsdecode(dst)))}", lambda: real_replace(src, dst, **kw))

    def rename(src: Any, dst: Any, **kw: Any) -> None:
        event(f"R {named(Path(os.fsdecode(dst)))}", lambda: real_rename(src, dst, **kw))

    def fsync(fd: Any) -> None:
        try:
            path = Path(os.readlink(f"/proc/self/fd/{fd if isinstance(fd, int) else fd.fileno()}"))
        except OSError:
            path = Path("?")
        event(f"F {named(path)}", lambda: real_fsync(fd))

    class Connection(sqlite3.Connection):
        def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
            run = super().execute
            if sql.strip().upper() in ("COMMIT", "END", "COMMIT TRANSACTION", "END TRANSACTION"):
                return event("C", lambda: run(sql, *args))  # type: ignore[no-any-return]
            return run(sql, *args)

        def commit(self) -> None:
            event("C", super().commit)

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        kwargs.setdefault("factory", Connection)
        return real_connect(*args, **kwargs)

    patch(os, "replace", replace)
    patch(os, "rename", rename)
    patch(os, "fsync", fsync)
    patch(sqlite3, "connect", connect)


def call_cli(args: list[str]) -> int:
    """The CLI called in this process, as its entry point would be: the exit status."""
    try:
        cli.app(args, prog_name="hnp-feeds")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0


Idle = Callable[[float | None], bool]  # work while waiting (seconds left); False: none


class Child:
    """``hnp-feeds <args>`` in a child forked from this process, in a process group of its
    own (its render workers can be found), output to files; a context manager that kills
    it if it is still running at the end."""

    def __init__(self, how: str, args: list[str], out: Path, trap: Trap | None = None) -> None:
        self.how = how
        scratch = out.parent / "runs"
        scratch.mkdir(exist_ok=True)
        self.stdout = scratch / f"{time.monotonic_ns()}.out"
        self.stderr = self.stdout.with_suffix(".err")
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into pytest
            code = 70
            try:
                os.close(read_end)
                os.setpgid(0, 0)
                code = self._child(args, out, trap, write_end)
            except BaseException:  # noqa: B036 - nothing may get back into pytest
                with contextlib.suppress(BaseException):
                    import traceback

                    traceback.print_exc()
                    sys.stderr.flush()
            finally:
                os._exit(code)
        with contextlib.suppress(OSError):  # whichever of the two gets there first
            os.setpgid(pid, pid)
        os.close(write_end)
        os.set_blocking(read_end, False)
        self.pid = pid
        self.events_fd = read_end
        self.buffer = b""
        self.returncode: int | None = None

    def _child(self, args: list[str], out: Path, trap: Trap | None, events: int) -> int:
        for fd, path in ((1, self.stdout), (2, self.stderr)):  # pytest's capture is not ours
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(target, fd)
            os.close(target)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        hook_events(
            lambda line: os.write(events, f"{time.monotonic_ns()} {line}\n".encode()), trap, out
        )
        code = call_cli(args)
        sys.stdout.flush()
        sys.stderr.flush()
        return code

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.returncode is None:
            self.kill()
        with contextlib.suppress(OSError):
            os.close(self.events_fd)

    def drain(self) -> bytes:
        with contextlib.suppress(BlockingIOError):
            while chunk := os.read(self.events_fd, 65536):
                self.buffer += chunk
        return self.buffer

    def poll(self) -> int | None:
        self.drain()
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
                self.drain()
        return self.returncode

    def wait(self, timeout: float | None = None, idle: Idle | None = None) -> int | None:
        """The exit status, or None if still running after ``timeout`` seconds; ``idle``
        is given the time meanwhile."""
        return _wait(self.poll, timeout, idle)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.wait()

    def result(self, idle: Idle | None = None) -> Run:
        if self.wait(120, idle) is None:
            self.kill()
            raise AssertionError(f"{self.how}: still running after 120 s")
        lines = [line.split(" ", 1) for line in self.buffer.decode().splitlines()]
        run = Run(
            self.how,
            self.returncode,  # type: ignore[arg-type]
            self.pid,
            [label for _, label in lines],
            [int(ns) for ns, _ in lines],
            _read_and_remove(self.stdout),
            _read_and_remove(self.stderr),
        )
        return run


def _wait(poll: Callable[[], int | None], timeout: float | None, idle: Idle | None) -> int | None:
    deadline = None if timeout is None else time.monotonic() + timeout
    while (code := poll()) is None:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return None
        if idle is None or not idle(left):
            time.sleep(0.002 if left is None else max(0.0, min(0.002, left)))
    return code


def _read_and_remove(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:  # killed before it opened it
        return ""
    finally:
        path.unlink(missing_ok=True)


def run_forked(portal: Path, source: Path, how: str, trap: Trap | None = None) -> Run:
    with Child(how, publish_args(portal, source), portal / "feeds", trap) as child:
        return child.result()


def run_real(
    portal: Path,
    source: Path,
    how: str,
    kill_after: float | None = None,
    idle: Idle | None = None,
) -> Run:
    """The real entry point in a new interpreter (a session of its own).  With
    ``kill_after``: SIGKILLed that long after it has the store open (its start-up behind
    it), if it is still running then."""
    scratch = portal / "runs"
    scratch.mkdir(exist_ok=True)
    stdout, stderr = scratch / "real.out", scratch / "real.err"
    store = (portal / "var" / "hnp-feeds.sqlite").resolve()
    with stdout.open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [*CLI, *publish_args(portal, source)], stdout=out, stderr=err, start_new_session=True
        )
    try:
        if kill_after is not None:
            # Started: has the store open (-1), or ended before that.
            _wait(lambda: -1 if _has_open(process.pid, store) else process.poll(), 120, idle)
            if _wait(process.poll, kill_after, idle) is None:
                process.kill()
        process.wait(120)
    finally:
        if process.returncode is None:
            process.kill()
            process.wait()
    return Run(
        how, process.returncode, process.pid, [], [], _read_and_remove(stdout),
        _read_and_remove(stderr),
    )  # fmt: skip


def _has_open(pid: int, path: Path) -> bool:
    """Whether process ``pid`` has ``path`` open."""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        with contextlib.suppress(OSError):
            if os.readlink(f"/proc/{pid}/fd/{fd}") == str(path):
                return True
    return False


def survivors(group: int, wait: float = 10.0) -> list[int]:
    """Live processes of process group ``group`` (a killed run's render workers must die
    with it), after waiting up to ``wait`` seconds for them to go."""
    deadline = time.monotonic() + wait
    while True:
        found = []
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                stat = (proc / "stat").read_text()
            except OSError:
                continue
            state, _ppid, pgrp = stat.rsplit(")", 1)[1].split()[:3]
            if int(pgrp) == group and state not in ("Z", "X"):
                found.append(int(proc.name))
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


# -- what must hold after every run, killed or not --


class Checker:
    """What is published, looked at right after a run (``look``): everything but the full
    validation of documents not seen before, which waits in ``pending`` for ``work`` (the
    time this process would otherwise spend waiting for the next run) or ``finish``."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.parsed: dict[tuple[str, bytes], list[str]] = {}  # document -> files it links
        self.pending: deque[tuple[str, str, bytes]] = deque()
        self.validated = 0
        self.previous: dict[str, bytes] = {}  # what the last look saw

    def look(self, where: str) -> tuple[int, set[str]]:
        """Every published file complete (archive pages too) and linking only files that
        are there; every ``.gz`` the compressed bytes of a complete document, its own file's
        or, ahead of it, the next one's (a run cut short between the two writes: the file
        is then as the last look saw it, so the ``.gz`` is never the older of the two).
        Returns how many feed files there are, and the ``.gz`` ahead of their files."""
        files = {
            path.relative_to(self.out).as_posix(): path.read_bytes()
            for path in sorted(self.out.rglob("*"))
            if path.is_file() and not path.name.startswith(".")  # a killed run's temporary
        }
        ahead = set()
        documents = []
        for rel, data in files.items():
            if not rel.endswith(".gz"):
                documents.append((rel, data))
                continue
            plain = rel.removesuffix(".gz")
            assert plain in files, f"{rel} without its file"
            try:
                inner = gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as exc:
                raise AssertionError(f"{rel}: not a complete gzip file: {exc}") from None
            if inner != files[plain]:
                assert files[plain] == self.previous.get(plain), f"{rel} is older than its file"
                ahead.add(rel)
                documents.append((plain, inner))
        for rel, data in documents:
            key = (rel, hashlib.sha256(data).digest())
            if key not in self.parsed:
                self.parsed[key] = self._complete(rel, data)
                if "/" in rel and not rel.startswith("discovery/"):  # a feed document
                    self.pending.append((where, rel, data))
            missing = [target for target in self.parsed[key] if target not in files]
            assert not missing, f"{rel} links to files not there: {missing}"
        self.previous = files
        feeds = [r for r in files if "/" in r and not r.endswith(".gz")]
        return sum(1 for rel in feeds if not rel.startswith("discovery/")), ahead

    @staticmethod
    def _complete(rel: str, data: bytes) -> list[str]:
        """``data`` is a whole document (feeds: with entries); the files it links."""
        if rel.startswith("discovery/"):  # <link> lines, each whole
            lines = data.decode().splitlines()
            assert data.endswith(b"\n") and lines, rel
            assert all(line.startswith("<link ") and line.endswith(">") for line in lines), rel
        elif rel.endswith(".html"):
            assert data.rstrip().endswith(b"</html>"), rel
        if rel.endswith(".html"):
            links = re.findall(rb'href="' + re.escape(FEEDS_URL.encode()) + rb'([^"#?]+)"', data)
            return sorted({link.decode() for link in links})
        if rel.endswith(".json"):
            document = json.loads(data)
            assert document["items"], rel
            return []
        if not rel.endswith((".xml", ".opml")):
            return []  # nothing of this kind published yet: its presence is all we know
        try:
            root = etree.fromstring(data)
        except etree.XMLSyntaxError as exc:
            raise AssertionError(f"{rel}: not a complete XML document: {exc}") from None
        if rel.endswith(".opml"):
            assert root.tag == "opml", rel
        elif "/" not in rel:  # the sitemaps: every entry whole; the index names its pages
            sitemaps = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
            assert root.tag in (f"{sitemaps}urlset", f"{sitemaps}sitemapindex"), rel
            assert all(len(url) >= 1 and url[0].tag == f"{sitemaps}loc" for url in root), rel
            if root.tag == f"{sitemaps}sitemapindex":
                return sorted(
                    loc.text.removeprefix(FEEDS_URL) for loc in root.iter(f"{sitemaps}loc")
                )
        else:
            entries = root.findall(f"{ATOM}entry") if root.tag == f"{ATOM}feed" else None
            entries = root.findall("channel/item") if entries is None else entries
            # An archive page whose every slot was retracted is complete with no entry.
            assert entries or "/archive/" in rel, f"{rel}: no entry"
        links = root.xpath("//@href | //@xmlUrl")
        return sorted({u.removeprefix(FEEDS_URL) for u in links if u.startswith(FEEDS_URL)})

    def work(self, left: float | None = None) -> bool:
        """Validate one pending document (when there is time for it); False if none."""
        if not self.pending or (left is not None and left < 0.05):
            return False
        where, rel, data = self.pending.popleft()
        report = validate(data, base_url=FEEDS_URL + rel)
        self.validated += 1
        with during(where):
            assert report.ok, (rel, [m.to_dict() for m in report.errors])
        return True

    def finish(self) -> None:
        while self.work():
            pass


def check_settled(out: Path, ahead: set[str]) -> None:
    """After a run that completed: every file has its ``.gz`` holding exactly its bytes,
    whatever the runs killed before it left, and no temporary is left behind."""
    assert not ahead, f".gz not matching their files: {sorted(ahead)}"
    files = [p for p in out.rglob("*") if p.is_file() and p.suffix != ".gz"]
    assert [p for p in files if p.name.startswith(".")] == [], "temporaries left"
    for path in files:
        if path.suffix in COMPRESSED:
            sibling = path.with_name(path.name + ".gz")
            assert sibling.is_file(), f"{path} has no .gz"
            assert gzip.decompress(sibling.read_bytes()) == path.read_bytes(), sibling


def check_readable(out: Path) -> None:
    """An aggregator's parser (feedparser) reads every feed document, with entries."""
    for path in out.rglob("*.*"):
        if path.suffix == ".xml" and path.parent != out:  # the sitemaps are no feeds
            parsed = feedparser.parse(path.read_bytes())
            rel = path.relative_to(out).as_posix()
            assert not parsed.bozo and (parsed.entries or "/archive/" in rel), rel


@contextlib.contextmanager
def during(where: object) -> Iterator[None]:
    """Failures inside name the run they followed."""
    try:
        yield
    except AssertionError as exc:
        raise AssertionError(f"seed {SEED}, {where}:\n{exc}") from exc


def without_tombstones(data: bytes) -> bytes:
    """A document as a store that never saw the retractions writes it."""
    data = re.sub(rb"  <at:deleted-entry [^>]*/>\n", b"", data)
    return data.replace(b' xmlns:at="http://purl.org/atompub/tombstones/1.0"', b"")


Plan = tuple[Literal["real", "timed", "trap"], float | Trap]


@pytest.fixture(autouse=True)
def runs_fork_their_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The runs forked from here fork their render workers as a large run does (a run
    of this small portal renders in its own process): a killed run's workers are seen
    to die with it.  The real entry point's runs (a fresh interpreter) render in theirs."""
    monkeypatch.setattr(workers, "SMALL_RUN_DOCUMENTS", 0)


def plan_kills(rng: random.Random, events: int, duration: float) -> list[Plan]:
    """How each of the ``KILLS`` runs is stopped: the real entry point killed at a delay
    (2 runs); forked runs killed from here at a delay spread over a run (half of the
    rest), or killing themselves at one of its ``events`` (the other half)."""
    kinds: list[Literal["real", "timed", "trap"]] = ["real"] * 2
    kinds += ["timed"] * ((KILLS - 2) // 2)
    kinds += ["trap"] * (KILLS - len(kinds))
    rng.shuffle(kinds)
    plans: list[Plan] = []
    for kind in kinds:
        if kind == "trap":
            plans.append((kind, Trap(rng.randint(1, events), rng.choice(("before", "after")))))
        else:  # for the real entry point: after its start-up
            plans.append((kind, duration * rng.uniform(0.0, 1.1)))
    return plans


def test_publish_killed_at_many_points_never_leaves_a_broken_file(tmp_path: Path) -> None:
    # The reference first, in this process (which warms it for the forks): the final
    # records published into a fresh store.  Its events bound where the traps go.
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    portal_toml(fresh, entries_per_feed=20, **SITE)
    write_records(fresh / "export.jsonl", round_records(KILLS))
    events: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "excepthook", sys.excepthook)  # typer sets its own
        hook_events(events.append, None, fresh / "feeds", patch.setattr)
        code = call_cli(publish_args(fresh, fresh / "export.jsonl"))
    assert code == ExitCode.OK
    # The hooks see what publish does (else no trap would fire: adapt them).
    assert any(e.startswith("R ") for e in events) and "C" in events, events

    portal_toml(tmp_path, entries_per_feed=20, **SITE)
    out = tmp_path / "feeds"
    store_path = tmp_path / "var" / "hnp-feeds.sqlite"
    source = tmp_path / "export.jsonl"
    checker = Checker(out)

    write_records(source, round_records(0))
    started = time.monotonic()
    first = run_forked(tmp_path, source, "round 0, uninterrupted")
    duration = time.monotonic() - started
    with during(first):
        assert first.returncode == ExitCode.OK
        check_settled(out, checker.look("round 0")[1])

    rng = random.Random(SEED)
    for round_no, (kind, how) in enumerate(plan_kills(rng, len(events), duration), start=1):
        write_records(source, round_records(round_no))
        where = f"round {round_no}"
        if kind == "real":
            assert isinstance(how, float)
            said = f"{where}, the real entry point killed {how:.3f}s after opening the store"
            run = run_real(tmp_path, source, said, how, checker.work)
        else:
            args = publish_args(tmp_path, source)
            if isinstance(how, Trap):
                child = Child(f"{where}, forked, killing itself {how}", args, out, how)
                timeout = None
            else:
                child = Child(f"{where}, forked, killed at {how:.3f}s", args, out)
                timeout = how
            with child:
                if child.wait(timeout, checker.work) is None:
                    child.kill()
                run = child.result(checker.work)
        with during(run):
            if run.killed:
                assert survivors(run.pid) == [], "the killed run's workers live on"
            else:
                assert run.returncode == ExitCode.OK
            feeds, ahead = checker.look(str(run))
            assert feeds >= 3
            check_store(store_path, settled=not run.killed)
            if not run.killed:  # and so repaired whatever the kills before it left
                check_settled(out, ahead)

    # An uninterrupted run finishes the work of the killed ones ...
    final = run_forked(tmp_path, source, "the final run, uninterrupted")
    with during(final):
        assert final.returncode == ExitCode.OK
        assert len(list(out.glob("*/archive/*.xml"))) >= 10
        check_settled(out, checker.look(str(final))[1])
        check_store(store_path, settled=True)
        checker.finish()
        check_readable(out)

    # ... and gives the feeds a fresh store gives for the same records.
    ours = {p.relative_to(out): p.read_bytes() for p in out.rglob("*.*") if p.suffix != ".gz"}
    theirs = {
        p.relative_to(fresh / "feeds"): p.read_bytes()
        for p in (fresh / "feeds").rglob("*.*")
        if p.suffix != ".gz"
    }
    assert set(ours) == set(theirs)
    for rel, data in theirs.items():
        assert without_tombstones(ours[rel]) == data, rel
    assert any(b"deleted-entry" in data for data in ours.values())


def check_published_once(out: Path) -> int:
    """What is published is complete, valid and settled; how many feed files."""
    checker = Checker(out)
    feeds, ahead = checker.look("")
    checker.finish()
    check_settled(out, ahead)
    return feeds


@pytest.mark.parametrize("attempt", range(4))
def test_two_publishes_started_at_once_never_overlap(tmp_path: Path, attempt: int) -> None:
    """Whichever gets the lock first runs; the other is locked out or runs after it, never
    while it writes (the events of the one never fall between two of the other's)."""
    portal_toml(tmp_path, entries_per_feed=20)
    out = tmp_path / "feeds"
    source = write_records(tmp_path / "export.jsonl", round_records(attempt))
    args = publish_args(tmp_path, source)
    with Child("publish 1 of 2", args, out) as one, Child("publish 2 of 2", args, out) as two:
        results = [one.result(), two.result()]
    codes = sorted(run.returncode for run in results)
    assert codes in ([ExitCode.OK, ExitCode.OK], [ExitCode.OK, ExitCode.LOCKED]), results
    for run in results:
        if run.returncode == ExitCode.LOCKED:
            assert run.events == [] and "another publish is running" in run.stderr, run
    ran = sorted((run for run in results if run.times), key=lambda run: run.times[0])
    for earlier, later in zip(ran, ran[1:], strict=False):
        assert earlier.times[-1] < later.times[0], results
    assert check_published_once(out) == 8 * 3
    check_store(tmp_path / "var" / "hnp-feeds.sqlite", settled=True)
    # Whichever ran, a third run finds nothing left to do.
    again = run_forked(tmp_path, source, "a third publish")
    assert again.returncode == ExitCode.OK and "nothing to publish" in again.stdout, again


def test_a_publish_started_while_one_writes_is_locked_out(tmp_path: Path) -> None:
    """The real entry point, started while another publish is between two of its writes,
    exits 5 (LOCKED) at once and touches nothing; the other then finishes."""
    portal_toml(tmp_path, entries_per_feed=20)
    out = tmp_path / "feeds"
    source = write_records(tmp_path / "export.jsonl", round_records(0))
    resume_read, resume_write = os.pipe()
    pause = Trap(4, "after", resume_read, only="R ")
    try:
        with Child(f"a publish paused {pause}", publish_args(tmp_path, source), out, pause) as one:
            deadline = time.monotonic() + 120
            while b" P\n" not in one.drain() and one.poll() is None:
                assert time.monotonic() < deadline, "the first publish never paused"
                time.sleep(0.005)
            assert one.poll() is None, one.result()
            before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
            assert before  # it is mid-write
            second = run_real(tmp_path, source, "the real entry point, started meanwhile")
            assert second.returncode == ExitCode.LOCKED, second
            assert "another publish is running" in second.stderr, second
            assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
            os.write(resume_write, b"x")
            first = one.result()
    finally:
        os.close(resume_write)
        os.close(resume_read)
    assert first.returncode == ExitCode.OK, first
    assert check_published_once(out) == 8 * 3


# A kill just after the new .gz of each kind of file publish writes is put in place, before
# the file itself: an archive page, a feed's current document, a page of the site.
BETWEEN_GZ_AND_FILE = [
    r"R [^/]+/archive/\d+\.xml\.gz$",
    r"R [^/]+/feed\.json\.gz$",
    r"R feeds\.opml\.gz$",
]


def test_a_kill_between_a_gz_and_its_file_leaves_the_gz_ahead_and_the_next_run_completes(
    tmp_path: Path,
) -> None:
    """Killed just after putting a file's new ``.gz`` in place, before the file: the file
    still holds the previous, complete document and the ``.gz`` the new one -- never an
    older ``.gz`` beside a newer file -- and the next run, rendering the same bytes, puts
    the file in place."""
    portal_toml(tmp_path, entries_per_feed=20, **SITE)
    out = tmp_path / "feeds"
    source = write_records(tmp_path / "export.jsonl", round_records(0))
    assert run_forked(tmp_path, source, "the first publish").returncode == ExitCode.OK
    checker = Checker(out)
    checker.look("the first publish")
    for round_no, only in enumerate(BETWEEN_GZ_AND_FILE, start=1):
        write_records(source, round_records(round_no))
        trap = Trap(1, "after", only=only)
        killed = run_forked(tmp_path, source, f"a publish killed {trap}", trap)
        with during(killed):
            assert killed.killed
            gz = killed.events[-1].removeprefix("R ")
            # The situation this test is about (a kill between a .gz and its file) arose:
            assert checker.look(str(killed))[1] == {gz}
        again = run_forked(tmp_path, source, "the next publish, of the same records")
        with during(again):
            assert again.returncode == ExitCode.OK
            check_settled(out, checker.look(str(again))[1])
            assert gzip.decompress((out / gz).read_bytes()) == (out / gz[:-3]).read_bytes()
    checker.finish()

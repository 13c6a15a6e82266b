"""A full publish keeps its workers busy while it plans and finishes (issue 14, item 4):
the first feed's first archive pages are rendered while the other feeds are planned, the
sitemap pages while the last documents are (in the workers), and a worker hands a
rendered document back at once, through pipes that hold it whole.  The files are those of
a run without workers, and the store remembers a sitemap page only once it is in place."""

from __future__ import annotations

import fcntl
import gc
import os
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds.errors import ExitCode
from hnp_feeds.forking import can_fork
from hnp_feeds.model import FeedSpec
from hnp_feeds.publish import portal_validator, publish
from hnp_feeds.publish import run as run_module
from hnp_feeds.publish import workers as workers_module
from hnp_feeds.publish.run import AHEAD, Run
from hnp_feeds.publish.workers import PIPE_BYTES, Workers
from hnp_feeds.store import SQLiteStore
from hnp_feeds.timezone import localize

from .portal import catalogue, record, write_records
from .test_pipeline import files_of

NOW = localize(datetime(2022, 7, 1, 8, 0))


#: Where ``_sitemap_files`` notes the process it runs in (set by the test using it).
_PIDS: list[Path] = []


def _sitemap_files(lines: Any) -> Any:
    """``workers.sitemap_files``, noting its process (a module's function: the workers
    are handed it by name)."""
    with _PIDS[0].open("a") as out:
        out.write(f"{os.getpid()}\n")
    return _REAL_SITEMAP_FILES(lines)


_REAL_SITEMAP_FILES = workers_module.sitemap_files


def _alone(tmp_path: Path, portal: Any, export: Path) -> dict[str, bytes]:
    done = publish(portal, [export], store_path=tmp_path / "alone.sqlite",
                   out_dir=tmp_path / "alone", now=NOW, workers=1)  # fmt: skip
    assert done.exit_code is ExitCode.OK, done.summary()
    return files_of(tmp_path / "alone")


def _with_workers(
    monkeypatch: pytest.MonkeyPatch,
    portal: Any,
    export: Path,
    patched: list[tuple[Any, str, Any]],
    alone: dict[str, bytes],
) -> None:
    """A publish with two workers and the ``patched`` (owner, name, value) in place:
    the files of one without them (``alone``)."""
    for owner, name, value in patched:
        monkeypatch.setattr(owner, name, value)
    done = publish(portal, [export], now=NOW, workers=2)
    assert done.exit_code is ExitCode.OK, done.summary()
    monkeypatch.undo()
    assert files_of(portal.out_dir) == alone


def test_the_first_feeds_first_pages_render_while_the_other_feeds_are_planned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_module, "BATCH", 2)
    portal = catalogue(tmp_path, archive_page_size=2, entries_per_feed=3)
    export = write_records(tmp_path / "a.jsonl", [record(n) for n in range(24)])
    alone = _alone(tmp_path, portal, export)
    events: list[tuple[str, ...]] = []
    real_tasks, real_render = Run._tasks, Workers.render

    def tasks(run: Run, planned: list[FeedSpec], result: Any) -> Any:
        events.append(("plan", *(feed.slug for feed in planned)))
        return real_tasks(run, planned, result)

    def render(workers: Workers, jobs: Any) -> Any:
        events.append(("hand", *(str(job.page) for job in jobs)))
        return real_render(workers, jobs)

    _with_workers(
        monkeypatch, portal, export, [(Run, "_tasks", tasks), (Workers, "render", render)], alone
    )
    assert events[0] == ("plan", "tin-moi")  # the main feed alone first
    rest = next(at for at, event in enumerate(events) if at and event[0] == "plan")
    assert len(events[rest]) > 3  # then every other feed
    # In between, its newest archive pages handed to the workers, a batch at a time.
    handed = events[1:rest]
    assert [event[0] for event in handed] == ["hand"] * AHEAD
    pages = [int(number) for event in handed for number in event[1:]]
    assert pages == sorted(pages, reverse=True) and len(pages) == 2 * AHEAD


def test_the_sitemaps_render_in_the_workers_while_the_last_documents_are_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sitemap pages are read between two batches, each handed to the workers once
    read (rendered and compressed there), all of them before the last documents are
    written; each is remembered after its rename and its directory's sync.  The
    documents of a batch go in place together: every file renamed before their
    directories are synced, then each feed's state saved."""
    monkeypatch.setattr(run_module, "SITEMAP_PAGE_SIZE", 4)
    monkeypatch.setattr(run_module, "BATCH", 2)
    portal = catalogue(tmp_path, archive_page_size=3)
    export = write_records(tmp_path / "a.jsonl", [record(n) for n in range(22)])
    alone = _alone(tmp_path, portal, export)
    assert sum(1 for name in alone if name.startswith("sitemap-")) == 2 * 6  # and .gz
    events: list[tuple[str, ...]] = []
    pids = tmp_path / "pids.txt"
    _PIDS[:] = [pids]
    real_hand, real_feeds = Workers.render_sitemap, Run._write_feeds
    real_set, real_state = SQLiteStore.set_meta, SQLiteStore.save_feed_state
    real_fsync, real_replace = os.fsync, os.replace

    def render_sitemap(workers: Workers, lines: Any) -> Any:
        events.append(("sitemap",))
        return real_hand(workers, lines)

    def write_feeds(run: Run, ready: Any, result: Any) -> None:
        events.append(("feeds", *(task.feed.slug for task, _ in ready)))
        real_feeds(run, ready, result)

    def set_meta(store: SQLiteStore, key: str, value: str) -> None:
        events.append(("meta", key))
        real_set(store, key, value)

    def save_feed_state(store: SQLiteStore, feed: FeedSpec, *args: Any, **kwargs: Any) -> None:
        events.append(("state", feed.slug))
        real_state(store, feed, *args, **kwargs)

    def fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            events.append(("sync", os.path.realpath(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(source: Any, target: Any) -> None:
        events.append(("rename", os.path.realpath(target)))
        real_replace(source, target)

    patched = [
        (workers_module, "sitemap_files", _sitemap_files),
        (Workers, "render_sitemap", render_sitemap),
        (Run, "_write_feeds", write_feeds),
        (SQLiteStore, "set_meta", set_meta),
        (SQLiteStore, "save_feed_state", save_feed_state),
        (os, "fsync", fsync),
        (os, "replace", replace),
    ]
    _with_workers(monkeypatch, portal, export, patched, alone)
    handed = [at for at, event in enumerate(events) if event == ("sitemap",)]
    written = [at for at, event in enumerate(events) if event[0] == "feeds"]
    assert len(handed) == 6 and len(written) > 2
    assert handed[-1] < written[-1]
    between = events[handed[0] : handed[-1]]  # archive pages written meanwhile: a page a batch
    assert any(e[0] == "rename" and "/archive/" in e[1] for e in between)
    rendered_by = pids.read_text().split()
    assert len(rendered_by) == 6 and str(os.getpid()) not in rendered_by
    out = os.path.realpath(portal.out_dir)
    for number in range(1, 7):
        page = os.path.join(out, f"sitemap-{number}.xml")
        remembered = events.index(("meta", f"sitemap:sitemap-{number}.xml"))
        renamed = events.index(("rename", page))
        assert ("sync", out) in events[renamed:remembered], page
    for at, end in zip(written, [*written[1:], len(events)], strict=True):
        slugs = events[at][1:]
        folders = {os.path.join(out, slug) for slug in slugs}
        batch = events[at:end]
        renames = [
            n for n, e in enumerate(batch) if e[0] == "rename" and os.path.dirname(e[1]) in folders
        ]
        syncs = [n for n, e in enumerate(batch) if e[0] == "sync" and e[1] in folders]
        states = [n for n, e in enumerate(batch) if e[0] == "state"]
        assert len(syncs) == len(folders) and len(states) == len(slugs)
        assert max(renames) < min(syncs) and max(syncs) < min(states)
    assert max(len(events[at]) for at in written) > 2  # (a batch of two feeds or more)


@pytest.mark.skipif(
    not hasattr(fcntl, "F_GETPIPE_SZ") or not Path("/proc/sys/fs/pipe-max-size").is_file(),
    reason="pipe sizes are Linux's",
)
def test_the_workers_pipes_hold_a_rendered_document_whole(tmp_path: Path) -> None:
    if int(Path("/proc/sys/fs/pipe-max-size").read_text()) < PIPE_BYTES:
        pytest.skip("this system allows smaller pipes")
    portal = catalogue(tmp_path)
    with Workers(portal.site, portal_validator(portal.site, NOW), 2, None) as workers:
        workers.start(10)
        assert workers.pool is not None
        pool: Any = workers.pool
        for queue in (pool._call_queue, pool._result_queue):
            size = fcntl.fcntl(queue._reader.fileno(), fcntl.F_GETPIPE_SZ)
            assert size >= PIPE_BYTES


@pytest.mark.skipif(not can_fork(), reason="render workers are forked")
def test_the_render_workers_leave_what_they_were_forked_with_to_no_collection(
    tmp_path: Path,
) -> None:
    """``workers._worker_start``: each worker begins with its parent's objects frozen out
    of the garbage collector's walks (``gc.freeze``)."""
    portal = catalogue(tmp_path)
    with Workers(portal.site, portal_validator(portal.site, NOW), 2, None) as workers:
        workers.start(10)
        assert workers.pool is not None
        assert workers.pool.submit(gc.get_freeze_count).result() > 0

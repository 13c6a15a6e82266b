"""Writing cheaply and safely (issue 14, item 4): each directory written into is synced
once per run, not once per file; ``.gz`` siblings are compressed where the document is
rendered; only a run killed while writing makes the next one look for its temporaries."""

from __future__ import annotations

import gzip
import os
import stat
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds import precompress
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import portal_validator, publish
from hnp_feeds.publish import run as run_module
from hnp_feeds.publish.plan import site_feeds
from hnp_feeds.publish.render import RenderJob, render_job
from hnp_feeds.publish.run import WRITING
from hnp_feeds.publish.workers import Workers
from hnp_feeds.store import SQLiteStore, open_store
from hnp_feeds.timezone import localize

from .portal import catalogue, record, write_records
from .test_pipeline import files_of

NOW = localize(datetime(2022, 7, 1, 8, 0))
BATCH = 4  # documents a batch, in the test of batches handed ahead


def test_each_directory_written_into_is_synced_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = catalogue(tmp_path, archive_page_size=5)
    synced: Counter[str] = Counter()
    real_fsync = os.fsync

    def counting_fsync(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            synced[os.readlink(f"/proc/self/fd/{fd}")] += 1
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", counting_fsync)
    export = write_records(tmp_path / "a.jsonl", [record(n) for n in range(12)])
    done = publish(portal, [export], now=NOW, workers=1)
    assert done.exit_code is ExitCode.OK, done.summary()
    written = {str(path.parent.resolve()) for path in done.written}
    assert any(p.endswith("/archive") for p in written) and len(written) > 5
    assert set(synced) == written
    assert set(synced.values()) == {1}, synced
    # Files went in without a sync each: at least two files (a file and its .gz) a folder.
    assert len(done.written) >= 2 * len(written)


def test_a_rendered_document_comes_with_its_gz_siblings(tmp_path: Path) -> None:
    portal = catalogue(tmp_path)
    export = write_records(tmp_path / "a.jsonl", [record(n) for n in range(3)])
    publish(portal, [export], now=NOW, workers=1)
    with open_store(portal.store_path) as store:
        feed = next(f for f in site_feeds(portal, store) if f.kind == "main")
        rows = store.select_entries(feed, 10)
    job = RenderJob(feed, tuple((row.body, row.source) for row in rows))
    rendered = render_job(job, portal.site, portal_validator(portal.site, NOW))
    assert set(rendered.gz) == set(rendered.files)
    for name, data in rendered.files.items():
        assert rendered.gz[name] == precompress.gzip_bytes(data)
        assert gzip.decompress(rendered.gz[name]) == data
        on_disk = portal.out_dir / name
        assert on_disk.with_name(on_disk.name + ".gz").read_bytes() == rendered.gz[name]


class Killed(BaseException):
    """Stands for SIGKILL in the middle of writing."""


def test_only_a_run_killed_while_writing_has_its_temporaries_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = catalogue(tmp_path)
    records = [record(n) for n in range(4)]
    publish(portal, [write_records(tmp_path / "a.jsonl", records)], now=NOW, workers=1)
    with open_store(portal.store_path) as store:
        assert store.get_meta(WRITING) is None  # a run that ended says so
    # A run with nothing to do walks no directory.
    with monkeypatch.context() as patch:

        def no_walk(self: Path, pattern: str) -> Any:
            raise AssertionError(f"walked {self} for {pattern}")

        patch.setattr(Path, "rglob", no_walk)
        idle = publish(portal, now=NOW + timedelta(minutes=5), workers=1)
        assert idle.exit_code is ExitCode.OK and not idle.written
    # A run killed between a temporary file and its rename ...
    real_replace = os.replace

    def killed_at_rename(src: Any, dst: Any) -> None:
        raise Killed

    monkeypatch.setattr(os, "replace", killed_at_rename)
    records[0] = record(0, title="Tiêu đề mới")
    with pytest.raises(Killed):
        publish(portal, [write_records(tmp_path / "b.jsonl", records)], now=NOW, workers=1)
    monkeypatch.setattr(os, "replace", real_replace)
    # (the writer removes its temporary when interrupted; a SIGKILL would not)
    left = portal.out_dir / "tin-moi" / ".atom.xml.killed.tmp"
    left.write_bytes(b"half")
    with open_store(portal.store_path) as store:
        assert store.get_meta(WRITING) is not None
    # ... is finished by the next, which removes what it left.
    again = publish(portal, now=NOW + timedelta(minutes=10), workers=1)
    assert again.exit_code is ExitCode.OK
    assert not left.exists()
    assert "Tiêu đề mới" in (portal.out_dir / "tin-moi" / "atom.xml").read_text("utf-8")
    with open_store(portal.store_path) as store:
        assert store.get_meta(WRITING) is None


def test_with_workers_a_batch_renders_while_the_last_is_written_and_each_file_is_synced_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Render workers are handed a batch before the one before it is written (small
    batches here, so there are many), and a batch of archive pages goes in place in a
    thread while the next is taken: still every file's bytes are on disk before it is
    renamed into place, an archive page is remembered by the store only after its rename
    and its directory's sync, its ids are in the ledger before it appears, and the files
    are those of a run without workers."""
    monkeypatch.setattr(run_module, "BATCH", BATCH)
    portal = catalogue(tmp_path, archive_page_size=2)
    export = write_records(tmp_path / "a.jsonl", [record(n) for n in range(20)])
    alone = publish(portal, [export], store_path=tmp_path / "alone.sqlite",
                    out_dir=tmp_path / "alone", now=NOW, workers=1)  # fmt: skip
    assert alone.exit_code is ExitCode.OK, alone.summary()
    events: list[tuple[str, ...]] = []
    real_fsync, real_replace = os.fsync, os.replace
    real_save, real_ledger = SQLiteStore.save_archive_pages, SQLiteStore.add_to_ledger
    real_render = Workers.render

    def render(workers: Workers, jobs: Any) -> Any:
        events.append(("H", str(len(jobs))))
        return real_render(workers, jobs)

    def fsync(fd: int) -> None:
        kind = "D" if stat.S_ISDIR(os.fstat(fd).st_mode) else "F"
        real_fsync(fd)
        events.append((kind, os.path.realpath(f"/proc/self/fd/{fd}")))

    def replace(source: Any, target: Any) -> None:
        events.append(("R", os.path.realpath(source), os.path.realpath(target)))
        real_replace(source, target)

    def save(store: SQLiteStore, slug: str, pages: dict[int, str]) -> None:
        events.append(("S", slug, *map(str, sorted(pages))))
        real_save(store, slug, pages)

    def ledger(store: SQLiteStore, ids: dict[str, str], now: datetime) -> None:
        events.append(("L", *ids))
        real_ledger(store, ids, now)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(SQLiteStore, "save_archive_pages", save)
    monkeypatch.setattr(SQLiteStore, "add_to_ledger", ledger)
    monkeypatch.setattr(Workers, "render", render)
    done = publish(portal, [export], now=NOW, workers=2)
    assert done.exit_code is ExitCode.OK, done.summary()
    monkeypatch.undo()
    assert files_of(portal.out_dir) == files_of(tmp_path / "alone")
    out = os.path.realpath(portal.out_dir)
    synced: set[str] = set()
    renamed: dict[str, int] = {}  # target -> index of its rename
    ledgered: set[str] = set()
    for at, (kind, *what) in enumerate(events):
        if kind == "F":
            synced.add(what[0])
        elif kind == "R":
            assert what[0] in synced, f"{what[1]} renamed into place before its bytes were synced"
            renamed[what[1]] = at
        elif kind == "L":
            ledgered.update(what)
        elif kind == "S":
            slug, *numbers = what
            for number in numbers:
                page = os.path.join(out, slug, "archive", f"{number}.xml")
                assert page in renamed, f"{page} remembered before it was put in place"
                folder = os.path.dirname(page)
                assert any(e == ("D", folder) for e in events[renamed[page] : at]), (
                    f"{page} remembered before its directory was synced"
                )
    # Many batches, each handed to the workers before the one before it was written.
    assert sum(1 for t in renamed if "/archive/" in t and t.endswith(".xml")) > 3 * BATCH
    first_renamed = next(at for at, e in enumerate(events) if e[0] == "R")
    assert sum(1 for e in events[:first_renamed] if e[0] == "H") >= 2
    # An article's id is in the ledger before any file showing it appears.
    first_rename = min(renamed.values())
    assert any(e[0] == "L" for e in events[:first_rename])
    with open_store(portal.store_path) as store:
        assert set(store.ledger_ids(sorted(ledgered))) == ledgered

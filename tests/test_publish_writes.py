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
from hnp_feeds.publish.plan import site_feeds
from hnp_feeds.publish.render import RenderJob, render_job
from hnp_feeds.publish.run import WRITING
from hnp_feeds.store import open_store
from hnp_feeds.timezone import localize

from .portal import catalogue, record, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))


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

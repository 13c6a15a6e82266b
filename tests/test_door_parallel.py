"""The door in worker processes (``adapters.parallel``) gives what reading every record here
gives: the same Articles and RecordErrors (``file:line``) in the same order, each record's
warnings logged with the same text just before it; and a small source forks nothing."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds.adapters import ADAPTER_LOG, parallel, read_sources
from hnp_feeds.adapters.jsonl import read_jsonl
from hnp_feeds.errors import RecordError
from hnp_feeds.model import Article, Unchanged

from .portal import record

PARENT = os.getpid()


def export(path: Path) -> Path:
    """40 records, a bad or a repaired one every few lines: each kind the door refuses or
    warns about, where a worker reads it."""
    lines: list[bytes] = []
    for n in range(40):
        item = record(n)
        kind = n % 8
        if kind == 1:
            item["title"] = f"Bài\u0007 viết {n}\u202e"  # controls removed: a warning
        elif kind == 2:
            item["summary"] = "HNP - HÃ\u00a0 Ná»\u0099i mÃ¹a thu"  # repaired: a warning
        elif kind == 3:
            item["url"] = "javascript:alert(1)"  # refused
        elif kind == 4:
            item["updated"] = "2022-01-01 08:00"  # before published: a warning
            item["related"] = [{"url": item["url"], "title": "itself"}]  # removed: a warning
        elif kind == 5:
            del item["title"]  # refused
        elif kind == 6:
            item["content_html"] = "<p>x</p><script>alert(1)</script>"  # a warning
        line = json.dumps(item, ensure_ascii=False).encode()
        if n == 7:
            line = b'{"id": "7", "title": "\xff\xfe"}'  # not UTF-8
        elif n == 15:
            line = b'{"id": "15", "title": '  # not JSON
        elif n == 23:
            line = b"[1, 2, 3]"  # not an object
        lines.append(line)
        if n % 10 == 9:
            lines.append(b"   ")  # a blank line: no record
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def events(items: Iterator[Any]) -> tuple[list[tuple[str, Any]], bool]:
    """What a reader of ``items`` sees, in order: each warning logged and each item (an
    Article with every field, a RecordError as its line); whether a worker read some (a
    warning made in another process)."""
    seen: list[tuple[str, Any]] = []
    makers: set[int | None] = set()

    class Keep(logging.Handler):
        def emit(self, log_record: logging.LogRecord) -> None:
            seen.append(("warning", log_record.getMessage()))
            makers.add(log_record.process)

    logger = logging.getLogger(ADAPTER_LOG)
    handler, propagate = Keep(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for item in items:
            if isinstance(item, Article):
                seen.append(("article", (repr(item), item.source, item.raw_hash)))
            else:
                assert isinstance(item, RecordError)
                seen.append(("error", (str(item), item.record_id, item.raw)))
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    assert makers
    return seen, makers != {os.getpid()}


def fork_early(patch: pytest.MonkeyPatch) -> None:
    """The door forks for a few records, in chunks of three, two workers."""
    patch.setattr(parallel, "THRESHOLD", 5)
    patch.setattr(parallel, "CHUNK", 3)
    patch.setattr(parallel, "PROCESSES", 2)


@pytest.fixture
def forked(monkeypatch: pytest.MonkeyPatch) -> None:
    fork_early(monkeypatch)


def test_the_parallel_door_reads_what_the_serial_door_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = export(tmp_path / "export.jsonl")
    serial, serial_forked = events(read_jsonl(path))
    with monkeypatch.context() as patch:
        fork_early(patch)
        workers, workers_forked = events(read_jsonl(path))
    assert workers_forked and not serial_forked
    assert workers == serial
    kinds = [kind for kind, _ in serial]
    assert kinds.count("article") == 27 and kinds.count("error") == 13
    errors = [what[0] for kind, what in serial if kind == "error"]
    assert any(e.startswith(f"{path}:8: not UTF-8") for e in errors)
    assert any(e.startswith(f"{path}:17: not valid JSON") for e in errors)  # after a blank
    assert any(e.startswith(f"{path}:26: a record must be a JSON object") for e in errors)
    warnings = [what for kind, what in serial if kind == "warning"]
    assert f"{path}:2: removed control characters from title (2)" in warnings
    assert f"{path}:3: repaired UTF-8 read as Latin-1/cp1252 in summary" in warnings
    # Each record's warnings come just before it, as when read here.
    first = kinds.index("warning")
    assert serial[first + 1][0] == "article" and serial[first + 1][1][1] == f"{path}:2"


def test_a_small_source_is_read_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fewer records than the threshold (a cron run's ten): no worker is forked."""
    monkeypatch.setattr(parallel, "THRESHOLD", 45)  # 44 lines
    monkeypatch.setattr(parallel, "PROCESSES", 2)
    seen, forked = events(read_jsonl(export(tmp_path / "export.jsonl")))
    assert not forked and len([kind for kind, _ in seen if kind != "warning"]) == 40


def test_records_read_before_keep_their_place(tmp_path: Path, forked: None) -> None:
    """Lines the store has read before (``Unchanged``, from this process) stay in their
    place between those the workers read; duplicate ids are still told at the second."""
    path = export(tmp_path / "export.jsonl")
    first = [item for item in read_jsonl(path)]
    known = {item.raw_hash: item.id for item in first[::3] if isinstance(item, Article)}
    again = list(read_sources([path], known=known))
    wheres = [
        where
        for item in again
        for where in (
            [where for _, where in item.each()]
            if isinstance(item, Unchanged)
            else [getattr(item, "source", None)]
        )
    ]
    assert wheres == [getattr(item, "source", None) for item in first]
    assert sum(len(item) for item in again if isinstance(item, Unchanged)) == len(known)


def _dies_in_a_worker(n: int) -> int:
    if n == 13 and os.getpid() != PARENT:
        os._exit(1)  # as the OOM killer would end it
    return n * 2


def test_a_worker_that_dies_leaves_its_records_to_this_process(forked: None) -> None:
    done = list(parallel.door(((n,) for n in range(40)), _dies_in_a_worker))
    assert done == [n * 2 for n in range(40)]

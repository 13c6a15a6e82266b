"""Blocks of a whole export known unchanged (issue 14, item 2): a block of lines whose
bytes the store knows (``raw_blocks``: every line a record it holds as read from it) is
one ``Unchanged``, never split, digested line by line or looked up.  Each test runs the
real ingest (a real SQLite file, blocks of a few lines) beside the same steps with the
shortcut turned off (every block split, each line looked up: what a run did before), and
asks for the same counts, rejections and stored rows."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest

from hnp_feeds.adapters import jsonl
from hnp_feeds.adapters.records import RawDigest
from hnp_feeds.config import Catalogue, Limits
from hnp_feeds.errors import ExitCode, StoreError
from hnp_feeds.publish import ingest, publish
from hnp_feeds.store import RawRecords
from hnp_feeds.store import ingest as store_ingest
from hnp_feeds.store.ingest import IngestResult
from hnp_feeds.timezone import localize

from .portal import catalogue, record

NOW = localize(datetime(2022, 7, 1, 12, 0))
#: A few lines a block (a record's line is some 600 bytes).
BLOCK = 1500
#: Bytes read at once: blocks straddle reads.
READ = 2000
COUNT = 24


def _line(n: int, **changes: Any) -> bytes:
    return json.dumps(record(n, **changes), ensure_ascii=False).encode() + b"\n"


BASE = [_line(n) for n in range(COUNT)]


@contextmanager
def _shortcut(on: bool) -> Iterator[None]:
    """Blocks of a few lines; with ``on`` False no block is ever known (each split and
    its lines looked up, as before blocks were kept)."""
    with patch.object(jsonl, "BLOCK", BLOCK), patch.object(jsonl, "READ", READ):
        if on:
            yield
            return
        with patch.object(RawRecords, "block", lambda self, digest: None):
            yield


def _rows(store: Path) -> list[tuple[object, ...]]:
    """What the store holds of each article and rejection, comparable across stores."""
    with sqlite3.connect(store) as db:
        articles = db.execute(
            "SELECT record_id, source_hash, content_hash, raw_hash, status, live, source, body"
            " FROM articles ORDER BY record_id"
        ).fetchall()
        rejected = db.execute(
            "SELECT source, position, reason, record_id, raw, times FROM rejected ORDER BY 1, 2, 3"
        ).fetchall()
    return [*articles, *rejected]


def _said(result: IngestResult) -> tuple[object, ...]:
    return (
        result.added,
        result.changed,
        result.unchanged,
        result.removed,
        [(e.source, e.position, e.reason, e.record_id, e.raw) for e in result.rejected],
        [(e.source, e.position, e.reason) for e in result.fresh_rejected],
        sorted(result.sources),
        result.cleaned,
    )


Step = tuple[list[tuple[str, bytes]], Catalogue | None]


class Twins:
    """The same steps into two stores, with the shortcut and without; each step's results
    and the stores' rows must be the same."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.catalogue = catalogue(tmp_path)
        self.stores = {on: tmp_path / f"var-{on}" / "hnp-feeds.sqlite" for on in (True, False)}
        self.minute = 0
        #: How many lines each block split with the shortcut had (``RawDigest.of_many``).
        self.split: list[int] = []

    def step(self, files: list[tuple[str, bytes]], cat: Catalogue | None = None) -> IngestResult:
        """Write ``files`` (name, bytes), ingest them into both stores in that order."""
        paths = []
        for name, data in files:
            path = self.tmp_path / name
            path.write_bytes(data)
            paths.append(path)
        self.minute += 1
        now = NOW + timedelta(minutes=self.minute)
        results = {}
        for on, store in self.stores.items():
            with _shortcut(on), _digested() as split:
                results[on] = ingest(cat or self.catalogue, paths, store_path=store, now=now)
            if on:
                self.split = split
        assert _said(results[True]) == _said(results[False])
        assert _rows(self.stores[True]) == _rows(self.stores[False])
        return results[True]

    def known_blocks(self) -> int:
        with sqlite3.connect(self.stores[True]) as db:
            return int(db.execute("SELECT count(*) FROM raw_blocks").fetchone()[0])


def _export(lines: list[bytes], name: str = "export.jsonl") -> list[tuple[str, bytes]]:
    return [(name, b"".join(lines))]


@contextmanager
def _digested() -> Iterator[list[int]]:
    """The lines digested one by one (``RawDigest.of_many``), counted a call each."""
    counted: list[int] = []
    of_many = RawDigest.of_many

    def counting(self: RawDigest, raws: list[bytes]) -> list[str]:
        counted.append(len(raws))
        return of_many(self, raws)

    with patch.object(RawDigest, "of_many", counting):
        yield counted


def test_a_block_known_is_neither_split_nor_looked_up(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    assert twins.step(_export(BASE)).added == COUNT
    assert twins.known_blocks() == 0  # a first fill keeps none: its lines were all new
    assert twins.step(_export(BASE)).unchanged == COUNT
    assert twins.known_blocks() > 3
    assert twins.step(_export(BASE)).unchanged == COUNT
    assert twins.split == []
    # Ten new at the end (the crontab line): the new split, and of the rest at most the
    # last block (3 lines, ended by the end of the file before).
    grown = twins.step(_export([*BASE, *(_line(n) for n in range(COUNT, COUNT + 10))]))
    assert (grown.added, grown.unchanged) == (10, COUNT)
    assert 10 <= sum(twins.split) <= 10 + 3


def _steps(twins: Twins, *exports: list[bytes]) -> list[IngestResult]:
    """The base export twice (filled, then its blocks kept), then each of ``exports``."""
    twins.step(_export(BASE))
    twins.step(_export(BASE))
    return [twins.step(_export(lines)) for lines in exports]


def test_an_export_edited_in_the_middle_reads_the_edit_and_skips_the_rest(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    edited = [*BASE[:11], _line(11, title="Tiêu đề đã sửa"), *BASE[12:]]
    shorter = [*BASE[:5], _line(5, title="Ngắn"), *BASE[6:]]  # every block after it moves
    (first, again, short, back) = _steps(twins, edited, edited, shorter, BASE)
    assert (first.changed, first.unchanged) == (1, COUNT - 1)
    assert (again.changed, again.unchanged) == (0, COUNT)
    assert (short.changed, back.changed) == (2, 1)  # 11 back and 5 shortened; 5 back
    # The block 5 changed in is kept by the next run, whose lines were all read before.
    assert twins.step(_export(BASE)).unchanged == COUNT and len(twins.split) == 1
    assert twins.step(_export(BASE)).unchanged == COUNT and twins.split == []


def test_a_line_moved_a_record_removed_and_duplicates(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    moved = [*BASE[:3], *BASE[4:], BASE[3]]
    removed = [*BASE[:8], *BASE[9:]]
    doubled = [*BASE[:10], BASE[2], *BASE[10:], _line(4, title="Bản khác")]
    results = _steps(twins, moved, moved, removed, removed, doubled, doubled)
    assert [r.unchanged for r in results] == [COUNT, COUNT, COUNT - 1, COUNT - 1, COUNT, COUNT]
    assert [len(r.rejected) for r in results[4:]] == [2, 2]  # each duplicate, every run
    assert all("duplicate id" in e.reason for e in results[5].rejected)
    assert twins.known_blocks() > 3


def test_rejected_records_stay_rejected_until_fixed(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    bad = [*BASE[:6], b"{not json\n", _line(6, published="hôm qua"), *BASE[7:], b"\n"]
    fixed = [*BASE[:6], _line(6), *BASE[7:]]
    (first, again, done) = _steps(twins, bad, bad, fixed)
    assert [len(r.rejected) for r in (first, again, done)] == [2, 2, 0]
    assert [len(r.fresh_rejected) for r in (first, again, done)] == [2, 0, 0]
    assert (done.changed, done.unchanged) == (0, COUNT)


def test_truncated_then_grown_back_and_under_another_path(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    half = BASE[: COUNT // 2]
    _steps(twins)
    whole = twins.known_blocks()
    cut = twins.step(_export(half))
    assert 0 < twins.known_blocks() < whole  # those no longer in it forgotten
    grown = twins.step(_export(BASE))
    assert (cut.unchanged, grown.unchanged) == (COUNT // 2, COUNT)
    elsewhere = twins.step(_export(BASE, "other.jsonl"))
    assert elsewhere.unchanged == COUNT and twins.split == []  # the same blocks: known
    assert twins.step(_export(BASE)).unchanged == COUNT and twins.split == []
    # Half of it with a BOM and CR LF line ends: the same records, other bytes.
    crlf = [BASE[0].replace(b"\n", b"\r\n"), *BASE[1:]]
    assert twins.step(_export([b"\xef\xbb\xbf", *crlf])).unchanged == COUNT


def test_a_record_changed_by_another_source_is_read_back(tmp_path: Path) -> None:
    """A block stays true only while its records' digests do: another source's version
    of one of them, or another writer of the store, takes the block away with it."""
    twins = Twins(tmp_path)
    _steps(twins)
    edit = twins.step([("edit.jsonl", _line(9, title="Bản của nguồn khác"))])
    assert edit.changed == 1
    back = twins.step(_export(BASE))
    assert (back.changed, back.unchanged) == (1, COUNT - 1)
    twins.step(_export(BASE))  # its block kept again, its lines all read before
    assert twins.step(_export(BASE)).unchanged == COUNT and twins.split == []
    for store in twins.stores.values():  # another writer: the record's digest forgotten
        with sqlite3.connect(store) as db:
            db.execute("UPDATE articles SET raw_hash = NULL WHERE record_id = '1015'")
    read = twins.step(_export(BASE))
    assert read.unchanged == COUNT and sum(twins.split) > 0


def test_a_later_source_s_copy_of_a_record_stored_in_the_same_run(tmp_path: Path) -> None:
    """A block is kept only if its lines are what the store holds once the ingest has
    stored everything: here a source read first stores another version of a record of
    the export's block (stored as its runs fill: one record a run) after the store's
    digests were read whole (past ``BULK``), so its old line there looked read before."""
    twins = Twins(tmp_path)
    _steps(twins)
    other = ("first.jsonl", _line(9, title="Bản trước") + _line(COUNT + 1))
    with patch.object(store_ingest, "RUN", 1), patch.object(RawRecords, "BULK", 1):
        both = twins.step([other, *_export(BASE)])
    assert both.changed == 1 and "duplicate id '1009'" in both.rejected[0].reason
    alone = twins.step(_export(BASE))
    assert alone.changed == 1  # its line here is read again: 9 as the export has it


def test_a_fault_in_the_ingest_keeps_no_block_of_it(tmp_path: Path) -> None:
    """The blocks are kept in the ingest's transaction: a fault after they are written
    takes them back with the records, so the next run reads what it did not store."""
    twins = Twins(tmp_path)
    _steps(twins)
    new = _line(COUNT + 1)
    first = ("first.jsonl", new + _line(COUNT + 2))
    export = _export([*BASE, new])
    keep = RawRecords.keep_blocks

    def fault(self: RawRecords, db: sqlite3.Connection) -> None:
        keep(self, db)
        raise sqlite3.OperationalError("disk I/O error")

    for on, store in twins.stores.items():
        with _shortcut(on), patch.object(store_ingest, "RUN", 1):
            (tmp_path / first[0]).write_bytes(first[1])
            (tmp_path / export[0][0]).write_bytes(export[0][1])
            with patch.object(RawRecords, "keep_blocks", fault), pytest.raises(StoreError):
                ingest(twins.catalogue, [tmp_path / first[0], tmp_path / export[0][0]],
                       store_path=store, now=NOW + timedelta(hours=1))  # fmt: skip
    after = twins.step(export)
    assert (after.added, after.unchanged) == (1, COUNT)


def test_other_limits_or_code_read_every_line_again(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    _steps(twins)
    limits = dataclasses.replace(twins.catalogue, limits=Limits(title_chars=20))
    strict = twins.step(_export(BASE), limits)
    assert sum(twins.split) == COUNT and len(strict.rejected) == COUNT
    assert twins.step(_export(BASE)).unchanged == COUNT  # back to the defaults: read again


def test_a_mass_removal_in_the_middle_is_refused_every_run(tmp_path: Path) -> None:
    """Retractions in known blocks' place are read, and the refusal (exit 9) stays."""
    cat = catalogue(tmp_path)
    retracted = [*BASE[:4], *(_line(n, status="retracted") for n in range(4, 20)), *BASE[20:]]
    codes: dict[bool, list[ExitCode]] = {}
    for on in (True, False):
        out = tmp_path / f"feeds-{on}"
        store = tmp_path / f"var-{on}" / "hnp-feeds.sqlite"
        path = tmp_path / f"export-{on}.jsonl"
        codes[on] = []
        for minute, lines in enumerate([BASE, BASE, retracted, retracted]):
            path.write_bytes(b"".join(lines))
            with _shortcut(on):
                done = publish(cat, [path], store_path=store, out_dir=out,
                               now=NOW + timedelta(minutes=minute), workers=1)  # fmt: skip
            codes[on].append(done.exit_code)
    assert codes[True] == codes[False]
    assert codes[True][2:] == [ExitCode.MASS_REMOVAL] * 2


def test_csv_sources_keep_no_blocks_and_skip_rows_as_before(tmp_path: Path) -> None:
    twins = Twins(tmp_path)
    header = b"id,url,title,summary,published,category\n"
    rows = [
        f"{1000 + n},https://hnp.example.vn/thoi-su/bai-{n}.html,Bài {n},Một,2022-06-0{n + 1}"
        " 08:00,Thời sự\n".encode()
        for n in range(5)
    ]
    csv = [("export.csv", header + b"".join(rows))]
    twins.step(csv)
    assert twins.step(csv).unchanged == 5
    edited = twins.step([("export.csv", header + rows[0] + rows[2].replace(b"B", b"Tin b"))])
    assert (edited.changed, edited.unchanged) == (1, 1)
    assert twins.known_blocks() == 0

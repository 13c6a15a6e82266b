"""The whole export as cron reads it (issue 14, item 2): lines read a block at a time, those
the store has read before passed on as one ``Unchanged`` a run, the rest read as alone.
Blocks of a few bytes here, so that lines and runs straddle them."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hnp_feeds.adapters import Item, jsonl, read_source, read_sources
from hnp_feeds.adapters.records import RawDigest
from hnp_feeds.errors import RecordError
from hnp_feeds.model import Article, Unchanged
from hnp_feeds.publish import ingest, publish
from hnp_feeds.store import RawRecords, open_store
from hnp_feeds.timezone import localize

from .portal import catalogue, record

NOW = localize(datetime(2022, 7, 1, 12, 0))
BOM = b"\xef\xbb\xbf"


def _line(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


# Lines of every kind a whole export holds: records, an edited one, blank ones, and lines
# refused for their bytes, their JSON or their fields.
LINES = [
    *(_line(record(n)) for n in range(4)),
    _line(record(1, title="Tiêu đề đã sửa")),
    b"",
    b"  \t ",
    b"{not json",
    b"[1, 2]",
    b'{"id": "9", "title": "\xff"}',
    _line(record(5, published="")),
]


def _export(tmp_path: Path, count: int) -> Path:
    """The export of records 0 to ``count - 1``."""
    export = tmp_path / "export.jsonl"
    export.write_bytes(b"".join(_line(record(n)) + b"\n" for n in range(count)))
    return export


def _store(tmp_path: Path) -> Path:
    return tmp_path / "var" / "hnp-feeds.sqlite"


def _form(item: Item | tuple[str, str]) -> object:
    """What an item says, comparable: a RecordError by its fields."""
    if isinstance(item, RecordError):
        return (item.source, item.position, item.reason, item.record_id, item.raw)
    return item


def _each(items: list[Item]) -> list[object]:
    """Each record of ``items``: an unchanged one as its id and ``source:line``."""
    return [
        _form(one)
        for item in items
        for one in (item.each() if isinstance(item, Unchanged) else [item])
    ]


def _line_by_line(path: Path, known: dict[str, str]) -> list[object]:
    """What reading ``path`` one line at a time gives, each line's digest looked up alone."""
    digests = RawDigest(jsonl.__name__, None, {})
    found: list[object] = []
    for number, raw in enumerate(io.BytesIO(path.read_bytes()), 1):
        if number == 1:
            raw = raw.removeprefix(BOM)
        raw_hash = digests.of(raw.rstrip(b"\r\n") + b"\n")
        if raw_hash in known:
            found.append((known[raw_hash], f"{path}:{number}"))
            continue
        item = jsonl.read_line(str(path), None, number, raw, raw_hash)
        if item is not None:
            found.append(_form(item))
    return found


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    picks=st.lists(st.integers(0, len(LINES) - 1), max_size=12),
    endings=st.lists(st.sampled_from([b"\n", b"\r\n", b"\r\r\n"]), min_size=12, max_size=12),
    known_lines=st.sets(st.integers(0, 4)),
    bom=st.booleans(),
    last_ended=st.booleans(),
    block=st.integers(1, 300),
    read=st.integers(1, 400),
)
def test_blocks_give_what_reading_line_by_line_gives(
    tmp_path: Path,
    picks: list[int],
    endings: list[bytes],
    known_lines: set[int],
    bom: bool,
    last_ended: bool,
    block: int,
    read: int,
) -> None:
    path = tmp_path / "export.jsonl"
    data = b"".join(LINES[pick] + ending for pick, ending in zip(picks, endings, strict=False))
    if picks and not last_ended:
        data = data.rstrip(b"\r\n")
    path.write_bytes(BOM + data if bom else data)
    digests = RawDigest(jsonl.__name__, None, {})
    known = {digests.of(LINES[n] + b"\n"): json.loads(LINES[n])["id"] for n in known_lines}
    with patch.object(jsonl, "BLOCK", block), patch.object(jsonl, "READ", read):
        items = list(read_source(path, known=known))
    assert _each(items) == _line_by_line(path, known)
    # A run is never empty.
    assert all(len(item) > 0 for item in items if isinstance(item, Unchanged))


def test_a_whole_export_counts_what_changed_and_sees_every_unchanged_record(
    tmp_path: Path,
) -> None:
    cat = catalogue(tmp_path)
    export = _export(tmp_path, 6)
    first = publish(cat, [export], now=NOW, workers=1)
    assert first.ingest is not None and first.ingest.added == 6
    # The whole export again: 0, 2 and 5 as they were (2 with CRLF, now as before:
    # the line break is not part of the record), 1 edited, 3 retracted, 4 left as it
    # was but after a blank line, a line that is not JSON, and 6 and 7 new.
    lines = [
        _line(record(0)) + b"\n",
        _line(record(1, title="Tiêu đề đã sửa")) + b"\n",
        _line(record(2)) + b"\r\n",
        _line(record(3, status="retracted")) + b"\n",
        b"\n",
        _line(record(4)) + b"\n",
        b"{not json\n",
        _line(record(6)) + b"\n",
        _line(record(5)) + b"\n",
        _line(record(7)),
    ]
    export.write_bytes(b"".join(lines))
    with patch.object(jsonl, "BLOCK", 200):
        done = publish(cat, [export], now=NOW, workers=1)
    result = done.ingest
    assert result is not None
    assert (result.added, result.changed, result.unchanged, result.removed) == (2, 1, 4, 1)
    assert [(error.position, error.reason[:14]) for error in result.rejected] == [
        ("7", "not valid JSON")
    ]
    assert done.summary().startswith("ingested 9 records (2 new, 1 changed, 1 removed, 1 rejected)")
    assert str(export) in result.sources
    main = (tmp_path / "feeds" / "tin-moi" / "atom.xml").read_text(encoding="utf-8")
    assert "Tiêu đề đã sửa" in main and "Bài viết số 7 " in main
    assert "Bài viết số 3 " not in main  # retracted: out of the feed
    assert all(f"Bài viết số {n} " in main for n in (0, 2, 4, 5))  # unchanged: still in


def test_a_duplicate_of_an_unchanged_line_is_refused_wherever_it_is(tmp_path: Path) -> None:
    export = _export(tmp_path, 4)
    ingest(catalogue(tmp_path), [export], now=NOW)
    with open_store(_store(tmp_path)) as store:
        known = store.raw_hashes()
    # Another version of 1 after its unchanged line, and of 2 before it: the second of
    # each is refused, naming where the first was.
    export.write_bytes(
        b"".join(
            [
                _line(record(0)) + b"\n",
                _line(record(1)) + b"\n",
                _line(record(1, title="Bản khác")) + b"\n",
                _line(record(2, title="Bản khác")) + b"\n",
                _line(record(2)) + b"\n",
                _line(record(3)) + b"\n",
                _line(record(3)) + b"\n",
            ]
        )
    )
    items = list(read_sources([export], known=known))
    (article,) = (item for item in items if isinstance(item, Article))
    where = str(export)
    assert _each(items) == [
        ("1000", f"{where}:1"),
        ("1001", f"{where}:2"),
        _form(RecordError(where, "3", f"duplicate id '1001', first seen at {where}:2", "1001")),
        article,
        _form(RecordError(where, "5", f"duplicate id '1002', first seen at {where}:4", "1002")),
        ("1003", f"{where}:6"),
        _form(RecordError(where, "7", f"duplicate id '1003', first seen at {where}:6", "1003")),
    ]
    assert article.title == "Bản khác"
    # The same export given twice is read twice, as before: one place, no duplicate.
    again = list(read_sources([export, export], known=known))
    assert sum(len(item) for item in again if isinstance(item, Unchanged)) == 6


def test_the_store_is_asked_a_block_at_a_time(tmp_path: Path) -> None:
    ingest(catalogue(tmp_path), [_export(tmp_path, 6)], now=NOW)
    with open_store(_store(tmp_path)) as store:
        every = store.raw_hashes()
        asked = [*every, "0" * 32]
        few = RawRecords(store, store.raw_hashes)
        assert few.get_many(asked) == [*every.values(), None]
        assert few.all is None and few.asked == 7  # the index, never read whole
        many = RawRecords(store, store.raw_hashes)
        many.BULK = 5
        assert many.get_many(asked) == [*every.values(), None]
        assert many.all == every


def test_a_csv_run_names_the_line_each_row_starts_on(tmp_path: Path) -> None:
    export = tmp_path / "export.csv"
    header = ["id", "url", "title", "summary", "published", "category"]
    rows = [
        [str(1000 + n), f"https://hnp.example.vn/thoi-su/bai-{n}.html", f"Bài {n}",
         "Dòng một\nDòng hai" if n == 1 else "Một dòng", f"2022-06-0{n + 1} 08:00", "Thời sự"]
        for n in range(3)
    ]  # fmt: skip

    def write() -> None:
        with export.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows([header, *rows])

    write()
    assert ingest(catalogue(tmp_path), [export], now=NOW).added == 3
    with open_store(_store(tmp_path)) as store:
        known = store.raw_hashes()
    # Row 1 spans lines 3 and 4: the run's lines are where its rows start.
    assert list(read_source(export, known=known)) == [
        Unchanged(str(export), ["1000", "1001", "1002"], [2, 3, 5])
    ]
    rows[1][2] = "Bài 1 đã sửa"
    write()
    items = list(read_source(export, known=known))
    assert [type(item).__name__ for item in items] == ["Unchanged", "Article", "Unchanged"]
    assert (items[0], items[2]) == (
        Unchanged(str(export), ["1000"], [2]),
        Unchanged(str(export), ["1002"], [5]),
    )

"""Raw records read once (issue 14, item 2): a JSON line or CSV row the store has read
before, byte for byte under the same rules, is skipped before it is parsed (``Unchanged``),
and still counts as seen."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

from hnp_feeds.adapters import Item, read_source, read_sources
from hnp_feeds.config import Limits
from hnp_feeds.errors import RecordError
from hnp_feeds.model import Article, Unchanged
from hnp_feeds.publish import ingest, publish
from hnp_feeds.store import RawRecords, open_store
from hnp_feeds.timezone import localize

from .portal import catalogue, record, write_records

NOW = localize(datetime(2022, 7, 1, 12, 0))


def _store(tmp_path: Path) -> Path:
    return tmp_path / "var" / "hnp-feeds.sqlite"


def _known(tmp_path: Path) -> dict[str, str]:
    with open_store(_store(tmp_path)) as store:
        return store.raw_hashes()


def _each(items: list[Item]) -> list[tuple[str, str] | Item]:
    """Each record of ``items``: an unchanged one as its id and ``source:line``."""
    return [
        one for item in items for one in (item.each() if isinstance(item, Unchanged) else [item])
    ]


def test_a_jsonl_line_read_before_is_unchanged_before_it_is_parsed(tmp_path: Path) -> None:
    cat = catalogue(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(n) for n in range(5)])
    first = ingest(cat, [export], now=NOW)
    assert first.added == 5
    known = _known(tmp_path)
    assert sorted(known.values()) == [str(1000 + n) for n in range(5)]
    items = list(read_source(export, known=known))
    assert items == [Unchanged(str(export), [str(1000 + n) for n in range(5)], range(1, 6))]
    # Without what the store knows, the same lines are Articles again.
    assert all(isinstance(item, Article) for item in read_source(export))


def test_a_few_lines_are_looked_up_one_by_one_many_from_every_digest_read_once(
    tmp_path: Path,
) -> None:
    cat = catalogue(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(n) for n in range(5)])
    ingest(cat, [export], now=NOW)
    expected = [(str(1000 + n), f"{export}:{n + 1}") for n in range(5)]
    with open_store(_store(tmp_path)) as store:
        few = RawRecords(store, store.raw_hashes)
        assert _each(list(read_source(export, known=few))) == expected
        assert few.all is None and few.get("0" * 32) is None  # never read whole
        many = RawRecords(store, store.raw_hashes)
        many.BULK = 2
        assert _each(list(read_source(export, known=many))) == expected
        assert many.all == store.raw_hashes() and len(many) == 5


def test_only_the_changed_line_is_read_and_an_unchanged_one_is_still_seen(
    tmp_path: Path,
) -> None:
    cat = catalogue(tmp_path)
    export = tmp_path / "export.jsonl"
    write_records(export, [record(n) for n in range(4)])
    publish(cat, [export], now=NOW, workers=1)
    write_records(export, [record(0), record(1, title="Tiêu đề đã sửa"), record(2), record(3)])
    items = list(read_source(export, known=_known(tmp_path)))
    assert [type(item).__name__ for item in _each(items)] == [
        "tuple", "Article", "tuple", "tuple",
    ]  # fmt: skip
    done = publish(cat, [export], now=NOW, workers=1)
    assert done.ingest is not None
    assert (done.ingest.changed, done.ingest.unchanged, done.ingest.seen) == (1, 3, 4)
    assert str(export) in done.ingest.sources
    main = (tmp_path / "feeds" / "tin-moi" / "atom.xml").read_bytes().decode()
    assert "Tiêu đề đã sửa" in main
    # The edited line is known as it is now: the next run reads nothing.
    again = list(read_source(export, known=_known(tmp_path)))
    assert all(isinstance(item, Unchanged) for item in again)


def test_the_same_record_in_other_bytes_is_read_once_more_then_skipped(tmp_path: Path) -> None:
    cat = catalogue(tmp_path)
    export = tmp_path / "export.jsonl"
    write_records(export, [record(1)])
    ingest(cat, [export], now=NOW)
    # The same fields in another order: other bytes, the same article.
    reordered = dict(reversed(list(record(1).items())))
    export.write_text(json.dumps(reordered, ensure_ascii=False) + "\n", encoding="utf-8")
    (item,) = read_source(export, known=_known(tmp_path))
    assert isinstance(item, Article)
    result = ingest(cat, [export], now=NOW)
    assert (result.unchanged, result.changed) == (1, 0)
    (item,) = read_source(export, known=_known(tmp_path))
    assert item == Unchanged(str(export), ["1001"], range(1, 2))


def test_a_duplicate_of_an_unchanged_line_is_still_refused(tmp_path: Path) -> None:
    cat = catalogue(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(1)])
    ingest(cat, [export], now=NOW)
    more = write_records(tmp_path / "more.jsonl", [record(1, title="Một bản khác")])
    items = list(read_sources([export, more], known=_known(tmp_path)))
    assert isinstance(items[0], Unchanged)
    assert isinstance(items[1], RecordError)
    assert items[1].reason == f"duplicate id '1001', first seen at {export}:1"
    # An identical line twice: the second is the duplicate, as before.
    twice = write_records(tmp_path / "twice.jsonl", [record(1), record(1)])
    items = list(read_sources([twice], known=_known(tmp_path)))
    assert isinstance(items[0], Unchanged) and isinstance(items[1], RecordError)
    assert "duplicate id '1001'" in items[1].reason


def test_other_limits_read_every_line_again(tmp_path: Path) -> None:
    cat = catalogue(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(1), record(2)])
    ingest(cat, [export], now=NOW)
    known = _known(tmp_path)
    assert all(isinstance(i, Unchanged) for i in read_source(export, known=known))
    strict = Limits(title_chars=10)
    items = list(read_source(export, known=known, limits=strict))
    assert all(isinstance(item, RecordError) and "title" in item.reason for item in items)


def test_a_rejected_line_is_read_again_each_run(tmp_path: Path) -> None:
    cat = catalogue(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(1), record(2, published="")])
    first = ingest(cat, [export], now=NOW)
    assert len(first.rejected) == 1
    items = list(read_source(export, known=_known(tmp_path)))
    assert isinstance(items[0], Unchanged)
    assert isinstance(items[1], RecordError) and "published" in items[1].reason


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_csv_row_read_before_is_unchanged_unless_the_header_changed(tmp_path: Path) -> None:
    cat = catalogue(tmp_path)
    header = ["id", "url", "title", "published", "category"]
    rows = [
        [str(1000 + n), f"https://hnp.example.vn/thoi-su/bai-{n}.html", f"Bài {n}",
         f"2022-06-0{n + 1} 08:00", "Thời sự"]
        for n in range(3)
    ]  # fmt: skip
    export = _write_csv(tmp_path / "export.csv", header, rows)
    assert ingest(cat, [export], now=NOW).added == 3
    items = list(read_source(export, known=_known(tmp_path)))
    assert _each(items) == [(str(1000 + n), f"{export}:{n + 2}") for n in range(3)]
    rows[1][2] = "Bài 1 đã sửa"
    _write_csv(export, header, rows)
    items = list(read_source(export, known=_known(tmp_path)))
    assert [type(item).__name__ for item in _each(items)] == ["tuple", "Article", "tuple"]
    # The same cells under other column names are other records: all read again.
    renamed = ["id", "url", "summary", "published", "title"]
    _write_csv(export, renamed, rows)
    items = list(read_source(export, known=_known(tmp_path)))
    assert not any(isinstance(item, Unchanged) for item in items)

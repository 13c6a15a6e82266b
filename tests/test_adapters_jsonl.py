"""adapters/jsonl.py and read_sources: JSON Lines with errors naming file:line."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from hnp_feeds.adapters import adapter_for, kind_of, read_source, read_sources
from hnp_feeds.errors import ConfigError, RecordError
from hnp_feeds.model import Article

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad_records.jsonl"


def line(**fields: object) -> str:
    record: dict[str, object] = {
        "id": "1",
        "url": "https://hnp.example.vn/a/1.html",
        "title": "Tiêu đề",
        "published": "2022-06-17 20:22",
    }
    record.update(fields)
    return json.dumps(record, ensure_ascii=False)


def test_bad_records_are_reported_and_the_rest_published(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="hnp_feeds.adapters"):
        items = list(read_sources([BAD]))
    errors = {e.position: e.reason for e in items if isinstance(e, RecordError)}
    published = [a.id for a in items if isinstance(a, Article)]
    assert published == ["bad-ok-1", "bad-controls", "bad-ok-2", "bad-script", "bad-ok-3"]
    assert "missing title" in errors["2"]
    assert "impossible date" in errors["3"]
    assert "relative" in errors["4"] and "url" in errors["4"]
    assert errors["7"] == f"duplicate id 'bad-ok-1', first seen at {BAD}:1"
    assert "mis-encoded" in errors["9"]
    assert "related[1]" in errors["10"] and "relative" in errors["10"]
    assert "not valid JSON" in errors["11"]
    assert set(errors) == {"2", "3", "4", "7", "9", "10", "11"}
    assert all(e.source == str(BAD) for e in items if isinstance(e, RecordError))
    messages = [r.getMessage() for r in caplog.records]
    assert any(f"{BAD}:5" in m and "control characters" in m for m in messages)
    assert any(f"{BAD}:8" in m and "removed scripts" in m for m in messages)
    by_id = {a.id: a for a in items if isinstance(a, Article)}
    assert by_id["bad-controls"].title == "Bài có ký tự điều khiển"
    script = by_id["bad-script"].content_html
    assert "script" not in script and "onclick" not in script and "javascript" not in script
    assert 'href="https://hnp.example.vn/van-hoa/bai-khac.html"' in script


def test_positions_count_blank_lines_and_skip_them(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n" + line() + "\n\n" + line(id="2", title="") + "\n", encoding="utf-8")
    items = list(read_source(path))
    assert isinstance(items[0], Article) and items[0].source == f"{path}:2"
    assert isinstance(items[1], RecordError) and items[1].where == f"{path}:4"


def test_not_utf8_and_not_an_object_are_reported_per_line(tmp_path: Path) -> None:
    path = tmp_path / "in.ndjson"
    path.write_bytes(
        b'\xef\xbb\xbf["a"]\n' + b'{"title": "\xff"}\n' + line(id="3").encode() + b"\n"
    )
    items = list(read_source(path))
    assert [type(i).__name__ for i in items] == ["RecordError", "RecordError", "Article"]
    assert isinstance(items[0], RecordError) and "JSON object" in items[0].reason
    assert isinstance(items[1], RecordError) and "not UTF-8" in items[1].reason


def test_missing_file_is_one_record_error(tmp_path: Path) -> None:
    items = list(read_source(tmp_path / "nowhere.jsonl"))
    assert len(items) == 1 and isinstance(items[0], RecordError)
    assert "cannot read" in items[0].reason


def test_duplicates_across_sources(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(line(id="7") + "\n", encoding="utf-8")
    second.write_text(line(id="8") + "\n" + line(id=7) + "\n", encoding="utf-8")
    items = list(read_sources([first, second]))
    assert [i.id for i in items if isinstance(i, Article)] == ["7", "8"]
    error = items[2]
    assert isinstance(error, RecordError)
    assert error.where == f"{second}:2" and f"first seen at {first}:1" in error.reason


def test_adapter_choice_by_location(tmp_path: Path) -> None:
    assert kind_of("x.JSONL") == ".jsonl"
    assert kind_of("sqlite:///var/hnp.sqlite") == "sqlite:"
    assert kind_of("postgresql://db/hnp") == "postgresql:"
    assert kind_of(tmp_path) == "dir"
    with pytest.raises(ConfigError, match="no adapter"):
        adapter_for(tmp_path / "x.xlsx")

"""adapters/csv.py: the same records as JSON Lines, positions are the row's first line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hnp_feeds.adapters import read_source, read_sources
from hnp_feeds.errors import RecordError
from hnp_feeds.model import Article, Category, Image, Link

DATA = Path(__file__).parent / "data"
HEADER = ["id", "url", "title", "category", "tags", "published", "image", "related", "summary"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def row(**cells: str) -> list[str]:
    values = {
        "id": "1",
        "url": "https://hnp.example.vn/a/1.html",
        "title": "Tiêu đề",
        "category": "Kinh tế",
        "tags": "chợ; tiêu dùng",
        "published": "20:22 17/06/2022",
        "image": "",
        "related": '[{"url": "https://hnp.example.vn/a/2.html", "title": "Hai"}]',
        "summary": "",
    }
    values.update(cells)
    return [values[name] for name in HEADER]


def test_bad_records_csv_mirrors_the_jsonl() -> None:
    items = list(read_sources([DATA / "bad_records.csv"]))
    published = [a.id for a in items if isinstance(a, Article)]
    assert published == ["bad-ok-1", "bad-controls", "bad-ok-2", "bad-script", "bad-ok-3"]
    errors = {e.position: e.reason for e in items if isinstance(e, RecordError)}
    assert set(errors) == {"3", "4", "5", "8", "10", "11"}
    assert "missing title" in errors["3"]
    assert "impossible date" in errors["4"]
    assert "relative" in errors["5"]
    assert "duplicate id 'bad-ok-1'" in errors["8"]
    assert "mis-encoded" in errors["10"]
    assert "related[1]" in errors["11"]


def test_cells_become_a_full_article(tmp_path: Path) -> None:
    image = '{"url": "/media/a.jpg", "caption": "Chợ", "width": 800}'
    path = write_csv(tmp_path / "in.csv", [row(image=image, summary="HNP - Lede")])
    [article] = list(read_source(path))
    assert isinstance(article, Article)
    assert article.source == f"{path}:2"
    assert article.published.isoformat() == "2022-06-17T20:22:00+07:00"
    assert article.category == Category("kinh-te", "Kinh tế")
    assert article.tags == ("chợ", "tiêu dùng")
    assert article.related == (Link("https://hnp.example.vn/a/2.html", "Hai"),)
    assert article.image == Image("https://hnp.example.vn/media/a.jpg", "Chợ", width=800)
    assert article.summary == "Lede"


def test_positions_follow_multiline_cells(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "in.csv",
        [
            row(summary="dòng một\ndòng hai\ndòng ba"),
            row(id="2", title=""),
            row(id="3", related="[not json"),
        ],
    )
    items = list(read_source(path))
    assert isinstance(items[0], Article) and items[0].source == f"{path}:2"
    assert isinstance(items[1], RecordError) and items[1].position == "5"
    assert isinstance(items[2], RecordError) and items[2].position == "6"
    assert "related: not valid JSON" in items[2].reason


def test_missing_required_column_stops_the_file(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [["1", "x"]], header=["id", "url"])
    [error] = list(read_source(path))
    assert isinstance(error, RecordError)
    assert error.position == "1" and "title, published" in error.reason


def test_short_row_is_reported_and_the_next_read(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [["7", "x"], row(id="8")])
    items = list(read_source(path))
    assert isinstance(items[0], RecordError) and "2 cells" in items[0].reason
    assert isinstance(items[1], Article) and items[1].id == "8"


def test_bom_and_blank_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [row(), ["", "", "", "", "", "", "", "", ""]])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    items = list(read_source(path))
    assert len(items) == 1 and isinstance(items[0], Article)

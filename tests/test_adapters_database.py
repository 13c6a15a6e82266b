"""The CMS database source: a real SQLite file always, a real PostgreSQL server when one
answers on 127.0.0.1:5432 (``make postgres`` starts one)."""

from __future__ import annotations

import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds.adapters import read_source
from hnp_feeds.adapters.database import (
    DatabaseSource,
    Mark,
    StateTable,
    read_database,
    redacted,
    sqlite_path,
)
from hnp_feeds.errors import ConfigError, RecordError
from hnp_feeds.model import Article, Category, Link
from hnp_feeds.timezone import localize

# A CMS-like schema with Vietnamese column names, as the portal's CMS might have.
SCHEMA = """
CREATE TABLE chuyen_muc (ma INTEGER PRIMARY KEY, ten TEXT NOT NULL, duong_dan TEXT NOT NULL);
CREATE TABLE bai_viet (
    ma INTEGER PRIMARY KEY,
    tieu_de TEXT NOT NULL,
    sapo TEXT,
    noi_dung TEXT,
    tac_gia TEXT,
    ma_chuyen_muc INTEGER REFERENCES chuyen_muc (ma),
    the TEXT,
    anh TEXT,
    lien_quan TEXT,
    ngay_dang TEXT NOT NULL,
    ngay_sua TEXT NOT NULL,
    trang_thai TEXT NOT NULL DEFAULT 'published',
    duong_dan TEXT
);
CREATE INDEX bai_viet_ngay_sua ON bai_viet (ngay_sua);
"""

QUERY = """
SELECT b.ma, b.tieu_de, b.sapo, b.noi_dung, b.tac_gia, c.duong_dan AS cm_slug, c.ten AS cm_ten,
       b.the, b.anh, b.lien_quan, b.ngay_dang, b.ngay_sua, b.trang_thai,
       'https://hanoi.example.vn/tin/' || b.duong_dan || '.htm' AS url
FROM bai_viet AS b LEFT JOIN chuyen_muc AS c ON c.ma = b.ma_chuyen_muc
"""

MAPPING = {
    "id": "ma",
    "title": "tieu_de",
    "summary": "sapo",
    "content_html": "noi_dung",
    "author": "tac_gia",
    "category_slug": "cm_slug",
    "category_name": "cm_ten",
    "tags": "the",
    "image_url": "anh",
    "related": "lien_quan",
    "published": "ngay_dang",
    "updated": "ngay_sua",
    "status": "trang_thai",
}

INSERT = (
    "INSERT INTO bai_viet (ma, tieu_de, sapo, noi_dung, tac_gia, ma_chuyen_muc, the, anh,"
    " lien_quan, ngay_dang, ngay_sua, trang_thai, duong_dan)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)

ROWS: list[tuple[Any, ...]] = [
    (1, "Đổi mới phương thức lãnh đạo của Đảng", "HNP - Phát biểu tham luận tại Hội thảo.",
     "<p>Thành ủy <b>Hà Nội</b> thường xuyên nghiên cứu.</p><script>x()</script>",
     "Trọng Toàn", 1, "Đảng bộ;Nghị quyết", "/anh/hoi-thao.jpg",
     '[{"url": "https://hanoi.example.vn/tin/bai-cu.htm", "title": "Bài cũ"}]',
     "2022-06-17 20:22", "2022-06-17 20:22:00", "published", "doi-moi"),
    (2, "Quận Ba Đình tổng kết công tác", "HNP - Tổng kết năm.", "<p>Nội dung.</p>",
     None, 1, None, None, None, "2022-06-16 10:15", "2022-06-16 10:15:00", "published", "ba-dinh"),
    (3, "Bản nháp", "", "", None, 2, None, None, None,
     "2022-06-18 08:00", "2022-06-18 08:00:00", "draft", None),
]  # fmt: skip


def row(number: int, title: str, published: str, updated: str) -> tuple[Any, ...]:
    """A published row of category 2 with only the required columns."""
    return (number, title, "", "", None, 2, None, None, None, published, updated, "published",
            f"bai-{number}")  # fmt: skip


def make_cms(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(SCHEMA)
        conn.executemany(
            "INSERT INTO chuyen_muc VALUES (?, ?, ?)",
            [(1, "Thời sự", "thoi-su"), (2, "Giáo dục", "giao-duc")],
        )
        conn.executemany(INSERT, ROWS)
    conn.close()
    return path


@pytest.fixture
def cms(tmp_path: Path) -> Path:
    return make_cms(tmp_path / "cms.sqlite")


def read_all(source: DatabaseSource) -> list[Article | RecordError]:
    items = list(source.read())
    source.commit()
    return items


def articles(items: list[Article | RecordError]) -> dict[str, Article]:
    return {i.id: i for i in items if isinstance(i, Article)}


def test_rows_become_articles(cms: Path, tmp_path: Path) -> None:
    source = DatabaseSource(f"sqlite://{cms}", QUERY, MAPPING)
    items = read_all(source)
    assert all(isinstance(i, Article) for i in items), items
    got = articles(items)
    assert set(got) == {"1", "2", "3"}
    first = got["1"]
    assert first.title == "Đổi mới phương thức lãnh đạo của Đảng"
    assert first.summary == "Phát biểu tham luận tại Hội thảo."
    assert first.published == localize(datetime(2022, 6, 17, 20, 22))
    assert first.url == "https://hanoi.example.vn/tin/doi-moi.htm"
    assert first.category == Category("thoi-su", "Thời sự")
    assert first.tags == ("Đảng bộ", "Nghị quyết")
    assert first.related == (Link("https://hanoi.example.vn/tin/bai-cu.htm", "Bài cũ"),)
    assert first.image is not None
    assert first.image.url == "https://hanoi.example.vn/anh/hoi-thao.jpg"
    assert "<script>" not in first.content_html and "<b>Hà Nội</b>" in first.content_html
    assert first.source == f"sqlite://{cms}:2"  # the second row read: oldest change first
    assert got["3"].status == "draft" and got["3"].url is None
    # Oldest change first.
    assert [i.id for i in items if isinstance(i, Article)] == ["2", "1", "3"]


def marks_db(tmp_path: Path) -> sqlite3.Connection:
    """A SQLite file for the read positions, as the store keeps them."""
    return sqlite3.connect(tmp_path / "marks.sqlite", isolation_level=None)


def saved_marks(state: sqlite3.Connection) -> list[Mark]:
    return [Mark.from_json(m) for (m,) in state.execute("SELECT mark FROM source_state")]


def test_incremental_second_run_reads_only_changed_rows(cms: Path, tmp_path: Path) -> None:
    state = marks_db(tmp_path)

    def run() -> list[str]:
        source = DatabaseSource(f"sqlite://{cms}", QUERY, MAPPING, state)
        return [i.id if isinstance(i, Article) else repr(i) for i in read_all(source)]

    assert sorted(run()) == ["1", "2", "3"]
    assert run() == []
    with sqlite3.connect(cms) as conn:
        conn.execute(
            "UPDATE bai_viet SET tieu_de = 'Tiêu đề mới', ngay_sua = '2022-06-19 09:00:00'"
            " WHERE ma = 2"
        )
        conn.execute(INSERT, row(4, "Bài mới", "2022-06-19 09:30", "2022-06-19 09:30:00"))
    conn.close()
    assert run() == ["2", "4"]
    # A row saved in the same second as the mark is read once, not lost, not repeated.
    with sqlite3.connect(cms) as conn:
        conn.execute(INSERT, row(5, "Cùng giây", "2022-06-19 09:30", "2022-06-19 09:30:00"))
    conn.close()
    assert run() == ["5"]
    assert run() == []
    assert saved_marks(state) == [Mark("2022-06-19 09:30:00", ("4", "5"))]


def test_mark_is_saved_only_after_every_item_was_taken(cms: Path, tmp_path: Path) -> None:
    state = marks_db(tmp_path)
    location = f"sqlite://{cms}"
    reader = read_database(location, query=QUERY, mapping=MAPPING, state=state)
    next(reader)
    reader.close()  # the caller stopped half-way: nothing is marked as read
    assert saved_marks(state) == []
    assert len(list(read_database(location, query=QUERY, mapping=MAPPING, state=state))) == 3
    assert list(read_database(location, query=QUERY, mapping=MAPPING, state=state)) == []


def test_state_in_the_store_database(cms: Path, tmp_path: Path) -> None:
    store = sqlite3.connect(tmp_path / "store.sqlite")
    try:
        source = DatabaseSource(f"sqlite://{cms}", QUERY, MAPPING, store)
        assert len(read_all(source)) == 3
        again = DatabaseSource(f"sqlite://{cms}", QUERY, MAPPING, store)
        assert read_all(again) == []
        assert store.execute("SELECT count(*) FROM source_state").fetchone()[0] == 1
        # Another query is another source: it starts from the beginning.
        other = DatabaseSource(f"sqlite://{cms}", QUERY + " WHERE b.ma < 3", MAPPING, store)
        assert len(read_all(other)) == 2
    finally:
        store.close()


def test_query_with_its_own_since_parameter(cms: Path, tmp_path: Path) -> None:
    query = QUERY + " WHERE b.ngay_sua >= :since ORDER BY b.ngay_sua, b.ma"
    state = marks_db(tmp_path)
    first = read_all(DatabaseSource(f"sqlite://{cms}", query, MAPPING, state))
    assert len(first) == 3
    assert read_all(DatabaseSource(f"sqlite://{cms}", query, MAPPING, state)) == []


def test_bad_rows_are_reported_and_the_rest_read(cms: Path) -> None:
    with sqlite3.connect(cms) as conn:
        conn.execute(INSERT, row(6, "Ngày sai", "31/02/2022", "2022-06-20 00:00:00"))
        conn.execute(INSERT, row(7, "Tin Hµ Néi (TCVN3)", "2022-06-20 01:00", "2022-06-20 01:00"))
    conn.close()
    items = read_all(DatabaseSource(f"sqlite://{cms}", QUERY, MAPPING))
    errors = [i for i in items if isinstance(i, RecordError)]
    assert [e.record_id for e in errors] == ["6", "7"]
    assert errors[0].source == f"sqlite://{cms}"
    assert errors[0].position == "4"
    assert "published" in errors[0].reason
    assert "mis-encoded" in errors[1].reason
    assert set(articles(items)) == {"1", "2", "3"}


def test_database_is_opened_read_only(cms: Path) -> None:
    before = cms.read_bytes()
    query = "DELETE FROM bai_viet WHERE ngay_sua >= :since RETURNING *"
    items = list(DatabaseSource(f"sqlite://{cms}", query, MAPPING).read())
    assert len(items) == 1 and isinstance(items[0], RecordError)
    assert "readonly" in items[0].reason.replace("-", "").replace(" ", "")
    assert cms.read_bytes() == before


def test_missing_database_and_bad_sql_are_one_error_each(tmp_path: Path) -> None:
    missing = list(DatabaseSource(f"sqlite://{tmp_path}/none.db").read())
    assert len(missing) == 1 and isinstance(missing[0], RecordError)
    assert "no database file" in missing[0].reason
    cms = make_cms(tmp_path / "cms.sqlite")
    bad = list(DatabaseSource(f"sqlite://{cms}", "SELECT * FROM khong_co").read())
    assert len(bad) == 1 and isinstance(bad[0], RecordError)
    assert "no such table" in bad[0].reason


def test_default_query_and_same_names(tmp_path: Path) -> None:
    path = tmp_path / "plain.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE articles (id, url, title, published, updated, category, tags, related)"
        )
        conn.execute(
            "INSERT INTO articles VALUES (10, 'https://hanoi.example.vn/a', 'Tin', "
            '\'20:22 17/06/2022\', NULL, \'{"slug": "thoi-su", "name": "Thời sự"}\', '
            "'[\"Hà Nội\"]', NULL)"
        )
    conn.close()
    (article,) = list(read_source(f"sqlite://{path}"))
    assert isinstance(article, Article)
    assert article.id == "10" and article.tags == ("Hà Nội",)
    assert article.category == Category("thoi-su", "Thời sự")


def test_urls_and_options() -> None:
    assert sqlite_path("sqlite:///var/cms.db") == Path("/var/cms.db")
    assert sqlite_path("sqlite:/var/cms.db") == Path("/var/cms.db")
    assert sqlite_path("sqlite:cms.db") == Path("cms.db")
    assert sqlite_path("sqlite:////var/cms.db") == Path("/var/cms.db")
    with pytest.raises(ConfigError):
        sqlite_path("sqlite://host/cms.db")
    assert redacted("postgresql://hnp:secret@db:5432/cms") == "postgresql://hnp:***@db:5432/cms"
    assert redacted("postgresql://db/cms") == "postgresql://db/cms"
    # The catalogue's [database] checks (tests/test_config.py), for a source made in code.
    with pytest.raises(ConfigError, match="sqlite:///x.db: mapping: unknown fields tieu_de"):
        DatabaseSource("sqlite:///x.db", mapping={"tieu_de": "title"})
    with pytest.raises(ConfigError, match="plain SQL name"):
        DatabaseSource("sqlite:///x.db", mapping={"updated": "x; DROP TABLE y"})
    with pytest.raises(ConfigError, match="field = "):
        DatabaseSource("sqlite:///x.db", mapping={"title": 3})  # type: ignore[dict-item]


def test_marks_survive_a_restart_and_join_the_callers_transaction(tmp_path: Path) -> None:
    first = marks_db(tmp_path)
    state = StateTable(first)
    assert state.load("a") is None
    when = localize(datetime(2022, 6, 17, 20, 22))
    first.execute("BEGIN IMMEDIATE")  # as the store's ingest does
    state.save("a", Mark(when, ("1",)))
    assert first.in_transaction  # not committed behind the caller's back
    first.execute("ROLLBACK")
    assert state.load("a") is None
    state.save("a", Mark(when, ("1",)))  # outside a transaction: committed at once
    first.close()
    assert StateTable(marks_db(tmp_path)).load("a") == Mark(when, ("1",))


# -- PostgreSQL ----------------------------------------------------------------------------

POSTGRES_URL = os.environ.get("HNP_POSTGRES_URL", "postgresql://hnp:hnp@127.0.0.1:5432/hnp_test")


def _postgres_reason() -> str | None:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install 'hnp-feeds[postgres]')"
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
    except OSError:
        return "no PostgreSQL server on 127.0.0.1:5432 (run `make postgres`)"
    return None


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    reason = _postgres_reason()
    if reason:
        pytest.skip(reason)
    import psycopg

    schema = "hnp_test_" + uuid.uuid4().hex[:8]
    try:
        conn = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 refused {redacted(POSTGRES_URL)}: {exc}")
    with conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.bai_viet (ma bigint PRIMARY KEY, tieu_de text NOT NULL,"
            " duong_dan text, ngay_dang timestamptz NOT NULL, ngay_sua timestamptz NOT NULL,"
            " the jsonb, trang_thai text NOT NULL DEFAULT 'published', ty_le numeric)"
        )
        conn.execute(
            f"INSERT INTO {schema}.bai_viet VALUES"
            " (1, 'Đổi mới phương thức lãnh đạo', 'https://hanoi.example.vn/1',"
            "  '2022-06-17 20:22+07', '2022-06-17 20:22+07', '[\"Đảng bộ\"]', 'published', 1.5),"
            " (2, 'Tổng kết 100% công việc', 'https://hanoi.example.vn/2',"
            "  '2022-06-16 03:15+00', '2022-06-16 03:15+00', NULL, 'published', NULL)"
        )
        try:
            yield schema
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_postgresql_incremental(postgres_schema: str, tmp_path: Path) -> None:
    import psycopg

    schema = postgres_schema
    query = f"SELECT * FROM {schema}.bai_viet WHERE tieu_de NOT LIKE 'x%'"
    mapping = {"id": "ma", "title": "tieu_de", "url": "duong_dan", "published": "ngay_dang",
               "updated": "ngay_sua", "tags": "the", "status": "trang_thai"}  # fmt: skip
    state = marks_db(tmp_path)

    def run() -> list[Article | RecordError]:
        return read_all(DatabaseSource(POSTGRES_URL, query, mapping, state))

    first = run()
    assert [i.id for i in first if isinstance(i, Article)] == ["2", "1"], first
    got = articles(first)
    assert got["1"].published == localize(datetime(2022, 6, 17, 20, 22))
    assert got["2"].published == localize(datetime(2022, 6, 16, 10, 15))
    assert got["1"].tags == ("Đảng bộ",)
    assert got["2"].title == "Tổng kết 100% công việc"
    assert run() == []
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(
            f"UPDATE {schema}.bai_viet SET tieu_de = 'Đã sửa', ngay_sua = now() WHERE ma = 2"
        )
    (changed,) = run()
    assert isinstance(changed, Article) and (changed.id, changed.title) == ("2", "Đã sửa")
    assert run() == []


def test_postgresql_unreachable_is_one_error() -> None:
    if _postgres_reason() and "psycopg" in str(_postgres_reason()):
        pytest.skip("psycopg is not installed")
    url = "postgresql://nobody:pw@127.0.0.1:9/none"
    items = list(DatabaseSource(url).read())
    assert len(items) == 1 and isinstance(items[0], RecordError)
    assert items[0].source == "postgresql://nobody:***@127.0.0.1:9/none"
    assert "pw" not in str(items[0])

"""Computed related posts: the obvious neighbours of a hand-made portal are found."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from hnp_feeds.model import Article, Category, Link
from hnp_feeds.related import WINDOW_DAYS, RelatedIndex
from hnp_feeds.related_text import STOP_SYLLABLES, terms
from hnp_feeds.timezone import localize

BASE = "https://hanoi.example.vn/bai/"
THOI_SU = Category("thoi-su", "Thời sự")
THE_THAO = Category("the-thao", "Thể thao")
GIAO_DUC = Category("giao-duc", "Giáo dục")


def complete_related(
    articles: Sequence[Article],
    n: int,
    conn: sqlite3.Connection | None = None,
    window_days: float | None = WINDOW_DAYS,
) -> list[Article]:
    """The articles with related links filled in up to ``n`` (explicit ones first), as the
    store completes them at ingest (``store.ingest``), for the index's own tests.

    With ``conn`` the index lives in that database (and keeps whatever it already
    holds); without, an in-memory SQLite holds it for this call.
    """
    own = conn is None
    connection = sqlite3.connect(":memory:") if conn is None else conn
    try:
        index = RelatedIndex(connection, window_days)
        index.add(articles)
        return [
            a if len(a.related) >= n else replace(a, related=index.related_for(a, n))
            for a in articles
        ]
    finally:
        if own:
            connection.close()


def article(
    id: str,
    title: str,
    day: int,
    *,
    summary: str = "",
    tags: tuple[str, ...] = (),
    category: Category | None = THOI_SU,
    status: str = "published",
    related: tuple[Link, ...] = (),
    url: str | None = "",
) -> Article:
    moment = localize(datetime(2022, 6, day, 8, 0))
    return Article(
        id=id,
        title=title,
        published=moment,
        updated=moment,
        url=BASE + id if url == "" else url,
        summary=summary,
        tags=tags,
        category=category,
        status=status,  # type: ignore[arg-type]
        related=related,
    )


PORTAL = [
    article(
        "lu-1",
        "Mưa lớn gây ngập úng nhiều tuyến phố nội thành",
        2,
        summary="HNP - Trận mưa lớn chiều qua khiến nhiều tuyến phố ngập úng, giao thông ùn tắc.",
        tags=("ngập úng", "thời tiết"),
    ),
    article(
        "lu-2",
        "Thành phố chủ động phòng chống ngập úng mùa mưa bão",
        3,
        summary="HNP - Các quận triển khai phương án tiêu thoát nước, chống ngập úng khi mưa lớn.",
        tags=("ngập úng",),
    ),
    article(
        "lu-3",
        "Dự báo mưa lớn, nguy cơ ngập úng cục bộ",
        4,
        summary="HNP - Trung tâm dự báo cảnh báo mưa lớn diện rộng, ngập úng ở vùng trũng.",
        tags=("thời tiết", "ngập úng"),
    ),
    article(
        "bd-1",
        "Đội tuyển bóng đá U23 thắng đậm trận ra quân",
        5,
        summary="HNP - U23 Việt Nam thắng 3-0 trong trận ra quân giải bóng đá khu vực.",
        tags=("bóng đá",),
        category=THE_THAO,
    ),
    article(
        "bd-2",
        "Bóng đá U23: huấn luyện viên công bố danh sách đội tuyển",
        6,
        summary="HNP - Danh sách đội tuyển U23 chuẩn bị cho giải bóng đá khu vực.",
        tags=("bóng đá",),
        category=THE_THAO,
    ),
    article(
        "gd-1",
        "Kỳ thi tốt nghiệp trung học phổ thông diễn ra an toàn",
        7,
        summary="HNP - Hơn 100 nghìn thí sinh dự kỳ thi tốt nghiệp trung học phổ thông.",
        tags=("tuyển sinh", "thi tốt nghiệp"),
        category=GIAO_DUC,
    ),
    article(
        "gd-2",
        "Công bố điểm thi tốt nghiệp trung học phổ thông",
        8,
        summary="HNP - Thí sinh tra cứu điểm thi tốt nghiệp từ sáng nay.",
        tags=("thi tốt nghiệp",),
        category=GIAO_DUC,
    ),
]


def by_id(articles: list[Article]) -> dict[str, Article]:
    return {a.id: a for a in articles}


def urls(links: tuple[Link, ...]) -> list[str]:
    return [link.url.removeprefix(BASE) for link in links]


def test_terms_keep_tone_marks_and_leave_out_function_words() -> None:
    # Tone marks kept: cốm (rice flakes), cơm (rice), gốm (pottery) are three words;
    # function words, numbers and punctuation end a run: no pair across them.
    said = terms(article("t", "Cốm, cơm và gốm: Hà Nội mở thêm 3 tuyến xe buýt của thành phố", 2))
    assert set(said) == {
        *("cốm", "cơm", "gốm", "hà", "nội", "mở", "tuyến", "xe", "buýt", "thành", "phố"),
        *("hà nội", "nội mở", "tuyến xe", "xe buýt", "thành phố"),
    }
    # Decomposed input (a combining tone mark) is the same word as composed.
    assert set(terms(article("d", "Co\u0302\u0301m", 2))) == {"cốm"}
    assert {"và", "của", "là", "các", "những", "được"} <= STOP_SYLLABLES
    found = terms(
        article("x", "Trung ương họp", 2, summary="HNP - Trung học.", tags=("Cốm  Làng Vòng",))
    )
    # Syllables, syllable pairs, the tag as ONE term; "HNP" is no term.
    assert {"trung", "ương", "trung ương", "trung học", "#cốm làng vòng"} <= set(found)
    assert "hnp" not in found and "cốm" not in found and "trung ương họp" not in found
    # A tag weighs most, a pair more than its syllables; the vector has length 1.
    assert found["#cốm làng vòng"] > found["trung ương"] > found["ương"]
    assert abs(sum(w * w for w in found.values()) - 1) < 1e-6  # float32
    # A two-syllable word as common as a function word is no pair term.
    assert set(terms(article("s", "Đưa vào sử dụng", 2))) == {"đưa", "sử", "dụng"}
    # Not a candidate: nothing to say.
    assert terms(article("y", "và của là", 2)) == {}


def test_obvious_neighbours_are_found() -> None:
    done = by_id(complete_related(PORTAL, 2))
    assert urls(done["lu-3"].related) == ["lu-1", "lu-2"]
    assert urls(done["lu-2"].related)[0] == "lu-1"
    assert urls(done["bd-2"].related)[0] == "bd-1"
    assert urls(done["gd-2"].related)[0] == "gd-1"
    # Every computed link carries the neighbour's title.
    assert done["gd-2"].related[0].title == PORTAL[5].title


def test_never_self_newer_draft_or_retracted() -> None:
    portal = [
        *PORTAL,
        article("lu-draft", "Ngập úng mưa lớn phố nội thành (nháp)", 3, status="draft"),
        article("lu-gone", "Mưa lớn ngập úng tuyến phố nội thành", 3, status="retracted"),
        article("lu-4", "Mưa lớn ngập úng tuyến phố nội thành lần nữa", 20),
        article("lu-nourl", "Mưa lớn ngập úng phố nội thành", 3, url=None),
    ]
    done = by_id(complete_related(portal, 5))
    for a in done.values():
        assert a.id not in urls(a.related), a.id
    lu3 = urls(done["lu-3"].related)
    assert {"lu-draft", "lu-gone", "lu-4", "lu-nourl"}.isdisjoint(lu3)
    assert lu3[:2] == ["lu-1", "lu-2"]
    # The oldest article has nothing older to point to.
    assert done["lu-1"].related == ()
    # The newest flood article finds the three published flood articles before it.
    assert set(urls(done["lu-4"].related)) >= {"lu-1", "lu-2", "lu-3"}


def test_explicit_links_come_first_and_are_not_repeated() -> None:
    explicit = (Link(BASE + "bd-1", "Bóng đá"), Link("https://other.example/x", "Ngoài"))
    portal = [*PORTAL[:-1], replace(PORTAL[-1], related=explicit)]
    done = by_id(complete_related(portal, 4))
    got = done["gd-2"].related
    assert got[:2] == explicit
    assert urls(got)[2] == "gd-1"
    # Nothing else is about the exam: the fourth slot stays empty rather than filled.
    assert len(got) == 3


def test_enough_explicit_links_are_kept_as_they_are() -> None:
    explicit = tuple(Link(f"https://hanoi.example.vn/x{i}", f"X{i}") for i in range(3))
    a = article("gd-3", "Thi tốt nghiệp", 9, related=explicit, category=GIAO_DUC)
    done = by_id(complete_related([*PORTAL, a], 2))
    assert done["gd-3"].related == explicit


def test_same_category_is_boosted() -> None:
    portal = [
        article("a", "Giải chạy bộ vì cộng đồng", 2, category=THE_THAO),
        article("b", "Giải chạy bộ vì cộng đồng", 2, category=THOI_SU),
        article("c", "Giải chạy bộ vì cộng đồng năm nay", 3, category=THOI_SU),
    ]
    done = by_id(complete_related(portal, 1))
    assert urls(done["c"].related) == ["b"]


def test_deterministic_ties_whatever_the_input_order() -> None:
    twins = [
        article(f"t{i}", "Hội nghị tổng kết công tác năm", 2 + i % 2, category=THOI_SU)
        for i in range(6)
    ]
    target = article("z", "Hội nghị tổng kết công tác năm", 10)
    first = by_id(complete_related([*twins, target], 4))["z"].related
    second = by_id(complete_related([target, *reversed(twins)], 4))["z"].related
    assert first == second
    # Equal scores: the newest first, then by id.
    assert urls(first) == ["t1", "t3", "t5", "t0"]


def test_no_related_post_rather_than_an_irrelevant_one() -> None:
    # Same category, no word in common: the newest posts of the category are not offered.
    portal = [
        article("g1", "Gặp gỡ", 2, category=GIAO_DUC),
        article("g2", "Chào xuân", 3, category=GIAO_DUC),
        article("g3", "Tin vắn", 4, category=GIAO_DUC),
    ]
    assert by_id(complete_related(portal, 5))["g3"].related == ()


def test_index_in_a_real_database_file(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    with sqlite3.connect(path) as conn:
        RelatedIndex(conn).add(PORTAL)
    conn = sqlite3.connect(path)
    try:
        index = RelatedIndex(conn)
        assert urls(index.related_for(PORTAL[4], 1)) == ["bd-1"]
        index.remove(["bd-1"])
        assert "bd-1" not in urls(index.related_for(PORTAL[4], 3))
        # Re-adding under the same id replaces, never duplicates.
        index.add([PORTAL[3], PORTAL[3]])
        assert conn.execute("SELECT count(*) FROM related_docs").fetchone()[0] == len(PORTAL)
        assert urls(index.related_for(PORTAL[4], 1)) == ["bd-1"]
    finally:
        conn.close()


def test_text_matches_are_looked_for_in_the_year_before() -> None:
    old = replace(PORTAL[3], id="bd-0", url=BASE + "bd-0",
                  published=localize(datetime(2020, 6, 1, 8, 0)),
                  updated=localize(datetime(2020, 6, 1, 8, 0)), category=THOI_SU)  # fmt: skip
    done = by_id(complete_related([old, *PORTAL], 3))
    assert "bd-0" not in urls(done["bd-2"].related)
    everything = by_id(complete_related([old, *PORTAL], 3, window_days=None))
    assert urls(everything["bd-2"].related)[:2] == ["bd-1", "bd-0"]


def test_autocommit_store_connection_and_the_callers_transaction(tmp_path: Path) -> None:
    # The store opens its database with isolation_level=None (autocommit).
    conn = sqlite3.connect(tmp_path / "store.sqlite", isolation_level=None)
    try:
        RelatedIndex(conn).add(PORTAL)
        assert not conn.in_transaction
        assert conn.execute("SELECT count(*) FROM related_docs").fetchone()[0] == len(PORTAL)
        # Inside the caller's transaction the index neither commits nor ends it.
        conn.execute("BEGIN")
        RelatedIndex(conn).remove([a.id for a in PORTAL])
        assert conn.in_transaction
        conn.execute("ROLLBACK")
        assert conn.execute("SELECT count(*) FROM related_docs").fetchone()[0] == len(PORTAL)
    finally:
        conn.close()


@pytest.mark.parametrize("n", [0, 1, 3])
def test_never_more_than_asked_when_computing(n: int) -> None:
    done = complete_related(PORTAL, n)
    assert all(len(a.related) <= n for a in done)


def index_rows(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """The index's rows; an article's terms as a set of (term, weight) (their order in
    its row depends on the articles read with it)."""
    tables = [
        "related_terms",
        "related_lists",
        "related_postings",
        "related_rare",
        "related_corpus",
    ]
    rows = {table: sorted(conn.execute(f"SELECT * FROM {table}")) for table in tables}
    rows["related_docs"] = []
    for row in conn.execute("SELECT * FROM related_docs"):
        terms = zip(np.frombuffer(row[6], "<i8"), np.frombuffer(row[7], "<f4"), strict=True)
        rows["related_docs"].append((*row[:6], frozenset(terms)))
    rows["related_docs"].sort()
    return rows


def test_bulk_adds_write_what_one_add_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """A first ingest gives the index its articles a few thousand at a time, in bulk: the
    rows (postings written by parts of the term ids) and the links are one add's."""
    from hnp_feeds import related

    from .topics import generate

    articles = generate(300, seed=5).articles
    one = RelatedIndex(sqlite3.connect(":memory:"))
    one.add(articles)
    monkeypatch.setattr(related, "_PART_ENTRIES", 100)  # parts even for so few
    monkeypatch.setattr(related, "_LOAD_PIECE", 7)
    bulk = RelatedIndex(sqlite3.connect(":memory:"))
    with bulk.bulk():
        for start in range(0, len(articles), 70):
            bulk.add(articles[start : start + 70])
    assert index_rows(bulk.conn) == index_rows(one.conn)
    expected = one.related_many(articles, 3, one.snapshot())
    assert bulk.related_many(articles, 3, bulk.snapshot()) == expected
    assert sum(map(len, expected)) > 100
    # An article given again in the same bulk: its first postings are written first.
    again = RelatedIndex(sqlite3.connect(":memory:"))
    with again.bulk():
        again.add(articles[:200])
        again.add([replace(articles[10], title="Bài khác hẳn"), *articles[200:]])
    one.add([replace(articles[10], title="Bài khác hẳn")])
    assert again.related_many(articles, 3) == one.related_many(articles, 3)

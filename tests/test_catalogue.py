"""Which feeds exist and which articles each one selects, newest first."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hnp_feeds.catalogue import feeds_for, newest_first
from hnp_feeds.config import Catalogue
from hnp_feeds.model import Article, Category, FeedSpec, Site
from hnp_feeds.timezone import localize

from .oracle import select, selects

SITE = Site(
    title="Hà Nội Plus",
    base_url="https://hnp.example.vn/",
    feeds_url="https://hnp.example.vn/feeds/",
    tag_authority="hnp.example.vn",
    tag_date="2008-01-01",
)
TAG_FEED = FeedSpec(slug="tuyen-sinh", title="Tuyển sinh", kind="custom", tag="tuyen-sinh")
CATALOGUE = Catalogue(site=SITE, declared=(TAG_FEED,))


def article(n: int, **changes: object) -> Article:
    moment = localize(datetime(2024, 1, 1 + n % 28, 8, 0))
    base = Article(
        id=str(n),
        title=f"Bài {n}",
        published=moment,
        updated=moment,
        url=f"https://hnp.example.vn/tin/{n}.html",
        author="Trọng Toàn",
        category=Category("giao-duc", "Giáo dục"),
        tags=("Tuyển sinh",),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_feeds_main_category_author_and_declared() -> None:
    articles = [
        article(1),
        article(2, author="Đỗ Hằng", category=Category("the-thao", "Thể thao"), tags=()),
        article(3, status="draft", author="Ẩn Danh", category=Category("an", "Ẩn")),
    ]
    slugs = [(f.slug, f.kind) for f in feeds_for(CATALOGUE, articles)]
    assert slugs == [
        ("tin-moi", "main"),
        ("giao-duc", "category"),
        ("the-thao", "category"),
        ("tac-gia-do-hang", "author"),
        ("tac-gia-trong-toan", "author"),
        ("tuyen-sinh", "custom"),
    ]  # a draft's category and author make no feed


def test_selection_rules() -> None:
    main = FeedSpec(slug="tin-moi", title="Tin mới")
    by_author = FeedSpec(slug="tac-gia-trong-toan", title="x", kind="author", author="trong-toan")
    assert selects(main, article(1))
    assert not selects(main, article(1, status="draft"))
    assert not selects(main, article(1, status="retracted"))
    assert not selects(main, article(1, url=None))
    assert selects(by_author, article(1))
    assert not selects(by_author, article(1, author="Đỗ Hằng"))
    assert selects(TAG_FEED, article(1, tags=("TUYỂN SINH",)))
    assert not selects(TAG_FEED, article(1, tags=("Thể thao",)))


def test_select_orders_newest_first_with_stable_ties_and_limits() -> None:
    same_time = localize(datetime(2024, 2, 1, 9, 0))
    articles = [article(n) for n in range(1, 20)] + [
        article(100, published=same_time, updated=same_time),
        article(99, published=same_time, updated=same_time),
    ]
    chosen = select(FeedSpec(slug="tin-moi", title="x"), articles, limit=5)
    assert [a.id for a in chosen] == ["99", "100", "19", "18", "17"]
    assert newest_first(reversed(articles)) == newest_first(articles)
    limited = select(replace(TAG_FEED, limit=2), articles, limit=50)
    assert len(limited) == 2

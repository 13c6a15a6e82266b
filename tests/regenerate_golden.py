"""The writers' golden files: a small fixed portal rendered to tests/data/golden/.

    python -m tests.regenerate_golden      (or: make golden)

Run it after a deliberate change to the writers' output, read the diff, commit both.
The tests compare fresh renders with these files byte for byte.
"""

from __future__ import annotations

from pathlib import Path

from hnp_feeds.model import Article, Category, FeedSpec, Image, Link, Site
from hnp_feeds.timezone import parse_time
from hnp_feeds.writers import (
    ArchiveLinks,
    FeedDocument,
    feed_url,
    render_atom,
    render_json,
    render_rss,
)

GOLDEN = Path(__file__).resolve().parent / "data" / "golden"

SITE = Site(
    title="Báo HNP",
    base_url="https://hnp.example.vn/",
    feeds_url="https://hnp.example.vn/feeds/",
    tag_authority="hnp.example.vn",
    tag_date="2008-01-01",
    description="Tin tức mới nhất của cổng thông tin HNP",
    hub="https://hub.example.net/",
    entries_per_feed=4,
    icon="https://hnp.example.vn/icon-512.png",
    logo="https://hnp.example.vn/logo.png",
    rights="© Báo HNP. Ghi rõ nguồn khi đăng lại.",
)

MAIN = FeedSpec(slug="tin-moi", title="Báo HNP", description="Tin mới nhất", archive=True)
EMPTY = FeedSpec(slug="the-thao", title="Thể thao – Báo HNP", kind="category", category="the-thao")


def _article(
    id: str,
    title: str,
    published: str,
    updated: str | None = None,
    **fields: object,
) -> Article:
    when = parse_time(published)
    return Article(
        id=id,
        title=title,
        published=when,
        updated=parse_time(updated) if updated else when,
        url=f"https://hnp.example.vn/tin-tuc/{id}.html",
        **fields,  # type: ignore[arg-type]
    )


def _related(*ids: str) -> tuple[Link, ...]:
    titles = {
        "12001": "Hà Nội mở rộng phố đi bộ",
        "12002": "Giá vàng tăng mạnh",
        "12003": "Đường sắt Bắc – Nam",
    }
    return tuple(Link(f"https://hnp.example.vn/tin-tuc/{i}.html", titles.get(i, "")) for i in ids)


ARTICLES: tuple[Article, ...] = (
    # Full record: author without e-mail, category, tags, image without length, updated later.
    _article(
        "12345",
        "Khai mạc Hội chợ Xuân 2022",
        "20:22 17/06/2022",
        "2022-06-18 08:00",
        summary="HNP - Sáng 17/6, Hội chợ Xuân khai mạc tại Hà Nội.",
        content_html="<p>Hội chợ có hơn 300 gian hàng &amp; nhiều hoạt động.</p>",
        author="Trọng Toàn",
        category=Category("kinh-te", "Kinh tế"),
        tags=("Hội chợ", "Hà Nội"),
        image=Image(
            "https://hnp.example.vn/anh/12345.jpg",
            caption="Toàn cảnh hội chợ",
            width=640,
            height=427,
        ),
        related=_related("12001", "12002"),
    ),
    # Markup-like characters in the title, no summary (taken from the content), no author.
    _article(
        "12346",
        "Giá xăng < 30.000 đồng & dầu giảm",
        "2022-06-17T21:00:00+07:00",
        content_html="<p>Giá xăng RON95 giảm 1.000 đồng mỗi lít từ 15 giờ chiều nay.</p>",
        category=Category("kinh-te", "Kinh tế"),
        related=_related("12002"),
    ),
    # Same publication time as 12346: the id breaks the tie (12347 before 12346).
    _article(
        "12347",
        "Đường sắt đô thị chạy thử",
        "21:00 17/06/2022",
        summary="HNP - Tuyến đường sắt đô thị bắt đầu chạy thử.",
        content_html="<p>Đoàn tàu chạy thử trên toàn tuyến.</p>",
        author="Minh Anh",
        category=Category("xa-hoi", "Xã hội"),
        image=Image(
            "https://hnp.example.vn/anh/12347.png", type="image/png", length=48213, width=800
        ),
        related=_related("12003", "12009"),
    ),
    _article(
        "12300",
        "Thời tiết cuối tuần",
        "07:15 10/06/2022",
        summary="HNP - Miền Bắc mưa rào.",
        content_html="<p>Nhiệt độ 28–34 °C.</p>",
        author="Trọng Toàn",
        related=_related("12001"),
    ),
    # 1960: Asia/Ho_Chi_Minh was UTC+8; beyond entries_per_feed, so only on the archive page.
    _article(
        "900",
        "Tư liệu: Sài Gòn năm 1960",
        "1960-05-01 10:00",
        summary="HNP - Ảnh tư liệu.",
        content_html="<p>Bộ ảnh tư liệu.</p>",
        related=_related("12003"),
    ),
)

ARCHIVE_1 = ArchiveLinks(
    current=feed_url(SITE, MAIN.slug, "atom.xml"),
    prev_archive=None,
    next_archive=feed_url(SITE, MAIN.slug, "archive/2.xml"),
    is_archive=True,
    self_url=feed_url(SITE, MAIN.slug, "archive/1.xml"),
)
CURRENT = ArchiveLinks(
    current=feed_url(SITE, MAIN.slug, "atom.xml"),
    prev_archive=feed_url(SITE, MAIN.slug, "archive/1.xml"),
    next_archive=None,
    is_archive=False,
    self_url=None,
)


def golden_documents() -> dict[str, bytes]:
    """Golden file path (relative to tests/data/golden/) -> its expected bytes."""
    main = MAIN.slug
    return {
        f"{main}/atom.xml": render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES), archive=CURRENT)),
        f"{main}/rss.xml": render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))),
        f"{main}/feed.json": render_json(SITE, FeedDocument(MAIN, tuple(ARTICLES))),
        f"{main}/archive/1.xml": render_atom(
            SITE, FeedDocument(MAIN, tuple(ARTICLES), archive=ARCHIVE_1)
        ),
        f"{EMPTY.slug}/atom.xml": render_atom(SITE, FeedDocument(EMPTY, ())),
        f"{EMPTY.slug}/rss.xml": render_rss(SITE, FeedDocument(EMPTY, ())),
        f"{EMPTY.slug}/feed.json": render_json(SITE, FeedDocument(EMPTY, ())),
    }


def main() -> None:
    for name, data in golden_documents().items():
        path = GOLDEN / name
        path.parent.mkdir(parents=True, exist_ok=True)
        old = path.read_bytes() if path.exists() else None
        path.write_bytes(data)
        print(
            f"{'unchanged' if old == data else 'written  '} {path.relative_to(GOLDEN.parents[2])}"
        )


if __name__ == "__main__":
    main()

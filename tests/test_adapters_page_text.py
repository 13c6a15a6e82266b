"""adapters/page_text.py: the portal's scraped text page (DESIGN.md §1)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.adapters import read_source
from hnp_feeds.adapters.page_text import NO_URL, page_id, parse_page
from hnp_feeds.errors import RecordError
from hnp_feeds.model import Article, Category, ListedPost
from hnp_feeds.text import find_mojibake

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "corpus" / "pages" / "000_b872ae5e433f221a.txt"
needs_seed = pytest.mark.skipif(not SEED.exists(), reason=f"seed page absent: {SEED}")

SEED_TITLE = (
    "Đổi mới phương thức lãnh đạo của Đảng gắn với phát huy vai trò nêu gương của cán bộ, "
    "đảng viên, nhất là người đứng đầu"
)
SEED_LEDE = (
    "Phát biểu tham luận tại Hội thảo khoa học quốc gia “Đổi mới phương thức lãnh đạo của "
    "Đảng đối với hoạt động của hệ thống chính trị - những vấn đề lý luận và thực tiễn” được "
    "tổ chức chiều 17/6, Ủy viên Trung ương Đảng, Phó Bí thư Thường trực Thành ủy Hà Nội "
    "Nguyễn Thị Tuyến nêu rõ, Thành ủy Hà Nội chú trọng đổi mới phương thức lãnh đạo thông "
    "qua công tác tuyên truyền, vận động, thuyết phục, nêu gương của cán bộ, đảng viên, nhất "
    "là người đứng đầu."
)
SEED_CAPTION = "Phó Bí thư Thường trực Thành ủy Nguyễn Thị Tuyến phát biểu tham luận tại Hội thảo"
SEED_LAST = (
    "Cũng tại Hội thảo, Thành ủy Hà Nội kiến nghị với Trung ương 5 nhóm vấn đề trong đổi mới "
    "phương thức lãnh đạo của Đảng đối với hoạt động của hệ thống chính trị giai đoạn hiện nay."
)


@needs_seed
def test_seed_page_is_read_without_help() -> None:
    page = parse_page(SEED.read_text(encoding="utf-8"), str(SEED))
    assert page.title == SEED_TITLE
    assert page.published.isoformat() == "2022-06-17T20:22:00+07:00"
    assert page.lede == SEED_LEDE
    assert page.caption == SEED_CAPTION
    assert len(page.paragraphs) == 10
    assert page.paragraphs[0].startswith(
        "Theo Phó Bí thư Thường trực Thành ủy Hà Nội, thực hiện Nghị quyết số 15-NQ/TW"
    )
    assert page.paragraphs[-1] == SEED_LAST
    assert page.author == "Trọng Toàn"
    assert page.newer == () and page.older == ()
    everything = "\n".join([page.title, page.lede, page.caption, *page.paragraphs])
    for boilerplate in ("Mã xác nhận", "Bài viết", "Viết bình luận", "Họ tên", "L?y", "HNP -"):
        assert boilerplate not in everything
    assert "\u00a0" not in everything and "  " not in everything
    assert find_mojibake(everything) is None
    assert all(p != SEED_CAPTION and p != "Trọng Toàn" for p in page.paragraphs)


@needs_seed
def test_seed_page_with_url_becomes_an_article() -> None:
    url = "https://hnp.example.vn/thoi-su/doi-moi-phuong-thuc-lanh-dao.html"
    [article] = list(read_source(SEED, url=url, id="41235", category="Thời sự"))
    assert isinstance(article, Article)
    assert (article.id, article.url, article.author) == ("41235", url, "Trọng Toàn")
    assert article.category == Category("thoi-su", "Thời sự")
    assert article.summary == SEED_LEDE
    # No image URL is known: the photo's caption opens the body, the 10 paragraphs follow.
    assert article.content_html.count("<p>") == 11
    assert article.content_html.startswith(f"<p><em>{SEED_CAPTION}</em></p><p>Theo ")
    assert "Mã xác nhận" not in article.content_html


@needs_seed
def test_seed_page_without_url_is_reported_naming_the_ways_to_give_one() -> None:
    [error] = list(read_source(SEED))
    assert isinstance(error, RecordError)
    assert error.reason == NO_URL and error.source == str(SEED)
    assert "--url" in NO_URL and "manifest.jsonl" in NO_URL


@needs_seed
def test_a_page_without_an_id_is_known_by_its_url_through_a_title_fix(tmp_path: Path) -> None:
    url = "https://hnp.example.vn/thoi-su/doi-moi.html"
    [article] = list(read_source(SEED, url=url))
    assert isinstance(article, Article)
    assert article.id == page_id(url) and article.id.startswith("page-") and len(article.id) == 17
    fixed = tmp_path / "fixed.txt"
    text = SEED.read_text(encoding="utf-8")
    fixed.write_text(text.replace("Đổi mới", "Đổi  mới (sửa lỗi)", 1), encoding="utf-8")
    [again] = list(read_source(fixed, url=url))
    assert isinstance(again, Article) and again.title != article.title
    assert again.id == article.id
    assert page_id("HTTPS://HNP.example.vn/thoi-su/doi-moi.html#top") == article.id


PAGE_A = """\
Chợ hoa ngày Tết đông vui (08:15 24/01/2022)

HNP -\u00a0Chợ hoa mở cửa từ sáng sớm, người mua đông.
Người dân chọn đào tại chợ hoa
\u00a0Đoạn thứ nhất của thân bài.
\u00a0
Đoạn thứ hai của thân bài.

Thu Hà


Các bài mới đăng
Giá hoa Tết ổn định (09:00 25/01/2022)
Một bài không có trong thư mục (10:00 26/01/2022)
Các bài đã đăng :

Bài viết Xem
Viết bình luận
Họ tên:(*)
Mã xác nhận: \u00a0\u00a0 L?y l?i m\ufffd b?o m?t
"""

PAGE_B = """\
Giá hoa Tết ổn định (09:00 25/01/2022)
HNP - Giá hoa không đổi so với năm trước.
Đoạn duy nhất của thân bài.
Lan Anh
Các bài mới đăng
Các bài đã đăng :
Chợ hoa ngày Tết đông vui (08:15 24/01/2022)
"""


def test_page_lists_newer_and_older_posts() -> None:
    a = parse_page(PAGE_A, "a.txt")
    assert a.caption == "Người dân chọn đào tại chợ hoa"
    assert a.paragraphs == ("Đoạn thứ nhất của thân bài.", "Đoạn thứ hai của thân bài.")
    assert a.author == "Thu Hà"
    assert a.newer[0].title == "Giá hoa Tết ổn định"
    assert a.newer[0].published is not None
    assert a.newer[0].published.isoformat() == "2022-01-25T09:00:00+07:00"
    b = parse_page(PAGE_B, "b.txt")
    assert b.caption == "" and b.paragraphs == ("Đoạn duy nhất của thân bài.",)
    assert b.older == (ListedPost(a.title, a.published),)


def test_directory_with_manifest_links_related_posts(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(PAGE_A, encoding="utf-8")
    (tmp_path / "b.txt").write_text(PAGE_B, encoding="utf-8")
    manifest = [
        {
            "page": "a.txt",
            "id": "901",
            "url": "https://hnp.example.vn/doi-song/cho-hoa.html",
            "category": "Đời sống",
            "tags": ["Tết"],
            "image": {"url": "/media/cho-hoa.jpg"},
        },
        {"page": "b.txt", "url": "https://hnp.example.vn/kinh-te/gia-hoa.html"},
    ]
    (tmp_path / "manifest.jsonl").write_text(
        "\n".join(json.dumps(m, ensure_ascii=False) for m in manifest), encoding="utf-8"
    )
    items = list(read_source(tmp_path))
    assert all(isinstance(i, Article) for i in items), items
    a, b = items
    assert isinstance(a, Article) and isinstance(b, Article)
    assert a.id == "901" and a.tags == ("Tết",)
    # Listed by title (and time): the store links them to the articles they name.
    assert a.related == ()
    assert [p.title for p in a.listed] == ["Giá hoa Tết ổn định", "Một bài không có trong thư mục"]
    assert a.image is not None
    assert a.image.url == "https://hnp.example.vn/media/cho-hoa.jpg"
    assert a.image.caption == "Người dân chọn đào tại chợ hoa"
    assert b.id == page_id("https://hnp.example.vn/kinh-te/gia-hoa.html")
    assert b.listed == (ListedPost(a.title, a.published),)


def test_sidecar_json_and_options(tmp_path: Path) -> None:
    page = tmp_path / "b.txt"
    page.write_text(PAGE_B, encoding="utf-8")
    page.with_suffix(".json").write_text(
        '{"url": "https://hnp.example.vn/b.html", "id": "77"}', encoding="utf-8"
    )
    [article] = list(read_source(page))
    assert isinstance(article, Article) and (article.id, article.url) == (
        "77",
        "https://hnp.example.vn/b.html",
    )
    [overridden] = list(read_source(page, id="78"))
    assert isinstance(overridden, Article) and overridden.id == "78"


def test_nfd_and_controls_are_cleaned() -> None:
    page = parse_page(unicodedata.normalize("NFD", PAGE_B).replace("duy", "du\x07y"), "b.txt")
    assert page.title == "Giá hoa Tết ổn định"
    assert page.paragraphs == ("Đoạn duy nhất của thân bài.",)
    assert page.controls_removed == 1


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("", "", "empty page"),
        ("\n\nTiêu đề không có giờ\nHNP - x\n", "3", "no publication time"),
        ("Tiêu đề (25:99 31/02/2022)\nHNP - x\n", "1", "publication time"),
        ("Tiêu đề (08:00 01/02/2022)\n\n", "1", "no lede"),
    ],
)
def test_pages_that_do_not_fit_are_reported(text: str, position: str, reason: str) -> None:
    with pytest.raises(RecordError) as caught:
        parse_page(text, "p.txt")
    assert caught.value.position == position and reason in caught.value.reason


def test_mis_encoded_body_is_never_published(tmp_path: Path) -> None:
    page = tmp_path / "p.txt"
    page.write_bytes(PAGE_B.encode().replace("nhất".encode(), b"nh\xff"))
    [error] = list(read_source(page, url="https://hnp.example.vn/p.html"))
    assert isinstance(error, RecordError) and "mis-encoded" in error.reason


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from(PAGE_A.splitlines() + PAGE_B.splitlines()) | st.text(max_size=40),
        max_size=12,
    )
)
def test_any_page_parses_or_is_reported(lines: list[str]) -> None:
    """Shuffled and garbled pages give a ParsedPage or a RecordError, nothing else."""
    try:
        page = parse_page("\n".join(lines), "p.txt")
    except RecordError as error:
        assert error.source == "p.txt" and error.reason
        return
    assert page.title and page.published.utcoffset() is not None
    assert all(p.strip() == p and p for p in page.paragraphs)

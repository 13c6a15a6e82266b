"""adapters/records.py: one record mapping -> Article or RecordError (DESIGN.md §1)."""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.adapters.records import article_from_record
from hnp_feeds.errors import RecordError
from hnp_feeds.model import Article, Category, Image, Link

URL = "https://hnp.example.vn/thoi-su/bai-viet-12345.html"


def record(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "12345",
        "url": URL,
        "title": "Hà Nội mở thêm tuyến xe buýt điện",
        "summary": "HNP -\u00a0Ba tuyến xe buýt điện mới chạy từ sáng nay.",
        "content_html": "<p>Đoạn một.</p>",
        "author": "Minh Châu",
        "category": {"slug": "thoi-su", "name": "Thời sự"},
        "tags": ["giao thông", "xe buýt"],
        "published": "2022-06-17T20:22:00+07:00",
        "related": [{"url": "https://hnp.example.vn/thoi-su/khac-1.html", "title": "Bài khác"}],
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def good(**changes: Any) -> Article:
    result = article_from_record(record(**changes), "in.jsonl", 7)
    assert isinstance(result, Article), result
    return result


def bad(**changes: Any) -> RecordError:
    result = article_from_record(record(**changes), "in.jsonl", 7)
    assert isinstance(result, RecordError), result
    assert result.source == "in.jsonl" and result.position == "7"
    return result


def test_a_full_record_becomes_an_article() -> None:
    article = good()
    assert article.id == "12345"
    assert article.url == URL
    assert article.published.isoformat() == "2022-06-17T20:22:00+07:00"
    assert article.updated == article.published
    assert article.summary == "Ba tuyến xe buýt điện mới chạy từ sáng nay."
    assert article.category == Category("thoi-su", "Thời sự")
    assert article.tags == ("giao thông", "xe buýt")
    assert article.related == (Link("https://hnp.example.vn/thoi-su/khac-1.html", "Bài khác"),)
    assert article.status == "published"
    assert article.source == "in.jsonl:7"


@pytest.mark.parametrize(
    "published", ["2022-06-17T20:22:00+07:00", "2022-06-17 20:22", "20:22 17/06/2022"]
)
def test_all_three_date_forms(published: str) -> None:
    assert good(published=published).published.isoformat() == "2022-06-17T20:22:00+07:00"


def test_datetime_values_from_a_database_are_accepted() -> None:
    article = good(published=datetime(2022, 6, 17, 20, 22))
    assert article.published.isoformat() == "2022-06-17T20:22:00+07:00"


def test_numeric_id_becomes_text() -> None:
    assert good(id=12345).id == "12345"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"id": None}, "missing id"),
        ({"id": "  "}, "missing id"),
        ({"id": True}, "id must be a string or a number"),
        ({"title": None}, "missing title"),
        ({"title": "\u00a0 \x07"}, "missing title"),
        ({"published": None}, "missing published"),
        ({"published": "2023-02-30 10:00"}, "impossible date"),
        ({"published": "hôm qua"}, "unreadable date"),
        ({"url": None}, "missing url"),
        ({"url": "/thoi-su/a.html"}, "is relative"),
        ({"url": "ftp://hnp.example.vn/a"}, "not an absolute http(s) URL"),
        ({"url": "javascript:alert(1)"}, "not an absolute http(s) URL"),
        ({"status": "hidden"}, "unknown status"),
        ({"related": [{"url": "/thoi-su/khac.html", "title": "x"}]}, "related[1] url"),
        ({"related": "https://hnp.example.vn/a"}, "related must be a list"),
        ({"tags": 5}, "tags must be a list"),
        ({"image": {"caption": "no url"}}, "image must be"),
        ({"image": {"url": "https://hnp.example.vn/a.jpg", "width": "wide"}}, "image width"),
        ({"title": "L?y l?i m\ufffd b?o m?t"}, "mis-encoded text in title"),
        ({"summary": "H\u00c3 N\u00e1\u00bbi"}, "mis-encoded text in summary"),
        ({"content_html": "<p>b?o m?t</p>"}, "mis-encoded text in content_html"),
        ({"author": "Tr\ufffdng"}, "mis-encoded text in author"),
    ],
)
def test_bad_records_are_reported_with_reason(changes: dict[str, Any], reason: str) -> None:
    error = bad(**changes)
    assert reason in error.reason
    assert str(error).startswith("in.jsonl:7: ")


def test_error_keeps_the_record_id() -> None:
    assert bad(title=None).record_id == "12345"


def test_draft_may_have_no_url() -> None:
    article = good(url=None, status="draft")
    assert article.url is None and article.status == "draft"


def test_text_is_nfc_and_folded() -> None:
    nfd = unicodedata.normalize("NFD", "Hà  Nội\u00a0mở thêm tuyến")
    article = good(title=nfd, author=unicodedata.normalize("NFD", " Đức Huy "))
    assert article.title == "Hà Nội mở thêm tuyến"
    assert article.author == "Đức Huy"


def test_control_characters_removed_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="hnp_feeds.adapters"):
        article = good(title="Hà\x07 Nội\x00", content_html="<p>a\x01b</p>")
    assert article.title == "Hà Nội"
    assert article.content_html == "<p>ab</p>"
    assert any(
        "in.jsonl:7" in r.getMessage() and "control characters" in r.getMessage()
        for r in caplog.records
    )


def test_content_is_sanitized_against_the_article_url(caplog: pytest.LogCaptureFixture) -> None:
    html = (
        '<p onclick="x()">a</p><script>alert(1)</script>'
        '<a href="javascript:alert(2)">j</a><a href="/van-hoa/b.html">b</a><img src="anh.jpg">'
    )
    with caplog.at_level(logging.WARNING, logger="hnp_feeds.adapters"):
        content = good(content_html=html).content_html
    assert "script" not in content and "onclick" not in content and "javascript" not in content
    assert 'href="https://hnp.example.vn/van-hoa/b.html"' in content
    assert 'src="https://hnp.example.vn/thoi-su/anh.jpg"' in content
    assert any("removed scripts" in r.getMessage() for r in caplog.records)


def test_html_summary_becomes_text_without_dateline() -> None:
    assert good(summary="<p>HNP – <b>Lede</b> đây</p>").summary == "Lede đây"


def test_category_as_a_name_gets_an_ascii_slug() -> None:
    assert good(category="Đời sống").category == Category("doi-song", "Đời sống")
    assert good(category={"name": "Giáo dục"}).category == Category("giao-duc", "Giáo dục")
    assert good(category=None).category is None


def test_tags_from_text_are_split_and_deduplicated() -> None:
    assert good(tags="giao thông; xe buýt;;giao thông").tags == ("giao thông", "xe buýt")


def test_image_relative_url_resolved_and_sizes_read() -> None:
    image = good(
        image={"url": "/media/a.jpg", "caption": "Ảnh", "width": "1200", "length": 5}
    ).image
    assert image == Image("https://hnp.example.vn/media/a.jpg", "Ảnh", None, 5, 1200, None)
    assert good(image="https://hnp.example.vn/b.jpg").image == Image("https://hnp.example.vn/b.jpg")


def test_related_duplicates_dropped_and_order_kept() -> None:
    links = [
        {"url": "https://hnp.example.vn/2.html", "title": "Hai"},
        "https://hnp.example.vn/1.html",
        {"url": "https://hnp.example.vn/2.html", "title": "Hai lần nữa"},
    ]
    assert good(related=links).related == (
        Link("https://hnp.example.vn/2.html", "Hai"),
        Link("https://hnp.example.vn/1.html", ""),
    )


def test_updated_defaults_and_never_precedes_published() -> None:
    assert good(updated="2022-06-18 08:00").updated.isoformat() == "2022-06-18T08:00:00+07:00"
    assert good(updated="2022-06-01 08:00").updated == good().published


@pytest.mark.parametrize("status", ["published", "draft", "retracted", "DRAFT "])
def test_statuses(status: str) -> None:
    assert good(status=status).status == status.strip().lower()


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
_fields = st.sampled_from(
    ["id", "url", "title", "summary", "content_html", "author", "category", "tags",
     "published", "updated", "image", "related", "status"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(changes=st.dictionaries(_fields, _values, max_size=5))
def test_any_record_gives_an_article_or_a_record_error(changes: dict[str, Any]) -> None:
    """Whatever a source holds, the mapping never raises: one bad record never stops a run."""
    result = article_from_record(record(**changes), "in.jsonl", 1)
    assert isinstance(result, Article | RecordError)
    if isinstance(result, Article):
        assert unicodedata.is_normalized("NFC", result.title)
        assert result.published.utcoffset() is not None

"""text.py: the one place that cleans Vietnamese text and article HTML."""

from __future__ import annotations

import unicodedata

import pytest

from hnp_feeds.names import slugify
from hnp_feeds.text import (
    clean_text,
    escape_html,
    find_mojibake,
    html_to_text,
    normalize,
    sanitize_html,
)

ARTICLE_URL = "https://hnp.example.vn/thoi-su/bai-viet-1.html"


def test_nfd_input_comes_out_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Đổi mới phương thức lãnh đạo")
    assert nfd != "Đổi mới phương thức lãnh đạo"
    cleaned = normalize(nfd)
    assert cleaned == "Đổi mới phương thức lãnh đạo"
    assert unicodedata.is_normalized("NFC", cleaned)


def test_nbsp_and_runs_of_spaces_are_folded() -> None:
    assert normalize("HNP -\u00a0Phát  biểu\u00a0\u00a0 tham\tluận ") == "HNP - Phát biểu tham luận"


def test_zero_width_characters_are_dropped() -> None:
    assert normalize("\ufeffHà\u200bNội") == "HàNội"


def test_multiline_keeps_line_breaks_and_folds_each_line() -> None:
    assert clean_text(" dòng một \u00a0\n\u00a0 dòng  hai", multiline=True).text == (
        "dòng một\ndòng hai"
    )


def test_control_characters_are_removed_and_counted() -> None:
    cleaned = clean_text("Bài\x00 có\x07 ký\x1b tự\x85 lạ\ud800")
    assert cleaned.text == "Bài có ký tự lạ"
    assert cleaned.controls_removed == 5


def test_tab_newline_are_not_counted_as_controls() -> None:
    assert clean_text("a\tb\nc\r\nd").controls_removed == 0


@pytest.mark.parametrize(
    "text",
    [
        "Mã xác nhận: L?y l?i m\ufffd b?o m?t",
        "L?y l?i",
        "Vi\u00c3\u00aat Nam",  # "Việt" read as Latin-1
        "\u00c4\u2018i ch\u00e1\u00bb\u00a3",  # "đi chợ" read as Latin-1
        "dấu thay thế \ufffd ở giữa",
    ],
)
def test_mojibake_is_detected(text: str) -> None:
    assert find_mojibake(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "Đổi mới phương thức lãnh đạo của Đảng",
        "Bạn có biết? Hà Nội có nhiều hồ.",
        "Giá 3?4 triệu",  # digits around '?' are not a mis-encoded letter
        "",
    ],
)
def test_clean_vietnamese_is_not_mojibake(text: str) -> None:
    assert find_mojibake(text) is None


def test_mojibake_run_is_quoted_with_context() -> None:
    run = find_mojibake("Họ tên: L?y l?i m\ufffd b?o")
    assert run is not None and "L?y" in run


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Thời sự - Chính trị", "thoi-su-chinh-tri"),
        ("Đời sống", "doi-song"),
        ("ĐẶC BIỆT", "dac-biet"),
        ("Đức Huy", "duc-huy"),
        (unicodedata.normalize("NFD", "Giáo dục"), "giao-duc"),
        ("  Kinh tế & Đô thị!  ", "kinh-te-do-thi"),
    ],
)
def test_slugs_are_ascii_with_d_for_dj(name: str, slug: str) -> None:
    assert slugify(name) == slug
    assert slugify(name).isascii()


def test_sanitize_removes_scripts_and_event_handlers() -> None:
    html = '<p onclick="steal()">Đoạn</p><script>alert(1)</script><img src="a.jpg" onerror="x()">'
    clean = sanitize_html(html, base_url=ARTICLE_URL)
    assert "script" not in clean and "alert" not in clean
    assert "onclick" not in clean and "onerror" not in clean
    assert "<p>Đoạn</p>" in clean


def test_sanitize_removes_javascript_urls_in_any_case() -> None:
    clean = sanitize_html('<a href="JaVaScRiPt:alert(1)">x</a>', base_url=ARTICLE_URL)
    assert "javascript" not in clean.lower()
    assert ">x</a>" in clean


def test_sanitize_makes_relative_urls_absolute_against_the_article() -> None:
    clean = sanitize_html(
        '<a href="/van-hoa/b.html">b</a><img src="anh/c.jpg"><a href="../d.html">d</a>',
        base_url=ARTICLE_URL,
    )
    assert 'href="https://hnp.example.vn/van-hoa/b.html"' in clean
    assert 'src="https://hnp.example.vn/thoi-su/anh/c.jpg"' in clean
    assert 'href="https://hnp.example.vn/d.html"' in clean


def test_sanitize_without_base_drops_relative_urls() -> None:
    clean = sanitize_html('<a href="/b.html">b</a>')
    assert "href" not in clean


def test_sanitize_removes_styles_and_iframes_and_normalizes() -> None:
    nfd = unicodedata.normalize("NFD", "Hà Nội")
    clean = sanitize_html(f"<style>p{{}}</style><iframe src='x'></iframe><p>{nfd}\x07</p>")
    assert clean == "<p>Hà Nội</p>"


def test_html_to_text_and_escape() -> None:
    assert html_to_text("<p>Hà &amp; Nội</p><script>x()</script>") == "Hà & Nội"
    assert escape_html('<a href="x">&</a>') == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"

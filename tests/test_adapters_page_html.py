"""HTML article pages -> Article: several layouts, encodings, broken markup, overrides.

The portal's real markup is not available, so these pages are our own, written to the
shape of the real text page (shared/corpus/pages/): title with ``(HH:MM DD/MM/YYYY)``,
``HNP -`` lede, body, byline, "Các bài mới đăng" / "Các bài đã đăng", comment form.
"""

from __future__ import annotations

import codecs
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from hnp_feeds.adapters import read_source, read_sources
from hnp_feeds.adapters.page_html import (
    PageSelectors,
    decode_page,
    parse_html_page,
    read_page,
)
from hnp_feeds.config import load_config
from hnp_feeds.errors import ConfigError, RecordError
from hnp_feeds.model import Article, Link
from hnp_feeds.timezone import localize

from .portal import portal_toml

URL = "https://hanoi.example.vn/tin-tuc/doi-moi-phuong-thuc-lanh-dao.htm"
TITLE = "Đổi mới phương thức lãnh đạo của Đảng"
WHEN = localize(datetime(2022, 6, 17, 20, 22))
LEDE = "Phát biểu tham luận tại Hội thảo khoa học quốc gia chiều 17/6."

# A modern layout: headings, a figure, inline markup, lists of related posts, a form.
MODERN = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"><title>{TITLE} - Cổng thông tin</title>
<script>var tracking = "HNP - not the lede";</script></head>
<body>
<nav><a href="/">Trang chủ</a> <a href="/thoi-su">Thời sự</a></nav>
<article>
  <h1 class="x1">{TITLE}</h1>
  <div class="x2">(20:22 17/06/2022)</div>
  <div class="x3"><p><strong>HNP -</strong>&nbsp;{LEDE}</p></div>
  <div class="x4">
    <figure><img src="/images/2022/hoi-thao.jpg" alt="ảnh">
      <figcaption>Phó Bí thư phát biểu tại Hội thảo</figcaption></figure>
    <p>Theo Phó Bí thư, <b>Đảng bộ</b> Thành phố đã có <em>nhiều cách làm</em> sáng tạo.</p>
    <p>Trong đó, Thành ủy thường xuyên nghiên cứu <a href="/nghi-quyet/15">Nghị quyết</a>.</p>
    <p style="text-align:right"><strong>Trọng Toàn</strong></p>
  </div>
  <section>
    <h3>Các bài mới đăng</h3>
    <ul><li><a href="/tin-tuc/bai-moi-1.htm">Hội nghị Thành ủy lần thứ 8</a>
      (08:00 18/06/2022)</li></ul>
    <h3>Các bài đã đăng :</h3>
    <ul>
      <li><a href="/tin-tuc/bai-cu-1.htm">Quận Ba Đình tổng kết công tác</a> (10:15 16/06/2022)</li>
      <li><a href="https://hanoi.example.vn/tin-tuc/bai-cu-2.htm"
        >Học tập và làm theo tư tưởng</a></li>
    </ul>
  </section>
  <div>Bài viết Xem</div>
  <form action="/binh-luan"><p>Viết bình luận</p>Họ tên:(*) <input name="ten">
  Mã xác nhận: L?y l?i m\ufffd b?o m?t</form>
</article>
<footer><a href="/lien-he">Liên hệ</a></footer>
</body></html>
"""

# An old table layout, unclosed <p> and <td>, windows-1258 with tones as combining marks.
TABLE = f"""<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">
<title>Cổng giao tiếp điện tử</title></head><body>
<table width=100%><tr><td><a href="/">Trang chủ</a><td>
<table>
<tr><td><font size=4><b>{TITLE} (20:22 17/06/2022)</b></font>
<tr><td>
<p><b>HNP - </b>{LEDE}
<p><img src="../anh/hoi-thao.jpg"><p><i>Quang cảnh Hội thảo</i>
<p>Thành ủy Hà Nội thường xuyên nghiên cứu, đổi mới việc ban hành Nghị quyết.
<p>Ban Thường vụ Thành ủy đã lãnh đạo, chỉ đạo toàn diện các mặt công tác.
<p align=right><b>Trọng Toàn</b>
<tr><td><b>Các bài mới đăng</b><br>
<tr><td><b>Các bài đã đăng :</b><br>
<a href="/tin/bai-cu-1.htm">Quận Ba Đình tổng kết công tác</a> (10:15 16/06/2022)<br>
<a href="/tin/bai-cu-2.htm">Học tập và làm theo tư tưởng</a><br>
</table>
<div>Bài viết Xem</div><div>Viết bình luận</div>
<div>Họ tên:(*)</div><div>Mã xác nhận: L?y l?i m b?o m?t</div>
</table></body></html>
"""

# A flat layout: text straight in <body>, lines split by <br>, no charset declared.
FLAT = f"""<html><body>
<font size="4">{TITLE} (20:22 17/06/2022)</font><br><br>
HNP - {LEDE}<br><br>
Thành ủy Hà Nội thường xuyên nghiên cứu, <b>đổi mới</b> việc ban hành Nghị quyết.<br>
Ban Thường vụ Thành ủy đã lãnh đạo, chỉ đạo toàn diện các mặt công tác.<br><br>
Trọng Toàn<br><br>
Các bài mới đăng<br>
Các bài đã đăng :<br>
<a href="http://hanoi.example.vn/tin/bai-cu-1.htm">Quận Ba Đình tổng kết công tác
(10:15 16/06/2022)</a><br>
Bài viết Xem<br>Viết bình luận<br>
Mã xác nhận: L?y l?i m? b?o m?t
</body></html>
"""


def to_cp1258(text: str) -> bytes:
    """Text as windows-1258 writes it: base letters precomposed where the code page has
    them (ă â ê ô ơ ư đ), tone marks as combining characters after them."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = list(unicodedata.normalize("NFD", char))
        # Fold one mark into the base when the code page has that letter (ô, ơ, ư, ă...).
        for mark in marks:
            letter = unicodedata.normalize("NFC", base + mark)
            if len(letter) == 1 and letter.encode("cp1258", "replace") != b"?":
                base = letter
                marks.remove(mark)
                break
        out += base.encode("cp1258", "replace")
        for mark in marks:
            out += mark.encode("cp1258")
    return bytes(out)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def only_article(path: Path, **options: object) -> Article:
    items = list(read_page(path, **options))
    assert len(items) == 1, items
    item = items[0]
    assert isinstance(item, Article), item
    return item


def test_cp1258_helper_really_writes_combining_marks() -> None:
    data = to_cp1258("Hội thảo")
    assert b"\xf4\xf2" in data  # ô then the combining dot below
    assert data.decode("cp1258") != "Hội thảo"  # decomposed until normalized
    assert unicodedata.normalize("NFC", data.decode("cp1258")) == "Hội thảo"


def test_modern_layout_utf8(tmp_path: Path) -> None:
    article = only_article(write(tmp_path, "a.html", MODERN.encode("utf-8")), url=URL)
    assert article.title == TITLE
    assert article.published == WHEN
    assert article.summary == LEDE
    assert article.author == "Trọng Toàn"
    assert article.url == URL
    # Body keeps inline markup, links made absolute, no byline, no lede, no form.
    assert "<b>Đảng bộ</b>" in article.content_html
    assert "<em>nhiều cách làm</em>" in article.content_html
    assert 'href="https://hanoi.example.vn/nghi-quyet/15"' in article.content_html
    assert 'src="https://hanoi.example.vn/images/2022/hoi-thao.jpg"' in article.content_html
    for absent in ("Trọng Toàn", "HNP", "bình luận", "Mã xác nhận", "tracking", "Liên hệ"):
        assert absent not in article.content_html
    assert article.image is not None
    assert article.image.url == "https://hanoi.example.vn/images/2022/hoi-thao.jpg"
    assert article.image.caption == "Phó Bí thư phát biểu tại Hội thảo"
    assert article.related == (
        Link("https://hanoi.example.vn/tin-tuc/bai-moi-1.htm", "Hội nghị Thành ủy lần thứ 8"),
        Link("https://hanoi.example.vn/tin-tuc/bai-cu-1.htm", "Quận Ba Đình tổng kết công tác"),
        Link("https://hanoi.example.vn/tin-tuc/bai-cu-2.htm", "Học tập và làm theo tư tưởng"),
    )


def test_table_layout_windows_1258_with_combining_marks(tmp_path: Path) -> None:
    data = to_cp1258(TABLE)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    article = only_article(write(tmp_path, "b.htm", data), url=URL)
    assert article.title == TITLE
    assert unicodedata.is_normalized("NFC", article.title)
    assert article.published == WHEN
    assert article.summary == LEDE
    assert article.author == "Trọng Toàn"
    assert "Ban Thường vụ Thành ủy" in article.content_html
    assert unicodedata.is_normalized("NFC", article.content_html)
    assert article.image is not None
    assert article.image.url == "https://hanoi.example.vn/anh/hoi-thao.jpg"
    assert article.image.caption == "Quang cảnh Hội thảo"
    assert [link.url for link in article.related] == [
        "https://hanoi.example.vn/tin/bai-cu-1.htm",
        "https://hanoi.example.vn/tin/bai-cu-2.htm",
    ]
    assert article.related[0].title == "Quận Ba Đình tổng kết công tác"
    assert "Mã xác nhận" not in article.content_html


def test_flat_layout_sniffed_windows_1258_without_declaration(tmp_path: Path) -> None:
    article = only_article(write(tmp_path, "c.html", to_cp1258(FLAT)), url=URL)
    assert article.title == TITLE
    assert article.summary == LEDE
    assert article.author == "Trọng Toàn"
    assert article.content_html.count("<p>") == 2
    assert "<b>đổi mới</b>" in article.content_html
    assert article.related == (
        Link("http://hanoi.example.vn/tin/bai-cu-1.htm", "Quận Ba Đình tổng kết công tác"),
    )


def test_flat_layout_sniffed_utf8(tmp_path: Path) -> None:
    article = only_article(write(tmp_path, "d.html", FLAT.encode("utf-8")), url=URL)
    assert article.title == TITLE


@pytest.mark.parametrize(
    ("data", "declared", "encoding"),
    [
        (b"\xef\xbb\xbf<p>H\xc3\xa0</p>", "windows-1258", "utf-8"),  # BOM beats HTTP
        (codecs.BOM_UTF16_LE + "<p>Hà</p>".encode("utf-16-le"), None, "utf-16-le"),
        (to_cp1258("<p>Hà Nội</p>"), "windows-1258", "cp1258"),
        (b'<meta charset="windows-1258"><p>H\xe0</p>', None, "cp1258"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', None, "utf-8"),
        (b'<meta charset="no-such-charset"><p>H\xc3\xa0</p>', "nonsense", "utf-8"),
        (b"<p>H\xe0 N\xf4\xf2i</p>", None, "cp1258"),
    ],
)
def test_encoding_is_decided_in_order(data: bytes, declared: str | None, encoding: str) -> None:
    decoded = decode_page(data, declared)
    assert decoded.encoding == encoding
    assert "H\u00e0" in decoded.text or "Hà" in decoded.text or "charset" in decoded.text
    assert unicodedata.is_normalized("NFC", decoded.text)


def test_http_charset_option_is_used(tmp_path: Path) -> None:
    body = MODERN.replace('<meta charset="utf-8">', "")
    page = write(tmp_path, "e.html", to_cp1258(body))
    article = only_article(page, url=URL, charset="windows-1258")
    assert article.title == TITLE


def test_utf8_page_declared_windows_1252_is_reported(tmp_path: Path) -> None:
    html = MODERN.replace('charset="utf-8"', 'charset="iso-8859-1"')
    items = list(read_page(write(tmp_path, "f.html", html.encode("utf-8")), url=URL))
    assert len(items) == 1
    error = items[0]
    assert isinstance(error, RecordError)
    assert error.source.endswith("f.html")
    assert "mis-decoded as cp1252" in error.reason
    assert "<meta> charset 'iso-8859-1'" in error.reason


def test_windows_1258_page_declared_utf8_is_reported(tmp_path: Path) -> None:
    data = to_cp1258(MODERN)
    items = list(read_page(write(tmp_path, "g.html", data), url=URL))
    assert isinstance(items[0], RecordError)
    assert "mis-decoded as utf-8" in items[0].reason
    assert "\ufffd" in items[0].reason


def test_captcha_mojibake_in_the_dropped_form_does_not_reject(tmp_path: Path) -> None:
    # The real portal's comment form carries "L?y l?i m\ufffd b?o m?t": it is never read.
    assert "L?y l?i" in MODERN
    only_article(write(tmp_path, "h.html", MODERN.encode("utf-8")), url=URL)


def test_mojibake_in_the_body_is_reported(tmp_path: Path) -> None:
    html = MODERN.replace("sáng tạo", "s\u00c3\u00a1ng t\u00e1\u00ba\u00a1o")
    items = list(read_page(write(tmp_path, "i.html", html.encode("utf-8")), url=URL))
    assert isinstance(items[0], RecordError)
    assert "mis-decoded" in items[0].reason


@pytest.mark.parametrize(
    "broken",
    [
        MODERN.replace("</p>", "").replace("</div>", ""),  # unclosed blocks
        MODERN.replace("</article>", "").replace("</body></html>", ""),  # truncated end
        MODERN.replace("<b>Đảng bộ</b>", "<b>Đảng bộ<i></b>"),  # misnested inline
        MODERN.replace("<h1", "<h1 <<").replace("Thời sự</a>", "Thời sự"),  # junk
    ],
)
def test_broken_markup_still_reads(tmp_path: Path, broken: str) -> None:
    article = only_article(write(tmp_path, "j.html", broken.encode("utf-8")), url=URL)
    assert article.title == TITLE
    assert article.summary == LEDE
    assert article.published == WHEN
    assert "Đảng bộ" in article.content_html
    assert "bình luận" not in article.content_html


def test_aspnet_page_wrapped_in_one_form(tmp_path: Path) -> None:
    inner = MODERN.split("<body>", 1)[1].split("</body>", 1)[0]
    inner = inner.replace('<form action="/binh-luan">', "<div>").replace("</form>", "</div>")
    html = MODERN.replace(inner, f'<form id="aspnetForm" method="post">{inner}</form>')
    assert html.count("<form") == 1
    article = only_article(write(tmp_path, "asp.html", html.encode("utf-8")), url=URL)
    assert article.title == TITLE and article.summary == LEDE
    assert "<b>Đảng bộ</b>" in article.content_html
    assert "bình luận" not in article.content_html and "Trọng Toàn" not in article.content_html
    assert len(article.related) == 3


def test_not_a_page_is_reported(tmp_path: Path) -> None:
    for name, data in [("empty.html", b""), ("nothing.html", b"<html><body><p>Xin chao</p>")]:
        items = list(read_page(write(tmp_path, name, data), url=URL))
        assert len(items) == 1
        assert isinstance(items[0], RecordError)
        assert items[0].source.endswith(name)


def test_impossible_time_is_reported(tmp_path: Path) -> None:
    html = MODERN.replace("(20:22 17/06/2022)", "(20:22 31/02/2022)")
    items = list(read_page(write(tmp_path, "k.html", html.encode("utf-8")), url=URL))
    assert isinstance(items[0], RecordError)
    assert "impossible date" in items[0].reason


def test_url_from_canonical_link_and_stable_id(tmp_path: Path) -> None:
    html = MODERN.replace("<title>", f'<link rel="canonical" href="{URL}"><title>')
    page = write(tmp_path, "l.html", html.encode("utf-8"))
    first, second = only_article(page), only_article(page)
    assert first.url == URL
    assert first.id == second.id and first.id.startswith("page-")


def test_no_url_is_reported(tmp_path: Path) -> None:
    items = list(read_page(write(tmp_path, "m.html", MODERN.encode("utf-8"))))
    assert isinstance(items[0], RecordError)
    assert "no URL known" in items[0].reason


def test_sidecar_gives_id_url_and_category(tmp_path: Path) -> None:
    page = write(tmp_path, "n.html", MODERN.encode("utf-8"))
    (tmp_path / "n.json").write_text(
        f'{{"id": "4521", "url": "{URL}", "category": "Thời sự"}}', encoding="utf-8"
    )
    article = only_article(page)
    assert (article.id, article.url) == ("4521", URL)
    assert article.category is not None and article.category.slug == "thoi-su"


def test_registered_for_html_suffixes(tmp_path: Path) -> None:
    page = write(tmp_path, "o.HTM", MODERN.encode("utf-8"))
    items = list(read_source(page, url=URL))
    assert isinstance(items[0], Article) and items[0].title == TITLE


# A layout the text rules cannot read: title and time in attributes, lede unmarked.
ODD = """<html><body>
<div id="bai" data-title="Hà Nội mở rộng không gian đi bộ" data-time="07:30 01/05/2023">
 <div id="mo-dau">Thành phố thí điểm thêm hai tuyến phố đi bộ.</div>
 <div id="noi-dung"><p>Tuyến thứ nhất quanh hồ Thiền Quang.</p>
   <p>Tuyến thứ hai ở Văn Miếu.</p></div>
 <div id="tac-gia">Tác giả: Minh Anh</div>
 <div id="lien-quan"><a href="/x/1.htm">Phố đi bộ Trịnh Công Sơn</a></div>
</div></body></html>"""


def test_xpath_overrides_from_the_catalogue(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    config.write_text(
        config.read_text(encoding="utf-8") + "[html_pages]\n"
        "title = \"string(//div[@id='bai']/@data-title)\"\n"
        "time = \"//div[@id='bai']/@data-time\"\n"
        "lede = \"//div[@id='mo-dau']\"\n"
        "body = \"//div[@id='noi-dung']\"\n"
        "author = \"//div[@id='tac-gia']\"\n"
        "related = \"//div[@id='lien-quan']\"\n",
        encoding="utf-8",
    )
    page = write(tmp_path, "p.html", ODD.encode("utf-8"))
    without = list(read_page(page, url=URL))
    assert isinstance(without[0], RecordError)
    (article,) = list(read_sources([page], catalogue=load_config(config), url=URL))
    assert isinstance(article, Article), article
    assert article.title == "Hà Nội mở rộng không gian đi bộ"
    assert article.published == localize(datetime(2023, 5, 1, 7, 30))
    assert article.summary == "Thành phố thí điểm thêm hai tuyến phố đi bộ."
    assert article.author == "Minh Anh"
    assert article.content_html.count("<p>") == 2
    assert article.related == (
        Link("https://hanoi.example.vn/x/1.htm", "Phố đi bộ Trịnh Công Sơn"),
    )


def test_selectors_given_in_code_are_compiled_and_checked_too() -> None:
    """The catalogue's checks (tests/test_config.py) are the selectors' own."""
    selectors = PageSelectors(
        title="string(//div[@id='bai']/@data-title)",
        time="//div[@id='bai']/@data-time",
        lede="//div[@id='mo-dau']",
        body="//div[@id='noi-dung']",
    )
    page = parse_html_page(ODD.encode("utf-8"), "mem", url=URL, selectors=selectors)
    assert (page.title, page.lede) == (
        "Hà Nội mở rộng không gian đi bộ",
        "Thành phố thí điểm thêm hai tuyến phố đi bộ.",
    )
    with pytest.raises(ConfigError, match=r"\[html_pages\] title: not a valid XPath"):
        PageSelectors(title="//h1[[")
    with pytest.raises(ConfigError, match=r"\[html_pages\] body: not a valid XPath"):
        PageSelectors(body="//div[hnp:lop()]")  # compiles, fails when evaluated: found now


def test_a_directory_of_html_pages_with_the_catalogue_selectors(tmp_path: Path) -> None:
    """A folder of pages is read in name order, HTML beside text; the manifest gives the
    URLs, the selectors apply to the HTML pages, and a text page in it still reads."""
    write(tmp_path, "1-modern.html", MODERN.encode("utf-8"))
    write(tmp_path, "2-odd.HTM", ODD.encode("utf-8"))
    (tmp_path / "3-page.txt").write_text(
        f"{TITLE} (20:22 17/06/2022)\nHNP - {LEDE}\nNội dung.\nTrọng Toàn\n", encoding="utf-8"
    )
    (tmp_path / "manifest.jsonl").write_text(
        "".join(f'{{"page": "{name}", "id": "{n}", "url": "{URL}?{n}"}}\n'
                for n, name in enumerate(["1-modern.html", "2-odd.HTM", "3-page.txt"], 1)),
        encoding="utf-8",
    )  # fmt: skip
    selectors = PageSelectors(
        title="string(//div[@id='bai']/@data-title)",
        time="//div[@id='bai']/@data-time",
        lede="//div[@id='mo-dau']",
        body="//div[@id='noi-dung']",
    )
    plain = list(read_source(tmp_path))
    assert [type(i) for i in plain] == [Article, RecordError, Article], plain
    items = list(read_source(tmp_path, selectors=selectors))
    assert [i.id for i in items if isinstance(i, Article)] == ["2", "3"], items
    odd, text_page = items[1:]
    assert isinstance(odd, Article) and odd.title == "Hà Nội mở rộng không gian đi bộ"
    assert odd.source == str(tmp_path / "2-odd.HTM") and odd.url == f"{URL}?2"
    assert isinstance(text_page, Article) and text_page.title == TITLE


def test_parse_html_page_directly() -> None:
    page = parse_html_page(MODERN.encode("utf-8"), "mem", url=URL)
    assert page.encoding == "utf-8"
    assert page.title == TITLE
    assert len(page.related) == 3


SHARED_PAGE = (
    Path(__file__).resolve().parents[2] / "shared" / "corpus" / "pages" / "000_b872ae5e433f221a.txt"
)


def test_real_portal_page_as_flat_html(tmp_path: Path) -> None:
    """The real scraped page, its lines written back as HTML lines split by <br>, in
    windows-1258: same title, time, lede and byline; the mis-encoded captcha is dropped."""
    if not SHARED_PAGE.exists():
        pytest.skip(f"the scraped portal page is absent: {SHARED_PAGE}")
    lines = SHARED_PAGE.read_text(encoding="utf-8").splitlines()
    escaped = [line.replace("&", "&amp;").replace("<", "&lt;") for line in lines]
    html = "<html><body>\n" + "<br>\n".join(escaped) + "\n</body></html>"
    page = write(tmp_path, "real.html", to_cp1258(html))
    article = only_article(page, url=URL)
    assert article.title.startswith("Đổi mới phương thức lãnh đạo của Đảng")
    assert article.published == WHEN
    assert article.summary.startswith("Phát biểu tham luận tại Hội thảo khoa học quốc gia")
    assert article.author == "Trọng Toàn"
    assert "Bốn là, quán triệt sâu sắc vai trò" in article.content_html
    assert "Mã xác nhận" not in article.content_html and "L?y" not in article.content_html
    assert article.related == ()

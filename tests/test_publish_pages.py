"""The portal's own pages publish from the CLI: one page with --url, a folder whose pages
list each other, pages that arrive in a later run, and runs that must publish nothing."""

from __future__ import annotations

import json
from pathlib import Path

import feedparser
import pytest
from typer.testing import CliRunner

from hnp_feeds.adapters.page_text import page_id
from hnp_feeds.cli import app
from hnp_feeds.errors import ExitCode
from hnp_feeds.validator import validate

from .portal import portal_toml
from .test_adapters_page_html import TABLE, TITLE, URL, to_cp1258

runner = CliRunner()
SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = SHARED / "corpus" / "pages" / "000_b872ae5e433f221a.txt"
needs_seed = pytest.mark.skipif(not SEED.exists(), reason=f"the scraped page is not at {SEED}")
SEED_URL = "https://hnp.example.vn/thoi-su/doi-moi-phuong-thuc-lanh-dao.html"

FLOWERS = """\
Chợ hoa ngày Tết đông vui (08:15 24/01/2022)

HNP -\u00a0Chợ hoa mở cửa từ sáng sớm, người mua đông.
Người dân chọn đào tại chợ hoa
\u00a0Đoạn thứ nhất của thân bài.
Đoạn thứ hai của thân bài.
Thu Hà
Các bài mới đăng
Giá hoa Tết ổn định (09:00 25/01/2022)
Hoa đào về phố (10:00 26/01/2022)
Các bài đã đăng :
Bài viết Xem
Mã xác nhận: \u00a0 L?y l?i m\ufffd b?o m?t
"""
PRICES = """\
Giá hoa Tết ổn định (09:00 25/01/2022)
HNP - Giá hoa không đổi so với năm trước.
Đoạn duy nhất của thân bài.
Lan Anh
Các bài mới đăng
Các bài đã đăng :
Chợ hoa ngày Tết “đông vui” (08:15 24/01/2022)
"""
PEACH = """\
Hoa đào về phố (10:00 26/01/2022)
HNP - Những cành đào đầu tiên đã về phố.
Thân bài về hoa đào.
Minh Hà
Các bài mới đăng
Các bài đã đăng :
Chợ hoa ngày Tết đông vui
"""


def entries(out: Path, slug: str = "tin-moi") -> dict[str, feedparser.FeedParserDict]:
    parsed = feedparser.parse((out / slug / "atom.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return {entry.title: entry for entry in parsed.entries}


def related(entry: feedparser.FeedParserDict) -> list[tuple[str, str]]:
    return [(link.href, link.get("title", "")) for link in entry.links if link.rel == "related"]


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in out.rglob("*")
        if p.is_file()
    }


def folder(root: Path, pages: dict[str, str]) -> Path:
    """A folder of text pages with a manifest giving each its URL and section."""
    root.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, text in pages.items():
        (root / name).write_text(text, encoding="utf-8")
        url = f"https://hnp.example.vn/doi-song/{Path(name).stem}.html"
        lines.append(json.dumps({"page": name, "url": url, "category": "Đời sống"}))
    (root / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


@needs_seed
def test_the_seed_page_publishes_from_the_cli_with_exact_fields(tmp_path: Path) -> None:
    config = portal_toml(tmp_path, related_count=1)  # no computed links beside the listed
    out = tmp_path / "out"
    args = ["build", "-c", str(config), "-s", str(SEED), "--url", SEED_URL, "-o", str(out)]
    result = runner.invoke(app, [*args, "--category", "Thời sự", "-q"])
    assert result.exit_code == ExitCode.OK, result.output
    assert "1 new or changed articles without related posts" in result.output  # none to link
    (entry,) = entries(out).values()
    assert entry.title.startswith("Đổi mới phương thức lãnh đạo của Đảng gắn với phát huy")
    assert entry.published == "2022-06-17T20:22:00+07:00"
    assert entry.link == SEED_URL
    assert entry.author == "Trọng Toàn"
    assert entry.summary.startswith("Phát biểu tham luận tại Hội thảo khoa học quốc gia")
    body = entry.content[0].value
    assert body.startswith("<p><em>Phó Bí thư Thường trực Thành ủy Nguyễn Thị Tuyến")
    assert body.count("<p>") == 11  # the caption, then the ten body paragraphs
    for boilerplate in ("Mã xác nhận", "L?y l?i", "\ufffd", "Viết bình luận", "Các bài"):
        assert boilerplate not in body
    assert related(entry) == []
    assert list(entries(out, "thoi-su")) == [entry.title]  # in every feed it belongs to
    assert list(entries(out, "tac-gia-trong-toan")) == [entry.title]
    # Every feed (the sitemaps at the top are none): a missing related post only warns.
    for path in out.rglob("*/*.xml"):
        relpath = path.relative_to(out).as_posix()
        report = validate(path.read_bytes(), "https://hnp.example.vn/feeds/" + relpath)
        assert report.ok, relpath


def test_page_options_describe_one_page_and_say_so(tmp_path: Path) -> None:
    config = portal_toml(tmp_path, related_count=1)  # no computed links beside the listed
    pages = folder(tmp_path / "pages", {"a.txt": FLOWERS})
    for command in (["build", "-s", str(pages)], ["ingest", str(pages)], ["publish", str(pages)]):
        result = runner.invoke(app, [*command, "-c", str(config), "--url", "https://x.vn/a"])
        assert result.exit_code == ExitCode.USAGE, result.output
        assert "--url describe a single page source (.txt, .html, .htm)" in result.output


def test_a_folder_whose_pages_list_each_other_links_them_and_a_later_page_completes_them(
    tmp_path: Path,
) -> None:
    config = portal_toml(tmp_path, related_count=1)  # no computed links beside the listed
    out = tmp_path / "feeds"
    pages = folder(tmp_path / "pages", {"a.txt": FLOWERS, "b.txt": PRICES})
    first = runner.invoke(app, ["publish", "-c", str(config), str(pages)])
    assert first.exit_code == ExitCode.OK, first.output
    assert "related post 'Hoa đào về phố' (10:00 26/01/2022) not known yet" in first.output
    feed = entries(out)
    flowers, prices = feed["Chợ hoa ngày Tết đông vui"], feed["Giá hoa Tết ổn định"]
    assert related(flowers) == [("https://hnp.example.vn/doi-song/b.html", prices.title)]
    # Listed with quotes the article's title does not have: not matched (title_key makes
    # quote variants one, it does not drop them), and no computed link is close enough
    # (two syllables in common) to stand in for it.
    assert "related post 'Chợ hoa ngày Tết “đông vui”' (08:15 24/01/2022) not known yet" in (
        first.output
    )
    assert related(prices) == []
    assert "Bài liên quan" in flowers.content[0].value

    # The page it waited for arrives: the earlier entry gains its link, its feeds are
    # rendered again, and nothing is reported twice.
    folder(pages, {"a.txt": FLOWERS, "b.txt": PRICES, "c.txt": PEACH})
    second = runner.invoke(app, ["publish", "-c", str(config), str(pages)])
    assert second.exit_code == ExitCode.OK, second.output
    assert "not known yet" not in second.output
    feed = entries(out)
    assert related(feed["Chợ hoa ngày Tết đông vui"]) == [
        ("https://hnp.example.vn/doi-song/b.html", "Giá hoa Tết ổn định"),
        ("https://hnp.example.vn/doi-song/c.html", "Hoa đào về phố"),
    ]
    # Listed without a time: one article has that title, so it is linked.
    assert related(feed["Hoa đào về phố"]) == [
        ("https://hnp.example.vn/doi-song/a.html", "Chợ hoa ngày Tết đông vui")
    ]
    rss = feedparser.parse((out / "doi-song" / "rss.xml").read_bytes())
    (item,) = [e for e in rss.entries if e.title == "Chợ hoa ngày Tết đông vui"]
    assert "https://hnp.example.vn/doi-song/c.html" in item.content[0].value
    before = snapshot(out)
    third = runner.invoke(app, ["publish", "-c", str(config), str(pages)])
    assert third.exit_code == ExitCode.OK and snapshot(out) == before, third.output


def test_an_ambiguous_title_is_told_apart_by_its_time_or_reported(tmp_path: Path) -> None:
    config = portal_toml(tmp_path, related_count=1)  # no computed links beside the listed
    twin = PRICES.replace("(09:00 25/01/2022)", "(07:00 20/01/2022)", 1).replace(
        "Chợ hoa ngày Tết “đông vui” (08:15 24/01/2022)", ""
    )
    untimed = PEACH.replace("Chợ hoa ngày Tết đông vui", "Giá hoa Tết ổn định").replace(
        "Hoa đào về phố", "Hoa mai về phố"
    )
    pages = folder(
        tmp_path / "pages",
        {"a.txt": FLOWERS, "b.txt": PRICES, "b0.txt": twin, "c.txt": PEACH, "d.txt": untimed},
    )
    result = runner.invoke(app, ["publish", "-c", str(config), str(pages)])
    assert result.exit_code == ExitCode.OK, result.output
    ids = sorted(page_id(f"https://hnp.example.vn/doi-song/{n}.html") for n in ("b", "b0"))
    assert (
        f"related post 'Giá hoa Tết ổn định' names 2 articles ({', '.join(ids)});"
        " give its time or a link: left out" in result.output
    )
    feed = entries(tmp_path / "feeds")
    hrefs = [href for href, _ in related(feed["Hoa mai về phố"])]  # never guessed
    assert not any(href.endswith(("/b.html", "/b0.html")) for href in hrefs), hrefs
    # FLOWERS lists "Giá hoa Tết ổn định (09:00 25/01/2022)": its time tells the two apart.
    assert ("https://hnp.example.vn/doi-song/b.html", "Giá hoa Tết ổn định") in related(
        feed["Chợ hoa ngày Tết đông vui"]
    )
    assert "https://hnp.example.vn/doi-song/b0.html" not in str(
        related(feed["Chợ hoa ngày Tết đông vui"])
    )


def test_a_run_whose_every_record_is_bad_leaves_the_feeds_byte_identical(tmp_path: Path) -> None:
    config = portal_toml(tmp_path, related_count=1)  # no computed links beside the listed
    out = tmp_path / "feeds"
    pages = folder(tmp_path / "pages", {"a.txt": FLOWERS, "b.txt": PRICES})
    assert runner.invoke(app, ["publish", "-c", str(config), str(pages)]).exit_code == 0
    runner.invoke(app, ["build", "-c", str(config), "-s", str(pages), "-o", str(out)])
    before = snapshot(out)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n{"title": "no id"}\nnot json\n', encoding="utf-8")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    lonely = tmp_path / "lonely.txt"
    lonely.write_text(PRICES, encoding="utf-8")  # a page with no URL known
    for source in (bad, empty, lonely):
        for command in (["publish", str(source)], ["build", "-s", str(source), "-o", str(out)]):
            result = runner.invoke(app, [*command, "-c", str(config)])
            assert result.exit_code == ExitCode.FAILED, (command, result.output)
            assert "nothing published" in result.output and "published:" not in result.output
            assert snapshot(out) == before, (command, source)


def test_a_windows_1258_html_page_publishes_with_url_from_the_cli(tmp_path: Path) -> None:
    config = portal_toml(tmp_path, related_count=1)
    page = tmp_path / "bai.htm"
    page.write_bytes(to_cp1258(TABLE))
    out = tmp_path / "out"
    args = ["build", "-c", str(config), "-s", str(page), "--url", URL, "-o", str(out), "-q"]
    result = runner.invoke(app, [*args, "--tag", "Hội thảo", "--tag", "Thành ủy"])
    assert result.exit_code == ExitCode.OK, result.output
    (entry,) = entries(out).values()
    assert (entry.title, entry.link, entry.author) == (TITLE, URL, "Trọng Toàn")
    assert entry.id.endswith(page_id(URL))  # no CMS id: the page's id comes from its URL
    assert related(entry)[0] == (
        "https://hanoi.example.vn/tin/bai-cu-1.htm",
        "Quận Ba Đình tổng kết công tác",
    )
    assert {tag.label for tag in entry.tags} >= {"Hội thảo", "Thành ủy"}
    without = runner.invoke(app, ["build", "-c", str(config), "-s", str(page), "-o", str(out)])
    assert without.exit_code == ExitCode.FAILED
    assert "no URL known (give --url, a sidecar" in without.output

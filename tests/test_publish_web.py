"""Cron follows the live portal: ``hnp-feeds publish`` runs against a fake portal on
127.0.0.1 while articles arrive, change and vanish; feeds read back with feedparser, the
requests the portal saw counted, nothing published from a page that failed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from typer.testing import CliRunner

from hnp_feeds.adapters.page_text import page_id
from hnp_feeds.cli import app
from hnp_feeds.errors import ExitCode
from hnp_feeds.store import open_store

from .portal import portal_toml
from .web_portal import Article, FakePortal, serving, web_table

runner = CliRunner()


def first_portal() -> FakePortal:
    return FakePortal(
        [
            Article("hoi-nghi", "Hội nghị Thành ủy lần thứ 8", "08:00 18/06/2022",
                    related=("ba-dinh",)),
            Article("ba-dinh", "Quận Ba Đình tổng kết công tác", "10:15 16/06/2022",
                    encoding="cp1258"),
            Article("hoc-tap", "Học tập và làm theo tư tưởng", "09:00 15/06/2022",
                    encoding="cp1258", declare="meta"),
            Article("cho-hoa", "Chợ hoa ngày Tết đông vui", "07:30 14/06/2022"),
            Article("ban-tin", "Bản tin buổi sáng", "06:00 13/06/2022"),
            Article("met-moi", "Bài viết mã hóa sai", "05:00 12/06/2022"),
        ],
        behaviour={"/bai/ban-tin.html": "fail:2", "/bai/met-moi.html": "utf8-declared-cp1258"},
    )  # fmt: skip


@pytest.fixture
def portal() -> Iterator[FakePortal]:
    with serving(first_portal()) as running:
        yield running


def configure(tmp_path: Path, portal: FakePortal, **web: object) -> Path:
    path = portal_toml(tmp_path, sources=[portal.listing])
    text = path.read_text().split("[web]")[0]
    path.write_text(text + web_table(recheck_per_run=10, **web), encoding="utf-8")
    return path


def publish(config: Path, portal: FakePortal) -> tuple[int, str]:
    portal.clear()
    result = runner.invoke(app, ["publish", "-c", str(config)])
    return result.exit_code, result.output


def titles(tmp_path: Path) -> dict[str, feedparser.FeedParserDict]:
    parsed = feedparser.parse((tmp_path / "feeds" / "tin-moi" / "atom.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return {entry.title: entry for entry in parsed.entries}


def asked(portal: FakePortal) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in portal.asked():
        counts[request.path] = counts.get(request.path, 0) + 1
    return counts


def test_cron_follows_the_portal_over_several_runs(tmp_path: Path, portal: FakePortal) -> None:
    config = configure(tmp_path, portal)

    # 1. Five pages publish; one 500s twice (two attempts: rejected), one is mis-decoded.
    code, output = publish(config, portal)
    assert code == ExitCode.REJECTED, output
    feed = titles(tmp_path)
    assert set(feed) == {
        "Hội nghị Thành ủy lần thứ 8", "Quận Ba Đình tổng kết công tác",
        "Học tập và làm theo tư tưởng", "Chợ hoa ngày Tết đông vui",
    }  # fmt: skip
    related = [link for link in feed["Hội nghị Thành ủy lần thứ 8"].links if link.rel == "related"]
    assert related[0].href == portal.url("/bai/ba-dinh.html")
    assert related[0].title == "Quận Ba Đình tổng kết công tác"
    lines = output.splitlines()
    assert (
        f"rejected {portal.url('/bai/ban-tin.html')}: HTTP 500 Internal Server Error (2 attempts)"
        in lines
    )
    assert any(
        line.startswith(f"rejected {portal.url('/bai/met-moi.html')}: text mis-decoded")
        for line in lines
    ), output
    assert asked(portal) == {
        "/robots.txt": 1, "/tin-tuc/": 2, "/bai/hoi-nghi.html": 1, "/bai/ba-dinh.html": 1,
        "/bai/hoc-tap.html": 1, "/bai/cho-hoa.html": 1, "/bai/ban-tin.html": 2,
        "/bai/met-moi.html": 1,
    }  # fmt: skip

    # 2. The failing page recovers, the mis-decoded one is fixed: both are published (a
    #    first failure is tried again on the next run); the four others cost a 304 each.
    del portal.behaviour["/bai/met-moi.html"]
    code, output = publish(config, portal)
    assert code == ExitCode.OK, output
    assert {"Bản tin buổi sáng", "Bài viết mã hóa sai"} <= set(titles(tmp_path))
    conditional = [r for r in portal.asked() if "if-none-match" in r.headers]
    assert {r.path for r in conditional} == {
        "/bai/hoi-nghi.html", "/bai/ba-dinh.html", "/bai/hoc-tap.html", "/bai/cho-hoa.html",
    }  # fmt: skip
    assert sum(asked(portal).values()) == 1 + 2 + 4 + 2

    # 3. Nothing changed: six 304s, and no file is written.
    mtime = (tmp_path / "feeds" / "tin-moi" / "atom.xml").stat().st_mtime_ns
    code, output = publish(config, portal)
    assert code == ExitCode.OK, output
    assert "nothing to publish" in output.splitlines()[-1]
    assert (tmp_path / "feeds" / "tin-moi" / "atom.xml").stat().st_mtime_ns == mtime
    assert sum(asked(portal).values()) == 1 + 2 + 6

    # 4. A new article, an edited one, a vanished one (gone from the listing, then 404).
    portal.articles.insert(0, Article("moi", "Tin mới nhất hôm nay", "09:30 19/06/2022"))
    edited = portal.article("cho-hoa")
    edited.body, edited.version = "Thân bài đã sửa lại.", 2
    vanished = portal.article("hoc-tap")
    portal.articles.remove(vanished)
    code, output = publish(config, portal)
    assert code == ExitCode.REJECTED, output
    feed = titles(tmp_path)
    assert "Tin mới nhất hôm nay" in feed
    assert "Thân bài đã sửa lại." in feed["Chợ hoa ngày Tết đông vui"].content[0].value
    assert "Học tập và làm theo tư tưởng" in feed  # not retracted: the catalogue did not say
    assert (
        f"rejected {portal.url('/bai/hoc-tap.html')}: HTTP 404 Not Found: gone from the portal;"
        " its article stays published ([web] retract_on_404 = true retracts it)"
    ) in output.splitlines()
    assert asked(portal)["/bai/moi.html"] == 1

    # 5. With retract_on_404, the vanished article leaves the feeds at its next try.
    config = configure(tmp_path, portal, retract_on_404=True)
    code, output = publish(config, portal)
    assert code == ExitCode.OK, output
    assert "Học tập và làm theo tư tưởng" not in titles(tmp_path)
    assert "1 removed" in output.splitlines()[-1]
    with open_store(tmp_path / "var" / "hnp-feeds.sqlite") as store:
        status = store.db.execute(
            "SELECT status FROM articles WHERE record_id = ?", (page_id(vanished_url(portal)),)
        ).fetchone()
    assert status == ("retracted",)


def vanished_url(portal: FakePortal) -> str:
    return portal.url("/bai/hoc-tap.html")


def test_a_portal_that_is_down_publishes_nothing_and_fails(
    tmp_path: Path, portal: FakePortal
) -> None:
    config = configure(tmp_path, portal)
    publish(config, portal)
    before = (tmp_path / "feeds" / "tin-moi" / "atom.xml").read_bytes()
    portal.behaviour["/tin-tuc/"] = "fail:99"
    code, output = publish(config, portal)
    assert code == ExitCode.FAILED, output
    assert f"rejected {portal.listing}: listing page: HTTP 500" in output
    assert "no usable record in the sources" in output.splitlines()[-1]
    assert asked(portal) == {"/robots.txt": 1, "/tin-tuc/": 2}
    assert (tmp_path / "feeds" / "tin-moi" / "atom.xml").read_bytes() == before


def test_build_reads_a_listing_given_on_the_command_line(
    tmp_path: Path, portal: FakePortal
) -> None:
    config = configure(tmp_path, portal)
    portal.behaviour.clear()
    out = tmp_path / "built"
    result = runner.invoke(app, ["build", "-c", str(config), "-s", portal.listing, "-o", str(out)])
    assert result.exit_code == ExitCode.OK, result.output
    parsed = feedparser.parse((out / "tin-moi" / "atom.xml").read_bytes())
    assert len(parsed.entries) == 6
    # A build is a fresh store: nothing is remembered, every page is asked for again.
    runner.invoke(app, ["build", "-c", str(config), "-s", portal.listing, "-o", str(out)])
    assert asked(portal)["/bai/hoi-nghi.html"] == 2

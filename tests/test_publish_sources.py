"""The catalogue's [database] and [html_pages] reach the adapters in every command: a real
SQLite CMS file and a folder of HTML pages, each published through the CLI as cron runs
it (``hnp-feeds publish -c hnp-feeds.toml <source>``), the feeds read back by feedparser."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import feedparser
from typer.testing import CliRunner

from hnp_feeds.cli import ExitCode, app
from hnp_feeds.store import open_store

from .portal import portal_toml
from .test_adapters_database import MAPPING, QUERY, ROWS, make_cms
from .test_adapters_page_html import ODD

runner = CliRunner()


def with_sections(config: Path, text: str) -> Path:
    """The portal's catalogue with more sections at its end."""
    config.write_text(config.read_text(encoding="utf-8") + text, encoding="utf-8")
    return config


def publish(config: Path, source: str | Path) -> str:
    """``hnp-feeds publish -c <config> <source>``; its output, once it exited 0."""
    result = runner.invoke(app, ["publish", "-c", str(config), "--verbose", str(source)])
    assert result.exit_code == ExitCode.OK, result.output
    return result.output


def snapshot(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every published file with its bytes and mtime: what a second run must not touch."""
    return {
        str(p.relative_to(out)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def entries(out: Path, slug: str, name: str = "atom.xml") -> dict[str, Any]:
    """The entries of a published feed, by title, as feedparser reads them."""
    parsed = feedparser.parse((out / slug / name).read_bytes())
    assert not parsed.bozo, parsed.bozo_exception
    return {entry.title: entry for entry in parsed.entries}


# -- the CMS database -------------------------------------------------------------------------


def cms(tmp_path: Path) -> Path:
    """The CMS of test_adapters_database (Vietnamese table and column names, categories
    joined in), its second article given a related post: the portal profile refuses a
    feed whose entry has none, and nothing in this small CMS relates to it by its text."""
    path = make_cms(tmp_path / "cms.sqlite")
    related = [{"url": "https://hanoi.example.vn/tin/doi-moi.htm", "title": "Đổi mới"}]
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE bai_viet SET lien_quan = ? WHERE ma = 2", (json.dumps(related),))
    conn.close()
    return path


def cms_catalogue(tmp_path: Path) -> Path:
    """The portal's catalogue whose [database] has the CMS's own query and column mapping."""
    mapping = "".join(f'{field} = "{column}"\n' for field, column in MAPPING.items())
    return with_sections(
        portal_toml(tmp_path),
        f"[database]\nquery = '''{QUERY}'''\n[database.mapping]\n{mapping}",
    )


def test_a_cms_database_is_published_with_the_catalogue_query_and_mapping(
    tmp_path: Path,
) -> None:
    database = cms(tmp_path)
    config = cms_catalogue(tmp_path)
    out = tmp_path / "feeds"
    # The default query (SELECT * FROM articles) would fail: "no such table: articles".
    publish(config, f"sqlite:///{database}")

    published = {row[1]: row for row in ROWS if row[11] == "published"}
    main = entries(out, "tin-moi")
    assert set(main) == set(published)  # the draft is in no feed
    first = main["Đổi mới phương thức lãnh đạo của Đảng"]
    assert first.link == "https://hanoi.example.vn/tin/doi-moi.htm"
    assert first.id.startswith("tag:hnp.example.vn,") and first.id.endswith(":article/1")
    assert first.author == "Trọng Toàn"
    assert first.summary == "Phát biểu tham luận tại Hội thảo."
    assert "https://hanoi.example.vn/tin/bai-cu.htm" in {
        link.href for link in first.links if link.rel == "related"
    }
    assert set(entries(out, "thoi-su", "rss.xml")) == set(published)  # the joined category
    with open_store(tmp_path / "var" / "hnp-feeds.sqlite") as store:  # the mark is kept there
        (marks,) = store.db.execute("SELECT count(*) FROM source_state").fetchone()
    assert marks == 1

    before = snapshot(out)
    again = publish(config, f"sqlite:///{database}")
    assert snapshot(out) == before, again
    # The mark in the store: no row changed, none is read again.
    assert "ingested 0 records" in again and "nothing to publish" in again, again
    # A build (a fresh store of its own) reads every row and moves no mark of cron's.
    built = runner.invoke(
        app, ["build", "-c", str(config), "-s", f"sqlite:///{database}", "-o", str(tmp_path / "b")]
    )
    assert built.exit_code == ExitCode.OK and "3 new" in built.output, built.output

    # An edit in the CMS is read (incrementally, from the mark in the store) and published.
    with sqlite3.connect(database) as conn:
        conn.execute(
            "UPDATE bai_viet SET tieu_de = 'Quận Ba Đình tổng kết năm 2022',"
            " ngay_sua = '2022-06-19 09:00:00' WHERE ma = 2"
        )
    conn.close()
    publish(config, f"sqlite:///{database}")
    assert "Quận Ba Đình tổng kết năm 2022" in entries(out, "tin-moi")


def test_build_reads_the_cms_as_publish_does(tmp_path: Path) -> None:
    database = cms(tmp_path)
    config = cms_catalogue(tmp_path)
    out = tmp_path / "built"
    result = runner.invoke(
        app, ["build", "-c", str(config), "-s", f"sqlite:///{database}", "-o", str(out), "-q"]
    )
    assert result.exit_code == ExitCode.OK, result.output
    published = {row[1] for row in ROWS if row[11] == "published"}
    assert set(entries(out, "tin-moi")) == published


# -- a folder of HTML pages -----------------------------------------------------------------

# Layouts the text rules cannot read (title and time in attributes, an unmarked lede):
# test_adapters_page_html's ODD page, and a second article in the same layout.
PAGES = {
    "di-bo.html": ODD,
    "cay-xanh.html": ODD.replace("Hà Nội mở rộng không gian đi bộ", "Hà Nội trồng thêm cây xanh")
    .replace("07:30 01/05/2023", "09:15 02/05/2023")
    .replace("hai tuyến phố đi bộ", "một nghìn cây xanh")
    .replace("Minh Anh", "Lan Anh"),
}
HTML_PAGES = """[html_pages]
title = "string(//div[@id='bai']/@data-title)"
time = "//div[@id='bai']/@data-time"
lede = "//div[@id='mo-dau']"
body = "//div[@id='noi-dung']"
author = "//div[@id='tac-gia']"
related = "//div[@id='lien-quan']"
"""


def page_folder(folder: Path) -> Path:
    folder.mkdir()
    for name, html in PAGES.items():
        (folder / name).write_text(html, encoding="utf-8")
    manifest = [
        {"page": "di-bo.html", "id": "7001", "category": "Đô thị",
         "url": "https://hnp.example.vn/do-thi/di-bo.html"},
        {"page": "cay-xanh.html", "id": "7002", "category": "Đô thị",
         "url": "https://hnp.example.vn/do-thi/cay-xanh.html"},
    ]  # fmt: skip
    (folder / "manifest.jsonl").write_text(
        "".join(json.dumps(m, ensure_ascii=False) + "\n" for m in manifest), encoding="utf-8"
    )
    return folder


def test_a_folder_of_html_pages_is_published_with_the_catalogue_selectors(
    tmp_path: Path,
) -> None:
    folder = page_folder(tmp_path / "pages")
    config = with_sections(portal_toml(tmp_path), HTML_PAGES)
    out = tmp_path / "feeds"
    publish(config, folder)

    main = entries(out, "tin-moi")
    assert set(main) == {"Hà Nội mở rộng không gian đi bộ", "Hà Nội trồng thêm cây xanh"}
    walk = main["Hà Nội mở rộng không gian đi bộ"]
    assert walk.link == "https://hnp.example.vn/do-thi/di-bo.html"
    assert walk.id.endswith(":article/7001")
    assert walk.published.startswith("2023-05-01T07:30:00+07:00")
    assert walk.summary == "Thành phố thí điểm thêm hai tuyến phố đi bộ."
    assert walk.author == "Minh Anh"
    related = {link.href: link.title for link in walk.links if link.rel == "related"}
    assert related["https://hnp.example.vn/x/1.htm"] == "Phố đi bộ Trịnh Công Sơn"
    assert main["Hà Nội trồng thêm cây xanh"].author == "Lan Anh"
    assert set(entries(out, "do-thi", "rss.xml")) == set(main)  # the manifest's category

    before = snapshot(out)
    again = publish(config, folder)
    assert snapshot(out) == before, again
    assert "(0 new, 0 changed, 0 removed, 0 rejected); nothing to publish" in again, again

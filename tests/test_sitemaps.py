"""sitemap.xml (an index of sitemap-<n>.xml) and news-sitemap.xml as publish writes them:
valid against their schemas, holding the live articles (the news one: the last two days',
with name, language, date and title), and written again only when an article changed or
the news window moved, and of the pages only the one that changed.

The schemas (tests/data/schemas/sitemap.xsd, news.xsd) are our own, written from the text
of the sitemaps.org protocol and of Google's news sitemap page (no file is copied from
elsewhere); lxml's XMLSchema checks the documents against them.  One case they cannot
take: a news window with no article gives an empty ``<urlset>`` (there is nothing to
announce), while the protocol asks every urlset for a ``<url>``; that document is checked
by assertions instead.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from typer.testing import CliRunner

from hnp_feeds.cli import app
from hnp_feeds.config import Catalogue
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import PublishResult, publish
from hnp_feeds.publish import run as publish_run
from hnp_feeds.sitemaps import NEWS_LIMIT, NEWS_WINDOW, SITEMAP_PAGE_SIZE
from hnp_feeds.timezone import localize

from .portal import catalogue, record, write_local_mean_time, write_records

SCHEMAS = Path(__file__).parent / "data" / "schemas"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
NOW = localize(datetime(2022, 6, 30, 12, 0))


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "sitemap.xsd")))


def _records() -> list[dict[str, Any]]:
    """Ten articles a day apart up to NOW (the newest two inside the news window), and a
    draft and a retraction that no sitemap may name."""
    records = [record(n, published=f"2022-06-{20 + n:02d} 09:{n:02d}") for n in range(11)]
    records[3]["status"] = "draft"
    records[4]["status"] = "retracted"
    return records


def _publish(
    portal: Catalogue, tmp_path: Path, records: list[dict[str, Any]], now: datetime
) -> PublishResult:
    source = write_records(tmp_path / "export.jsonl", records)
    result = publish(portal, [source], store_path=tmp_path / "s.sqlite", now=now, workers=1)
    assert result.exit_code is ExitCode.OK, result.summary()
    return result


@pytest.fixture
def published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Catalogue, list[dict[str, Any]]]:
    """The portal of ``_records`` published at NOW, four history slots a sitemap page:
    its catalogue and records."""
    monkeypatch.setattr(publish_run, "SITEMAP_PAGE_SIZE", 4)
    portal, records = catalogue(tmp_path), _records()
    _publish(portal, tmp_path, records, NOW)
    return portal, records


def _urls(path: Path) -> list[etree._Element]:
    return list(etree.parse(str(path)).getroot())


def _valid_urls(schema: etree.XMLSchema, path: Path) -> list[etree._Element]:
    """The ``<url>`` elements of a sitemap valid against ``schema``."""
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log
    return list(document.getroot())


def test_sitemap_indexes_pages_of_every_live_article_oldest_first_all_valid(
    published: tuple[Catalogue, list[dict[str, Any]]], schema: etree.XMLSchema
) -> None:
    portal, records = published
    index = _valid_urls(schema, portal.out_dir / "sitemap.xml")
    feeds = portal.site.feeds_url
    assert [s.findtext(f"{SM}loc") for s in index] == [
        f"{feeds}sitemap-{n}.xml" for n in (1, 2, 3)
    ]  # ten history slots (the draft holds none; the retraction keeps its own), four a page
    pages = [_valid_urls(schema, portal.out_dir / f"sitemap-{n}.xml") for n in (1, 2, 3)]
    live = [r for r in records if r.get("status") is None]
    assert [u.findtext(f"{SM}loc") for page in pages for u in page] == [r["url"] for r in live]
    assert [len(page) for page in pages] == [3, 4, 2]  # the first lost its retracted slot
    for entry, page in zip(index, pages, strict=True):
        assert entry.findtext(f"{SM}lastmod") == page[-1].findtext(f"{SM}lastmod")
    assert pages[-1][-1].findtext(f"{SM}lastmod") == "2022-06-30T09:10:00+07:00"
    assert SITEMAP_PAGE_SIZE == 1_000  # small pages: a new article rewrites little


def test_news_sitemap_holds_the_last_two_days_with_name_language_date_title(
    published: tuple[Catalogue, list[dict[str, Any]]], schema: etree.XMLSchema
) -> None:
    portal, _ = published
    urls = _valid_urls(schema, portal.out_dir / "news-sitemap.xml")
    assert [u.findtext(f"{SM}loc") for u in urls] == [
        "https://hnp.example.vn/kinh-te/bai-viet-10.html",  # 2022-06-30 09:10
        "https://hnp.example.vn/thoi-su/bai-viet-9.html",  # 2022-06-29 09:09
    ]  # 2022-06-28 09:08 is more than two days before NOW (2022-06-30 12:00)
    news = urls[0].find(f"{NEWS}news")
    assert news is not None
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Báo HNP"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "vi"
    assert news.findtext(f"{NEWS}publication_date") == "2022-06-30T09:10:00+07:00"
    assert news.findtext(f"{NEWS}title") == "Bài viết số 10 về kinh tế"
    assert (timedelta(days=2), 1000) == (NEWS_WINDOW, NEWS_LIMIT)


def test_the_news_sitemap_keeps_at_most_its_limit_newest_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, schema: etree.XMLSchema
) -> None:
    monkeypatch.setattr(publish_run, "NEWS_LIMIT", 1)
    portal = catalogue(tmp_path)
    _publish(portal, tmp_path, _records(), NOW)
    urls = _valid_urls(schema, portal.out_dir / "news-sitemap.xml")
    assert [u.findtext(f"{SM}loc") for u in urls] == [
        "https://hnp.example.vn/kinh-te/bai-viet-10.html"
    ]


SITEMAPS = ("sitemap.xml", "news-sitemap.xml", *(f"sitemap-{n}.xml" for n in (1, 2, 3)))


def _age(portal: Catalogue) -> None:
    """The sitemaps dated an hour back, so a rewrite shows in their mtimes."""
    for name in SITEMAPS:
        stamp = (portal.out_dir / name).stat().st_mtime - 3600
        os.utime(portal.out_dir / name, (stamp, stamp))


def _written(portal: Catalogue, result: PublishResult) -> set[str]:
    """The sitemaps a run wrote."""
    found = {p.relative_to(portal.out_dir).as_posix() for p in result.written}
    return found & {*SITEMAPS, "sitemap-4.xml"}


def test_the_sitemaps_are_written_again_only_when_they_change(
    tmp_path: Path, published: tuple[Catalogue, list[dict[str, Any]]]
) -> None:
    portal, records = published
    _age(portal)
    before = {name: (portal.out_dir / name).stat().st_mtime_ns for name in SITEMAPS}

    # Nothing new, the window still holds the same articles: nothing is touched.
    same = _publish(portal, tmp_path, records, NOW + timedelta(minutes=5))
    assert _written(portal, same) == set()
    assert {name: (portal.out_dir / name).stat().st_mtime_ns for name in SITEMAPS} == before

    # A new article: the last page, the index and the news sitemap; the full pages stay.
    records.append(record(11, published="2022-06-30 11:00"))
    fresh = _publish(portal, tmp_path, records, NOW)
    assert _written(portal, fresh) == {"sitemap.xml", "news-sitemap.xml", "sitemap-3.xml"}
    assert len(_urls(portal.out_dir / "sitemap-3.xml")) == 3

    # A day later, with no new record: the oldest of the window has aged out of it.
    later = _publish(portal, tmp_path, records, NOW + timedelta(days=1))
    assert _written(portal, later) == {"news-sitemap.xml"}
    locs = [u.findtext(f"{SM}loc") for u in _urls(portal.out_dir / "news-sitemap.xml")]
    assert locs == [records[-1]["url"], "https://hnp.example.vn/kinh-te/bai-viet-10.html"]

    # The oldest article corrected: its page and the index, with the new lastmod.
    records[0] = {**records[0], "title": "Bài viết số 0, đã sửa", "updated": "2022-07-01 08:00"}
    edited = _publish(portal, tmp_path, records, NOW + timedelta(days=1, hours=1))
    assert _written(portal, edited) == {"sitemap.xml", "sitemap-1.xml"}
    first = _urls(portal.out_dir / "sitemap-1.xml")[0]
    assert first.findtext(f"{SM}loc") == records[0]["url"]
    assert first.findtext(f"{SM}lastmod") == "2022-07-01T08:00:00+07:00"
    index = _urls(portal.out_dir / "sitemap.xml")
    assert index[0].findtext(f"{SM}lastmod") == "2022-07-01T08:00:00+07:00"

    # Three days on, the window is empty: an empty urlset, still well-formed.
    empty = _publish(portal, tmp_path, records, NOW + timedelta(days=4))
    assert _written(portal, empty) == {"news-sitemap.xml"}
    root = etree.parse(str(portal.out_dir / "news-sitemap.xml")).getroot()
    assert root.tag == f"{SM}urlset" and len(root) == 0

    # Articles drafted again: the history shortens, the page past its end goes.
    for n in (9, 10, 11):
        records[n] = {**records[n], "status": "draft"}
    shorter = _publish(portal, tmp_path, records, NOW + timedelta(days=4))
    assert "sitemap.xml" in _written(portal, shorter)
    assert not (portal.out_dir / "sitemap-3.xml").exists()
    assert len(_urls(portal.out_dir / "sitemap.xml")) == 2


def test_validating_the_output_directory_leaves_the_sitemaps_out(
    published: tuple[Catalogue, list[dict[str, Any]]],
) -> None:
    portal, _ = published
    runner = CliRunner()
    whole = runner.invoke(app, ["validate", str(portal.out_dir)])
    assert whole.exit_code == ExitCode.OK, whole.output
    assert "sitemap" not in whole.output and "tin-moi/atom.xml: ok" in whole.output
    named = runner.invoke(app, ["validate", str(portal.out_dir / "sitemap.xml")])
    assert named.exit_code == ExitCode.FAILED  # named on its own, it is judged as a feed


def test_while_a_feed_fails_the_sitemaps_wait_and_the_next_good_run_writes_them(
    tmp_path: Path,
    published: tuple[Catalogue, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    portal, records = published
    before = (portal.out_dir / "sitemap-1.xml").read_bytes()
    write_local_mean_time(monkeypatch)  # a writer fault: every document fails the policy
    records[0] = {**records[0], "updated": "2022-06-30 10:00"}
    source = write_records(tmp_path / "export.jsonl", records)
    failed = publish(portal, [source], store_path=tmp_path / "s.sqlite", now=NOW, workers=1)
    assert failed.exit_code is ExitCode.INVALID
    assert (portal.out_dir / "sitemap-1.xml").read_bytes() == before
    monkeypatch.undo()
    fixed = publish(portal, [source], store_path=tmp_path / "s.sqlite", now=NOW, workers=1)
    assert fixed.exit_code is ExitCode.OK, fixed.summary()
    assert (
        b"<lastmod>2022-06-30T10:00:00+07:00</lastmod>"
        in (portal.out_dir / "sitemap.xml").read_bytes()
    )

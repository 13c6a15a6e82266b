"""Tag feeds made automatically (``[site] tag_feed_min_articles``): which exist, the store
and the in-memory definition agreeing, and cron runs that make one appear, list it in the
OPML and index.html, and keep it published when its tag thins out."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import feedparser
import lxml.html
from lxml import etree

from hnp_feeds.catalogue import TAG_PREFIX, feeds_for
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish
from hnp_feeds.publish.plan import site_feeds
from hnp_feeds.store import open_store
from hnp_feeds.timezone import localize

from .portal import articles_as_published, catalogue, record, write_records

NOW = localize(datetime(2022, 8, 1, 12, 0))


def _tagged(n: int, *tags: str, **changes: object) -> dict[str, object]:
    return record(n, tags=list(tags), **changes)


def test_tags_with_enough_published_articles_get_a_feed_after_authors(tmp_path: Path) -> None:
    portal = catalogue(tmp_path, tag_feed_min_articles=2)
    records = [
        _tagged(0, "Hà Nội", "bóng đá"),
        _tagged(1, "Hà Nội", "bóng đá"),
        _tagged(2, "Giá vàng"),
        _tagged(3, "Giá vàng", status="draft"),  # a draft counts for nothing
        _tagged(5, "HÀ NỘI"),  # the same slug: the name of the smallest record id is kept
    ]
    source = write_records(tmp_path / "export.jsonl", records)
    articles, _ = articles_as_published(portal, [source])
    feeds = feeds_for(portal, articles)
    tags = [(f.slug, f.title, f.tag) for f in feeds if f.kind == "tag"]
    # "bóng đá" has a declared feed of its own (portal.catalogue): no second one.
    assert tags == [("chu-de-ha-noi", "Hà Nội – Báo HNP", "ha-noi")]
    kinds = [f.kind for f in feeds]
    assert kinds.index("tag") > max(i for i, k in enumerate(kinds) if k == "author")
    assert kinds[-1] == "custom"
    unset = catalogue(tmp_path)
    assert not [f for f in feeds_for(unset, articles) if f.kind == "tag"]


def test_the_store_lists_the_same_feeds_as_the_articles_say(tmp_path: Path) -> None:
    portal = catalogue(tmp_path, tag_feed_min_articles=2)
    records = [_tagged(n, ["Hà Nội", "Tết", "Giá vàng"][n % 3], "Tết") for n in range(9)]
    records[4]["status"] = "retracted"
    source = write_records(tmp_path / "export.jsonl", records)
    result = publish(portal, [source], store_path=tmp_path / "s.sqlite", now=NOW)
    assert result.exit_code is ExitCode.OK, result.summary()
    articles, _ = articles_as_published(portal, [source], now=NOW)
    with open_store(tmp_path / "s.sqlite") as store:
        assert site_feeds(portal, store) == feeds_for(portal, articles)


def test_a_tag_reaching_the_threshold_gets_its_feed_listed_and_keeps_it(tmp_path: Path) -> None:
    portal = catalogue(tmp_path, tag_feed_min_articles=3)
    out = portal.out_dir
    store = tmp_path / "s.sqlite"
    records = [_tagged(n, "Đường sắt") for n in (1, 2)] + [_tagged(3, "kinh tế")]
    source = write_records(tmp_path / "export.jsonl", records)
    assert publish(portal, [source], store_path=store, now=NOW).exit_code is ExitCode.OK
    slug = TAG_PREFIX + "duong-sat"
    assert not (out / slug).exists()

    records.append(_tagged(4, "Đường sắt"))
    write_records(source, records)
    result = publish(portal, [source], store_path=store, now=NOW)
    assert result.exit_code is ExitCode.OK, result.summary()
    assert slug in [feed.slug for feed in result.feeds]
    atom = feedparser.parse((out / slug / "atom.xml").read_bytes())
    assert atom.bozo == 0
    assert atom.feed.title == "Đường sắt – Báo HNP"
    tagged = [str(r["url"]) for r in records if r["tags"] == ["Đường sắt"]]
    assert sorted(e.link for e in atom.entries) == sorted(tagged)
    assert len(tagged) == 3
    opml = etree.fromstring((out / "feeds.opml").read_bytes())
    (outline,) = opml.xpath("//outline[@title='Chủ đề']/outline")
    assert outline.get("xmlUrl") == f"{portal.site.feeds_url}{slug}/atom.xml"
    page = lxml.html.fromstring((out / "index.html").read_bytes())
    assert page.xpath(f"//section[@id='nhom-tag']//article[@id='feed-{slug}']")

    # One retracted: below the threshold, but its subscribers keep a feed kept up to date.
    records[0]["status"] = "retracted"
    write_records(source, records)
    assert publish(portal, [source], store_path=store, now=NOW).exit_code is ExitCode.OK
    atom = feedparser.parse((out / slug / "atom.xml").read_bytes())
    assert len(atom.entries) == 2

"""feeds.opml: OPML 2.0, every feed once with its URLs, grouped, deterministic, escaped."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from hnp_feeds.config import Catalogue
from hnp_feeds.model import FeedSpec, Site
from hnp_feeds.opml import grouped, render_opml
from hnp_feeds.timezone import localize

SITE = Site(
    title="Hà Nội Plus",
    base_url="https://hnp.example.vn/",
    feeds_url="https://hnp.example.vn/feeds/",
    tag_authority="hnp.example.vn",
    tag_date="2008-01-01",
)
CATALOGUE = Catalogue(site=SITE)
FEEDS = [
    FeedSpec(slug="tin-moi", title="Hà Nội Plus", kind="main", description="Tin mới"),
    FeedSpec(slug="thoi-su", title="Thời sự – Hà Nội Plus", kind="category", category="thoi-su"),
    FeedSpec(slug="tac-gia-thu-ha", title="Thu Hà & <bạn>", kind="author", author="thu-ha"),
    FeedSpec(slug="am-thuc", title='Ẩm thực "ngon"', kind="custom", tag="am-thuc"),
    FeedSpec(slug="kinh-te", title="Kinh tế – Hà Nội Plus", kind="category", category="kinh-te"),
]
WHEN = localize(datetime(2022, 6, 17, 20, 22))


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def test_every_feed_listed_once_with_its_urls() -> None:
    root = parse(render_opml(CATALOGUE, FEEDS, updated=WHEN))
    assert root.get("version") == "2.0"
    leaves = root.findall("body/outline/outline")
    assert [o.get("xmlUrl") for o in leaves] == [
        "https://hnp.example.vn/feeds/tin-moi/atom.xml",
        "https://hnp.example.vn/feeds/thoi-su/atom.xml",
        "https://hnp.example.vn/feeds/kinh-te/atom.xml",
        "https://hnp.example.vn/feeds/tac-gia-thu-ha/atom.xml",
        "https://hnp.example.vn/feeds/am-thuc/atom.xml",
    ]
    for outline in leaves:
        assert outline.get("type") == "rss"
        assert outline.get("htmlUrl") == SITE.base_url
        assert outline.get("text") == outline.get("title")
        assert outline.get("language") == "vi"


def test_grouped_main_categories_authors_then_declared() -> None:
    root = parse(render_opml(CATALOGUE, FEEDS))
    groups = root.findall("body/outline")
    assert [g.get("text") for g in groups] == [
        "Tin mới nhất",
        "Chuyên mục",
        "Tác giả",
        "Chủ đề khác",
    ]
    assert [len(g) for g in groups] == [1, 2, 1, 1]
    assert [kind for kind, _, _ in grouped(FEEDS[:2])] == ["main", "category"]


def test_titles_are_escaped_and_round_trip() -> None:
    data = render_opml(CATALOGUE, FEEDS)
    assert b"Thu H\xc3\xa0 &amp; &lt;b\xe1\xba\xa1n&gt;" in data
    titles = {o.get("xmlUrl"): o.get("title") for o in parse(data).iter("outline")}
    assert titles["https://hnp.example.vn/feeds/tac-gia-thu-ha/atom.xml"] == "Thu Hà & <bạn>"
    assert titles["https://hnp.example.vn/feeds/am-thuc/atom.xml"] == 'Ẩm thực "ngon"'


def test_date_is_the_newest_article_never_the_clock() -> None:
    with_date = parse(render_opml(CATALOGUE, FEEDS, updated=WHEN))
    assert with_date.findtext("head/dateModified") == "Fri, 17 Jun 2022 20:22:00 +0700"
    assert parse(render_opml(CATALOGUE, FEEDS)).find("head/dateModified") is None
    assert render_opml(CATALOGUE, FEEDS, updated=WHEN) == render_opml(
        CATALOGUE, FEEDS, updated=WHEN
    )


def test_head_says_what_it_is() -> None:
    root = parse(render_opml(CATALOGUE, FEEDS))
    assert root.findtext("head/title") == "Hà Nội Plus: nguồn tin"
    assert root.findtext("head/docs") == "http://opml.org/spec2.opml"
    assert root.findtext("head/ownerName") == "Hà Nội Plus"

"""RSS 2.0 writer: read back with feedparser and lxml, validated, golden bytes."""

from __future__ import annotations

import re
from dataclasses import replace

import feedparser
import pytest
from lxml import etree

from hnp_feeds.identity import entry_id
from hnp_feeds.model import Image
from hnp_feeds.timezone import rfc822
from hnp_feeds.validator import validate
from hnp_feeds.validator.policy import check_pair
from hnp_feeds.writers import FeedDocument, feed_url, render_atom, render_rss
from tests.regenerate_golden import ARTICLES, EMPTY, GOLDEN, MAIN, SITE, golden_documents

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
MEDIA = "{http://search.yahoo.com/mrss/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
BY_ID = {entry_id(SITE, a): a for a in ARTICLES}


@pytest.fixture(scope="module")
def rss() -> bytes:
    return render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES)))


@pytest.fixture(scope="module")
def parsed(rss: bytes) -> feedparser.FeedParserDict:
    result = feedparser.parse(rss)
    assert result.bozo == 0, result.get("bozo_exception")
    assert result.version == "rss20"
    return result


def _items(data: bytes) -> list[etree._Element]:
    return etree.fromstring(data).findall("channel/item")


def _item(data: bytes, article_id: str) -> etree._Element:
    return next(i for i in _items(data) if i.findtext("guid", "").endswith(f"/{article_id}"))


def test_items_newest_first_within_the_limit(parsed: feedparser.FeedParserDict) -> None:
    assert [BY_ID[e.id].id for e in parsed.entries] == ["12347", "12346", "12345", "12300"]
    two = feedparser.parse(render_rss(SITE, FeedDocument(replace(MAIN, limit=2), tuple(ARTICLES))))
    assert len(two.entries) == 2


def test_guids_are_the_atom_ids(rss: bytes, parsed: feedparser.FeedParserDict) -> None:
    for item in _items(rss):
        guid = item.find("guid")
        assert guid is not None and guid.get("isPermaLink") == "false"
        assert (guid.text or "").startswith("tag:hnp.example.vn,")
    atom_ids = [
        e.id
        for e in feedparser.parse(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES)))).entries
    ]
    assert [e.id for e in parsed.entries] == atom_ids
    assert check_pair(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES))), rss) == []


def test_every_time_is_rfc822_with_the_local_offset(rss: bytes) -> None:
    root = etree.fromstring(rss)
    assert root.findtext("channel/lastBuildDate") == "Sat, 18 Jun 2022 08:00:00 +0700"
    for item in _items(rss):
        article = BY_ID[item.findtext("guid", "")]
        assert item.findtext("pubDate") == rfc822(article.published)
        assert re.search(r" \+0700$", item.findtext("pubDate", ""))


def test_creator_content_and_categories(parsed: feedparser.FeedParserDict) -> None:
    entry = next(e for e in parsed.entries if BY_ID[e.id].id == "12345")
    assert entry.author == "Trọng Toàn"  # dc:creator
    assert entry.summary == "HNP - Sáng 17/6, Hội chợ Xuân khai mạc tại Hà Nội."
    html = entry.content[0].value  # content:encoded
    assert html.startswith("<figure><img ")  # the lead image, which the body lacks
    assert "</figure><p>Hội chợ có hơn 300 gian hàng &amp; nhiều hoạt động.</p>" in html
    assert "<p><strong>Bài liên quan</strong></p><ul>" in html
    assert '<a href="https://hnp.example.vn/tin-tuc/12002.html">Giá vàng tăng mạnh</a>' in html
    assert [t.term for t in entry.tags] == ["Kinh tế", "Hội chợ", "Hà Nội"]
    assert entry.link == "https://hnp.example.vn/tin-tuc/12345.html"


def test_no_rss_author_element(rss: bytes) -> None:
    # <author> must be an e-mail address; bylines go in dc:creator only.
    assert all(item.find("author") is None for item in _items(rss))
    creators = [item.findtext(f"{DC}creator") for item in _items(rss)]
    assert creators == ["Minh Anh", None, "Trọng Toàn", "Trọng Toàn"]


def test_related_links_come_back_as_related(parsed: feedparser.FeedParserDict) -> None:
    for entry in parsed.entries:
        article = BY_ID[entry.id]
        related = [(ln.href, ln.get("title", "")) for ln in entry.links if ln.rel == "related"]
        assert related == [(r.url, r.title) for r in article.related]
        assert [ln.href for ln in entry.links if ln.rel == "alternate"] == [article.url]


def test_image_enclosure_only_with_a_known_length(rss: bytes) -> None:
    png = _item(rss, "12347")
    enclosure = png.find("enclosure")
    assert enclosure is not None
    assert dict(enclosure.items()) == {
        "url": "https://hnp.example.vn/anh/12347.png",
        "length": "48213",
        "type": "image/png",
    }
    jpeg = _item(rss, "12345")
    assert jpeg.find("enclosure") is None  # length unknown: media:content instead
    content = jpeg.find(f"{MEDIA}content")
    assert content is not None
    assert content.get("url") == "https://hnp.example.vn/anh/12345.jpg"
    assert (content.get("medium"), content.get("type")) == ("image", "image/jpeg")
    assert content.findtext(f"{MEDIA}description") == "Toàn cảnh hội chợ"
    for item in (png, jpeg):
        assert item.find(f"{MEDIA}thumbnail") is not None


def test_image_of_unknown_type_gets_no_enclosure() -> None:
    odd = replace(ARTICLES[0], image=Image("https://hnp.example.vn/anh/x", length=10))
    item = _items(render_rss(SITE, FeedDocument(MAIN, tuple([odd]))))[0]
    assert item.find("enclosure") is None
    content = item.find(f"{MEDIA}content")
    assert content is not None and content.get("type") is None


def test_channel_links_self_hub_and_home(rss: bytes, parsed: feedparser.FeedParserDict) -> None:
    channel = etree.fromstring(rss).find("channel")
    assert channel is not None
    assert channel.findtext("link") == "https://hnp.example.vn/"
    assert channel.findtext("language") == "vi"
    links = {
        (ln.get("rel"), ln.get("href"), ln.get("type")) for ln in channel.findall(f"{ATOM}link")
    }
    assert links == {
        ("self", "https://hnp.example.vn/feeds/tin-moi/rss.xml", "application/rss+xml"),
        ("hub", "https://hub.example.net/", None),
    }
    rels = {ln.rel: ln.href for ln in parsed.feed.links}
    assert rels["self"] == feed_url(SITE, "tin-moi", "rss.xml")
    assert rels["hub"] == "https://hub.example.net/"


def test_no_hub_link_without_a_hub() -> None:
    channel = etree.fromstring(
        render_rss(replace(SITE, hub=None), FeedDocument(MAIN, tuple(ARTICLES)))
    ).find("channel")
    assert channel is not None
    assert [ln.get("rel") for ln in channel.findall(f"{ATOM}link")] == ["self"]


def test_generator_carries_no_version(rss: bytes) -> None:
    assert etree.fromstring(rss).findtext("channel/generator") == "hnp-feeds"
    assert b"feedgen" not in rss


def test_empty_feed_has_a_fixed_date() -> None:
    data = render_rss(SITE, FeedDocument(EMPTY, ()))
    assert etree.fromstring(data).findtext("channel/lastBuildDate") == (
        "Tue, 01 Jan 2008 00:00:00 +0700"
    )
    assert feedparser.parse(data).bozo == 0


def test_our_validator_finds_nothing() -> None:
    # Also without the title holding "<" and "&" (see below).
    plain = [replace(a, title="Giá xăng giảm") if a.id == "12346" else a for a in ARTICLES]
    for data, slug in (
        (render_rss(SITE, FeedDocument(MAIN, tuple(plain))), MAIN.slug),
        (render_rss(SITE, FeedDocument(EMPTY, ())), EMPTY.slug),
    ):
        report = validate(data, base_url=feed_url(SITE, slug, "rss.xml"))
        assert report.format == "rss"
        assert [(m.level, m.code, dict(m.params)) for m in report.messages] == []


def test_title_with_lt_and_amp_is_escaped_and_clean(rss: bytes) -> None:
    # "Giá xăng < 30.000 đồng & dầu giảm": escaped once, and since "< 3" cannot open a
    # tag the W3C's CharacterData warning (a bare & meeting a tag opener) does not apply.
    assert "Giá xăng &lt; 30.000 đồng &amp; dầu giảm".encode() in rss
    report = validate(rss, base_url=feed_url(SITE, MAIN.slug, "rss.xml"))
    assert [(m.level, m.code) for m in report.messages] == []
    titles = [e.title for e in feedparser.parse(rss).entries]
    assert "Giá xăng < 30.000 đồng & dầu giảm" in titles


def test_two_renders_give_identical_bytes(rss: bytes) -> None:
    assert render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))) == rss
    assert render_rss(SITE, FeedDocument(MAIN, tuple(reversed(ARTICLES)))) == rss


@pytest.mark.parametrize("name", [n for n in golden_documents() if n.endswith("rss.xml")])
def test_matches_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_bytes()
    assert golden_documents()[name] == expected, f"run `make golden` if {name} changed on purpose"

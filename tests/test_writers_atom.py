"""Atom writer: read back with feedparser and lxml, validated, golden bytes, RFC 5005 pages."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import feedparser
import pytest
from lxml import etree

from hnp_feeds.identity import entry_id, feed_id
from hnp_feeds.timezone import rfc3339
from hnp_feeds.validator import validate
from hnp_feeds.validator.policy import PortalPolicy, check_policy
from hnp_feeds.validator.report import Report
from hnp_feeds.writers import FORMATS, FeedDocument, feed_url, render_atom
from tests.regenerate_golden import (
    ARCHIVE_1,
    ARTICLES,
    CURRENT,
    EMPTY,
    GOLDEN,
    MAIN,
    SITE,
    golden_documents,
)

A = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
FH = "{http://purl.org/syndication/history/1.0}"
BY_ID = {entry_id(SITE, a): a for a in ARTICLES}


def _root(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def _links(element: etree._Element, rel: str) -> list[etree._Element]:
    return [link for link in element.findall(f"{A}link") if link.get("rel", "alternate") == rel]


@pytest.fixture(scope="module")
def atom() -> bytes:
    return render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES), archive=CURRENT))


@pytest.fixture(scope="module")
def parsed(atom: bytes) -> feedparser.FeedParserDict:
    result = feedparser.parse(atom)
    assert result.bozo == 0, result.get("bozo_exception")
    assert result.version == "atom10"
    return result


def test_formats_maps_file_names_to_writers_and_media_types() -> None:
    assert FORMATS["atom.xml"] == (render_atom, "application/atom+xml")
    assert FORMATS["rss.xml"][1] == "application/rss+xml"
    assert FORMATS["feed.json"][1] == "application/feed+json"
    assert feed_url(SITE, "tin-moi", "atom.xml") == "https://hnp.example.vn/feeds/tin-moi/atom.xml"


def test_utf8_with_xml_declaration(atom: bytes) -> None:
    assert atom.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert "Khai mạc Hội chợ Xuân 2022".encode() in atom


def test_entries_newest_first_within_the_limit(parsed: feedparser.FeedParserDict) -> None:
    ids = [e.id for e in parsed.entries]
    # entries_per_feed is 4: the 1960 article is left out; 12347 and 12346 share a time.
    assert [BY_ID[i].id for i in ids] == ["12347", "12346", "12345", "12300"]


def test_feed_limit_wins_over_site_default() -> None:
    parsed = feedparser.parse(
        render_atom(SITE, FeedDocument(replace(MAIN, limit=2), tuple(ARTICLES)))
    )
    assert [BY_ID[e.id].id for e in parsed.entries] == ["12347", "12346"]


def test_ids_are_tag_uris(parsed: feedparser.FeedParserDict) -> None:
    assert parsed.feed.id == feed_id(SITE, "tin-moi")
    for entry in parsed.entries:
        assert entry.id.startswith("tag:hnp.example.vn,")
        assert entry.id == entry_id(SITE, BY_ID[entry.id])


def test_every_time_is_rfc3339_with_the_local_offset(atom: bytes) -> None:
    root = _root(atom)
    assert root.findtext(f"{A}updated") == "2022-06-18T08:00:00+07:00"  # newest entry's
    for entry in root.iterfind(f"{A}entry"):
        article = BY_ID[entry.findtext(f"{A}id") or ""]
        assert entry.findtext(f"{A}updated") == rfc3339(article.updated)
        assert entry.findtext(f"{A}published") == rfc3339(article.published)
        assert (entry.findtext(f"{A}updated") or "").endswith("+07:00")


def test_historical_offset_is_kept_on_archive_pages() -> None:
    root = _root(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES), archive=ARCHIVE_1)))
    times = [e.findtext(f"{A}published") for e in root.iterfind(f"{A}entry")]
    assert times[-1] == "1960-05-01T10:00:00+08:00"


def test_entry_fields(parsed: feedparser.FeedParserDict) -> None:
    entry = next(e for e in parsed.entries if BY_ID[e.id].id == "12345")
    assert entry.title == "Khai mạc Hội chợ Xuân 2022"
    assert entry.link == "https://hnp.example.vn/tin-tuc/12345.html"
    assert entry.summary == "HNP - Sáng 17/6, Hội chợ Xuân khai mạc tại Hà Nội."
    assert entry.author == "Trọng Toàn"
    assert [(t.term, t.label) for t in entry.tags] == [
        ("kinh-te", "Kinh tế"),
        ("hoi-cho", "Hội chợ"),
        ("ha-noi", "Hà Nội"),
    ]
    content = entry.content[0]
    assert content.type == "text/html"
    # The lead image first (the body lacks it: readers that ignore media:* still show it).
    assert content.value.startswith(
        '<figure><img alt="Toàn cảnh hội chợ" src="https://hnp.example.vn/anh/12345.jpg" />'
        "<figcaption>Toàn cảnh hội chợ</figcaption></figure>"
        "<p>Hội chợ có hơn 300 gian hàng &amp; nhiều hoạt động.</p>"
    )
    assert content.value.endswith(
        "<p><strong>Bài liên quan</strong></p><ul>"
        '<li><a href="https://hnp.example.vn/tin-tuc/12001.html">Hà Nội mở rộng phố đi bộ</a></li>'
        '<li><a href="https://hnp.example.vn/tin-tuc/12002.html">Giá vàng tăng mạnh</a></li></ul>'
    )


def test_markup_in_titles_stays_text(parsed: feedparser.FeedParserDict) -> None:
    entry = next(e for e in parsed.entries if BY_ID[e.id].id == "12346")
    assert entry.title == "Giá xăng < 30.000 đồng & dầu giảm"
    # no lede: the summary is the start of the content, as text
    assert entry.summary == "Giá xăng RON95 giảm 1.000 đồng mỗi lít từ 15 giờ chiều nay."


def test_related_links_with_titles(parsed: feedparser.FeedParserDict) -> None:
    for entry in parsed.entries:
        article = BY_ID[entry.id]
        related = [(ln.href, ln.get("title", "")) for ln in entry.links if ln.rel == "related"]
        assert related == [(r.url, r.title) for r in article.related]
        assert [ln.href for ln in entry.links if ln.rel == "alternate"] == [article.url]


def test_lead_image_as_enclosure_and_thumbnail(
    atom: bytes, parsed: feedparser.FeedParserDict
) -> None:
    entry = next(e for e in parsed.entries if BY_ID[e.id].id == "12347")
    assert [(x.href, x.type, x.length) for x in entry.enclosures] == [
        ("https://hnp.example.vn/anh/12347.png", "image/png", "48213")
    ]
    assert entry.media_thumbnail[0]["url"] == "https://hnp.example.vn/anh/12347.png"
    jpeg = next(e for e in _root(atom).iterfind(f"{A}entry") if "12345" in e.findtext(f"{A}id", ""))
    (enclosure,) = _links(jpeg, "enclosure")
    assert enclosure.get("type") == "image/jpeg"  # guessed from the URL
    assert enclosure.get("length") is None  # unknown: left out (optional in Atom)
    thumb = jpeg.find(f"{MEDIA}thumbnail")
    assert thumb is not None and (thumb.get("width"), thumb.get("height")) == ("640", "427")


def test_feed_links_self_alternate_hub_and_language(atom: bytes) -> None:
    root = _root(atom)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "vi"
    (self_link,) = _links(root, "self")
    assert self_link.get("href") == "https://hnp.example.vn/feeds/tin-moi/atom.xml"
    assert self_link.get("type") == "application/atom+xml"
    assert [ln.get("href") for ln in _links(root, "hub")] == ["https://hub.example.net/"]
    assert [ln.get("href") for ln in _links(root, "alternate")] == ["https://hnp.example.vn/"]


def test_no_hub_link_without_a_hub() -> None:
    root = _root(render_atom(replace(SITE, hub=None), FeedDocument(MAIN, tuple(ARTICLES))))
    assert _links(root, "hub") == []


def test_current_document_links_the_newest_archive(atom: bytes) -> None:
    root = _root(atom)
    assert [ln.get("href") for ln in _links(root, "prev-archive")] == [
        "https://hnp.example.vn/feeds/tin-moi/archive/1.xml"
    ]
    assert root.find(f"{FH}archive") is None
    assert _links(root, "current") == []


def test_archive_page_is_marked_and_linked() -> None:
    data = render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES), archive=ARCHIVE_1))
    root = _root(data)
    assert root.find(f"{FH}archive") is not None
    assert root.findtext(f"{A}id") == "tag:hnp.example.vn,2008-01-01:feeds/tin-moi/archive/1"
    assert root.findtext(f"{A}id") != feed_id(SITE, "tin-moi")
    assert [ln.get("href") for ln in _links(root, "self")] == [ARCHIVE_1.self_url]
    assert [ln.get("href") for ln in _links(root, "current")] == [ARCHIVE_1.current]
    assert [ln.get("href") for ln in _links(root, "next-archive")] == [ARCHIVE_1.next_archive]
    assert _links(root, "prev-archive") == []
    # an archive page keeps every entry it is given, beyond entries_per_feed
    assert len(root.findall(f"{A}entry")) == len(ARTICLES)
    assert feedparser.parse(data).bozo == 0


def test_archive_page_needs_its_own_url() -> None:
    with pytest.raises(ValueError, match="self_url"):
        render_atom(
            SITE, FeedDocument(MAIN, tuple(ARTICLES), archive=replace(ARCHIVE_1, self_url=None))
        )


def test_empty_feed_has_a_fixed_date_and_is_valid() -> None:
    data = render_atom(SITE, FeedDocument(EMPTY, ()))
    assert _root(data).findtext(f"{A}updated") == "2008-01-01T00:00:00+07:00"
    assert feedparser.parse(data).bozo == 0
    assert validate(data, base_url=feed_url(SITE, EMPTY.slug, "atom.xml")).errors == []


def test_an_article_without_url_is_refused_by_name() -> None:
    broken = replace(ARTICLES[0], url=None, source="bai.jsonl:7")
    with pytest.raises(ValueError, match=r"bai\.jsonl:7.*12345.*no url"):
        render_atom(SITE, FeedDocument(MAIN, tuple([broken])))


def test_our_validator_finds_nothing() -> None:
    # 12346 and 12347 share their updated time, which the W3C validator (and ours) flags as
    # DuplicateUpdated, and the W3C finds 1960 an ImplausibleDate: both are warnings the
    # portal's real data can raise (minute-resolution times, old archives); see below.
    distinct = [a for a in ARTICLES if a.id not in ("12347", "900")]
    for data, url in (
        (
            render_atom(SITE, FeedDocument(MAIN, tuple(distinct), archive=CURRENT)),
            feed_url(SITE, MAIN.slug, "atom.xml"),
        ),
        (
            render_atom(SITE, FeedDocument(MAIN, tuple(distinct), archive=ARCHIVE_1)),
            ARCHIVE_1.self_url,
        ),
    ):
        report = validate(data, base_url=url)
        assert report.format == "atom"
        assert [(m.level, m.code, dict(m.params)) for m in report.messages] == []


def test_ties_and_old_dates_give_only_w3c_warnings() -> None:
    data = render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES), archive=ARCHIVE_1))
    report = validate(data, base_url=ARCHIVE_1.self_url)
    assert report.errors == []
    assert {m.code for m in report.messages} <= {"DuplicateUpdated", "ImplausibleDate"}


def test_two_renders_give_identical_bytes(atom: bytes) -> None:
    assert render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES), archive=CURRENT)) == atom
    assert render_atom(SITE, FeedDocument(MAIN, tuple(reversed(ARTICLES)), archive=CURRENT)) == atom


@pytest.mark.parametrize(
    "name", [n for n in golden_documents() if n.endswith("atom.xml") or "/archive/" in n]
)
def test_matches_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_bytes()
    assert golden_documents()[name] == expected, f"run `make golden` if {name} changed on purpose"


@pytest.mark.parametrize("name", list(golden_documents()))
def test_portal_policy_finds_nothing(name: str) -> None:
    """Every golden document, Atom, RSS and JSON, keeps the portal's own rules."""
    data = golden_documents()[name]
    document = json.loads(data) if name.endswith(".json") else etree.fromstring(data).getroottree()
    report = Report()
    check_policy(report, document, PortalPolicy(now=datetime(2026, 1, 1, tzinfo=UTC)))
    assert [(m.level, m.code, dict(m.params)) for m in report.messages] == []

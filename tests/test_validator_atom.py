"""Atom 1.0 conformance: each small feed gets the W3C-named message it deserves, and a
rich, correct portal feed gets none."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest

from hnp_feeds.validator import Report, common, validate

SELF = "https://hnp.example.vn/feeds/thoi-su/atom.xml"
SHARED = Path(__file__).resolve().parents[2] / "shared"

FEED_HEAD = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
  <title>HNP - Thời sự</title>
  <id>tag:hnp.example.vn,2022:feed/thoi-su</id>
  <updated>2022-06-17T20:22:00+07:00</updated>
  <link rel="self" type="application/atom+xml" href="{self}"/>
  <link rel="alternate" type="text/html" href="https://hnp.example.vn/thoi-su"/>
  <author><name>Ban biên tập HNP</name></author>
"""


def entry(
    n: int = 1,
    *,
    entry_id: str | None = None,
    updated: str | None = None,
    extra: str = "",
    summary: str = "<summary>HNP - Tóm tắt bài viết.</summary>",
) -> str:
    entry_id = entry_id or f"tag:hnp.example.vn,2022-06-17:article/{n}"
    updated = updated or f"2022-06-17T20:{n % 60:02d}:00+07:00"
    return f"""
  <entry>
    <title>Bài số {n}</title>
    <id>{entry_id}</id>
    <updated>{updated}</updated>
    <link rel="alternate" type="text/html" href="https://hnp.example.vn/bai-{n}.html"/>
    {summary}
    {extra}
  </entry>"""


def feed(*entries: str, head_extra: str = "", root_attrs: str = "") -> bytes:
    head = FEED_HEAD.format(self=SELF)
    if root_attrs:
        head = head.replace('xml:lang="vi"', f'xml:lang="vi" {root_attrs}')
    return (head + head_extra + "".join(entries) + "\n</feed>\n").encode("utf-8")


def check(data: bytes, base_url: str | None = SELF) -> Report:
    report = validate(data, base_url=base_url)
    assert report.format == "atom"
    return report


def find(report: Report, code: str) -> list[dict[str, str]]:
    return [dict(m.params) for m in report.messages if m.code == code]


# --------------------------------------------------------------------------- the good feed

RICH_ENTRY = """
  <entry xml:base="https://hnp.example.vn/">
    <title type="html">Khánh thành &lt;em&gt;cầu mới&lt;/em&gt;</title>
    <id>tag:hnp.example.vn,2022-06-17:article/4412</id>
    <published>2022-06-17T20:22:00+07:00</published>
    <updated>2022-06-17T21:05:30.25+07:00</updated>
    <author>
      <name>Trọng Toàn</name>
      <uri>https://hnp.example.vn/tac-gia/trong-toan</uri>
      <email>toan@hnp.example.vn</email>
    </author>
    <contributor><name>Minh Anh</name></contributor>
    <category term="thoi-su" scheme="https://hnp.example.vn/chuyen-muc/" label="Thời sự"/>
    <link rel="alternate" type="text/html" href="bai/khanh-thanh-cau-moi-4412.html"/>
    <link rel="alternate" type="text/html" hreflang="en" href="en/bridge-4412.html"/>
    <link rel="related" href="bai/cau-cu-4400.html" title="Cầu cũ được tu sửa"/>
    <link rel="related" href="bai/giao-thong-4401.html" title="Giao thông &amp; đô thị"/>
    <link rel="enclosure" type="image/jpeg" length="48213" href="anh/cau-moi.jpg"/>
    <link rel="replies" type="application/atom+xml" href="binh-luan/4412.xml"
          thr:count="3" thr:updated="2022-06-17T21:00:00+07:00"/>
    <rights>© 2022 HNP</rights>
    <summary type="text">HNP - Cây cầu mới nối hai bờ sông đã được khánh thành.</summary>
    <content type="xhtml">
      <div xmlns="http://www.w3.org/1999/xhtml">
        <p>HNP - Sáng nay, <strong>cây cầu</strong> đã thông xe.</p>
        <p><img src="anh/cau-moi.jpg" alt="Cầu mới" width="640"/></p>
        <p style="text-align: center; color: gray">Ảnh: HNP</p>
        <ul><li><a href="bai/cau-cu-4400.html">Cầu cũ được tu sửa</a></li></ul>
      </div>
    </content>
  </entry>
  <entry>
    <title>Thời tiết cuối tuần</title>
    <id>tag:hnp.example.vn,2022-06-16:article/4409</id>
    <updated>2022-06-16T07:00:00+07:00</updated>
    <link href="https://hnp.example.vn/bai/thoi-tiet-4409.html"/>
    <thr:in-reply-to ref="tag:hnp.example.vn,2022-06-15:article/4400"
                     href="https://hnp.example.vn/bai/cau-cu-4400.html" type="text/html"/>
    <summary type="html">&lt;p&gt;Nắng &lt;b&gt;nóng&lt;/b&gt; kéo dài.&lt;/p&gt;</summary>
    <content type="html">&lt;p&gt;HNP - Nắng &lt;a href="https://hnp.example.vn/"&gt;nóng&lt;/a&gt;.&lt;/p&gt;</content>
  </entry>
"""


def test_rich_valid_feed_has_no_errors_and_no_warnings() -> None:
    data = feed(
        RICH_ENTRY,
        root_attrs='xmlns:thr="http://purl.org/syndication/thread/1.0"',
        head_extra='  <subtitle type="html">Tin &lt;b&gt;nóng&lt;/b&gt;</subtitle>\n'
        '  <generator uri="https://hnp.example.vn/" version="0.1">hnp-feeds</generator>\n'
        "  <icon>https://hnp.example.vn/favicon.ico</icon>\n"
        "  <logo>https://hnp.example.vn/logo.png</logo>\n"
        '  <category term="tin-tuc"/>\n',
    )
    report = check(data)
    assert [m for m in report.messages if m.level in ("error", "warning")] == []
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert len(parsed.entries) == 2


def test_entry_document_is_checked_too() -> None:
    data = b"""<entry xmlns="http://www.w3.org/2005/Atom">
      <title>t</title><id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
      <updated>2022-06-17T20:22:00+07:00</updated><author><name>A</name></author>
      <content>x</content></entry>"""
    report = check(data)
    assert report.ok, report.messages


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "value",
    [
        "2022-06-17T20:22:00+0700",  # offset without colon
        "2022-06-17T20:22:00 +07:00",  # space before the offset
        "2022-06-17 20:22:00+07:00",  # no T
        "2022-06-17T20:22+07:00",  # no seconds
        "2022-06-17T20:22:00",  # no offset at all
        "2022-06-17T20:22:00+7:00",  # one-digit hour in the offset
        "Fri, 17 Jun 2022 20:22:00 +0700",  # RFC 822, the RSS form
        "2022-06-17",
    ],
)
def test_wrong_date_forms_are_invalid_rfc3339(value: str) -> None:
    report = check(feed(entry(1, updated=value)))
    assert find(report, "InvalidRFC3339Date") == [
        {"element": "updated", "parent": "entry", "value": value}
    ]


@pytest.mark.parametrize(
    "value",
    [
        "2022-02-30T10:00:00Z",
        "2022-13-01T10:00:00Z",
        "2022-06-17T24:00:00Z",
        "2022-06-17T20:61:00Z",
    ],
)
def test_impossible_dates_are_invalid(value: str) -> None:
    assert find(check(feed(entry(1, updated=value))), "InvalidRFC3339Date")


@pytest.mark.parametrize(
    "value", ["2022-06-17T20:22:00Z", "2022-06-17T20:22:00.123456+07:00", "2016-12-31T23:59:60Z"]
)
def test_good_dates_pass(value: str) -> None:
    assert not find(check(feed(entry(1, updated=value))), "InvalidRFC3339Date")


def test_far_future_and_ancient_dates_are_implausible() -> None:
    report = check(
        feed(entry(1, updated="2103-12-13T18:30:02Z"), entry(2, updated="0103-01-01T00:00:00Z"))
    )
    assert len(find(report, "ImplausibleDate")) == 2
    assert not report.errors


def test_whitespace_around_a_date_is_reported() -> None:
    report = check(feed(entry(1, updated=" 2022-06-17T20:22:00+07:00\n")))
    assert find(report, "UnexpectedWhitespace") == [{"element": "updated", "parent": "entry"}]


# --------------------------------------------------------------------------- links


def test_two_alternate_links_of_one_type_are_duplicates() -> None:
    extra = '<link rel="alternate" type="text/html" href="https://hnp.example.vn/other.html"/>'
    report = check(feed(entry(1, extra=extra)))
    assert find(report, "DuplicateAtomLink") == [
        {"element": "link", "parent": "entry", "type": "text/html"}
    ]


def test_alternates_differing_in_hreflang_or_type_are_fine() -> None:
    extra = (
        '<link rel="alternate" type="text/html" hreflang="en" href="https://hnp.example.vn/en"/>'
        '<link rel="alternate" type="application/pdf" href="https://hnp.example.vn/a.pdf"/>'
        '<link rel="related" href="https://hnp.example.vn/r1"/><link rel="related" href="https://hnp.example.vn/r2"/>'
    )
    report = check(feed(entry(1, extra=extra)))
    assert not find(report, "DuplicateAtomLink")
    assert report.ok


def test_self_link_resolved_against_xml_base_matches_location() -> None:
    head = FEED_HEAD.format(self="atom.xml").replace(
        'xml:lang="vi"', 'xml:lang="vi" xml:base="https://hnp.example.vn/feeds/thoi-su/"'
    )
    data = (head + entry(1) + "</feed>").encode()
    report = check(data)
    assert not find(report, "SelfDoesntMatchLocation")
    assert not find(report, "RelativeSelf")
    moved = check(data, base_url="https://mirror.example.org/hnp/atom.xml")
    assert find(moved, "SelfDoesntMatchLocation") == [
        {"element": "link", "parent": "feed", "value": SELF}
    ]


def test_relative_self_without_xml_base_is_reported() -> None:
    data = (FEED_HEAD.format(self="atom.xml") + entry(1) + "</feed>").encode()
    assert find(check(data), "RelativeSelf")


def test_relative_alternate_link_resolved_against_entry_xml_base() -> None:
    extra = '<link rel="enclosure" type="image/jpeg" length="10" href="anh/a b.jpg"/>'
    report = check(feed(entry(1, extra=extra)))
    assert find(report, "InvalidUriChar")[0]["element"] == "href"
    good = (
        entry(1)
        .replace("<entry>", '<entry xml:base="https://hnp.example.vn/bai/">')
        .replace('href="https://hnp.example.vn/bai-1.html"', 'href="bai-1.html"')
    )
    assert check(feed(good)).ok


def test_missing_self_link_is_a_warning() -> None:
    data = feed(entry(1)).replace(
        f'<link rel="self" type="application/atom+xml" href="{SELF}"/>'.encode(), b""
    )
    report = check(data)
    assert find(report, "MissingSelf") == [{"element": "feed", "parent": "root"}]
    assert report.ok


def test_unregistered_rel_and_feed_paging_rel_in_entry() -> None:
    extra = '<link rel="bai-lien-quan" href="https://hnp.example.vn/x"/><link rel="next" href="https://hnp.example.vn/2"/>'
    report = check(feed(entry(1, extra=extra)))
    assert find(report, "UnregisteredAtomLinkRel")[0]["value"] == "bai-lien-quan"
    assert find(report, "FeedHistoryRelInEntry")[0]["rel"] == "next"


def test_complete_feed_may_not_page() -> None:
    head_extra = (
        '<fh:complete xmlns:fh="http://purl.org/syndication/history/1.0"/>'
        '<link rel="next-archive" href="https://hnp.example.vn/feeds/thoi-su/archive/2.xml"/>'
    )
    report = check(feed(entry(1), head_extra=head_extra))
    assert find(report, "FeedRelInCompleteFeed")[0]["rel"] == "next-archive"


# --------------------------------------------------------------------------- ids


def test_entry_without_id_is_missing_element() -> None:
    report = check(feed(entry(1).replace("<id>tag:hnp.example.vn,2022-06-17:article/1</id>", "")))
    assert find(report, "MissingElement") == [{"element": "id", "parent": "entry"}]


def test_feed_without_title_and_updated() -> None:
    data = feed(entry(1)).replace(b"<title>HNP - Th\xe1\xbb\x9di s\xe1\xbb\xb1</title>", b"")
    data = data.replace(b"<updated>2022-06-17T20:22:00+07:00</updated>\n  <link", b"<link")
    missing = find(check(data), "MissingElement")
    assert {"element": "title", "parent": "feed"} in missing
    assert {"element": "updated", "parent": "feed"} in missing


def test_repeated_entry_id_is_a_duplicate_entry_whatever_its_updated() -> None:
    """RFC 4287 4.1.1 allows one entry at two moments in time, but readers keep one of
    them: the W3C validator warns either way, and so do we (issue 13)."""
    same = "tag:hnp.example.vn,2022-06-17:article/1"
    for other_updated in ("2022-06-17T20:01:00+07:00", "2022-06-17T21:30:00+07:00"):
        report = check(
            feed(entry(1, entry_id=same), entry(2, entry_id=same, updated=other_updated))
        )
        assert find(report, "DuplicateEntries") == [
            {"element": "id", "parent": "entry", "value": same}
        ]


def test_every_entry_with_one_id_is_an_error() -> None:
    same = "tag:hnp.example.vn,2022-06-17:article/1"
    report = check(feed(*(entry(n, entry_id=same) for n in range(4))))
    assert find(report, "DuplicateIds")
    assert not report.ok


def test_two_ids_in_one_entry() -> None:
    extra = "<id>tag:hnp.example.vn,2022-06-17:article/99</id>"
    assert find(check(feed(entry(1, extra=extra))), "DuplicateElement") == [
        {"element": "id", "parent": "entry"}
    ]


@pytest.mark.parametrize(
    "bad",
    [
        "tag:hnp.example.vn:article/1",  # no date
        "tag:hnp.example.vn,22-06-17:article/1",  # two-digit year
        "tag:hnp.example.vn,2022-13:article/1",  # month 13
        "tag:hnp.example.vn,2022-6-17:article/1",  # one-digit month
        "tag:hnp example.vn,2022:article/1",  # space in the authority
        "tag:hnp.example.vn,2022:bài viết/1",  # space (and non-ASCII) in the specific part
        "tag:HNP.example.vn,2022:1",  # upper case authority
    ],
)
def test_bad_tag_uris(bad: str) -> None:
    report = check(feed(entry(1, entry_id=bad)))
    assert find(report, "InvalidTAG") == [{"element": "id", "parent": "entry", "value": bad}]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("bai-viet-1", "InvalidFullLink"),
        ("urn:uuid:1225c695-cfb8-4ebb-aaaa", "InvalidUUID"),
        ("urn:-bad:1", "InvalidURN"),
        ("http://hnp.example.vn/a b", "InvalidUriChar"),
    ],
)
def test_bad_ids(value: str, code: str) -> None:
    assert find(check(feed(entry(1, entry_id=value))), code)


@pytest.mark.parametrize(
    "value",
    [
        "HTTP://hnp.example.vn/a",
        "http://HNP.example.vn/a",
        "http://hnp.example.vn:80/a",
        "http://hnp.example.vn/a/../b",
        "http://hnp.example.vn/%7euser",
    ],
)
def test_non_canonical_ids_are_warned(value: str) -> None:
    report = check(feed(entry(1, entry_id=value)))
    assert find(report, "NonCanonicalURI")
    assert report.ok


# --------------------------------------------------------------------------- text and content


def test_escaped_html_with_script_is_a_security_risk() -> None:
    content = (
        '<content type="html">&lt;p&gt;Tin&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;</content>'
    )
    report = check(feed(entry(1, extra=content)))
    assert find(report, "SecurityRisk") == [
        {"element": "content", "parent": "entry", "tag": "script"}
    ]


def test_event_handlers_and_dangerous_style_in_html() -> None:
    content = (
        '<content type="html">&lt;img src="https://hnp.example.vn/a.jpg" onerror="x()"&gt;'
        '&lt;p style="position: absolute; top: 0"&gt;x&lt;/p&gt;</content>'
    )
    report = check(feed(entry(1, extra=content)))
    assert find(report, "SecurityRiskAttr")[0]["attr"] == "onerror"
    assert find(report, "DangerousStyleAttr")[0]["attr"] == "style"


def test_broken_escaped_html_is_not_html() -> None:
    report = check(feed(entry(1, extra='<content type="html">&lt;a href="x"</content>')))
    assert find(report, "NotHtml")


def test_html_in_plain_text_is_undeclared() -> None:
    report = check(feed(entry(1, summary="<summary>Tin &lt;b&gt;nóng&lt;/b&gt;</summary>")))
    assert find(report, "ContainsUndeclaredHTML") == [
        {"element": "summary", "parent": "entry", "value": "b"}
    ]


def test_xhtml_without_div_is_missing_xhtml_div() -> None:
    content = '<content type="xhtml"><p xmlns="http://www.w3.org/1999/xhtml">Tin</p></content>'
    report = check(feed(entry(1, extra=content)))
    assert find(report, "MissingXhtmlDiv") == [{"element": "content", "parent": "entry"}]


def test_xhtml_with_script_inside_the_div() -> None:
    content = (
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        '<p onclick="x()">Tin</p><script>alert(1)</script></div></content>'
    )
    report = check(feed(entry(1, extra=content)))
    assert find(report, "SecurityRisk")[0]["tag"] == "script"
    assert find(report, "SecurityRiskAttr")[0]["attr"] == "onclick"


def test_text_construct_type_and_blank() -> None:
    report = check(feed(entry(1, summary='<summary type="text/plain">x</summary>')))
    assert find(report, "InvalidTextType")
    blank = check(feed(entry(1, summary="<summary></summary>")))
    assert find(blank, "NotBlank") == [{"element": "summary", "parent": "entry"}]


def test_base64_content_needs_valid_base64_and_a_summary() -> None:
    content = '<content type="application/pdf">not base64 at all!</content>'
    report = check(feed(entry(1, summary="", extra=content)))
    assert find(report, "NotBase64")
    assert find(report, "MissingSummary")


def test_entry_without_author_anywhere() -> None:
    data = feed(entry(1)).replace("<author><name>Ban biên tập HNP</name></author>".encode(), b"")
    assert find(check(data), "MissingElement") == [{"element": "author", "parent": "entry"}]


def test_unknown_atom_element_and_foreign_elements() -> None:
    extra = '<pubDate>2022</pubDate><hnp:luot-xem xmlns:hnp="https://hnp.example.vn/ns">3</hnp:luot-xem>'
    report = check(feed(entry(1, extra=extra)))
    assert find(report, "UndefinedElement") == [{"element": "pubDate", "parent": "entry"}]
    assert find(report, "UnknownNamespace")[0]["namespace"] == "https://hnp.example.vn/ns"


def test_feed_in_wrong_namespace() -> None:
    data = feed(entry(1)).replace(b"http://www.w3.org/2005/Atom", b"http://purl.org/atom/ns#")
    assert find(check(data), "InvalidNamespace")


# --------------------------------------------------------------------------- common helpers


def test_common_checks_directly() -> None:
    assert common.check_rfc3339("2022-06-17T20:22:00+07:00")
    assert not common.check_rfc3339("2022-06-17T20:22:00+0700")
    assert common.check_w3cdtf("2022-06") and not common.check_w3cdtf("2022-06-17T20:22")
    assert common.is_tag_uri("tag:hnp.example.vn,2022-06-17:article/1")
    assert not common.is_tag_uri("tag:hnp.example.vn,2022-02-30:article/1")
    assert common.canonical_uri("HTTP://Example.COM:80/a/./b/../c") == "http://example.com/a/c"
    assert common.is_mime_type('text/html; charset="utf-8"') and not common.is_mime_type("html")
    assert (
        common.is_language("vi") and common.is_language("en-US") and not common.is_language("vn-")
    )
    assert common.dangerous_style("color: red") == []
    report = Report()
    assert not common.check_uri(report, "javascript :x", element="href")
    assert report.codes() == {"InvalidUriChar"}


# --------------------------------------------------------------------------- the W3C files


def test_w3c_atom_cases_do_not_crash_and_mostly_pass() -> None:
    """A sample of the W3C suite's own Atom cases, judged like score.py judges them."""
    manifest = SHARED / "conformance" / "w3c" / "manifest.tsv"
    if not manifest.exists():
        pytest.skip(f"W3C conformance data not found at {manifest}")
    import csv

    rows = [
        r
        for r in csv.DictReader(manifest.open(encoding="utf-8"), delimiter="\t")
        if r["suite"].startswith("atom/")
        and r["class_level"] == "error"
        and r["assertion"] == "present"
    ]
    classes = {
        r["class"]: set(r["chain"].split(">"))
        for r in csv.DictReader(
            (manifest.parent / "classes.tsv").open(encoding="utf-8"), delimiter="\t"
        )
    }
    assert rows
    hits = 0
    for row in rows:
        data = (manifest.parent / "files" / row["path"]).read_bytes()
        report = validate(data, base_url=row["base_url"] or None)
        expected = row["expected_class"]
        hits += any(expected in classes.get(m.code, {m.code}) for m in report.messages)
    assert hits / len(rows) > 0.95


# --------------------------------------------------------------------------- FeedSync (sx:)

SX = 'xmlns:sx="http://feedsync.org/2007/feedsync"'


def test_feedsync_sync_and_history() -> None:
    good = (
        '<sx:sync id="item_1" updates="2">'
        '<sx:history sequence="2" when="2022-06-17T20:00:00Z" by="HNP"/></sx:sync>'
    )
    assert check(feed(entry(1, extra=good), root_attrs=SX)).ok
    bad = (
        '<sx:sync id="item 1" updates="0" deleted="TRUE">'
        '<sx:history sequence="99999999999" when="yesterday"/></sx:sync>'
    )
    report = check(feed(entry(1, extra=bad), root_attrs=SX))
    assert find(report, "InvalidNSS")[0]["element"] == "id"
    assert find(report, "InvalidPositiveInteger")[0]["element"] == "updates"
    assert find(report, "InvalidTrueFalse")[0]["element"] == "deleted"
    assert find(report, "IntegerOverflow")[0]["element"] == "sequence"
    assert find(report, "InvalidRFC3339Date")[0] == {
        "element": "when",
        "parent": "sx_history",
        "value": "yesterday",
    }
    assert find(report, "MissingRecommendedAttribute")[0]["attr"] == "by"


def test_feedsync_sharing_window() -> None:
    sharing = (
        '<sx:sharing since="2022-06-18T00:00:00Z" until="2022-06-17T00:00:00Z">'
        '<sx:related link="all.xml" type="partial"/></sx:sharing>'
    )
    report = check(feed(entry(1), head_extra=sharing, root_attrs=SX))
    assert find(report, "SinceAfterUntil")
    assert find(report, "InvalidFullLink")[0]["parent"] == "sx_related"
    assert find(report, "InvalidSseType")

"""RSS 2.0 conformance and the extension namespaces: hand-written feeds, each fault named
as the W3C Feed Validation Service names it, and the W3C suite's RSS cases."""

from __future__ import annotations

import csv
from pathlib import Path

import feedparser
import pytest
from lxml import etree

from hnp_feeds.validator import Report, validate
from hnp_feeds.validator.extensions import check_extension_element
from hnp_feeds.validator.rss import parse_rfc822

SHARED = Path(__file__).resolve().parents[2] / "shared"
W3C = SHARED / "conformance" / "w3c"

NAMESPACES = (
    'xmlns:atom="http://www.w3.org/2005/Atom" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:media="http://search.yahoo.com/mrss/" '
    'xmlns:slash="http://purl.org/rss/1.0/modules/slash/" '
    'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"'
)

RICH_FEED = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" {NAMESPACES}>
  <channel>
    <title>Thời sự – Hà Nội Plus</title>
    <link>https://hnp.example.vn/thoi-su/</link>
    <description>Tin thời sự của Hà Nội</description>
    <atom:link href="https://hnp.example.vn/feeds/thoi-su/rss.xml" rel="self"
               type="application/rss+xml"/>
    <atom:link href="https://hub.example.net/" rel="hub"/>
    <language>vi</language>
    <copyright>© 2022 HNP</copyright>
    <managingEditor>toasoan@hnp.example.vn (Tòa soạn HNP)</managingEditor>
    <pubDate>Fri, 17 Jun 2022 20:22:00 +0700</pubDate>
    <lastBuildDate>Fri, 17 Jun 2022 20:22:00 +0700</lastBuildDate>
    <category domain="https://hnp.example.vn/">Thời sự</category>
    <generator>hnp-feeds</generator>
    <docs>https://www.rssboard.org/rss-specification</docs>
    <ttl>15</ttl>
    <image>
      <url>https://hnp.example.vn/logo.png</url>
      <title>Thời sự – Hà Nội Plus</title>
      <link>https://hnp.example.vn/thoi-su/</link>
      <width>144</width>
      <height>60</height>
    </image>
    <skipHours><hour>1</hour><hour>2</hour></skipHours>
    <skipDays><day>Sunday</day></skipDays>
    <sy:updatePeriod>hourly</sy:updatePeriod>
    <sy:updateFrequency>4</sy:updateFrequency>
    <item>
      <title>Khánh thành cầu Vĩnh Tuy giai đoạn 2</title>
      <link>https://hnp.example.vn/thoi-su/cau-vinh-tuy-21965.html</link>
      <description>HNP - Cây cầu thứ hai bắc qua sông Hồng được thông xe.</description>
      <content:encoded><![CDATA[<p>Cầu dài <b>3,5 km</b>.</p>
        <img src="https://hnp.example.vn/anh/cau.jpg" alt="Cầu Vĩnh Tuy"/>]]></content:encoded>
      <dc:creator>Trọng Toàn</dc:creator>
      <dc:rights>© 2022 HNP</dc:rights>
      <category>Giao thông</category>
      <guid isPermaLink="false">tag:hnp.example.vn,2022-06-17:21965</guid>
      <pubDate>Fri, 17 Jun 2022 20:22:00 +0700</pubDate>
      <enclosure url="https://hnp.example.vn/anh/cau.jpg" length="48213" type="image/jpeg"/>
      <media:content url="https://hnp.example.vn/anh/cau.jpg" type="image/jpeg"
                     medium="image" width="1200" height="800">
        <media:title type="plain">Cầu Vĩnh Tuy</media:title>
      </media:content>
      <media:thumbnail url="https://hnp.example.vn/anh/cau-nho.jpg" width="300" height="200"/>
      <atom:link rel="related" href="https://hnp.example.vn/thoi-su/duong-vanh-dai-21960.html"
                 title="Đường vành đai"/>
      <slash:comments>3</slash:comments>
    </item>
  </channel>
</rss>
"""


def feed(channel: str, *, namespaces: str = NAMESPACES, version: str = "2.0") -> bytes:
    """A small RSS document around ``channel``'s children."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="{version}" {namespaces}>'
        f"<channel>{channel}</channel></rss>"
    ).encode()


HEAD = (
    "<title>T</title><link>https://hnp.example.vn/</link><description>D</description>"
    '<atom:link rel="self" href="https://hnp.example.vn/rss.xml" type="application/rss+xml"/>'
    "<language>vi</language>"
)


def item(body: str) -> str:
    guid = '<guid isPermaLink="false">tag:hnp.example.vn,2022:1</guid>'
    return f"<item><title>Bài</title>{guid if '<guid' not in body else ''}{body}</item>"


def found(report: Report, code: str, **params: str) -> bool:
    return any(
        m.code == code and all(m.params.get(k) == v for k, v in params.items())
        for m in report.messages
    )


def test_rich_feed_has_no_errors_and_no_warnings() -> None:
    report = validate(RICH_FEED.encode(), base_url="https://hnp.example.vn/feeds/thoi-su/rss.xml")
    assert report.format == "rss"
    assert [m for m in report.messages if m.level != "info"] == []


def test_rich_feed_reads_back_with_feedparser() -> None:
    parsed = feedparser.parse(RICH_FEED.encode())
    assert not parsed.bozo
    entry = parsed.entries[0]
    assert entry.id == "tag:hnp.example.vn,2022-06-17:21965"
    assert entry.author == "Trọng Toàn"
    assert "3,5 km" in entry.content[0].value


def test_the_portal_rss_writer_output_is_clean() -> None:
    from hnp_feeds.writers import FeedDocument, render_rss
    from tests.regenerate_golden import ARTICLES, MAIN, SITE

    report = validate(render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    assert report.format == "rss"
    assert [m for m in report.messages if m.level != "info"] == []


@pytest.mark.parametrize(
    ("value", "fault"),
    [
        ("Fri, 17 Jun 2022 20:22:00 +0700", None),
        ("17 Jun 2022 20:22 GMT", None),
        ("Thu, 17 Jun 2022 20:22:00 +0700", "IncorrectDOW"),
        ("2022-06-17T20:22:00+07:00", "InvalidRFC2822Date"),
        ("Fri, 31 Jun 2022 20:22:00 +0700", "InvalidRFC2822Date"),
        ("Fri, 17 Jun 2022 20:22:00 +07:00", "InvalidRFC2822Date"),
        ("Fri, 17 Jun 22 20:22:00 +0700", "ProblematicalRFC822Date"),
        ("Fri,17 Jun 2022 20:22:00 +0700", "ProblematicalRFC822Date"),
        ("Fri, 17 Jun 2022 20:22:00 A", "ProblematicalRFC822Date"),
    ],
)
def test_rfc822_dates(value: str, fault: str | None) -> None:
    assert parse_rfc822(value)[0] == fault


def test_rfc822_date_keeps_its_offset() -> None:
    _, when = parse_rfc822("Fri, 17 Jun 2022 20:22:00 +0700")
    assert when is not None and when.utcoffset() is not None
    assert when.isoformat() == "2022-06-17T20:22:00+07:00"


@pytest.mark.parametrize(
    ("channel", "code", "params"),
    [
        (
            HEAD + "<pubDate>17/06/2022 20:22</pubDate>",
            "InvalidRFC2822Date",
            {"element": "pubDate", "parent": "channel"},
        ),
        (
            HEAD + item("<pubDate>Mon, 17 Jun 2022 20:22:00 +0700</pubDate>"),
            "IncorrectDOW",
            {"element": "pubDate", "parent": "item"},
        ),
        (
            HEAD + item("<guid>tag:hnp.example.vn,2022:1</guid>"),
            "InvalidPermalink",
            {"element": "guid"},
        ),
        (
            HEAD + item("<guid>hnp.example.vn/bai/1</guid>"),
            "InvalidHttpGUID",
            {"element": "guid", "parent": "item"},
        ),
        (
            HEAD
            + item(
                '<enclosure url="https://hnp.example.vn/a.mp3" length="3 MB" type="audio/mpeg"/>'
            ),
            "InvalidIntegerAttribute",
            {"element": "enclosure", "attr": "length"},
        ),
        (
            HEAD + item('<enclosure url="https://hnp.example.vn/a.mp3" type="audio/mpeg"/>'),
            "MissingAttribute",
            {"element": "enclosure", "attr": "length"},
        ),
        (
            HEAD.replace("<link>https://hnp.example.vn/</link>", ""),
            "MissingLink",
            {"element": "link", "parent": "channel"},
        ),
        (
            HEAD + "<managingEditor>Tòa soạn HNP</managingEditor>",
            "InvalidContact",
            {"element": "managingEditor", "parent": "channel"},
        ),
        (
            HEAD + item("<author>Trọng Toàn &lt;toan@hnp.example.vn&gt;</author>"),
            "EmailFormat",
            {"element": "author", "parent": "item"},
        ),
        (
            HEAD + "<ttl>15.5</ttl>",
            "InvalidPositiveInteger",
            {"element": "ttl", "parent": "channel"},
        ),
        (HEAD + "<ttl>0</ttl>", "InvalidPositiveInteger", {"element": "ttl"}),
        (
            HEAD + "<skipHours><hour>25</hour></skipHours>",
            "InvalidHour",
            {"element": "hour", "parent": "skipHours"},
        ),
        (
            HEAD + "<skipHours><hour>3</hour><hour>3</hour></skipHours>",
            "DuplicateValue",
            {"element": "hour", "value": "3"},
        ),
        (
            HEAD + "<skipDays><day>Caturday</day></skipDays>",
            "InvalidDay",
            {"element": "day", "parent": "skipDays"},
        ),
        (
            HEAD.replace('<atom:link rel="self"', '<atom:link rel="alternate"'),
            "MissingAtomSelfLink",
            {},
        ),
        (HEAD + "<title>again</title>", "DuplicateElement", {"element": "title"}),
        (HEAD + "<foo>bar</foo>", "UndefinedElement", {"element": "foo", "parent": "channel"}),
        (HEAD + item("<enclosure/>") + "<ttl>5</ttl>", "MisplacedItem", {}),
        (
            HEAD + "<item><link>https://hnp.example.vn/1</link></item>",
            "ItemMustContainTitleOrDescription",
            {},
        ),
        (
            HEAD + '<cloud domain="rpc.example.vn" port="-80" path="/RPC2" '
            'registerProcedure="ping" protocol="xml-rpc"/>',
            "InvalidIntegerAttribute",
            {"element": "cloud", "attr": "port"},
        ),
        (
            HEAD + "<image><url>https://hnp.example.vn/l.png</url><title>T</title>"
            "<link>https://hnp.example.vn/</link><width>600</width></image>",
            "InvalidWidth",
            {"element": "width", "parent": "image"},
        ),
        (
            HEAD + item("<dc:date>17/06/2022</dc:date>"),
            "InvalidW3CDTFDate",
            {"element": "dc:date", "parent": "item"},
        ),
        (
            HEAD + "<dc:language>Vietnamese</dc:language>",
            "InvalidLanguage",
            {"element": "dc:language"},
        ),
        (
            HEAD + "<sy:updatePeriod>often</sy:updatePeriod>",
            "InvalidUpdatePeriod",
            {"element": "sy:updatePeriod"},
        ),
        (
            HEAD
            + item(
                "<description>a</description><content:encoded>&lt;script&gt;x()&lt;/script&gt;</content:encoded>"
            ),
            "SecurityRisk",
            {"element": "content:encoded", "parent": "item"},
        ),
        (
            HEAD + item('<media:thumbnail url="https://hnp.example.vn/a.jpg" width="wide"/>'),
            "InvalidPositiveInteger",
            {"element": "width", "parent": "media:thumbnail"},
        ),
        (
            HEAD + item("<media:thumbnail/>"),
            "MissingAttribute",
            {"element": "media:thumbnail", "attr": "url"},
        ),
        (
            HEAD + item('<atom:link rel="related"/>'),
            "MissingHref",
            {"element": "atom:link", "attr": "href"},
        ),
        (
            HEAD + item("<slash:comments>many</slash:comments>"),
            "InvalidInteger",
            {"element": "slash:comments"},
        ),
    ],
)
def test_each_fault_has_its_w3c_name(channel: str, code: str, params: dict[str, str]) -> None:
    report = validate(feed(channel))
    assert found(report, code, **params), [(m.code, dict(m.params)) for m in report.messages]


@pytest.mark.parametrize(
    ("channel", "code", "params"),
    [
        (
            HEAD + item("<description>Ph\u00e1\u00ba\u00a1m V\u00c4\u0083n</description>"),
            "BadCharacters",
            {"element": "description", "parent": "item"},
        ),
        (
            HEAD + item("<author>mailto:Toan%20%3Ctoan%40hnp.example.vn%3E</author>"),
            "EmailFormat",
            {"element": "author"},
        ),
        (
            HEAD + item('<x:y xmlns:x="https://hnp.example.vn/ns">1</x:y>'),
            "UnknownNamespace",
            {"element": "x:y", "parent": "item"},
        ),
    ],
)
def test_more_faults(channel: str, code: str, params: dict[str, str]) -> None:
    report = validate(feed(channel))
    assert found(report, code, **params), [(m.code, dict(m.params)) for m in report.messages]


def test_huge_integers_are_judged_not_crashed_on() -> None:
    big = "9" * 5000
    channel = (
        HEAD
        + f"<ttl>{big}</ttl>"
        + item(
            f'<guid isPermaLink="false">{big}</guid>'
            f'<enclosure url="https://hnp.example.vn/a.mp3" length="-{big}" type="audio/mpeg"/>'
        )
    )
    report = validate(feed(channel))
    assert [m.code for m in report.errors] == ["UseZeroForUnknown"]


def test_self_link_is_compared_with_the_feed_location() -> None:
    data = feed(HEAD)
    assert not found(
        validate(data, base_url="https://hnp.example.vn/rss.xml"), "SelfDoesntMatchLocation"
    )
    moved = validate(data, base_url="https://hnp.example.vn/feeds/other.xml")
    assert found(moved, "SelfDoesntMatchLocation", element="atom:link", parent="channel")


def test_messages_carry_the_line() -> None:
    data = feed(HEAD + "\n\n<ttl>soon</ttl>")
    report = validate(data)
    ttl = next(m for m in report.messages if m.code == "InvalidPositiveInteger")
    assert ttl.line == 4


def test_missing_version_and_wrong_version() -> None:
    assert found(
        validate(b"<rss><channel/></rss>"), "MissingAttribute", element="rss", attr="version"
    )
    assert found(validate(feed(HEAD, version="1.0")), "InvalidRSSVersion")


def test_unknown_namespaces_are_allowed_but_not_their_bare_children() -> None:
    channel = HEAD + item(
        '<hnp:related xmlns:hnp="https://hnp.example.vn/ns">x</hnp:related>'
        '<hnp:meta xmlns:hnp="https://hnp.example.vn/ns"><when>now</when></hnp:meta>'
    )
    report = validate(feed(channel))
    assert not found(report, "UndefinedElement")
    assert found(report, "NotInANamespace", element="when", parent="hnp:meta")


def test_extension_checker_serves_atom_entries_too() -> None:
    entry = etree.fromstring(
        '<entry xmlns="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:date>yesterday</dc:date></entry>"
    )
    report = Report()
    check_extension_element(report, entry[0], "entry", None)
    assert found(report, "InvalidW3CDTFDate", element="dc:date", parent="entry")


@pytest.mark.parametrize(
    ("xml", "parent", "code", "params"),
    [
        (
            '<os:totalResults xmlns:os="http://a9.com/-/spec/opensearch/1.1/">-4</os:totalResults>',
            "feed",
            "InvalidInteger",
            {"element": "opensearch:totalResults"},
        ),
        (
            '<georss:point xmlns:georss="http://www.georss.org/georss">21.03,105.85</georss:point>',
            "entry",
            "CoordComma",
            {"element": "georss:point"},
        ),
        (
            '<g:price xmlns:g="http://base.google.com/ns/1.0">free</g:price>',
            "entry",
            "InvalidValue",
            {"element": "g:price"},
        ),
        (
            '<media:thumbnail xmlns:media="http://search.yahoo.com/mrss/"'
            ' url="https://hnp.example.vn/a.jpg" time="-3"/>',
            "entry",
            "InvalidNPTTime",
            {"element": "media:thumbnail", "attr": "time"},
        ),
        (
            '<thr:total xmlns:thr="http://purl.org/syndication/thread/1.0">lots</thr:total>',
            "entry",
            "InvalidNonNegativeInteger",
            {"element": "thr:total", "parent": "entry"},
        ),
    ],
)
def test_extension_namespaces_inside_atom(
    xml: str, parent: str, code: str, params: dict[str, str]
) -> None:
    report = Report()
    check_extension_element(report, etree.fromstring(xml), parent, None)
    assert found(report, code, **params), [(m.code, dict(m.params)) for m in report.messages]


def test_a_thousand_items_validate_cleanly() -> None:
    items = "".join(
        f"<item><title>Bài {n}</title><link>https://hnp.example.vn/{n}.html</link>"
        f'<guid isPermaLink="false">tag:hnp.example.vn,2022:{n}</guid>'
        f"<pubDate>Fri, 17 Jun 2022 20:22:00 +0700</pubDate></item>"
        for n in range(1000)
    )
    report = validate(feed(HEAD + items))
    assert report.ok
    assert not report.warnings


def _rss_cases() -> list[dict[str, str]]:
    with open(W3C / "manifest.tsv", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh, delimiter="\t") if r["format"] == "rss2"]


@pytest.mark.skipif(not W3C.is_dir(), reason="shared/conformance/w3c is absent")
def test_w3c_suite_rss_cases_pass_and_never_crash() -> None:
    """The W3C validator's own RSS 2.0 cases (judged as shared/conformance/score.py does)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("score", W3C.parent / "score.py")
    assert spec is not None and spec.loader is not None
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    classes = score.load_classes()
    cases = [c for c in score.load_cases("all") if c["format"] == "rss2"]
    passed = 0
    for case in cases:
        data = (W3C / "files" / case["path"]).read_bytes()
        messages = validate(data, base_url=case["base_url"] or None).messages
        passed += score.judge(case, messages, classes)
    assert len(cases) > 600
    assert passed / len(cases) >= 0.97

"""One value library and one namespace table for every format: the same value gets the
same message in an Atom feed, an RSS feed (and a JSON Feed where it applies).  Each case
here was a disagreement once; the feeds are small and written for the purpose."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from hnp_feeds.validator import PortalPolicy, Report, validate

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
    "thr": "http://purl.org/syndication/thread/1.0",
    "sx": "http://feedsync.org/2007/feedsync",
}


def atom(*, entry: str = "", feed: str = "", declare: str = "", entry_id: str = "") -> bytes:
    """A valid Atom feed of one entry, with ``entry`` / ``feed`` children added."""
    entry_id = entry_id or "tag:hnp.example.vn,2022:bai/1"
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi"{declare}>
  <title>HNP</title><id>tag:hnp.example.vn,2022:feed</id>
  <updated>2022-06-17T20:22:00+07:00</updated>
  <link rel="self" type="application/atom+xml" href="https://hnp.example.vn/atom.xml"/>
  <author><name>Ban biên tập</name></author>{feed}
  <entry>
    <title>Bài 1</title><id>{entry_id}</id><updated>2022-06-17T20:22:00+07:00</updated>
    <link href="https://hnp.example.vn/bai/1.html"/><summary>Tóm tắt.</summary>{entry}
  </entry>
</feed>""".encode()


def rss(*, item: str = "", channel: str = "", declare: str = "") -> bytes:
    """A valid RSS 2.0 feed of one item, with ``item`` / ``channel`` children added."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"{declare}>
  <channel>
    <title>HNP</title><link>https://hnp.example.vn/</link><description>Tin</description>
    <language>vi</language>
    <atom:link rel="self" type="application/rss+xml" href="https://hnp.example.vn/rss.xml"/>
    {channel}
    <item>
      <title>Bài 1</title><link>https://hnp.example.vn/bai/1.html</link>
      <guid isPermaLink="false">tag:hnp.example.vn,2022:bai/1</guid>{item}
    </item>
  </channel>
</rss>""".encode()


def said(report: Report, code: str, **params: str) -> list[str]:
    """The levels of the messages with ``code`` (and these params)."""
    return [
        m.level
        for m in report.messages
        if m.code == code and all(m.params.get(k) == v for k, v in params.items())
    ]


def test_the_small_feeds_are_clean() -> None:
    for data in (atom(), rss()):
        report = validate(data)
        assert [m for m in report.messages if m.level != "info"] == [], report.messages


# --------------------------------------------------------------------------- namespaces


@pytest.mark.parametrize(
    ("declare", "code", "level"),
    [
        # a well-known prefix bound elsewhere: RSS said so, Atom did not
        (' xmlns:dc="https://hnp.example.vn/dc"', "ReservedPrefix", "warning"),
        # Atom reserved sx:, RSS did not
        (' xmlns:sx="https://hnp.example.vn/sx"', "ReservedPrefix", "warning"),
        # a known namespace under an unusual prefix: RSS only
        (' xmlns:dublin="http://purl.org/dc/elements/1.1/"', "NonstdPrefix", "info"),
    ],
)
def test_namespace_declarations_are_judged_alike(declare: str, code: str, level: str) -> None:
    assert said(validate(atom(declare=declare)), code) == [level]
    assert said(validate(rss(declare=declare)), code) == [level]


def test_declarations_below_the_root_count_in_rss_too() -> None:
    item = '<x:y xmlns:x="https://hnp.example.vn/ns" xmlns:dc="https://hnp.example.vn/dc">1</x:y>'
    entry = item
    assert said(validate(rss(item=item)), "ReservedPrefix") == ["warning"]
    assert said(validate(atom(entry=entry)), "ReservedPrefix") == ["warning"]


def test_an_unsupported_namespace_is_said_once_in_both_formats() -> None:
    gdata = '<gd:rating xmlns:gd="http://schemas.google.com/g/2005" value="4"/>'
    for report in (validate(atom(entry=gdata + gdata)), validate(rss(item=gdata + gdata))):
        assert said(report, "UnsupportedNamespace") == ["info"]
        assert not said(report, "UnknownNamespace")


# --------------------------------------------------------------------------- URIs


@pytest.mark.parametrize(
    ("uri", "code", "value"),
    [
        # one IANA list: svn: (and webcal:, ssh: ...) were unregistered for Atom only
        ("svn://svn.hnp.example.vn/trunk", None, None),
        ("webcal://hnp.example.vn/lich.ics", None, None),
        ("hnp://bai/1", "SchemeNotIANARegistered", "hnp"),
        # tag: and urn: were judged in Atom only
        ("tag:hnp.example.vn:bai/1", "InvalidTAG", None),
        ("urn:-bad:1", "InvalidURN", None),
        # a % that encodes nothing was an error in RSS only
        ("https://hnp.example.vn/giam-50%-gia", "InvalidUriChar", None),
    ],
)
def test_a_uri_is_judged_alike(uri: str, code: str | None, value: str | None) -> None:
    atom_report = validate(atom(entry=f'<link rel="related" href="{uri}"/>'))
    rss_report = validate(rss(item=f"<comments>{uri}</comments>"))
    for report in (atom_report, rss_report):
        found = [(m.code, m.params.get("value")) for m in report.messages if m.level != "info"]
        if code is None:
            assert found == [], found
        else:
            assert found == [(code, value or uri)], found


# --------------------------------------------------------------------------- dates


def test_an_implausible_atom_date_is_said_in_rss_too() -> None:
    when = "2103-12-13T18:30:02Z"
    assert said(validate(atom(entry=f"<published>{when}</published>")), "ImplausibleDate")
    assert said(validate(rss(item=f"<atom:updated>{when}</atom:updated>")), "ImplausibleDate")


def test_a_w3cdtf_date_is_bounded_like_the_others() -> None:
    dc = ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    for report in (
        validate(atom(entry="<dc:date>1970-01-01</dc:date>", declare=dc)),
        validate(rss(item="<dc:date>1970-01-01</dc:date>", declare=dc)),
    ):
        assert said(report, "ImplausibleDate", element="dc:date") == ["warning"]


# --------------------------------------------------------------------------- e-mail


@pytest.mark.parametrize(
    ("address", "atom_code", "rss_code"),
    [
        # RFC 5322 atoms: RSS took "~", Atom said InvalidAddrSpec
        ("~toan@hnp.example.vn", None, None),
        # a host without a dot: Atom UnknownHost, RSS an InvalidContact error
        ("toan@localhost", "UnknownHost", "UnknownHost"),
        ("toan.hnp.example.vn", "InvalidAddrSpec", "InvalidContact"),
    ],
)
def test_an_address_is_judged_alike(
    address: str, atom_code: str | None, rss_code: str | None
) -> None:
    person = f"<author><name>Toàn</name><email>{address}</email></author>"
    atom_found = [m.code for m in validate(atom(entry=person)).messages if m.level != "info"]
    rss_found = [
        m.code
        for m in validate(rss(item=f"<author>{address} (Toàn)</author>")).messages
        if m.level != "info"
    ]
    assert atom_found == ([atom_code] if atom_code else [])
    assert rss_found == ([rss_code] if rss_code else [])


# --------------------------------------------------------------------------- MIME types


@pytest.mark.parametrize("kind", ["text/html; charset", "image/jpeg;", "text/html charset=x"])
def test_a_mime_type_is_judged_alike(kind: str) -> None:
    link = f'<link rel="enclosure" type="{kind}" length="1" href="https://hnp.example.vn/a"/>'
    enclosure = f'<enclosure url="https://hnp.example.vn/a" length="1" type="{kind}"/>'
    assert said(validate(atom(entry=link)), "InvalidMIMEType") == ["error"]
    assert said(validate(rss(item=enclosure)), "InvalidMIMEAttribute") == ["error"]


def test_atom_link_type_is_named_alike_in_rss() -> None:
    link = '<atom:link rel="related" type="html" href="https://hnp.example.vn/a"/>'
    assert said(validate(rss(item=link)), "InvalidMIMEType", attr="type") == ["error"]
    link = link.replace("atom:", "")
    assert said(validate(atom(entry=link)), "InvalidMIMEType", attr="type") == ["error"]


# --------------------------------------------------------------------------- integers


@pytest.mark.parametrize(("length", "ok"), [("+48213", True), (" 48213 ", True), ("-1", False)])
def test_a_length_is_judged_alike(length: str, ok: bool) -> None:
    link = f'<link rel="enclosure" type="image/jpeg" length="{length}" href="https://hnp.example.vn/a.jpg"/>'
    atom_bad = said(validate(atom(entry=link)), "InvalidNonNegativeInteger")
    enclosure = (
        f'<enclosure url="https://hnp.example.vn/a.jpg" length="{length}" type="image/jpeg"/>'
    )
    rss_bad = said(validate(rss(item=enclosure)), "UseZeroForUnknown")
    assert (not atom_bad, not rss_bad) == (ok, ok)


# --------------------------------------------------------------------------- text and HTML


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a <br> word", "br"),  # a start tag: RSS said so, Atom did not
        ("a </b> word", "b"),
        ("Giá &lt 30 nghìn", "&lt"),  # an entity without its ";": Atom only
        ("Tin &nbsp;nóng", "&nbsp;"),
        ("Giá &#x", "&#x"),
        ("AT&T và R&D, 3 < 5", None),
    ],
)
def test_html_in_plain_text_is_found_alike(text: str, found: str | None) -> None:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    atom_report = validate(atom(entry=f'<rights type="text">{escaped}</rights>'))
    rss_report = validate(rss(channel=f"<copyright>{escaped}</copyright>"))
    json_report = validate(
        (
            '{"version": "https://jsonfeed.org/version/1.1", "title": "HNP", "items": '
            f'[{{"id": "1", "content_text": "{text}"}}]}}'
        ).encode()
    )
    expected = [found] if found else []

    def values(report: Report, code: str) -> list[str]:
        return [m.params["value"] for m in report.messages if m.code == code]

    assert values(atom_report, "ContainsUndeclaredHTML") == expected
    assert values(rss_report, "ContainsHTML") == expected
    assert values(json_report, "ContainsHTML") == expected


def test_escaped_html_is_judged_alike() -> None:
    """Mojibake (UTF-8 read as Latin-1) and C1 character references: RSS only, before."""
    mojibake = "Ph\u00e1\u00ba\u00a1m V\u00c4\u0083n"
    for html, code in ((mojibake, "BadCharacters"), ("Gi&#150;a", "NotHtml")):
        escaped = html.replace("&", "&amp;")
        reports = (
            validate(atom(entry=f'<content type="html">{escaped}</content>')),
            validate(rss(item=f"<description>{escaped}</description>")),
            validate(
                (
                    '{"version": "https://jsonfeed.org/version/1.1", "title": "HNP", "items": '
                    f'[{{"id": "1", "content_html": "{html}"}}]}}'
                ).encode()
            ),
        )
        for report in reports:
            assert said(report, code) == ["warning"], report.messages


# --------------------------------------------------------------------------- the portal policy

BUILT = datetime(2022, 6, 18, tzinfo=timezone(timedelta(hours=7)))


def portal(data: bytes) -> set[str]:
    report = validate(data, profile="portal", policy=PortalPolicy(now=BUILT))
    return report.codes() - {"MissingRelatedLink"}


@pytest.mark.parametrize(
    "entry_id", ["tag:HNP.example.vn,2022:1", "tag:hnp.example.vn,2022-02-30:1"]
)
def test_the_policy_knows_a_tag_uri_as_the_spec_does(entry_id: str) -> None:
    """IdNotTag had a looser tag: pattern of its own: these passed it."""
    assert {"InvalidTAG", "IdNotTag"} <= portal(atom(entry_id=entry_id))


def test_the_policy_reads_a_date_as_the_spec_does() -> None:
    """The policy parsed dates with datetime.fromisoformat and email.utils: it judged the
    offset and time of dates the spec rejects, and missed ones the spec reads."""
    spaced = portal(atom(entry="<published>2099-06-17 20:22:00+07:00</published>"))
    assert "InvalidRFC3339Date" in spaced and "FutureDate" not in spaced
    wrong_day = portal(rss(item="<pubDate>Sat, 17 Jun 2099 20:22:00 +0700</pubDate>"))
    assert "IncorrectDOW" in wrong_day and "FutureDate" not in wrong_day
    utc_unknown = portal(rss(item="<pubDate>Fri, 17 Jun 2022 20:22:00 -0000</pubDate>"))
    assert {"OffsetNotLocal", "FutureDate"} <= utc_unknown


# --------------------------------------------------------------- one module per vocabulary


THR = ' xmlns:thr="http://purl.org/syndication/thread/1.0"'
SX = ' xmlns:sx="http://feedsync.org/2007/feedsync"'


@pytest.mark.parametrize(
    ("element", "code", "params"),
    [
        # Atom's own thr: rules and the extension module's disagreed
        ("<thr:total>lots</thr:total>", "InvalidNonNegativeInteger", {"element": "thr:total"}),
        ('<thr:in-reply-to ref="bai-1"/>', "InvalidFullLink", {"element": "ref"}),
        (
            '<thr:in-reply-to ref="tag:hnp.example.vn,2022:bai/0" type="html"/>',
            "InvalidMIMEType",
            {"attr": "type"},
        ),
        # FeedSync was wired for Atom only
        (
            '<sx:sync id="bai 1" updates="1"><sx:history sequence="1" by="HNP"/></sx:sync>',
            "InvalidNSS",
            {"element": "id", "parent": "sx_sync"},
        ),
        (
            '<sx:sync id="bai1" updates="0"><sx:history sequence="1" by="HNP"/></sx:sync>',
            "InvalidPositiveInteger",
            {"element": "updates"},
        ),
    ],
)
def test_an_extension_element_is_judged_alike(
    element: str, code: str, params: dict[str, str]
) -> None:
    for report in (
        validate(atom(entry=element, declare=THR + SX)),
        validate(rss(item=element, declare=THR + SX)),
    ):
        assert said(report, code, **params) == ["error"], report.messages


def test_thread_attributes_of_an_atom_link_count_in_rss_too() -> None:
    link = (
        '<link rel="replies" href="https://hnp.example.vn/bai/1/binh-luan.xml" '
        'thr:count="nhiều" thr:when="2022-06-17T20:22:00+07:00"/>'
    )
    for report in (
        validate(atom(entry=link, declare=THR)),
        validate(rss(item=link.replace("<link", "<atom:link"), declare=THR)),
    ):
        assert said(report, "InvalidNonNegativeInteger", element="thr:count") == ["error"]
        assert said(report, "NoThrWhen") == ["error"]


def test_robots_meta_is_judged_in_rss_too() -> None:
    meta = '<xhtml:meta name="robots" content="index, noindex"/>'
    xhtml = ' xmlns:xhtml="http://www.w3.org/1999/xhtml"'
    for report in (
        validate(atom(feed=meta, declare=xhtml)),
        validate(rss(channel=meta, declare=xhtml)),
    ):
        assert said(report, "InvalidMetaContent") == ["error"]


def test_character_data_is_an_rss_rule_for_extension_text_too() -> None:
    """CharacterData (RSS Profile) was said of dc: text in Atom feeds, not of Atom's own."""
    text = "<dc:subject>x &lt;y &amp; z</dc:subject>"
    dc = ' xmlns:dc="http://purl.org/dc/elements/1.1/"'
    assert not said(validate(atom(entry=text, declare=dc)), "CharacterData")
    assert said(validate(rss(item=text, declare=dc)), "CharacterData") == ["warning"]


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize(
    ("attrs", "code", "level"),
    [
        # atom:link in RSS had rules of its own, a few of Atom's
        ('rel="related"', "MissingHref", "error"),  # was MissingAttribute in RSS
        (
            'rel="bai-lien-quan" href="https://hnp.example.vn/b"',
            "UnregisteredAtomLinkRel",
            "warning",
        ),
        (
            'rel="related" hreflang="vn-" href="https://hnp.example.vn/b"',
            "InvalidLanguage",
            "error",
        ),
        (
            'rel="related" title="&lt;b&gt;Bài&lt;/b&gt;" href="https://hnp.example.vn/b"',
            "ContainsHTML",
            "warning",
        ),
        (
            'rel="related" length="lớn" href="https://hnp.example.vn/b"',
            "InvalidNonNegativeInteger",
            "error",
        ),
    ],
)
def test_an_atom_link_is_one_element_in_both_formats(attrs: str, code: str, level: str) -> None:
    assert said(validate(atom(entry=f"<link {attrs}/>")), code) == [level]
    assert said(validate(rss(item=f"<atom:link {attrs}/>")), code) == [level]


def test_a_self_link_is_judged_alike() -> None:
    here = "https://hnp.example.vn/feed.xml"

    def self_link(attrs: str) -> tuple[set[str], set[str]]:
        atom_data = atom().replace(
            b'<link rel="self" type="application/atom+xml" href="https://hnp.example.vn/atom.xml"/>',
            f"<link {attrs}/>".encode(),
        )
        rss_data = rss().replace(
            b'<atom:link rel="self" type="application/rss+xml" href="https://hnp.example.vn/rss.xml"/>',
            f"<atom:link {attrs}/>".encode(),
        )
        return validate(atom_data, here).codes(), validate(rss_data, here).codes()

    # relative: RSS said InvalidFullLink (an error), Atom RelativeSelf
    for codes in self_link('rel="self" href="feed.xml"'):
        assert "RelativeSelf" in codes and "InvalidFullLink" not in codes
    # the feed's own type: RSS's type was SelfNotAtom in Atom feeds
    for codes in self_link(f'rel="self" type="application/rss+xml" href="{here}"'):
        assert "SelfNotAtom" not in codes
    for codes in self_link(f'rel="self" type="text/html" href="{here}"'):
        assert "SelfNotAtom" in codes


# --------------------------------------------------------------------------- numbers and URN parts


@pytest.mark.parametrize(
    ("element", "code"),
    [
        # float() took nan, inf and exponents for GeoRSS and geo:alt, Media RSS did not
        ("<georss:point>nan nan</georss:point>", "InvalidCoord"),
        ("<georss:point>2.1e1 105.85</georss:point>", "InvalidCoord"),
        ("<geo:alt>inf</geo:alt>", "InvalidFloat"),
        ('<media:content url="https://hnp.example.vn/a.mp4" bitrate="1e3"/>', "InvalidFloat"),
    ],
)
def test_a_decimal_number_is_one_rule_for_every_vocabulary(element: str, code: str) -> None:
    declare = (
        ' xmlns:georss="http://www.georss.org/georss"'
        ' xmlns:geo="http://www.w3.org/2003/01/geo/wgs84_pos#"'
        ' xmlns:media="http://search.yahoo.com/mrss/"'
    )
    for report in (
        validate(atom(entry=element, declare=declare)),
        validate(rss(item=element, declare=declare)),
    ):
        assert said(report, code) == ["error"], report.messages


def test_a_namespace_specific_string_is_one_rule() -> None:
    """URNs (values) and FeedSync ids (feedsync.py) had an NSS pattern each: "/" differed."""
    assert validate(atom(entry_id="urn:hnp:bai/1")).ok
    sync = '<sx:sync id="bai/1" updates="1"><sx:history sequence="1" by="HNP"/></sx:sync>'
    assert not said(validate(atom(entry=sync, declare=SX)), "InvalidNSS")
    bad = validate(atom(entry_id="urn:hnp:bài 1"))
    assert said(bad, "InvalidURN") == ["error"]


def test_relative_references_in_escaped_html_follow_the_document_format() -> None:
    """In an Atom feed, content:encoded's relative links were ContainsRelRef while Atom's
    own type="html" content beside them was not (Atom resolves against the document)."""
    html = "&lt;a href='bai/2.html'&gt;Bài 2&lt;/a&gt;"
    encoded = ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    atom_report = validate(
        atom(
            entry=f'<content type="html">{html}</content><content:encoded>{html}</content:encoded>',
            declare=encoded,
        )
    )
    assert not said(atom_report, "ContainsRelRef")
    rss_report = validate(
        rss(
            item=f"<description>{html}</description><content:encoded>{html}</content:encoded>",
            declare=encoded,
        )
    )
    assert said(rss_report, "ContainsRelRef") == ["warning", "warning"]

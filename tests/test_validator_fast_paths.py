"""The validator's fast paths of issue 14.6, each against the full path it stands for, on
varied inputs: a clean http(s) URL that skips the URI rules, plain escaped HTML judged by
a quicker pattern and spared the checks it cannot fail, one look at an element's children
and text, ``xml:base`` resolved once per ancestor, the zone's offset after its last
transition, an element's attributes looked at only when one may be at fault, the
portal's text rules judged on the document's bytes, its date rules passed for a date
after the zone's last transition, a related link to its entry's own page found by a
set look, and a URI component already in normal form given back as it is; a JSON
document's nesting found level by level, a document's elements and a JSON Feed's
members counted only when they may be too many, a JSON value of exactly the wanted type
passed at once, and text the title guards pass by, which the rules say nothing of."""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from hnp_feeds.urls import same_page
from hnp_feeds.validator import (
    PortalPolicy,
    Report,
    jsonfeed,
    markup,
    policy,
    tree,
    validate,
    values,
)
from hnp_feeds.validator import atom as atom_module
from hnp_feeds.validator.policy import check_policy
from hnp_feeds.validator.xmlparse import parse_xml

XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

# Pieces of URLs around every boundary the URI rules draw: each URI character, a few
# that are none, a percent sign that encodes something or nothing, IPv6 brackets.
URL_PIECES = st.sampled_from(
    [*"aZ09-._~!$&'()*+,;=:@/?#[]% \"<>\\^`{|}\t\x7f\xa0é\u2003\ufffd"]
    + ["%20", "%zz", "%4", "[::1]", "//", "..", "hnp.example.vn", "/a-b.html"]
)
URLS = st.tuples(
    st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "tag:", "urn:", "", "http:/"]),
    st.lists(URL_PIECES, max_size=10).map("".join),
).map("".join)


@settings(max_examples=150, deadline=None)
@given(URLS, st.booleans(), st.booleans(), st.sampled_from([None, "InvalidURLAttribute"]))
def test_a_clean_http_url_is_what_the_uri_rules_find_nothing_in(
    url: str, iri: bool, full: bool, error: str | None
) -> None:
    expected = values._uri_fault(url, iri, full, error)
    assert values.uri_fault(url, iri=iri, full=full, error=error) == expected
    if values._CLEAN_HTTP_URL.fullmatch(url):
        assert expected is None


# Escaped HTML: the portal's plain tags, near misses, and characters the plain pattern's
# text leaves out (controls, C1, lone surrogates, non-characters), in text and in values.
HTML_PIECES = st.sampled_from(
    [
        "<p>", "</p>", "<strong>", "</strong>", "<li>", "</li>", "<br/>", "<br>", "</br>",
        "</hr>", "</img>", "<img src=\"https://x.vn/a.jpg\" alt=\"ả\"/>", "</b>", "<b>",
        '<a href="https://hnp.example.vn/a.html">', "</a>", '<a href="https://x.vn/é">',
        '<span title="\x01">', '<span title="a>b">', "<td>", "<table>", "<!-- c -->", "<!--",
        "<?import x>", "<html>", "<body>", "<P>", "<p", "<", ">", "&#x85;", "&#233;", "&amp;",
        "tin mới", "\u00a9", "\xa0", "\x01", "\x7f", "\x85", "\ud800", "\ufffe", "\uffff",
        "\ufffd", "\u0301", "\t", "\n", "Ã©",
    ]
)  # fmt: skip
HTML_TEXTS = st.lists(HTML_PIECES, max_size=8).map("".join)


@settings(max_examples=150, deadline=None)
@given(URLS, st.sampled_from(["", "-._~", values._PCHAR_SAFE, values._PCHAR_SAFE + "/?"]))
def test_a_uri_component_in_normal_form_is_what_the_char_by_char_walk_gives(
    url: str, safe: str
) -> None:
    assert values._norm_component(url, safe) == values._normalized(url, safe)


@settings(max_examples=150, deadline=None)
@given(HTML_TEXTS)
def test_plain_html_is_what_the_plain_pattern_matches(html: str) -> None:
    assert markup.plain_html(html) == (markup._PLAIN_HTML_RE.fullmatch(html) is not None)


@settings(max_examples=150, deadline=None)
@given(HTML_TEXTS)
def test_plain_html_cannot_fail_the_checks_it_is_spared(html: str) -> None:
    utf8 = html.encode("utf-8", "surrogatepass")
    unusual = utf8.translate(None, markup._ORDINARY_BYTES)
    assert markup._suspect_utf8(utf8, unusual) == markup._suspect_utf8(utf8)
    if not markup.plain_html(html):
        return
    assert "<?" not in html
    trimmed = html.rstrip()
    assert markup._TAG_START_RE.search(trimmed, trimmed.rfind(">") + 1) is None
    assert markup._DOCUMENT_TAG_RE.search(html) is None
    assert markup._html5_suspect(utf8) == bool(markup._PLAIN_HTML5_SUSPECT_RE.search(html))


SPACES = st.sampled_from(["", " ", "\n  ", "\t", "\xa0", "\u2003", "\u0085", "x", " y "])


@settings(max_examples=80, deadline=None)
@given(
    SPACES,
    st.lists(st.tuples(st.sampled_from(["<b/>", "<!--c-->", "<?p x?>", "<c>z</c>"]), SPACES)),
)
def test_one_look_at_an_element_s_children_and_text(
    lead: str, parts: list[tuple[str, str]]
) -> None:
    body = lead + "".join(node + space for node, space in parts)
    root = etree.fromstring(f"<a>{body}</a>".encode())
    children, text = tree.elements_and_text(root)
    assert children == [child for child in root if isinstance(child.tag, str)]
    assert text == bool(tree.own_text(root).strip())


def _bases_by_walking_up(
    element: etree._Element, doc_base: str | None
) -> tuple[str | None, str | None]:
    """What xml:base says at an element, read from it and each of its ancestors."""
    chain = [node.get(XML_BASE) for node in (element, *element.iterancestors())]
    innermost = next((step for step in chain if step is not None), None)
    base = doc_base
    for step in reversed(chain):
        if step is not None:
            base = values.resolve(base, step)
    return innermost, base


BASES = st.sampled_from([None, "https://a.example/x/", "sub/", "../up/", "/root/", "tag:x", ""])


@settings(max_examples=60, deadline=None)
@given(st.lists(BASES, min_size=1, max_size=5), st.sampled_from([None, "https://hnp.example.vn/f"]))
def test_xml_base_resolved_once_per_ancestor_is_xml_base_read_upwards(
    chain: list[str | None], doc_base: str | None
) -> None:
    root = etree.Element("rss")
    node = root
    for base in chain:
        node = etree.SubElement(node, "x")
        etree.SubElement(node, "leaf")
        if base is not None:
            node.set(XML_BASE, base)
    bases = tree.XmlBases(doc_base)
    for element in [*root.iter()][::-1] + [*root.iter()]:  # leaves first, then the root down
        assert bases.at(element) == _bases_by_walking_up(element, doc_base)


@pytest.mark.parametrize(
    "zone", ["Asia/Ho_Chi_Minh", "Europe/Paris", "America/New_York", "UTC", "Etc/GMT-7"]
)
def test_the_zone_s_offset_after_its_last_transition_is_pytz_s(zone: str) -> None:
    rng = random.Random(zone)
    moments = []
    last = policy._last_transition(zone)
    if last is not None:  # the transition itself and a second either side, in two offsets
        moments += [(last[0] + timedelta(seconds=d)).replace(tzinfo=UTC) for d in (-1, 0, 1)]
        moments += [m.astimezone(timezone(timedelta(hours=7))) for m in moments]
    for _ in range(300):
        naive = datetime(1900, 1, 1) + timedelta(seconds=rng.randrange(0, 200 * 366 * 86400))
        moments.append(
            naive.replace(tzinfo=timezone(timedelta(minutes=rng.choice([0, 420, -300]))))
        )
    for moment in moments:
        assert policy._offset_at(zone, moment) == policy._offset_before.__wrapped__(zone, moment)


def _atom(entry_attributes: str, link_attributes: str, extra: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0"
      xml:lang="vi">
  <id>tag:hnp.example.vn,2008-01-01:feeds/x</id><title>Tin</title>
  <updated>2026-01-01T08:00:00+07:00</updated><author><name>HNP</name></author>
  <link rel="self" href="https://hnp.example.vn/feeds/x/atom.xml"/>
  <entry {entry_attributes}>
    <id>tag:hnp.example.vn,2026-01-01:article/1</id><title type="text">Một</title>
    <updated>2026-01-01T08:00:00+07:00</updated>
    <link {link_attributes}/>{extra}
    <link rel="related" href="https://hnp.example.vn/b.html" title="Hai"/>
    <summary>Tóm tắt</summary>
  </entry>
</feed>""".encode()


ATTRIBUTES = st.lists(
    st.sampled_from(
        [
            'href="https://hnp.example.vn/a.html"', 'href="a.html"', 'rel="alternate"',
            'rel="related"', 'type="text/html"', 'hreflang="vi"', 'title="T"', 'length="1"',
            'foo="1"', 'xml:base="https://other.example/"', 'xml:base="sub/"', 'xml:lang="en"',
            'xml:lang="??"', 'thr:count="2"', 'thr:updated="x"', 'thr:when="y"', 'mode="x"',
        ]
    ),
    unique=True,
    max_size=5,
).map(" ".join)  # fmt: skip


def _full_attributes(
    self: atom_module._AtomChecker, el: etree._Element, base: str | None, name: str, parent: str
) -> str | None:
    """What ``_AtomChecker.attributes`` stands for: base_of, then check_attrs, always."""
    base = self.base_of(el, base, parent)
    self.check_attrs(el, name, parent)
    return base


@settings(max_examples=40, deadline=None)
@given(ATTRIBUTES, ATTRIBUTES)
def test_an_atom_element_s_attributes_looked_at_only_when_one_may_be_at_fault(
    entry_attributes: str, link_attributes: str
) -> None:
    data = _atom(entry_attributes, link_attributes)
    quick = validate(data, base_url="https://hnp.example.vn/feeds/x/atom.xml")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(atom_module._AtomChecker, "attributes", _full_attributes)
        full = validate(data, base_url="https://hnp.example.vn/feeds/x/atom.xml")
    assert quick.messages == full.messages


# Texts for the portal's rules: NFC and not, controls, C1, U+FFFD, character references
# (one making U+0338 after a "<"), entities of the XML itself, CDATA.
TEXT_PIECES = st.sampled_from(
    [
        "Hà Nội",
        "Ha\u0300 No\u0323i",
        "a",
        "\x7f",
        "\x85",
        "\ufffd",
        "&#233;",
        "&#x338;",
        "&lt;",
        "&gt;",
        "&amp;",
        "\u0338",
        "<![CDATA[x\u0301]]>",
        "#",
        "\u00a9",
        "\u0301",
    ]
)
TEXTS = st.lists(TEXT_PIECES, max_size=5).map("".join)


def _documents(texts: list[str], doctype: str, comment: str) -> Iterator[bytes]:
    """An Atom and an RSS document holding ``texts`` in titles and an attribute."""
    entries = "".join(
        f"<entry><id>tag:x.vn,2020:{i}</id><title>{text}</title>"
        f'<category term="t" label="{text.replace("<![CDATA[", "").replace("]]>", "")}"/>'
        f"<updated>2020-01-01T00:00:00+07:00</updated></entry>"
        for i, text in enumerate(texts)
    )
    yield (
        f'<?xml version="1.0" encoding="utf-8"?>{doctype}<!--{comment}-->'
        f'<feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x.vn,2020:f</id>{entries}</feed>'
    ).encode()
    items = "".join(
        f"<item><guid>tag:x.vn,2020:{i}</guid><title>{text}</title></item>"
        for i, text in enumerate(texts)
    )
    yield (f'{doctype}<!--{comment}--><rss version="2.0"><channel>{items}</channel></rss>').encode()


POLICY = PortalPolicy(now=datetime(2026, 1, 1, tzinfo=UTC))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(TEXTS, min_size=1, max_size=3),
    st.sampled_from(["", "<!DOCTYPE feed>"]),
    st.sampled_from(["", "<!DOCTYPE x>", "#", "&#233;"]),
)
def test_the_portal_s_text_rules_judged_on_the_bytes_as_on_each_text(
    texts: list[str], doctype: str, comment: str
) -> None:
    for data in _documents(texts, doctype, comment):
        parsed = parse_xml(data, Report())
        if parsed is None:
            continue
        quick, full = Report(), Report()
        check_policy(quick, parsed, POLICY, source=data)
        check_policy(full, parsed, POLICY)
        assert quick.messages == full.messages


@settings(max_examples=80, deadline=None)
@given(URLS, st.sampled_from(["", " ", "#x", "/"]))
def test_a_related_link_judged_quickly_as_in_full(url: str, tail: str) -> None:
    href = url + tail
    assert policy._related_fault(href) == policy._remembered_related_fault.__wrapped__(href)
    own = "https://hnp.example.vn/a.html"
    assert policy._same_page(href, own) == policy.same_page(href, own)


# Paris's last transition in pytz is in 2037, after "now"; UTC has none: no quick verdict.
@pytest.mark.parametrize(
    ("zone", "quick"), [("Asia/Ho_Chi_Minh", True), ("Europe/Paris", False), ("UTC", False)]
)
def test_a_date_judged_quiet_is_one_the_date_rules_say_nothing_of(zone: str, quick: bool) -> None:
    rng = random.Random(zone)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    rules = PortalPolicy(now=now, zone=zone)
    quiet = policy._quiet_dates(rules, now)
    last = policy._last_transition(zone)
    around = [last[0].replace(tzinfo=UTC)] if last is not None else []
    around += [now, datetime(1975, 6, 13, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC)]
    moments = [m + timedelta(seconds=d) for m in around for d in (-1, 0, 1)]
    moments += [
        datetime(1950, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(0, 90 * 366 * 86400))
        for _ in range(200)
    ]
    offsets = [timedelta(0), timedelta(hours=7), timedelta(hours=1), timedelta(hours=-5)]
    judged = 0
    for moment in moments:
        for offset in offsets:
            local = moment.astimezone(timezone(offset))
            report = Report()
            policy._check_date(report, local, "x", dict, rules, now)
            if quiet(local):
                judged += 1
                assert report.messages == []
    assert (judged > 0) == quick


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(URLS, st.sampled_from(["", "/", "#x", "//"])).map("".join), max_size=3),
    st.lists(
        st.sampled_from(
            ["https://hnp.example.vn/a.html", "https://hnp.example.vn/a.html/", "a.html#t", ""]
        ),
        max_size=2,
    ),
)
def test_a_related_link_to_its_own_entry_found_quickly_as_in_full(
    hrefs: list[str], own: list[str]
) -> None:
    related: list[tuple[str, etree._Element | None]] = [(href, None) for href in hrefs]
    related += [(mine + tail, None) for mine in own for tail in ("", "/", "#c")]
    report = Report()
    policy._check_related(report, related, set(own), "entry", 3)
    to_self = [m.params["value"] for m in report.messages if m.code == "RelatedLinkToSelf"]
    assert to_self == [
        href
        for href, _ in related
        if policy._related_fault(href)[0] is None and any(same_page(href, mine) for mine in own)
    ]


def test_the_plain_characters_are_nfc_whatever_stands_around_them() -> None:
    # NFC's quick check says YES of text whose every character has combining class 0 and
    # NFC_Quick_Check=Yes; the second character of a canonical pair is "Maybe".
    seconds = set()
    for code in range(0x30000):
        fields = unicodedata.decomposition(chr(code)).split()
        if len(fields) == 2 and not fields[0].startswith("<"):
            seconds.add(chr(int(fields[1], 16)))
    plain = [chr(c) for c in range(0x80, 0x30000) if policy._PLAIN.fullmatch(chr(c))]
    assert "ư" in plain and "ệ" in plain and "“" in plain and "₫" in plain
    for char in plain:
        assert unicodedata.combining(char) == 0, char
        assert unicodedata.is_normalized("NFC", char), char
        assert char not in seconds, char
        assert policy._clean(char), char


PLAIN_PIECES = st.sampled_from(
    [*"aZ <>&;\t\n\r\x01\x1f\x7f\x80\x85\x9f\xa0éếệưđ“”–₫\u0301\u0338\u1161\u2000\u212b\ufffd"]
    + ["e\u0301", "\U0001f600", "Tin mới", "\u1ea0\u0300"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(PLAIN_PIECES, max_size=12).map("".join))
def test_plain_utf8_is_what_the_full_text_rules_find_clean(text: str) -> None:
    data = text.encode("utf-8")
    if policy._utf8_plain(data):
        assert policy._utf8_nfc(data)
        assert all(policy._clean(part) for part in (text, *text.split("<")))
    if text.isascii() and text.isprintable():
        assert policy._utf8_plain(data)


# -- the validator's CPU per entry at a full publish (val9) ------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3)
    ),
    max_leaves=20,
)


def _depth(value: object) -> int:
    """How deep objects and arrays nest in ``value`` (the document itself at 1), plainly."""
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        return 0
    return 1 + max((_depth(child) for child in value), default=0)


@settings(max_examples=80, deadline=None)
@given(JSON_VALUES, st.integers(min_value=1, max_value=8))
def test_a_json_document_s_nesting_found_level_by_level_as_by_recursion(
    document: object, limit: int
) -> None:
    assert jsonfeed._nesting_below(document, limit) is (_depth(document) < limit)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["<a>", "</a>", "<b/>", "x", "<!--c-->"]), max_size=12),
    st.integers(0, 8),
)
def test_a_document_s_elements_counted_past_its_less_than_signs_only_when_they_are_many(
    parts: list[str], max_nodes: int
) -> None:
    data = f"<r>{''.join(parts)}</r>".encode()
    report = Report()
    parse_xml(data, report, max_nodes=max_nodes)
    counted = data.count(b"<") - data.count(b"</")  # the plain count, every time
    refused = [m for m in report.messages if m.code == "ValidatorLimit"]
    assert bool(refused) is (counted > max_nodes)
    if refused:
        assert refused[0].params["value"] == str(counted)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(0, 40))
def test_a_json_feed_s_members_counted_only_when_its_bytes_may_hold_too_many(
    items: int, max_nodes: int
) -> None:
    data = json.dumps(
        {"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1"}] * items}
    ).encode()
    report = Report()
    jsonfeed.check(data, report, max_nodes=max_nodes)
    members = data.count(b'":')  # the plain count, every time
    refused = [m for m in report.messages if m.code == "ValidatorLimit"]
    assert bool(refused) is (members > max_nodes)
    if refused:
        assert refused[0].params["value"] == str(members)


JSON_SCALARS = st.sampled_from([None, True, False, 0, 1, 1.5, "", "x", [], {}, ["x"], {"a": 1}])
WANTED = st.sampled_from([str, bool, int, float, list, dict, (int, float), (str, int)])


@settings(max_examples=60, deadline=None)
@given(JSON_SCALARS, WANTED)
def test_a_json_value_of_exactly_the_type_wanted_passes_as_by_the_full_test(
    value: object, wanted: type | tuple[type, ...]
) -> None:
    report = Report()
    ok = jsonfeed._Checker(report, "{}", {}).expect(value, wanted, ("x",), "feed")  # type: ignore[arg-type]
    names = wanted if isinstance(wanted, tuple) else (wanted,)
    full = isinstance(value, names) and not (isinstance(value, bool) and bool not in names)
    assert ok is full
    assert bool(report.messages) is not full


@settings(max_examples=80, deadline=None)
@given(st.lists(PLAIN_PIECES, max_size=8).map("".join))
def test_text_the_guards_pass_by_is_text_the_plain_and_character_rules_say_nothing_of(
    text: str,
) -> None:
    """``check_link``'s title and RSS's title and category call the plain-text rule only
    for text with "<" or "&", and the character rule only for text not ASCII."""
    report = Report()
    if "<" not in text and "&" not in text:
        assert markup.check_plain_text(report, text, character_data=True)
        assert markup.check_plain_text(report, text)
    if text.isascii():
        assert markup.check_characters(report, text)
    assert report.messages == []


@settings(max_examples=60, deadline=None)
@given(st.lists(PLAIN_PIECES, max_size=8).map("".join))
def test_an_rss_title_read_once_is_judged_as_by_the_blank_and_plain_rules(text: str) -> None:
    from xml.sax.saxutils import escape

    from hnp_feeds.validator import rss

    text = "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20 and c not in "\x7f\ufffe")
    item = etree.fromstring(f"<title>{escape(text)}</title>")
    quick, plain = Report(), Report()
    rss._RssChecker(quick, None).plain_not_blank(item, "title", "item")
    checker = rss._RssChecker(plain, None)
    checker.not_blank(item, "title", "item")
    checker.plain(item, "title", "item")
    assert quick.messages == plain.messages

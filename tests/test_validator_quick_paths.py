"""The validator's quick paths (issue 14) against what they stand for: the first
character a URI may not hold, checked one character at a time; a reference resolved as
``urljoin`` resolves it; escaped HTML spared libxml2's tree only when the tree has nothing
to say; a JSON Feed's text judged on its bytes as on its strings one by one."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from urllib.parse import urljoin

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from hnp_feeds.validator import PortalPolicy, Report
from hnp_feeds.validator.atom_text import check_text_construct, text_construct
from hnp_feeds.validator.markup import _PLAIN_HTML_RE, check_html, check_html_tree
from hnp_feeds.validator.namespaces import ATOM
from hnp_feeds.validator.policy import check_policy
from hnp_feeds.validator.values import (
    first_bad_uri_char,
    is_clean_http_url,
    is_plain_http_url,
    resolve,
)

URI_CHARS = set(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ;/?:@&=+$.-_!~*'()%,#[]"
)
# Characters around every boundary the rules draw: ASCII and controls, C1, U+00A0 and
# other spaces above it, letters with marks, U+FFFD, astral ones.
PIECES = st.sampled_from(
    [*"aZ09:/?#[]@!$&'()*+,;=%-._~ \t\n\r\x00\x1f\x7f\x85\x9f\xa0é\u1ed9\u2003\u3000\ufffd"]
    + ["\U0001f600", "http://", "https://", "HTTP://", "//", "../", "%2", "%zz", "[::1]"]
)
TEXTS = st.lists(PIECES, max_size=12).map("".join)
BASES = st.sampled_from(
    ["https://hnp.example.vn/feeds/tin-moi/atom.xml", "http://a/b/c/d;p?q", "ftp://f/x", "tag:x"]
)


def allowed(c: str, iri: bool) -> bool:
    return c in URI_CHARS or (iri and ord(c) >= 0xA0 and not c.isspace())


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.booleans())
def test_the_first_bad_uri_character_is_the_first_one_not_allowed(text: str, iri: bool) -> None:
    expected = next((c for c in text if not allowed(c, iri)), None)
    assert first_bad_uri_char(text, iri=iri) == expected


# Every character of the BMP's first blocks (ASCII, C1, Latin, Vietnamese letters, the
# spaces up to U+3000), others up to the last code point: the patterns are written by what
# they match below U+00A0 (a range to U+10FFFF costs re 20 ms to compile), not by it.
EVERY_CHARACTER = [chr(c) for c in [*range(0x3100), *range(0x3100, 0x110000, 251), 0x10FFFF]]


def test_every_character_is_judged_as_a_uri_and_an_iri_allow_it() -> None:
    for c in EVERY_CHARACTER:
        for iri in (False, True):
            assert (first_bad_uri_char(f"a{c}b", iri=iri) is None) == allowed(c, iri), (c, iri)


def test_a_plain_url_has_a_host_of_printable_ascii() -> None:
    for c in EVERY_CHARACTER:
        host_char = 0x21 <= ord(c) < 0x7F and c not in "?#;[]"
        assert is_plain_http_url(f"https://hnp{c}vn") == host_char, c


@settings(max_examples=300, deadline=None)
@given(BASES, st.sampled_from(["", "http://", "https://"]), TEXTS)
def test_a_reference_resolves_as_urljoin_resolves_it(base: str, scheme: str, text: str) -> None:
    ref = scheme + text
    try:
        expected = urljoin(base, ref)
    except ValueError:
        expected = ref
    assert resolve(base, ref) == expected
    if is_plain_http_url(ref):
        assert resolve(base, ref) == ref


# Pieces of escaped HTML: the plain tags the quick path knows, and near misses of every
# kind (another case, an unsafe or unknown tag, a relative or odd reference, a style, an
# event handler, a space that is none in HTML, a character lxml refuses, a comment).
PLAIN_HTML = st.sampled_from(
    [
        "<p>", "</p>", "<strong>", "</strong>", "<ul>", "<li>", "</li>", "</ul>", "<br/>",
        "<br >", "<em>", "</em>", '<a href="https://hnp.example.vn/a.html">', "</a>",
        '<img src="http://x.vn/a.jpg" alt="ảnh"/>', '<span class="x" title="t">', "</span>",
        "tin mới", "a &amp; b", "&lt;script&gt;", ">", "\n", "\t", "é", "\u1ed9",
    ]
)  # fmt: skip
NEAR_MISSES = st.sampled_from(
    [
        "<P>", "<script>", "</script>", "<iframe>", "<foo>", "<td>", "</br>", "<!-- c -->",
        "<!--", '<a href="/rel.html">', '<a href="javascript:x">', '<img src="a b">',
        '<p style="position:fixed">', '<p onclick="x">', "<a\xa0href='https://x/'>",
        '<a href=https://x/>', "<p\x0b>", "\x00", "\x01", "\x85", "\ud800", "\ufffe",
        "<", "<p", "<html>", "<body>", "<title>", "<meta>", "<?import x>", "&#x85;",
    ]
)  # fmt: skip
# Plain pieces, and in about half the texts one near miss among them.
HTML_TEXTS = st.builds(
    lambda plain, misses, at: "".join([*plain[:at], *misses, *plain[at:]]),
    st.lists(PLAIN_HTML, max_size=6),
    st.lists(NEAR_MISSES, max_size=1),
    st.integers(0, 6),
)


@settings(max_examples=200, deadline=None)
@given(HTML_TEXTS, st.booleans())
def test_escaped_html_spared_the_tree_is_html_the_tree_finds_nothing_in(
    html: str, rel_refs: bool
) -> None:
    if _PLAIN_HTML_RE.fullmatch(html) is None:
        return
    report = Report()
    check_html_tree(report, html, rel_refs, {"element": "content", "parent": "entry"})
    assert report.messages == []


def test_the_portal_s_own_escaped_html_is_spared_the_tree() -> None:
    html = (
        "<p>Giá xăng &amp; dầu</p><p><strong>Bài liên quan</strong></p><ul><li>"
        '<a href="https://hnp.example.vn/kinh-te/bai-1.html">Bài 1</a></li></ul>'
    )
    assert _PLAIN_HTML_RE.fullmatch(html) is not None
    assert check_html(Report(), html, rel_refs=True, element="content", parent="entry")
    for unsafe in ("<p onclick='x'>", '<a href="bai-2.html">', "<script>", "<P>"):
        assert _PLAIN_HTML_RE.fullmatch(html + unsafe) is None


# Pieces of JSON strings: composed and decomposed marks, marks after the letters of
# JSON's escapes, controls (escaped by json.dumps), C1, U+FFFD, U+0338.
JSON_PIECES = st.sampled_from(
    ["a", "n", "ư", "u\u031b", "\u0301", "\u0303", "\n", "\t", "\r", "\x07", "\b",
     "\f", "\x7f", "\x85", "\ufffd", '"', "\\", "/", "<", "\u0338", "\U0001f600"]
)  # fmt: skip
JSON_TEXTS = st.lists(JSON_PIECES, max_size=8).map("".join)
POLICY = PortalPolicy(now=datetime(2026, 1, 1, tzinfo=UTC))


@settings(max_examples=100, deadline=None)
@given(st.lists(JSON_TEXTS, min_size=1, max_size=4), st.booleans())
def test_a_json_feed_s_text_is_judged_on_its_bytes_as_on_each_string(
    texts: list[str], ascii_only: bool
) -> None:
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": texts[0],
        "items": [{"id": f"tag:x.vn,2020:{i}", "title": text} for i, text in enumerate(texts)],
    }
    data = json.dumps(document, ensure_ascii=ascii_only).encode("utf-8")
    quick, slow = Report(), Report()
    check_policy(quick, json.loads(data), POLICY, source=data)
    check_policy(slow, json.loads(data), POLICY)
    assert quick.messages == slow.messages


@settings(max_examples=300, deadline=None)
@given(BASES, st.sampled_from(["http://", "https://", "https://hnp.vn/"]), TEXTS)
def test_a_clean_url_known_clean_resolves_as_any_reference(
    base: str, scheme: str, text: str
) -> None:
    ref = scheme + text
    if is_clean_http_url(ref):
        assert resolve(base, ref, clean=True) == resolve(base, ref)


# A text construct as Atom writes them: its name, attributes (none, a type of each kind,
# a src, another vocabulary's), its text (none, blank, plain, escaped HTML, a near miss),
# perhaps a child element.
CONSTRUCT_ATTRIBUTES = st.sampled_from(
    [
        {}, {"type": "html"}, {"type": "text"}, {"type": "xhtml"}, {"type": ""},
        {"type": "HTML"}, {"type": "text/html"}, {"type": "image/png"}, {"type": "a/b+xml"},
        {"src": "https://hnp.vn/a"}, {"type": "html", "src": "x"}, {"mode": "escaped"},
        {"{http://www.w3.org/XML/1998/namespace}lang": "vi"},
    ]
)  # fmt: skip
CONSTRUCT_TEXTS = st.one_of(
    st.sampled_from([None, "", " ", "\n  ", "tin mới", "a < b", "&amp;", "aGVsbG8="]),
    HTML_TEXTS,
)


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from(["title", "summary", "content", "rights", "subtitle"]),
    CONSTRUCT_ATTRIBUTES,
    CONSTRUCT_TEXTS,
    st.sampled_from([None, "{http://www.w3.org/1999/xhtml}div", "{urn:x}y"]),
)
def test_a_text_construct_checked_in_short_is_judged_as_in_full(
    name: str, attributes: dict[str, str], text: str | None, child: str | None
) -> None:
    el = etree.Element(f"{{{ATOM}}}{name}", attributes)
    with contextlib.suppress(ValueError):  # a character XML cannot hold: another case
        el.text = text
    if child is not None:
        etree.SubElement(el, child).text = "x"
    quick, full = Report(), Report()
    check_text_construct(quick, el, "entry", content=name == "content")
    text_construct(full, el, "entry", content=name == "content")
    assert quick.messages == full.messages

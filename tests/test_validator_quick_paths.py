"""The value library's quick paths (issue 14) against what they stand for: the first
character a URI may not hold, checked one character at a time; a reference resolved as
``urljoin`` resolves it."""

from __future__ import annotations

from urllib.parse import urljoin

from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.validator.values import first_bad_uri_char, is_plain_http_url, resolve

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

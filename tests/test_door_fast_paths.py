"""The door's fast paths (issue 14): each gives exactly what the full work gives.

``clean_text`` of text that needs nothing (and clean HTML sanitized without being prepared
again), a URL already in the normal form (the pattern by runs), the mojibake check of HTML
that cannot hold any and of ASCII text, one nh3 Cleaner for HTML without a URL to resolve,
``localize`` where Asia/Ho_Chi_Minh keeps one offset, ``to_local`` without ``normalize``:
each is compared, over random input of the characters that matter, with the full work
(the unchanged code the shortcut skips, or the plain call it replaced, written here) --
the same value, the same exception and message.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urldefrag

import nh3
import pytz
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hnp_feeds import text
from hnp_feeds import urls as urls_module
from hnp_feeds.adapters.records import _unsafe_html
from hnp_feeds.text import clean_text, html_mojibake, html_to_text, mojibake, sanitize_html
from hnp_feeds.timezone import LOCAL, localize, to_local
from hnp_feeds.urls import _normalize, normalize_url, same_page

FAST = settings(max_examples=150, deadline=None)  # each well under a second, quiet machine


def outcome(call: Callable[[], Any]) -> Any:
    """What ``call`` gives, or its exception's type and message."""
    try:
        return ("value", call())
    except Exception as exc:  # noqa: BLE001 - compared, whatever it is
        return ("raises", type(exc).__name__, str(exc))


# --- clean_text ------------------------------------------------------------------------------

# Every white space character (str.isspace), controls, bidi and zero-width characters, the
# letters of mis-decoded UTF-8, combining marks, NFD and NFC Vietnamese.
_SPACES = [chr(c) for c in range(0x3001) if chr(c).isspace()]
_TEXT_CHARS = [
    *_SPACES, "\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\ufffe", "\u202e",
    "\u2066", "\u200b", "\ufeff", "\u180e", "a", "A", "o", "N", "?", "1", "-", "à", "ộ", "đ",
    "\u0302", "\u0303", "\u0323", "\u0308", "Ã", "Ä", "Æ", "á", "º", "»", "‘", "ƒ", "°", "¡",
    "\u0099", "\u00a9", "Œ", "™",
]  # fmt: skip
texts = st.text(alphabet=st.sampled_from(_TEXT_CHARS + [" ", "\n"] * 8), max_size=24) | st.text(
    max_size=24
)


def test_what_isprintable_lets_through_is_only_the_latin1_marks() -> None:
    """The shortcut of printable text: every character of ``_WORK`` but Ã, Ä, Æ, º, » and
    every control is one that ``str.isprintable`` refuses (all of them are in the BMP)."""
    printable = [chr(c) for c in range(0x10000) if chr(c).isprintable()]
    assert max(text._WORK.pattern) <= "\uffff" and max(text._CONTROL.pattern) <= "\uffff"
    assert [c for c in printable if text._WORK.match(c)] == list("\u00ba\u00bb\u00c3\u00c4\u00c6")
    assert [c for c in printable if text._CONTROL.match(c)] == []


# Line breaks kept or not, mis-decoded UTF-8 ("Việt"; "Tổ", "đi", "tư", "Hạ" read as
# cp1252, each with one of the five marks), a space apart, two spaces, one at an end.
_TEXT_EDGES = [
    ("Hà Nội", False), ("dòng một\ndòng hai", True), ("dòng một\n\ndòng hai", True),
    ("dòng một \ndòng hai", True), ("Vi\u00c3\u00aat Nam", False), ("Tá»\u2022", False),
    ("Ä\u2018i", False), ("tÆ°", True), ("Háº¡", False), ("a\u1680\nb", True),
    ("hai  dấu cách", False), (" đầu", True),
]  # fmt: skip


def _same_clean_text(raw: str, multiline: bool) -> None:
    assert clean_text(raw, multiline=multiline) == text._clean(raw, multiline)
    # repair_mojibake's own shortcut: every run it repairs holds one of the five marks.
    assert text._latin1_mark(raw) or not text._LATIN1_UTF8.search(raw)


def test_clean_text_of_the_edges_is_the_full_work() -> None:
    for raw, multiline in _TEXT_EDGES:
        _same_clean_text(raw, multiline)


@FAST
@given(raw=texts, multiline=st.booleans())
def test_clean_text_of_clean_text_is_the_full_work(raw: str, multiline: bool) -> None:
    _same_clean_text(raw, multiline)


# --- HTML ------------------------------------------------------------------------------------

_HTML_PIECES = [
    "<p>", "</p>", "<b>", "</b>", "<script>", "</script>", "<style>", "</style>", "<!--",
    "-->", "<textarea>", "</textarea>", "<table>", "<tr>", "<td>", "<img src=x.png>",
    '<a href="/bai-2.html">', "<A HREF=x.html>", "<SCRIPT>", "< iframe", "onclick =",
    " ONload=", "javascript :", "JavaScript:", "ſcript", "=", ":",
    '<a href="https://hnp.example.vn/?q=1">', "</a>",
    "<q cite=ban.html>", "</q>", "<div data-SRC=x>", "</div>", "&amp;", "&amp", "&lt;",
    "&nbsp;", "&quot;", "&Atilde;", "&#65533;", "&#0;", "&#x303;", "&AMP;", "&", "A", "o",
    "a", "x", " ", "?", "\u0303", "\u0308", "\u0302", "õ", "Ã", "Ä", "º", "\x00", "\r\n",
    "é", "ẫ", "ộ", "L?y", "\u00c3\u00aa", "\u00b5", "\u202e", "Hµ Néi", "Haø",
    "<a HrEf=x>", "<Q CITE=c>", "<img sRc=y>", "\u212a", "\u0130", "hre", "f=z", "\n",
]  # fmt: skip
htmls = st.lists(st.sampled_from(_HTML_PIECES), max_size=12).map("".join)
_BASES = [
    None,
    "",
    "https://hnp.example.vn/thoi-su/bai-1.html",
    "https://hnp.example.vn:8443/a?b=1#c",
    "http://[::1]/x",
    "https://xn--zz.vn/bai.html",  # nh3 cannot parse it as a base
    "https://999.999.999.999/bai.html",
    "https://a_b.vn",
]


def _text_reference(html: str) -> str:
    """``html_to_text`` as it was: one ``nh3.clean`` call of its own."""
    stripped = nh3.clean(html, tags=set(), clean_content_tags={"script", "style"})
    return text.normalize(
        stripped.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&#39;", "'").replace("&amp;", "&")
    )  # fmt: skip


def _sanitize_reference(html: str, base_url: str | None) -> str:
    """``sanitize_html`` as it was (below the depth check): one ``nh3.clean`` call."""
    prepared = unicodedata.normalize("NFC", text._CONTROL.sub("", text.repair_mojibake(html)))
    relative = ("rewrite_with_base", base_url) if base_url else "deny"
    return str(nh3.clean(prepared, **text._SANITIZER, url_relative=relative)).strip()


@FAST
@given(html=htmls, base_url=st.sampled_from(_BASES))
@example(html="A<b>\u0303</b>", base_url=None)  # "Ã" once the tag is gone
@example(html="<p>x</p>", base_url="https://xn--zz.vn/bai.html")
@example(html='<a href="/b">x</a>', base_url="https://hnp.example.vn/a/")
@example(html="<img src=x.png>", base_url="https://hnp.example.vn/a/")
@example(html="<A HREF=x.html>x</A>", base_url="https://hnp.example.vn/a/")
@example(html="<p>a\u202eb\x07</p>", base_url=None)
def test_sanitize_html_and_its_text_are_plain_nh3_calls(html: str, base_url: str | None) -> None:
    sanitized = outcome(lambda: sanitize_html(html, base_url=base_url))
    assert sanitized == outcome(lambda: _sanitize_reference(html, base_url))
    assert outcome(lambda: html_to_text(html)) == outcome(lambda: _text_reference(html))


@FAST
@given(html=htmls | texts, base_url=st.sampled_from(_BASES))
@example(html="<p>Hà Nội</p>", base_url="https://hnp.example.vn/a/")
@example(html="dòng một\ndòng hai", base_url=None)
def test_html_that_is_clean_is_sanitized_as_it_is(html: str, base_url: str | None) -> None:
    """The door's ``clean=True`` (``is_clean`` said so) leaves out only work with no effect."""
    if text.is_clean(html, multiline=True):
        told = outcome(lambda: sanitize_html(html, base_url, clean=True))
        assert told == outcome(lambda: sanitize_html(html, base_url))


@FAST
@given(html=htmls, sanitized=st.booleans())
@example(html="A<b>\u0303</b>", sanitized=False)
@example(html="o<i></i>\u0303 là", sanitized=True)
@example(html="<p>a</p>?<p>b</p>", sanitized=True)
@example(html="ao<b>\u0303</b>", sanitized=False)  # "aõ" once the tag is gone: VNI
def test_mojibake_of_html_is_that_of_its_text(html: str, sanitized: bool) -> None:
    if sanitized:
        html = sanitize_html(html)
    assert html_mojibake(html) == mojibake(html_to_text(html))


def _unsafe_reference(html: str) -> bool:
    """What the door warned of before: one pattern of the three."""
    unsafe = r"<\s*(?:script|iframe|object|embed|style)\b|\son[a-z]+\s*=|javascript\s*:"
    return re.search(unsafe, html, re.IGNORECASE) is not None


def _mojibake_reference(found: str) -> tuple[str, str] | None:
    """``mojibake`` without its shortcuts: every kind's pattern in turn."""
    for kind, pattern in text.MOJIBAKE:
        match = pattern.search(found)
        if match:
            start, end = max(0, match.start() - 12), min(len(found), match.end() + 12)
            return kind, found[start:end]
    return None


@FAST
@given(raw=texts | st.text(alphabet=st.characters(max_codepoint=127), max_size=24))
@example(raw="L?y l?i")
@example(raw="a?")
def test_mojibake_is_every_kind_s_pattern_in_turn(raw: str) -> None:
    assert mojibake(raw) == _mojibake_reference(raw)


@FAST
@given(html=htmls)
@example(html="<p onclick=x>")
@example(html="<a href='javascript:x'>")
def test_the_unsafe_html_warning_is_that_of_the_one_pattern(html: str) -> None:
    assert _unsafe_html(html) == _unsafe_reference(html)


# --- URLs ------------------------------------------------------------------------------------

_LABELS = ["hnp", "example", "vn", "xn--h-ni-0na4517b", "HNP", "a_b", "-a", "a-", "1", "hà", ""]
_URL_CHARS = list("aZ09-._~!$&'()*+,;=:@/%?#") + ["%2F", "%2", "%zz", " ", '"', "<", "é", "\\"]
hosts = st.lists(st.sampled_from(_LABELS), min_size=1, max_size=4).map(".".join) | st.sampled_from(
    ["a" * 63 + ".vn", "a" * 64 + ".vn", ".".join(["a" * 63] * 4), "[::1]", "[zz]", "vn."]
)
urls = st.builds(
    lambda scheme, sep, host, port, rest: f"{scheme}{sep}{host}{port}{rest}",
    st.sampled_from(["https", "https", "http", "HTTP", "ftp", ""]),
    st.sampled_from(["://", "://", "://", ":", ""]),
    hosts,
    st.sampled_from(["", "", "", "", ":80", ":", ":080", ":99999", "@x"]),
    st.lists(st.sampled_from(_URL_CHARS), max_size=10).map("".join),
) | st.text(max_size=20)


# The edges of the normal form: an empty query or fragment, a space, a lone "%", a capital
# in the host, a trailing dot, a port, labels of 63 and 64 letters, hosts of 253 and 255.
_URL_EDGES = [
    "https://hnp.example.vn/thoi-su/bai-1.html", "https://a.vn/x?", "https://a.vn/x#",
    "https://a.vn?q=1", "https://a.vn/tin tức", "https://a.vn/a b", "https://a.vn/100%2",
    "https://a.vn/?q=%zz", "https://HNP.vn/", "https://Hnp.vn/", "https://a.vn./",
    "https://a.vn:443/", f"https://{'a' * 63}.vn/", f"https://{'a' * 64}.vn/",
    f"https://{'.'.join(['a' * 63] * 4)}/", f"https://{'.'.join(['a' * 63] * 3 + ['a' * 61])}/",
]  # fmt: skip


# The normal form as it was written first: one character or escape at a time.
_PCHAR = r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})"
_NORMAL_REFERENCE = re.compile(
    r"https?://(?P<host>[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
    r"(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*)"
    rf"(?:/{_PCHAR}*)?(?:\?(?:{_PCHAR}|\?)+)?(?:#(?:{_PCHAR}|\?)+)?"
)


@FAST
@given(raw=urls | st.sampled_from(_URL_EDGES))
def test_the_normal_form_by_runs_is_the_one_by_characters(raw: str) -> None:
    ours, reference = urls_module._NORMAL.fullmatch(raw), _NORMAL_REFERENCE.fullmatch(raw)
    assert (ours and ours["host"]) == (reference and reference["host"])


def _same_normal_url(raw: str, pad: str) -> None:
    given_url = f"{pad}{raw}{pad}"
    assert outcome(lambda: normalize_url(given_url)) == outcome(lambda: _normalize(raw.strip()))


def test_normalize_url_of_the_normal_form_s_edges_is_the_full_work() -> None:
    for raw in _URL_EDGES:
        _same_normal_url(raw, "")


@FAST
@given(raw=urls, pad=st.sampled_from(["", " ", "\t\n"]))
def test_normalize_url_of_a_normal_url_is_the_full_work(raw: str, pad: str) -> None:
    _same_normal_url(raw, pad)


def _same_page_reference(a: str, b: str) -> bool:
    try:
        return urldefrag(a)[0].rstrip("/") == urldefrag(b)[0].rstrip("/")
    except ValueError:
        return a == b


@FAST
@given(a=urls, b=urls | st.sampled_from(["https://a.vn/", "https://a.vn", "https://a.vn/#x"]))
@example(a="https://[zz/#x", b="https://[zz/")
@example(a="https://a.vn/", b="https://a.vn/#x")
def test_same_page_is_urldefrag_s_answer(a: str, b: str) -> None:
    assert same_page(a, b) == _same_page_reference(a, b)


# --- times -----------------------------------------------------------------------------------


def _moment(value: datetime) -> tuple[Any, ...]:
    """Everything a datetime carries: wall time, fold, offset, which tzinfo object."""
    return (value.replace(tzinfo=None), value.fold, value.utcoffset(), id(value.tzinfo))


def _around_the_last_change() -> list[datetime]:
    """Every 20 minutes of the days around 13 June 1975, when the zone last changed."""
    start = datetime(1975, 6, 10)
    return [start + timedelta(minutes=20 * n) for n in range(6 * 72)]


@FAST
@given(naive=st.datetimes(), fold=st.sampled_from([0, 1]))
@example(naive=datetime.max, fold=0)
@example(naive=datetime.min, fold=0)
@example(naive=datetime(1975, 6, 12, 23, 30), fold=0)  # the hour lived twice
@example(naive=datetime(1975, 6, 13, 23, 59, 59, 999999), fold=1)
def test_localize_is_pytz_localize_over_every_date(naive: datetime, fold: int) -> None:
    naive = naive.replace(fold=fold)
    ours = outcome(lambda: _moment(localize(naive)))
    assert ours == outcome(lambda: _moment(LOCAL.localize(naive)))


class _Moment(datetime):
    """A datetime of another class (a database driver's)."""


def test_localize_is_pytz_localize_for_another_class_of_datetime() -> None:
    for naive in (_Moment(2022, 6, 17, 20, 22), _Moment(2022, 6, 17, 20, 22, fold=1)):
        assert _moment(localize(naive)) == _moment(LOCAL.localize(naive)), naive


def test_localize_is_pytz_localize_around_the_last_change() -> None:
    for naive in _around_the_last_change():
        assert _moment(localize(naive)) == _moment(LOCAL.localize(naive)), naive


_ZONES = [
    UTC,
    timezone(timedelta(hours=7)),
    timezone(timedelta(hours=-12)),
    timezone(timedelta(hours=14)),
    pytz.utc,
    LOCAL,  # the zone's first entry, local mean time, as replace(tzinfo=LOCAL) gives
    LOCAL.localize(datetime(1960, 1, 1)).tzinfo,
    LOCAL.localize(datetime(2020, 1, 1)).tzinfo,
    pytz.timezone("Europe/Paris"),
]


@FAST
@given(naive=st.datetimes(), zone=st.sampled_from(_ZONES), fold=st.sampled_from([0, 1]))
@example(naive=datetime.max, zone=timezone(timedelta(hours=-12)), fold=0)
@example(naive=datetime.min, zone=timezone(timedelta(hours=14)), fold=0)
@example(naive=datetime(2020, 1, 1), zone=LOCAL, fold=1)
# to_local's own fast path (a time in the zone's last period), at its edge and across it:
@example(naive=datetime(1975, 6, 13, 16, 0), zone=_ZONES[7], fold=0)
@example(naive=datetime(1975, 6, 13, 15, 59, 59, 999999), zone=_ZONES[7], fold=0)
@example(naive=datetime(1975, 6, 12, 20, 0), zone=_ZONES[7], fold=0)  # before the change
@example(naive=datetime(2020, 1, 1), zone=_ZONES[7], fold=1)
@example(naive=datetime.max, zone=_ZONES[7], fold=0)
def test_to_local_is_astimezone_then_normalize(naive: datetime, zone: Any, fold: int) -> None:
    moment = naive.replace(tzinfo=zone, fold=fold)
    ours = outcome(lambda: _moment(to_local(moment)))
    assert ours == outcome(lambda: _moment(LOCAL.normalize(moment.astimezone(LOCAL))))

"""The one place that cleans Vietnamese text and article HTML.

Vietnamese text arrives in NFD as often as NFC, padded with U+00A0, sometimes with
control characters pasted from word processors and, from the old server, with
mis-decoded runs (``L?y l?i m\ufffd b?o m?t``).  Everything published goes through here.

Mis-decoded text of the common kinds is told apart by the characters it leaves
(``mojibake``): UTF-8 read as Latin-1 or cp1252 (``HÃ\u00a0Ná»\u0099i``) is repaired with
ftfy, which undoes exactly that; text in the legacy TCVN3 (``Hµ Néi``) and VNI
(``Haø Noäi``) font encodings, a ``?`` standing for a letter and U+FFFD cannot be undone
reliably and are refused by the record checks.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

import nh3

# XML 1.0 forbids C0 controls except TAB, LF, CR; we also drop C1 controls and the
# non-characters U+FFFE/U+FFFF, which no reader shows usefully, lone surrogates
# (JSON "\ud800" decodes to one and then cannot be written as UTF-8) and the bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069), which turn a title or
# a byline around in every reader (a "Trojan Source" trick).
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{_CONTROLS}]")
# The spaces folded to one U+0020 (the first), the zero-width characters dropped.
_SPACE_CHARS = " \t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(f"[{_SPACE_CHARS}]+")
_ZERO_WIDTHS = "\u200b\ufeff"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTHS}]")
# "L?y l?i", "b?o m?t": a '?' standing inside a word, between letters, is a character the
# server could not encode.  Real Vietnamese never puts '?' between two letters.
_QUESTION_IN_WORD = re.compile(r"[^\W\d_]\?[^\W\d_]")
# Latin-1 and cp1252 readings of UTF-8 Vietnamese: "Ä‘", "Æ°", "Ã¡", "áº", "á»™"...
# ("Ã" before U+00A0 alone is left out: "NGÃ\u00a0BA" is good Vietnamese; "á»" counts
# before a letter too, for "Ná»i" whose third byte, a C1 control, was dropped.)
_LATIN1_UTF8 = re.compile(
    "(?:Ã[\u0080-\u009f\u00a1-\u00bf]|Ä[\u0080-\u00bf‘ƒ]|Æ[°¡]"
    "|á[º»](?:[\u0080-\u00bf\u0152-\u2122]|[^\\W\\d_]))"
)
# TCVN3 (ABC) puts the toned vowels on Latin-1 signs no Vietnamese text holds:
# "Hµ Néi" (Hà Nội), "®i" (đi), "t\u00adíng" (tướng), and on capitals after a small letter:
# "ViÖt" (Việt), "nhËn" (nhận) -- "Ødegaard" and "KÖLN" are left alone.
_TCVN3_MARKS = "\u00a8\u00ad\u00ae\u00b5\u00b6\u00b8\u00b9\u00bc-\u00be"
_TCVN3_CAPS = "\u00c6\u00cb\u00d6-\u00d8\u00de"
_TCVN3 = re.compile(rf"[^\W\d_][{_TCVN3_MARKS}]|[{_TCVN3_MARKS}][^\W\d_]|[a-z][{_TCVN3_CAPS}]")
# VNI writes the marks as a second Latin-1 letter after the vowel: "Haø Noäi", "Vieät",
# "ngöôøi" -- a vowel followed by one of these is never Vietnamese (nor French or German).
_VNI_MARKS = "\u00f8\u00fb\u00f5\u00ef\u00e4\u00e5"
_VNI = re.compile(f"[aeiouyAEIOUY\u00f4\u00f6][{_VNI_MARKS}]")
# A character every kind below needs: text without one is looked at once, not five times.
_SUSPECTS = f"\ufffd?\u00c3\u00c4\u00c6\u00ba\u00bb{_TCVN3_MARKS}{_TCVN3_CAPS}{_VNI_MARKS}"
_SUSPECT = re.compile(f"[{_SUSPECTS}]")
#: What mis-decoded text looks like, by kind: the first match names the kind refused.
MOJIBAKE: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("U+FFFD", re.compile("\ufffd")),
    ("'?' for a letter", _QUESTION_IN_WORD),
    ("UTF-8 read as Latin-1/cp1252", _LATIN1_UTF8),
    ("TCVN3", _TCVN3),
    ("VNI", _VNI),
)


# What ``clean_text`` would change, but for two spaces, white space at either end and
# line feeds (looked for on their own, faster): a control, bidi or zero-width character,
# any other white space (every ``str.isspace`` character but U+0020 and U+000A is here),
# a character of every run ``repair_mojibake`` repairs (Ã, Ä, Æ, º or »).
_WORK = re.compile(
    f"[{_CONTROLS}{_ZERO_WIDTHS}{_SPACE_CHARS[1:]}\r\u1680\u2028\u2029\u00c3\u00c4\u00c6\u00ba\u00bb]"
)


class CleanText(NamedTuple):
    """Cleaned text, how many control characters were removed from it and whether
    mis-decoded UTF-8 was repaired."""

    text: str
    controls_removed: int = 0
    repaired: bool = False


def clean_text(raw: str, *, multiline: bool = False) -> CleanText:
    """Mojibake of UTF-8 repaired, NFC, U+00A0 and runs of spaces folded to one space,
    control characters (and bidi overrides) removed.

    With ``multiline`` the line breaks are kept (each line folded on its own).
    """
    if is_clean(raw, multiline):
        return CleanText(raw)  # the common case: looked at, nothing to do
    return _clean(raw, multiline)


def is_clean(raw: str, multiline: bool = False) -> bool:
    """``raw`` is what ``clean_text`` makes of it: ``_WORK`` finds nothing, no two spaces,
    nothing to strip, no line feed (but between two lines of text), NFC."""
    if raw.isprintable():  # of _WORK's characters, it can hold only the Latin-1 marks
        if _latin1_mark(raw):  # ... and of white space only U+0020, no line feed
            return False
        if "  " in raw or raw[:1] == " " or raw[-1:] == " ":
            return False
    elif (
        _WORK.search(raw) is not None
        or "  " in raw
        or raw[:1].isspace()
        or raw[-1:].isspace()
        or ("\n" in raw and (not multiline or " \n" in raw or "\n " in raw))
    ):
        return False
    return unicodedata.is_normalized("NFC", raw)


def _clean(raw: str, multiline: bool) -> CleanText:
    """``clean_text`` doing every step."""
    repaired = repair_mojibake(raw)
    text = unicodedata.normalize("NFC", repaired)
    text, removed = _CONTROL.subn("", text)
    text = _ZERO_WIDTH.sub("", text)
    if multiline:
        lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
        text = "\n".join(lines).strip()
    else:
        text = _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()
    return CleanText(text, removed, repaired is not raw)


def normalize(raw: str) -> str:
    """Short form of ``clean_text(raw).text`` for fields where counting does not matter."""
    return clean_text(raw).text


def _latin1_mark(text: str) -> bool:
    """``text`` holds Ã, Ä, Æ, º or »: one of them is in every run ``_LATIN1_UTF8`` finds
    (five substring searches take a tenth of the time of one pattern's)."""
    return (
        "\u00c3" in text
        or "\u00c4" in text
        or "\u00c6" in text
        or "\u00ba" in text
        or "\u00bb" in text
    )


def repair_mojibake(raw: str) -> str:
    """UTF-8 that was read as Latin-1 or cp1252 (``Ná»\u0099i``), read again as UTF-8 by
    ftfy; ``raw`` itself (the same object) when it shows no such run or ftfy cannot undo
    it (the record checks then refuse it)."""
    if not _latin1_mark(raw) or not _LATIN1_UTF8.search(raw):
        return raw
    import ftfy  # 0.05 s to import: only for text that needs it

    fixed = ftfy.fix_encoding(raw)
    return fixed if fixed != raw and not _LATIN1_UTF8.search(fixed) else raw


def mojibake(text: str) -> tuple[str, str] | None:
    """The kind and the first mis-decoded run in ``text`` (with a little context), or None."""
    if "?" not in text if text.isascii() else not _SUSPECT.search(text):
        return None  # "?" is the one character of ASCII that ``_SUSPECT`` holds
    for kind, pattern in MOJIBAKE:
        found = pattern.search(text)
        if found:
            start, end = max(0, found.start() - 12), min(len(text), found.end() + 12)
            return kind, text[start:end]
    return None


# What ``html_to_text`` needs to be read for: a character of ``_SUSPECT`` or a control
# (the parser reads U+0000 as U+FFFD); a combining mark (U+0300-U+036F), which can join
# a letter across a tag into one of them ("A<b>\u0303" is "Ã" as text); an entity other
# than the five the sanitizer writes ("&Atilde;", "&#65533;").  HTML without one has none
# of ``_SUSPECT``'s characters in its text either, so no mojibake.
_TEXT_SUSPECT = re.compile(f"[{_SUSPECTS}{_CONTROLS}\u0300-\u036f]")
_OTHER_ENTITY = re.compile("&(?!(?:amp|lt|gt|quot|nbsp);)")


def html_mojibake(html: str) -> tuple[str, str] | None:
    """``mojibake`` of the visible text of ``html`` (``html_to_text``), parsed only when
    ``html`` holds a character that could make some."""
    if _TEXT_SUSPECT.search(html) is None and ("&" not in html or not _OTHER_ENTITY.search(html)):
        return None
    return mojibake(html_to_text(html))


def find_mojibake(text: str) -> str | None:
    """The first mis-decoded run in ``text`` (any kind of ``MOJIBAKE``), or None."""
    found = mojibake(text)
    return found[1] if found else None


_ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div",
    "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "abbr": {"title"},
}


class HtmlTooDeep(ValueError):
    """Article HTML nested deeper than the limit: refused before the sanitizer, whose time
    grows with the square of the depth (100,000 nested ``<div>``: over a minute)."""


# A start or end tag; void elements and those whose next sibling closes them (``<p>``,
# ``<li>``, ``<td>``...) never nest deeper in an HTML parser, so they are not counted.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)")
_FLAT = frozenset(
    "area base br col embed hr img input link meta source track wbr"
    " p li dt dd tr td th option rp rt thead tbody tfoot colgroup caption".split()
)


def html_depth(html: str) -> int:
    """How deep ``html``'s elements nest, as an HTML parser would build them (closely
    enough to bound it; linear, no parse)."""
    depth = deepest = 0
    for tag in _TAG.finditer(html):
        if tag.group(2).lower() in _FLAT:
            continue
        if tag.group(1):
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def sanitize_html(
    html: str, base_url: str | None = None, *, max_depth: int = 100, clean: bool = False
) -> str:
    """Safe article HTML: no scripts, styles, event handlers or ``javascript:`` URLs;
    relative URLs made absolute against ``base_url`` (dropped when there is none).
    HtmlTooDeep when elements nest deeper than ``max_depth``.  ``clean``: ``html`` is
    known to be ``is_clean(html, multiline=True)`` (no mis-decoded UTF-8, no control
    character, NFC), so none of that is looked for again.

    nh3 (the Rust ``ammonia`` sanitizer) does the work: a well-kept allow-list
    sanitizer is far safer than any hand-written regex or tree walk.
    """
    if html.count("<") > max_depth:  # no more tags, no deeper: not worth measuring
        depth = html_depth(html)
        if depth > max_depth:
            raise HtmlTooDeep(f"elements nested {depth} deep (limit {max_depth})")
    prepared = html if clean else _prepared(html)
    cleaned: str = _sanitizer(prepared, base_url).clean(prepared)
    return cleaned.strip()


def _prepared(html: str) -> str:
    """``html`` with mis-decoded UTF-8 repaired, control characters removed, NFC: text
    that ``is_clean`` needs none of it."""
    repaired = repair_mojibake(html)
    # Every character of _CONTROL is one str.isprintable refuses.
    kept = repaired if repaired.isprintable() else _CONTROL.sub("", repaired)
    return unicodedata.normalize("NFC", kept)


_SANITIZER: dict[str, Any] = {
    "tags": _ALLOWED_TAGS,
    "clean_content_tags": {"script", "style", "iframe", "object", "embed", "noscript"},
    "attributes": _ALLOWED_ATTRIBUTES,
    "url_schemes": {"http", "https", "mailto"},
    "link_rel": None,
}
# An nh3 Cleaner is built once: building one (what every ``nh3.clean`` call does) costs
# several times what cleaning an article's HTML does.
_NO_BASE = nh3.Cleaner(**_SANITIZER, url_relative="deny")
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags={"script", "style"})


def _sanitizer(html: str, base_url: str | None) -> Any:
    """The nh3 Cleaner for ``html`` against ``base_url``: the one without a base when
    ``html`` has no URL to resolve (the same output), once nh3 has taken the base."""
    if not base_url:
        return _NO_BASE
    # The allowed attributes whose URLs nh3 resolves against the base (href, src; cite
    # too), as an HTML parser reads attribute names: ASCII letters in any case, looked for
    # in the UTF-8 bytes with only those made small (``bytes.lower``: a third of
    # ``str.lower``'s work on Vietnamese; no other character turns into one of them).
    lowered = html.encode("utf-8", "surrogatepass").lower()
    names_url = b"href" in lowered or b"src" in lowered or b"cite" in lowered
    if not names_url and _takes_base(_origin(base_url)):
        return _NO_BASE
    # One of its own (this one raises nh3's ValueError for a base it cannot parse).
    return nh3.Cleaner(**_SANITIZER, url_relative=("rewrite_with_base", base_url))


# What ends the host and port of a URL: a path, query or fragment.
_AFTER_HOST = re.compile("[/?#]")


def _origin(url: str) -> str:
    """``scheme://host:port`` of a URL in ``urls.normalize_url``'s form: all of it that
    nh3 can refuse as a base (a path, query or fragment is percent-encoded, never wrong)."""
    scheme, sep, rest = url.partition("://")
    return f"{scheme}{sep}{_AFTER_HOST.split(rest, 1)[0]}"


@lru_cache(maxsize=1024)
def _takes_base(origin: str) -> bool:
    """nh3 parses ``origin`` as a base URL (no invalid IDN label or IPv4 address)."""
    try:
        nh3.Cleaner(tags=set(), url_relative=("rewrite_with_base", f"{origin}/"))
    except ValueError:
        return False
    return True


def html_to_text(html: str) -> str:
    """The visible text of an HTML fragment, folded (for titles and length checks)."""
    stripped = _TEXT_ONLY.clean(html)
    return normalize(
        stripped.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&#39;", "'").replace("&amp;", "&")
    )  # fmt: skip


def escape_html(text: str) -> str:
    """Text made safe to place inside HTML."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )

"""The one place that cleans Vietnamese text and article HTML.

Vietnamese text arrives in NFD as often as NFC, padded with U+00A0, sometimes with
control characters pasted from word processors and, from the old server, with
mis-decoded runs (``L?y l?i m\ufffd b?o m?t``).  Everything published goes through here.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import nh3

# XML 1.0 forbids C0 controls except TAB, LF, CR; we also drop C1 controls and the
# non-characters U+FFFE/U+FFFF, which no reader shows usefully, and lone surrogates
# (JSON "\ud800" decodes to one and then cannot be written as UTF-8).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile("[\u200b\ufeff]")
# "L?y l?i", "b?o m?t": a '?' standing inside a word, between letters, is a character the
# server could not encode.  Real Vietnamese never puts '?' between two letters.
_QUESTION_IN_WORD = re.compile(r"[^\W\d_]\?[^\W\d_]")
# Latin-1 readings of UTF-8 Vietnamese: "Ä‘", "Æ°", "Ã¡", "áº"...
_LATIN1_UTF8 = re.compile("(?:Ã[\u0080-\u00bf]|Ä[\u0080-\u00bf‘]|Æ[°¡]|á[º»][\u0080-\u00bf])")


@dataclass(frozen=True)
class CleanText:
    """Cleaned text and how many control characters were removed from it."""

    text: str
    controls_removed: int = 0


def clean_text(raw: str, *, multiline: bool = False) -> CleanText:
    """NFC, U+00A0 and runs of spaces folded to one space, control characters removed.

    With ``multiline`` the line breaks are kept (each line folded on its own).
    """
    text = unicodedata.normalize("NFC", raw)
    text, removed = _CONTROL.subn("", text)
    text = _ZERO_WIDTH.sub("", text)
    if multiline:
        lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
        text = "\n".join(lines).strip()
    else:
        text = _SPACES.sub(" ", text.replace("\r", " ").replace("\n", " ")).strip()
    return CleanText(text, removed)


def normalize(raw: str) -> str:
    """Short form of ``clean_text(raw).text`` for fields where counting does not matter."""
    return clean_text(raw).text


def find_mojibake(text: str) -> str | None:
    """The first mis-decoded run in ``text`` (U+FFFD, ``L?y``-style, Latin-1 of UTF-8), or None."""
    for pattern in (re.compile("\ufffd"), _QUESTION_IN_WORD, _LATIN1_UTF8):
        found = pattern.search(text)
        if found:
            start, end = max(0, found.start() - 12), min(len(text), found.end() + 12)
            return text[start:end]
    return None


def slugify(name: str) -> str:
    """ASCII slug: Vietnamese diacritics dropped, đ/Đ -> d, words joined by '-'.

    >>> slugify("Thời sự - Chính trị")
    'thoi-su-chinh-tri'
    """
    text = unicodedata.normalize("NFC", name).replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in text if not unicodedata.combining(c)).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.decode("ascii").lower()).strip("-")


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


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """Safe article HTML: no scripts, styles, event handlers or ``javascript:`` URLs;
    relative URLs made absolute against ``base_url`` (dropped when there is none).

    nh3 (the Rust ``ammonia`` sanitizer) does the work: a well-kept allow-list
    sanitizer is far safer than any hand-written regex or tree walk.
    """
    cleaned = nh3.clean(
        unicodedata.normalize("NFC", _CONTROL.sub("", html)),
        tags=_ALLOWED_TAGS,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "noscript"},
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        url_relative=("rewrite_with_base", base_url) if base_url else "deny",
    )
    return cleaned.strip()


def html_to_text(html: str) -> str:
    """The visible text of an HTML fragment, folded (for titles and length checks)."""
    stripped = nh3.clean(html, tags=set(), clean_content_tags={"script", "style"})
    return normalize(
        stripped.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&#39;", "'").replace("&amp;", "&")
    )  # fmt: skip


def escape_html(text: str) -> str:
    """Text made safe to place inside HTML."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


_QUOTES_AND_DASHES = str.maketrans(
    {
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    }
)  # fmt: skip


def title_key(title: str) -> str:
    """A title as a listed related post is matched by: NFC, case folded, quote and dash
    variants made one, runs of spaces (NBSP included) made one."""
    folded = unicodedata.normalize("NFC", title).casefold().translate(_QUOTES_AND_DASHES)
    return " ".join(folded.split())

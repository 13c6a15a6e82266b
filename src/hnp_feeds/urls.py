"""The one rule for the URLs a record brings (its own, related posts', its image's).

A URL is parsed with the standard library's RFC 3986 parser, then either written in the
form every later stage accepts -- ASCII only, what may be percent-encoded percent-encoded
(spaces, quotes, ``<``, non-ASCII path), an IDN host in punycode (the ``idna`` package,
UTS #46) -- or refused with the reason: another scheme than http(s), no host, a bad IPv6
literal or port, a user name or password, control characters.  A URL that is already in
that form comes back unchanged, so normalising is idempotent.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, urldefrag, urlsplit, urlunsplit

import idna

# What stays as it is in each part (RFC 3986 pchar, plus "/" and "?" where allowed);
# "%" stays where it starts an escape and is itself escaped where it does not.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = _PATH_SAFE + "?"
_LONE_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST_LABEL = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$")
# C0 and C1 controls, DEL, lone surrogates, bidi overrides: never part of a URL.
_FORBIDDEN = re.compile("[\x00-\x20\x7f-\x9f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


# A URL already in the normal form (what ``normalize_url`` gives back unchanged): http(s),
# a host of lower-case labels, no port, no user; path, query and fragment of characters
# that stay as they are, each "%" starting an escape, no empty "?" or "#".  Each part is
# runs of those characters between escapes, taken whole (``*+``: nothing to backtrack
# into, as none of them is "%", and the path's none of "?#"): a third of the steps of one
# character or escape at a time.
_KEPT = r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]"
_KEPT_Q = r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]"
_ESCAPE = r"%[0-9A-Fa-f]{2}"
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_AFTER_SIGN = rf"(?:{_KEPT_Q}|{_ESCAPE}){_KEPT_Q}*+(?:{_ESCAPE}{_KEPT_Q}*+)*+"
_NORMAL = re.compile(
    rf"https?://(?P<host>{_LABEL}(?:\.{_LABEL})*+)"
    rf"(?:/{_KEPT}*+(?:{_ESCAPE}{_KEPT}*+)*+)?(?:\?{_AFTER_SIGN})?(?:#{_AFTER_SIGN})?"
)


class BadUrl(ValueError):
    """A URL that cannot be published; the message says why in the editors' terms."""


def normalize_url(raw: str) -> str:
    """``raw`` as an absolute http(s) URL in ASCII, or BadUrl naming the fault.

    >>> normalize_url("https://Hà-Nội.vn/tin tức/a.html?q=\\"x\\"")
    'https://xn--h-ni-0na4517b.vn/tin%20t%E1%BB%A9c/a.html?q=%22x%22'
    """
    text = raw.strip()
    normal = _NORMAL.fullmatch(text)
    if normal is not None and len(normal["host"]) <= 253:
        return text  # the common case: one look, nothing to parse
    return _normalize(text)


def _normalize(text: str) -> str:
    """``normalize_url`` of a stripped ``text``, parsed."""
    inner = _FORBIDDEN.search(text.replace(" ", "%20"))
    if inner is not None:
        raise BadUrl(f"holds the control character U+{ord(inner.group()):04X}")
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", ...
        raise BadUrl(f"is not a URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        if not scheme and not parts.netloc:
            raise BadUrl("is relative: it must be an absolute http(s) URL")
        raise BadUrl("is not an absolute http(s) URL")
    if not hostname:
        raise BadUrl("has no host")
    if parts.username is not None or parts.password is not None:
        raise BadUrl("carries a user name or password")
    netloc = _host(hostname) + (f":{port}" if port is not None else "")
    return urlunsplit(
        (
            scheme,
            netloc,
            _encode(parts.path, _PATH_SAFE),
            _encode(parts.query, _QUERY_SAFE),
            _encode(parts.fragment, _QUERY_SAFE),
        )
    )


def _encode(part: str, safe: str) -> str:
    return quote(_LONE_PERCENT.sub("%25", part), safe=safe, encoding="utf-8")


def _host(hostname: str) -> str:
    """The host as written in a URL: an IP literal checked, a name in punycode."""
    if ":" in hostname:
        try:
            return f"[{ipaddress.IPv6Address(hostname.split('%')[0]).compressed}]"
        except ValueError:
            raise BadUrl(f"has a bad IPv6 address [{hostname}]") from None
    name = hostname.rstrip(".")
    if not name.isascii():
        try:
            name = idna.encode(name, uts46=True).decode("ascii")
        except idna.IDNAError as exc:
            raise BadUrl(f"has a host that is not a valid domain name ({exc})") from None
    labels = name.lower().split(".")
    if len(name) > 253 or not all(len(part) <= 63 and _HOST_LABEL.match(part) for part in labels):
        raise BadUrl(f"has a host that is not a valid domain name ({hostname!r})")
    return ".".join(labels)


def same_page(a: str, b: str) -> bool:
    """Two URLs of one page: the same but for a fragment or a trailing slash (a string that
    is no URL, such as a bad IPv6 literal, is the same page only as itself)."""
    if "#" not in a and "#" not in b:  # urldefrag gives either back as it is
        return a.rstrip("/") == b.rstrip("/")
    try:
        return urldefrag(a)[0].rstrip("/") == urldefrag(b)[0].rstrip("/")
    except ValueError:
        return a == b

"""The one library of value checks for Atom, RSS, JSON Feed and every extension: dates
(RFC 3339, RFC 822, W3C-DTF), URIs and IRIs (one IANA scheme list, tag: URIs, URNs, the
RFC 3986 normal form), e-mail addresses, language tags, MIME types and integers.  As in
the W3C validator's ``validators.py``, two formats can never disagree on what a URI is.

``parse_*`` / ``is_*`` are pure.  Each ``check_*`` takes the report and where the value
stands (``element``, ``parent``, ``attr``, ``line``... passed on as message params), logs
the W3C-named messages itself and returns whether the value is acceptable (or what it
denotes).  Callers give the value as the format has it: RSS and extension element text
stripped, Atom's exact (it reports surrounding whitespace itself).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache, update_wrapper
from hashlib import blake2b
from typing import Final, Generic, NamedTuple, TypedDict, TypeVar, Unpack, cast
from urllib.parse import quote, unquote, urljoin

from .report import Level, Report

Param = str | int | None
T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class Where(TypedDict, total=False):
    """Where a value stands, as message params (the W3C validator's names)."""

    element: str | None
    parent: str | None
    attr: str | None
    line: int | None
    column: int | None
    path: str


class remembered(Generic[T]):  # noqa: N801 - a decorator, named like functools'
    """A pure function of one string, its results remembered for short values: a feed
    repeats its dates, ids, types and URLs (issue 14).  Long values, rare and perhaps
    hostile, are never kept; ``cache_clear`` empties the memo."""

    def __init__(self, function: Callable[[str], T]) -> None:
        self._function = function
        self._cached = lru_cache(maxsize=MEMO_SIZE)(function)
        update_wrapper(self, function)

    def __call__(self, value: str) -> T:
        if len(value) > MEMO_MAX_CHARS:
            return self._function(value)
        return self._cached(value)

    def cache_clear(self) -> None:
        self._cached.cache_clear()


#: How many values a memo keeps, and the longest value it keeps.
MEMO_SIZE = 4096
MEMO_MAX_CHARS = 300


class Verdicts(Generic[K, V]):
    """What checks found of values (clean, or what they denote) kept across documents:
    a publish checks an article's HTML in its Atom, RSS and JSON Feed forms, and a
    related post's link in many entries, documents apart (issue 14).  At most ``size``
    are kept (the oldest dropped first); ``cache_clear`` empties it.  A long value is
    kept by its ``digest``: BLAKE2b of 128 bits, which no two values met in a process
    share but by a break of the hash."""

    def __init__(self, size: int = 1 << 15) -> None:
        self.size = size
        self._kept: dict[K, V] = {}

    @staticmethod
    def digest(value: bytes, kind: bytes = b"") -> bytes:
        """The key standing for ``value`` (``kind``: what else the verdict depends on)."""
        return blake2b(value, digest_size=16, person=kind).digest()

    def get(self, key: K) -> V | None:
        return self._kept.get(key)

    def keep(self, key: K, verdict: V) -> None:
        kept = self._kept
        if len(kept) >= self.size:
            del kept[next(iter(kept))]
        kept[key] = verdict

    def cache_clear(self) -> None:
        self._kept.clear()


def words(text: str) -> frozenset[str]:
    """A set from a whitespace-separated word list."""
    return frozenset(text.split())


def log(report: Report, level: Level, code: str, where: Where, **detail: Param) -> None:
    """One message: where it stands, then what was found (a value shown up to 200 chars)."""
    params = cast(dict[str, Param], {**where, **detail})
    value = params.get("value")
    if isinstance(value, str) and len(value) > 200:
        params["value"] = value[:200]
    getattr(report, level)(code, **params)


# --------------------------------------------------------------------------- dates

# RFC 3339 section 5.6 date-time; only the fraction is optional.
_RFC3339_RE = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-](\d\d):(\d\d))$"
)
# W3C-DTF (a profile of ISO 8601): year, year-month, date, or date-time with a zone.
_W3CDTF_RE = re.compile(
    r"^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?"
    r"(Z|[+-]\d\d:\d\d))?)?)?$"
)
# ISO 8601 as feeds use it (event dates): like W3C-DTF but the zone is optional.
_ISO8601_RE = re.compile(
    r"^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(\.\d+)?)?"
    r"(Z|[+-]\d\d:\d\d)?)?)?)?$"
)
# Before this, a feed date is almost certainly a typo (the W3C validator's bound).
PLAUSIBLE_SINCE = datetime(1990, 1, 1, tzinfo=UTC)


def _fields_ok(
    year: str,
    month: str | None,
    day: str | None,
    hour: str | None,
    minute: str | None,
    second: str | None,
) -> bool:
    try:
        if month is not None:
            if day is not None:
                date(int(year), int(month), int(day))
            elif not 1 <= int(month) <= 12:
                return False
    except ValueError:
        return False
    if hour is not None and int(hour) > 23:
        return False
    if minute is not None and int(minute) > 59:
        return False
    return second is None or int(second) <= 60  # 60: a leap second


def _zone(text: str | None) -> timezone | None:
    """``Z``, ``+07:00``, ``-0330`` as a tzinfo; None for no zone or an impossible one."""
    if not text:
        return None
    if text == "Z":
        return UTC
    hours, minutes = int(text[1:3]), int(text[-2:])
    if hours > 23 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes)
    return timezone(-offset if text[0] == "-" else offset)


def _instant(
    fields: tuple[str | None, ...], fraction: str | None, zone: timezone | None
) -> datetime | None:
    """The datetime of validated fields (missing ones at their first value; naive
    without a zone), or None for what a datetime cannot hold (year 0)."""
    year, month, day, hour, minute, second = (int(f) if f else None for f in fields)
    micro = int((fraction or ".0")[1:7].ljust(6, "0"))
    try:
        return datetime(
            year or 0,
            month or 1,
            day or 1,
            hour or 0,
            minute or 0,
            min(second or 0, 59),
            micro,
            tzinfo=zone,
        )
    except ValueError:
        return None


@remembered
def parse_rfc3339(value: str) -> datetime | None:
    """The aware datetime an RFC 3339 date-time denotes, or None when it is not one (a
    leap second is read as :59).  Remembered: an entry's ``updated`` is most often its
    ``published``, and the portal's policy reads both again."""
    m = _RFC3339_RE.match(value)
    if not m:
        return None
    try:  # the form is RFC 3339's: the standard library reads it (and the calendar) fast
        return datetime.fromisoformat(value)
    except ValueError:
        if m.group(6) != "60":
            return None
    try:
        return datetime.fromisoformat(f"{value[:17]}59{value[19:]}")
    except ValueError:
        return None


def is_rfc3339(value: str) -> bool:
    """Is ``value`` an RFC 3339 date-time (``2022-06-17T20:22:00+07:00``)?"""
    return parse_rfc3339(value) is not None


def parse_w3cdtf(value: str, *, zone_required: bool = True) -> datetime | None:
    """The instant a W3C-DTF date denotes (``2022``, ``2022-06``, ``2022-06-17T20:22+07:00``),
    naive when it names no zone (a date); None when it is not one.  With
    ``zone_required=False`` the looser ISO 8601 form (a time without a zone) is read too."""
    m = (_W3CDTF_RE if zone_required else _ISO8601_RE).match(value)
    if not m or not _fields_ok(*m.groups()[:6]):
        return None
    zone = _zone(m.group(8))
    if m.group(8) and zone is None:
        return None
    return _instant(m.groups()[:6], m.group(7), zone)


def is_w3cdtf(value: str, *, zone_required: bool = True) -> bool:
    """Is ``value`` a W3C-DTF date (or, without ``zone_required``, ISO 8601 as feeds use it)?"""
    return parse_w3cdtf(value, zone_required=zone_required) is not None


def is_implausible(when: datetime, now: datetime | None = None) -> bool:
    """Before 1990 or more than ten minutes in the future: most likely a typo.  A date
    without a zone is taken as UTC."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when < PLAUSIBLE_SINCE:
        return True
    return when > (now or datetime.now(UTC)) + _TEN_MINUTES


_TEN_MINUTES = timedelta(minutes=10)


def check_date_rfc3339(
    report: Report, value: str, *, bounded: bool = True, **where: Unpack[Where]
) -> datetime | None:
    """InvalidRFC3339Date, or ImplausibleDate (unless not ``bounded``: dates of things to
    come); the date when it is one."""
    when = parse_rfc3339(value)
    if when is None:
        log(report, "error", "InvalidRFC3339Date", where, value=value)
    elif bounded and is_implausible(when):
        log(report, "warning", "ImplausibleDate", where, value=value)
    return when


def check_date_w3cdtf(
    report: Report,
    value: str,
    *,
    zone_required: bool = True,
    bounded: bool = True,
    code: str = "InvalidW3CDTFDate",
    **where: Unpack[Where],
) -> datetime | None:
    """``code`` (InvalidW3CDTFDate) for a value that is not W3C-DTF (ISO 8601 without
    ``zone_required``), or ImplausibleDate as for RFC 3339; the date when it is one."""
    when = parse_w3cdtf(value, zone_required=zone_required)
    if when is None:
        log(report, "error", code, where, value=value)
    elif bounded and is_implausible(when):
        log(report, "warning", "ImplausibleDate", where, value=value)
    return when


# RFC 822 dates (RSS 2.0 "Date and time", with RFC 2822 section 3.3)

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MONTHS: Final = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ZONES: Final = {"UT", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT"}
_ZONE_OFFSETS: Final = {
    "EST": -300,
    "EDT": -240,
    "CST": -360,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
}

_STRICT_822 = re.compile(
    r"^(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
    r"(\d\d):(\d\d)(?::(\d\d))? ([+-]\d{4}|UT|GMT|Z|[ECMP][SD]T)$"
)
_LOOSE_822 = re.compile(
    r"^(?:([A-Za-z]{3})\s*,\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{2}|\d{4})\s+"
    r"(\d\d):(\d\d)(?::(\d\d))?\s*([+-]\d{4}|[A-Za-z]{1,3})$"
)


def _strip_comments(value: str) -> str:
    """RFC 2822 comments (nested, with quoted-pairs) replaced by a space."""
    out: list[str] = []
    depth = 0
    escaped = False
    for char in value:
        if escaped:
            escaped = False
            continue
        if char == "\\" and depth:
            escaped = True
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
            if not depth:
                out.append(" ")
        elif not depth:
            out.append(char)
    return "".join(out)


@remembered
def parse_rfc822(value: str) -> tuple[str | None, datetime | None]:
    """(fault, instant): the fault None for a good date, else InvalidRFC2822Date,
    IncorrectDOW or ProblematicalRFC822Date (obsolete syntax, still read); the instant
    when the date could be read, its offset kept."""
    value = value.strip()
    match = _STRICT_822.match(value)
    problematic = False
    if match is None:
        match = _LOOSE_822.match(_strip_comments(value).strip())
        if match is None:
            return "InvalidRFC2822Date", None
        problematic = True
    dow, day, month, year, hour, minute, second, zone = match.groups()
    if month.lower() not in MONTHS or (dow is not None and dow.lower() not in DAYS):
        return "InvalidRFC2822Date", None
    full_year = int(year)
    if len(year) == 2:
        full_year += 1900 if full_year >= 50 else 2000
    try:
        when = date(full_year, MONTHS.index(month.lower()) + 1, int(day))
    except ValueError:
        return "InvalidRFC2822Date", None
    if int(hour) > 23 or int(minute) > 59 or int(second or 0) > 60:
        return "InvalidRFC2822Date", None
    offset = 0
    if zone[0] in "+-":
        if int(zone[3:]) > 59:
            return "InvalidRFC2822Date", None
        if zone[3:] not in ("00", "30", "45"):
            problematic = True
        offset = (int(zone[1:3]) * 60 + int(zone[3:])) * (-1 if zone[0] == "-" else 1)
    elif zone.upper() not in _ZONES and not (len(zone) == 1 and zone.upper() != "J"):
        return "InvalidRFC2822Date", None
    else:
        offset = _ZONE_OFFSETS.get(zone.upper(), 0)
        problematic |= zone not in _ZONES
    if dow is not None and DAYS[when.weekday()] != dow.lower():
        return "IncorrectDOW", None
    instant = datetime(
        when.year,
        when.month,
        when.day,
        int(hour),
        int(minute),
        min(int(second or 0), 59),
        tzinfo=timezone(timedelta(minutes=offset)),
    )
    return ("ProblematicalRFC822Date" if problematic else None), instant


def check_date_rfc822(report: Report, value: str, **where: Unpack[Where]) -> datetime | None:
    """InvalidRFC2822Date, IncorrectDOW, ProblematicalRFC822Date (obsolete syntax a reader
    may misread) or ImplausibleDate; the instant when the date could be read."""
    value = value.strip()
    fault, when = parse_rfc822(value)
    if fault is not None:
        level: Level = "warning" if fault == "ProblematicalRFC822Date" else "error"
        log(report, level, fault, where, value=value)
    if when is not None and is_implausible(when):
        log(report, "warning", "ImplausibleDate", where, value=value)
    return when


# --------------------------------------------------------------------------- URIs and IRIs

# Characters RFC 3986 allows in a URI reference (besides non-ASCII ones in an IRI).
_URI_CHARS = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ;/?:@&=+$.-_!~*'()%,#[]"
)
_SCHEME_RE = re.compile(r"^[a-zA-Z][0-9a-zA-Z+.\-]*:")
_URI_RE = re.compile(r"^(?:[a-zA-Z][0-9a-zA-Z+.\-]*:)?(?://)?(?:\[[0-9A-Fa-f:.]+\])?[^\[\]]*$")
_FULL_URI_RE = re.compile(r"^[a-zA-Z][0-9a-zA-Z+.\-]*:(?://)?(?:\[[0-9A-Fa-f:.]+\])?[^\[\]]+$")
_HIERARCHICAL_RE = re.compile(r"^[a-zA-Z][0-9a-zA-Z+.\-]*://[^/?#]")
_BAD_PERCENT_RE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TAG_RE = re.compile(
    r"^tag:(?:[a-z0-9\-._]+?@)?[a-z0-9.\-]+?,\d{4}(?:-\d{2}(?:-\d{2})?)?:"
    r"[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,]*(?:#[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,]*)?$"
)
_TAG_DATE_RE = re.compile(r",(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?:")
# RFC 8141 namespace-specific string: the part of a URN after its NID (FeedSync ids too).
_NSS = r"(?:[A-Za-z0-9()+,\-.:=@;$_!*'/?#]|%[0-9A-Fa-f]{2})+"
_NSS_RE = re.compile(rf"^{_NSS}$")
_URN_RE = re.compile(rf"^urn:[a-z0-9][a-z0-9-]{{1,31}}:{_NSS}$", re.I)
_UUID_RE = re.compile(
    r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I
)

#: IANA URI schemes (RFC 7595 registry, permanent and provisional) a feed may carry
IANA_SCHEMES: Final = words(
    """aaa aaas about acap acct afs bitcoin cap cid coap coaps crid data dav dict dns dtn
    example fax file ftp geo go gopher h323 http https iax icap im imap info ipp iris
    iris.beep iris.lwz iris.xpc iris.xpcs jabber ldap magnet mailto market mid modem msrp
    msrps mtqp mupdate news nfs ni nih nntp opaquelocktoken pop pres prospero reload rsync
    rtsp rtsps service session shttp sieve sip sips skype sms snmp soap.beep soap.beeps
    spotify ssh svn tag tel telnet tftp thismessage tip tn3270 turn turns tv urn vemmi vnc
    wais webcal ws wss xcon xcon-userid xmlrpc.beep xmlrpc.beeps xmpp z39.50r z39.50s"""
)


@remembered
def is_tag_uri(value: str) -> bool:
    """RFC 4151 ``tag:authority,date:specific`` with a real calendar date."""
    if not _TAG_RE.match(value):
        return False
    m = _TAG_DATE_RE.search(value)
    if m is None:
        return False
    year, month, day = m.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return False
    return True


def is_nss(value: str) -> bool:
    """Is ``value`` a URN's namespace-specific string (RFC 8141)?"""
    return _NSS_RE.match(value) is not None


def is_absolute(value: str) -> bool:
    """Does the reference carry its own scheme?"""
    return _SCHEME_RE.match(value) is not None


def first_bad_uri_char(value: str, *, iri: bool = True) -> str | None:
    """The first character a URI (or, with ``iri``, an IRI) may not contain, if any: one
    outside ``_URI_CHARS``, where an IRI also allows U+00A0 and above but for spaces."""
    found = (_BAD_IRI_CHAR if iri else _BAD_URI_CHAR).search(value)
    return found.group() if found is not None else None


def _class_of(characters: Iterable[str]) -> str:
    """A character class of ``characters``, escaped."""
    return "[" + "".join(re.escape(c) for c in sorted(characters)) + "]"


# The classes below name what they match below U+00A0 rather than exclude a range up to
# U+10FFFF: a class like ``[^...\u00a0-\U0010ffff]`` costs re ~20 ms to compile (it walks
# the whole range), at every start of a run that validates (the same characters either way:
# tests/test_validator_values.py).
_BAD_URI_CHAR = re.compile("[^" + "".join(re.escape(c) for c in sorted(_URI_CHARS)) + "]")
#: Below U+00A0 what is not a URI character; from U+00A0 on, spaces.
_BAD_IRI_CHAR = re.compile(
    _class_of(chr(c) for c in range(0xA0) if chr(c) not in _URI_CHARS) + r"|(?![\x00-\x9f])\s"
)
# An absolute http(s) URL with a host, and nothing urllib would rewrite or refuse in it
# (no query, fragment, params, brackets, spaces or controls; a host of printable ASCII):
# it resolves to itself against any base, and is a link to a web page as it stands.
_HOST_CHAR = _class_of(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "/?#;[]")
_PLAIN_HTTP_URL = re.compile(rf"https?://{_HOST_CHAR}+(?:/[^?#;\[\]\x00-\x20\x7f]*)?")


# An http(s) URL _uri_fault finds nothing in, whatever it is asked: a host, of URI
# characters but "/?#[]%", then a path of URI characters but "[]%" (every one in every
# form, no percent sign that might encode nothing, no IPv6 literal, a scheme IANA knows).
_CLEAN_HTTP_URL = re.compile(
    r"https?://[0-9A-Za-z;:@&=+$.\-_!~*'(),]+(?:/[0-9A-Za-z;/?:@&=+$.\-_!~*'(),#]*)?"
)


def is_clean_http_url(value: str) -> bool:
    """Is ``value`` such a URL (``_CLEAN_HTTP_URL``): one ``uri_fault`` finds nothing in?"""
    return _CLEAN_HTTP_URL.fullmatch(value) is not None


def is_plain_http_url(value: str) -> bool:
    """Is ``value`` such a URL (``_PLAIN_HTTP_URL``)?"""
    return _PLAIN_HTTP_URL.fullmatch(value) is not None


class Fault(NamedTuple):
    """What is wrong with a value: the message's level and W3C code, and params of its own
    (``value`` when it is not the whole value, ``char`` ...)."""

    level: Level
    code: str
    detail: Mapping[str, str] = {}


def uri_fault(
    value: str, *, iri: bool = True, full: bool = False, error: str | None = None
) -> Fault | None:
    """``_uri_fault``, remembered for short values: a feed repeats its URLs (an entry's
    link is another's related link, in Atom and RSS alike; issue 14).  A clean http(s)
    URL (``_CLEAN_HTTP_URL``, most of a feed's) has none, without looking further."""
    if _CLEAN_HTTP_URL.fullmatch(value) is not None:
        return None
    if len(value) > MEMO_MAX_CHARS:
        return _uri_fault(value, iri, full, error)
    return _remembered_uri_fault(value, iri, full, error)


def _uri_fault(value: str, iri: bool, full: bool, error: str | None) -> Fault | None:
    """Why ``value`` is not a URI reference (an IRI unless ``iri=False``: RSS URLs and the
    extensions' are URIs; absolute when ``full``), or None: InvalidTAG, InvalidURN,
    InvalidUUID, InvalidUriChar (also for a ``%`` that encodes nothing),
    SchemeNotIANARegistered (a warning, value the scheme), or for any other malformed
    value ``error``: the code the place has in the W3C validator (InvalidURLAttribute,
    InvalidURI...), by default InvalidFullLink when ``full``, else InvalidIRI /
    InvalidLink, and UriNotIri for non-ASCII in a URI."""
    code = error or ("InvalidFullLink" if full else ("InvalidIRI" if iri else "InvalidLink"))
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme == "tag":
        return None if is_tag_uri(value) else Fault("error", "InvalidTAG")
    if scheme == "urn":
        if value.lower().startswith("urn:uuid:") and not _UUID_RE.match(value):
            return Fault("error", "InvalidUUID")
        return None if _URN_RE.match(value) else Fault("error", "InvalidURN")
    bad = first_bad_uri_char(value, iri=iri)
    if bad is not None:
        if ord(bad) < 0x80:
            return Fault("error", "InvalidUriChar", {"char": repr(bad)})
        return Fault("error", code if iri or error else "UriNotIri")
    if "%" in value and _BAD_PERCENT_RE.search(value):
        return Fault("error", "InvalidUriChar", {"char": repr("%")})
    if not (_FULL_URI_RE if full else _URI_RE).match(value) or (
        scheme in ("http", "https", "ftp") and not _HIERARCHICAL_RE.match(value)
    ):
        return Fault("error", code)
    if scheme and scheme.isalpha() and scheme not in IANA_SCHEMES:
        return Fault("warning", "SchemeNotIANARegistered", {"value": scheme})
    return None


_remembered_uri_fault = lru_cache(maxsize=MEMO_SIZE)(_uri_fault)


def check_uri(
    report: Report,
    value: str,
    *,
    iri: bool = True,
    full: bool = False,
    error: str | None = None,
    **where: Unpack[Where],
) -> bool:
    """Log ``uri_fault``'s message for ``value``, if any; True when there is none."""
    fault = uri_fault(value, iri=iri, full=full, error=error)
    if fault is None:
        return True
    log(report, fault.level, fault.code, where, **{"value": value, **fault.detail})
    return False


def resolve(base: str | None, ref: str, *, clean: bool = False) -> str:
    """``ref`` resolved against ``base`` (``xml:base`` chain or the document's URL).
    ``clean``: ``is_clean_http_url(ref)`` is known to hold; such a URL is a plain one
    (``_PLAIN_HTTP_URL``, which resolves to itself) exactly when it has no ";", "?" or
    "#" (the plain pattern allows every other character of the clean one where it stands
    and none of those three anywhere): three looks instead of a pattern."""
    if not base:
        return ref
    if clean:
        if ";" not in ref and "?" not in ref and "#" not in ref:
            return ref
    elif is_plain_http_url(ref):
        return ref
    if len(base) + len(ref) > 2 * MEMO_MAX_CHARS:
        return _join(base, ref)
    return _remembered_join(base, ref)


def _join(base: str, ref: str) -> str:
    try:
        return urljoin(base, ref)
    except ValueError:
        return ref


# A document resolves its few bases against the same references again and again (its
# links, an entry's in Atom and RSS alike; issue 14).
_remembered_join = lru_cache(maxsize=MEMO_SIZE)(_join)


_DEFAULT_PORTS = {
    "ftp": 21,
    "telnet": 23,
    "http": 80,
    "https": 443,
    "gopher": 70,
    "news": 119,
    "nntp": 119,
}
_URI_PARTS_RE = re.compile(r"^(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$")
_UNRESERVED = "-._~"
_SUBDELIMS = "!$&'()*+,;="
_PCHAR_SAFE = _UNRESERVED + _SUBDELIMS + ":@"


def _norm_component(part: str, safe: str) -> str:
    """Percent-encodings upper-cased, needless ones (unreserved chars) decoded."""
    if _kept_as_is(safe).fullmatch(part) is not None:  # most: nothing to change
        return part
    return _normalized(part, safe)


def _normalized(part: str, safe: str) -> str:
    """``_norm_component`` char by char."""
    out: list[str] = []
    i = 0
    while i < len(part):
        c = part[i]
        if c == "%" and re.match(r"[0-9a-fA-F]{2}", part[i + 1 : i + 3]):
            ch = chr(int(part[i + 1 : i + 3], 16))
            if ch.isascii() and (ch.isalnum() or ch in _UNRESERVED):
                out.append(ch)
            else:
                out.append("%" + part[i + 1 : i + 3].upper())
            i += 3
            continue
        if c.isascii() and (c.isalnum() or c in safe or c == "%"):
            out.append(c)
        else:
            out.append(quote(c, safe=""))
        i += 1
    return "".join(out)


@lru_cache(maxsize=8)
def _kept_as_is(safe: str) -> re.Pattern[str]:
    """What ``_norm_component`` gives back unchanged, char by char: ASCII letters and
    digits and the ``safe`` ones, no "%" (the few ``safe`` sets it is called with)."""
    return re.compile("[A-Za-z0-9" + re.escape(safe.replace("%", "")) + "]*")


def _remove_dot_segments(path: str) -> str:
    out: list[str] = []
    segments = path.split("/")
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1 or (out and out[0]):
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    return "/".join(out)


@remembered
def canonical_uri(value: str) -> str | None:
    """RFC 3986 section 6 normal form (case, percent-encoding, dot segments, default port),
    or None for a relative reference or one that cannot be normalized; remembered: every
    document compares its self link and its own URL in that form (issue 14)."""
    m = _URI_PARTS_RE.match(value)
    if not m:
        return None
    scheme, authority, path, query, fragment = m.groups()
    if scheme is None:
        return None
    scheme = scheme.lower()
    out = scheme + ":"
    if authority is not None:
        userinfo, _, host = authority.rpartition("@")
        port = ""
        pm = re.search(r":(\d*)$", host)
        if pm:
            port = pm.group(1)
            host = host[: pm.start()]
        host = host.lower()
        if host.startswith("[") != host.endswith("]"):
            return None
        if port and int(port) != _DEFAULT_PORTS.get(scheme, -1):
            host += ":" + str(int(port))
        if userinfo and userinfo != ":":
            host = userinfo + "@" + host
        out += "//" + host
        path = _remove_dot_segments(path) or "/"
        out += "/".join(_norm_component(seg, _PCHAR_SAFE) for seg in path.split("/"))
    elif path.startswith("/"):
        out += "/".join(
            _norm_component(seg, _PCHAR_SAFE) for seg in _remove_dot_segments(path).split("/")
        )
    else:
        out += _norm_component(path, _PCHAR_SAFE + "/")
    if query is not None:
        out += "?" + _norm_component(query, _PCHAR_SAFE + "/?")
    if fragment is not None:
        out += "#" + _norm_component(fragment, _PCHAR_SAFE + "/?")
    return out


def check_canonical(report: Report, value: str, **where: Unpack[Where]) -> bool:
    """Warn NonCanonicalURI when ``value`` is not in RFC 3986 normal form (ids compare by
    characters, so ``HTTP://Example.com:80/a/../b`` and ``http://example.com/b`` differ)."""
    if value.startswith(("tag:", "urn:")):
        return True
    canon = canonical_uri(value)
    if canon is None or canon == value:
        return True
    log(report, "warning", "NonCanonicalURI", where, value=value, curi=canon)
    return False


# --------------------------------------------------------------------------- small values

# RFC 2045 type/subtype with optional parameters.
_TOKEN = r"[^\s()<>,;:\\\"/\[\]?=]+"
_MIME_RE = re.compile(rf'^{_TOKEN}/{_TOKEN}(?:\s*;\s*{_TOKEN}=(?:"(?:\\"|[^"])*"|{_TOKEN}))*$')


def is_mime_type(value: str) -> bool:
    """``type/subtype`` with optional ``; name=value`` parameters."""
    return bool(_MIME_RE.match(value))


def check_mime_type(
    report: Report, value: str, *, code: str = "InvalidMIMEType", **where: Unpack[Where]
) -> bool:
    """``code`` (InvalidMIMEType; the W3C says InvalidMIMEAttribute for some attributes)
    when ``value`` is not a MIME type."""
    if is_mime_type(value):
        return True
    log(report, "error", code, where, value=value)
    return False


ISO639_1 = words(
    """aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu
    cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho
    hr ht hu hy hz ia id ie ig ii ik in io is it iu iw ja ji jv jw ka kg ki kj kk kl km kn ko
    kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mo mr ms mt my na nb nd ne
    ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg sh si
    sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz
    ve vi vo wa wo xh yi yo za zh zu"""
)
_LANG_RE = re.compile(r"^[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*$")


def is_language(value: str) -> bool:
    """An RFC 3066 / BCP 47 tag whose primary subtag is an ISO 639 code (``vi``, ``en-US``)."""
    if not _LANG_RE.match(value):
        return False
    primary = value.split("-", 1)[0].lower()
    if len(primary) == 2:
        return primary in ISO639_1
    if len(primary) == 3:
        return True  # ISO 639-2/3: too many to list; the syntax is what matters here
    return primary in ("i", "x")


def check_language(report: Report, value: str, **where: Unpack[Where]) -> bool:
    """InvalidLanguage when ``value`` is not a language tag."""
    if is_language(value):
        return True
    log(report, "error", "InvalidLanguage", where, value=value)
    return False


# An addr-spec as feeds write them: RFC 5322 atoms before the "@" (no quoted local parts,
# no comments), a domain of dotted labels after it.
_ADDR_SPEC = r"[A-Z0-9!#$%&'*+/=?^_`{|}~.\-]+@(?:[A-Z0-9\-]+\.)+[A-Z0-9][-A-Z0-9]*"
_EMAIL_RE = re.compile(rf"^{_ADDR_SPEC}$", re.I)
# ... and found inside other text; a match starts where a run of address characters does
# (the look-behind keeps the search linear on long runs without an "@").
_EMAIL_IN_TEXT_RE = re.compile(rf"(?<![A-Z0-9!#$%&'*+/=?^_`{{|}}~.\-]){_ADDR_SPEC}", re.I)
# An address whose host has no dot: only DNS could say, and the validator does not ask.
_DOTLESS_EMAIL_RE = re.compile(r"^[\w.%+-]+@[A-Za-z][\w.-]+$")
# RSS 2.0 "email (Real Name)"
_CONTACT_RE = re.compile(r"^(\S+@\S+?)\s*(?:\((.*)\))?$", re.S)


def is_email(value: str) -> bool:
    """An addr-spec as feeds use them (``name@example.org``)."""
    return bool(_EMAIL_RE.match(value))


def contains_email(text: str) -> bool:
    """Does ``text`` (a person's name, say) carry an e-mail address?"""
    return "@" in text and _EMAIL_IN_TEXT_RE.search(text) is not None


def check_email(
    report: Report, value: str, *, code: str = "InvalidAddrSpec", **where: Unpack[Where]
) -> bool:
    """An addr-spec: ``code`` (InvalidAddrSpec; the W3C says InvalidContact for RSS and
    iTunes addresses) when it is not one, UnknownHost when its host cannot be real."""
    if is_email(value):
        return True
    if _DOTLESS_EMAIL_RE.match(value):
        log(report, "warning", "UnknownHost", where, value=value)
    else:
        log(report, "error", code, where, value=value)
    return False


def check_contact(report: Report, value: str, **where: Unpack[Where]) -> bool:
    """RSS 2.0's ``email (Real Name)`` (managingEditor, webMaster, author): the address
    judged as ``check_email`` does (InvalidContact), MissingRealName without the name,
    EmailFormat for an address written another way (``Name <email>``).  A ``mailto:``
    URL is judged by what it encodes (RFC 2368)."""
    value = value.strip()
    if value.lower().startswith("mailto:"):
        inner = unquote(value[7:].split("?", 1)[0])
        return inner.lower().startswith("mailto:") or check_contact(report, inner, **where)
    match = _CONTACT_RE.match(value)
    if match:
        if not check_email(report, match.group(1), code="InvalidContact", **where):
            return False
        if not (match.group(2) or "").strip():
            log(report, "warning", "MissingRealName", where, value=value)
            return False
        return True
    if contains_email(re.sub(r"\([^()]*\)", "", value)):
        log(report, "warning", "EmailFormat", where, value=value)
    else:
        log(report, "error", "InvalidContact", where, value=value)
    return False


def int_value(value: str) -> int | None:
    """An ASCII integer's value, sign and surrounding space allowed (huge ones capped,
    never an exception), else None."""
    value = value.strip()
    if not _INTEGER_RE.fullmatch(value):
        return None
    if len(value) > 19:
        return -(10**19) if value.startswith("-") else 10**19
    return int(value)


_INTEGER_RE = re.compile(r"[+-]?[0-9]+")
_DECIMAL_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


def decimal_value(value: str, *, signed: bool = True) -> float | None:
    """A decimal number's value (``-21.03``, ``105.85``, ``.5``; no exponent, no nan or
    inf), surrounding space allowed, a sign only when ``signed``; else None."""
    value = value.strip()
    digits = value[1:] if signed and value[:1] in ("+", "-") else value
    return float(value) if _DECIMAL_RE.fullmatch(digits) else None


def check_integer(
    report: Report,
    value: str,
    *,
    minimum: int | None = 0,
    code: str = "InvalidNonNegativeInteger",
    **where: Unpack[Where],
) -> int | None:
    """``code`` unless ``value`` is an integer of at least ``minimum`` (None: any); its
    value when it is one."""
    number = int_value(value)
    if number is None or (minimum is not None and number < minimum):
        log(report, "error", code, where, value=value)
        return None
    return number

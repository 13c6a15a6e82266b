"""Value checks that Atom, RSS and their extensions share: dates, IRIs, tag: URIs, URNs,
MIME types, languages, e-mail addresses, and the markup found inside text.

Each ``check_*`` that takes a ``report`` logs W3C-named messages itself and returns
whether the value is acceptable; the ``is_*`` / ``parse_*`` functions are pure.
Message params follow the W3C validator: ``element``, ``parent``, ``attr``, ``value``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from html.entities import name2codepoint
from urllib.parse import quote, urljoin

from lxml import etree

from . import namespaces
from .report import Report


def _words(text: str) -> frozenset[str]:
    """A set from a whitespace-separated word list."""
    return frozenset(text.split())


XHTML_NS = namespaces.XHTML
SVG_NS = namespaces.SVG
MATHML_NS = namespaces.MATHML

# --------------------------------------------------------------------------- dates

# RFC 3339 section 5.6 date-time; only the fraction is optional.
_RFC3339_RE = re.compile(
    r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-](\d\d):(\d\d))$"
)
# W3C-DTF (a profile of ISO 8601): a time needs a zone designator.
_W3CDTF_RE = re.compile(
    r"^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d))?)?)?$"
)
# ISO 8601 as feeds use it: like W3C-DTF but the zone is optional.
_ISO8601_RE = re.compile(
    r"^(\d{4})(?:-(\d\d)(?:-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?)?)?)?$"
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


def parse_rfc3339(value: str) -> datetime | None:
    """The aware datetime an RFC 3339 date-time denotes, or None when it is not one."""
    m = _RFC3339_RE.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone, oh, om = m.groups()
    if not _fields_ok(year, month, day, hour, minute, second):
        return None
    if zone != "Z" and (int(oh) > 23 or int(om) > 59):
        return None
    sec = min(int(second), 59)
    micro = int((frac or ".0")[1:7].ljust(6, "0"))
    offset = timedelta(0) if zone == "Z" else timedelta(hours=int(oh), minutes=int(om))
    if zone.startswith("-"):
        offset = -offset
    try:
        return datetime(
            int(year),
            int(month),
            int(day),
            int(hour),
            int(minute),
            sec,
            micro,
            tzinfo=timezone(offset),
        )
    except ValueError:
        return None


def check_rfc3339(value: str) -> bool:
    """Is ``value`` an RFC 3339 date-time (``2022-06-17T20:22:00+07:00``)?"""
    return parse_rfc3339(value) is not None


def check_w3cdtf(value: str, *, zone_required: bool = True) -> bool:
    """Is ``value`` a W3C-DTF date (``2022``, ``2022-06``, ``2022-06-17T20:22+07:00`` ...)?
    With ``zone_required=False`` the looser ISO 8601 form that Dublin Core uses elsewhere."""
    m = (_W3CDTF_RE if zone_required else _ISO8601_RE).match(value)
    return bool(m) and _fields_ok(*m.groups())  # type: ignore[union-attr]


def is_implausible(when: datetime, now: datetime | None = None) -> bool:
    """Before 1990 or more than ten minutes in the future: most likely a typo."""
    now = now or datetime.now(UTC)
    return when < PLAUSIBLE_SINCE or when > now + timedelta(minutes=10)


def check_date_rfc3339(
    report: Report,
    value: str,
    *,
    element: str,
    parent: str | None = None,
    line: int | None = None,
) -> datetime | None:
    """Log InvalidRFC3339Date or ImplausibleDate; the parsed date when valid."""
    when = parse_rfc3339(value)
    if when is None:
        report.error("InvalidRFC3339Date", element=element, parent=parent, value=value, line=line)
        return None
    if is_implausible(when):
        report.warning("ImplausibleDate", element=element, parent=parent, value=value, line=line)
    return when


# --------------------------------------------------------------------------- IRIs

# Characters RFC 2396 allows in a URI reference (besides non-ASCII in an IRI).
_URI_CHARS = frozenset(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ;/?:@&=+$.-_!~*'()%,#"
)
_URI_RE = re.compile(r"^(?:[a-zA-Z][0-9a-zA-Z+.\-]*:)?(?://)?(?:\[[0-9A-Fa-f:.]+\])?[^\[\]]*$")
_FULL_URI_RE = re.compile(r"^[a-zA-Z][0-9a-zA-Z+.\-]*:(?://)?(?:\[[0-9A-Fa-f:.]+\])?[^\[\]]+$")
_TAG_RE = re.compile(
    r"^tag:(?:[a-z0-9\-._]+?@)?[a-z0-9.\-]+?,\d{4}(?:-\d{2}(?:-\d{2})?)?:"
    r"[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,]*(?:#[0-9a-zA-Z;/?:@&=+$.\-_!~*'()%,]*)?$"
)
_TAG_DATE_RE = re.compile(r",(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?:")
_URN_RE = re.compile(
    r"^urn:[a-z0-9][a-z0-9-]{1,31}:(?:[a-z0-9()+,.:=@;$_!*'\-]|%[0-9a-f]{2})+$", re.I
)
_UUID_RE = re.compile(
    r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I
)

# IANA URI schemes a feed may reasonably carry (permanent and common provisional ones).
IANA_SCHEMES = _words(
    """aaa aaas about acap acct cap cid crid data dav dict dns fax file ftp geo go gopher h323
    http https iax icap im imap info ipp iris iris.beep iris.lwz iris.xpc iris.xpcs ldap magnet
    mailto mid modem msrp msrps mtqp mupdate news nfs nntp opaquelocktoken pop pres prospero
    rtsp service shttp sip sips sms snmp soap.beep soap.beeps tag tel telnet tftp thismessage
    tip tv urn vemmi wais ws wss xmlrpc.beep xmlrpc.beeps xmpp z39.50r z39.50s"""
)


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


def first_bad_uri_char(value: str, *, iri: bool = True) -> str | None:
    """The first character a URI (or, with ``iri``, an IRI) may not contain, if any."""
    for c in value:
        if c in _URI_CHARS or c in "[]":
            continue
        if ord(c) >= 0xA0 and iri and not c.isspace():
            continue
        return c
    return None


def check_uri(
    report: Report,
    value: str,
    *,
    element: str,
    parent: str | None = None,
    attr: str | None = None,
    line: int | None = None,
    iri: bool = True,
    full: bool = False,
    error: str | None = None,
) -> bool:
    """Check a URI reference (an IRI unless ``iri=False``; an absolute one when ``full``).

    Logs InvalidTAG, InvalidURN, InvalidUUID, InvalidUriChar, SchemeNotIANARegistered or
    ``error`` (default InvalidFullLink when ``full``, else InvalidIRI / InvalidLink).
    """
    params: dict[str, str | int | None] = {
        "element": element,
        "parent": parent,
        "attr": attr,
        "value": value,
        "line": line,
    }
    code = error or ("InvalidFullLink" if full else ("InvalidIRI" if iri else "InvalidLink"))
    scheme = value.split(":", 1)[0].lower() if ":" in value else ""
    if scheme == "tag":
        if is_tag_uri(value):
            return True
        report.error("InvalidTAG", **params)
        return False
    if scheme == "urn":
        if value.lower().startswith("urn:uuid:") and not _UUID_RE.match(value):
            report.error("InvalidUUID", **params)
            return False
        if _URN_RE.match(value):
            return True
        report.error("InvalidURN", **params)
        return False
    bad = first_bad_uri_char(value, iri=iri)
    if bad is not None:
        if ord(bad) < 0x80:
            report.error("InvalidUriChar", char=repr(bad), **params)
        else:
            report.error(code, **params)
        return False
    if not (_FULL_URI_RE if full else _URI_RE).match(value) or (full and not value):
        report.error(code, **params)
        return False
    if scheme in ("http", "https", "ftp") and not re.match(r"^\w+://[^/]", value):
        report.error(code, **params)
        return False
    if scheme and scheme.isalpha() and scheme not in IANA_SCHEMES:
        report.warning("SchemeNotIANARegistered", **{**params, "value": scheme})
        return False
    return True


def resolve(base: str | None, ref: str) -> str:
    """``ref`` resolved against ``base`` (``xml:base`` chain or the document's URL)."""
    if not base:
        return ref
    try:
        return urljoin(base, ref)
    except ValueError:
        return ref


def is_absolute(value: str) -> bool:
    """Does the reference carry its own scheme?"""
    return bool(re.match(r"^[a-zA-Z][0-9a-zA-Z+.\-]*:", value))


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


def canonical_uri(value: str) -> str | None:
    """RFC 3986 section 6 normal form (case, percent-encoding, dot segments, default port),
    or None for a relative reference or one that cannot be normalized."""
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


def check_canonical(
    report: Report,
    value: str,
    *,
    element: str,
    parent: str | None = None,
    line: int | None = None,
) -> bool:
    """Warn NonCanonicalURI when ``value`` is not in RFC 3986 normal form (ids compare by
    characters, so ``HTTP://Example.com:80/a/../b`` and ``http://example.com/b`` differ)."""
    if value.startswith(("tag:", "urn:")):
        return True
    canon = canonical_uri(value)
    if canon is None or canon == value:
        return True
    report.warning(
        "NonCanonicalURI", element=element, parent=parent, value=value, curi=canon, line=line
    )
    return False


# --------------------------------------------------------------------------- small values

# RFC 2045 type/subtype with optional parameters.
_TOKEN = r"[^\s()<>,;:\\\"/\[\]?=]+"
_MIME_RE = re.compile(rf'^{_TOKEN}/{_TOKEN}(?:\s*;\s*{_TOKEN}=(?:"(?:\\"|[^"])*"|{_TOKEN}))*$')


def is_mime_type(value: str) -> bool:
    """``type/subtype`` with optional ``; name=value`` parameters."""
    return bool(_MIME_RE.match(value))


# ISO 639-1 two-letter codes (plus the deprecated ones feeds still carry).
ISO639_1 = _words(
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


def check_language(
    report: Report,
    value: str,
    *,
    element: str,
    parent: str | None = None,
    attr: str | None = None,
    line: int | None = None,
) -> bool:
    """Log InvalidLanguage when ``value`` is not a language tag."""
    if is_language(value):
        return True
    report.error(
        "InvalidLanguage", element=element, parent=parent, attr=attr, value=value, line=line
    )
    return False


_EMAIL_RE = re.compile(
    r"^[A-Z0-9_\-+.']+@(?:(?:[0-9]{1,3}\.){3}|(?:[A-Z0-9\-]+\.)+)[A-Z0-9][-A-Z0-9]*$", re.I
)


_SIMPLE_EMAIL_RE = re.compile(r"^[\w.%+-]+@[A-Za-z][\w.-]+$")


def is_email(value: str) -> bool:
    """An RFC 2822 addr-spec as feeds use them (``name@example.org``)."""
    return bool(_EMAIL_RE.match(value))


def check_email(
    report: Report,
    value: str,
    *,
    element: str,
    parent: str | None = None,
    line: int | None = None,
    code: str = "InvalidAddrSpec",
) -> bool:
    """Log ``code`` (InvalidAddrSpec by default; InvalidContact for RSS) on a bad address."""
    if is_email(value):
        return True
    if _SIMPLE_EMAIL_RE.match(value):
        # Syntactically fine but the domain has no dot: only DNS could say, and we do not ask.
        report.warning("UnknownHost", element=element, parent=parent, value=value, line=line)
        return False
    report.error(code, element=element, parent=parent, value=value, line=line)
    return False


def check_characters(
    report: Report, text: str, *, element: str, parent: str | None = None, line: int | None = None
) -> bool:
    """Warn BadCharacters on C1 controls or U+FFFD: text decoded with the wrong charset."""
    for c in text:
        if 0x80 <= ord(c) <= 0x9F or c == "\ufffd":
            report.warning("BadCharacters", element=element, parent=parent, line=line)
            return False
    return True


# --------------------------------------------------------------------------- markup in text

HTML_TAGS = _words(
    """a abbr acronym address applet area article aside audio b base basefont bdi bdo big
    blockquote body br button canvas caption center cite code col colgroup command comment data
    datagrid datalist dd del details dfn dialog dir div dl dt em embed eventsource fieldset
    figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr
    html i iframe img input ins isindex kbd label legend li link listing m main map mark menu
    meta meter nav noframes noscript object ol optgroup option output p param picture plaintext
    pre progress q rp rt ruby s samp script section select slot small source span strike strong
    style sub summary sup table tbody td template textarea tfoot th thead time title tr track
    tt u ul var video wbr xmp"""
)
# Elements an aggregator can show without risk; the others (script, iframe, object, embed,
# meta, style, ...) are what SecurityRisk is about.
SAFE_HTML_ELEMENTS = _words(
    """a abbr acronym address area article aside audio b bdi big blockquote br button canvas
    caption center cite code col colgroup command data datagrid datalist dd del details dfn
    dialog dir div dl dt em eventsource fieldset figcaption figure footer font form header h1
    h2 h3 h4 h5 h6 hgroup hr i img input ins keygen kbd label legend li m main map mark menu
    meter multicol nav nextid ol output optgroup option p picture pre progress q rp rt ruby s
    samp section select small sound source spacer span strike strong sub summary sup table
    tbody td template textarea time tfoot th thead tr track tt u ul var video noscript wbr"""
)
SAFE_HTML_ATTRIBUTES = _words(
    """abbr accept accept-charset accesskey action align allow allowfullscreen alt as autoplay
    autocapitalize autocomplete autofocus axis background balance bgcolor bgproperties border
    bordercolor bordercolordark bordercolorlight bottompadding cellpadding cellspacing ch
    challenge char charoff choff charset checked cite class clear color cols colspan compact
    contenteditable coords crossorigin data datafld datapagesize datasrc datetime decoding
    default delay dir dirname disabled download draggable dynsrc enctype end enterkeyhint face
    for form formenctype frame galleryimg gutter headers height hidefocus hidden high href
    hreflang hspace icon id inputmode is ismap itemid itemprop itemref itemscope itemtype kind
    keytype label lang leftspacing loading list longdesc loop loopcount loopend loopstart low
    lowsrc max maxlength media method min minlength multiple muted name nohref nonce noshade
    nowrap open optimum pattern ping placeholder playsinline point-size poster preload prompt
    pqg radiogroup readonly referrerpolicy rel repeat-max repeat-min replace required rev
    reversed rightspacing rows rowspan rules scope selected shape size sizes span spellcheck
    src srclang srcset start step summary suppress tabindex target template title toppadding
    translate type unselectable usemap urn valign value variable volume vspace vrml width wrap
    xml:lang xmlns"""
)
SAFE_CSS_PROPERTIES = _words(
    """azimuth background background-color border border-bottom border-bottom-color
    border-bottom-style border-bottom-width border-collapse border-color border-left
    border-left-color border-left-style border-left-width border-right border-right-color
    border-right-style border-right-width border-spacing border-style border-top
    border-top-color border-top-style border-top-width border-width clear color cursor
    direction display elevation float font font-family font-size font-style font-variant
    font-weight height letter-spacing line-height list-style-type margin margin-bottom
    margin-left margin-right margin-top overflow padding padding-bottom padding-left
    padding-right padding-top pause pause-after pause-before pitch pitch-range richness speak
    speak-header speak-numeral speak-punctuation speech-rate stress text-align text-decoration
    text-indent unicode-bidi vertical-align voice-family volume white-space width"""
)
SAFE_CSS_KEYWORDS = _words(
    """aqua auto black block blue bold both bottom brown center collapse dashed dotted fuchsia
    gray green !important italic left lime maroon medium none navy normal nowrap olive pointer
    purple red right solid silver teal top transparent underline white yellow"""
)
_CSS_VALUE_RE = re.compile(
    r"^(#[0-9a-f]+|rgb\(\d+%?,\d*%?,?\d*%?\)?|\d?\.?\d?\d(cm|em|ex|in|mm|pc|pt|px|%|,|\))?)$"
)
_STYLE_CHARS_RE = re.compile(
    r"""^([:,;#%.\sa-zA-Z0-9!]|\w-\w|'[\s\w]+'|"[\s\w]+"|\([\d,\s]+\))*$"""
)
_STYLE_DECLS_RE = re.compile(r"^(\s*[-\w]+\s*:\s*[^:;]*(;|$))*$")
_STYLE_DECL_RE = re.compile(r"([-\w]+)\s*:\s*([^:;]*)")

MATHML_ELEMENTS = _words(
    """annotation annotation-xml maction math merror mfrac mi mmultiscripts mn mo mover mpadded
    mphantom mprescripts mroot mrow mspace msqrt mstyle msub msubsup msup mtable mtd mtext mtr
    munder munderover none semantics"""
)
MATHML_ATTRIBUTES = _words(
    """actiontype align columnalign columnlines columnspacing columnspan depth display
    displaystyle encoding equalcolumns equalrows fence fontstyle fontweight frame height
    linethickness lspace mathbackground mathcolor mathvariant maxsize minsize other rowalign
    rowlines rowspacing rowspan rspace scriptlevel selection separator stretchy width
    xmlns"""
)
SVG_ELEMENTS = _words(
    """a animate animateColor animateMotion animateTransform circle defs desc ellipse font-face
    font-face-name font-face-src g glyph hkern linearGradient line marker metadata
    missing-glyph mpath path polygon polyline radialGradient rect set stop svg switch text
    title tspan use"""
)
SVG_ATTRIBUTES = _words(
    """accent-height accumulate additive alphabetic arabic-form ascent attributeName
    attributeType baseProfile bbox begin by calcMode cap-height class color color-rendering
    content cx cy d dx dy descent display dur end fill fill-opacity fill-rule font-family
    font-size font-stretch font-style font-variant font-weight from fx fy g1 g2 glyph-name
    gradientUnits hanging height horiz-adv-x horiz-origin-x id ideographic k keyPoints
    keySplines keyTimes lang mathematical marker-end marker-mid marker-start markerHeight
    markerUnits markerWidth max min name offset opacity orient origin overline-position
    overline-thickness panose-1 path pathLength points preserveAspectRatio r refX refY
    repeatCount repeatDur requiredExtensions requiredFeatures restart rotate rx ry slope stemh
    stemv stop-color stop-opacity strikethrough-position strikethrough-thickness stroke
    stroke-dasharray stroke-dashoffset stroke-linecap stroke-linejoin stroke-miterlimit
    stroke-opacity stroke-width style systemLanguage target text-anchor to transform type u1
    u2 underline-position underline-thickness unicode unicode-range units-per-em values
    version viewBox visibility width widths x x-height x1 x2 y y1 y2 zoomAndPan"""
)


def dangerous_style(style: str) -> list[str]:
    """The parts of a ``style`` attribute an aggregator should not trust (empty: safe)."""
    if not _STYLE_CHARS_RE.match(style) or not _STYLE_DECLS_RE.match(style):
        return [style]
    unsafe: list[str] = []
    for prop, value in _STYLE_DECL_RE.findall(style.lower()):
        if prop not in SAFE_CSS_PROPERTIES:
            if prop not in unsafe:
                unsafe.append(prop)
        elif prop.split("-")[0] in ("background", "border", "margin", "padding"):
            for keyword in value.split():
                known = keyword in SAFE_CSS_KEYWORDS or _CSS_VALUE_RE.match(keyword)
                if not known and keyword not in unsafe:
                    unsafe.append(keyword)
    return unsafe


_END_TAG_RE = re.compile(r"</(\w+)>")
_ENTITY_RE = re.compile(r"&(#?\w+);?")
_HTML_HINT_RE = re.compile(r"[<&]")
_UNFINISHED_TAG_RE = re.compile(r"<[a-zA-Z][^>]*$")
_DOCUMENT_TAG_RE = re.compile(r"<(?:html|head|body)[\s>/]", re.I)
_HTML_PARSER = etree.HTMLParser(
    recover=True, no_network=True, remove_comments=True, remove_pis=True
)
_REL_REF_RE = re.compile(r"^\s*[a-zA-Z][\w+.\-]*:")


def html_end_tags(text: str) -> list[str]:
    """The HTML end tags (``</p>`` -> ``p``) written in ``text``."""
    return [t for t in _END_TAG_RE.findall(text) if t.lower() in HTML_TAGS]


def check_plain_text(
    report: Report,
    text: str,
    *,
    element: str,
    parent: str | None = None,
    line: int | None = None,
    code: str = "ContainsHTML",
) -> bool:
    """For text that should not be HTML: warn ``code`` (ContainsHTML; Atom uses
    ContainsUndeclaredHTML for type="text", NotInline for type="xhtml") on HTML end tags
    or on entity references left after XML decoding (``&amp;nbsp;`` written twice escaped)."""
    tags = html_end_tags(text) if "</" in text else []
    if tags:
        report.warning(code, element=element, parent=parent, value=tags[0], line=line)
        return False
    if "&" in text and has_html_entities(text):
        report.warning(code, element=element, parent=parent, value=text[:80], line=line)
        return False
    return True


def has_html_entities(text: str) -> bool:
    """Does decoded text still hold HTML entity references (``&amp;``, ``&#233;``)?"""
    for name in _ENTITY_RE.findall(text):
        if name in name2codepoint or name == "apos" or not name.isalpha():
            return True
    return False


def _check_attributes(
    report: Report,
    attrs: Iterable[tuple[str, str]],
    *,
    safe: frozenset[str],
    element: str,
    parent: str | None,
    line: int | None,
) -> None:
    for name, value in attrs:
        low = name.lower()
        if low == "style":
            for evil in dangerous_style(value):
                report.warning(
                    "DangerousStyleAttr",
                    element=element,
                    parent=parent,
                    attr="style",
                    value=evil,
                    line=line,
                )
        elif low not in safe and not low.startswith("data-") and not name.startswith("{"):
            report.warning("SecurityRiskAttr", element=element, parent=parent, attr=name, line=line)


def check_html(
    report: Report,
    html: str,
    *,
    element: str,
    parent: str | None = None,
    line: int | None = None,
    rel_refs: bool = False,
) -> bool:
    """Check escaped HTML (Atom ``type="html"``, RSS ``description``): NotHtml when it does
    not parse or uses non-HTML tags, SecurityRisk for script/iframe/object/embed/meta...,
    SecurityRiskAttr for event handlers, DangerousStyleAttr for risky CSS, and (with
    ``rel_refs``) ContainsRelRef for relative ``a href`` / ``img src``. True when clean."""
    before = len(report.messages)
    if "<?import" in html.lower():
        report.warning("SecurityRisk", element=element, parent=parent, tag="?import", line=line)
    if not _HTML_HINT_RE.search(html):
        return len(report.messages) == before
    if _UNFINISHED_TAG_RE.search(html.rstrip()):
        report.warning(
            "NotHtml", element=element, parent=parent, value=html.strip()[:80], line=line
        )
        return False
    if "<" not in html:
        return len(report.messages) == before
    if _DOCUMENT_TAG_RE.search(html):
        # <html>/<head>/<body> have no place in a fragment: not HTML that can be inlined.
        report.warning(
            "NotHtml", element=element, parent=parent, value=html.strip()[:80], line=line
        )
        return False
    try:
        root = etree.fromstring(f"<html><body><div>{html}</div></body></html>", _HTML_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        report.warning(
            "NotHtml", element=element, parent=parent, value=html.strip()[:80], line=line
        )
        return False
    if root is None:
        return len(report.messages) == before
    body = root.find("body")
    if body is None or len(body) == 0:
        return len(report.messages) == before
    scope = body[0].iter()
    next(scope)  # our own wrapper div
    # Elements libxml2 moves into <head> (meta, script, style, link, title, base).
    head = root.find("head")
    extra = list(head.iter()) if head is not None else []
    for node in [*extra, *scope]:
        if not isinstance(node.tag, str):
            continue
        tag = node.tag.lower()
        if tag == "head":
            continue
        if tag not in HTML_TAGS:
            report.warning("NotHtml", element=element, parent=parent, value=tag, line=line)
            continue
        if tag not in SAFE_HTML_ELEMENTS:
            report.warning("SecurityRisk", element=element, parent=parent, tag=tag, line=line)
            continue
        _check_attributes(
            report,
            node.attrib.items(),
            safe=SAFE_HTML_ATTRIBUTES,
            element=element,
            parent=parent,
            line=line,
        )
        if rel_refs and tag in ("a", "img"):
            ref = node.get("href" if tag == "a" else "src")
            if ref is not None and not _REL_REF_RE.match(ref):
                bad = first_bad_uri_char(ref.strip())
                if bad is not None and ord(bad) < 0x80:
                    report.error(
                        "InvalidUriChar", element=element, parent=parent, value=ref, line=line
                    )
                else:
                    report.warning(
                        "ContainsRelRef", element=element, parent=parent, value=ref, line=line
                    )
    return len(report.messages) == before


def check_xhtml(
    report: Report,
    div: etree._Element,
    *,
    element: str,
    parent: str | None = None,
    known_namespaces: Mapping[str, str] | None = None,
) -> bool:
    """Check inline XHTML (the children of Atom's ``xhtml:div``): NotHtml for non-XHTML
    elements, SecurityRisk / SecurityRiskAttr / DangerousStyleAttr as for escaped HTML,
    and the same for embedded SVG and MathML.  ``known_namespaces`` maps feed vocabularies
    (Atom, RSS...) to prefixes: their elements are UndefinedElement here; other namespaces
    are UnknownNamespace.  True when clean."""
    before = len(report.messages)
    known = known_namespaces or {}
    nodes = div.iter()
    next(nodes)
    for node in nodes:
        if not isinstance(node.tag, str):
            continue
        line: int | None = getattr(node, "sourceline", None)
        ns, _, name = (
            node.tag[1:].partition("}") if node.tag.startswith("{") else ("", "", node.tag)
        )
        if ns == XHTML_NS:
            if name not in HTML_TAGS:
                report.warning("NotHtml", element=element, parent=parent, value=name, line=line)
            elif name not in SAFE_HTML_ELEMENTS:
                report.warning("SecurityRisk", element=element, parent=parent, tag=name, line=line)
            for attr, value in ((str(k), str(v)) for k, v in node.attrib.items()):
                if attr.startswith("{"):
                    continue
                if attr == "style":
                    for evil in dangerous_style(value):
                        report.warning(
                            "DangerousStyleAttr",
                            element=element,
                            parent=parent,
                            attr="style",
                            value=evil,
                            line=line,
                        )
                elif attr.startswith("on"):
                    report.warning(
                        "SecurityRiskAttr", element=element, parent=parent, attr=attr, line=line
                    )
        elif ns == SVG_NS:
            if name not in SVG_ELEMENTS:
                report.warning("SecurityRisk", element=element, parent=parent, tag=name, line=line)
            for attr in map(str, node.attrib):
                if not attr.startswith("{") and attr not in SVG_ATTRIBUTES:
                    report.warning(
                        "SecurityRiskAttr", element=element, parent=parent, attr=attr, line=line
                    )
        elif ns == MATHML_NS:
            if name not in MATHML_ELEMENTS:
                report.warning("SecurityRisk", element=element, parent=parent, tag=name, line=line)
            for attr in map(str, node.attrib):
                if not attr.startswith("{") and attr not in MATHML_ATTRIBUTES:
                    report.warning(
                        "SecurityRiskAttr", element=element, parent=parent, attr=attr, line=line
                    )
        elif ns in known:
            report.error("UndefinedElement", element=f"{known[ns]}:{name}", parent="div", line=line)
        elif not ns:
            report.error("MissingNamespace", element=name, parent="xhtml:div", line=line)
        else:
            report.warning("UnknownNamespace", element=name, parent="div", namespace=ns, line=line)
    return len(report.messages) == before

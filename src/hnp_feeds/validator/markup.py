"""Text and the markup in it, for every format alike: plain text that should hold no HTML
(ContainsHTML and its Atom variants), escaped HTML (NotHtml, SecurityRisk, SecurityRiskAttr,
DangerousStyleAttr, ContainsRelRef, BadCharacters) and inline XHTML with its SVG and MathML.
The element and attribute lists are the W3C validator's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from html.entities import name2codepoint
from itertools import chain
from typing import Unpack

from lxml import etree

from .namespaces import MATHML, SVG, XHTML
from .report import Report, tick
from .tree import line_of
from .values import Verdicts, Where, first_bad_uri_char, is_absolute, log, words
from .xmlparse import DEFAULT_MAX_NODES

HTML_TAGS = words(
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
SAFE_HTML_ELEMENTS = words(
    """a abbr acronym address area article aside audio b bdi big blockquote br button canvas
    caption center cite code col colgroup command data datagrid datalist dd del details dfn
    dialog dir div dl dt em eventsource fieldset figcaption figure footer font form header h1
    h2 h3 h4 h5 h6 hgroup hr i img input ins keygen kbd label legend li m main map mark menu
    meter multicol nav nextid ol output optgroup option p picture pre progress q rp rt ruby s
    samp section select small sound source spacer span strike strong sub summary sup table
    tbody td template textarea time tfoot th thead tr track tt u ul var video noscript wbr"""
)
SAFE_HTML_ATTRIBUTES = words(
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
SAFE_CSS_PROPERTIES = words(
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
SAFE_CSS_KEYWORDS = words(
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
# The W3C validator's declaration pattern, ``^(\s*[-\w]+\s*:\s*[^:;]*(;|$))*$``, backtracks
# exponentially on declarations ending in "; " (issue 13): the space after a colon could
# go to either ``\s*`` or ``[^:;]*``.  The same language, with nothing left to backtrack.
_STYLE_DECLS_RE = re.compile(r"^(?:\s*+[-\w]++\s*+:[^:;]*+(?:;|$))*+$")
_STYLE_DECL_RE = re.compile(r"(?<![-\w])([-\w]++)\s*+:\s*+([^:;]*+)")

MATHML_ELEMENTS = words(
    """annotation annotation-xml maction math merror mfrac mi mmultiscripts mn mo mover mpadded
    mphantom mprescripts mroot mrow mspace msqrt mstyle msub msubsup msup mtable mtd mtext mtr
    munder munderover none semantics"""
)
MATHML_ATTRIBUTES = words(
    """actiontype align columnalign columnlines columnspacing columnspan depth display
    displaystyle encoding equalcolumns equalrows fence fontstyle fontweight frame height
    linethickness lspace mathbackground mathcolor mathvariant maxsize minsize other rowalign
    rowlines rowspacing rowspan rspace scriptlevel selection separator stretchy width
    xmlns"""
)
SVG_ELEMENTS = words(
    """a animate animateColor animateMotion animateTransform circle defs desc ellipse font-face
    font-face-name font-face-src g glyph hkern linearGradient line marker metadata
    missing-glyph mpath path polygon polyline radialGradient rect set stop svg switch text
    title tspan use"""
)
SVG_ATTRIBUTES = words(
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


_SVG_METADATA = f"{{{SVG}}}metadata"
# SVG and MathML inside XHTML content: the elements and attributes known to be safe.
_EMBEDDED = {SVG: (SVG_ELEMENTS, SVG_ATTRIBUTES), MATHML: (MATHML_ELEMENTS, MATHML_ATTRIBUTES)}


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


# --------------------------------------------------------------------------- characters

# C1 controls and U+FFFD: text decoded with the wrong charset somewhere upstream.
_BAD_CHARACTERS_RE = re.compile("[\u0080-\u009f\ufffd]")
# UTF-8 read as Latin-1 ("Ã©" for "é"); NBSP after Ã is left alone (Vietnamese capitals).
_MOJIBAKE_RE = re.compile("[\u00c2-\u00f4][\u0080-\u009f\u00a1-\u00bf]")
# Windows-1252 bytes written as character references: C1 controls in HTML.
_C1_REFERENCE_RE = re.compile(r"&#(?:[xX]0*[89][0-9a-fA-F]|0*(?:12[89]|1[3-5][0-9]));")


def _suspect(text: str) -> bool:
    """Might ``text`` hold C1 controls, U+FFFD or mojibake?  Each of them is U+0080-U+00BF
    or U+FFFD, which UTF-8 encodes as 0xC2 ... or EF BF BD: a test far quicker than a
    regular expression over long Vietnamese text."""
    if text.isascii():
        return False
    return _suspect_utf8(text.encode("utf-8", "surrogatepass"))


def _suspect_utf8(data: bytes, unusual: bytes | None = None) -> bool:
    """``_suspect`` on the UTF-8 form; ``unusual``, what ``translate`` leaves of it without
    ``_ORDINARY_BYTES`` when at hand, spares a search for U+FFFD in most text."""
    if unusual is not None:
        return b"\xc2" in unusual or (b"\xef" in unusual and b"\xef\xbf\xbd" in data)
    return b"\xc2" in data or b"\xef\xbf\xbd" in data


def check_characters(report: Report, text: str, **where: Unpack[Where]) -> bool:
    """BadCharacters on C1 controls or U+FFFD: text decoded with the wrong charset."""
    if not _suspect(text) or _BAD_CHARACTERS_RE.search(text) is None:
        return True
    log(report, "warning", "BadCharacters", where)
    return False


# --------------------------------------------------------------------------- plain text

_TAG_RE = re.compile(r"</?([A-Za-z][A-Za-z0-9]*)(?:\s[^<>]*)?/?\s*>")
_ENTITY_RE = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]*|[A-Za-z][A-Za-z0-9]*)(;?)")
_ENTITY_NAMES = frozenset(name2codepoint) | {"apos"}
_BARE_AMP_RE = re.compile(r"&(?![#A-Za-z])")
_TAG_OPEN_RE = re.compile(r"<[A-Za-z/!?]")


def html_in_text(text: str) -> str | None:
    """The HTML found in text meant to be plain: the first known HTML tag's name
    (``<br>``, ``</p>``) or entity reference (``&amp;nbsp;`` written twice escaped reads
    ``&nbsp;``; a character reference ``&#233;``), else None."""
    if "<" in text:
        for match in _TAG_RE.finditer(text):
            if match.group(1).lower() in HTML_TAGS:
                return match.group(1)
    if "&" in text:
        for match in _ENTITY_RE.finditer(text):
            name, semicolon = match.groups()
            if name.startswith("#") or name in _ENTITY_NAMES:
                return f"&{name}{semicolon}"
    return None


def check_plain_text(
    report: Report,
    text: str,
    *,
    code: str = "ContainsHTML",
    character_data: bool = False,
    **where: Unpack[Where],
) -> bool:
    """Text that should hold no HTML: ``code`` (ContainsHTML; Atom says
    ContainsUndeclaredHTML for ``type="text"``, NotInline for xhtml that is only text) on
    HTML tags or entity references in it.  With ``character_data`` (RSS 2.0, the RSS
    Profile's advice) CharacterData for a bare ``&`` with a ``<`` that would open a tag:
    readers that decode the text once more as HTML read it differently."""
    if "<" not in text and "&" not in text:
        return True
    found = html_in_text(text)
    if found is not None:
        log(report, "warning", code, where, value=found)
        return False
    if character_data and _TAG_OPEN_RE.search(text) and _BARE_AMP_RE.search(text):
        log(report, "warning", "CharacterData", where, value=text)
        return False
    return True


# --------------------------------------------------------------------------- escaped HTML

# Tags in one escaped HTML text (start and end tags alike): as many as a document's elements.
MAX_HTML_TAGS = 2 * DEFAULT_MAX_NODES
_HTML_HINT_RE = re.compile(r"[<&]")
_TAG_START_RE = re.compile(r"<[a-zA-Z]")
_DOCUMENT_TAG_RE = re.compile(r"<(?:html|head|body)[\s>/]", re.I)
# Escaped HTML whose every "<" opens or closes one of these tags, with only these
# attributes (href and src absolute http(s) URLs, quoted), and no character lxml refuses
# or libxml2 could read otherwise: each element is HTML and safe, each attribute safe,
# no reference relative; the tree check has nothing to say (``check_html_tree``).
_PLAIN_TAGS = words(
    """a abbr b blockquote br cite code dd del div dl dt em figcaption figure h2 h3 h4 h5 h6
    hr i img ins li ol p q s small span strong sub sup u ul"""
)
_PLAIN_ATTRIBUTES = words("alt class height title width")
_PLAIN_TAG = "|".join(sorted(_PLAIN_TAGS, key=lambda tag: (-len(tag), tag)))
# (an href's or src's characters printable ASCII: a class sre checks quickly)
_PLAIN_ATTRIBUTE = (
    r'[ \t\n\r]++(?:(?:href|src)="https?://[!#-;=?-~]*+"'
    rf'|(?:{"|".join(sorted(_PLAIN_ATTRIBUTES))})="[^"<]*+")'
)
_PLAIN_TAG_OR_END = rf"</(?:{_PLAIN_TAG})>|<(?:{_PLAIN_TAG})(?:{_PLAIN_ATTRIBUTE})*+[ \t\n\r]*+/?>"
_PLAIN_HTML_RE = re.compile(
    rf"(?:[^<\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]++|{_PLAIN_TAG_OR_END})*+"
)
# The same without its text's character class (which sre checks ~4x slower than [^<]):
# what _PLAIN_HTML_RE matches in a text holding none of the characters that class leaves
# out, as its UTF-8 form shows (``plain_html``).
_PLAIN_MARKUP_RE = re.compile(rf"(?:[^<]++|{_PLAIN_TAG_OR_END})*+")
_NOT_PLAIN_UTF8 = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xed[\xa0-\xbf]|\xef\xbf[\xbe\xbf]"
)
# Every byte but those a character of _NOT_PLAIN_UTF8 (or U+FFFD, EF BF BD) begins with:
# ``translate`` deletes them, and what is left says whether to look closer.
_ORDINARY_BYTES = bytes(
    b
    for b in range(256)
    if not (b < 0x20 and b not in (9, 10, 13) or b in (0x7F, 0xC2, 0xED, 0xEF))
)
# Under _PLAIN_MARKUP_RE every "<" opens or closes a plain tag in lower case: of
# _HTML5_SUSPECT_RE's tokens only these end tags of void elements can occur.
_PLAIN_HTML5_SUSPECT_RE = re.compile(r"</(?:br|hr|img)>")
_HTML_PARSER = etree.HTMLParser(
    recover=True, no_network=True, remove_comments=True, remove_pis=True
)


# What libxml2's forgiving HTML parser repairs without a word, and an HTML5 parser calls a
# parse error (issue 13; RFC 4287 3.1.1.2: escaped HTML SHOULD be able to appear within a
# <div>): table parts outside a table, end tags of void elements, comments left open,
# DOCTYPEs and CDATA sections (nested CDATA in a feed leaves one in the text).  Only text
# holding one of these goes to html5lib, which is ~40x slower than libxml2.
_TABLE_PARTS = frozenset("caption col colgroup tbody td tfoot th thead tr".split())
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# searched in the text's lowered UTF-8 bytes: ~4x quicker than in long Vietnamese text
_HTML5_SUSPECT_RE = re.compile(
    rb"<(?:!|/(?:area|base|br|col|embed|hr|img|input|link|meta|param|source|track|wbr)\b"
    rb"|/?(?:caption|col|colgroup|tbody|td|tfoot|th|thead|tr)\b)"
)
_HTML5_MARKUP_ERRORS = frozenset(
    """eof-in-comment eof-in-comment-double-dash eof-in-comment-end-dash eof-in-doctype
    eof-in-doctype-name eof-in-bogus-doctype expected-dashes-or-doctype unexpected-doctype
    need-space-after-doctype expected-doctype-name-but-got-right-bracket
    expected-doctype-name-but-got-eof unexpected-char-in-doctype""".split()
)


def _html5_suspect(utf8: bytes) -> bool:
    """Might libxml2 have repaired something here silently?  A comment left open, any
    other ``<!`` (DOCTYPE, CDATA), an end tag of a void element, a table part with no
    table around it.  A closed comment, a table, ``<br/>`` are no reason to look."""
    low = utf8.lower()
    table: bool | None = None
    for match in _HTML5_SUSPECT_RE.finditer(low):
        token = match.group(0)
        if token == b"<!":
            if low.startswith(b"<!--", match.start()) and low.find(b"-->", match.end() + 2) >= 0:
                continue
            return True
        if token[1:].lstrip(b"/").decode() not in _TABLE_PARTS:
            return True  # </br, </img, ...
        if table is None:
            table = b"<table" in low
        if not table:
            return True
    return False


def html5_faults(html: str, utf8: bytes | None = None) -> tuple[str, ...]:
    """The parse errors of ``html`` (``utf8``: the same in UTF-8, when at hand) as a
    fragment in a <div> that make it no HTML to inline (see above), as ``code: name``;
    () when there are none."""
    if not _html5_suspect(html.encode("utf-8", "surrogatepass") if utf8 is None else utf8):
        return ()
    return _html5_parse_errors(html)


@lru_cache(maxsize=512)
def _html5_parse_errors(html: str) -> tuple[str, ...]:
    """html5lib's verdict (see ``html5_faults``); cached, for a feed repeats the same
    markup in its summary and content, its RSS and Atom forms."""
    import html5lib

    parser = html5lib.HTMLParser(strict=False)
    parser.parseFragment(html, container="div")
    faults: list[str] = []
    for _, code, data in parser.errors:
        name = str(data.get("name") or data.get("originalName") or "") if data else ""
        if code in _HTML5_MARKUP_ERRORS:
            faults.append(code)
        elif code.startswith("unexpected-") and (
            name in _TABLE_PARTS or (code.startswith("unexpected-end-tag") and name in _VOID)
        ):
            faults.append(f"{code}: {name}")
    return tuple(dict.fromkeys(faults))


def _check_attributes(report: Report, attrs: Iterable[tuple[str, str]], where: Where) -> None:
    for name, value in attrs:
        low = name.lower()
        if low == "style":
            for evil in dangerous_style(value):
                log(report, "warning", "DangerousStyleAttr", where, attr="style", value=evil)
        elif not (low in SAFE_HTML_ATTRIBUTES or low.startswith("data-") or low[:1] == "{"):
            log(report, "warning", "SecurityRiskAttr", where, attr=name)


def check_html(
    report: Report, html: str, *, rel_refs: bool = False, **where: Unpack[Where]
) -> bool:
    """Escaped HTML (Atom ``type="html"``, RSS description and content:encoded, media:text,
    JSON Feed content_html): BadCharacters for C1 controls, U+FFFD or mojibake; NotHtml
    when it does not parse, uses non-HTML tags or C1 character references; SecurityRisk
    for script/iframe/object/embed/meta...; SecurityRiskAttr for event handlers;
    DangerousStyleAttr for risky CSS; and (with ``rel_refs``: no xml:base to resolve
    against) ContainsRelRef for a relative ``a href`` / ``img src``.  True when clean.

    A long text found clean is remembered (``values.Verdicts``): what is said of escaped
    HTML depends on nothing but the text, ``rel_refs`` and whether NotHtml was said before
    in the document (then html5lib is spared it: a text found clean so is not kept)."""
    utf8 = html.encode("utf-8", "surrogatepass")
    if len(utf8) < _REMEMBERED_HTML:
        return _check_html(report, html, utf8, rel_refs, where)[0]
    key = Verdicts.digest(utf8, _REL_REFS[rel_refs])
    if _CLEAN_HTML.get(key):
        return True
    full = "NotHtml" not in report.said
    found_clean, looked_at_refs = _check_html(report, html, utf8, rel_refs, where)
    if found_clean and full:
        _CLEAN_HTML.keep(key, True)
        if not looked_at_refs:  # as clean with rel_refs the other way
            _CLEAN_HTML.keep(Verdicts.digest(utf8, _REL_REFS[not rel_refs]), True)
    return found_clean


#: The shortest escaped HTML (UTF-8 bytes) worth a digest, and the clean texts.
_REMEMBERED_HTML = 256
_CLEAN_HTML: Verdicts[bytes, bool] = Verdicts()
_REL_REFS = {False: b"", True: b"rel_refs"}


def _check_html(
    report: Report, html: str, utf8: bytes, rel_refs: bool, where: Where
) -> tuple[bool, bool]:
    """``check_html``: whether clean, and whether ``rel_refs`` was looked at (the tree's
    references: not in plain HTML, whose references are all absolute)."""
    before = report.count
    tick()
    tags = html.count("<")
    if tags > MAX_HTML_TAGS:  # a tree of each would cost ~500 bytes apiece (issue 15)
        log(
            report,
            "error",
            "ValidatorLimit",
            where,
            value=str(tags),
            reason=f"escaped HTML of over {MAX_HTML_TAGS} tags: not parsed",
        )
        return False, False
    unusual = utf8.translate(None, _ORDINARY_BYTES)
    suspect = not html.isascii() and _suspect_utf8(utf8, unusual)
    if suspect and (_BAD_CHARACTERS_RE.search(html) or _MOJIBAKE_RE.search(html)):
        log(report, "warning", "BadCharacters", where)
    if "#" in html and "&#" in html and _C1_REFERENCE_RE.search(html):
        log(report, "warning", "NotHtml", where, value=html[:80])
    # Plain HTML (every "<" a plain tag's) holds no "<?", no tag left open, no document
    # tag, and none of html5lib's suspects but three end tags: those checks are spared.
    plain = plain_html(html, utf8, unusual)
    if not plain and "<?" in html and "<?import" in html.lower():
        log(report, "warning", "SecurityRisk", where, tag="?import")
    if not _HTML_HINT_RE.search(html):
        return report.count == before, False
    if not plain:
        trimmed = html.rstrip()
        if _TAG_START_RE.search(trimmed, trimmed.rfind(">") + 1):  # a tag left open
            log(report, "warning", "NotHtml", where, value=html.strip()[:80])
            return False, False
    if "<" not in html:
        return report.count == before, False
    if not plain and _DOCUMENT_TAG_RE.search(html):
        # <html>/<head>/<body> have no place in a fragment: not HTML that can be inlined.
        log(report, "warning", "NotHtml", where, value=html.strip()[:80])
        return False, False
    # html5lib reads ~2 MB/s: once it has found a fault in a document, that is said, and
    # the other texts of the document are spared it (a feed's texts share their faults).
    if "NotHtml" not in report.said and (not plain or _PLAIN_HTML5_SUSPECT_RE.search(html)):
        for fault in html5_faults(html, utf8)[:1]:
            # Judged on: SecurityRisk and the rest still matter (the W3C validator stops).
            log(report, "warning", "NotHtml", where, value=fault)
    if not plain:
        check_html_tree(report, html, rel_refs, where)
    return report.count == before, not plain


def plain_html(html: str, utf8: bytes | None = None, unusual: bytes | None = None) -> bool:
    """Does ``_PLAIN_HTML_RE`` match ``html`` whole?  ``utf8`` is its UTF-8 form (lone
    surrogates passed), ``unusual`` what ``translate`` leaves of that without
    ``_ORDINARY_BYTES``, when at hand.  Text holding none of the characters the
    pattern's text leaves out is matched by the quicker ``_PLAIN_MARKUP_RE``."""
    if utf8 is None:
        utf8 = html.encode("utf-8", "surrogatepass")
    if unusual is None:
        unusual = utf8.translate(None, _ORDINARY_BYTES)
    if unusual and _NOT_PLAIN_UTF8.search(utf8) is not None:
        return _PLAIN_HTML_RE.fullmatch(html) is not None
    return _PLAIN_MARKUP_RE.fullmatch(html) is not None


def check_html_tree(report: Report, html: str, rel_refs: bool, where: Where) -> None:
    """``check_html``'s look at the tree libxml2 makes of ``html``: NotHtml when it does
    not parse or names a tag HTML has not, SecurityRisk, SecurityRiskAttr,
    DangerousStyleAttr, ContainsRelRef.  Spared text ``_PLAIN_HTML_RE`` matches: it
    makes a tree with nothing to say."""
    try:
        root = etree.fromstring(f"<html><body><div>{html}</div></body></html>", _HTML_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        log(report, "warning", "NotHtml", where, value=html.strip()[:80])
        return
    if root is None:
        return
    body = root.find("body")
    if body is None or len(body) == 0:
        return
    scope = body[0].iter()
    next(scope)  # our own wrapper div
    # Elements libxml2 moves into <head> (meta, script, style, link, title, base).
    head = root.find("head")
    extra = list(head.iter()) if head is not None else []
    for count, node in enumerate(chain(extra, scope)):
        if not count % 4096:
            tick()
        if not isinstance(node.tag, str):
            continue
        tag = node.tag.lower()
        if tag == "head":
            continue
        if tag not in HTML_TAGS:
            log(report, "warning", "NotHtml", where, value=tag)
            continue
        if tag not in SAFE_HTML_ELEMENTS:
            log(report, "warning", "SecurityRisk", where, tag=tag)
            continue
        attributes = node.items()
        if attributes:
            _check_attributes(report, attributes, where)
        if rel_refs and tag in ("a", "img"):
            ref = node.get("href" if tag == "a" else "src")
            if ref is not None and not is_absolute(ref.lstrip()):
                bad = first_bad_uri_char(ref.strip())
                if bad is not None and ord(bad) < 0x80:
                    log(report, "error", "InvalidUriChar", where, value=ref)
                else:
                    log(report, "warning", "ContainsRelRef", where, value=ref)


# --------------------------------------------------------------------------- inline XHTML


def check_xhtml(
    report: Report,
    div: etree._Element,
    *,
    known_namespaces: Mapping[str, str] | None = None,
    **where: Unpack[Where],
) -> bool:
    """Check inline XHTML (the children of Atom's ``xhtml:div``): NotHtml for non-XHTML
    elements, SecurityRisk / SecurityRiskAttr / DangerousStyleAttr as for escaped HTML,
    and the same for embedded SVG and MathML.  ``known_namespaces`` maps feed vocabularies
    (Atom, RSS...) to prefixes: their elements are UndefinedElement here; other namespaces
    are UnknownNamespace.  True when clean."""
    before = report.count
    known = known_namespaces or {}
    # svg:metadata holds any XML at all (RDF, Dublin Core): not XHTML to judge (issue 13)
    opaque = set(div.iter(_SVG_METADATA))
    nodes = div.iter()
    next(nodes)
    for node in nodes:
        if not isinstance(node.tag, str):
            continue
        if opaque and any(a in opaque for a in node.iterancestors()):
            continue
        here: Where = {**where, "line": line_of(node)}
        ns, _, name = (
            node.tag[1:].partition("}") if node.tag.startswith("{") else ("", "", node.tag)
        )
        if ns == XHTML:
            if name not in HTML_TAGS:
                log(report, "warning", "NotHtml", here, value=name)
            elif name not in SAFE_HTML_ELEMENTS:
                log(report, "warning", "SecurityRisk", here, tag=name)
            for attr, value in ((str(k), str(v)) for k, v in node.attrib.items()):
                if attr.startswith("{"):
                    continue
                if attr == "style":
                    for evil in dangerous_style(value):
                        log(report, "warning", "DangerousStyleAttr", here, attr="style", value=evil)
                elif attr.startswith("on"):
                    log(report, "warning", "SecurityRiskAttr", here, attr=attr)
        elif ns in _EMBEDDED:
            safe_elements, safe_attributes = _EMBEDDED[ns]
            if name not in safe_elements:
                log(report, "warning", "SecurityRisk", here, tag=name)
            for attr in map(str, node.attrib):
                if not attr.startswith("{") and attr not in safe_attributes:
                    log(report, "warning", "SecurityRiskAttr", here, attr=attr)
        elif ns in known:
            report.error(
                "UndefinedElement", element=f"{known[ns]}:{name}", parent="div", line=here["line"]
            )
        elif not ns:
            report.error("MissingNamespace", element=name, parent="xhtml:div", line=here["line"])
        else:
            report.warning(
                "UnknownNamespace", element=name, parent="div", namespace=ns, line=here["line"]
            )
    return report.count == before

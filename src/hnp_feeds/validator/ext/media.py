"""Media RSS (https://www.rssboard.org/media-rss): the elements, their attributes, what
``media:group`` and ``media:content`` hold."""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import markup, values
from ..namespaces import MEDIA, MEDIA_MISSPELT
from ..tree import emit, iter_elements, namespace_of, qname
from . import Ext, Vocabulary


def _check_media(x: Ext) -> None:
    """Media RSS (https://www.rssboard.org/media-rss): the element and what it contains."""
    local = x.local
    checker = _MEDIA.get(local)
    if checker is None:
        if local not in _MEDIA_OTHER:
            x.undefined()
        return
    checker(x)
    if local in ("group", "content"):
        seen: set[str] = set()
        contents = 0
        for child in iter_elements(x.el):
            name = qname(child)
            if name in seen and name in _MEDIA_ONCE:
                emit(x.report, "error", "DuplicateElement", child, parent=x.name)
            seen.add(name)
            if namespace_of(child) == MEDIA:
                contents += name == "media:content"
                _check_media(Ext(x.doc, child, x.name))
            elif namespace_of(child):
                x.descend(child)
        if local == "group" and contents < 2:
            x.err("MediaGroupWithoutAlternatives")


_MEDIA_ONCE = frozenset({"media:title", "media:description", "media:copyright", "media:keywords"})


_MEDIA_OTHER = frozenset(
    """community comments embed responses backLinks status price license subTitle peerLink
    location rights scenes starRating statistics tags param response backLink scene
    keywords""".split()
)


def _media_attr(
    x: Ext, attr: str, kind: str, *, required: bool = False, choices: frozenset[str] = frozenset()
) -> None:
    """One attribute of a media element, faults named {element: attr, parent: element}."""
    value = x.attrs.get(attr)
    if value is None:
        if required:
            x.err("MissingAttribute", attr=attr)
        return
    where = {"name": attr, "parent": x.name, "value": value}
    if kind == "url":
        values.check_uri(x.report, value.strip(), iri=False, full=True, **x.at(attr, x.name))
    elif kind == "positive":
        number = values.int_value(value)
        if number is None or number <= 0:
            x.err("InvalidPositiveInteger", **where)
    elif kind == "integer":
        number = values.int_value(value)
        if number is None or number < 0:
            x.err("InvalidNonNegativeInteger", **where)
    elif kind == "float":
        if values.decimal_value(value, signed=False) is None:
            x.err("InvalidFloat", **where)
    elif kind == "boolean":
        if value not in ("true", "false"):
            x.err("InvalidTrueFalse", **where)
    elif kind == "mime":
        values.check_mime_type(
            x.report, value.strip(), code="InvalidMIMEAttribute", **x.at(attr, x.name)
        )
    elif kind == "language":
        x.language(value, attr)
    elif kind == "npt":
        if not _NPT.match(value.strip()):
            x.err("InvalidNPTTime", attr=attr, value=value)
    elif kind == "text":
        x.plain(value, attr)
    elif kind == "choice" and value not in choices:
        if attr == "type":  # the W3C names the element, not the attribute, here
            where = {"name": x.name, "parent": x.parent, "attr": attr, "value": value}
        x.err(_MEDIA_CHOICE_CODES[attr], **where)


_NPT = re.compile(r"^(?:now|\d+(?:\.\d+)?|\d+:\d\d:\d\d(?:\.\d+)?)$")


_MEDIA_CHOICE_CODES = {
    "medium": "InvalidMediaMedium",
    "expression": "InvalidMediaExpression",
    "type": "InvalidMediaTextType",
    "relationship": "InvalidMediaRestrictionRel",
    "algo": "InvalidMediaHash",
}


_MEDIUMS = frozenset({"image", "audio", "video", "document", "executable"})


_EXPRESSIONS = frozenset({"sample", "full", "nonstop"})


_TEXT_TYPES = frozenset({"plain", "html"})


def _media_content(x: Ext) -> None:
    _media_attr(x, "url", "url")
    _media_attr(x, "fileSize", "positive")
    _media_attr(x, "type", "mime")
    _media_attr(x, "medium", "choice", choices=_MEDIUMS)
    _media_attr(x, "isDefault", "boolean")
    _media_attr(x, "expression", "choice", choices=_EXPRESSIONS)
    for attr in ("bitrate", "framerate", "samplingrate", "duration"):
        _media_attr(x, attr, "float")
    _media_attr(x, "channels", "integer")
    _media_attr(x, "height", "positive")
    _media_attr(x, "width", "positive")
    _media_attr(x, "lang", "language")
    if x.el.get("url") is None and x.el.find(f"{{{MEDIA}}}player") is None:
        x.err("MissingAttribute", attr="url")


def _media_text(x: Ext) -> None:
    """media:title, media:description, media:text: plain (the default) or html."""
    kind = x.el.get("type", "plain")
    _media_attr(x, "type", "choice", choices=_TEXT_TYPES)
    if kind == "html":
        markup.check_html(x.report, x.value, **x.at())
    elif kind == "plain":
        markup.check_plain_text(x.report, x.value, code="ContainsUndeclaredHTML", **x.at())
    if x.local == "text":
        _media_attr(x, "lang", "language")
        _media_attr(x, "start", "npt")
        _media_attr(x, "end", "npt")


_RATINGS = {
    "urn:simple": re.compile(r"^(?:adult|nonadult)$"),
    "urn:mpaa": re.compile(r"^(?:g|pg|pg-13|r|nc-17|x)$"),
    "urn:v-chip": re.compile(r"^(?:tv-y|tv-y7|tv-y7-fv|tv-g|tv-pg|tv-14|tv-ma)$"),
    "urn:icra": re.compile(r"^r \((?:[clnosv]z \d\s*)+\)$"),
}


def _media_rating(x: Ext) -> None:
    scheme = x.el.get("scheme", "urn:simple")
    _media_attr(x, "scheme", "url")
    pattern = _RATINGS.get(scheme)
    if pattern is not None and not pattern.match(x.value.strip().lower()):
        x.err("InvalidMediaRating", value=x.value.strip())


def _media_thumbnail(x: Ext) -> None:
    _media_attr(x, "url", "url", required=True)
    _media_attr(x, "height", "positive")
    _media_attr(x, "width", "positive")
    _media_attr(x, "time", "npt")


def _media_player(x: Ext) -> None:
    _media_attr(x, "url", "url", required=True)
    _media_attr(x, "height", "positive")
    _media_attr(x, "width", "positive")


def _media_category(x: Ext) -> None:
    _media_attr(x, "scheme", "url")
    _media_attr(x, "label", "text")
    x.plain()


_CREDIT_ROLES = frozenset(
    """actor anchor person animator author art director artist assistant camera operator
    cast member cinematographer composer costume designer dj director editor executive
    producer graphic artist host illustrator lighting lyricist make-up music supervisor
    musician narrator news performer photographer producer production reporter set sound
    special effects stunt supervisor writer talent vocalist interviewee interviewer
    distribution company owner publisher encoder""".split()
)


def _media_credit(x: Ext) -> None:
    _media_attr(x, "scheme", "url")
    role = x.el.get("role")
    if role is not None:
        words = role.split()
        if not words or any(word not in _CREDIT_ROLES for word in words):
            x.err("InvalidCreditRole", value=role)
    x.plain()


def _media_hash(x: Ext) -> None:
    algo = x.el.get("algo", "md5")
    length = {"md5": 32, "sha-1": 40}.get(algo)
    if length is None or not re.fullmatch(rf"[0-9a-fA-F]{{{length}}}", x.value.strip()):
        x.err("InvalidMediaHash", value=x.value.strip())


def _media_restriction(x: Ext) -> None:
    rel = x.el.get("relationship")
    if rel is None:
        x.err("MissingAttribute", attr="relationship")
    elif rel not in ("allow", "deny"):
        x.err("InvalidMediaRestrictionRel", value=rel)
    kind = x.el.get("type")
    value = x.value.strip()
    if kind is not None and kind not in ("country", "uri", "sharing"):
        x.err("InvalidMediaRestrictionType", value=kind)
    elif value.lower() in ("all", "none", ""):
        pass
    elif kind == "country":
        for code in value.split():
            if code.upper() not in ISO3166:
                x.err("InvalidCountryCode", value=code)
    elif kind == "uri":
        for uri in value.split():
            x.full_url(uri)
    else:
        x.err("InvalidMediaRestriction", value=value)


def _media_copyright(x: Ext) -> None:
    _media_attr(x, "url", "url")
    x.plain()


def _media_adult(x: Ext) -> None:
    x.warn("DeprecatedMediaAdult")


def _media_nothing(x: Ext) -> None:
    pass


_MEDIA: dict[str, Callable[[Ext], None]] = {
    "group": _media_nothing,
    "content": _media_content,
    "title": _media_text,
    "description": _media_text,
    "text": _media_text,
    "rating": _media_rating,
    "thumbnail": _media_thumbnail,
    "player": _media_player,
    "category": _media_category,
    "credit": _media_credit,
    "hash": _media_hash,
    "restriction": _media_restriction,
    "copyright": _media_copyright,
    "adult": _media_adult,
    "keywords": lambda x: x.plain(),
}


ISO3166 = frozenset(
    """AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN
    BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE
    DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN
    GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE
    KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK
    ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA
    PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK
    SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
    UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW UK EU""".split()
)


def _check_media_old(x: Ext) -> None:
    x.err("MediaRssNamespace", value=namespace_of(x.el))


_ONCE = frozenset({"media:title", "media:description", "media:copyright"})
VOCABULARIES = (
    Vocabulary(frozenset({MEDIA}), _check_media, feed_once=_ONCE, entry_once=_ONCE),
    Vocabulary(frozenset({MEDIA_MISSPELT}), _check_media_old),
)

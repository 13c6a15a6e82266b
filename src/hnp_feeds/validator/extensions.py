"""Extension namespaces inside RSS 2.0 and Atom: content, dc, dcterms, media, atom (in RSS),
thr, fh, slash, sy, itunes and a few old RSS modules.  Unknown namespaces are allowed
(RSS 2.0 "Extending RSS", RFC 4287 section 6); known ones are checked.

Values are judged by the one value library (``values``, ``markup``), as in Atom and RSS.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable

from lxml import etree

from . import markup, values
from . import namespaces as ns
from .namespaces import ATOM as ATOM_NS
from .namespaces import CONTENT as CONTENT_NS
from .namespaces import DC as DC_NS
from .namespaces import DCTERMS as DCTERMS_NS
from .namespaces import FH as FH_NS
from .namespaces import GBASE as GBASE_NS
from .namespaces import GEORSS as GEORSS_NS
from .namespaces import ITUNES as ITUNES_NS
from .namespaces import ITUNES_CASED as ITUNES_NS_CASED
from .namespaces import MEDIA as MEDIA_NS
from .namespaces import MEDIA_MISSPELT as MEDIA_NS_OLD
from .namespaces import OPENSEARCH as OPENSEARCH_NS
from .namespaces import SLASH as SLASH_NS
from .namespaces import SY as SY_NS
from .namespaces import THR as THR_NS
from .namespaces import XHTML as XHTML_NS
from .report import Report
from .tree import emit, iter_elements, line_of, local_name, qname, text_of, xml_base
from .tree import namespace_of as namespace
from .values import Where

# --- extension elements -----------------------------------------------------------------

#: extension children that may appear once in an RSS channel / item (W3C's choices)
CHANNEL_ONCE: frozenset[str] = frozenset(
    """dc:date dc:language dc:rights sy:updateBase sy:updateFrequency sy:updatePeriod
    admin:errorReportsTo admin:generatorAgent blogChannel:blink blogChannel:blogRoll
    blogChannel:mySubscriptions blogChannel:changes itunes:explicit itunes:author
    itunes:block itunes:image itunes:owner itunes:summary itunes:subtitle itunes:type
    itunes:new-feed-url itunes:complete fh:complete fh:archive dcterms:modified
    media:title media:description media:copyright feedburner:awareness
    feedburner:browserFriendly feedburner:emailServiceId feedburner:feedburnerHostname
    opensearch:totalResults opensearch:startIndex opensearch:itemsPerPage""".split()
)
ITEM_ONCE: frozenset[str] = frozenset(
    """content:encoded itunes:explicit itunes:duration itunes:episode itunes:season
    itunes:episodeType itunes:block itunes:image itunes:summary itunes:subtitle
    itunes:author itunes:title slash:comments slash:section slash:department
    slash:hit_parade thr:total media:title media:description media:copyright
    feedburner:awareness feedburner:origLink feedburner:origEnclosureLink""".split()
)

_RDF_RESOURCE = f"{{{ns.RDF}}}resource"
_UPDATE_PERIODS = frozenset({"hourly", "daily", "weekly", "monthly", "yearly"})
_DC_DATES = frozenset({"date"})
_DCTERMS_DATES = frozenset(
    "created issued modified dateAccepted dateCopyrighted dateSubmitted date".split()
)
_DCTERMS = frozenset(
    """abstract accessRights accrualMethod accrualPeriodicity accrualPolicy alternative
    audience available bibliographicCitation conformsTo contributor coverage created creator
    date dateAccepted dateCopyrighted dateSubmitted description educationLevel extent format
    hasFormat hasPart hasVersion identifier instructionalMethod isFormatOf isPartOf
    isReferencedBy isReplacedBy isRequiredBy issued isVersionOf language license mediator
    medium modified provenance publisher references relation replaces requires rights
    rightsHolder source spatial subject tableOfContents temporal title type valid""".split()
)
_DC = frozenset(
    """contributor coverage creator date description format identifier language publisher
    relation rights source subject title type""".split()
)


class _Ext:
    """One extension element in context: its name, its parent's, the report."""

    def __init__(
        self, report: Report, element: etree._Element, parent: str, base_url: str | None
    ) -> None:
        self.report = report
        self.el = element
        self.name = qname(element)
        self.parent = parent
        self.base_url = base_url
        self.local = local_name(element)
        self.value = text_of(element)
        # CharacterData is an RSS 2.0 rule (the RSS Profile's), not Atom's
        self.rss = element.getroottree().getroot().tag == "rss"

    def at(
        self, name: str | None = None, parent: str | None = None, attr: str | None = None
    ) -> Where:
        """Where a value stands, as message params (the element's own by default)."""
        return {
            "element": self.name if name is None else name,
            "parent": self.parent if parent is None else parent,
            "attr": attr,
            "line": line_of(self.el),
        }

    def err(self, code: str, **kw: str | None) -> None:
        kw.setdefault("name", self.name)
        kw.setdefault("parent", self.parent)
        name = kw.pop("name")
        emit(self.report, "error", code, self.el, name=name, **kw)

    def warn(self, code: str, **kw: str | None) -> None:
        kw.setdefault("name", self.name)
        kw.setdefault("parent", self.parent)
        name = kw.pop("name")
        emit(self.report, "warning", code, self.el, name=name, **kw)

    def undefined(self) -> None:
        self.err("UndefinedElement")

    def full_url(
        self,
        value: str | None = None,
        *,
        code: str | None = None,
        name: str | None = None,
        parent: str | None = None,
    ) -> bool:
        """An absolute URL (the extensions' are URIs, not IRIs)."""
        value = (self.value if value is None else value).strip()
        return values.check_uri(
            self.report, value, iri=False, full=True, error=code, **self.at(name, parent)
        )

    def resource_or_text_url(self) -> None:
        resource = self.el.get(_RDF_RESOURCE)
        self.full_url(resource if resource is not None else self.value)

    def w3cdtf(self) -> None:
        values.check_date_w3cdtf(self.report, self.value.strip(), **self.at())

    def plain(self, value: str | None = None, name: str | None = None) -> None:
        """Text meant to be plain (the element's own, or an attribute's under ``name``)."""
        markup.check_plain_text(
            self.report,
            self.value if value is None else value,
            character_data=self.rss,
            **(self.at() if name is None else self.at(name, self.name)),
        )

    def html(self) -> None:
        markup.check_html(self.report, self.value, rel_refs=xml_base(self.el) is None, **self.at())

    def language(self, value: str | None = None, name: str | None = None) -> None:
        value = self.value.strip() if value is None else value
        where = self.at() if name is None else self.at(name, self.name)
        values.check_language(self.report, value, **where)

    def integer(self, code: str = "InvalidInteger", *, minimum: int = 0) -> int | None:
        if not self.value.strip():
            self.warn("NotBlank")
            return None
        return values.check_integer(
            self.report, self.value.strip(), minimum=minimum, code=code, **self.at()
        )


def _check_dc(x: _Ext) -> None:
    if x.local in _DC_DATES or x.local.startswith("date."):
        x.w3cdtf()
    elif x.local == "language":
        x.language()
    elif x.local in _DC or "." in x.local:
        x.plain()
    else:
        x.undefined()


def _check_dcterms(x: _Ext) -> None:
    if x.local in _DCTERMS_DATES:
        x.w3cdtf()
    elif x.local == "language":
        x.language()
    elif x.local not in _DCTERMS:
        x.undefined()


def _check_content(x: _Ext) -> None:
    if x.local == "encoded":
        x.html()


def _check_sy(x: _Ext) -> None:
    if x.local == "updatePeriod":
        if x.value.strip() not in _UPDATE_PERIODS:
            x.err("InvalidUpdatePeriod", value=x.value.strip())
    elif x.local == "updateFrequency":
        if not x.value.strip():
            x.warn("NotBlank")
        number = values.int_value(x.value)
        if number is None or number < 1:
            x.err("InvalidPositiveInteger", value=x.value.strip())
    elif x.local == "updateBase":
        x.w3cdtf()
    else:
        x.undefined()


def _check_slash(x: _Ext) -> None:
    if x.local == "comments":
        x.integer()
    elif x.local == "hit_parade":
        if not re.fullmatch(r"\d+(?:,\d+)*", x.value.strip()):
            x.err("InvalidCommaSeparatedIntegers", value=x.value.strip())
    elif x.local in ("section", "department"):
        x.plain()
    else:
        x.undefined()


def _check_admin(x: _Ext) -> None:
    if x.local in ("errorReportsTo", "generatorAgent"):
        resource = x.el.get(_RDF_RESOURCE)
        if resource is None:
            x.err("MissingAttribute", attr="rdf:resource")
        else:
            x.full_url(resource)
    else:
        x.undefined()


def _check_blog_channel(x: _Ext) -> None:
    if x.local in ("blink", "blogRoll", "mySubscriptions", "changes"):
        x.full_url()
    else:
        x.undefined()


def _check_url_element(x: _Ext) -> None:
    x.resource_or_text_url()


def _check_trackback(x: _Ext) -> None:
    """Trackback ping and about URLs belong to an item or entry."""
    if x.parent in ("channel", "feed"):
        x.undefined()
    else:
        x.full_url()


def _check_geo(x: _Ext) -> None:
    if x.local == "Point":
        for child in iter_elements(x.el):
            check_extension_element(x.report, child, x.name, x.base_url)
    elif x.local in ("lat", "latitude", "long", "longitude"):
        latitude = x.local.startswith("lat")
        limit = 90.0 if latitude else 180.0
        try:
            number = float(x.value.strip())
        except ValueError:
            number = limit + 1
        if not -limit <= number <= limit:
            x.err("InvalidLatitude" if latitude else "InvalidLongitude", value=x.value.strip())
    elif x.local == "alt":
        try:
            float(x.value.strip())
        except ValueError:
            x.err("InvalidFloat", value=x.value.strip())


def _check_georss(x: _Ext) -> None:
    """GeoRSS-Simple: point, line, polygon, box are whitespace-separated numbers."""
    if x.local not in ("point", "line", "polygon", "box"):
        return
    value = x.value.strip()
    if "," in value:
        x.warn("CoordComma", value=value)
        value = value.replace(",", " ")
    try:
        numbers = [float(n) for n in value.split()]
    except ValueError:
        x.err("InvalidCoordList" if x.local != "point" else "InvalidCoord", value=x.value.strip())
        return
    if len(numbers) % 2 or (x.local == "point" and len(numbers) != 2):
        x.err("InvalidCoordList" if x.local != "point" else "InvalidCoord", value=x.value.strip())


_GBASE_TYPES: dict[str, re.Pattern[str]] = {
    "integer": re.compile(r"^[0-9]+$"),
    "year": re.compile(r"^[0-9]{4}$"),
    "currency": re.compile(r"^[A-Z]{3}$"),
    "boolean": re.compile(r"^(?:true|false)$", re.I),
    "price": re.compile(r"^[0-9]+(?:\.[0-9]+)?(?:\s*[A-Za-z]{3})?$"),
    "location": re.compile(r"^[^,\s][^,]*(?:,\s*[^,\s][^,]*)+$"),
    "label": re.compile(r"^[^,\s](?:[^,]*[^,\s])?$"),
    "payment": re.compile(
        r"^(?:Cash|Check|Visa|MasterCard|AmericanExpress|Discover|WireTransfer)$", re.I
    ),
    "price_type": re.compile(r"^(?:negotiable|starting)$", re.I),
    "rating": re.compile(r"^[1-5](?:\.[0-9]+)?$"),
}
_GBASE_ATTRIBUTES = {
    "age": "integer",
    "quantity": "integer",
    "bathrooms": "integer",
    "bedrooms": "integer",
    "year": "year",
    "currency": "currency",
    "listing_type": "boolean",
    "pickup": "boolean",
    "price": "price",
    "location": "location",
    "from_location": "location",
    "to_location": "location",
    "label": "label",
    "payment_accepted": "payment",
    "price_type": "price_type",
    "rating": "rating",
}
_GBASE_MAX = {"image_link": 10, "label": 10}


def _check_gbase(x: _Ext) -> None:
    """Google Base item attributes (typed values, a few repeatable up to ten times)."""
    limit = _GBASE_MAX.get(x.local)
    if limit is not None:
        before = sum(1 for s in x.el.itersiblings(preceding=True) if s.tag == x.el.tag)
        if before == limit:
            x.err("TooMany", value=str(limit))
    if x.local == "image_link":
        for url in x.value.split(","):
            if values.uri_fault(url.strip(), iri=False, full=True) is not None:
                x.err("InvalidValue", value=x.value.strip())
                break
        return
    kind = _GBASE_ATTRIBUTES.get(x.local)
    if kind is not None and not _GBASE_TYPES[kind].match(x.value):
        x.err("InvalidValue", value=x.value, type=kind)


def _check_ev(x: _Ext) -> None:
    if x.local in ("startdate", "enddate"):
        # ISO 8601, a zone optional; events are dated in the future as well
        values.check_date_w3cdtf(
            x.report, x.value.strip(), zone_required=False, bounded=False, **x.at()
        )


def _check_wfw(x: _Ext) -> None:
    if x.local == "commentRSS":
        x.warn("CommentRSS")
    elif x.local in ("comment", "commentRss"):
        x.full_url()


def _check_atom_in_rss(x: _Ext) -> None:
    """Atom elements inside RSS: atom:link (self, hub, related...) and a few others."""
    if x.local == "link":
        href = x.el.get("href")
        if x.value.strip():
            x.warn("AtomLinkNotEmpty", value=x.value.strip())
        if href is None:
            x.err("MissingAttribute", attr="href")
        elif values.check_uri(
            x.report, href.strip(), full=x.el.get("rel") == "self", **x.at("href", x.name)
        ) and (x.el.get("rel") == "self" and x.parent == "channel" and x.base_url):
            here = values.canonical_uri(x.base_url) or x.base_url
            there = values.canonical_uri(href.strip()) or href.strip()
            if here.split("#")[0] != there.split("#")[0]:
                x.warn("SelfDoesntMatchLocation", value=href)
        kind = x.el.get("type")
        if kind is not None:
            values.check_mime_type(x.report, kind.strip(), **x.at(attr="type"))
    elif x.local in ("updated", "published"):
        values.check_date_rfc3339(x.report, x.value.strip(), **x.at())
    elif x.local == "id" and values.check_uri(x.report, x.value.strip(), full=True, **x.at()):
        values.check_canonical(x.report, x.value.strip(), **x.at())


def _check_thr(x: _Ext) -> None:
    if x.local == "total":
        x.integer()
    elif x.local == "in-reply-to":
        ref = x.el.get("ref")
        if ref is None:
            x.err("MissingAttribute", attr="ref")
        href = x.el.get("href")
        if href is not None:
            x.full_url(href, name="href", parent=x.name)
    else:
        x.undefined()


def _check_fh(x: _Ext) -> None:
    if x.local in ("complete", "archive"):
        if x.value.strip() or len(x.el):
            x.err("UnexpectedText")
    else:
        x.undefined()


def _check_xhtml(x: _Ext) -> None:
    if x.local == "body":
        markup.check_xhtml(x.report, x.el, element=x.name, parent=x.parent)


def _check_access(x: _Ext) -> None:
    if x.local != "restriction" or x.parent != "rss":
        x.undefined()
        return
    rel = x.el.get("relationship")
    if rel is None:
        x.err("MissingAttribute", attr="relationship")
    elif rel not in ("allow", "deny"):
        x.err("InvalidAccessRestrictionRel", value=rel)


def _check_feedburner(x: _Ext) -> None:
    """FeedBurner's additions: original links, awareness API, flares."""
    if x.local in ("awareness", "origLink", "origEnclosureLink", "feedburnerHostname"):
        x.full_url()
    elif x.local in ("browserFriendly", "feedFlare"):
        x.plain()
    if x.local == "feedFlare":
        for attr in ("href", "src"):
            value = x.el.get(attr)
            if value is None:
                continue
            where = x.at(attr, x.name.replace(":", "_"))
            if values.check_uri(x.report, value.strip(), iri=False, **where) and not (
                values.is_absolute(value)
            ):
                values.log(x.report, "warning", "ContainsRelRef", where, value=value)


_OPENSEARCH_ROLES = frozenset({"request", "example", "related", "correction", "subset", "superset"})
_URL_ENCODED = re.compile(r"^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/? ]|%[0-9A-Fa-f]{2})*$")


def _check_opensearch(x: _Ext) -> None:
    """OpenSearch 1.1 response elements (totalResults, startIndex, itemsPerPage, Query)."""
    if x.local in ("totalResults", "itemsPerPage"):
        x.integer()
    elif x.local == "startIndex":
        x.integer(minimum=-(2**63))
    elif x.local == "Query":
        _opensearch_query(x)
    elif x.local != "link":
        x.undefined()


def _opensearch_query(x: _Ext) -> None:
    role = x.el.get("role")
    if role is None:
        x.err("MissingAttribute", attr="role")
    elif role not in _OPENSEARCH_ROLES:
        prefix, _, local = role.partition(":")
        if not local or prefix not in (x.el.nsmap or {}):
            x.err("InvalidLocalRole", attr="role", value=role)
    title = x.el.get("title")
    if title is not None:
        if len(title) > 256:
            x.err("TooLong", name="title", parent=x.name, value=title[:80])
        x.plain(title, "title")
    for attr, minimum, code in (
        ("totalResults", 0, "InvalidInteger"),
        ("count", 0, "InvalidNonNegativeInteger"),
        ("startIndex", None, "InvalidInteger"),
        ("startPage", None, "InvalidInteger"),
    ):
        value = x.el.get(attr)
        if value is None:
            continue
        number = values.int_value(value)
        if number is None or (minimum is not None and number < minimum):
            x.err(code, name=attr, parent=x.name, value=value)
    terms = x.el.get("searchTerms")
    if terms is not None and not _URL_ENCODED.match(terms):
        x.err("NotURLEncoded", name="searchTerms", parent=x.name, value=terms)
    language = x.el.get("language")
    if language is not None and language != "*":
        x.language(language, "language")
    for attr in ("inputEncoding", "outputEncoding"):
        value = x.el.get(attr)
        if value is None:
            continue
        try:
            codecs.lookup(value)
        except LookupError:
            x.err("InvalidEncoding", name=attr, parent=x.name, value=value)


def _check_conversations_network(x: _Ext) -> None:
    """The Conversations Network's podcast ratings."""
    if x.local == "image":
        x.full_url(code="InvalidURLAttribute")
    elif x.local in ("introMilliseconds", "ratingCount"):
        x.integer("InvalidNonNegativeInteger")
    elif x.local == "ratingIndividual":
        x.integer("InvalidPositiveInteger", minimum=1)
    elif x.local == "ratingAverage":
        try:
            float(x.value.strip())
        except ValueError:
            x.err("InvalidFloat", value=x.value.strip())
    elif x.local == "ratingTimestamp" and (
        not values.is_w3cdtf(x.value.strip()) or "T" not in x.value
    ):
        x.err("InvalidISO8601DateTime", value=x.value.strip())


def _check_media_old(x: _Ext) -> None:
    x.err("MediaRssNamespace", value=namespace(x.el))


_CHECKERS: dict[str, Callable[[_Ext], None]] = {
    DC_NS: _check_dc,
    DCTERMS_NS: _check_dcterms,
    CONTENT_NS: _check_content,
    SY_NS: _check_sy,
    SLASH_NS: _check_slash,
    ns.ADMIN: _check_admin,
    ns.BLOGCHANNEL: _check_blog_channel,
    ns.CREATIVECOMMONS: _check_url_element,
    ns.CC: _check_url_element,
    ns.TRACKBACK: _check_trackback,
    ns.GEO: _check_geo,
    ns.GEOURL: _check_geo,
    ns.ICBM: _check_geo,
    ns.EV: _check_ev,
    ns.WFW: _check_wfw,
    ATOM_NS: _check_atom_in_rss,
    THR_NS: _check_thr,
    FH_NS: _check_fh,
    XHTML_NS: _check_xhtml,
    ns.ACCESS: _check_access,
    ns.FEEDBURNER: _check_feedburner,
    OPENSEARCH_NS: _check_opensearch,
    GEORSS_NS: _check_georss,
    GBASE_NS: _check_gbase,
    MEDIA_NS_OLD: _check_media_old,
    ns.CONVERSATIONS: _check_conversations_network,
}


#: namespaces whose elements hold only text (or nothing)
_SIMPLE = frozenset(
    {
        DC_NS,
        DCTERMS_NS,
        CONTENT_NS,
        SY_NS,
        SLASH_NS,
        ns.ADMIN,
        ns.BLOGCHANNEL,
        ns.CREATIVECOMMONS,
        ns.EV,
    }
)


def check_extension_element(
    report: Report, element: etree._Element, parent_name: str, base_url: str | None
) -> None:
    """Check one foreign element found in an RSS channel/item or an Atom feed/entry.

    ``parent_name`` is how messages name its parent (``channel``, ``item``, ``entry``...).
    Elements of unknown namespaces are allowed; their un-namespaced children are not."""
    uri = namespace(element)
    context = _Ext(report, element, parent_name, base_url)
    checker = _CHECKERS.get(uri)
    if uri in _SIMPLE:
        for child in iter_elements(element):
            emit(
                report,
                "error",
                "UndefinedElement",
                child,
                name=local_name(child),
                parent=context.name,
            )
    if checker is None:
        if uri == MEDIA_NS:
            _check_media(context)
        elif uri in (ITUNES_NS, ITUNES_NS_CASED):
            _check_itunes(context)
        else:
            _check_unknown(context)
        return
    checker(context)


def _check_unknown(x: _Ext) -> None:
    """Unknown namespace: anything goes, but its children must be namespaced too."""
    for node in iter_elements(x.el):
        if not namespace(node):
            emit(x.report, "error", "NotInANamespace", node, parent=x.name)


def _check_media(x: _Ext) -> None:
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
            if namespace(child) == MEDIA_NS:
                contents += name == "media:content"
                _check_media(_Ext(x.report, child, x.name, x.base_url))
            elif namespace(child):
                check_extension_element(x.report, child, x.name, x.base_url)
        if local == "group" and contents < 2:
            x.err("MediaGroupWithoutAlternatives")


_MEDIA_ONCE = frozenset({"media:title", "media:description", "media:copyright", "media:keywords"})
_MEDIA_OTHER = frozenset(
    """community comments embed responses backLinks status price license subTitle peerLink
    location rights scenes starRating statistics tags param response backLink scene
    keywords""".split()
)


def _media_attr(
    x: _Ext, attr: str, kind: str, *, required: bool = False, choices: frozenset[str] = frozenset()
) -> None:
    """One attribute of a media element, faults named {element: attr, parent: element}."""
    value = x.el.get(attr)
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
        if not re.fullmatch(r"\s*\d+(?:\.\d*)?\s*|\s*\.\d+\s*", value):
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


def _media_content(x: _Ext) -> None:
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
    if x.el.get("url") is None and x.el.find(f"{{{MEDIA_NS}}}player") is None:
        x.err("MissingAttribute", attr="url")


def _media_text(x: _Ext) -> None:
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


def _media_rating(x: _Ext) -> None:
    scheme = x.el.get("scheme", "urn:simple")
    _media_attr(x, "scheme", "url")
    pattern = _RATINGS.get(scheme)
    if pattern is not None and not pattern.match(x.value.strip().lower()):
        x.err("InvalidMediaRating", value=x.value.strip())


def _media_thumbnail(x: _Ext) -> None:
    _media_attr(x, "url", "url", required=True)
    _media_attr(x, "height", "positive")
    _media_attr(x, "width", "positive")
    _media_attr(x, "time", "npt")


def _media_player(x: _Ext) -> None:
    _media_attr(x, "url", "url", required=True)
    _media_attr(x, "height", "positive")
    _media_attr(x, "width", "positive")


def _media_category(x: _Ext) -> None:
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


def _media_credit(x: _Ext) -> None:
    _media_attr(x, "scheme", "url")
    role = x.el.get("role")
    if role is not None:
        words = role.split()
        if not words or any(word not in _CREDIT_ROLES for word in words):
            x.err("InvalidCreditRole", value=role)
    x.plain()


def _media_hash(x: _Ext) -> None:
    algo = x.el.get("algo", "md5")
    length = {"md5": 32, "sha-1": 40}.get(algo)
    if length is None or not re.fullmatch(rf"[0-9a-fA-F]{{{length}}}", x.value.strip()):
        x.err("InvalidMediaHash", value=x.value.strip())


def _media_restriction(x: _Ext) -> None:
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


def _media_copyright(x: _Ext) -> None:
    _media_attr(x, "url", "url")
    x.plain()


def _media_adult(x: _Ext) -> None:
    x.warn("DeprecatedMediaAdult")


def _media_nothing(x: _Ext) -> None:
    pass


_MEDIA: dict[str, Callable[[_Ext], None]] = {
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


def _check_itunes(x: _Ext) -> None:
    """Apple Podcasts tags (https://help.apple.com/itc/podcasts_connect/#/itcb54353390)."""
    local = x.local
    if local in _ITUNES_ITEM_ONLY and x.parent != "item":
        x.undefined()
    elif local in ("explicit",):
        # Apple's current spec: "true" or "false" (yes/no/clean were the old values)
        if x.value not in ("true", "false"):
            x.err("InvalidTrueFalse", value=x.value)
    elif local in ("block", "complete", "isClosedCaptioned"):
        if x.value.strip().lower() not in ("yes", "no", "true", "false"):
            x.err("InvalidYesNoClean", value=x.value)
    elif local == "category":
        _itunes_category(x)
    elif local == "image":
        href = x.el.get("href")
        if href is None:
            x.err("MissingAttribute", attr="href")
        else:
            x.full_url(
                href, code="InvalidURLAttribute", name="href", parent=x.name.replace(":", "_")
            )
    elif local in ("subtitle", "summary", "keywords"):
        limit = 4000 if local == "summary" else 255
        if len(x.value) > limit:
            x.err("TooLong", value=x.value[:80])
        x.plain()
        if local == "keywords" and " " in x.value.strip() and "," not in x.value:
            x.warn("InvalidKeywords", value=x.value)
    elif local == "duration":
        if not _DURATION.match(x.value.strip()):
            x.err("InvalidDuration", value=x.value)
    elif local in ("episode", "season", "order"):
        x.integer("InvalidPositiveInteger", minimum=1)
    elif local == "episodeType":
        if x.value.strip() not in ("full", "trailer", "bonus"):
            x.err("InvalidItunesEpisodeType", value=x.value)
    elif local == "type":
        if x.value.strip() not in ("episodic", "serial"):
            x.err("InvalidItunesChannelType", value=x.value)
    elif local == "owner":
        email = x.el.find(f"{{{ITUNES_NS}}}email")
        if email is None:
            x.err("MissingElement", name="itunes:email", parent=x.name)
        for child in iter_elements(x.el):
            if namespace(child) == ITUNES_NS:
                _check_itunes(_Ext(x.report, child, x.name, x.base_url))
    elif local == "email":
        values.check_email(x.report, x.value.strip(), code="InvalidContact", **x.at())
    elif local == "new-feed-url":
        x.full_url()
    elif local in ("author", "name", "title"):
        x.plain()
    elif local not in ("link", "new-feed-url"):
        x.undefined()


_ITUNES_ITEM_ONLY = frozenset({"duration", "episode", "season", "episodeType", "order"})
_DURATION = re.compile(r"^(?:\d+|\d{1,2}:[0-5]\d|\d{1,3}:[0-5]\d:[0-5]\d)$")

ITUNES_CATEGORIES: dict[str, frozenset[str]] = {
    name: frozenset(filter(None, (s.strip() for s in subs.split("|"))))
    for name, subs in (
        ("Arts", "Books|Design|Fashion & Beauty|Food|Literature|Performing Arts|Visual Arts"),
        (
            "Business",
            "Business News|Careers|Entrepreneurship|Investing|Management|"
            "Management & Marketing|Marketing|Non-Profit|Shopping",
        ),
        ("Comedy", "Comedy Interviews|Improv|Stand-Up"),
        (
            "Education",
            "Courses|Education Technology|Higher Education|How To|K-12|"
            "Language Courses|Language Learning|Self-Improvement|Training",
        ),
        ("Fiction", "Comedy Fiction|Drama|Science Fiction"),
        ("Games & Hobbies", "Automotive|Aviation|Hobbies|Other Games|Video Games"),
        ("Government", ""),
        ("Government & Organizations", "Local|National|Non-Profit|Regional"),
        ("Health", "Alternative Health|Fitness & Nutrition|Self-Help|Sexuality"),
        (
            "Health & Fitness",
            "Alternative Health|Fitness|Medicine|Mental Health|Nutrition|Sexuality",
        ),
        ("History", ""),
        ("Kids & Family", "Education for Kids|Parenting|Pets & Animals|Stories for Kids"),
        (
            "Leisure",
            "Animation & Manga|Automotive|Aviation|Crafts|Games|Hobbies|Home & Garden|Video Games",
        ),
        ("Music", "Music Commentary|Music History|Music Interviews"),
        (
            "News",
            "Business News|Daily News|Entertainment News|News Commentary|Politics|"
            "Sports News|Tech News",
        ),
        ("News & Politics", ""),
        (
            "Religion & Spirituality",
            "Buddhism|Christianity|Hinduism|Islam|Judaism|Other|Religion|Spirituality",
        ),
        (
            "Science",
            "Astronomy|Chemistry|Earth Sciences|Life Sciences|Mathematics|"
            "Natural Sciences|Nature|Physics|Social Sciences",
        ),
        ("Science & Medicine", "Medicine|Natural Sciences|Social Sciences"),
        (
            "Society & Culture",
            "Documentary|History|Personal Journals|Philosophy|Places & Travel|Relationships",
        ),
        (
            "Sports",
            "Baseball|Basketball|Cricket|Fantasy Sports|Football|Golf|Hockey|Rugby|"
            "Running|Soccer|Swimming|Tennis|Volleyball|Wilderness|Wrestling",
        ),
        ("Sports & Recreation", "Amateur|College & High School|Outdoor|Professional"),
        ("Technology", "Gadgets|Tech News|Podcasting|Software How-To"),
        ("True Crime", ""),
        ("TV & Film", "After Shows|Film History|Film Interviews|Film Reviews|TV Reviews"),
    )
}
#: categories of Apple's first list, since withdrawn
OBSOLETE_ITUNES_CATEGORIES: dict[str, frozenset[str]] = {
    "Audio Blogs": frozenset(),
    "Entertainment": frozenset(),
    "Family": frozenset(),
    "International": frozenset(
        {
            "Australian",
            "Belgian",
            "Brazilian",
            "Canadian",
            "Chinese",
            "Dutch",
            "French",
            "German",
            "Hebrew",
            "Italian",
            "Japanese",
            "Norwegian",
            "Polish",
            "Portuguese",
            "Spanish",
            "Swedish",
        }
    ),
    "Movies & Television": frozenset(),
    "Politics": frozenset(),
    "Public Radio": frozenset(),
    "Talk Radio": frozenset(),
    "Travel": frozenset(),
    "Technology": frozenset({"Computers", "Developers", "IT News", "Information Technology"}),
}


def _itunes_category(x: _Ext) -> None:
    text = x.el.get("text")
    if text is None:
        x.err("MissingAttribute", attr="text")
        return
    top_level = x.parent != "itunes:category"
    if top_level:
        known = text in ITUNES_CATEGORIES
        obsolete = text in OBSOLETE_ITUNES_CATEGORIES and not known
    else:
        parent = x.el.getparent()
        parent_text = parent.get("text", "") if parent is not None else ""
        known = text in ITUNES_CATEGORIES.get(parent_text, frozenset())
        obsolete = text in OBSOLETE_ITUNES_CATEGORIES.get(parent_text, frozenset())
    if obsolete:
        x.warn("ObsoleteItunesCategory", value=text)
    elif not known:
        x.err("InvalidItunesCategory", value=text)
    for child in iter_elements(x.el):
        if qname(child) == "itunes:category":
            _itunes_category(_Ext(x.report, child, x.name, x.base_url))
        else:
            emit(x.report, "error", "UndefinedElement", child, parent=x.name)


def check_itunes_channel(report: Report, channel: etree._Element) -> None:
    """What Apple requires of a podcast channel: language, category, explicit, an e-mail."""
    for name, path in (
        ("language", "language"),
        ("itunes:category", f"{{{ITUNES_NS}}}category"),
        ("itunes:explicit", f"{{{ITUNES_NS}}}explicit"),
    ):
        if channel.find(path) is None:
            emit(report, "warning", "MissingItunesElement", channel, name=name, parent="channel")
    encoding = channel.getroottree().docinfo.encoding or "UTF-8"
    if encoding.upper() not in ("UTF-8", "UTF8"):
        emit(report, "warning", "NotUTF8", channel, name="channel", parent="rss", value=encoding)
    if channel.find(f"{{{ITUNES_NS}}}owner/{{{ITUNES_NS}}}email") is None:
        emit(report, "warning", "MissingItunesEmail", channel, name=None, parent="channel")
    for enclosure in channel.iterfind("item/enclosure"):
        url = (enclosure.get("url") or "").strip()
        extension = url.rsplit("/", 1)[-1].rpartition(".")[2].lower()
        if "." in url.rsplit("/", 1)[-1] and extension not in _ITUNES_FORMATS:
            emit(
                report,
                "warning",
                "UnsupportedItunesFormat",
                enclosure,
                parent="item",
                extension=extension,
            )


_ITUNES_FORMATS = frozenset({"m4a", "mp3", "mov", "mp4", "m4v", "pdf", "epub", "aac", "m4b"})

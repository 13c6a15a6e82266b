"""The one table of namespaces the validator knows: each URI, the prefix messages call it
by whatever prefix a document binds (the W3C validator's ``base.namespaces``), the
prefixes reserved for them, and the rule on namespace declarations that Atom and RSS
share (ReservedPrefix, NonstdPrefix, AvoidNamespacePrefix).
"""

from __future__ import annotations

from lxml import etree

from .report import Report
from .values import is_tag_uri

ATOM = "http://www.w3.org/2005/Atom"
XML = "http://www.w3.org/XML/1998/namespace"
XHTML = "http://www.w3.org/1999/xhtml"
SVG = "http://www.w3.org/2000/svg"
MATHML = "http://www.w3.org/1998/Math/MathML"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RSS1 = "http://purl.org/rss/1.0/"
APP = "http://www.w3.org/2007/app"
APP_DRAFT = "http://purl.org/atom/app#"  # the Atom Publishing Protocol's drafts
CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"
MEDIA = "http://search.yahoo.com/mrss/"
MEDIA_MISSPELT = "http://search.yahoo.com/mrss"  # MediaRssNamespace: no trailing slash
THR = "http://purl.org/syndication/thread/1.0"
FH = "http://purl.org/syndication/history/1.0"
SX = "http://feedsync.org/2007/feedsync"
SLASH = "http://purl.org/rss/1.0/modules/slash/"
SY = "http://purl.org/rss/1.0/modules/syndication/"
EV = "http://purl.org/rss/1.0/modules/event/"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ITUNES_CASED = "http://www.itunes.com/DTDs/Podcast-1.0.dtd"  # Apple's own examples
ADMIN = "http://webns.net/mvcb/"
BLOGCHANNEL = "http://backend.userland.com/blogChannelModule"
CREATIVECOMMONS = "http://backend.userland.com/creativeCommonsRssModule"
CC = "http://web.resource.org/cc/"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
GEOURL = "http://geourl.org/rss/module/"
ICBM = "http://postneo.com/icbm"
GEORSS = "http://www.georss.org/georss"
TRACKBACK = "http://madskills.com/public/xml/rss/module/trackback/"
WFW = "http://wellformedweb.org/CommentAPI/"
FEEDBURNER = "http://rssnamespace.org/feedburner/ext/1.0"
ACCESS = "http://www.bloglines.com/about/specs/fac-1.0"
CONVERSATIONS = "http://conversationsnetwork.org/rssNamespace-1.0/"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
GBASE = "http://base.google.com/ns/1.0"
GDATA = "http://schemas.google.com/g/2005"
GML = "http://www.opengis.net/gml"

#: namespace URI -> the prefix messages use for it, whatever the document calls it
PREFIXES: dict[str, str] = {
    ATOM: "atom",
    XML: "xml",
    XHTML: "xhtml",
    SVG: "svg",
    MATHML: "mathml",
    RDF: "rdf",
    RSS1: "rss",
    APP: "app",
    APP_DRAFT: "app",
    CONTENT: "content",
    DC: "dc",
    DCTERMS: "dcterms",
    MEDIA: "media",
    MEDIA_MISSPELT: "media",
    THR: "thr",
    FH: "fh",
    SX: "sx",
    SLASH: "slash",
    SY: "sy",
    EV: "ev",
    ITUNES: "itunes",
    ITUNES_CASED: "itunes",
    ADMIN: "admin",
    BLOGCHANNEL: "blogChannel",
    CREATIVECOMMONS: "creativeCommons",
    CC: "cc",
    GEO: "geo",
    GEOURL: "geourl",
    ICBM: "icbm",
    GEORSS: "georss",
    TRACKBACK: "trackback",
    WFW: "wfw",
    FEEDBURNER: "feedburner",
    ACCESS: "access",
    CONVERSATIONS: "conversationsNetwork",
    OPENSEARCH: "opensearch",
    GBASE: "g",
}
# Second spellings of a namespace: named by its prefix, but not the one the prefix means.
_ALTERNATES = frozenset({APP_DRAFT, MEDIA_MISSPELT, ITUNES_CASED})

#: prefixes the W3C validator also reserves, for vocabularies this one does not check
_RESERVED_ELSEWHERE = {
    "ag": "http://purl.org/rss/1.0/modules/aggregation/",
    "annotate": "http://purl.org/rss/1.0/modules/annotate/",
    "at": "http://purl.org/atompub/tombstones/1.0",
    "cf": "http://www.microsoft.com/schemas/rss/core/2005",
    "cp": "http://my.theinfo.org/changed/1.0/rss/",
    "email": "http://purl.org/rss/1.0/modules/email/",
    "fm": "http://freshmeat.net/rss/fm/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "gd": GDATA,
    "gml": GML,
    "image": "http://purl.org/rss/1.0/modules/image/",
    "l": "http://purl.org/rss/1.0/modules/link/",
    "pingback": "http://madskills.com/public/xml/rss/module/pingback/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "ref": "http://purl.org/rss/1.0/modules/reference/",
    "reqv": "http://purl.org/rss/1.0/modules/richequiv/",
    "rss091": "http://purl.org/rss/1.0/modules/rss091#",
    "search": "http://purl.org/rss/1.0/modules/search/",
    "ss": "http://purl.org/rss/1.0/modules/servicestatus/",
    "sse": "http://www.microsoft.com/schemas/rss/sse",
    "sub": "http://purl.org/rss/1.0/modules/subscription/",
    "taxo": "http://purl.org/rss/1.0/modules/taxonomy/",
    "wiki": "http://purl.org/rss/1.0/modules/wiki/",
    "xlink": "http://www.w3.org/1999/xlink",
    "xsl": "http://www.w3.org/1999/XSL/Transform",
}

#: prefix -> the namespace everyone means by it (readers that go by prefix assume it)
RESERVED_PREFIXES: dict[str, str] = {
    **_RESERVED_ELSEWHERE,
    **{prefix: uri for uri, prefix in PREFIXES.items() if uri not in _ALTERNATES},
}

#: known vocabularies without a prefix of their own (their elements are let through)
OTHER_KNOWN = frozenset(
    """http://a9.com/-/spec/opensearchrss/1.0/ http://creativecommons.org/ns#
    http://www.microsoft.com/schemas/rss/sse
    http://www.w3.org/2000/01/rdf-schema# http://xmlns.com/foaf/0.1/
    http://my.theinfo.org/changed/1.0/rss/ http://www.opml.org/spec2
    http://purl.org/syndication/atomtriples/1 http://www.w3.org/2005/Atom/app
    http://pubsubhubbub.appspot.com/""".split()
)
#: known, but the validator does not check them: UnsupportedNamespace (info), not Unknown
UNSUPPORTED = frozenset({GDATA})
#: every namespace the validator knows; an element of any other is UnknownNamespace
KNOWN = frozenset(PREFIXES) | OTHER_KNOWN | UNSUPPORTED | {GML}

#: vocabularies of feeds themselves, whose elements never belong inside XHTML content
FEED_VOCABULARIES = frozenset({ATOM, APP, APP_DRAFT, DC, DCTERMS, RSS1, FH, THR})


def check_declarations(report: Report, root: etree._Element, *, atom: bool) -> None:
    """Every namespace declaration of the document, once each: ReservedPrefix for a
    well-known prefix bound to another namespace (readers that go by prefix misread it),
    NonstdPrefix (info) for a known namespace under an unusual prefix, InvalidTAG for a
    ``tag:`` namespace that is not one, and in Atom documents AvoidNamespacePrefix for a
    prefix bound to Atom or XHTML (many readers only understand the default namespace)."""
    seen: set[tuple[str, str]] = set()
    for _event, declared in etree.iterwalk(root, events=("start-ns",)):
        prefix, uri = declared
        if (prefix, uri) in seen:
            continue
        seen.add((prefix, uri))
        where = {"value": f"{prefix}={uri}", "prefix": prefix, "namespace": uri}
        if prefix:
            expected = RESERVED_PREFIXES.get(prefix)
            if expected is not None and uri != expected and PREFIXES.get(uri) != prefix:
                report.warning("ReservedPrefix", **where)
            elif uri in PREFIXES and PREFIXES[uri] != prefix and uri != XML:
                report.info("NonstdPrefix", **where)
            if atom and uri in (ATOM, XHTML) and (prefix, "") not in seen:
                seen.add((prefix, ""))
                report.warning("AvoidNamespacePrefix", prefix=prefix, namespace=uri)
        if uri.startswith("tag:") and not is_tag_uri(uri):
            report.error("InvalidTAG", element=f"xmlns:{prefix}" if prefix else "xmlns", value=uri)


def check_vocabulary(report: Report, uri: str, warned: set[str], **where: str | int | None) -> None:
    """UnknownNamespace for an element of a namespace the validator does not know (RFC 4287
    section 6 and RSS 2.0 allow any, but a typo in a namespace URI should not pass
    silently), UnsupportedNamespace (info) for the known ones it does not check; once per
    namespace of a document (``warned`` holds those already said)."""
    if uri in warned or not uri:
        return
    warned.add(uri)
    if uri in UNSUPPORTED:
        report.info("UnsupportedNamespace", namespace=uri, **where)
    elif uri not in KNOWN:
        report.warning("UnknownNamespace", namespace=uri, **where)

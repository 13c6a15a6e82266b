"""Atom links (RFC 4287 section 4.2.7) wherever they stand: ``link`` in Atom feeds and
entries and ``atom:link`` in RSS channels and items are one element with one set of
rules (as in the W3C validator); and what RFC 4287 and RFC 5005 ask of a feed's links
together (DuplicateAtomLink, complete and archived feeds, paging past the end).
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from . import markup, values
from .ext import thr
from .namespaces import XML
from .report import Report
from .tree import attributes_of, line_of, own_text

# IANA link relations registry (RFC 4287, 4685, 5005, 5023, 5829, 6903, 8288 ...).
REGISTERED_RELS = frozenset(
    """about alternate appendix archives author bookmark canonical chapter collection contents
    copyright create-form current derivedfrom describedby describes disclosure duplicate edit
    edit-form edit-media enclosure first glossary help hosts hub icon index item last
    latest-version license lrdd memento monitor monitor-group next next-archive nofollow
    noreferrer original payment predecessor-version prefetch prev prev-archive preview previous
    privacy-policy related replies search section self service start stylesheet subsection
    successor-version tag terms-of-service timegate timemap type up version-history via
    working-copy working-copy-of""".split()
)
IANA_REL_PREFIX = "http://www.iana.org/assignments/relation/"
# RFC 5005 relations that page or archive a whole feed: meaningless inside an entry.
FEED_HISTORY_RELS = frozenset(
    ("first", "last", "next", "previous", "prev", "prev-archive", "next-archive", "current")
)
COMPLETE_FEED_FORBIDDEN_RELS = FEED_HISTORY_RELS - {"current"}
# What a self link may say it is: the feed's own format (the W3C validator's list).
SELF_TYPES = frozenset(("application/atom+xml", "application/rss+xml", "application/rdf+xml"))
# A self link names the document itself when it stands in the document's top container.
FEED_LEVEL = frozenset(("feed", "channel"))
_XML_BASE = f"{{{XML}}}base"
# A link's own attributes (RFC 4287 4.2.7): none of them is another vocabulary's.
LINK_ATTRIBUTES = frozenset(("href", "rel", "type", "hreflang", "title", "length"))


@dataclass(slots=True)
class Link:
    """What a feed's later rules need of one of its links."""

    rel: str
    type: str | None
    hreflang: str | None
    href: str | None
    resolved: str | None
    line: int | None


def check_link(
    report: Report,
    el: etree._Element,
    *,
    name: str,
    parent: str,
    base: str | None,
    doc_base: str | None,
) -> Link:
    """One link (``name`` is how messages call it: ``link``, or ``atom:link`` in RSS) in
    ``parent``, ``base`` the base URI in force there, ``doc_base`` the document's URL."""
    line = line_of(el)
    if (el.text or len(el)) and own_text(el).strip():  # a link is most often empty
        report.warning("AtomLinkNotEmpty", element=name, parent=parent, line=line)
    attrs = attributes_of(el)
    href = attrs.get("href")
    resolved: str | None = None
    if href is None:
        report.error("MissingHref", element=name, parent=parent, attr="href", line=line)
    elif (clean := values.is_clean_http_url(href)) or values.check_uri(
        report, href, element="href", parent=parent, attr="href", line=line
    ):
        resolved = values.resolve(base, href, clean=clean)
        if base and base != doc_base and _same_document(resolved, base, doc_base):
            report.warning(
                "SameDocumentReference", element="href", parent=parent, value=href, line=line
            )
    rel = attrs.get("rel")
    if rel not in REGISTERED_RELS:  # a registered name is what ``_rel`` gives back as is
        rel = _rel(report, rel, name, parent, line)
    link_type = attrs.get("type")
    if link_type is not None and not values.is_mime_type(link_type):
        values.check_mime_type(
            report, link_type, element=name, parent=parent, attr="type", line=line
        )
    hreflang = attrs.get("hreflang")
    if hreflang is not None:
        values.check_language(report, hreflang, element="hreflang", parent=parent, line=line)
    title = attrs.get("title")
    if title is not None:
        if not title:
            report.warning("AttrNotBlank", element=name, parent=parent, attr="title", line=line)
        if "<" in title or "&" in title:  # else plain text (``check_plain_text``)
            markup.check_plain_text(report, title, element=name, parent=parent, line=line)
        if not title.isascii():  # else no bad character (``check_characters``)
            markup.check_characters(report, title, element="title", parent=name, line=line)
    length = attrs.get("length")
    if length is not None:
        values.check_integer(report, length, element="length", parent=parent, line=line)
    if not LINK_ATTRIBUTES.issuperset(attrs) and any(attr[0] == "{" for attr in attrs):
        # thr:count and the like
        thr.check_link_attributes(report, el, parent)
    link = Link(rel, link_type, hreflang, href, resolved, line)
    if rel == "self" and href is not None:
        _self_link(report, el, link, name=name, parent=parent, base=base, doc_base=doc_base)
    return link


def _rel(report: Report, rel: str | None, name: str, parent: str, line: int | None) -> str:
    """The link's relation (``alternate`` when none is given), IANA's URIs shortened."""
    if rel is None:
        return "alternate"
    if not rel:
        report.warning("AttrNotBlank", element=name, parent=parent, attr="rel", line=line)
    elif rel.startswith(IANA_REL_PREFIX) and rel[len(IANA_REL_PREFIX) :] in REGISTERED_RELS:
        return rel[len(IANA_REL_PREFIX) :]
    elif rel not in REGISTERED_RELS and not (
        values.is_absolute(rel) and values.first_bad_uri_char(rel) is None
    ):
        report.warning(
            "UnregisteredAtomLinkRel",
            element=name,
            parent=parent,
            attr="rel",
            value=rel,
            line=line,
        )
    return rel


def _self_link(
    report: Report,
    el: etree._Element,
    link: Link,
    *,
    name: str,
    parent: str,
    base: str | None,
    doc_base: str | None,
) -> None:
    """SelfNotAtom; and for the feed's own: RelativeSelf, SelfDoesntMatchLocation."""
    assert link.href is not None
    if link.type is not None and link.type.split(";")[0].strip() not in SELF_TYPES:
        report.warning("SelfNotAtom", element=name, parent=parent, type=link.type, line=link.line)
    if parent not in FEED_LEVEL:
        return
    has_xml_base = any(node.get(_XML_BASE) is not None for node in (el, *el.iterancestors()))
    if not values.is_absolute(link.href) and not (
        base and values.is_absolute(base) and has_xml_base
    ):
        report.warning("RelativeSelf", element=name, parent=parent, value=link.href, line=link.line)
    elif (
        doc_base
        and link.resolved
        and values.is_absolute(link.resolved)
        and _comparable(link.resolved) != _comparable(doc_base)
    ):
        report.warning(
            "SelfDoesntMatchLocation",
            element=name,
            parent=parent,
            value=link.resolved,
            line=link.line,
        )


def check_alternates(report: Report, links: list[Link], parent: str) -> None:
    """RFC 4287 4.1.1: no two alternate links with the same type and hreflang."""
    seen: set[tuple[str | None, str | None]] = set()
    for link in links:
        if link.rel != "alternate":
            continue
        key = (link.type, link.hreflang)
        if key in seen:
            report.error(
                "DuplicateAtomLink",
                element="link",
                parent=parent,
                type=link.type,
                hreflang=link.hreflang,
                line=link.line,
            )
        seen.add(key)


def check_history(
    report: Report, links: list[Link], *, complete: bool, archive: bool, line: int | None
) -> None:
    """RFC 5005: complete feeds carry no paging links; archives point to the current
    feed; no paging past the first or last page."""
    rels = {link.rel: link for link in links}
    self_link = rels.get("self")
    if complete:
        for link in links:
            if link.rel in COMPLETE_FEED_FORBIDDEN_RELS:
                report.error(
                    "FeedRelInCompleteFeed",
                    element="link",
                    parent="feed",
                    rel=link.rel,
                    line=link.line,
                )
        current = rels.get("current")
        if current is not None and (self_link is None or self_link.resolved != current.resolved):
            report.error(
                "CurrentNotSelfInCompleteFeed",
                element="link",
                parent="feed",
                rel="current",
                line=current.line,
            )
    if archive and not complete:
        if "current" not in rels:
            report.warning("MissingCurrentInArchive", element="link", parent="feed", line=line)
        # RFC 5005 §4: an archive document links the current one, and its neighbours where
        # they exist; the only page of a history has none, and is complete with `current`.
        if not set(rels) & {"current", "prev-archive", "next-archive", "previous", "next"}:
            report.warning("ArchiveIncomplete", element="fh:archive", parent="feed", line=line)
    if self_link is not None:
        for edge, beyond in (("last", "next"), ("first", "previous")):
            edge_link = rels.get(edge)
            past = edge_link is not None and edge_link.resolved == self_link.resolved
            if past and beyond in rels:
                report.error(
                    "LinkPastEnd",
                    element="link",
                    parent="feed",
                    rel=beyond,
                    edge=edge,
                    line=rels[beyond].line,
                )


def _same_document(resolved: str, base: str, doc_base: str | None) -> bool:
    """Does a reference resolve to its own xml:base (not the document): RFC 3986 5.4 says
    that is "this document", which is ambiguous when xml:base names another resource."""
    here = _comparable(base)
    doc = _comparable(doc_base) if doc_base else None
    return _comparable(resolved) == here and here != doc


def _comparable(uri: str) -> str:
    """A URI in normal form without its fragment, for "is this the same resource?"."""
    return (values.canonical_uri(uri) or uri).split("#", 1)[0]

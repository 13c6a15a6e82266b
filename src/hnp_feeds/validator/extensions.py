"""Foreign elements inside RSS 2.0 and Atom, handed to their vocabulary's module in
``ext/`` (dc, dcterms, content, media, itunes, georss, thr, fh, sx, app, atom in RSS...).
Unknown namespaces are allowed (RSS 2.0 "Extending RSS", RFC 4287 section 6) but said
once (UnknownNamespace), and their un-namespaced children are not (NotInANamespace).
"""

from __future__ import annotations

from lxml import etree

from . import namespaces
from .ext import (
    Ext,
    Vocabulary,
    access,
    admin,
    app,
    atom,
    blogchannel,
    cc,
    content,
    conversations,
    dc,
    ev,
    feedburner,
    fh,
    gbase,
    geo,
    georss,
    itunes,
    media,
    opensearch,
    slash,
    sx,
    sy,
    thr,
    trackback,
    wfw,
    xhtml,
)
from .report import Report
from .tree import XmlBases, emit, iter_elements, line_of, local_name, namespace_of, qname

_MODULES = (
    *(access, admin, app, atom, blogchannel, cc, content, conversations, dc, ev, feedburner),
    *(fh, gbase, geo, georss, itunes, media, opensearch, slash, sx, sy, thr, trackback),
    *(wfw, xhtml),
)

#: namespace URI -> the vocabulary that checks its elements
VOCABULARIES: dict[str, Vocabulary] = {
    uri: vocabulary
    for module in _MODULES
    for vocabulary in module.VOCABULARIES
    for uri in vocabulary.namespaces
}
#: extension children that may appear once in an RSS channel / Atom feed (W3C's choices)
CHANNEL_ONCE: frozenset[str] = frozenset().union(*(v.feed_once for v in VOCABULARIES.values()))
#: ... and once in an RSS item / Atom entry
ITEM_ONCE: frozenset[str] = frozenset().union(*(v.entry_once for v in VOCABULARIES.values()))


class Extensions:
    """The extension checks of one document: what they share across its elements (the
    namespaces already said to be unknown, FeedSync's sync ids)."""

    def __init__(self, report: Report, base_url: str | None, *, rss: bool) -> None:
        self.report = report
        self.base_url = base_url
        self.rss = rss
        self.sync_ids: set[str] = set()
        self.bases = XmlBases(base_url)
        self.namespaces_said: set[str] = set()

    def check(self, element: etree._Element, parent: str) -> None:
        """One foreign element; ``parent`` is how messages name its parent (``channel``,
        ``item``, ``entry``...)."""
        uri = namespace_of(element)
        if uri and uri not in self.namespaces_said:  # said once per namespace
            namespaces.check_vocabulary(
                self.report,
                uri,
                self.namespaces_said,
                element=qname(element),
                parent=parent,
                line=line_of(element),
            )
        if uri == namespaces.GML:
            # GML geometry belongs inside georss:where (GeoRSS-GML), not here (issue 13)
            emit(self.report, "error", "UndefinedElement", element, parent=parent)
            return
        context = Ext(self, element, parent)
        vocabulary = VOCABULARIES.get(uri)
        if vocabulary is None:
            # unknown (or known, unchecked) namespace: anything goes but bare children
            for node in iter_elements(element):
                if not namespace_of(node):
                    emit(self.report, "error", "NotInANamespace", node, parent=context.name)
            return
        if vocabulary.text_only and len(element):
            for child in iter_elements(element):
                emit(
                    self.report,
                    "error",
                    "UndefinedElement",
                    child,
                    name=local_name(child),
                    parent=context.name,
                )
        vocabulary.check(context)


def check_extension_element(
    report: Report, element: etree._Element, parent_name: str, base_url: str | None
) -> None:
    """Check one foreign element found in an RSS channel/item or an Atom feed/entry, on its
    own (a document's checkers keep one ``Extensions`` for all of theirs)."""
    rss = element.getroottree().getroot().tag == "rss"
    Extensions(report, base_url, rss=rss).check(element, parent_name)

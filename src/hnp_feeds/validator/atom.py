"""Atom 1.0 conformance (RFC 4287): the document, its feed, entries and sources, their
ids, people, categories and generator, one pass over the tree keeping xml:base and
xml:lang.  Links are ``atom_links``', text constructs ``atom_text``'s, other vocabularies
``extensions``'.  Messages are named after the W3C Feed Validation Service's classes
and carry the same ``element``/``parent``/``attr``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lxml import etree

from . import extensions, markup, namespaces, tree, values
from .atom_links import (
    FEED_HISTORY_RELS,
    LINK_ATTRIBUTES,
    Link,
    check_alternates,
    check_history,
    check_link,
)
from .atom_text import check_text_construct, needs_summary
from .report import Report
from .tree import atom_qname as _qname
from .tree import elements as _elements
from .tree import elements_and_text
from .tree import line_of as _line
from .tree import own_text as _text
from .tree import split_tag as _local

ATOM_NS = namespaces.ATOM
XHTML_NS = namespaces.XHTML
XML_BASE = f"{{{namespaces.XML}}}base"
XML_LANG = f"{{{namespaces.XML}}}lang"

# Atom elements allowed under each container; those in the second set at most once.
FEED_CHILDREN = frozenset(
    ("author", "category", "contributor", "generator", "icon", "id", "link", "logo", "rights")
    + ("subtitle", "title", "updated", "entry")
)
FEED_SINGLE = frozenset("generator icon id logo rights subtitle title updated".split())
ENTRY_CHILDREN = frozenset(
    ("author", "category", "content", "contributor", "id", "link", "published", "rights")
    + ("source", "summary", "title", "updated")
)
ENTRY_SINGLE = frozenset("content id published rights source summary title updated".split())
PERSON_CHILDREN = frozenset(("name", "uri", "email"))

# Attributes each Atom element may carry (besides xml:* and foreign-namespace ones).
ALLOWED_ATTRS: dict[str, frozenset[str]] = {
    "link": LINK_ATTRIBUTES,
    "category": frozenset(("term", "scheme", "label")),
    "generator": frozenset(("uri", "version")),
    "content": frozenset(("type", "src")),
    "title": frozenset(("type",)),
    "subtitle": frozenset(("type",)),
    "rights": frozenset(("type",)),
    "summary": frozenset(("type",)),
}

# Vocabularies whose elements are never valid inside XHTML content, by their prefix.
FEED_VOCABULARIES = {uri: namespaces.PREFIXES[uri] for uri in namespaces.FEED_VOCABULARIES}
_NONE: frozenset[str] = frozenset()
# What checks one Atom child: (the element, its local name, the base in force, its scope).
_Handler = Callable[[etree._Element, str, "str | None", "_Scope"], None]


@dataclass
class _Scope:
    """What a feed, entry or source has seen so far among its children."""

    name: str
    parent: str
    seen: set[str] = field(default_factory=set)
    links: list[Link] = field(default_factory=list)
    has_author: bool = False
    foreign: set[str] = field(default_factory=set)
    entry_id: str | None = None
    updated: str = ""


class _AtomChecker:
    """Walks one Atom document once, keeping xml:base / xml:lang as it descends."""

    def __init__(self, report: Report, base_url: str | None) -> None:
        self.report = report
        self.doc_base = base_url
        self.entry_ids: dict[str, list[tuple[str, int | None]]] = {}
        self.entry_count = 0
        self.updated_seen: dict[str, int] = {}
        self.extensions = extensions.Extensions(report, base_url, rss=False)
        self.ns = ATOM_NS
        self.handlers = self._handlers()
        # An entry's Atom children by their tag, in the document's namespace ("run").
        self.entry_tags: dict[str, str] = {}

    # ------------------------------------------------------------------ plumbing

    def base_of(self, el: etree._Element, base: str | None, parent: str) -> str | None:
        """Check ``xml:base`` / ``xml:lang`` on ``el`` and return the base in force there."""
        value = el.get(XML_BASE)
        if value is not None:
            values.check_uri(self.report, value, element="xml:base", parent=parent, line=_line(el))
            base = values.resolve(base, value)
        lang = el.get(XML_LANG)
        if lang:
            values.check_language(
                self.report, lang, element="xml:lang", parent=parent, line=_line(el)
            )
        return base

    def attributes(
        self, el: etree._Element, base: str | None, name: str, parent: str
    ) -> str | None:
        """``base_of`` then ``check_attrs``: the base in force at ``el``.  An element whose
        attributes all are its own allowed ones (most, or it has none) has nothing to say."""
        keys: list[str] = el.keys()  # type: ignore[assignment]  # (no runtime cast: issue 14)
        if not keys or ALLOWED_ATTRS.get(name, _NONE).issuperset(keys):
            return base
        base = self.base_of(el, base, parent)
        self.check_attrs(el, name, parent, keys)
        return base

    def check_attrs(
        self, el: etree._Element, name: str, parent: str, keys: list[str] | None = None
    ) -> None:
        allowed = ALLOWED_ATTRS.get(name, _NONE)
        for attr in map(str, el.keys() if keys is None else keys):
            if attr.startswith("{"):
                continue
            if attr not in allowed:
                self.report.error(
                    "UnexpectedAttribute", element=name, parent=parent, attr=attr, line=_line(el)
                )

    def whitespace(self, el: etree._Element, name: str, parent: str) -> str:
        """The element's text; UnexpectedWhitespace if it has leading/trailing space."""
        value = _text(el) if len(el) else el.text or ""  # (``own_text``'s first case inline)
        if value != value.strip():
            self.report.error("UnexpectedWhitespace", element=name, parent=parent, line=_line(el))
        return value.strip()

    def no_children(self, el: etree._Element, name: str) -> None:
        if not len(el):  # most often
            return
        for child in _elements(el):
            self.report.error(
                "UndefinedElement", element=_qname(child), parent=name, line=_line(child)
            )

    def no_text(self, el: etree._Element, name: str, parent: str) -> list[etree._Element]:
        """UnexpectedText for text of its own in ``el``; its child elements."""
        children, text = elements_and_text(el)
        if text:
            self.report.error("UnexpectedText", element=name, parent=parent, line=_line(el))
        return children

    def unknown_namespace(self, uri: str, el: etree._Element, parent: str) -> None:
        namespaces.check_vocabulary(
            self.report,
            uri,
            self.extensions.namespaces_said,
            element=_qname(el),
            parent=parent,
            line=_line(el),
        )

    # ------------------------------------------------------------------ document

    def run(self, root: etree._Element) -> None:
        ns, name = _local(str(root.tag))
        self.ns = ns
        self.entry_tags = {
            (f"{{{ns}}}{child}" if ns else child): child for child in ENTRY_CHILDREN - {"source"}
        }
        if not ns:
            self.report.error("MissingNamespace", element=name, parent="root", line=_line(root))
        elif ns != ATOM_NS:
            self.report.error(
                "InvalidNamespace", element=name, parent="root", namespace=ns, line=_line(root)
            )
            self.unknown_namespace(ns, root, "root")
        namespaces.check_declarations(self.report, root, atom=True)
        base = self.base_of(root, self.doc_base, "root")
        if name == "feed":
            self.feed(root, base)
        else:
            self.entry(root, base, feed_scope=None)
        self.after_entries()

    def after_entries(self) -> None:
        """Entries sharing an id: RFC 4287 4.1.1 allows it for versions of one entry (with
        different ``updated``), but readers keep one of them, so each later one is
        DuplicateEntries, as the W3C validator says (issue 13); every entry of the feed
        under one id is a feed whose ids are broken (DuplicateIds)."""
        ids = self.entry_ids
        if self.entry_count >= 3 and len(ids) == 1:
            (value, uses), *_ = ids.items()
            if len(uses) == self.entry_count:
                self.report.error(
                    "DuplicateIds", element="id", parent="entry", value=value, line=uses[-1][1]
                )
                return
        for value, uses in ids.items():
            for _stamp, line in uses[1:]:
                self.report.warning(
                    "DuplicateEntries", element="id", parent="entry", value=value, line=line
                )

    def feed(self, el: etree._Element, base: str | None) -> None:
        scope = _Scope("feed", "root")
        self.check_attrs(el, "feed", "root")
        children = self.no_text(el, "feed", "root")
        # RFC 4287 4.1.1: every entry needs an author, its own or the feed's, wherever the
        # feed's author is written; so look for it before walking the entries.
        scope.has_author = el.find(f"{{{self.ns}}}author" if self.ns else "author") is not None
        for child in children:
            ns, name = _local(str(child.tag))
            if ns == self.ns and name == "entry":
                scope.seen.add("entry")
                self.entry(child, base, feed_scope=scope)
                continue
            if ns == self.ns and "entry" in scope.seen and name in FEED_CHILDREN:
                self.report.error(
                    "MisplacedMetadata", element=name, parent="feed", line=_line(child)
                )
            self.container_child(child, base, scope, FEED_CHILDREN, FEED_SINGLE)
        self.container_end(el, scope, missing="MissingElement")
        check_history(
            self.report,
            scope.links,
            complete="fh:complete" in scope.foreign,
            archive="fh:archive" in scope.foreign,
            line=_line(el),
        )

    def container_child(
        self,
        child: etree._Element,
        base: str | None,
        scope: _Scope,
        allowed: frozenset[str],
        single: frozenset[str],
        split: tuple[str, str] | None = None,
    ) -> None:
        """One child of a feed, entry or source (``split``: its tag's, when at hand)."""
        ns, name = split or _local(str(child.tag))
        if ns != self.ns:
            self.foreign(child, scope)
            return
        if name not in allowed:
            self.report.error(
                "UndefinedElement", element=name, parent=scope.name, line=_line(child)
            )
            return
        self.own_child(child, name, base, scope, single)

    def own_child(
        self,
        child: etree._Element,
        name: str,
        base: str | None,
        scope: _Scope,
        single: frozenset[str],
    ) -> None:
        """An Atom child ``name`` allowed in ``scope``'s container."""
        if name in single and name in scope.seen:
            self.report.error(
                "DuplicateElement", element=name, parent=scope.name, line=_line(child)
            )
        scope.seen.add(name)
        keys = child.keys()  # ``attributes``' first look, spared a call for most children
        if keys and not ALLOWED_ATTRS.get(name, _NONE).issuperset(keys):
            base = self.attributes(child, base, name, scope.name)
        self.handlers[name](child, name, base, scope)

    def _handlers(self) -> dict[str, _Handler]:
        """What checks each Atom child of a feed, entry or source, by its local name:
        called with the child, that name, the base in force there and its container's
        scope (one look-up where a chain of tests was: issue 14)."""
        report = self.report

        def text(el: etree._Element, name: str, base: str | None, scope: _Scope) -> None:
            check_text_construct(report, el, scope.name, content=name == "content")

        return {
            "link": self.link,
            "author": self.person_in,
            "contributor": self.person_in,
            "category": self.category,
            "generator": self.generator,
            "icon": self.icon,
            "logo": self.icon,
            "id": self.atom_id,
            "updated": self.date,
            "published": self.date,
            "source": self.source,
            "content": text,
            "title": text,
            "subtitle": text,
            "rights": text,
            "summary": text,
        }

    def person_in(self, el: etree._Element, name: str, base: str | None, scope: _Scope) -> None:
        if name == "author":
            scope.has_author = True
        self.person(el, name, scope.name)

    def icon(self, child: etree._Element, name: str, base: str | None, scope: _Scope) -> None:
        value = self.whitespace(child, name, scope.name)
        self.no_children(child, name)
        if not value:
            self.report.warning("NotBlank", element=name, parent=scope.name, line=_line(child))
        else:
            values.check_uri(self.report, value, element=name, parent=scope.name, line=_line(child))

    def date(self, child: etree._Element, name: str, base: str | None, scope: _Scope) -> None:
        """``updated`` or ``published``."""
        value = self.whitespace(child, name, scope.name)
        self.no_children(child, name)
        values.check_date_rfc3339(
            self.report, value, element=name, parent=scope.name, line=_line(child)
        )
        if name == "updated":
            if scope.name == "entry":
                seen = self.updated_seen[value] = self.updated_seen.get(value, 0) + 1
                if seen == 2:
                    self.report.warning(
                        "DuplicateUpdated",
                        element="updated",
                        parent="entry",
                        value=value,
                        line=_line(child),
                    )
            scope.updated = value

    def container_end(self, el: etree._Element, scope: _Scope, *, missing: str) -> None:
        """Required children and link uniqueness, once a container's children are known."""
        for required in ("id", "title", "updated"):
            if required not in scope.seen:
                level = (
                    self.report.warning if missing == "MissingSourceElement" else self.report.error
                )
                level(missing, element=required, parent=scope.name, line=_line(el))
        if scope.name == "feed" and not any(link.rel == "self" for link in scope.links):
            self.report.warning("MissingSelf", element="feed", parent="root", line=_line(el))
        check_alternates(self.report, scope.links, scope.name)

    # ------------------------------------------------------------------ entries

    def entry(
        self,
        el: etree._Element,
        base: str | None,
        *,
        feed_scope: _Scope | None,
    ) -> None:
        """One entry, in a feed or as an Entry Document (RFC 4287 4.1.2)."""
        self.entry_count += 1
        parent = "feed" if feed_scope is not None else "root"
        base = self.attributes(el, base, "entry", parent)
        scope = _Scope("entry", parent)
        children = self.no_text(el, "entry", parent)
        source_has_author = False
        content: etree._Element | None = None
        own = self.entry_tags
        for child in children:
            name = own.get(child.tag)
            if name is not None:  # most: an Atom child an entry may have, but source
                if name == "content":
                    content = child
                self.own_child(child, name, base, scope, ENTRY_SINGLE)
                continue
            ns, name = _local(str(child.tag))
            if ns == self.ns and name == "source":
                source_has_author = any(
                    _local(str(c.tag)) == (self.ns, "author") for c in _elements(child)
                )
            self.container_child(child, base, scope, ENTRY_CHILDREN, ENTRY_SINGLE, (ns, name))
        self.container_end(el, scope, missing="MissingElement")
        feed_author = feed_scope is not None and feed_scope.has_author
        if not (scope.has_author or feed_author or source_has_author):
            self.report.error("MissingElement", element="author", parent="entry", line=_line(el))
        if content is None:
            if not any(link.rel == "alternate" for link in scope.links):
                self.report.error(
                    "MissingContentOrAlternate", element="entry", parent=parent, line=_line(el)
                )
            if "summary" not in scope.seen:
                self.report.warning(
                    "MissingTextualContent", element="entry", parent=parent, line=_line(el)
                )
        elif "summary" not in scope.seen and needs_summary(content):
            self.report.error("MissingSummary", element="entry", parent=parent, line=_line(el))
        for link in scope.links:
            if link.rel in FEED_HISTORY_RELS:
                self.report.warning(
                    "FeedHistoryRelInEntry",
                    element="link",
                    parent="entry",
                    rel=link.rel,
                    line=link.line,
                )
        if scope.entry_id:
            self.entry_ids.setdefault(scope.entry_id, []).append((scope.updated, _line(el)))

    def source(self, el: etree._Element, name: str, base: str | None, scope: _Scope) -> None:
        """A source (RFC 4287 4.2.11) in the entry of ``scope``."""
        own = _Scope("source", "entry")
        for child in self.no_text(el, "source", "entry"):
            self.container_child(child, base, own, FEED_CHILDREN - {"entry"}, FEED_SINGLE)
        self.container_end(el, own, missing="MissingSourceElement")

    # ------------------------------------------------------------------ constructs

    def atom_id(self, el: etree._Element, name: str, base: str | None, scope: _Scope) -> None:
        value = self.whitespace(el, "id", scope.name)
        self.no_children(el, "id")
        line = _line(el)
        if not value:
            self.report.warning("NotBlank", element="id", parent=scope.name, line=line)
        if values.check_uri(
            self.report, value, element="id", parent=scope.name, line=line, full=True
        ):
            values.check_canonical(self.report, value, element="id", parent=scope.name, line=line)
        if scope.name == "entry" and value:
            scope.entry_id = value

    def person(self, el: etree._Element, name: str, parent: str) -> None:
        seen: set[str] = set()
        for child in self.no_text(el, name, parent):
            ns, local = _local(str(child.tag))
            if ns != self.ns:
                self.foreign_simple(child, name)
                continue
            line = _line(child)
            if local not in PERSON_CHILDREN:
                self.report.error("UndefinedElement", element=local, parent=name, line=line)
                continue
            if local in seen:
                self.report.error("DuplicateElement", element=local, parent=name, line=line)
            seen.add(local)
            self.no_children(child, local)
            if local == "name":
                value = _text(child)
                if not value.strip():
                    self.report.warning("NotBlank", element="name", parent=name, line=line)
                markup.check_plain_text(self.report, value, element="name", parent=name, line=line)
                if values.contains_email(value):
                    self.report.warning("ContainsEmail", element="name", parent=name, line=line)
            elif local == "uri":
                value = self.whitespace(child, "uri", name)
                values.check_uri(self.report, value, element="uri", parent=name, line=line)
            else:
                value = self.whitespace(child, "email", name)
                values.check_email(self.report, value, element="email", parent=name, line=line)
        if "name" not in seen:
            self.report.error("MissingElement", element="name", parent=name, line=_line(el))

    def category(self, el: etree._Element, name: str, base: str | None, scope: _Scope) -> None:
        parent = scope.name
        line = _line(el)
        self.no_children(el, "category")
        term = el.get("term")
        if term is None:
            self.report.error(
                "MissingAttribute", element="category", parent=parent, attr="term", line=line
            )
        elif not term.strip():
            self.report.warning("NotBlank", element="term", parent="category", line=line)
        scheme = el.get("scheme")
        if scheme is not None:
            values.check_uri(
                self.report, scheme, element="scheme", parent="category", line=line, full=True
            )
        label = el.get("label")
        if label is not None:
            markup.check_plain_text(
                self.report, label, element="label", parent="category", line=line
            )

    def generator(self, el: etree._Element, name: str, base: str | None, scope: _Scope) -> None:
        parent = scope.name
        line = _line(el)
        self.no_children(el, "generator")
        value = _text(el)
        if not value.strip() and not _elements(el):
            self.report.warning("NotBlank", element="generator", parent=parent, line=line)
        markup.check_plain_text(self.report, value, element="generator", parent=parent, line=line)
        uri = el.get("uri")
        if uri is not None:
            values.check_uri(
                self.report,
                uri,
                element="generator",
                parent=parent,
                attr="uri",
                line=line,
                error="InvalidURIAttribute",
            )

    def link(self, el: etree._Element, name: str, base: str | None, scope: _Scope) -> None:
        link = check_link(
            self.report, el, name="link", parent=scope.name, base=base, doc_base=self.doc_base
        )
        scope.links.append(link)

    def foreign(self, el: etree._Element, scope: _Scope) -> None:
        """An element from another vocabulary inside a feed, entry or source."""
        ns, name = _local(str(el.tag))
        if not ns:
            self.report.warning(
                "UndeterminableVocabulary", element=name, parent=scope.name, line=_line(el)
            )
            return
        if ns == XHTML_NS and not (name == "meta" and scope.name == "feed"):
            # XHTML belongs in a text construct's div; at feed level only robots meta
            self.report.warning(
                "MisplacedXHTMLContent", element=_qname(el), parent=scope.name, line=_line(el)
            )
            return
        name = tree.qname(el)
        once = extensions.CHANNEL_ONCE if scope.name in ("feed", "source") else extensions.ITEM_ONCE
        if name in once and name in scope.foreign:
            self.report.error("DuplicateElement", element=name, parent=scope.name, line=_line(el))
        scope.foreign.add(name)
        self.extensions.check(el, scope.name)

    def foreign_simple(self, el: etree._Element, parent: str) -> None:
        ns, name = _local(str(el.tag))
        if not ns:
            self.report.warning(
                "UndeterminableVocabulary", element=name, parent=parent, line=_line(el)
            )
            return
        self.extensions.check(el, parent)


def check(tree: etree._ElementTree, report: Report, base_url: str | None = None) -> None:
    """Check an Atom feed or entry document against RFC 4287 (and RFC 5005 / 4685)."""
    _AtomChecker(report, base_url).run(tree.getroot())

"""Extension vocabularies, a module each (``dc``, ``media``, ``itunes``, ``georss``...),
judged alike inside RSS 2.0 and Atom.  Each module declares its ``VOCABULARIES``: the
namespaces it checks, the check, the children a channel/feed or an item/entry may have
once.  ``Ext`` is one extension element in context, with the value library at hand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from lxml import etree

from .. import markup, values
from ..namespaces import RDF
from ..report import Report
from ..tree import XmlBases, attributes_of, emit, line_of, local_name, qname, text_of
from ..values import Where

RDF_RESOURCE = f"{{{RDF}}}resource"


class Document(Protocol):
    """What the extension checks of one document share (``extensions.Extensions``)."""

    report: Report
    base_url: str | None
    rss: bool
    sync_ids: set[str]
    bases: XmlBases

    def check(self, element: etree._Element, parent: str) -> None: ...


@dataclass(frozen=True)
class Vocabulary:
    """An extension vocabulary: its namespaces, the check of one of its elements, the
    elements a channel/feed and an item/entry may hold once (by conventional qname),
    and whether its elements hold only text (then their child elements are undefined)."""

    namespaces: frozenset[str]
    check: Callable[[Ext], None]
    feed_once: frozenset[str] = frozenset()
    entry_once: frozenset[str] = frozenset()
    text_only: bool = False


class Ext:
    """One extension element in context: its name, its parent's, the document."""

    def __init__(self, doc: Document, element: etree._Element, parent: str) -> None:
        self.doc = doc
        self.report = doc.report
        self.el = element
        self.name = qname(element)
        self.parent = parent
        self.local = local_name(element)

    @cached_property
    def value(self) -> str:
        """The element's text, its descendants' included: read when a check asks for it
        (that of an ``atom:link`` in RSS, a third of the portal's, never is)."""
        return text_of(self.el)

    @cached_property
    def attrs(self) -> dict[str, str]:
        """The element's attributes, read at once (a media element asks for a dozen)."""
        return attributes_of(self.el)

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
        name = kw.pop("name", None)
        kw.setdefault("parent", self.parent)
        emit(self.report, "error", code, self.el, name=name or self.name, **kw)

    def warn(self, code: str, **kw: str | None) -> None:
        name = kw.pop("name", None)
        kw.setdefault("parent", self.parent)
        emit(self.report, "warning", code, self.el, name=name or self.name, **kw)

    def undefined(self) -> None:
        self.err("UndefinedElement")

    def descend(self, child: etree._Element) -> None:
        """A child element, checked as its own namespace's, under this one."""
        self.doc.check(child, self.name)

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
        resource = self.el.get(RDF_RESOURCE)
        self.full_url(resource if resource is not None else self.value)

    def w3cdtf(self) -> None:
        values.check_date_w3cdtf(self.report, self.value.strip(), **self.at())

    def plain(self, value: str | None = None, name: str | None = None) -> None:
        """Text meant to be plain (the element's own, or an attribute's under ``name``);
        CharacterData is an RSS 2.0 rule (the RSS Profile's), not Atom's."""
        markup.check_plain_text(
            self.report,
            self.value if value is None else value,
            character_data=self.doc.rss,
            **(self.at() if name is None else self.at(name, self.name)),
        )

    def html(self) -> None:
        """Escaped HTML; relative references in it are ContainsRelRef in RSS without an
        xml:base (the W3C's rule for RSS), never in Atom, which resolves them."""
        rel_refs = self.doc.rss and self.doc.bases.at(self.el)[0] is None
        markup.check_html(self.report, self.value, rel_refs=rel_refs, **self.at())

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

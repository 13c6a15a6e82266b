"""What the checkers ask of an lxml element, answered once: its namespace and local name,
the name messages give it (``dc:date`` by the conventional prefix, whatever the document
binds), its text, its line, its child elements, and ``emit`` for a message about it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from operator import attrgetter
from typing import Any

from lxml import etree

from .namespaces import ATOM, PREFIXES, XML
from .report import Level, Report, tick
from .values import resolve


def split_tag(tag: str) -> tuple[str, str]:
    """``{uri}local`` -> (uri, local); a tag in no namespace -> ("", tag)."""
    split = _SPLIT.get(tag)
    if split is None:
        if tag.startswith("{"):
            uri, _, local = tag[1:].partition("}")
            split = (uri, local)
        else:
            split = ("", tag)
        if len(_SPLIT) < _MEMO_TAGS and len(tag) <= _MEMO_TAG_CHARS:
            _SPLIT[tag] = split
    return split


# A document names few tags, each many times: split once (bounded for hostile ones).
_SPLIT: dict[str, tuple[str, str]] = {}
_MEMO_TAGS = 4096
_MEMO_TAG_CHARS = 300


def namespace_of(element: etree._Element) -> str:
    """The element's namespace URI ("" for none, and for comments or PIs)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    split = _SPLIT.get(tag)
    return (split or split_tag(tag))[0]


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def qname(element: etree._Element) -> str:
    """``prefix:local`` with the conventional prefix of a known namespace, else the
    document's own; the bare local name in no namespace."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    known = _QNAMES.get(tag)
    if known is not None:
        return known
    if not tag.startswith("{"):
        return tag
    uri, local = tag[1:].split("}", 1)
    prefix = PREFIXES.get(uri)
    if prefix is None:  # the document's own prefix: not the same in every document
        prefix = element.prefix
        return f"{prefix}:{local}" if prefix else local
    if len(_QNAMES) < _MEMO_TAGS and len(tag) <= _MEMO_TAG_CHARS:
        _QNAMES[tag] = f"{prefix}:{local}"
    return f"{prefix}:{local}"


# The qnames of tags in known namespaces, which depend on the tag alone.
_QNAMES: dict[str, str] = {}


def atom_qname(element: etree._Element) -> str:
    """How messages in an Atom document name an element: Atom's own by their local name
    (as the W3C validator does), others as ``qname`` does."""
    tag = element.tag
    if isinstance(tag, str) and tag.startswith(_ATOM_TAG):
        return tag[len(_ATOM_TAG) :]
    return qname(element)


_ATOM_TAG = f"{{{ATOM}}}"


def attr_qname(attr: str, element: etree._Element) -> str:
    """The conventional ``prefix:local`` of an attribute name in Clark notation."""
    if not attr.startswith("{"):
        return attr
    uri, local = attr[1:].split("}", 1)
    prefix = PREFIXES.get(uri)
    if prefix is None:
        for p, u in (element.nsmap or {}).items():
            if u == uri and p:
                prefix = p
                break
    return f"{prefix}:{local}" if prefix else local


def attributes_of(element: etree._Element) -> dict[str, str]:
    """The element's attributes by name (Clark notation), read at once: quicker than one
    ``get`` a name for an element asked for several."""
    return dict(element.items())  # type: ignore[arg-type]  # (a cast is a call: issue 14)


def text_of(element: etree._Element) -> str:
    """The element's text, its descendants' included (mixed content read as text)."""
    if len(element) == 0:
        return element.text or ""
    return "".join(str(part) for part in element.itertext())


def own_text(element: etree._Element) -> str:
    """The character data directly inside the element, not inside its children."""
    if len(element) == 0:
        return element.text or ""
    parts = [element.text or ""]
    parts.extend(child.tail or "" for child in element)
    return "".join(parts)


#: The element's line in the document, None when libxml2 knows none (lxml's stubs type
#: ``sourceline`` loosely); a C getter, for it is asked of nearly every element.
line_of: Callable[[etree._Element], int | None] = attrgetter("sourceline")


def elements(children: etree._Element) -> list[etree._Element]:
    """The child elements (no comments, processing instructions or entities).  Checks the
    time budget: every walk over the document passes here."""
    tick()
    return list(children.iterchildren(_ELEMENTS))


def elements_and_text(element: etree._Element) -> tuple[list[etree._Element], bool]:
    """``elements(element)``, and whether the element holds text of its own but white
    space (``own_text(element).strip()``).  XPath's white space is four of Python's:
    only a text node with something else in it is a reason to look closer."""
    children = elements(element)
    if len(element) <= _FEW:  # (an author's name and uri): joined quicker than XPath asks
        return children, bool(own_text(element).strip())
    return children, _SOME_TEXT(element) is True and bool(own_text(element).strip())


# Up to so many child nodes, an element's own text is read at once rather than first asked
# of XPath (issue 14: 0.5 against 3 microseconds for an author's one or two).
_FEW = 4


# (an lxml tag filter: elements only)
_ELEMENTS: Any = etree.Element
# Is some text node a child of the element with a character but space, tab, CR, LF?
_SOME_TEXT = etree.XPath("boolean(text()[normalize-space()])")


def iter_elements(children: etree._Element) -> Iterator[etree._Element]:
    """The child elements, lazily (checking the time budget, as ``elements`` does)."""
    tick()
    return children.iterchildren(_ELEMENTS)


def emit(
    report: Report,
    level: Level,
    code: str,
    element: etree._Element | None,
    *,
    name: str | None = None,
    parent: str | None = None,
    attr: str | None = None,
    value: str | None = None,
    **extra: str | None,
) -> None:
    """One message about ``element``: params named like the W3C validator's (``element``
    is ``name`` or the element's qname), the line taken from the element."""
    params: dict[str, str | int | None] = {
        "element": name if name is not None else (qname(element) if element is not None else None),
        "parent": parent,
        "attr": attr,
        "value": value[:200] if value is not None else None,
        "line": line_of(element) if element is not None else None,
    }
    params.update(extra)
    getattr(report, level)(code, **params)


class XmlBases:
    """What ``xml:base`` says at the elements of one document: the innermost one in force
    and the base the document's URL resolves to through every one of them, from the root
    down.  Each ancestor is looked at once, and kept by element (lxml keeps one proxy of
    a node while it is referenced)."""

    def __init__(self, doc_base: str | None) -> None:
        self.doc_base = doc_base
        self._inside: dict[etree._Element, tuple[str | None, str | None]] = {}

    def at(self, element: etree._Element) -> tuple[str | None, str | None]:
        """(the innermost ``xml:base`` in force at ``element`` or None, the base there)."""
        parent = element.getparent()
        inner, base = (None, self.doc_base) if parent is None else self._within(parent)
        own = element.get(_XML_BASE)
        return (inner, base) if own is None else (own, resolve(base, own))

    def _within(self, element: etree._Element) -> tuple[str | None, str | None]:
        """``at``, remembered for ``element`` and the ancestors it had to look at."""
        known = self._inside.get(element)
        if known is not None:
            return known
        chain = []
        node: etree._Element | None = element
        while node is not None and node not in self._inside:
            chain.append(node)
            node = node.getparent()
        inner, base = self._inside[node] if node is not None else (None, self.doc_base)
        for node in reversed(chain):
            own = node.get(_XML_BASE)
            if own is not None:
                inner, base = own, resolve(base, own)
            self._inside[node] = (inner, base)
        return inner, base


_XML_BASE = f"{{{XML}}}base"

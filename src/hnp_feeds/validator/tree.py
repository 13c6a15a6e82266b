"""What the checkers ask of an lxml element, answered once: its namespace and local name,
the name messages give it (``dc:date`` by the conventional prefix, whatever the document
binds), its text, its line, its child elements, and ``emit`` for a message about it.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from .namespaces import ATOM, PREFIXES, XML
from .report import Level, Report, tick


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
    if isinstance(tag, str) and tag.startswith("{"):
        return tag[1:].split("}", 1)[0]
    return ""


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


def line_of(element: etree._Element) -> int | None:
    """The element's line in the document (lxml's stubs type it loosely)."""
    line = getattr(element, "sourceline", None)
    return line if isinstance(line, int) else None


def elements(children: etree._Element) -> list[etree._Element]:
    """The child elements (no comments or processing instructions).  Checks the time
    budget: every walk over the document passes here."""
    tick()
    return [child for child in children if isinstance(child.tag, str)]


def iter_elements(children: etree._Element) -> Iterator[etree._Element]:
    """The child elements, lazily (checking the time budget, as ``elements`` does)."""
    tick()
    return (child for child in children if isinstance(child.tag, str))


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


def xml_base(element: etree._Element) -> str | None:
    """The innermost ``xml:base`` in force at the element, if any."""
    node: etree._Element | None = element
    while node is not None:
        base = node.get(_XML_BASE)
        if base is not None:
            return base
        node = node.getparent()
    return None


_XML_BASE = f"{{{XML}}}base"

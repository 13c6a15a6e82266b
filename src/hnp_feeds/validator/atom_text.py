"""Atom text constructs (RFC 4287 section 3.1: title, subtitle, rights, summary) and
content (4.1.3): their type, escaped HTML, inline XHTML, base64 and out-of-line content.
"""

from __future__ import annotations

import base64
import binascii

from lxml import etree

from . import markup, namespaces, values
from .report import Report
from .tree import atom_qname as _qname
from .tree import attributes_of
from .tree import elements as _elements
from .tree import line_of as _line
from .tree import own_text as _text
from .tree import split_tag as _local

TEXT_TYPES = frozenset(("text", "html", "xhtml"))
_NO_ATTRIBUTES: dict[str, str] = {}
_TYPE_ONLY = ["type"]
# Vocabularies whose elements are never valid inside XHTML content, by their prefix.
FEED_VOCABULARIES = {uri: namespaces.PREFIXES[uri] for uri in namespaces.FEED_VOCABULARIES}


def check_text_construct(report: Report, el: etree._Element, parent: str, *, content: bool) -> None:
    """title/subtitle/rights/summary (RFC 4287 3.1) and content (4.1.3) in ``parent``:
    ``text_construct``, in short for most (text alone, plain or escaped HTML: what it
    would say of them is what these two checks say)."""
    if not len(el):
        text = el.text
        if text:
            keys = el.keys()
            if not keys:
                code = "ContainsUndeclaredHTML"
                name = _local(el.tag)[1]
                markup.check_plain_text(
                    report, text, element=name, parent=parent, line=_line(el), code=code
                )
                return
            if keys == _TYPE_ONLY and el.get("type") == "html":
                name = _local(el.tag)[1]
                markup.check_html(report, text, element=name, parent=parent, line=_line(el))
                return
    text_construct(report, el, parent, content=content)


def text_construct(report: Report, el: etree._Element, parent: str, *, content: bool) -> None:
    """``check_text_construct`` in full."""
    _, name = _local(str(el.tag))
    line = _line(el)
    attrs = attributes_of(el) if el.keys() else _NO_ATTRIBUTES  # most have none
    has_src = "src" in attrs
    kind = "" if has_src else "text"
    type_attr = attrs.get("type")
    if type_attr is not None:
        kind = type_attr
        if not kind:
            report.warning("AttrNotBlank", element=name, parent=parent, attr="type", line=line)
    if not content and "/" in kind:
        report.error(
            "InvalidTextType", element=name, parent=parent, attr="type", value=kind, line=line
        )
    # A MIME type is needed with src or for anything not text/html/xhtml; RFC 4287
    # 4.1.3.1 also rules out composite types for content.
    not_mime = (has_src or kind not in TEXT_TYPES) and kind and not values.is_mime_type(kind)
    if not_mime or (content and kind.lower().startswith("multipart/")):
        report.error(
            "InvalidMIMEType", element=name, parent=parent, attr="type", value=kind, line=line
        )
    if has_src:
        src = attrs["src"]
        values.check_uri(
            report,
            src,
            element=name,
            parent=parent,
            attr="src",
            line=line,
            error="InvalidURIAttribute",
        )
        if type_attr is None:
            report.warning("MissingTypeAttr", element=name, parent=parent, attr="type", line=line)
    children = _elements(el) if len(el) else []
    text = _text(el)
    is_xml = kind.endswith("+xml") or kind.endswith("/xml")
    if children and attrs.get("mode") == "escaped":
        report.error("NotEscaped", element=name, parent=parent, line=line)
    if has_src:
        if text.strip():
            report.error("UnexpectedText", element=name, parent=parent, line=line)
        if children and not is_xml:
            for child in children:
                report.error(
                    "UndefinedElement", element=_qname(child), parent=name, line=_line(child)
                )
        return
    if children and text.strip():
        report.error("UnexpectedText", element=name, parent=parent, line=line)
    if kind == "xhtml":
        _xhtml(report, el, name, parent, children, text)
        return
    if children and not is_xml:
        for child in children:
            report.error("UndefinedElement", element=_qname(child), parent=name, line=_line(child))
    if kind == "application/xhtml+xml" and children and _local(str(children[0].tag))[1] != "html":
        report.warning("HtmlFragment", element=name, parent=parent, type=kind, line=line)
    if not text and not children:
        report.warning("NotBlank", element=name, parent=parent, line=line)
        return
    if kind == "text":
        markup.check_plain_text(
            report,
            text,
            element=name,
            parent=parent,
            line=line,
            code="ContainsUndeclaredHTML",
        )
        return
    value = text
    if "/" in kind and not is_xml and not kind.startswith("text/"):
        # RFC 4287 4.1.3.3: any other media type is carried base64-encoded.
        try:
            decoded = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            report.error("NotBase64", element=name, parent=parent, line=line)
            return
        if kind.endswith("/html"):
            value = decoded.decode("utf-8", "replace")
            kind = "html"
        else:
            return
    if kind == "html" or kind.endswith("/html"):
        markup.check_html(report, value, element=name, parent=parent, line=line)
        if kind.endswith("/html") and "<html" not in value:
            report.warning("HtmlFragment", element=name, parent=parent, type=kind, line=line)
    elif not is_xml:
        markup.check_plain_text(
            report,
            value,
            element=name,
            parent=parent,
            line=line,
            code="ContainsUndeclaredHTML",
        )


def _xhtml(
    report: Report,
    el: etree._Element,
    name: str,
    parent: str,
    children: list[etree._Element],
    text: str,
) -> None:
    """type="xhtml": one xhtml:div holding XHTML (RFC 4287 3.1.1.3)."""
    line = _line(el)
    leading = el.text or ""
    div = children[0] if children else None
    if div is None:
        if text.strip():
            report.error("MissingXhtmlDiv", element=name, parent=parent, line=line)
            markup.check_plain_text(
                report, text, element=name, parent=parent, line=line, code="NotInline"
            )
        elif not text:
            report.warning("NotBlank", element=name, parent=parent, line=line)
        return
    ns, local = _local(str(div.tag))
    if leading.strip() or ns != namespaces.XHTML or local != "div":
        report.error("MissingXhtmlDiv", element=name, parent=parent, line=line)
        if local == "div" and ns != namespaces.XHTML:
            report.warning("NotHtml", element=name, parent=parent, value=ns, line=line)
        return
    for extra in children[1:]:
        report.error("UndefinedElement", element=_qname(extra), parent=name, line=_line(extra))
    markup.check_xhtml(report, div, element=name, parent=parent, known_namespaces=FEED_VOCABULARIES)
    if not _elements(div):
        markup.check_plain_text(
            report,
            div.text or "",
            element=name,
            parent=parent,
            line=line,
            code="NotInline",
        )


# ------------------------------------------------------------------ extensions


def needs_summary(content: etree._Element) -> bool:
    """RFC 4287 4.1.1.1: content with src, or base64 (non-text, non-XML) content."""
    if "src" in content.attrib:
        return True
    kind = content.get("type", "text")
    if kind in ("text", "html", "xhtml") or "/" not in kind:
        return False
    return not (kind.startswith("text/") or kind.endswith(("+xml", "/xml", "/html")))

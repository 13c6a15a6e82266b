"""RFC 4685 threading (``thr:``): ``thr:in-reply-to`` and ``thr:total`` elements, and the
``thr:count`` / ``thr:updated`` attributes of a replies link, in Atom and RSS alike."""

from __future__ import annotations

from lxml import etree

from .. import values
from ..namespaces import THR
from ..report import Report
from ..tree import elements, line_of, qname
from . import Ext, Vocabulary


def _check_thr(x: Ext) -> None:
    if x.local == "total":
        for child in elements(x.el):
            x.report.error(
                "UndefinedElement", element=qname(child), parent=x.name, line=line_of(child)
            )
        values.check_integer(x.report, x.value.strip(), **x.at())
    elif x.local == "in-reply-to":
        ref = x.el.get("ref")
        if ref is None:
            x.err("MissingAttribute", attr="ref")
        else:
            values.check_uri(x.report, ref, full=True, **x.at("ref", x.name, "ref"))
        for attr in ("href", "source"):
            target = x.el.get(attr)
            if target is not None:
                values.check_uri(x.report, target, **x.at(attr, x.name, attr))
        kind = x.el.get("type")
        if kind is not None:
            values.check_mime_type(x.report, kind, **x.at(attr="type"))
    else:
        x.undefined()


def check_link_attributes(report: Report, link: etree._Element, parent: str) -> None:
    """RFC 4685 section 5 on an atom:link: thr:count, thr:updated (thr:when is not)."""
    line = line_of(link)
    count = link.get(_COUNT)
    if count is not None:
        values.check_integer(report, count, element="thr:count", parent=parent, line=line)
    updated = link.get(_UPDATED)
    if updated is not None:
        values.check_date_rfc3339(report, updated, element="thr:updated", parent=parent, line=line)
    if link.get(_WHEN) is not None:
        report.error("NoThrWhen", element="thr:when", parent=parent, line=line)


_COUNT = f"{{{THR}}}count"
_UPDATED = f"{{{THR}}}updated"
_WHEN = f"{{{THR}}}when"

VOCABULARIES = (Vocabulary(frozenset({THR}), _check_thr, entry_once=frozenset({"thr:total"})),)

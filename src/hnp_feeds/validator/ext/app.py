"""RFC 5023 (the Atom Publishing Protocol) elements found in feeds and entries:
``app:edited``, ``app:control`` / ``app:draft``, ``app:collection``."""

from __future__ import annotations

from .. import values
from ..namespaces import APP, APP_DRAFT, ATOM
from ..tree import elements, line_of, own_text, qname, split_tag
from . import Ext, Vocabulary

_APP = frozenset({APP, APP_DRAFT})


def _check_app(x: Ext) -> None:
    if x.local == "edited":
        value = own_text(x.el)
        if value != value.strip():
            x.report.error("UnexpectedWhitespace", **x.at())
        values.check_date_rfc3339(x.report, value.strip(), **x.at())
    elif x.local == "control":
        for child in elements(x.el):
            uri, local = split_tag(str(child.tag))
            value = own_text(child).strip()
            if uri in _APP and local == "draft" and value not in ("yes", "no"):
                x.report.error(
                    "InvalidYesNo",
                    element="app:draft",
                    parent=x.name,
                    value=value,
                    line=line_of(child),
                )
    elif x.local == "collection":
        if x.el.get("href") is None:
            x.err("MissingAttribute", attr="href")
        for child in elements(x.el):
            uri, local = split_tag(str(child.tag))
            if (uri == ATOM and local == "title") or (
                uri in _APP and local in ("accept", "categories")
            ):
                continue
            x.report.warning(
                "QuestionableUsage", element=qname(child), parent=x.name, line=line_of(child)
            )


VOCABULARIES = (Vocabulary(_APP, _check_app),)

"""Atom elements inside RSS 2.0: ``atom:link`` (self, hub, related...), ``atom:id``,
``atom:updated`` / ``atom:published``; judged by the same value rules as in Atom."""

from __future__ import annotations

from .. import values
from ..namespaces import ATOM
from . import Ext, Vocabulary, thr


def _check_atom_in_rss(x: Ext) -> None:
    """Atom elements inside RSS: atom:link (self, hub, related...) and a few others."""
    if x.local == "link":
        href = x.el.get("href")
        if x.value.strip():
            x.warn("AtomLinkNotEmpty", value=x.value.strip())
        if href is None:
            x.err("MissingAttribute", attr="href")
        elif values.check_uri(
            x.report, href.strip(), full=x.el.get("rel") == "self", **x.at("href", x.name)
        ) and (x.el.get("rel") == "self" and x.parent == "channel" and x.doc.base_url):
            here = values.canonical_uri(x.doc.base_url) or x.doc.base_url
            there = values.canonical_uri(href.strip()) or href.strip()
            if here.split("#")[0] != there.split("#")[0]:
                x.warn("SelfDoesntMatchLocation", value=href)
        kind = x.el.get("type")
        if kind is not None:
            values.check_mime_type(x.report, kind.strip(), **x.at(attr="type"))
        thr.check_link_attributes(x.report, x.el, x.parent)
    elif x.local in ("updated", "published"):
        values.check_date_rfc3339(x.report, x.value.strip(), **x.at())
    elif x.local == "id" and values.check_uri(x.report, x.value.strip(), full=True, **x.at()):
        values.check_canonical(x.report, x.value.strip(), **x.at())


VOCABULARIES = (Vocabulary(frozenset({ATOM}), _check_atom_in_rss),)

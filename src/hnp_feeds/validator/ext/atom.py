"""Atom elements inside RSS 2.0: ``atom:link`` (self, hub, related...) by the very rules
of a link in Atom, ``atom:id`` and ``atom:updated`` / ``atom:published`` by its values'."""

from __future__ import annotations

from .. import values
from ..atom_links import check_link
from ..namespaces import ATOM
from . import Ext, Vocabulary


def _check_atom_in_rss(x: Ext) -> None:
    if x.local == "link":
        base = x.doc.bases.at(x.el)[1]
        check_link(x.report, x.el, name=x.name, parent=x.parent, base=base, doc_base=x.doc.base_url)
    elif x.local in ("updated", "published"):
        values.check_date_rfc3339(x.report, x.value.strip(), **x.at())
    elif x.local == "id" and values.check_uri(x.report, x.value.strip(), full=True, **x.at()):
        values.check_canonical(x.report, x.value.strip(), **x.at())


VOCABULARIES = (Vocabulary(frozenset({ATOM}), _check_atom_in_rss),)

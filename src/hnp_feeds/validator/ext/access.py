"""Bloglines access restriction (``access:restriction``, on the rss element)."""

from __future__ import annotations

from ..namespaces import ACCESS
from . import Ext, Vocabulary


def _check_access(x: Ext) -> None:
    if x.local != "restriction" or x.parent != "rss":
        x.undefined()
        return
    rel = x.el.get("relationship")
    if rel is None:
        x.err("MissingAttribute", attr="relationship")
    elif rel not in ("allow", "deny"):
        x.err("InvalidAccessRestrictionRel", value=rel)


VOCABULARIES = (Vocabulary(frozenset({ACCESS}), _check_access),)

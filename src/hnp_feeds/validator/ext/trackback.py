"""Trackback (``trackback:ping``, ``trackback:about``): URLs of an item or entry."""

from __future__ import annotations

from ..namespaces import TRACKBACK
from . import Ext, Vocabulary


def _check_trackback(x: Ext) -> None:
    """Trackback ping and about URLs belong to an item or entry."""
    if x.parent in ("channel", "feed"):
        x.undefined()
    else:
        x.full_url()


VOCABULARIES = (Vocabulary(frozenset({TRACKBACK}), _check_trackback),)

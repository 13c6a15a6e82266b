"""Writers: a feed document -> the bytes of its Atom, RSS and JSON Feed documents.

feedgen (Atom, RSS) is used only inside this package.  Every writer is deterministic: the
same input gives the same bytes, and no writer reads the clock.

    files = render_formats(site, FeedDocument(feed, entries))   # "<slug>/atom.xml": bytes, ...
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..model import Site
from .common import ATOM_TYPE, JSON_TYPE, RSS_TYPE, feed_url
from .document import ArchiveLinks, FeedDocument

if TYPE_CHECKING:
    from .atom import render_atom
    from .jsonfeed import render_json
    from .rss import render_rss

Render = Callable[[Site, FeedDocument], bytes]

# The writers (and feedgen, lxml) are imported when first used: a run that renders
# nothing, or a module that needs only ``feed_url`` or ``ArchiveLinks``, never loads them.
_LAZY = {"render_atom": ".atom", "render_rss": ".rss", "render_json": ".jsonfeed"}


def __getattr__(name: str) -> Any:
    if name == "FORMATS":
        return formats()
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def formats() -> dict[str, tuple[Render, str]]:
    """File name -> (render function, media type), for each format every feed is
    published in (also ``FORMATS``)."""
    from .atom import render_atom
    from .jsonfeed import render_json
    from .rss import render_rss

    return {
        "atom.xml": (render_atom, ATOM_TYPE),
        "rss.xml": (render_rss, RSS_TYPE),
        "feed.json": (render_json, JSON_TYPE),
    }


def render_formats(site: Site, document: FeedDocument) -> dict[str, bytes]:
    """A feed's current document in every format: ``{"<slug>/atom.xml": ..., ...}``."""
    slug = document.feed.slug
    return {
        f"{slug}/{filename}": render(site, document)
        for filename, (render, _media_type) in formats().items()
    }


__all__ = [
    "FORMATS",
    "ArchiveLinks",
    "FeedDocument",
    "Render",
    "feed_url",
    "render_atom",
    "render_formats",
    "render_json",
    "render_rss",
]

"""Writers: a feed document -> the bytes of its Atom, RSS and JSON Feed documents.

feedgen (Atom, RSS) is used only inside this package.  Every writer is deterministic: the
same input gives the same bytes, and no writer reads the clock.

    files = render_formats(site, FeedDocument(feed, entries))   # "<slug>/atom.xml": bytes, ...
    assemble(site, document, "atom.xml", known).data           # the same, from entries kept
"""

from __future__ import annotations

from ..model import Site
from .atom import render_atom
from .common import feed_url
from .document import ArchiveLinks, FeedDocument
from .formats import FORMATS, Render
from .fragments import Assembled, assemble, entry_key, join, site_key
from .jsonfeed import render_json
from .rss import render_rss


def render_formats(site: Site, document: FeedDocument) -> dict[str, bytes]:
    """A feed's current document in every format: ``{"<slug>/atom.xml": ..., ...}``."""
    slug = document.feed.slug
    return {
        f"{slug}/{filename}": render(site, document)
        for filename, (render, _media_type) in FORMATS.items()
    }


__all__ = [
    "FORMATS",
    "ArchiveLinks",
    "Assembled",
    "FeedDocument",
    "Render",
    "assemble",
    "entry_key",
    "join",
    "feed_url",
    "render_atom",
    "render_formats",
    "render_json",
    "render_rss",
    "site_key",
]

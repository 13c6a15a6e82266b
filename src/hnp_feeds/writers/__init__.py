"""Writers: a feed's selected articles -> the bytes of its Atom, RSS and JSON Feed documents.

feedgen (Atom, RSS) is used only inside this package.  Every writer is deterministic: the
same input gives the same bytes, and no writer reads the clock.

    for filename, (render, media_type) in FORMATS.items():
        data = render(site, feed, articles)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ..model import Article, FeedSpec, Site
from .atom import render_atom
from .common import ATOM_TYPE, JSON_TYPE, RSS_TYPE, ArchiveLinks, feed_url
from .jsonfeed import render_json
from .rss import render_rss

Render = Callable[[Site, FeedSpec, Sequence[Article]], bytes]

#: file name -> (render function, media type), for each format every feed is published in.
FORMATS: dict[str, tuple[Render, str]] = {
    "atom.xml": (render_atom, ATOM_TYPE),
    "rss.xml": (render_rss, RSS_TYPE),
    "feed.json": (render_json, JSON_TYPE),
}

__all__ = [
    "FORMATS",
    "ArchiveLinks",
    "Render",
    "feed_url",
    "render_atom",
    "render_json",
    "render_rss",
]

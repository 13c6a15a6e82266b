"""Writers: a feed document -> the bytes of its Atom, RSS and JSON Feed documents.

feedgen (Atom, RSS) is used only inside this package.  Every writer is deterministic: the
same input gives the same bytes, and no writer reads the clock.

    files = render_formats(site, FeedDocument(feed, entries))   # "<slug>/atom.xml": bytes, ...
    assemble(site, document, "atom.xml", known).data           # the same, from entries kept

The writers (and feedgen, lxml) are imported when first used: a run that renders nothing,
or a module that needs only ``feed_url`` or ``ArchiveLinks``, never loads them.
"""

from __future__ import annotations

import functools
import importlib
from typing import TYPE_CHECKING, Any

from ..digest import source_digest
from ..model import Site
from .document import FEED_FILES, ArchiveLinks, FeedDocument, feed_url

if TYPE_CHECKING:
    from .atom import render_atom
    from .formats import FORMATS, Render
    from .fragments import Assembled, assemble, entry_key, entry_keys, join, site_key
    from .jsonfeed import render_json
    from .rss import render_rss

#: Names this package gives, from the modules that load feedgen: imported on first use.
_LAZY = {
    "render_atom": ".atom",
    "render_rss": ".rss",
    "render_json": ".jsonfeed",
    "FORMATS": ".formats",
    "Render": ".formats",
    "Assembled": ".fragments",
    "assemble": ".fragments",
    "entry_key": ".fragments",
    "entry_keys": ".fragments",
    "join": ".fragments",
    "site_key": ".fragments",
}


#: What the writers' bytes depend on besides what they are given: the source of the
#: writers and of what they call (ids, text, times) and the libraries that serialise.
WRITER_SOURCES = ("writers", "identity.py", "names.py", "text.py", "timezone.py", "model.py")


@functools.cache
def writer_version() -> str:
    """A digest of ``WRITER_SOURCES`` and of the versions of feedgen and lxml (read, not
    imported): part of every kept entry's key (``fragments``) and of every current
    document's fingerprint (``publish.plan``), so new writers render both again."""
    return source_digest(WRITER_SOURCES, ("feedgen", "lxml"))


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def render_formats(site: Site, document: FeedDocument) -> dict[str, bytes]:
    """A feed's current document in every format: ``{"<slug>/atom.xml": ..., ...}``."""
    from .formats import FORMATS

    slug = document.feed.slug
    return {
        f"{slug}/{filename}": render(site, document)
        for filename, (render, _media_type) in FORMATS.items()
    }


__all__ = [
    "FEED_FILES",
    "FORMATS",
    "ArchiveLinks",
    "Assembled",
    "FeedDocument",
    "Render",
    "assemble",
    "entry_key",
    "entry_keys",
    "join",
    "feed_url",
    "render_atom",
    "render_formats",
    "render_json",
    "render_rss",
    "site_key",
]

"""One feed -> the bytes of every format, keyed by their path under the output directory."""

from __future__ import annotations

from collections.abc import Sequence

from .config import Catalogue
from .model import Article, FeedSpec
from .writers import FORMATS


def render_feed(
    catalogue: Catalogue, feed: FeedSpec, entries: Sequence[Article]
) -> dict[str, bytes]:
    """``{"<slug>/atom.xml": ..., "<slug>/rss.xml": ..., "<slug>/feed.json": ...}``."""
    return {
        f"{feed.slug}/{filename}": render(catalogue.site, feed, entries)
        for filename, (render, _media_type) in FORMATS.items()
    }

"""The formats every feed is published in: file name -> (render function, media type)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..model import Article, Site
from .atom import render_atom
from .common import ATOM_TYPE, FEED_FILES, JSON_TYPE, RSS_TYPE
from .document import FeedDocument
from .jsonfeed import render_json
from .rss import render_rss


class Render(Protocol):
    """A writer: the document, or (``entries`` given) its head with these entries instead."""

    def __call__(
        self, site: Site, document: FeedDocument, entries: Sequence[Article] | None = None, /
    ) -> bytes: ...


FORMATS: dict[str, tuple[Render, str]] = dict(
    zip(
        FEED_FILES,
        [(render_atom, ATOM_TYPE), (render_rss, RSS_TYPE), (render_json, JSON_TYPE)],
        strict=True,
    )
)

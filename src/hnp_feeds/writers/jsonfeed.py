"""JSON Feed 1.1, written by hand (a dict in a fixed key order, dumped once).

https://www.jsonfeed.org/version/1.1/

The dump is ``json.dumps(out, ensure_ascii=False, indent=2)`` byte for byte, written by
orjson (``dumps`` below): with ``indent`` the standard library leaves its C encoder for a
pure Python one (a generator per container), more than half of the JSON writer's time;
orjson writes the same bytes (two-space indent, ``", "``-free item separators, the same
escapes) in C, UTF-8 at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from ..identity import entry_id
from ..model import Article, Site
from .common import (
    entry_parts,
    feed_url,
    require_url,
    shown_of,
    stamp,
)
from .document import FeedDocument

VERSION = "https://jsonfeed.org/version/1.1"
#: Our extension object on each item (JSON Feed 1.1 "Extensions": a name starting with "_").
EXTENSION = "_hnp"


def render_json(
    site: Site, document: FeedDocument, entries: Sequence[Article] | None = None
) -> bytes:
    """The JSON Feed document of a feed: the same entries and ids as its Atom and RSS
    (``entries``: as ``render_atom``)."""
    feed = document.feed
    shown = shown_of(site, document, "feed.json")
    out: dict[str, Any] = {
        "version": VERSION,
        "title": feed.title,
        "home_page_url": site.base_url,
        "feed_url": feed_url(site, feed.slug, "feed.json"),
    }
    if feed.description or site.description:
        out["description"] = feed.description or site.description
    if site.icon:  # JSON Feed 1.1 asks for a square image for both
        out["icon"] = site.icon
        out["favicon"] = site.icon
    out["language"] = site.language
    out["authors"] = [{"name": site.title, "url": site.base_url}]
    if site.hub:
        out["hubs"] = [{"type": "WebSub", "url": site.hub}]
    out["items"] = [_item(site, article) for article in (shown if entries is None else entries)]
    return dumps(out) + b"\n"


def dumps(value: Any) -> bytes:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` in UTF-8 for what a feed holds
    (str, 64-bit int, bool, None, lists, dicts with str keys), by orjson; a TypeError
    names anything it cannot write (a key not a string, bytes, a larger int)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError as error:
        raise TypeError(f"JSON Feed: {error}") from None


def _item(site: Site, article: Article) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry_id(site, article),
        "url": require_url(article),
        "title": article.title,
    }
    summary, content, terms = entry_parts(article)
    if summary:
        item["summary"] = summary
    # content_html is required unless content_text is there; a title-only article still
    # gets an (empty) body so the item stays valid.
    item["content_html"] = content
    if article.image is not None:
        item["image"] = article.image.url
    item["date_published"] = stamp(article.published)
    item["date_modified"] = stamp(article.updated)
    if article.author:
        item["authors"] = [{"name": article.author}]
    tags = [label for _, label in terms]
    if tags:
        item["tags"] = tags
    item[EXTENSION] = {"related": [{"url": r.url, "title": r.title} for r in article.related]}
    return item

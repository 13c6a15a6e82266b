"""JSON Feed 1.1, written by hand (a dict in a fixed key order, dumped once).

https://www.jsonfeed.org/version/1.1/

The dump is ``json.dumps(out, ensure_ascii=False, indent=2)`` byte for byte, written by
``dumps`` below: with ``indent`` the standard library leaves its C encoder for a pure
Python one (a generator per container), about half of the JSON writer's time per entry;
``dumps`` keeps the C string encoder and joins the indentation itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import repeat
from json.encoder import encode_basestring
from typing import Any

from ..identity import entry_id
from ..model import Article, Site
from .common import (
    category_terms,
    content_of,
    feed_url,
    require_url,
    shown_of,
    stamp,
    summary_of,
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
    return (dumps(out) + "\n").encode()


def dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2)`` for what a feed holds (str,
    int, bool, None, lists, dicts with str keys); a TypeError names anything else."""
    parts: list[str] = []
    _dump(value, "\n", parts)
    return "".join(parts)


def _dump(value: Any, newline: str, parts: list[str]) -> None:
    """``value`` into ``parts``; ``newline``: a newline and the indentation it is at."""
    if isinstance(value, str):
        parts.append(encode_basestring(value))
    elif isinstance(value, dict | list):
        is_dict = isinstance(value, dict)
        if not value:
            parts.append("{}" if is_dict else "[]")
            return
        inner = newline + "  "
        opening = ("{" if is_dict else "[") + inner
        pairs: Iterable[tuple[Any, Any]] = (
            value.items() if isinstance(value, dict) else zip(repeat(""), value)
        )
        for key, item in pairs:
            if is_dict:
                if not isinstance(key, str):
                    raise TypeError(f"JSON Feed: key {key!r} is not a string")
                opening += encode_basestring(key) + ": "
            if type(item) is str:  # most values: no call
                parts.append(opening + encode_basestring(item))
            else:
                parts.append(opening)
                _dump(item, inner, parts)
            opening = "," + inner
        parts.append(newline + ("}" if is_dict else "]"))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif type(value) is int:
        parts.append(int.__repr__(value))
    else:
        raise TypeError(f"JSON Feed: {type(value).__name__} {value!r} is not written")


def _item(site: Site, article: Article) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": entry_id(site, article),
        "url": require_url(article),
        "title": article.title,
    }
    summary = summary_of(article)
    if summary:
        item["summary"] = summary
    # content_html is required unless content_text is there; a title-only article still
    # gets an (empty) body so the item stays valid.
    item["content_html"] = content_of(article)
    if article.image is not None:
        item["image"] = article.image.url
    item["date_published"] = stamp(article.published)
    item["date_modified"] = stamp(article.updated)
    if article.author:
        item["authors"] = [{"name": article.author}]
    tags = [label for _, label in category_terms(article)]
    if tags:
        item["tags"] = tags
    item[EXTENSION] = {"related": [{"url": r.url, "title": r.title} for r in article.related]}
    return item

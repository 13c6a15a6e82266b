"""Which articles a feed and its archive hold: the one definition.

A feed selects by the slugs of ``SELECTORS`` (``FeedSpec.category``/``author``/``tag``; a
feed with none selects everything); an article has a slug of each kind it carries.  From
this one table come the store's columns (``article_slugs``), its SQL (``where``), and the
dirty keys that tell a cron run which feeds a change can reach (``selection_keys``,
``feed_keys``).  Where an article stands (in the feeds now, holding a slot of an archive's
history) is ``placement``; the SQL conditions of the same are ``LIVE`` and ``IN_HISTORY``.
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from .model import Article, FeedSpec
from .names import slugify

SELECTORS = ("category", "author", "tag")

#: The condition each selector puts on an article row ``a`` of the store.
_SQL = {
    "category": "a.category_slug = ?",
    "author": "a.author_slug = ?",
    "tag": "a.record_id IN (SELECT record_id FROM article_tags WHERE tag_slug = ?)",
}
#: Rows in the feeds now (``placement(...).live``).
LIVE = "a.live = 1"
#: Rows holding a slot of a feed's RFC 5005 history: live, or retracted after they had a
#: URL (a retraction keeps its slot, so pages never reshuffle); never drafts.
IN_HISTORY = "a.has_url = 1 AND a.status IN ('published', 'retracted')"

# Authors and tags repeat across thousands of articles: slugify each name once.
slug = functools.lru_cache(maxsize=65536)(slugify)


class Placement(NamedTuple):
    """Where an article stands: ``live``, in the feeds that select it; ``has_url``, it may
    hold a history slot (with ``IN_HISTORY``'s status condition)."""

    live: bool
    has_url: bool


def placement(article: Article, scheduled: bool) -> Placement:
    """A scheduled article (dated after the run) is in no feed and holds no slot yet."""
    has_url = bool(article.url) and not scheduled
    return Placement(has_url and article.status == "published", has_url)


def article_slugs(article: Article) -> dict[str, tuple[str, ...]]:
    """The slugs ``article`` is selected by, per selector."""
    return {
        "category": (article.category.slug,) if article.category is not None else (),
        "author": (slug(article.author),) if article.author else (),
        "tag": tuple(dict.fromkeys(slug(tag) for tag in article.tags)),
    }


def criteria(feed: FeedSpec) -> list[tuple[str, str]]:
    """What ``feed`` selects by: (selector, slug) pairs, all of which must hold."""
    return [(kind, value) for kind in SELECTORS if (value := getattr(feed, kind)) is not None]


def where(feed: FeedSpec) -> tuple[str, list[Any]]:
    """``" AND ..."`` clauses over the row ``a`` and their parameters."""
    pairs = criteria(feed)
    return "".join(f" AND {_SQL[kind]}" for kind, _ in pairs), [value for _, value in pairs]


def selection_keys(article: Article) -> set[str]:
    """The dirty keys an article touches: every feed that could select it has one of them."""
    keys = {"main"}
    for kind, slugs in article_slugs(article).items():
        keys.update(f"{kind}:{value}" for value in slugs)
    return keys


def feed_keys(feed: FeedSpec) -> set[str]:
    """The dirty keys that must all be present for a change to reach ``feed``."""
    return {"main", *(f"{kind}:{value}" for kind, value in criteria(feed))}

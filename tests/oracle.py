"""An independent statement of which articles a feed holds, in Python, for the tests to
check the store's SQL (``hnp_feeds.selection``) and the published feeds against."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from hnp_feeds.catalogue import newest_first
from hnp_feeds.model import Article, FeedSpec
from hnp_feeds.names import slugify


def selects(feed: FeedSpec, article: Article) -> bool:
    """Whether ``article`` belongs in ``feed`` (drafts and retractions never do)."""
    if article.status != "published" or not article.url:
        return False
    if feed.category is not None and (
        article.category is None or article.category.slug != feed.category
    ):
        return False
    if feed.author is not None and (
        article.author is None or slugify(article.author) != feed.author
    ):
        return False
    return feed.tag is None or any(slugify(t) == feed.tag for t in article.tags)


def in_history(feed: FeedSpec, article: Article) -> bool:
    """Whether ``article`` takes a slot in the feed's archive history: selected, or selected
    before it was retracted.  Drafts never do."""
    if article.status == "retracted":
        return selects(feed, dataclasses.replace(article, status="published"))
    return selects(feed, article)


def select(feed: FeedSpec, articles: Sequence[Article], limit: int) -> list[Article]:
    """The entries of ``feed``: selected, newest first, at most ``feed.limit or limit``."""
    chosen = newest_first(a for a in articles if selects(feed, a))
    return chosen[: feed.limit or limit]

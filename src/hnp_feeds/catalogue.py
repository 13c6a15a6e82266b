"""Which feeds exist and which articles each one holds.

The main feed, one per category and one per author come from the articles themselves;
feeds declared in hnp-feeds.toml select by category, author or tag (slugs compared).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .config import Catalogue
from .model import Article, FeedSpec
from .text import slugify

AUTHOR_PREFIX = "tac-gia-"


def feeds_for(catalogue: Catalogue, articles: Iterable[Article]) -> list[FeedSpec]:
    """Every feed of the site for these articles: main, categories, authors, declared."""
    site = catalogue.site
    categories: dict[str, str] = {}
    authors: dict[str, str] = {}
    for article in articles:
        if article.status != "published":
            continue
        if article.category is not None:
            categories.setdefault(article.category.slug, article.category.name)
        if article.author:
            authors.setdefault(slugify(article.author), article.author)
    feeds = [
        FeedSpec(
            slug=catalogue.main_slug,
            title=site.title,
            kind="main",
            description=site.description,
            archive=True,
        )
    ]
    taken = {catalogue.main_slug, *(f.slug for f in catalogue.declared)}
    if site.category_feeds:
        for slug, name in sorted(categories.items()):
            if slug and slug not in taken:
                feeds.append(
                    FeedSpec(
                        slug=slug,
                        title=f"{name} – {site.title}",
                        kind="category",
                        description=f"Chuyên mục {name}",
                        category=slug,
                        archive=True,
                    )
                )
                taken.add(slug)
    if site.author_feeds:
        for slug, name in sorted(authors.items()):
            feed_slug = AUTHOR_PREFIX + slug
            if slug and feed_slug not in taken:
                feeds.append(
                    FeedSpec(
                        slug=feed_slug,
                        title=f"{name} – {site.title}",
                        kind="author",
                        description=f"Bài viết của {name}",
                        author=slug,
                    )
                )
                taken.add(feed_slug)
    feeds.extend(catalogue.declared)
    return feeds


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


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Newest publication first; ties broken by id so the order never wobbles."""
    return sorted(articles, key=lambda a: (a.published, a.id), reverse=True)


def select(feed: FeedSpec, articles: Sequence[Article], limit: int) -> list[Article]:
    """The entries of ``feed``: selected, newest first, at most ``feed.limit or limit``."""
    chosen = newest_first(a for a in articles if selects(feed, a))
    return chosen[: feed.limit or limit]

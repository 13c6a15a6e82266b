"""Which feeds exist: the main feed, one per category and one per author (from the
articles themselves), and those declared in hnp-feeds.toml.  Which articles each holds is
``selection``'s."""

from __future__ import annotations

from collections.abc import Iterable

from .config import AUTHOR_PREFIX as AUTHOR_PREFIX  # re-exported: its home before config
from .config import Catalogue
from .errors import ConfigError
from .model import Article, FeedSpec
from .text import slugify


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
    for slug, name in sorted(categories.items()):
        # The door refuses such a record; one stored before the catalogue took the slug:
        owner = catalogue.slug_owner(slug)
        if owner is not None and site.category_feeds:
            raise ConfigError(
                f"{catalogue.path}: the category {name!r} of stored articles has the slug"
                f" {slug!r} of {owner}: give the declared feed another slug"
            )
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


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Newest publication first; ties broken by id so the order never wobbles."""
    return sorted(articles, key=lambda a: (a.published, a.id), reverse=True)

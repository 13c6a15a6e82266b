"""Which feeds exist: the main feed, one per category, one per author and one per tag of
at least ``tag_feed_min_articles`` live articles (from the articles themselves), and those
declared in hnp-feeds.toml.  Which articles each holds is
``selection``'s."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Literal

from .config import AUTHOR_PREFIX as AUTHOR_PREFIX  # re-exported: its home before config
from .config import Catalogue
from .errors import ConfigError
from .model import Article, FeedSpec, Site
from .names import slugify
from .selection import criteria, slug

TAG_PREFIX = "chu-de-"


def feeds_for(catalogue: Catalogue, articles: Iterable[Article]) -> list[FeedSpec]:
    """Every feed of the site for these articles: main, categories, authors, tags (with
    ``tag_feed_min_articles``), declared."""
    categories: dict[str, str] = {}
    authors: dict[str, str] = {}
    tags: dict[str, tuple[str, str]] = {}  # slug -> (the first record id, its name)
    counts: Counter[str] = Counter()
    for article in articles:
        if article.status != "published":
            continue
        if article.category is not None:
            categories.setdefault(article.category.slug, article.category.name)
        if article.author:
            authors.setdefault(slugify(article.author), article.author)
        named = {slug(tag): tag for tag in reversed(article.tags)}  # the first name wins
        counts.update(named.keys())
        for tag_slug, name in named.items():
            if tag_slug not in tags or article.id < tags[tag_slug][0]:
                tags[tag_slug] = (article.id, name)
    least = catalogue.site.tag_feed_min_articles
    chosen = {s: name for s, (_, name) in tags.items() if least and counts[s] >= least}
    return feeds_of(catalogue, categories, authors, chosen)


def feeds_of(
    catalogue: Catalogue,
    categories: Mapping[str, str],
    authors: Mapping[str, str],
    tags: Mapping[str, str],
) -> list[FeedSpec]:
    """Every feed of the site, given its live sections (slug -> name each): the main feed,
    one per category, per author, per tag given (those with enough articles), then the
    declared ones.  A tag a declared feed selects by itself gets no second feed."""
    site = catalogue.site
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
    for section, name in sorted(categories.items()):
        # The door refuses such a record; one stored before the catalogue took the slug:
        owner = catalogue.slug_owner(section)
        if owner is not None and site.category_feeds:
            raise ConfigError(
                f"{catalogue.path}: the category {name!r} of stored articles has the slug"
                f" {section!r} of {owner}: give the declared feed another slug"
            )
    if site.category_feeds:
        feeds += _section_feeds(site, "category", categories, taken, "Chuyên mục {}", archive=True)
    if site.author_feeds:
        feeds += _section_feeds(site, "author", authors, taken, "Bài viết của {}", AUTHOR_PREFIX)
    declared_tags = {f.tag for f in catalogue.declared if criteria(f) == [("tag", f.tag)]}
    chosen = {tag: name for tag, name in tags.items() if tag not in declared_tags}
    feeds += _section_feeds(site, "tag", chosen, taken, "Bài viết về {}", TAG_PREFIX)
    feeds.extend(catalogue.declared)
    return feeds


def _section_feeds(
    site: Site,
    kind: Literal["category", "author", "tag"],
    names: Mapping[str, str],
    taken: set[str],
    description: str,
    prefix: str = "",
    *,
    archive: bool = False,
) -> list[FeedSpec]:
    """A feed of ``kind`` per section (slug -> name), in slug order, selecting by that
    slug; a slug already taken (``taken`` grows) gets none."""
    feeds = []
    for section, name in sorted(names.items()):
        feed_slug = prefix + section
        if section and feed_slug not in taken:
            feeds.append(
                FeedSpec(
                    slug=feed_slug,
                    title=f"{name} – {site.title}",
                    kind=kind,
                    description=description.format(name),
                    archive=archive,
                    category=section if kind == "category" else None,
                    author=section if kind == "author" else None,
                    tag=section if kind == "tag" else None,
                )
            )
            taken.add(feed_slug)
    return feeds


def newest_first(articles: Iterable[Article]) -> list[Article]:
    """Newest publication first; ties broken by id so the order never wobbles."""
    return sorted(articles, key=lambda a: (a.published, a.id), reverse=True)

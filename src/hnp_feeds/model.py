"""The normal records of the pipeline: frozen dataclasses, tz-aware datetimes, tuples.

Every adapter produces ``Article`` values; everything after the adapters reads only these.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Status = Literal["published", "draft", "retracted"]
FeedKind = Literal["main", "category", "author", "tag", "custom"]


@dataclass(frozen=True)
class Link:
    """A link to another page, e.g. a related post: absolute URL and its title."""

    url: str
    title: str = ""


@dataclass(frozen=True)
class ListedPost:
    """A related post named by its title (and maybe its publication time) only, as a
    scraped page lists it: the store links it to the article it names, once known."""

    title: str
    published: datetime | None = None


@dataclass(frozen=True)
class Category:
    """A section of the portal; ``slug`` is ASCII, ``name`` is what readers see."""

    slug: str
    name: str


@dataclass(frozen=True)
class Image:
    """The lead image of an article."""

    url: str
    caption: str = ""
    type: str | None = None
    length: int | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Article:
    """One article of the portal, as every stage after the adapters sees it.

    ``published``/``updated`` are aware datetimes in Asia/Ho_Chi_Minh; text is NFC;
    ``content_html`` is already sanitized; ``related`` keeps the site's order; ``listed``
    are related posts known by title only (the store resolves them into ``related``).
    ``source`` says where the record came from (``file.jsonl:12``), for reports;
    ``raw_hash`` is the digest of the raw record it was read from (``adapters.records.
    RawDigest``), kept by the store so that the same raw record is skipped next time.
    """

    id: str
    title: str
    published: datetime
    updated: datetime
    url: str | None = None
    summary: str = ""
    content_html: str = ""
    author: str | None = None
    category: Category | None = None
    tags: tuple[str, ...] = ()
    image: Image | None = None
    related: tuple[Link, ...] = ()
    listed: tuple[ListedPost, ...] = ()
    status: Status = "published"
    source: str = field(default="", compare=False)
    raw_hash: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for name in ("published", "updated"):
            value: datetime = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"Article.{name} must be timezone-aware, got {value!r}")


@dataclass(frozen=True)
class Unchanged:
    """Raw records the store has read before, byte for byte and under the same rules, one
    after another in ``source``: skipped by the adapter before they are parsed, cleaned or
    sanitized, given on as one value (a whole export's unchanged lines are a few of these,
    not an object each).  They still count as seen, as the record ``ids`` at ``lines``
    (their duplicates are refused, their source was read whole)."""

    source: str
    ids: Sequence[str]
    lines: Sequence[int]

    def __len__(self) -> int:
        return len(self.ids)

    def where(self, record_id: str) -> str:
        """``source:line`` of ``record_id``'s first record here (a duplicate's message)."""
        return f"{self.source}:{self.lines[self.ids.index(record_id)]}"

    def each(self) -> Iterator[tuple[str, str]]:
        """Each record as its id and ``source:line``."""
        for record_id, line in zip(self.ids, self.lines, strict=True):
            yield record_id, f"{self.source}:{line}"


@dataclass(frozen=True)
class FeedSpec:
    """One feed of the catalogue and the articles it selects.

    ``category``/``author``/``tag`` are slugs; a feed with none of them selects everything.
    """

    slug: str
    title: str
    kind: FeedKind = "main"
    description: str = ""
    category: str | None = None
    author: str | None = None
    tag: str | None = None
    limit: int | None = None
    archive: bool = False


@dataclass(frozen=True)
class Site:
    """The portal's settings from hnp-feeds.toml."""

    title: str
    base_url: str
    feeds_url: str
    tag_authority: str
    tag_date: str
    language: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    description: str = ""
    hub: str | None = None
    entries_per_feed: int = 50
    archive_page_size: int = 100
    publish_interval_minutes: int = 5
    related_count: int = 5
    author_feeds: bool = True
    category_feeds: bool = True
    #: RFC 6721 ``at:deleted-entry`` for recent retractions in Atom.  Off by default: none
    #: of five common readers acts on one, and the W3C validator warns on every feed that
    #: has one (docs/readers-edits-and-retractions.md).
    tombstones: bool = False
    #: The portal's face in every feed: Atom ``icon``/``logo``/``rights``, RSS ``<image>``
    #: and ``<copyright>``, JSON Feed ``favicon``/``icon`` (absolute URLs; rights is text).
    icon: str | None = None
    logo: str | None = None
    rights: str = ""
    #: A feed of its own for every tag of at least this many live articles (None: none).
    tag_feed_min_articles: int | None = None


@dataclass(frozen=True)
class Tombstone:
    """An RFC 6721 ``at:deleted-entry``: a published entry that left the feeds."""

    ref: str  # the entry id it was published with
    when: datetime
    record_id: str = ""

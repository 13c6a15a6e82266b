"""The full, store-less regeneration behind ``hnp-feeds build``.

sources -> adapters -> related posts -> catalogue -> writers -> validator -> atomic write.
Every rendered file is validated before anything is written: one invalid feed and nothing new is
written, the previous files stay.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from .adapters import read_sources
from .archive import plan_archive, render_plan
from .catalogue import feeds_for, select
from .config import Catalogue
from .errors import RecordError, split_where
from .model import Article, FeedSpec
from .pages import site_files
from .precompress import write_with_sibling
from .related import complete_related
from .render import render_feed
from .timezone import rfc3339
from .validator import PortalPolicy, Report, validate

ADAPTER_LOG = "hnp_feeds.adapters"  # where adapters say what they repaired


class Progress(Protocol):
    """What the CLI's progress bar offers the library (a null one when it is off)."""

    def start(self, total: int) -> None: ...

    def advance(self, label: str) -> None: ...


class NullProgress:
    """Progress that shows nothing (cron, tests)."""

    def start(self, total: int) -> None:
        pass

    def advance(self, label: str) -> None:
        pass


@dataclass(frozen=True)
class FeedSummary:
    """One feed of a build, for the summary table."""

    slug: str
    title: str
    entries: int


@dataclass
class BuildResult:
    """What a build did: feeds, files written or left as they were, what it refused."""

    feeds: list[FeedSummary] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    rejected: list[RecordError] = field(default_factory=list)
    cleaned: list[str] = field(default_factory=list)
    scheduled: list[Article] = field(default_factory=list)
    invalid: dict[str, Report] = field(default_factory=dict)
    warnings: dict[str, Report] = field(default_factory=dict)
    articles: int = 0

    @property
    def ok(self) -> bool:
        return not self.invalid and not self.rejected


def load_articles(
    sources: Iterable[Path | str],
    catalogue: Catalogue | None = None,
    cleaned: list[str] | None = None,
) -> tuple[list[Article], list[RecordError]]:
    """Every usable article of the sources, and every record refused with its reason.

    What the adapters repaired on the way (control characters, scripts removed) is
    appended to ``cleaned`` as ``file:line: what``."""
    articles: list[Article] = []
    rejected: list[RecordError] = []
    with _collect(ADAPTER_LOG, cleaned):
        for item in read_sources(list(sources), catalogue=catalogue):
            if isinstance(item, RecordError):
                rejected.append(item)
            else:
                articles.append(item)
    return articles, rejected


def articles_to_publish(
    catalogue: Catalogue,
    sources: Sequence[Path | str] | None = None,
    cleaned: list[str] | None = None,
    *,
    now: datetime | None = None,
    scheduled: list[Article] | None = None,
) -> tuple[list[Article], list[RecordError]]:
    """The articles exactly as a build publishes them: read from the sources (default:
    the catalogue's), with related posts computed up to ``related_count`` where the
    records bring fewer; and the records refused.

    An article published after ``now`` (default: the clock) is scheduled: held back,
    appended to ``scheduled``, never in a feed before its time.  One whose ``updated``
    lies in the future is refused: no feed carries a date later than its build."""
    now = now or datetime.now(UTC)
    loaded, rejected = load_articles(sources or catalogue.sources, catalogue, cleaned)
    articles: list[Article] = []
    for article in loaded:
        if article.published > now:
            if scheduled is not None:
                scheduled.append(article)
        elif article.updated > now:
            source, position = split_where(article.source)
            reason = f"updated {rfc3339(article.updated)} is in the future"
            rejected.append(RecordError(source, position, reason, record_id=article.id))
        else:
            articles.append(article)
    return complete_related(articles, catalogue.site.related_count), rejected


class _ListHandler(logging.Handler):
    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(record.getMessage())


@contextmanager
def _collect(logger_name: str, sink: list[str] | None) -> Iterator[None]:
    """Route a logger's warnings into ``sink`` (and only there) while reading."""
    if sink is None:
        yield
        return
    logger = logging.getLogger(logger_name)
    handler, propagate = _ListHandler(sink), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


def render_site(
    catalogue: Catalogue, articles: Sequence[Article], progress: Progress | None = None
) -> tuple[list[FeedSummary], dict[str, bytes]]:
    """Every feed of the catalogue rendered in every format: path -> bytes."""
    progress = progress or NullProgress()
    feeds: list[FeedSpec] = feeds_for(catalogue, articles)
    progress.start(len(feeds))
    summaries: list[FeedSummary] = []
    files: dict[str, bytes] = {}
    listed: list[tuple[FeedSpec, Sequence[Article]]] = []
    for feed in feeds:
        if feed.archive:  # RFC 5005: current documents + full archive pages
            plan = plan_archive(catalogue.site, feed, articles)
            entries: Sequence[Article] = plan.current_entries
            files.update(render_plan(catalogue, plan))
        else:
            entries = select(feed, articles, catalogue.site.entries_per_feed)
            files.update(render_feed(catalogue, feed, entries))
        listed.append((feed, entries))
        summaries.append(FeedSummary(feed.slug, feed.title, len(entries)))
        progress.advance(feed.slug)
    files.update(site_files(catalogue, listed))  # index.html, feeds.opml
    return summaries, files


def build(
    catalogue: Catalogue,
    sources: Sequence[Path | str] | None = None,
    out_dir: Path | None = None,
    *,
    progress: Progress | None = None,
) -> BuildResult:
    """Regenerate every feed from the sources; write only if every file validates."""
    out_dir = out_dir or catalogue.out_dir
    result = BuildResult()
    now = datetime.now(UTC)
    articles, result.rejected = articles_to_publish(
        catalogue, sources, result.cleaned, now=now, scheduled=result.scheduled
    )
    result.articles = len(articles)
    result.feeds, files = render_site(catalogue, articles, progress)
    policy = PortalPolicy.for_site(catalogue.site, now=now)
    for relpath, data in files.items():
        if not relpath.endswith((".xml", ".json")):
            continue  # index.html and feeds.opml are not feeds
        report = validate(data, catalogue.site.feeds_url + relpath, profile="portal", policy=policy)
        if not report.ok:
            result.invalid[relpath] = report
        elif report.warnings:
            result.warnings[relpath] = report
    if result.invalid:
        return result
    for relpath, data in sorted(files.items()):
        target = out_dir / relpath
        # .gz siblings for nginx gzip_static and hnp-feeds serve
        (result.written if write_with_sibling(target, data) else result.unchanged).append(target)
    return result

"""Rendering and validating one document, in a worker or in the publishing process.

A job carries its entries as the store keeps them (JSON bodies), so a worker gets plain
data and gives back bytes and reports; what a run writes is decided by the parent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..archive import archive_relpath
from ..identity import entry_id
from ..model import FeedSpec, Site, Tombstone
from ..precompress import compressible, gzip_bytes
from ..store import article_from_json
from ..validator import Report
from ..validator.explain import explain
from ..writers import ArchiveLinks, FeedDocument, render_atom, render_formats

Validate = Callable[[bytes, str], Report]


@dataclass(frozen=True)
class RenderJob:
    """One feed document to render: the current documents of a feed (every format), or
    archive page ``page`` of it (Atom)."""

    feed: FeedSpec  # a current document's limit is widened to hold what no page holds
    bodies: tuple[tuple[str, str], ...]  # (stored JSON, source) of each entry
    archive: ArchiveLinks | None = None
    tombstones: tuple[Tombstone, ...] = ()
    page: int | None = None


@dataclass(frozen=True)
class Rendered:
    """A rendered job: its entry ids, every file's bytes, and the reports of its files
    with errors (``invalid``) or with warnings only."""

    ids: dict[str, str]
    files: dict[str, bytes]
    invalid: dict[str, Report]
    warnings: dict[str, Report]
    updated: datetime | None  # the newest ``updated`` of its entries
    #: The ``.gz`` sibling of each valid file that gets one, compressed where rendered.
    gz: dict[str, bytes] = field(default_factory=dict)


def render_job(job: RenderJob, site: Site, validate: Validate) -> Rendered:
    """Render one job through the writers and validate each file it gives."""
    entries = tuple(article_from_json(body, source) for body, source in job.bodies)
    document = FeedDocument(job.feed, entries, job.archive, job.tombstones)
    if job.page is None:
        files = render_formats(site, document)
    else:
        files = {archive_relpath(job.feed.slug, job.page): render_atom(site, document)}
    invalid: dict[str, Report] = {}
    warnings: dict[str, Report] = {}
    for relpath, data in sorted(files.items()):
        report = validate(data, site.feeds_url + relpath)
        if not report.ok:
            invalid[relpath] = report
        elif report.warnings:
            warnings[relpath] = report
    ids = {article.id: entry_id(site, article) for article in entries}
    updated = max((article.updated for article in entries), default=None)
    gz = (
        {}
        if invalid
        else {name: gzip_bytes(data) for name, data in files.items() if compressible(name)}
    )
    return Rendered(ids, files, invalid, warnings, updated, gz)


def culprits(job: RenderJob, site: Site, validate: Validate) -> dict[str, str]:
    """When a document fails, the entries that fail on their own: record id -> why, from
    the validator.  None when the document fails empty too, or when every one of two or
    more entries fails: that is a fault of the document (a writer's), not of an article."""
    empty = render_job(RenderJob(job.feed, (), job.archive, (), job.page), site, validate)
    if empty.invalid:
        return {}
    found: dict[str, str] = {}
    for body, source in job.bodies:
        alone = render_job(
            RenderJob(job.feed, ((body, source),), job.archive, (), job.page), site, validate
        )
        for relpath, report in sorted(alone.invalid.items()):
            (record_id,) = alone.ids
            first = report.errors[0]
            where = f"{relpath.rsplit('/', 1)[-1]}:{first.line}" if first.line else relpath
            found[record_id] = (
                f"withheld from the feeds, the portal policy refuses its entry: {first.code}"
                f" ({explain(first.code)}) at {where}"
            )
            break
    if len(job.bodies) > 1 and len(found) == len(job.bodies):
        return {}
    return found

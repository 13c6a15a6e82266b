"""RFC 5005 §4 archived feeds: a feed's whole history in fixed pages a reader can walk.

The history is ordered oldest first (publication time, then id) and cut into pages of
``site.archive_page_size``: page 1 holds the oldest articles.  Only full pages are
published (``<slug>/archive/<n>.xml``); the newer remainder is held by the current
document, which links ``prev-archive`` to the newest page.  With an append-only history a
full page keeps its entries for ever, so its bytes never change except once: the newest
page gains its ``next-archive`` link when the page after it fills (the set of entries, which
RFC 5005 asks to be stable, never changes).  ``serve`` caches a page as immutable from then.

A retracted article keeps its slot (it is left out of its page's entries) so a retraction
never shifts the pages after it.  An article published late with an old date does shift
them: the CMS's history is assumed to grow at its new end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

from .catalogue import selects
from .config import Catalogue
from .identity import entry_id
from .model import Article, FeedSpec, Site
from .writers import ArchiveLinks, feed_url, render_atom

ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"
ARCHIVE_DIR = "archive"


def archive_relpath(slug: str, number: int) -> str:
    """``tin-moi/archive/3.xml``: where page ``number`` of a feed lives under ``feeds/``."""
    return f"{slug}/{ARCHIVE_DIR}/{number}.xml"


def archive_url(site: Site, slug: str, number: int) -> str:
    """The public URL of archive page ``number``."""
    return feed_url(site, slug, f"{ARCHIVE_DIR}/{number}.xml")


def in_history(feed: FeedSpec, article: Article) -> bool:
    """Whether ``article`` takes a slot in the feed's history: selected, or selected before
    it was retracted.  Drafts never do."""
    if article.status == "retracted":
        return selects(feed, dataclasses.replace(article, status="published"))
    return selects(feed, article)


@dataclass(frozen=True)
class ArchivePlan:
    """How a feed's history is split: full pages (oldest first) and the current document.

    ``current_feed`` is the feed with its ``limit`` widened when needed so the current
    document holds every article newer than the last full page (RFC 5005 §4: the current
    document plus the archives must hold the whole feed).  Render Atom, RSS and JSON of the
    current document from ``current_feed``/``current_entries`` so they hold the same entries.
    """

    feed: FeedSpec
    pages: tuple[tuple[Article, ...], ...]
    current_feed: FeedSpec
    current_entries: tuple[Article, ...]
    current_links: ArchiveLinks | None


def plan_archive(site: Site, feed: FeedSpec, articles: Iterable[Article]) -> ArchivePlan:
    """Cut the history of ``feed`` (chosen from ``articles``) into full pages and the rest."""
    size = site.archive_page_size
    slots = sorted((a for a in articles if in_history(feed, a)), key=lambda a: (a.published, a.id))
    full = len(slots) // size
    pages = tuple(
        tuple(a for a in slots[n * size : (n + 1) * size] if a.status == "published")
        for n in range(full)
    )
    remainder = [a for a in slots[full * size :] if a.status == "published"]
    published = [a for a in slots if a.status == "published"]
    limit = max(feed.limit or site.entries_per_feed, len(remainder))
    current_feed = feed if limit == (feed.limit or site.entries_per_feed) else (
        dataclasses.replace(feed, limit=limit)
    )  # fmt: skip
    newest = tuple(sorted(published, key=lambda a: (a.published, a.id), reverse=True)[:limit])
    links = None
    if full:
        current = feed_url(site, feed.slug, "atom.xml")
        links = ArchiveLinks(current=current, prev_archive=archive_url(site, feed.slug, full))
    return ArchivePlan(feed, pages, current_feed, newest, links)


def page_links(site: Site, feed: FeedSpec, number: int, pages: int) -> ArchiveLinks:
    """RFC 5005 links of archive page ``number`` of ``pages``: current, prev, next."""
    return ArchiveLinks(
        current=feed_url(site, feed.slug, "atom.xml"),
        prev_archive=archive_url(site, feed.slug, number - 1) if number > 1 else None,
        next_archive=archive_url(site, feed.slug, number + 1) if number < pages else None,
        is_archive=True,
        self_url=archive_url(site, feed.slug, number),
    )


def render_pages(site: Site, plan: ArchivePlan) -> dict[str, bytes]:
    """Every full archive page of the plan: relative path -> Atom bytes."""
    total = len(plan.pages)
    return {
        archive_relpath(plan.feed.slug, number): render_atom(
            site, plan.feed, entries, archive=page_links(site, plan.feed, number, total)
        )
        for number, entries in enumerate(plan.pages, start=1)
    }


def archive_files(
    catalogue: Catalogue, feed: FeedSpec, history: Iterable[Article]
) -> dict[str, bytes]:
    """The archive pages of ``feed``: ``{"<slug>/archive/<n>.xml": bytes}`` (empty until a
    page fills).  ``history`` may be every article of the portal; the feed picks its own."""
    site = catalogue.site
    return render_pages(site, plan_archive(site, feed, history))


def render_plan(catalogue: Catalogue, plan: ArchivePlan) -> dict[str, bytes]:
    """Everything an archived feed publishes: the current Atom/RSS/JSON documents (Atom
    linking ``prev-archive`` to the newest page) and every full archive page."""
    from .render import render_feed  # render sits beside this module; imported late

    site = catalogue.site
    files = render_feed(catalogue, plan.current_feed, plan.current_entries)
    if plan.current_links is not None:
        files[f"{plan.feed.slug}/atom.xml"] = render_atom(
            site, plan.current_feed, plan.current_entries, archive=plan.current_links
        )
    files.update(render_pages(site, plan))
    return files


def render_archived_feed(
    catalogue: Catalogue, feed: FeedSpec, articles: Sequence[Article]
) -> dict[str, bytes]:
    """``render_plan`` of ``feed``'s history chosen from ``articles``."""
    return render_plan(catalogue, plan_archive(catalogue.site, feed, articles))


# --- publish: ``publish._Run.archive_layout`` cuts the history the same way from the store
# (ids and hashes only, ``store.history_keys``) and renders each page that changed with
# ``page_links``, so cron writes the bytes ``render_plan`` gives a build.


# --- reading archives back: what an RFC 5005 client does (§4.2) -------------------------


@dataclass
class ArchiveWalk:
    """What walking a feed's archives found.

    ``entry_ids`` holds every distinct entry id, newest document first; ``documents`` the
    URLs read in order; ``repeated`` the ids found in more than one archive page (overlap
    between the current document and the newest page is normal and not counted);
    ``problems`` what is wrong with the chain itself (a loop, a page not marked
    ``fh:archive``, a current document that is)."""

    entry_ids: list[str] = dataclasses.field(default_factory=list)
    documents: list[str] = dataclasses.field(default_factory=list)
    repeated: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)
    ids_by_document: dict[str, list[str]] = dataclasses.field(default_factory=dict)


_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


def walk_archives(
    fetch: Callable[[str], bytes], url: str, *, max_documents: int = 10_000
) -> ArchiveWalk:
    """Read the current document at ``url`` and follow ``prev-archive`` to the oldest page,
    collecting entry ids the way RFC 5005 §4.2 tells a client to."""
    walk = ArchiveWalk()
    seen_ids: set[str] = set()
    archived_ids: set[str] = set()
    visited: set[str] = set()
    next_url: str | None = url
    while next_url is not None:
        if next_url in visited:
            walk.problems.append(f"{next_url}: prev-archive loops back to a page already read")
            break
        if len(walk.documents) >= max_documents:
            walk.problems.append(f"{next_url}: more than {max_documents} documents, stopped")
            break
        visited.add(next_url)
        document_url = next_url
        root = etree.fromstring(fetch(document_url), _SAFE_PARSER)
        walk.documents.append(document_url)
        is_current = len(walk.documents) == 1
        marked = root.find(f"{{{FH_NS}}}archive") is not None
        if is_current and marked:
            walk.problems.append(f"{document_url}: the current document is marked fh:archive")
        if not is_current and not marked:
            walk.problems.append(f"{document_url}: archive page is not marked fh:archive")
        ids = [el.text or "" for el in root.iterfind(f"{{{ATOM_NS}}}entry/{{{ATOM_NS}}}id")]
        walk.ids_by_document[document_url] = ids
        for entry in ids:
            if not is_current:
                if entry in archived_ids:
                    walk.repeated.append(entry)
                archived_ids.add(entry)
            if entry not in seen_ids:
                seen_ids.add(entry)
                walk.entry_ids.append(entry)
        next_url = None
        for link in root.iterfind(f"{{{ATOM_NS}}}link"):
            if link.get("rel") == "prev-archive" and link.get("href"):
                next_url = urljoin(document_url, link.get("href", ""))
                break
    return walk


def expected_ids(site: Site, feed: FeedSpec, articles: Iterable[Article]) -> set[str]:
    """The ids a complete walk of ``feed`` must find: every published article it selects."""
    return {entry_id(site, a) for a in articles if selects(feed, a)}

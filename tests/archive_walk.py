"""What an RFC 5005 client does (§4.2): walk a feed's archives from its current document.
A test helper: the tests read published feeds back with it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

from lxml import etree

from hnp_feeds.identity import entry_id
from hnp_feeds.model import Article, FeedSpec, Site

from .oracle import selects

ATOM_NS = "http://www.w3.org/2005/Atom"
FH_NS = "http://purl.org/syndication/history/1.0"


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

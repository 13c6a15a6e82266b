"""A document assembled from its entries rendered once (issue 14.3): byte for byte what
the writer gives for the whole document.

Every writer serialises a document as its head, then its entries one after the other,
then the closing of the root; an entry's bytes depend on the entry and the site only (not
on the feed, the page or the place in the document: lxml indents by depth and feedgen
declares the namespaces on the root, the same for every document of a format).  So

    document = head[: -len(empty_tail)] + open + sep.join(entry fragments) + close

where ``head`` is the document written without entries.  The fragments of the entries
not known yet are cut out of one document written with them alone (its head is the
document's own), at the line each entry starts on; when the count of those lines is not
the count of entries (an RSS ``content:encoded`` CDATA section holding the very text
``\\n    <item>``), each such entry is written alone in a document of its own.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..digest import text_digest
from ..model import Article, Site
from . import writer_version
from .common import shown_of
from .document import FeedDocument
from .formats import FORMATS


@dataclass(frozen=True)
class _Layout:
    """Where the entries sit in one format's bytes."""

    marker: bytes  # starts every entry, after the newline ending what comes before it
    empty_tail: bytes  # how the document without entries ends
    open: bytes  # before the first entry, in place of ``empty_tail``
    sep: bytes  # between two entries
    close: bytes  # after the last entry


_RSS_END = b"  </channel>\n</rss>\n"
_LAYOUTS = {
    "atom.xml": _Layout(b"\n  <entry>", b"</feed>\n", b"", b"", b"</feed>\n"),
    "rss.xml": _Layout(b"\n    <item>", _RSS_END, b"", b"", _RSS_END),
    "feed.json": _Layout(b"\n    {", b"[]\n}\n", b"[\n", b",\n", b"\n  ]\n}\n"),
}


#: Part of every entry key: what an entry's bytes depend on besides the entry and the
#: site (``writer_version``); an edit of any of ``WRITER_SOURCES`` is a new cache.
WRITER_VERSION = writer_version()


def site_key(site: Site) -> str:
    """The part of an entry key that stands for the site (ids, URLs of the entries)."""
    return hashlib.sha256(repr(site).encode()).hexdigest()[:16]


def entry_key(site: str, filename: str, body: str, digest: str | None = None) -> str:
    """The cache key of one entry in one format: the writers' version, the site (its
    ``site_key``) and the stored body of the article (everything the entry shows, its
    related links' current URLs and titles included), by its digest: ``digest`` when
    given (the store's ``content_hash`` of it, the same ``text_digest``), else made."""
    return entry_keys(site, (filename,), body, digest)[0]


def entry_keys(
    site: str, filenames: Sequence[str], body: str, digest: str | None = None
) -> list[str]:
    """``entry_key`` of one body in each of these formats, its digest made once."""
    digest = digest or _body_digest(body)
    return [_key(site, filename, digest) for filename in filenames]


def _key(site: str, filename: str, digest: str) -> str:
    """The SHA-256 of ``WRITER_VERSION``, the site, the format and the digest, one per
    line: the hash of all but the digest made once (``_key_start``), copied for each."""
    hashed = _key_start(WRITER_VERSION, site, filename).copy()
    hashed.update(digest.encode())
    key: str = hashed.hexdigest()
    return key


@functools.lru_cache(maxsize=64)
def _key_start(version: str, site: str, filename: str) -> Any:
    return hashlib.sha256(f"{version}\n{site}\n{filename}\n".encode())


@functools.lru_cache(maxsize=256)
def _body_digest(body: str) -> str:
    """A stored body's digest, made once for the formats of a document asking in turn
    (each ~4 KB of UTF-8 to hash, where the key of each format is a few bytes more)."""
    return text_digest(body)


@dataclass(frozen=True)
class Assembled:
    """One document assembled: its bytes, its head (the document without entries), the
    fragments rendered for it (article id -> bytes, to keep) and every entry it shows
    with its fragment, in document order."""

    data: bytes
    head: bytes
    new: dict[str, bytes]
    pieces: list[tuple[Article, bytes]]


def assemble(
    site: Site, document: FeedDocument, filename: str, known: Mapping[str, bytes]
) -> Assembled:
    """``document`` in the format of ``filename`` from the fragments ``known`` (article id
    -> bytes) and those of the other entries, rendered now."""
    render = FORMATS[filename][0]
    shown = shown_of(site, document, filename)
    missing = [article for article in shown if article.id not in known]
    new: dict[str, bytes] = {}
    if missing:
        # The document with its missing entries alone, its head cut from it (the XML
        # formats: ``_head_of``), else written without entries.
        data = render(site, document, missing)
        head = _head_of(filename, data) or render(site, document, ())
        new = _fragments(site, document, filename, missing, head, data)
    else:
        head = render(site, document, ())
    pieces = [(article, known.get(article.id) or new[article.id]) for article in shown]
    data = join(filename, head, [fragment for _, fragment in pieces])
    return Assembled(data, head, new, pieces)


def join(filename: str, head: bytes, fragments: Sequence[bytes]) -> bytes:
    """A document of the format of ``filename``: its ``head`` (the document without
    entries) with these entry fragments, in this order."""
    if not fragments:
        return head
    layout = _LAYOUTS[filename]
    if not head.endswith(layout.empty_tail):
        raise ValueError(f"{filename}: a document without entries ends unexpectedly")
    return b"".join(
        (
            head[: len(head) - len(layout.empty_tail)],
            layout.open,
            layout.sep.join(fragments),
            layout.close,
        )
    )


def _head_of(filename: str, data: bytes) -> bytes | None:
    """The head of an Atom or RSS document (what the writer gives without its entries),
    cut from ``data``, the document with entries: the bytes before its first entry's
    marker, then ``empty_tail``.  Nothing before the first entry can hold the marker
    (``<`` is written ``&lt;`` in its text and attributes; its one processing instruction,
    the stylesheet's, is a relative path of a slug); a CDATA section that can, RSS's
    ``content:encoded``, is in an entry.  None for JSON Feed, whose head is cheap to
    write and whose marker its head's authors object holds."""
    layout = _LAYOUTS[filename]
    if layout.open:  # (JSON Feed)
        return None
    at = data.find(layout.marker)
    if at < 0:
        return None
    return data[: at + 1] + layout.empty_tail


def _fragments(
    site: Site,
    document: FeedDocument,
    filename: str,
    articles: Sequence[Article],
    head: bytes,
    data: bytes,
) -> dict[str, bytes]:
    """The fragments of ``articles``: cut from ``data``, the document holding them all,
    or (when it cannot be cut safely) each from a document holding it alone."""
    cut = _cut(filename, data, len(articles), head)
    if cut is not None:
        return dict(zip((a.id for a in articles), cut, strict=True))
    found: dict[str, bytes] = {}
    render = FORMATS[filename][0]
    for article in articles:
        alone = _cut(filename, render(site, document, (article,)), 1, head)
        if alone is None:
            raise ValueError(f"{filename}: entry {article.id!r} cannot be cut from its document")
        found[article.id] = alone[0]
    return found


def _cut(filename: str, data: bytes, count: int, head: bytes) -> list[bytes] | None:
    """The ``count`` entries of ``data`` (a document of this ``head``), or None when they
    are not found so many, each at a marker."""
    layout = _LAYOUTS[filename]
    prefix = head[: len(head) - len(layout.empty_tail)] + layout.open
    if not (data.startswith(prefix) and data.endswith(layout.close)):
        return None
    region = data[len(prefix) : len(data) - len(layout.close)]
    starts = [m.start() for m in re.finditer(re.escape(layout.marker), b"\n" + region)]
    if len(starts) != count or starts[:1] != [0]:
        return None
    ends = [start - len(layout.sep) for start in starts[1:]] + [len(region)]
    return [region[start:end] for start, end in zip(starts, ends, strict=True)]

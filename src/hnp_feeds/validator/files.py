"""Validate feeds named on a command line: files, directories of feeds, http(s) URLs.

Directories are searched for ``*.xml`` and ``*.json``; URLs are fetched with urllib
(a timeout, a total deadline, a size cap, redirects to http(s) only, nothing else).
Under the portal profile, an ``atom.xml`` and ``rss.xml`` side by side are also checked
to list the same entries in the same order.
"""

from __future__ import annotations

import codecs
import http.client
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import HnpFeedsError
from . import Profile, validate
from .policy import PortalPolicy, check_pair
from .report import Report
from .xmlparse import DEFAULT_MAX_BYTES, declared_encoding

FEED_SUFFIXES = (".xml", ".json")
FEED_TYPES = (
    "application/atom+xml",
    "application/rss+xml",
    "application/feed+json",
    "application/json",
    "application/xml",
    "text/xml",
)
USER_AGENT = "hnp-feeds-validator/0.1 (+https://hnp.example.vn/)"


class SourceError(HnpFeedsError, ValueError):
    """A name on the command line that is neither a feed file, a directory of feeds nor
    an http(s) URL."""


@dataclass(frozen=True)
class Fetched:
    """A feed read over HTTP: its bytes, the URL it came from after redirects, its type."""

    data: bytes
    url: str
    content_type: str


Fetch = Callable[[str], Fetched]


@dataclass(frozen=True)
class FileReport:
    """The report on one source, named as the user will recognise it."""

    source: str
    report: Report


def is_url(name: str) -> bool:
    return name.startswith(("http://", "https://"))


class _HttpOnly(urllib.request.HTTPRedirectHandler):
    """Follow redirects to http(s) URLs only (a feed once redirected to ``ftp://`` made
    the validator connect there: issue 15)."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not is_url(newurl):
            raise urllib.error.URLError(f"redirect to {newurl} refused: http(s) only")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_HttpOnly)


def fetch_url(
    url: str,
    *,
    timeout: float = 10.0,
    deadline: float = 30.0,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Fetched:
    """GET one feed, at most ``timeout`` s of silence and ``deadline`` s in all (a server
    trickling a byte at a time included), redirects to http(s) only; raises
    ``urllib.error.URLError`` (HTTPError included), ``TimeoutError`` or ``OSError``.
    Reads at most ``max_bytes + 1`` bytes, so the cap is noticed."""
    if not is_url(url):
        raise urllib.error.URLError(f"{url}: not an http(s) URL")
    outcome: list[Fetched | BaseException] = []
    ends_at = time.monotonic() + deadline

    def get() -> None:
        try:
            outcome.append(_get(url, min(timeout, deadline), ends_at, max_bytes))
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    worker = threading.Thread(target=get, name="validate-fetch", daemon=True)
    worker.start()
    worker.join(deadline)
    if not outcome:
        raise TimeoutError(f"no complete answer within {deadline:g} s")
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _get(url: str, timeout: float, ends_at: float, max_bytes: int) -> Fetched:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with _OPENER.open(request, timeout=timeout) as response:
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            if time.monotonic() > ends_at:
                raise TimeoutError("the answer did not end in time")
            chunk = response.read1(min(65536, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        content_type = response.headers.get("Content-Type", "")
        return Fetched(b"".join(chunks), response.geturl(), content_type)


#: A sitemap beside the feeds (``feeds/sitemap.xml``) is no feed: a directory's are left out.
_SITEMAP_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:urlset|sitemapindex)\b")


def _is_sitemap(path: Path) -> bool:
    """Whether the file's root element, near its start, is a sitemaps.org ``urlset`` or
    ``sitemapindex``."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    return bool(_SITEMAP_ROOT.search(head)) and b"http://www.sitemaps.org/schemas/sitemap/" in head


def feed_sources(names: Iterable[str]) -> list[str]:
    """Every source to check, in a stable order: URLs as given, files as given,
    directories expanded (recursively) to their feed files.  Raises SourceError."""
    sources: list[str] = []
    for name in names:
        if is_url(name):
            sources.append(name)
            continue
        path = Path(name)
        if path.is_dir():
            found = sorted(
                str(p)
                for p in path.rglob("*")
                if p.suffix in FEED_SUFFIXES and p.is_file() and not _is_sitemap(p)
            )
            if not found:
                raise SourceError(f"{name}: no *.xml or *.json feed files in this directory")
            sources.extend(found)
        elif path.is_file():
            sources.append(name)
        elif path.exists():
            raise SourceError(f"{name}: not a regular file or directory")
        else:
            raise SourceError(f"{name}: no such file, directory or http(s) URL")
    return sources


def validate_paths(
    names: Sequence[str],
    profile: Profile = "spec",
    *,
    policy: PortalPolicy | None = None,
    fetch: Fetch = fetch_url,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> list[FileReport]:
    """One report per feed found under ``names`` (see ``feed_sources``), in order.
    A source that cannot be read gets a report with one IOError/HttpError in it."""
    results: list[FileReport] = []
    read: dict[str, bytes] = {}
    for source in feed_sources(names):
        report, data = _check_one(source, profile, policy, fetch, max_bytes)
        if data is not None:
            read[source] = data
        results.append(FileReport(source, report))
    if profile == "portal":
        _check_pairs(results, read)
    return results


def _check_one(
    source: str,
    profile: Profile,
    policy: PortalPolicy | None,
    fetch: Fetch,
    max_bytes: int,
) -> tuple[Report, bytes | None]:
    base_url: str | None = None
    content_type = ""
    try:
        if is_url(source):
            fetched = fetch(source)  # bounded by the fetcher's own cap
            data, base_url, content_type = fetched.data, fetched.url, fetched.content_type
        else:
            with open(source, "rb") as feed_file:
                data = feed_file.read(max_bytes + 1)  # enough to see the cap exceeded
    except urllib.error.HTTPError as exc:
        failed = Report()
        failed.error("HttpError", value=str(exc.code), reason=f"{source}: HTTP {exc.code}")
        return failed, None
    except (urllib.error.URLError, OSError) as exc:  # TimeoutError included
        failed = Report()
        reason = getattr(exc, "reason", None) or exc
        failed.error("IOError", reason=f"{source}: {reason}")
        return failed, None
    report = validate(data, base_url, max_bytes=max_bytes, profile=profile, policy=policy)
    if base_url is not None:
        _check_served_as(report, data, content_type)
    return report, data


def _check_served_as(report: Report, data: bytes, content_type: str) -> None:
    """What the HTTP Content-Type says, against the document itself."""
    media_type, _, rest = content_type.partition(";")
    media_type = media_type.strip().lower()
    if media_type and media_type not in FEED_TYPES:
        report.warning("UnexpectedContentType", value=media_type, reason=f"served as {media_type}")
    charset = re.search(r"charset\s*=\s*\"?([\w.:-]+)", rest, re.I)
    declared = declared_encoding(data) if report.format in ("atom", "rss") else None
    if charset and declared and _codec(charset.group(1)) != _codec(declared):
        report.warning(
            "EncodingMismatch",
            value=f"{charset.group(1)} / {declared}",
            reason=f"HTTP says charset={charset.group(1)}, the document says {declared}",
        )


def _codec(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except (LookupError, ValueError):
        return name.lower()


def _check_pairs(results: list[FileReport], read: dict[str, bytes]) -> None:
    """Atom and RSS side by side (``dir/atom.xml``, ``dir/rss.xml``) must agree."""
    by_source = {result.source: result for result in results}
    for source, atom_bytes in read.items():
        if is_url(source) or Path(source).name != "atom.xml":
            continue
        rss_source = str(Path(source).with_name("rss.xml"))
        if rss_source not in read:
            continue
        for message in check_pair(atom_bytes, read[rss_source]):
            by_source[rss_source].report.messages.append(message)

"""The preview server behind ``hnp-feeds serve``: ``feeds/`` over HTTP, the way production
serves it (docs/nginx.md), so aggregators' conditional GET can be tried locally.

Content types with ``charset=utf-8`` (a browser gets the current Atom and RSS documents as
``application/xml``, so it shows them through ``feed.xsl``), a strong ``ETag`` from the
bytes, ``Last-Modified`` from the file, 304s for ``If-None-Match``/``If-Modified-Since``,
gzip on request (the ``.gz`` sibling publish writes when it holds the file's bytes, else
compressed on the fly), ``Cache-Control`` from the publish interval (archive pages: a day,
revalidated: a correction or retraction may change one), and nothing outside the root.  A
connection idle or slow past its timeout is closed, and the bytes it keeps in memory are
bounded (an LRU of the latest version of each file).
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import socket
import sys
import threading
import time
import zlib
from collections import OrderedDict, deque
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from .precompress import COMPRESSIBLE_SUFFIXES, gzip_bytes, gzip_sibling

#: RFC 5005 archive pages keep their slots and order for ever, but a correction, a
#: retraction or a change of a related post reaches them: cached a day, then revalidated
#: (a 304 costs nothing), never ``immutable``.
ARCHIVE_CACHE_CONTROL = "public, max-age=86400"
#: Seconds a keep-alive connection may wait for its next request.
IDLE_TIMEOUT = 15.0
#: Seconds a request may take from its first byte to its last byte sent (a slow client).
REQUEST_TIMEOUT = 30.0
#: Bytes of files kept in memory, the least recently served dropped first.
CACHE_BYTES = 64 * 1024 * 1024

# By file name first (the feeds' fixed names), then by suffix.
_TYPES_BY_NAME = {
    "atom.xml": "application/atom+xml; charset=utf-8",
    "rss.xml": "application/rss+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
}
_TYPES_BY_SUFFIX = {
    ".html": "text/html; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".xsl": "text/xsl; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
    ".gz": "application/gzip",
}


#: What a browser is sent for a current Atom or RSS document: browsers apply the feed's
#: XSLT (``feed.xsl``) only to a document of an XML type; Chromium shows
#: application/atom+xml and application/rss+xml as plain text (docs/nginx.md).
BROWSER_FEED_TYPE = "application/xml; charset=utf-8"
_VIEWED = ("atom.xml", "rss.xml")


def wants_page(accept: str | None) -> bool:
    """A browser's navigation: ``Accept`` names text/html and no feed type.  Feed readers
    name the feed types or send ``*/*``; browsers send ``text/html,...``."""
    types = {item.split(";", 1)[0].strip().lower() for item in (accept or "").split(",")}
    return "text/html" in types and not types & {"application/atom+xml", "application/rss+xml"}


def is_viewed(relpath: str) -> bool:
    """A current Atom or RSS document: the one a browser is shown through ``feed.xsl``."""
    return relpath.rsplit("/", 1)[-1] in _VIEWED and not is_archive_page(relpath)


def content_type(relpath: str, accept: str | None = None) -> str:
    """The ``Content-Type`` of a published file, from its path under the root; a current
    Atom or RSS document is sent to a browser (``wants_page``) as ``BROWSER_FEED_TYPE``."""
    parts = relpath.split("/")
    name = parts[-1]
    if is_archive_page(relpath):
        return _TYPES_BY_NAME["atom.xml"]
    if is_viewed(relpath) and wants_page(accept):
        return BROWSER_FEED_TYPE
    if name in _TYPES_BY_NAME:
        return _TYPES_BY_NAME[name]
    suffix = Path(name).suffix.lower()
    return _TYPES_BY_SUFFIX.get(suffix, "application/octet-stream")


def is_archive_page(relpath: str) -> bool:
    """``<slug>/archive/<n>.xml``: RFC 5005 archive pages."""
    parts = relpath.split("/")
    return len(parts) >= 2 and parts[-2] == "archive" and parts[-1].endswith(".xml")


def cache_control(relpath: str, max_age: int) -> str:
    """A day for an archive page (``ARCHIVE_CACHE_CONTROL``); the publish interval for the
    rest."""
    if is_archive_page(relpath):
        return ARCHIVE_CACHE_CONTROL
    return f"public, max-age={max_age}"


def strong_etag(data: bytes) -> str:
    """A strong validator from the bytes themselves (not mtime/size, which lie after a copy)."""
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def accepts_gzip(header: str | None) -> bool:
    """Whether ``Accept-Encoding`` admits gzip (``gzip``, ``x-gzip`` or ``*``, q > 0)."""
    if not header:
        return False
    wildcard: bool | None = None
    for item in header.split(","):
        token, _, params = item.strip().partition(";")
        token = token.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if token in ("gzip", "x-gzip"):
            return q > 0
        if token == "*":
            wildcard = q > 0
    return bool(wildcard)


@dataclass(frozen=True)
class _Representation:
    data: bytes
    etag: str
    mtime: float
    gzipped: bytes | None  # the .gz sibling, when it holds exactly ``data``


def _sibling_of(path: Path, data: bytes) -> bytes | None:
    """The ``.gz`` beside ``path`` if it decompresses to ``data`` (one a run killed between
    the two writes left a version ahead, or one edited by hand, is not used)."""
    if path.suffix not in COMPRESSIBLE_SUFFIXES:
        return None
    try:
        packed = gzip_sibling(path).read_bytes()
        return packed if gzip.decompress(packed) == data else None
    except (OSError, EOFError, zlib.error):
        return None


def _size(representation: _Representation) -> int:
    return len(representation.data) + len(representation.gzipped or b"")


def _etag_matches(header: str, etags: tuple[str, ...]) -> bool:
    """``If-None-Match`` uses the weak comparison (RFC 9110 §13.1.2): ``W/`` is ignored."""
    candidates = [tag.strip() for tag in header.split(",")]
    if "*" in candidates:
        return True
    return any(tag.removeprefix("W/") in etags for tag in candidates)


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its root and the feeds' ``max-age``."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        root: Path,
        max_age: int,
        *,
        quiet: bool = True,
        idle_timeout: float = IDLE_TIMEOUT,
        request_timeout: float = REQUEST_TIMEOUT,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        self.root = root.resolve()
        self.max_age = max_age
        self.quiet = quiet
        self.idle_timeout = idle_timeout
        self.request_timeout = request_timeout
        self.cache_bytes = cache_bytes
        # path -> ((mtime_ns, size), representation): one version per file, LRU order.
        self._cache: OrderedDict[str, tuple[tuple[int, int], _Representation]] = OrderedDict()
        self._cached = 0  # bytes held in _cache
        #: (request path, status) of the latest responses, in order: what a test reads.
        self.served: deque[tuple[str, int]] = deque(maxlen=10_000)
        self._lock = threading.Lock()
        super().__init__(address, FeedRequestHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/"

    @property
    def cached(self) -> tuple[int, int]:
        """How many files and how many bytes the cache holds."""
        with self._lock:
            return len(self._cache), self._cached

    def representation(self, path: Path) -> _Representation:
        """The file's bytes and ETag, cached by path while its (mtime, size) stay; the
        least recently served files leave the cache past ``cache_bytes``."""
        stat = path.stat()
        key, version = str(path), (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            entry = self._cache.get(key)
            if entry is not None and entry[0] == version:
                self._cache.move_to_end(key)
                return entry[1]
        data = path.read_bytes()
        found = _Representation(data, strong_etag(data), stat.st_mtime, _sibling_of(path, data))
        held = _size(found)
        with self._lock:
            old = self._cache.pop(key, None)
            if old is not None:
                self._cached -= _size(old[1])
            if held <= self.cache_bytes:
                self._cache[key] = (version, found)
                self._cached += held
            while self._cached > self.cache_bytes:
                _, (_, dropped) = self._cache.popitem(last=False)
                self._cached -= _size(dropped)
        return found


class FeedRequestHandler(BaseHTTPRequestHandler):
    """GET and HEAD on the files under the server's root; everything else is refused."""

    server: PreviewServer
    server_version = "hnp-feeds-preview"
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)

    def handle_one_request(self) -> None:
        """Wait ``idle_timeout`` for a request to begin, then give it ``request_timeout``
        to be read and answered: past that the connection is shut (a slow client)."""
        reader = cast(io.BufferedReader, self.rfile)  # rbufsize -1: buffered
        try:
            if not reader.peek(1):
                self.close_connection = True
                return
        except OSError:  # TimeoutError: idle too long
            self.close_connection = True
            return
        watchdog = threading.Timer(self.server.request_timeout, self._cut_off)
        watchdog.daemon = True
        watchdog.start()
        try:
            super().handle_one_request()
        except OSError:  # the watchdog shut the socket, or the client went away
            self.close_connection = True
        finally:
            watchdog.cancel()

    def _cut_off(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.server.served.append((self.path, int(code) if isinstance(code, int) else 0))
        super().log_request(code, size)

    def log_message(self, format: str, *args: object) -> None:
        if not self.server.quiet:
            sys.stderr.write(f"{self.address_string()} - {format % args}\n")

    def _locate(self, raw_path: str) -> tuple[Path, str] | None:
        """The file a request path names, or None (missing, hidden, outside the root).

        A directory names its ``index.html``; ``relpath`` is then ``<dir>/`` so the caller
        can redirect ``/dir`` to ``/dir/`` (relative links in the page need the slash)."""
        decoded = unquote(raw_path, errors="strict") if "%" in raw_path else raw_path
        if "\x00" in decoded or "\\" in decoded or not decoded.startswith("/"):
            return None
        segments = [s for s in decoded.split("/") if s]
        # "..", "." and dot-files (publish's temporaries) are never served.
        if any(s.startswith(".") for s in segments):
            return None
        target = self.server.root.joinpath(*segments)
        if target.is_dir():
            target = target / "index.html"
            segments.append("")
        try:
            resolved = target.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(self.server.root) or not resolved.is_file():
            return None
        return resolved, "/".join(segments)

    def _respond(self, *, send_body: bool) -> None:
        raw_path = urlsplit(self.path).path
        try:
            located = self._locate(raw_path)
        except UnicodeDecodeError:
            located = None
        if located is None:
            self._not_found(send_body)
            return
        path, relpath = located
        if relpath.endswith("/") or relpath == "":
            if not raw_path.endswith("/"):
                self._redirect(raw_path + "/")
                return
            relpath += "index.html"
        identity = self.server.representation(path)
        accept = self.headers.get("Accept")
        headers = {
            "Content-Type": content_type(relpath, accept),
            "Last-Modified": formatdate(identity.mtime, usegmt=True),
            "Cache-Control": cache_control(relpath, self.server.max_age),
            "X-Content-Type-Options": "nosniff",
        }
        compressible = path.suffix in COMPRESSIBLE_SUFFIXES
        # The browser's variant of a feed differs in its type: its own validators.
        etag = identity.etag
        if is_viewed(relpath) and wants_page(accept):
            etag = etag[:-1] + '-page"'
        gzip_etag = etag[:-1] + '-gzip"'
        use_gzip = compressible and accepts_gzip(self.headers.get("Accept-Encoding"))
        vary = (["Accept"] if is_viewed(relpath) else []) + (
            ["Accept-Encoding"] if compressible else []
        )
        if vary:
            headers["Vary"] = ", ".join(vary)
        headers["ETag"] = gzip_etag if use_gzip else etag

        if self._not_modified(identity, (etag, gzip_etag)):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
                if name in headers:
                    self.send_header(name, headers[name])
            self.end_headers()
            return

        body = self._gzipped(path, identity) if use_gzip else identity.data
        if use_gzip:
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        self.send_response(HTTPStatus.OK)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _not_modified(self, identity: _Representation, etags: tuple[str, ...]) -> bool:
        """RFC 9110 §13.2.2: If-None-Match decides when present, else If-Modified-Since."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            return _etag_matches(if_none_match, etags)
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                since = parsedate_to_datetime(if_modified_since).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
            # A date in the future is invalid (RFC 9110 §13.1.3): ignored.
            return int(identity.mtime) <= since <= time.time()
        return False

    def _gzipped(self, path: Path, identity: _Representation) -> bytes:
        """The ``.gz`` sibling when it holds the file's bytes, else compressed now."""
        return identity.gzipped if identity.gzipped is not None else gzip_bytes(identity.data)

    def _not_found(self, send_body: bool) -> None:
        body = "404 Không tìm thấy / Not Found\n".encode()
        self.send_response(HTTPStatus.NOT_FOUND)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(HTTPStatus.MOVED_PERMANENTLY)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


def make_server(
    root: Path,
    port: int = 8000,
    max_age: int = 300,
    bind: str = "127.0.0.1",
    **limits: Any,
) -> PreviewServer:
    """A server for ``root`` bound to ``bind:port`` (port 0: any free port), not yet running;
    ``limits``: ``idle_timeout``, ``request_timeout``, ``cache_bytes`` (``PreviewServer``)."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such directory to serve (run `hnp-feeds build`)")
    return PreviewServer((bind, port), root, max_age, **limits)


def run(root: Path, port: int = 8000, max_age: int = 300, bind: str = "127.0.0.1") -> None:
    """Serve ``root`` until interrupted, logging each request to stderr."""
    server = make_server(root, port, max_age, bind)
    server.quiet = False
    sys.stderr.write(f"Serving {server.root} at {server.url} (Ctrl-C to stop)\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()

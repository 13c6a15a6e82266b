"""A small fake portal served over real HTTP on 127.0.0.1, for the web source's tests and
bench: paginated listings, article pages in UTF-8 and windows-1258, ETag / Last-Modified
with 304s, robots.txt, and pages that misbehave (slow, failing then recovering,
redirecting away, endless, gone).  Every request is logged with its time and headers."""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .test_adapters_page_html import to_cp1258

ROBOTS = "User-agent: *\nDisallow: /rieng/\n"
FOLLOW = r"/bai/[^/]+\.html$"
CONTACT = "mailto:feeds@hnp.example.vn"
#: ``[web]`` for tests: no pause, short timeouts, one quick retry.
FAST: dict[str, Any] = {
    "follow_pattern": FOLLOW,
    "contact": CONTACT,
    "delay_seconds": 0,
    "connect_timeout": 1.0,
    "read_timeout": 1.0,  # short, but long enough for a busy machine
    "total_timeout": 5,
    "retries": 1,
    "backoff_seconds": 0.01,
}
_MODIFIED = format_datetime(parsedate_to_datetime("Fri, 17 Jun 2022 13:22:00 GMT"), usegmt=True)


@dataclass
class Article:
    """One article page of the fake portal."""

    slug: str
    title: str
    when: str  # HH:MM DD/MM/YYYY
    body: str = "Đoạn thân bài của bài viết."
    author: str = "Trọng Toàn"
    #: "utf-8", or "cp1258" declared by HTTP ("http"), by <meta> ("meta") or nowhere.
    encoding: str = "utf-8"
    declare: str = "http"
    related: tuple[str, ...] = ()  # slugs of the posts it lists
    #: Validators it sends: "etag", "last-modified" or both.
    validators: tuple[str, ...] = ("etag", "last-modified")
    section: str = "bai"
    version: int = 1

    @property
    def path(self) -> str:
        return f"/{self.section}/{self.slug}.html"


@dataclass(frozen=True)
class Request:
    at: float  # time.monotonic() when the request line was read
    path: str
    headers: dict[str, str]


@dataclass
class FakePortal:
    """The portal's state, which a test changes between runs; ``log`` is what it was asked."""

    articles: list[Article] = field(default_factory=list)  # newest first, as listed
    per_page: int = 3
    robots: str | None = ROBOTS
    #: path -> what it does instead: "slow", "redirect-off", "redirect-ftp", "endless",
    #: "trickle" (a few bytes every 50 ms), "gone", "utf8-declared-cp1258" (mis-decoded),
    #: or "fail:N" (500 for N requests).
    behaviour: dict[str, str] = field(default_factory=dict)
    #: Extra links on the first listing page (off-host, disallowed, navigation).
    extra_links: list[str] = field(default_factory=list)
    slow_seconds: float = 3.0  # a slow page is three times the tests' read_timeout
    log: list[Request] = field(default_factory=list)
    #: Requests being answered now, and the most there were at once.
    in_flight: int = 0
    most_in_flight: int = 0
    stopped: threading.Event = field(default_factory=threading.Event)
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return f"http://{self.host}{path}"

    @property
    def listing(self) -> str:
        return self.url("/tin-tuc/")

    def asked(self, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.log if path is None or r.path == path]

    def clear(self) -> None:
        with self._lock:
            self.log.clear()

    def article(self, slug: str) -> Article:
        return next(a for a in self.articles if a.slug == slug)

    # -- pages ---------------------------------------------------------------------------

    def listing_page(self, number: int) -> bytes:
        start = (number - 1) * self.per_page
        shown = self.articles[start : start + self.per_page]
        items = "".join(
            f'<li><a href="{a.path}">{escape(a.title)}</a> ({a.when})</li>' for a in shown
        )
        extra = "".join(f'<li><a href="{h}">khác</a></li>' for h in self.extra_links)
        more = start + self.per_page < len(self.articles)
        after = f'<a rel="next" href="/tin-tuc/?trang={number + 1}">Trang sau</a>' if more else ""
        return (
            '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>Tin tức</title>'
            '</head><body><nav><a href="/">Trang chủ</a> <a href="/lien-he.html">Liên hệ</a>'
            f"</nav><h1>Tin tức</h1><ul>{items}{extra if number == 1 else ''}</ul>{after}"
            "</body></html>"
        ).encode()

    def article_page(self, article: Article) -> bytes:
        listed = [a for a in self.articles if a.slug in article.related]
        related = "".join(
            f'<li><a href="{a.path}">{escape(a.title)}</a> ({a.when})</li>' for a in listed
        )
        meta = (
            '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'
            if article.declare == "meta"
            else ""
        )
        html = (
            f'<!DOCTYPE html><html lang="vi"><head>{meta}<title>{escape(article.title)}</title>'
            f"</head><body><article><h1>{escape(article.title)}</h1><div>({article.when})</div>"
            f"<p><strong>HNP -</strong> Tóm tắt: {escape(article.title)}.</p>"
            f"<p>{escape(article.body)}</p><p><strong>{escape(article.author)}</strong></p>"
            f"<section><h3>Các bài mới đăng</h3><ul></ul><h3>Các bài đã đăng :</h3>"
            f"<ul>{related}</ul></section><div>Bài viết Xem</div>"
            '<form action="/binh-luan"><p>Viết bình luận</p></form></article></body></html>'
        )
        return to_cp1258(html) if article.encoding == "cp1258" else html.encode("utf-8")

    # -- serving -------------------------------------------------------------------------

    def respond(self, handler: BaseHTTPRequestHandler) -> None:
        at = time.monotonic()
        headers = {k.lower(): v for k, v in handler.headers.items()}
        with self._lock:
            self.log.append(Request(at, urlsplit(handler.path).path, headers))
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            self._respond(handler, headers)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _respond(self, handler: BaseHTTPRequestHandler, headers: dict[str, str]) -> None:
        parts = urlsplit(handler.path)
        if headers.get("host") != self.host:
            return _send(handler, 421, b"wrong host")
        with self._lock:
            doing = self.behaviour.get(parts.path, "")
            if doing.startswith("fail:"):
                left = int(doing.partition(":")[2])
                self.behaviour[parts.path] = f"fail:{max(left - 1, 0)}"
                if left > 0:
                    return _send(handler, 500, b"busy")
        if parts.path == "/robots.txt":
            if self.robots is None:
                return _send(handler, 404, b"no robots.txt")
            return _send(handler, 200, self.robots.encode(), "text/plain")
        if parts.path == "/tin-tuc/":
            number = int(parse_qs(parts.query).get("trang", ["1"])[0])
            return _send(handler, 200, self.listing_page(number), "text/html; charset=utf-8")
        if doing == "slow" and self.stopped.wait(self.slow_seconds):
            return  # the test is over: leave nothing behind that could write to its output
        if doing == "gone":
            return _send(handler, 404, b"not found")
        if doing == "redirect-off":
            location = f"http://localhost:{self.port}{parts.path}"
            return _send(handler, 302, b"", headers={"Location": location})
        if doing == "redirect-ftp":
            return _send(handler, 302, b"", headers={"Location": "ftp://127.0.0.1/x.html"})
        if doing == "endless":
            return _endless(handler)
        if doing == "trickle":
            return _trickle(handler)
        found = [a for a in self.articles if a.path == parts.path]
        if not found:
            return _send(handler, 404, b"not found")
        article = found[0]
        body = self.article_page(article)
        etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
        validators: dict[str, str] = {}
        if "etag" in article.validators:
            validators["ETag"] = etag
        if "last-modified" in article.validators:
            validators["Last-Modified"] = _modified(article.version)
        if _fresh(headers, validators):
            return _send(handler, 304, b"", headers=validators)
        kind = "text/html"
        if doing == "utf8-declared-cp1258":
            body, kind = to_cp1258(body.decode()), "text/html; charset=utf-8"
        elif article.encoding == "cp1258" and article.declare == "http":
            kind = "text/html; charset=windows-1258"
        elif article.encoding == "utf-8" and article.declare == "http":
            kind = "text/html; charset=utf-8"
        return _send(handler, 200, body, kind, validators)


def _modified(version: int) -> str:
    moment = parsedate_to_datetime(_MODIFIED)
    return format_datetime(moment.replace(hour=moment.hour + version), usegmt=True)


def _fresh(asked: dict[str, str], validators: dict[str, str]) -> bool:
    """RFC 9110 §13.1: If-None-Match first; else If-Modified-Since."""
    if "if-none-match" in asked:
        return "ETag" in validators and asked["if-none-match"] == validators["ETag"]
    since, modified = asked.get("if-modified-since"), validators.get("Last-Modified")
    if since and modified:
        return parsedate_to_datetime(modified) <= parsedate_to_datetime(since)
    return False


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    kind: str = "text/plain",
    headers: dict[str, str] | None = None,
) -> None:
    handler.send_response(status)
    if status != 304:
        handler.send_header("Content-Type", kind)
        handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    if status != 304:
        handler.wfile.write(body)


def _endless(handler: BaseHTTPRequestHandler) -> None:
    """An HTML page that never ends (at most 64 MiB, in case nobody hangs up)."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.end_headers()
    handler.close_connection = True
    chunk = b"<p>" + "Tin tức mới nhất. ".encode() * 500 + b"</p>\n"
    try:
        for _ in range(64 * 1024 * 1024 // len(chunk)):
            handler.wfile.write(chunk)
    except OSError:
        pass


def _trickle(handler: BaseHTTPRequestHandler) -> None:
    """An HTML page sent a few bytes every 50 ms, for five seconds at most."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.end_headers()
    handler.close_connection = True
    try:
        for _ in range(100):
            handler.wfile.write(b"<p>...</p>\n")
            handler.wfile.flush()
            time.sleep(0.05)
    except OSError:
        pass


class _Handler(BaseHTTPRequestHandler):
    portal: FakePortal
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms stall

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.portal.respond(self)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timeout, a byte limit) is what some tests want."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serving(portal: FakePortal) -> Iterator[FakePortal]:
    """The portal on 127.0.0.1 (a free port) while the block runs."""
    handler = type("Handler", (_Handler,), {"portal": portal})
    server = _Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    portal.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield portal
    finally:
        portal.stopped.set()
        server.shutdown()
        server.server_close()
        thread.join()


def web_table(**settings: Any) -> str:
    """A ``[web]`` table for hnp-feeds.toml: fast test defaults, ``settings`` on top."""
    values: dict[str, Any] = {**FAST, **settings}
    lines = ["[web]"]
    for key, value in values.items():
        if isinstance(value, bool):
            lines.append(f"{key} = {str(value).lower()}")
        elif isinstance(value, str):
            lines.append(f"{key} = '{value}'")
        else:
            lines.append(f"{key} = {value!r}")
    return "\n".join(lines) + "\n"

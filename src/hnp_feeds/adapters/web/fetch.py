"""The polite HTTP client of web sources (httpx): robots.txt (protego), a User-Agent that
names the tool and a contact, a pause between requests to one host, timeouts, a byte
limit, redirects followed by hand hop by hop (never off the allowed hosts, never to
another scheme), and retries with backoff for 5xx answers and timeouts.

Requests to one host are made ``concurrency`` at a time (one, by default), and each
starts ``delay_seconds`` (or robots.txt's longer ``Crawl-delay``, up to a minute) after
the previous one to that host ended -- after it started, when more than one may be in
flight.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import cache
from urllib.parse import urldefrag, urljoin, urlsplit

import httpx
from protego import Protego

from ... import __version__
from ...config import WebSettings

#: The name robots.txt rules are matched against (RFC 9309 product token).
ROBOTS_TOKEN = "hnp-feeds"
_REDIRECTS = (301, 302, 303, 307, 308)
#: robots.txt is read up to this size (RFC 9309 asks for at least 500 KiB).
_ROBOTS_BYTES = 512 * 1024
_DISALLOW_ALL = Protego.parse("User-agent: *\nDisallow: /\n")
#: A longer robots.txt Crawl-delay is taken as this: the page budget must still end a run.
_MOST_CRAWL_DELAY = 60.0
#: Why a URL may not be asked for, or None: each redirect hop is checked with one.
Check = Callable[[str], str | None]


@cache
def _tls() -> ssl.SSLContext:
    """httpx's certificate check (certifi's roots), built once: it costs 50 ms."""
    return httpx.create_ssl_context()


def user_agent(contact: str | None) -> str:
    """``hnp-feeds/<version> (+contact)``: who is asking, and how to reach them."""
    return f"{ROBOTS_TOKEN}/{__version__}" + (f" (+{contact.strip()})" if contact else "")


def normalized(url: str) -> str:
    """An absolute URL as pages are known by: no fragment, a path of at least ``/``,
    the scheme and host in lower case."""
    url, _ = urldefrag(url.strip())
    parts = urlsplit(url)
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}{query}"


def host_of(url: str) -> str:
    """The host (and port) a URL is paced and allowed by."""
    return urlsplit(url).netloc.lower()


@dataclass(frozen=True)
class Fetched:
    """What asking for one URL gave: the final answer after redirects and retries."""

    url: str
    final_url: str
    status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    charset: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    #: Why there is no page to read (None for a 200 or a 304).
    error: str | None = None
    #: The failure may pass: a 5xx answer, a 429, a timeout, a broken connection.
    transient: bool = False
    #: Requests made for it (redirect hops and retries each count one).
    requests: int = 0
    location: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304 and self.error is None

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)


@dataclass
class _Host:
    delay: float
    in_flight: int = 0
    last_start: float = float("-inf")
    last_end: float = float("-inf")


class Pacer:
    """Each host's turn: at most ``concurrency`` requests in flight, each started
    ``delay`` after the previous one ended (after it started, with concurrency > 1)."""

    def __init__(self, delay: float, concurrency: int) -> None:
        self.delay = delay
        self.concurrency = concurrency
        self._hosts: dict[str, _Host] = {}
        self._changed = threading.Condition()

    def slow_down(self, host: str, delay: float) -> None:
        """A longer pause for ``host`` (its robots.txt ``Crawl-delay``)."""
        with self._changed:
            state = self._hosts.setdefault(host, _Host(self.delay))
            state.delay = max(state.delay, delay)

    @contextmanager
    def turn(self, host: str) -> Iterator[None]:
        with self._changed:
            state = self._hosts.setdefault(host, _Host(self.delay))
            while True:
                previous = state.last_end if self.concurrency == 1 else state.last_start
                wait = previous + state.delay - time.monotonic()
                if state.in_flight < self.concurrency and wait <= 0:
                    break
                self._changed.wait(timeout=wait if wait > 0 else None)
            state.in_flight += 1
            state.last_start = time.monotonic()
        try:
            yield
        finally:
            with self._changed:
                state.in_flight -= 1
                state.last_end = time.monotonic()
                self._changed.notify_all()


@dataclass
class _Robots:
    rules: Protego
    #: Why nothing may be fetched from the host (its robots.txt could not be read).
    refusal: str | None = None


@dataclass
class PoliteClient:
    """One run's HTTP client for the ``hosts`` a web source may read."""

    settings: WebSettings
    hosts: frozenset[str]
    pacer: Pacer = field(init=False)
    _robots: dict[str, _Robots] = field(init=False, default_factory=dict)
    _robots_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        s = self.settings
        self.pacer = Pacer(s.delay_seconds, s.concurrency)
        self.client = httpx.Client(
            headers={"User-Agent": user_agent(s.contact)},
            timeout=httpx.Timeout(
                connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=None
            ),
            follow_redirects=False,
            verify=_tls(),
        )

    def close(self) -> None:
        self.client.close()

    # -- what may be asked for ----------------------------------------------------------

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not be fetched (scheme, host, robots.txt), or None."""
        off = self._on_hosts(url)
        if off:
            return off
        robots = self._robots_for(f"{urlsplit(url).scheme}://{host_of(url)}")
        if robots.refusal:
            return robots.refusal
        if not robots.rules.can_fetch(url, ROBOTS_TOKEN):
            return f"robots.txt disallows {url} for {ROBOTS_TOKEN}"
        return None

    def _robots_for(self, origin: str) -> _Robots:
        with self._robots_lock:  # read once per host and run, whoever asks first
            known = self._robots.get(origin)
            if known is None:
                known = self._robots[origin] = self._read_robots(origin)
            return known

    def _read_robots(self, origin: str) -> _Robots:
        """RFC 9309 §2.3.1: a 4xx robots.txt allows everything; a 5xx or no answer
        allows nothing (the host is not crawled this run)."""
        url = f"{origin}/robots.txt"
        fetched = self._attempts(url, {}, _ROBOTS_BYTES, self._on_hosts)
        if fetched.status == 200 and fetched.error is None:
            rules = Protego.parse(fetched.body.decode("utf-8", errors="replace"))
            delay = rules.crawl_delay(ROBOTS_TOKEN)
            if delay:
                self.pacer.slow_down(host_of(url), min(float(delay), _MOST_CRAWL_DELAY))
            return _Robots(rules)
        if fetched.status is not None and 400 <= fetched.status < 500:
            return _Robots(Protego.parse(""))
        why = fetched.error or f"HTTP {fetched.status}"
        return _Robots(_DISALLOW_ALL, f"{url} could not be read ({why}): host not crawled")

    def _on_hosts(self, url: str) -> str | None:
        """Why ``url`` is not for this client (another scheme, another host), or None."""
        if urlsplit(url).scheme not in ("http", "https"):
            return f"not an HTTP URL: {url}"
        if host_of(url) not in self.hosts:
            return f"{url} is off the allowed hosts ({', '.join(sorted(self.hosts))})"
        return None

    # -- asking -------------------------------------------------------------------------

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """``url`` fetched (conditionally, given ``etag``/``last_modified``), retried with
        backoff while the failure may pass."""
        headers = {"If-None-Match": etag} if etag else {}
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._attempts(url, headers, self.settings.max_page_bytes, self.refusal)

    def _attempts(self, url: str, headers: Mapping[str, str], limit: int, check: Check) -> Fetched:
        requests = 0
        for attempt in range(self.settings.retries + 1):
            if attempt:
                time.sleep(self.settings.backoff_seconds * 2 ** (attempt - 1))
            fetched = self._follow(url, headers, limit, check)
            requests += fetched.requests
            if not fetched.transient:
                break
        if fetched.error and attempt:
            fetched = replace(fetched, error=f"{fetched.error} ({attempt + 1} attempts)")
        return replace(fetched, requests=requests)

    def _follow(self, url: str, headers: Mapping[str, str], limit: int, check: Check) -> Fetched:
        """One attempt: each redirect hop checked before it is asked for."""
        current, requests = url, 0
        for hop in range(self.settings.max_redirects + 1):
            refused = check(current)
            if refused:
                said = f"redirected to {current}: {refused}" if hop else refused
                return Fetched(url, current, error=said, requests=requests)
            answer = self._once(url, current, headers, limit)
            requests += 1
            if answer.status not in _REDIRECTS:
                return replace(answer, requests=requests)
            if not answer.location:
                return replace(answer, error="a redirect without a Location", requests=requests)
            current = normalized(urljoin(current, answer.location))
        many = f"more than {self.settings.max_redirects} redirects ([web] max_redirects)"
        return Fetched(url, current, error=many, requests=requests)

    def _once(self, asked: str, url: str, headers: Mapping[str, str], limit: int) -> Fetched:
        """One request, in the host's turn; the body read up to ``limit`` bytes."""
        s = self.settings
        with self.pacer.turn(host_of(url)):
            started = time.monotonic()
            try:
                with self.client.stream("GET", url, headers=dict(headers)) as response:
                    return self._answer(asked, url, response, limit, started)
            except httpx.ConnectTimeout:
                why = f"timed out connecting ([web] connect_timeout {s.connect_timeout:g} s)"
            except httpx.TimeoutException:
                why = f"timed out reading ([web] read_timeout {s.read_timeout:g} s)"
            except httpx.HTTPError as exc:
                why = f"cannot fetch: {exc or type(exc).__name__}"
            except httpx.InvalidURL as exc:
                return Fetched(asked, url, error=f"not a valid URL: {exc}")
            return Fetched(asked, url, error=why, transient=True)

    def _answer(
        self, asked: str, url: str, response: httpx.Response, limit: int, started: float
    ) -> Fetched:
        s = self.settings
        status = response.status_code
        found = Fetched(
            asked,
            url,
            status,
            content_type=response.headers.get("content-type"),
            charset=response.charset_encoding,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            location=response.headers.get("location"),
        )
        if status in _REDIRECTS or status == 304:
            return found
        if status != 200:
            why = f"HTTP {status} {response.reason_phrase}".rstrip()
            return replace(found, error=why, transient=status >= 500 or status == 429)
        too_big = f"larger than [web] max_page_bytes ({limit} bytes)"
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            return replace(found, error=too_big)
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > limit:
                return replace(found, error=too_big)
            if time.monotonic() - started > s.total_timeout:
                why = f"took longer than [web] total_timeout ({s.total_timeout:g} s)"
                return replace(found, error=why, transient=True)
        return replace(found, body=bytes(body))

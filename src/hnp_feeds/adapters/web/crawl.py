"""One run of a web source: listing pages -> article URLs -> a plan -> pages -> records.

The listing pages (the start URL, then its ``next_xpath`` pages, ``max_depth`` in all)
are read every run.  Then, within ``page_budget`` requests: the article URLs never seen
before, in the listing's order; the pages that failed and are due again; and the
``recheck_per_run`` known pages fetched longest ago, asked for conditionally (a 304 costs
nothing).  A page whose bytes did not change gives no record; one that changed goes
through the HTML page adapter (``page_html``: its URL known, its related lists as links).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from ...config import PageSelectors, WebSettings
from ...errors import PageError, RecordError
from ...model import Article
from ..page_html import article_from_page, decode_page, html_document, parse_html_page
from ..records import article_from_record
from .fetch import Fetched, PoliteClient, host_of, normalized
from .state import KnownPage, PageLog

log = logging.getLogger("hnp_feeds.adapters.web")

Item = Article | RecordError
_HTML_TYPES = ("text/html", "application/xhtml+xml")
#: A page that failed is tried again on the next run; after a second failure in a row,
#: this long after, doubling with each, at most a day.
_RETRY_FIRST = timedelta(minutes=5)
_RETRY_MOST = timedelta(days=1)


def stamp(moment: datetime) -> str:
    """A time as the page log keeps it: UTC ISO 8601 to the microsecond (sorts as text)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def retry_wait(failures: int) -> timedelta:
    """How long a page that failed ``failures`` times in a row waits for its next try."""
    if failures <= 1:
        return timedelta(0)
    wait: timedelta = _RETRY_FIRST * 2 ** (failures - 2)
    return min(wait, _RETRY_MOST)


def listing_links(
    fetched: Fetched, settings: WebSettings, hosts: frozenset[str]
) -> tuple[list[str], list[str]]:
    """The article URLs and the next listing pages a listing page links to, in its order.

    Articles: its anchors (or what ``follow_xpath`` selects) on an allowed host, matching
    ``follow_pattern`` when there is one; never the listing pages themselves."""
    decoded = decode_page(fetched.body, fetched.charset)
    doc = html_document(decoded, fetched.final_url)
    doc.make_links_absolute(fetched.final_url, resolve_base_href=True, handle_failures="discard")
    next_xpath = settings.compiled("next_xpath")
    nexts = _hrefs(next_xpath(doc)) if next_xpath is not None else []
    follow = settings.compiled("follow_xpath")
    anchors = _hrefs(follow(doc)) if follow is not None else _hrefs(list(doc.iter("a")))
    pattern = settings.compiled("follow_pattern")
    own = {normalized(fetched.url), normalized(fetched.final_url), *nexts}
    articles: dict[str, None] = {}
    for url in anchors:
        if urlsplit(url).scheme not in ("http", "https") or host_of(url) not in hosts:
            continue
        if (pattern is not None and not pattern.search(url)) or url in own:
            continue
        articles[url] = None
    return list(articles), [url for url in nexts if host_of(url) in hosts]


def _hrefs(result: Any) -> list[str]:
    """What an XPath gave, as normalized URLs: strings as they are, elements' ``href``."""
    found: list[str] = []
    for item in result if isinstance(result, list) else [result]:
        href = item if isinstance(item, str) else getattr(item, "get", lambda _: None)("href")
        if isinstance(href, str) and href.strip() and not href.startswith(("#", "javascript:")):
            url = normalized(str(href))
            if url not in found:
                found.append(url)
    return found


@dataclass(frozen=True)
class Visit:
    """An article URL this run asks for, and what is known of it."""

    url: str
    known: KnownPage | None = None


def plan(
    found: list[str],
    known: dict[str, KnownPage],
    now: str,
    settings: WebSettings,
    room: int,
    allowed: Callable[[str], bool],
) -> list[Visit]:
    """At most ``room`` visits: new URLs (listing order), failed pages due again (longest
    waiting first), then the ``recheck_per_run`` known pages fetched longest ago."""
    due = sorted(
        (page for page in known.values() if page.failures and (page.next_retry or "") <= now),
        key=lambda page: (page.next_retry or "", page.url),
    )
    settled = sorted(
        (page for page in known.values() if not page.failures),
        key=lambda page: (page.last_fetched, page.url),
    )[: settings.recheck_per_run]
    chosen: dict[str, Visit] = {}
    candidates = [Visit(url) for url in found if url not in known]
    candidates += [Visit(page.url, page) for page in (*due, *settled)]
    for visit in candidates:
        if len(chosen) >= room:
            break
        if visit.url not in chosen and allowed(visit.url):
            chosen[visit.url] = visit
    return list(chosen.values())


class WebCrawl:
    """One web source (its start URL) read once; ``run()`` yields its records."""

    def __init__(
        self,
        location: str,
        *,
        settings: WebSettings,
        selectors: PageSelectors | None,
        state: sqlite3.Connection | None,
        now: datetime,
    ) -> None:
        self.start = normalized(location)
        self.settings = settings
        self.selectors = selectors
        self.log = PageLog(state, self.start)
        self.now = stamp(now)
        self.moment = now
        self.hosts = frozenset({host_of(self.start), *settings.hosts})
        self.category = settings.categories.get(location) or settings.categories.get(self.start)
        # What shapes a page's record besides its bytes: a change of it reads pages again.
        self.shape = repr((selectors, self.category)).encode()
        self.requests = 0

    def run(self) -> Iterator[Item]:
        client = PoliteClient(self.settings, self.hosts)
        try:
            yield from self._run(client)
        finally:
            client.close()
            log.info("%s: %d requests", self.start, self.requests)

    def _run(self, client: PoliteClient) -> Iterator[Item]:
        found, listings, errors = self._listings(client)
        yield from errors
        if self.start not in listings:
            return  # the portal could not be read: ask for nothing more this run
        room = self.settings.page_budget - len(listings) - len(errors)
        visits = plan(
            [url for url in found if url not in listings],
            self.log.known(),
            self.now,
            self.settings,
            room,
            allowed=lambda url: client.refusal(url) is None,
        )
        workers = self.settings.concurrency * len(self.hosts)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hnp-web") as pool:
            futures = [pool.submit(client.get, *self._conditional(v)) for v in visits]
            try:
                for visit, future in zip(visits, futures, strict=True):
                    fetched = future.result()
                    self.requests += fetched.requests
                    item = self._outcome(visit, fetched)
                    if item is not None:
                        yield item
            finally:
                for future in futures:
                    future.cancel()

    def _listings(self, client: PoliteClient) -> tuple[list[str], list[str], list[RecordError]]:
        """Article URLs of the listing pages (in order), the listing pages read, and a
        record error for each that could not be (a plain one for the start URL: then
        the source itself could not be read)."""
        queue, seen = [self.start], {self.start}
        found: dict[str, None] = {}
        read: list[str] = []
        errors: list[RecordError] = []
        while queue and len(read) + len(errors) < min(
            self.settings.max_depth, self.settings.page_budget
        ):
            url = queue.pop(0)
            fetched = client.get(url)
            self.requests += fetched.requests
            problem = fetched.error or _not_html(fetched)
            if problem is None:
                try:
                    articles, nexts = listing_links(fetched, self.settings, self.hosts)
                except RecordError as error:
                    problem = error.reason
            if problem is not None:
                kind = RecordError if url == self.start else PageError
                errors.append(kind(url, "", f"listing page: {problem}"))
                continue
            read.append(url)
            found.update(dict.fromkeys(articles))
            for page in nexts:
                if page not in seen and client.refusal(page) is None:
                    seen.add(page)
                    queue.append(page)
        return list(found), read, errors

    @staticmethod
    def _conditional(visit: Visit) -> tuple[str, str | None, str | None]:
        """The URL, and its validators when its last fetch gave a good page."""
        known = visit.known
        if known is None or known.failures or not known.record:
            return visit.url, None, None
        return visit.url, known.etag, known.last_modified

    def _outcome(self, visit: Visit, fetched: Fetched) -> Item | None:
        """What one fetched page gives (a record, a rejection or nothing), remembered."""
        known = visit.known
        base = replace(
            known or KnownPage(visit.url, self.start, self.now),
            source=self.start,
            last_fetched=self.now,
            last_status=fetched.status,
        )
        if fetched.not_modified:
            self.log.save(base.settled())
            return None
        record = known.record if known is not None else None
        if fetched.gone and record:
            if self.settings.retract_on_404:
                forgotten = replace(base, content_hash=None, etag=None, last_modified=None)
                self.log.save(forgotten.settled())
                return article_from_record({**record, "status": "retracted"}, visit.url, "")
            fetched = replace(
                fetched,
                error=f"{fetched.error}: gone from the portal; its article stays published"
                " ([web] retract_on_404 = true retracts it)",
            )
        problem = fetched.error or _not_html(fetched)
        if problem is not None:
            return self._failed(base, problem)
        digest = hashlib.sha256(self.shape + b"\0" + fetched.body).hexdigest()
        fresh = replace(
            base.settled(),
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            content_hash=digest,
        )
        if known is not None and not known.failures and known.content_hash == digest and record:
            self.log.save(fresh)  # the same bytes: the same record, nothing to read
            return None
        item = self._article(fetched)
        if isinstance(item, RecordError):
            return self._failed(base, item.reason)
        self.log.save(replace(fresh, record=_record_of(item)))
        return item

    def _article(self, fetched: Fetched) -> Item:
        """The page through the HTML page adapter, its URL the one it was served from."""
        try:
            page = parse_html_page(
                fetched.body,
                fetched.url,
                url=fetched.final_url,
                charset=fetched.charset,
                selectors=self.selectors,
            )
        except RecordError as error:
            return error
        entry = {"url": fetched.final_url}
        if self.category:
            entry["category"] = self.category
        return article_from_page(page, entry, fetched.url)

    def _failed(self, page: KnownPage, reason: str) -> PageError:
        failures = page.failures + 1
        due = stamp(self.moment + retry_wait(failures))
        self.log.save(replace(page, failures=failures, next_retry=due, last_error=reason))
        record_id = page.record.get("id") if page.record else None
        return PageError(page.url, "", reason, record_id=record_id)


def _not_html(fetched: Fetched) -> str | None:
    kind = (fetched.content_type or "").partition(";")[0].strip().lower()
    if kind and kind not in _HTML_TYPES:
        return f"not an HTML page (Content-Type {fetched.content_type})"
    return None


def _record_of(article: Article) -> dict[str, Any]:
    """What a page published, enough to retract it: id, URL, title, publication time."""
    return {
        "id": article.id,
        "url": article.url,
        "title": article.title,
        "published": article.published.isoformat(),
    }

"""A web source: the live portal read over HTTP, a listing page (an ``http(s)://`` URL) to
start from, its article pages read through the HTML page adapter.

``fetch`` is the polite HTTP client (robots.txt, User-Agent, pacing, limits, redirects,
retries), ``crawl`` one run (listings -> plan -> pages -> records), ``state`` what is
remembered between runs (the store's ``web_pages``).  ``[web]`` in hnp-feeds.toml
(``config.WebSettings``) tunes it, ``[html_pages]`` reads its pages.

Incremental like a CMS database: a run yields only the pages that are new or changed,
so that it yields nothing is the normal case.  A page that cannot be fetched or read is
a ``PageError`` (a rejected record naming its URL), tried again on a later run; a start
URL that cannot be read is a plain RecordError, and nothing more is asked that run.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from ...config import WebSettings
from ...errors import RecordError
from ...model import Article
from .crawl import WebCrawl
from .fetch import user_agent


def read_web(location: str, **options: Any) -> Iterator[Article | RecordError]:
    """Adapter entry point: the new or changed article pages of the listing ``location``.

    Options: ``settings`` (``[web]``), ``selectors`` (``[html_pages]``), ``state`` (the
    store's connection, where fetched pages are remembered; without it every page is
    new), ``now`` (the run's time, for retries that wait)."""
    crawl = WebCrawl(
        location,
        settings=options.get("settings") or WebSettings(),
        selectors=options.get("selectors"),
        state=options.get("state"),
        now=options.get("now") or datetime.now(UTC),
    )
    return crawl.run()


__all__ = ["read_web", "user_agent"]

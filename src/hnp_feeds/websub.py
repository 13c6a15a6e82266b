"""WebSub publisher pings: tell the hub which feed URLs changed, and keep what failed.

The hub is told with ``hub.mode=publish`` and ``hub.url=<feed URL>`` in a form-encoded
HTTP POST (the de-facto publish ping of WebSub hubs; https://www.w3.org/TR/websub/ leaves
it to the hub).  A ping that fails stays in the store and is retried on the next run.
Pings are sent after the publish lock is released, within a total time budget, so a slow
hub never delays the next cron run; what the budget left unsent waits for the next run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol
from urllib.parse import urlencode

from . import __version__
from .errors import HnpFeedsError

DEFAULT_TIMEOUT = 10.0
#: Seconds all the pings of one run may take together.
DEFAULT_BUDGET = 30.0
USER_AGENT = f"hnp-feeds/{__version__} (WebSub publisher)"


class PingFailed(HnpFeedsError):
    """The hub could not be told (down, timed out, or answered an error)."""


class PingQueue(Protocol):
    """Where pings wait between runs (the SQLite store, or a fake)."""

    def pending_pings(self) -> Sequence[PendingPingLike]: ...

    def ping_done(self, url: str, queued_at: str) -> None: ...

    def ping_failed(self, url: str, error: str, now: datetime) -> None: ...


class PendingPingLike(Protocol):
    @property
    def url(self) -> str: ...

    @property
    def queued_at(self) -> str: ...


@dataclass
class PingReport:
    """What one round of pings did."""

    sent: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    pending: int = 0  # left for the next run (after a failure, or out of time)
    out_of_time: bool = False


def ping(hub: str, topic: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """POST ``hub.mode=publish&hub.url=topic`` to ``hub``; PingFailed unless it answers 2xx."""
    from urllib.error import HTTPError
    from urllib.request import Request, urlopen  # http.client, email: only to ping

    body = urlencode({"hub.mode": "publish", "hub.url": topic}).encode("ascii")
    request = Request(
        hub,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
        },
    )
    try:
        with urlopen(request, timeout=timeout) as response:
            status = int(response.status)
    except HTTPError as exc:
        raise PingFailed(f"hub {hub} answered HTTP {exc.code} for {topic}") from None
    except OSError as exc:  # URLError, timeouts and refused connections are OSErrors
        reason = getattr(exc, "reason", exc)
        raise PingFailed(f"hub {hub} unreachable: {reason}") from None
    if not 200 <= status < 300:
        raise PingFailed(f"hub {hub} answered HTTP {status} for {topic}")


def announce_pending(
    queue: PingQueue,
    hub: str,
    now: datetime,
    timeout: float = DEFAULT_TIMEOUT,
    budget: float = DEFAULT_BUDGET,
) -> PingReport:
    """Send every waiting ping, oldest first, each within ``timeout`` and all within
    ``budget`` seconds.  At the first failure the hub is taken to be down: that ping is
    marked failed and the rest wait for the next run untouched, as do those the budget
    leaves unsent."""
    report = PingReport()
    pending = list(queue.pending_pings())
    deadline = time.monotonic() + budget
    for index, waiting in enumerate(pending):
        left = deadline - time.monotonic()
        if left <= 0:
            report.out_of_time = True
            report.pending = len(pending) - index
            return report
        try:
            ping(hub, waiting.url, min(timeout, left))
        except PingFailed as exc:
            queue.ping_failed(waiting.url, str(exc), now)
            report.failed[waiting.url] = str(exc)
            report.pending = len(pending) - index
            return report
        queue.ping_done(waiting.url, waiting.queued_at)
        report.sent.append(waiting.url)
    return report

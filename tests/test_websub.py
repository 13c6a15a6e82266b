"""WebSub pings against real HTTP hubs on 127.0.0.1: a good one, a down one, a 500 one."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from hnp_feeds.config import Catalogue
from hnp_feeds.errors import ExitCode, LockBusy
from hnp_feeds.publish import publish, publish_lock
from hnp_feeds.store import open_store
from hnp_feeds.timezone import localize
from hnp_feeds.websub import PingFailed, ping

from .portal import catalogue, record, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))


class Hub:
    """A WebSub hub in a thread: records every POST; ``status`` is what it answers."""

    def __init__(self, port: int = 0, status: int = 204, delay: float = 0.0) -> None:
        self.status = status
        self.delay = delay
        self.on_post: Callable[[], None] = lambda: None  # called as each ping arrives
        self.requests: list[dict[str, Any]] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode("ascii")
                hub.requests.append(
                    {
                        "path": self.path,
                        "content_type": self.headers.get("Content-Type"),
                        "form": parse_qs(body),
                    }
                )
                hub.on_post()
                time.sleep(hub.delay)
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def topics(self) -> list[str]:
        return [t for r in self.requests for t in r["form"].get("hub.url", [])]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub() -> Iterator[Hub]:
    server = Hub()
    yield server
    server.close()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def feed_urls(portal: Catalogue, written: list[Path]) -> set[str]:
    """The public URLs of the feed documents among ``written`` (not the pages, OPML and
    sitemaps at the top of the output, which no hub is told of)."""
    return {
        portal.site.feeds_url + p.relative_to(portal.out_dir).as_posix()
        for p in written
        if p.suffix in (".xml", ".json") and p.parent != portal.out_dir
    }


def test_a_good_hub_is_told_of_every_changed_feed_file(hub: Hub, tmp_path: Path) -> None:
    portal = catalogue(tmp_path, hub=hub.url)
    source = write_records(tmp_path / "a.jsonl", [record(n) for n in range(12)])
    result = publish(portal, [source], now=NOW)
    assert result.exit_code is ExitCode.OK and result.pings is not None
    written = feed_urls(portal, result.written)
    assert set(hub.topics()) == written and len(hub.topics()) == len(written)
    first = hub.requests[0]
    assert first["path"] == "/hub"
    assert first["content_type"] == "application/x-www-form-urlencoded"
    assert first["form"]["hub.mode"] == ["publish"]
    with open_store(portal.store_path) as store:
        assert store.pending_pings() == []
    # A publish that changes one article pings only the files that changed.
    hub.requests.clear()
    changed = write_records(tmp_path / "b.jsonl", [record(11, title="Sửa")])
    result = publish(portal, [changed], now=NOW)
    assert sorted(hub.topics()) == sorted(feed_urls(portal, result.written))
    assert len(hub.topics()) == 9  # main, category, author x 3 formats
    # Nothing changed: nothing pinged.
    hub.requests.clear()
    publish(portal, now=NOW)
    assert hub.requests == []


def test_a_hub_that_is_down_keeps_the_pings_for_the_next_run(tmp_path: Path) -> None:
    port = closed_port()
    portal = catalogue(tmp_path, hub=f"http://127.0.0.1:{port}/hub")
    source = write_records(tmp_path / "a.jsonl", [record(n) for n in range(6)])
    result = publish(portal, [source], now=NOW)
    assert result.exit_code is ExitCode.OK  # the feeds are published all the same
    assert result.pings is not None and result.pings.failed and not result.pings.sent
    with open_store(portal.store_path) as store:
        pending = store.pending_pings()
    assert {p.url for p in pending} == feed_urls(portal, result.written)
    assert "unreachable" in (pending[0].last_error or "") and pending[0].attempts == 1
    # The hub comes back on that port: the next run, with nothing new, sends them all.
    hub = Hub(port=port)
    try:
        again = publish(portal, now=NOW)
        assert again.written == []
        assert sorted(hub.topics()) == sorted(p.url for p in pending)
    finally:
        hub.close()
    with open_store(portal.store_path) as store:
        assert store.pending_pings() == []


def test_a_hub_answering_500_is_retried_until_it_accepts(tmp_path: Path) -> None:
    hub = Hub(status=500)
    try:
        portal = catalogue(tmp_path, hub=hub.url)
        source = write_records(tmp_path / "a.jsonl", [record(n) for n in range(6)])
        result = publish(portal, [source], now=NOW)
        assert result.pings is not None and not result.pings.sent
        assert "HTTP 500" in next(iter(result.pings.failed.values()))
        assert len(hub.requests) == 1  # a sick hub is not hammered with the rest
        publish(portal, now=NOW)
        with open_store(portal.store_path) as store:
            pending = store.pending_pings()
        assert len(pending) == len(feed_urls(portal, result.written))
        assert pending[0].attempts == 2
        hub.status = 202
        hub.requests.clear()
        publish(portal, now=NOW)
        assert set(hub.topics()) == feed_urls(portal, result.written)
        with open_store(portal.store_path) as store:
            assert store.pending_pings() == []
    finally:
        hub.close()


def test_a_hub_slower_than_the_timeout_is_a_failed_ping() -> None:
    hub = Hub(delay=1.0)
    try:
        with pytest.raises(PingFailed, match="unreachable"):
            ping(hub.url, "https://hnp.example.vn/feeds/tin-moi/atom.xml", timeout=0.2)
    finally:
        hub.close()


def test_ping_failures_name_the_hub() -> None:
    url = f"http://127.0.0.1:{closed_port()}/hub"
    with pytest.raises(PingFailed, match=url):
        ping(url, "https://hnp.example.vn/feeds/tin-moi/atom.xml", timeout=2)


def test_a_slow_hub_is_pinged_after_the_lock_within_a_budget_the_rest_next_run(
    tmp_path: Path,
) -> None:
    """Each ping takes 0.3 s; the run's pings may take 0.5 s in all.  They are sent with
    the publish lock free (the next cron run is never held up), the budget stops them, and
    what it left unsent waits in the store for the next run, which sends it."""
    hub = Hub(delay=0.3)
    try:
        portal = catalogue(tmp_path, hub=hub.url)
        lock_free: list[bool] = []

        def try_the_lock() -> None:
            try:
                with publish_lock(portal.store_path):
                    lock_free.append(True)
            except LockBusy:
                lock_free.append(False)

        hub.on_post = try_the_lock
        source = write_records(tmp_path / "a.jsonl", [record(n) for n in range(12)])
        result = publish(portal, [source], now=NOW, hub_timeout=5, hub_budget=0.5)
        assert result.exit_code is ExitCode.OK and result.pings is not None
        owed = feed_urls(portal, result.written)
        assert lock_free and all(lock_free)
        assert result.pings.pending > 0 and len(result.pings.sent) < 2
        with open_store(portal.store_path) as store:
            waiting = {p.url for p in store.pending_pings()}
        assert waiting == owed - set(result.pings.sent)
        hub.delay = 0.0
        again = publish(portal, now=NOW)
        assert again.pings is not None and set(again.pings.sent) == waiting
        with open_store(portal.store_path) as store:
            assert store.pending_pings() == []
        assert set(hub.topics()) >= owed
    finally:
        hub.close()


def test_a_change_queued_while_its_ping_is_in_flight_stays_owed(tmp_path: Path) -> None:
    """Pings go out after the lock: a run that changes a feed again meanwhile queues its
    ping anew, and the older ping's success does not settle it."""
    url = "https://hnp.example.vn/feeds/tin-moi/atom.xml"
    later = localize(datetime(2022, 7, 1, 8, 5))
    with open_store(tmp_path / "store.sqlite") as store:
        store.queue_pings([url], NOW)
        in_flight = store.pending_pings()[0]
        store.queue_pings([url], later)  # the next run changed the feed again
        store.ping_done(in_flight.url, in_flight.queued_at)
        assert [p.url for p in store.pending_pings()] == [url]
        again = store.pending_pings()[0]
        store.ping_done(again.url, again.queued_at)
        assert store.pending_pings() == []

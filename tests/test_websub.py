"""WebSub pings against real HTTP hubs on 127.0.0.1: a good one, a down one, a 500 one."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from hnp_feeds.config import Catalogue
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish
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

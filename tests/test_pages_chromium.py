"""The pages people open, in headless Chromium through the preview server: index.html, an
Atom feed and an RSS feed (shown through feed.xsl).  Each loads with no console message
(but Chromium's own notice that XSLT is deprecated, on the feeds) and no failed request,
and the DOM Chromium built holds what the page must show."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest

from hnp_feeds.catalogue import feeds_for
from hnp_feeds.config import load_config
from hnp_feeds.publish import build
from hnp_feeds.serve import PreviewServer, make_server

from .portal import articles_as_published

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's chromium is not installed (apt-get install chromium) at /usr/bin/chromium",
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Console messages go to stderr as "INFO:CONSOLE..." lines only at verbosity 1.
    "--enable-logging=stderr",
    "--v=1",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PreviewServer]:
    out = tmp_path_factory.mktemp("feeds")
    catalogue = load_config()
    build(catalogue, out_dir=out)
    srv = make_server(out, port=0)
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def test_page_loads_cleanly_and_shows_every_feed(server: PreviewServer) -> None:
    done = chromium("--dump-dom", server.url)
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert server.served, "Chromium made no request"
    assert all(status == 200 for _, status in server.served), server.served

    dom = lxml.html.fromstring(done.stdout)
    assert dom.findtext(".//h1") == "Nguồn tin của Hà Nội Plus"
    catalogue = load_config()
    articles, _ = articles_as_published(catalogue)
    expected = [f"feed-{feed.slug}" for feed in feeds_for(catalogue, articles)]
    shown = dom.xpath("//main//article/@id")
    assert sorted(shown) == sorted(expected)
    for card in dom.xpath("//main//article"):
        assert len(card.xpath(".//p[@class='subscribe']/a")) == 3
        assert card.xpath(".//ol/li/a"), card.get("id")


#: What Chromium (since 143) logs on every page an XSLT renders: its notice, not our fault.
XSLT_NOTICE = "XSLTProcessor and XSLT Processing Instructions have been deprecated by all browsers"


@pytest.mark.parametrize("filename", ["atom.xml", "rss.xml"])
def test_a_feed_opened_in_the_browser_is_a_page_with_its_url_and_entries(
    server: PreviewServer, filename: str
) -> None:
    catalogue = load_config()
    server.served.clear()
    done = chromium("--dump-dom", f"{server.url}tin-moi/{filename}")
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    assert [line for line in console if XSLT_NOTICE not in line] == []
    assert sorted(path for path, _ in server.served) == ["/feed.xsl", f"/tin-moi/{filename}"]
    assert all(status == 200 for _, status in server.served), server.served

    dom = lxml.html.fromstring(done.stdout)
    assert dom.get("lang") == "vi"
    assert dom.findtext(".//h1") == catalogue.site.title
    (field,) = dom.xpath("//input[@id='feed-url']")
    assert field.get("value") == f"{catalogue.site.feeds_url}tin-moi/{filename}"
    assert dom.xpath("//button[@id='copy-button']")[0].text_content() == "Sao chép đường dẫn"
    assert "Cách đăng ký" in done.stdout
    articles, _ = articles_as_published(catalogue)
    newest = articles[: catalogue.site.entries_per_feed]
    entries = dom.xpath("//ol[@class='entries']/li")
    assert [li.xpath("string(.//h3/a)") for li in entries] == [a.title for a in newest]
    assert [li.xpath("string(.//h3/a/@href)") for li in entries] == [a.url for a in newest]
    first = entries[0].xpath("string(.//p[@class='meta'])")
    assert first.startswith(newest[0].published.strftime("%H:%M %d/%m/%Y"))


def test_screenshot_is_produced(server: PreviewServer, tmp_path: Path) -> None:
    shot = tmp_path / "index.png"
    done = chromium(f"--screenshot={shot}", "--window-size=390,1200", server.url)
    assert done.returncode == 0, done.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (390, 1200)

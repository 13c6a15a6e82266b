"""RFC 5005 archives through cron's path: ``publish`` (a real SQLite store in tmp_path)
keeps the archive pages incrementally: a walk finds every article once, full pages keep
their bytes, a no-op touches nothing."""

from __future__ import annotations

import http.client
import os
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hnp_feeds.adapters import read_sources
from hnp_feeds.config import Catalogue
from hnp_feeds.errors import ExitCode
from hnp_feeds.model import Article, FeedSpec
from hnp_feeds.publish import publish
from hnp_feeds.serve import make_server
from hnp_feeds.store import open_store
from hnp_feeds.timezone import localize
from hnp_feeds.validator import validate

from .archive_walk import expected_ids, walk_archives
from .portal import catalogue, record, write_records

NOW = localize(datetime(2022, 9, 1, 8, 0))
OLD = 1_000_000_000
MAIN = FeedSpec("tin-moi", "Báo HNP", archive=True)


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


# --- a small portal: pages of 5, 3 entries per feed, articles six hours apart -------------


def story(n: int, **changes: Any) -> dict[str, Any]:
    when = localize(datetime(2022, 6, 1, 8, 0)) + timedelta(hours=6 * n)
    return record(n, published=when.strftime("%Y-%m-%d %H:%M"), **changes)


def small_portal(tmp_path: Path) -> Catalogue:
    return catalogue(tmp_path, archive_page_size=5, entries_per_feed=3)


def run(portal: Catalogue, tmp_path: Path, records: list[dict[str, Any]], **kw: Any) -> Any:
    source = write_records(tmp_path / "export.jsonl", records)
    result = publish(portal, [source], now=kw.pop("now", NOW), **kw)
    assert result.exit_code is ExitCode.OK, (result.summary(), result.invalid)
    return result


def walk(portal: Catalogue, slug: str) -> Any:
    def fetch(url: str) -> bytes:
        assert url.startswith(portal.site.feeds_url), url
        return (portal.out_dir / url[len(portal.site.feeds_url) :]).read_bytes()

    return walk_archives(fetch, f"{portal.site.feeds_url}{slug}/atom.xml")


def articles_of(tmp_path: Path, records: list[dict[str, Any]]) -> list[Article]:
    source = write_records(tmp_path / "check.jsonl", records)
    return [a for a in read_sources([source]) if isinstance(a, Article)]


def test_a_walk_finds_every_article_once_after_publishes_that_add_articles(
    tmp_path: Path,
) -> None:
    portal = small_portal(tmp_path)
    records = [story(n) for n in range(12)]
    records[4] = story(4, status="retracted")  # keeps its slot, never shown
    run(portal, tmp_path, records)
    for batch in (range(12, 15), range(15, 16), range(16, 29)):
        records += [story(n) for n in batch]
        run(portal, tmp_path, records)
        articles = articles_of(tmp_path, records)
        feeds = [MAIN, FeedSpec("thoi-su", "Thời sự", "category", category="thoi-su")]
        for feed in feeds:
            found = walk(portal, feed.slug)
            assert found.problems == [] and found.repeated == [], feed.slug
            expected = expected_ids(portal.site, feed, articles)
            assert sorted(found.entry_ids) == sorted(expected), (feed.slug, len(records))
    assert len(walk(portal, "tin-moi").documents) == 1 + 28 // 5
    for page in portal.out_dir.glob("*/archive/*.xml"):
        relpath = page.relative_to(portal.out_dir).as_posix()
        report = validate(page.read_bytes(), base_url=portal.site.feeds_url + relpath)
        assert report.errors == [], relpath
        assert page.with_name(page.name + ".gz").is_file()


def test_full_pages_keep_their_bytes_and_a_noop_writes_nothing(tmp_path: Path) -> None:
    portal = small_portal(tmp_path)
    records = [story(n) for n in range(17)]  # 3 full pages of the main feed
    run(portal, tmp_path, records)
    pages = portal.out_dir / "tin-moi" / "archive"
    before = {p.name: p.read_bytes() for p in pages.glob("*.xml")}
    assert sorted(before) == ["1.xml", "2.xml", "3.xml"]
    everything = [p for p in portal.out_dir.rglob("*") if p.is_file()]
    for path in everything:
        os.utime(path, (OLD, OLD))
    # Nothing new: nothing written, every mtime kept (.gz siblings too).
    again = run(portal, tmp_path, records)
    assert again.written == [] and again.bytes_written == 0
    assert all(p.stat().st_mtime == OLD for p in everything)
    # Three more articles fill page 4: pages 1 and 2 are not touched; page 3 gains its
    # next-archive link and nothing else.
    records += [story(n) for n in range(17, 20)]
    grown = run(portal, tmp_path, records)
    assert pages / "4.xml" in grown.written
    assert [p.name for p in grown.written if p.parent == pages] == ["4.xml", "3.xml"]
    for name in ("1.xml", "2.xml"):
        assert (pages / name).read_bytes() == before[name]
        assert (pages / name).stat().st_mtime == OLD
        assert (pages / f"{name}.gz").stat().st_mtime == OLD
    three = (pages / "3.xml").read_bytes()
    assert b'rel="next-archive"' in three and b'rel="next-archive"' not in before["3.xml"]
    assert three.count(b"<entry>") == before["3.xml"].count(b"<entry>") == 5


def test_an_edit_or_retraction_inside_a_page_renders_that_page_only(tmp_path: Path) -> None:
    portal = small_portal(tmp_path)
    records = [story(n) for n in range(17)]
    run(portal, tmp_path, records)
    pages = portal.out_dir / "tin-moi" / "archive"
    records[6] = story(6, title="Tiêu đề đã sửa")  # slot 7: main page 2
    edited = run(portal, tmp_path, records, now=NOW + timedelta(minutes=5))
    assert [p.name for p in edited.written if p.parent == pages] == ["2.xml"]
    assert "Tiêu đề đã sửa" in (pages / "2.xml").read_text(encoding="utf-8")
    before = {p.name: p.read_bytes() for p in pages.glob("*.xml")}
    gone = records[1]["url"].encode()
    records[1] = story(1, status="retracted")  # slot 2: main page 1
    retracted = run(portal, tmp_path, records, now=NOW + timedelta(minutes=10))
    rewritten = {p.name for p in retracted.written if p.parent == pages}
    # Its own page, and the pages whose entries recommended it (it is no longer shown).
    assert rewritten == {name for name, data in before.items() if gone in data}, rewritten
    assert "1.xml" in rewritten and (pages / "1.xml").read_bytes().count(b"<entry>") == 4
    assert all(gone not in p.read_bytes() for p in pages.glob("*.xml"))
    found = walk(portal, "tin-moi")
    assert sorted(found.entry_ids) == sorted(
        expected_ids(portal.site, MAIN, articles_of(tmp_path, records))
    )
    with open_store(portal.store_path) as store:
        assert sorted(store.archive_pages("tin-moi")) == [1, 2, 3]


def test_a_retraction_in_the_oldest_page_reaches_a_client_that_revalidates(
    tmp_path: Path,
) -> None:
    portal = small_portal(tmp_path)
    records = [story(n) for n in range(17)]
    run(portal, tmp_path, records)
    server = make_server(portal.out_dir, port=0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]

        def get(path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
            connection = http.client.HTTPConnection(str(host), int(port), timeout=10)
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            connection.close()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, body

        status, headers, first = get("/tin-moi/archive/1.xml")
        assert status == 200 and "immutable" not in headers["cache-control"]
        etag = headers["etag"]
        assert get("/tin-moi/archive/1.xml", **{"If-None-Match": etag})[0] == 304
        gone = records[1]["url"].encode()
        assert gone in first
        records[1] = story(1, status="retracted")  # slot 2 of page 1, the oldest
        run(portal, tmp_path, records, now=NOW + timedelta(minutes=10))
        status, headers, body = get("/tin-moi/archive/1.xml", **{"If-None-Match": etag})
        assert status == 200 and headers["etag"] != etag
        assert gone not in body and body.count(b"<entry>") == 4
        report = validate(body, base_url=portal.site.feeds_url + "tin-moi/archive/1.xml")
        assert report.ok
    finally:
        server.shutdown()
        server.server_close()

"""publish: scheduled (future-dated) articles stay out of every feed until a run at or
after their time makes them live; a future ``updated`` alone is a rejected record."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from typer.testing import CliRunner

from hnp_feeds.cli import app
from hnp_feeds.config import Catalogue
from hnp_feeds.errors import ExitCode
from hnp_feeds.identity import entry_id
from hnp_feeds.model import FeedSpec
from hnp_feeds.publish import publish
from hnp_feeds.store import SCHEMA_VERSION, open_store
from hnp_feeds.store import schema as store_schema
from hnp_feeds.timezone import localize
from hnp_feeds.validator import validate

from .portal import catalogue, portal_toml, record, write_records
from .test_store import fill_old_store

NOW = localize(datetime(2022, 7, 1, 8, 0))
DUE = localize(datetime(2022, 7, 1, 10, 0))
#: Article 12: category thoi-su, author Trọng Toàn, tag bóng đá; due at DUE.
SCHEDULED = record(12, published="2022-07-01 10:00")
FEEDS_OF_12 = ("tin-moi", "thoi-su", "tac-gia-trong-toan", "bong-da")


@pytest.fixture
def portal(tmp_path: Path) -> Catalogue:
    return catalogue(tmp_path)


def run(portal: Catalogue, tmp_path: Path, records: list[dict[str, Any]], now: datetime) -> Any:
    source = write_records(tmp_path / "export.jsonl", records)
    return publish(portal, [source], now=now, workers=1)


def ids_in(portal: Catalogue, slug: str) -> dict[str, str]:
    """Entry id -> title of the feed's Atom document, read back by feedparser."""
    parsed = feedparser.parse((portal.out_dir / slug / "atom.xml").read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {entry.id: entry.title for entry in parsed.entries}


def files(portal: Catalogue) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(portal.out_dir.rglob("*")) if p.is_file()}


def test_a_scheduled_article_waits_then_goes_live_in_its_feeds(
    portal: Catalogue, tmp_path: Path
) -> None:
    records = [record(n) for n in range(12)] + [SCHEDULED]
    first = run(portal, tmp_path, records, NOW)
    assert first.exit_code is ExitCode.OK, first.summary()
    assert first.scheduled == [("1012", DUE)] and first.released == []
    assert "1 scheduled" in first.summary()
    eid = "tag:hnp.example.vn,2022-07-01:article/1012"
    for slug in FEEDS_OF_12:
        data = (portal.out_dir / slug / "atom.xml").read_bytes()
        report = validate(data, base_url=f"{portal.site.feeds_url}{slug}/atom.xml")
        assert report.ok, (slug, report.errors)
        assert ids_in(portal, slug) and eid not in ids_in(portal, slug)
    with open_store(portal.store_path) as store:
        assert store.ledger_ids(["1012"]) == {}
        main = FeedSpec("tin-moi", "Tin mới", archive=True)
        assert "1012" not in {slot.record_id for slot in store.history_keys(main)}
        assert "1012" not in {slot.record_id for slot in store.history_keys(main)}
    related = sqlite3.connect(portal.store_path)
    assert related.execute("SELECT 1 FROM related_docs WHERE article_id = '1012'").fetchall() == []
    related.close()

    # Cron before its time: nothing to write, nothing released.
    before = files(portal)
    waiting = run(portal, tmp_path, records, localize(datetime(2022, 7, 1, 9, 59)))
    assert waiting.exit_code is ExitCode.OK and waiting.written == [], waiting.summary()
    assert waiting.released == [] and waiting.scheduled == [("1012", DUE)]
    assert files(portal) == before

    # The first run after its time (no new export needed) publishes it everywhere.
    after = publish(portal, [], now=localize(datetime(2022, 7, 1, 10, 5)), workers=1)
    assert after.exit_code is ExitCode.OK, after.summary()
    assert after.released == ["1012"] and after.scheduled == []
    assert "1 scheduled released" in after.summary()
    written = {p.relative_to(portal.out_dir).as_posix() for p in after.written}
    for slug in FEEDS_OF_12:
        assert f"{slug}/atom.xml" in written
        assert ids_in(portal, slug)[eid] == SCHEDULED["title"]
    with open_store(portal.store_path) as store:
        released = store.article("1012")
        assert released is not None
        assert entry_id(portal.site, released) == eid
        assert store.ledger_ids(["1012"]) == {"1012": eid}
        # Related posts computed at release, as at ingest (explicit link first; only
        # those close enough: the slots need not all be filled).
        assert 1 < len(released.related) <= portal.site.related_count
    related = sqlite3.connect(portal.store_path)
    assert related.execute("SELECT 1 FROM related_docs WHERE article_id = '1012'").fetchall()
    related.close()
    # Feeds that cannot hold it were not rendered again.
    assert "kinh-te/atom.xml" not in written


def test_a_record_updated_in_the_future_is_rejected_and_the_rest_published(
    portal: Catalogue, tmp_path: Path
) -> None:
    first = run(portal, tmp_path, [record(n) for n in range(6)], NOW)
    assert first.exit_code is ExitCode.OK
    eid = "tag:hnp.example.vn,2022-06-06:article/1005"
    records = [record(n) for n in range(6)] + [record(7)]
    records[5] = record(5, title="Sửa trước giờ", updated="2022-07-01T09:00:00+07:00")
    records.append(record(8, updated="2022-07-02T00:00:00+07:00"))  # a new one, as bad
    second = run(portal, tmp_path, records, NOW)
    assert second.exit_code is ExitCode.REJECTED, second.summary()
    reasons = {(e.position, e.record_id): e.reason for e in second.rejected}
    assert set(reasons) == {("6", "1005"), ("8", "1008")}
    assert "updated 2022-07-01T09:00:00+07:00 is in the future" in reasons[("6", "1005")]
    main = ids_in(portal, "tin-moi")
    assert main[eid] == record(5)["title"]  # the previous version is kept
    assert "tag:hnp.example.vn,2022-06-08:article/1007" in main  # the others go in
    assert not any(key.endswith("article/1008") for key in main)
    with open_store(portal.store_path) as store:
        kept = [row for row in store.rejected() if "is in the future" in row[2]]
        assert len(kept) == 2 and all(row[0].endswith("export.jsonl") for row in kept)


def test_verbose_lists_the_scheduled_articles(tmp_path: Path) -> None:
    config = str(portal_toml(tmp_path))
    source = write_records(
        tmp_path / "export.jsonl", [record(1), record(2, published="2099-01-02 03:04")]
    )
    result = CliRunner().invoke(app, ["publish", "-c", config, "--verbose", str(source)])
    assert result.exit_code == ExitCode.OK, result.output
    assert "scheduled 1002 at 2099-01-02T03:04:00+07:00" in result.output
    assert "1 scheduled" in result.output.splitlines()[-1]


def test_a_version_3_store_is_migrated_to_scheduled_articles(
    tmp_path: Path, portal: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.sqlite"
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", 3)
    with open_store(path) as old:
        assert old.schema_version == 3
    monkeypatch.undo()
    fill_old_store(path, tmp_path, portal, [record(n) for n in range(5)])
    raw = sqlite3.connect(path)
    assert "scheduled_us" not in {row[1] for row in raw.execute("PRAGMA table_info(articles)")}
    raw.close()
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 15
        assert store.scheduled() == []
        assert store.release_scheduled(portal.site, NOW) == []
        assert len(store.select_entries(FeedSpec("tin-moi", "Tin mới"), 10)) == 5
    indexes = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert "articles_scheduled" in indexes

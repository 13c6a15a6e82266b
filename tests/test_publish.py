"""publish: incremental, atomic, validated, with a stable id ledger, driven as cron drives it."""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from typer.testing import CliRunner

from hnp_feeds.cli import app
from hnp_feeds.config import Catalogue
from hnp_feeds.errors import ExitCode, LockBusy
from hnp_feeds.publish import PublishResult, publish
from hnp_feeds.store import open_store
from hnp_feeds.timezone import localize
from hnp_feeds.validator import Report, validate

from .portal import catalogue, portal_toml, record, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))
OLD = 1_000_000_000  # an mtime far in the past, to see whether a file was touched


@pytest.fixture
def portal(tmp_path: Path) -> Catalogue:
    return catalogue(tmp_path)


def run(
    portal: Catalogue, tmp_path: Path, records: list[dict[str, Any]], **kw: Any
) -> PublishResult:
    source = write_records(tmp_path / "export.jsonl", records)
    kw.setdefault("now", NOW)
    return publish(portal, [source], **kw)


def published_files(portal: Catalogue) -> dict[Path, bytes]:
    """Every published file but the ``.gz`` siblings (test_publish_gzip.py has those)."""
    return {
        p: p.read_bytes()
        for p in sorted(portal.out_dir.rglob("*"))
        if p.is_file() and p.suffix != ".gz"
    }


def age_every_file(portal: Catalogue) -> None:
    for path in published_files(portal):
        os.utime(path, (OLD, OLD))


def entries(portal: Catalogue, slug: str, name: str = "atom.xml") -> list[Any]:
    parsed = feedparser.parse((portal.out_dir / slug / name).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return list(parsed.entries)


def test_a_first_publish_writes_every_feed_valid(portal: Catalogue, tmp_path: Path) -> None:
    result = run(portal, tmp_path, [record(n) for n in range(30)])
    assert result.exit_code is ExitCode.OK, result.summary()
    slugs = {p.parent.name for p in portal.out_dir.glob("*/atom.xml")}
    assert slugs == {
        "tin-moi", "thoi-su", "kinh-te", "the-thao", "bong-da",
        "tac-gia-trong-toan", "tac-gia-minh-ha", "tac-gia-lan-anh",
    }  # fmt: skip
    for path, data in published_files(portal).items():
        rel = path.relative_to(portal.out_dir).as_posix()
        if "/" not in rel or rel.startswith("discovery/"):  # the pages, sitemaps, fragments
            continue
        report = validate(data, base_url=portal.site.feeds_url + rel)
        assert report.ok, (rel, report.errors)
    # Archived (RFC 5005): the current document holds every article newer than the last
    # full archive page (none yet: pages of 100), not just entries_per_feed; others hold 10.
    assert len(entries(portal, "tin-moi")) == 30
    assert len(entries(portal, "tac-gia-trong-toan")) == 10
    # The pages for people list every feed.
    opml = (portal.out_dir / "feeds.opml").read_text(encoding="utf-8")
    index = (portal.out_dir / "index.html").read_text(encoding="utf-8")
    for slug in slugs:
        assert f"{slug}/atom.xml" in opml and f"{slug}/atom.xml" in index
    assert (tmp_path / "var" / "hnp-feeds.sqlite").is_file()  # the catalogue's store_path


def test_publishing_twice_without_change_writes_nothing_and_keeps_mtimes(
    portal: Catalogue, tmp_path: Path
) -> None:
    records = [record(n) for n in range(30)]
    run(portal, tmp_path, records)
    before = published_files(portal)
    age_every_file(portal)
    again = run(portal, tmp_path, records)
    assert again.exit_code is ExitCode.OK
    assert again.planned == [] and again.rendered == [] and again.written == []
    assert again.bytes_written == 0
    assert published_files(portal) == before
    assert all(p.stat().st_mtime == OLD for p in before)
    # Without sources too (what the cron job runs between exports).
    assert publish(portal, now=NOW).written == []


def test_an_edited_title_and_slug_keep_the_id_and_move_updated(
    portal: Catalogue, tmp_path: Path
) -> None:
    records = [record(n) for n in range(30)]
    run(portal, tmp_path, records)
    [before] = [e for e in entries(portal, "tin-moi") if e.link.endswith("bai-viet-27.html")]
    age_every_file(portal)
    records[27] = record(
        27, title="Tiêu đề đã sửa", url="https://hnp.example.vn/thoi-su/tieu-de-da-sua.html"
    )
    later = NOW + timedelta(minutes=5)
    result = run(portal, tmp_path, records, now=later)
    assert result.exit_code is ExitCode.OK
    # Only the feeds holding article 27: main, its category, its author (not bong-da etc.).
    assert sorted(result.rendered) == ["tac-gia-trong-toan", "thoi-su", "tin-moi"]
    for slug in result.rendered:
        for name in ("atom.xml", "rss.xml"):
            found = [e for e in entries(portal, slug, name) if e.id == before.id]
            assert len(found) == 1, (slug, name)
            assert found[0].title == "Tiêu đề đã sửa"
            assert found[0].link.endswith("tieu-de-da-sua.html")
            assert not [e for e in entries(portal, slug, name) if "bai-viet-27" in e.link]
        doc = json.loads((portal.out_dir / slug / "feed.json").read_bytes())
        assert [i["id"] for i in doc["items"]].count(before.id) == 1
    [after] = [e for e in entries(portal, "tin-moi") if e.id == before.id]
    assert after.updated_parsed > before.updated_parsed
    assert after.updated == "2022-07-01T08:04:59.999999+07:00"  # when the store saw it
    untouched = portal.out_dir / "kinh-te" / "atom.xml"
    assert untouched.stat().st_mtime == OLD


def test_a_new_article_renders_only_the_feeds_that_select_it(
    portal: Catalogue, tmp_path: Path
) -> None:
    records = [record(n) for n in range(30)]
    run(portal, tmp_path, records)
    fresh = record(40, published="2022-06-30 12:00")  # newest; tagged bóng đá (40 % 4 == 0)
    result = run(portal, tmp_path, [*records, fresh])
    assert sorted(result.rendered) == ["bong-da", "kinh-te", "tac-gia-minh-ha", "tin-moi"]
    assert entries(portal, "bong-da")[0].link == fresh["url"]
    # Its four feeds, index.html, feeds.opml, the sitemaps' index and its last page, and the
    # news sitemap (it is in the news window).
    pages = sorted(p.name for p in result.written if p.parent == portal.out_dir)
    assert pages == [
        "feeds.opml", "index.html", "news-sitemap.xml", "sitemap-1.xml", "sitemap.xml"
    ]  # fmt: skip
    assert len(result.written) == 12 + 5


def test_a_retracted_article_leaves_every_feed_with_an_atom_tombstone_when_asked(
    tmp_path: Path,
) -> None:
    portal = catalogue(tmp_path, tombstones=True)
    records = [record(n) for n in range(30)]
    run(portal, tmp_path, records)
    [gone] = [e for e in entries(portal, "tin-moi") if e.link.endswith("bai-viet-24.html")]
    records[24] = record(24, status="retracted")
    result = run(portal, tmp_path, records, now=NOW + timedelta(hours=1))
    assert result.ingest is not None and result.ingest.removed == 1
    for slug in ("tin-moi", "thoi-su", "bong-da", "tac-gia-trong-toan"):
        for name in ("atom.xml", "rss.xml"):
            assert gone.id not in {e.id for e in entries(portal, slug, name)}
        doc = json.loads((portal.out_dir / slug / "feed.json").read_bytes())
        assert gone.id not in {i["id"] for i in doc["items"]}
        atom = (portal.out_dir / slug / "atom.xml").read_text(encoding="utf-8")
        assert f'ref="{gone.id}" when="2022-07-01T09:00:00+07:00"' in atom, slug
        assert "http://purl.org/atompub/tombstones/1.0" in atom
    assert "deleted-entry" not in (portal.out_dir / "kinh-te" / "atom.xml").read_text()
    # Without [site] tombstones (the default) the entry is gone and nothing else shows.
    plain = catalogue(tmp_path / "plain")
    run(plain, tmp_path, [record(n) for n in range(30)])
    run(plain, tmp_path, records, now=NOW + timedelta(hours=1))
    for path in plain.out_dir.rglob("*.xml"):  # not even as a related post
        data = path.read_bytes()
        assert b"deleted-entry" not in data and gone.link.encode() not in data, path
    # Thirty days on, the tombstone is dropped without any new input.
    result = publish(portal, now=NOW + timedelta(days=31))
    assert "tin-moi" in result.rendered
    assert "deleted-entry" not in (portal.out_dir / "tin-moi" / "atom.xml").read_text()


def test_a_feed_that_fails_validation_keeps_its_old_files(
    portal: Catalogue, tmp_path: Path
) -> None:
    records = [record(n) for n in range(30)]
    run(portal, tmp_path, records)
    age_every_file(portal)
    before = published_files(portal)

    def strict(data: bytes, base_url: str) -> Report:
        report = validate(data, base_url=base_url)
        if "/the-thao/rss.xml" in base_url:
            report.error("InvalidRFC2822Date", element="pubDate", parent="item")
        return report

    records[26] = record(26, title="Sửa lần một")  # category the-thao
    result = run(portal, tmp_path, records, validate_feed=strict)
    assert result.exit_code is ExitCode.INVALID
    assert list(result.invalid) == ["the-thao/rss.xml"]
    for name in ("atom.xml", "rss.xml", "feed.json"):  # the feed's three files stay together
        path = portal.out_dir / "the-thao" / name
        assert path.read_bytes() == before[path] and path.stat().st_mtime == OLD
    assert "Sửa lần một" in (portal.out_dir / "tin-moi" / "atom.xml").read_text()
    # The next run tries the failed feed again, though nothing new came in.
    retry = publish(portal, now=NOW)
    assert retry.exit_code is ExitCode.OK and retry.rendered == ["the-thao"]
    assert "Sửa lần một" in (portal.out_dir / "the-thao" / "rss.xml").read_text()


def test_a_change_of_publication_date_is_refused_unless_reissued(
    portal: Catalogue, tmp_path: Path
) -> None:
    records = [record(n) for n in range(30)]
    run(portal, tmp_path, records)
    [old] = [e for e in entries(portal, "tin-moi") if e.link.endswith("bai-viet-25.html")]
    records[25] = record(25, published="2022-06-29 07:00", title="Ngày khác")
    refused = run(portal, tmp_path, records)
    assert refused.exit_code is ExitCode.IDENTITY
    main = entries(portal, "tin-moi")
    assert old.id in {e.id for e in main} and "Ngày khác" not in {e.title for e in main}
    accepted = run(portal, tmp_path, records, reissue=["1025"])
    assert accepted.exit_code is ExitCode.OK
    new_ids = {e.id for e in entries(portal, "tin-moi") if e.title == "Ngày khác"}
    assert len(new_ids) == 1 and old.id not in new_ids


def test_a_new_tag_authority_is_refused_and_nothing_is_written(
    portal: Catalogue, tmp_path: Path
) -> None:
    run(portal, tmp_path, [record(n) for n in range(12)])
    before = published_files(portal)
    moved = catalogue(tmp_path, tag_authority="hnp2.example.vn")
    result = publish(moved, now=NOW)
    assert result.exit_code is ExitCode.IDENTITY and result.written == []
    assert any("--reissue" in message for message in result.identity)
    assert published_files(portal) == before


def test_deleted_output_files_come_back(portal: Catalogue, tmp_path: Path) -> None:
    run(portal, tmp_path, [record(n) for n in range(12)])
    target = portal.out_dir / "kinh-te" / "rss.xml"
    data = target.read_bytes()
    target.unlink()
    result = publish(portal, now=NOW)
    assert result.rendered == ["kinh-te"] and target.read_bytes() == data


def test_a_second_publish_while_the_lock_is_held_is_refused(
    portal: Catalogue, tmp_path: Path
) -> None:
    store = tmp_path / "var" / "hnp-feeds.sqlite"
    store.parent.mkdir(parents=True)
    with open(store.with_name(store.name + ".lock"), "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(LockBusy):
            publish(portal, now=NOW)
        code = CliRunner().invoke(app, ["publish", "-c", str(portal_toml(tmp_path))]).exit_code
        assert code == ExitCode.LOCKED
    assert publish(portal, now=NOW).exit_code is ExitCode.OK


def test_hub_and_self_links_are_in_atom_and_rss(tmp_path: Path) -> None:
    portal = catalogue(tmp_path, hub="https://hub.example.net/")
    run(portal, tmp_path, [record(n) for n in range(5)])
    for name in ("atom.xml", "rss.xml"):
        feed = feedparser.parse((portal.out_dir / "tin-moi" / name).read_bytes()).feed
        rels = {link.rel: link.href for link in feed.links}
        assert rels["hub"] == "https://hub.example.net/"
        assert rels["self"] == f"https://hnp.example.vn/feeds/tin-moi/{name}"


def test_the_cli_speaks_in_exit_codes_and_one_line(tmp_path: Path) -> None:
    config = str(portal_toml(tmp_path))
    good = write_records(tmp_path / "good.jsonl", [record(n) for n in range(8)])
    bad = write_records(tmp_path / "bad.jsonl", [record(9), {"id": "x", "title": "no date"}])
    runner = CliRunner()
    first = runner.invoke(app, ["publish", "-c", config, str(good)])
    assert first.exit_code == ExitCode.OK, first.output
    assert first.output.count("\n") == 1 and first.output.rstrip().endswith(": ok")
    noop = runner.invoke(app, ["publish", "-c", config])
    assert noop.exit_code == ExitCode.OK and "nothing to publish" in noop.output
    rejected = runner.invoke(app, ["publish", "-c", config, "--verbose", str(bad)])
    assert rejected.exit_code == ExitCode.REJECTED
    assert "bad.jsonl:2" in rejected.output and "1 rejected" in rejected.output
    ingest = runner.invoke(app, ["ingest", "-c", config, str(good)])
    assert ingest.exit_code == ExitCode.OK and "8 records" in ingest.output
    other = tmp_path / "other.sqlite"
    elsewhere = runner.invoke(app, ["ingest", "-c", config, "--store", str(other), str(good)])
    assert elsewhere.exit_code == ExitCode.OK and other.is_file()
    broken = tmp_path / "broken.toml"
    broken.write_text("[site]\n", encoding="utf-8")
    assert runner.invoke(app, ["publish", "-c", str(broken)]).exit_code == ExitCode.USAGE


def test_the_store_stays_consistent_after_publishing(portal: Catalogue, tmp_path: Path) -> None:
    records = [record(n) for n in range(30)]
    run(portal, tmp_path, records)
    records[3] = record(3, status="retracted")
    run(portal, tmp_path, records)
    with open_store(portal.store_path) as store:
        assert store.check() == []
        assert store.dirty_keys() == set()
        assert store.count("ledger") >= 10
        states = store.feed_states()
        assert set(states) == {p.parent.name for p in portal.out_dir.glob("*/atom.xml")}
        assert not any(state.stale for state in states.values())


def test_the_pages_for_people_follow_the_feeds(portal: Catalogue, tmp_path: Path) -> None:
    records = [record(n) for n in range(30)]
    run(portal, tmp_path, records)
    index = portal.out_dir / "index.html"
    records[27] = record(27, title="Tin nóng trên trang chủ")
    run(portal, tmp_path, records)
    assert "Tin nóng trên trang chủ" in index.read_text(encoding="utf-8")
    # A run killed after the feeds but before the pages: the next run, with nothing
    # new to render, still brings the pages up to date.
    data = index.read_bytes()
    with open_store(portal.store_path) as store:
        store.set_meta("pages", "from a run that was killed")
    index.write_text("stale", encoding="utf-8")
    result = publish(portal, now=NOW)
    assert result.rendered == [] and index.read_bytes() == data


def test_the_cli_reads_the_catalogue_sources_unless_told_not_to(tmp_path: Path) -> None:
    write_records(tmp_path / "export.jsonl", [record(n) for n in range(8)])
    config = str(portal_toml(tmp_path, sources=["export.jsonl"]))
    runner = CliRunner()
    skipped = runner.invoke(app, ["publish", "-c", config, "--no-ingest"])
    assert skipped.exit_code == ExitCode.OK and "ingested" not in skipped.output
    assert entries(catalogue(tmp_path), "tin-moi") == []  # an empty store: an empty feed
    done = runner.invoke(app, ["publish", "-c", config])
    assert done.exit_code == ExitCode.OK and "ingested 8 records (8 new" in done.output
    assert len(entries(catalogue(tmp_path), "tin-moi")) == 8


def test_worker_processes_publish_the_same_bytes(tmp_path: Path) -> None:
    records = [record(n) for n in range(30)]
    records[24] = record(24, status="retracted")
    records[26] = record(26, title="Sửa")
    outputs = []
    for workers in (1, 2):
        base = tmp_path / f"w{workers}"
        base.mkdir()
        portal = catalogue(base)
        first = run(portal, base, [record(n) for n in range(30)], workers=workers)
        assert len(first.rendered) == 8
        result = run(portal, base, records, workers=workers)
        assert result.exit_code is ExitCode.OK and len(result.rendered) >= 4
        outputs.append(
            {p.relative_to(portal.out_dir): d for p, d in published_files(portal).items()}
        )
    assert outputs[0] == outputs[1]

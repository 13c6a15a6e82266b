"""``build`` is ``publish`` into a fresh store: the same bytes for any portal, and a store
that has seen weeks of cron ends where a build of the final records starts."""

from __future__ import annotations

import json
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hnp_feeds.config import load_config
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import build, publish
from hnp_feeds.publish.run import TOMBSTONE_TTL
from hnp_feeds.timezone import localize
from hnp_feeds.validator import validate

from .portal import AUTHORS, CATEGORIES, catalogue, record, write_records

NOW = localize(datetime(2022, 8, 1, 12, 0))


def files_of(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` (``.gz`` siblings included): relative path -> bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


@st.composite
def portals(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Records of a random small portal: sections, authors, tags, drafts and retractions,
    times that collide; each brings the one related link the site asks for."""
    count = draw(st.integers(min_value=1, max_value=24))
    records = []
    for n in range(count):
        slug, name = draw(st.sampled_from(CATEGORIES))
        day, hour = draw(st.integers(1, 28)), draw(st.integers(0, 23))
        changes: dict[str, Any] = {
            "category": {"slug": slug, "name": name},
            "author": draw(st.sampled_from([*AUTHORS, None])),
            "status": draw(st.sampled_from(["published"] * 6 + ["draft", "retracted"])),
            "published": f"2022-06-{day:02d} {hour:02d}:00",
        }
        if draw(st.booleans()):
            changes["tags"] = draw(st.lists(st.sampled_from(["bóng đá", "kinh tế", "Hà Nội"])))
        records.append(record(n, **changes))
    return records


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=portals(),
    page_size=st.sampled_from([3, 5, 100]),
    tag_feeds=st.sampled_from([{}, {"tag_feed_min_articles": 2}]),
)
@example(records=[record(0, status="draft")], page_size=3, tag_feeds={})
def test_build_and_a_first_publish_write_the_same_bytes(
    records: list[dict[str, Any]], page_size: int, tag_feeds: dict[str, int]
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        portal = catalogue(root, archive_page_size=page_size, related_count=1, **tag_feeds)
        source = write_records(root / "export.jsonl", records)
        built = build(portal, [source], root / "built", now=NOW, workers=1)
        published = publish(
            portal, [source], store_path=root / "s.sqlite", out_dir=root / "published", now=NOW
        )
        assert not built.rejected, built.rejected
        if not any(r["status"] == "published" for r in records):
            # Nothing to show: build writes nothing rather than empty feeds (it may be run
            # over a published portal); a first publish starts the portal's empty feeds.
            assert built.exit_code is ExitCode.FAILED and not files_of(root / "built")
            assert published.exit_code is ExitCode.OK
            return
        assert built.exit_code is published.exit_code
        assert files_of(root / "built") == files_of(root / "published")


def test_the_bundled_sample_builds_and_publishes_the_same_bytes(tmp_path: Path) -> None:
    sample = load_config()
    assert build(sample, out_dir=tmp_path / "built").exit_code is ExitCode.OK
    result = publish(
        sample, sample.sources, store_path=tmp_path / "s.sqlite", out_dir=tmp_path / "pub"
    )
    assert result.exit_code is ExitCode.OK, result.summary()
    built = files_of(tmp_path / "built")
    assert [p for p in built if "/archive/" in p], "the sample's main feed has full pages"
    assert [p for p in built if p.endswith(".gz")], "both write .gz siblings"
    assert built == files_of(tmp_path / "pub")


def edited(n: int, day: int, **changes: Any) -> dict[str, Any]:
    """Article ``n`` as an editor left it on ``day``: a newer ``updated`` of its own."""
    return record(n, updated=f"2022-07-{day:02d} 09:{n % 60:02d}", **changes)


def cron_days() -> list[list[dict[str, Any]]]:
    """The export as cron reads it on each day: new articles, title and URL edits,
    retractions and an un-retraction, a move to another section, a change of author."""
    day1 = [record(n) for n in range(20)]
    day2 = [*day1[:3], edited(3, 2, title="Bài viết số 3 (đã sửa)"), *day1[4:], record(20)]
    day3 = list(day2)
    day3[5] = edited(5, 3, url="https://hnp.example.vn/thoi-su/bai-viet-5-moi.html")
    day3[7] = edited(7, 3, status="retracted")
    day3[8] = edited(8, 3, status="retracted")
    day4 = list(day3)
    day4[8] = edited(8, 4)  # back again
    day4[9] = edited(9, 4, category={"slug": "the-thao", "name": "Thể thao"})
    day4[10] = edited(10, 4, author="Lan Anh")
    day4 += [record(21), record(22)]
    return [day1, day2, day3, day4]


def test_weeks_of_cron_end_where_a_build_of_the_final_records_starts(tmp_path: Path) -> None:
    portal = catalogue(tmp_path, archive_page_size=4, related_count=1)
    out = tmp_path / "feeds"
    days = cron_days()
    ids: dict[str, str] = {}
    for day, records in enumerate(days, start=1):
        now = NOW + timedelta(days=day)
        source = write_records(tmp_path / f"export-{day}.jsonl", records)
        result = publish(portal, [source], out_dir=out, now=now, workers=1)
        assert result.exit_code is ExitCode.OK, result.summary()
        for relpath, data in files_of(out).items():  # every published file valid, every day
            if relpath.endswith((".xml", ".json")) and "/" in relpath:
                report = validate(data, base_url=portal.site.feeds_url + relpath)
                assert report.ok, (day, relpath, [m.to_dict() for m in report.errors])
        main = json.loads((out / "tin-moi" / "feed.json").read_bytes())
        for item in main["items"]:  # an entry id never changes
            assert ids.setdefault(item["url"].rsplit("/", 1)[-1], item["id"]) == item["id"]
    # Once the retractions' tombstones have expired, nothing the store remembers shows.
    later = NOW + timedelta(days=len(days)) + TOMBSTONE_TTL + timedelta(days=1)
    assert publish(portal, out_dir=out, now=later).exit_code is ExitCode.OK
    final = write_records(tmp_path / "final.jsonl", days[-1])
    built = build(portal, [final], tmp_path / "built", now=later, workers=1)
    assert built.exit_code is ExitCode.OK
    expected, got = files_of(tmp_path / "built"), files_of(out)
    for relpath, data in expected.items():
        assert got.get(relpath) == data, relpath
    # What only cron has: the feeds a section or an author left (kept, emptied).
    for relpath in sorted(set(got) - set(expected)):
        if relpath.endswith("feed.json"):
            assert json.loads(got[relpath])["items"] == [], relpath

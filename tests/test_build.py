"""The pipeline end to end on the bundled sample portal, read back by feedparser."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import feedparser
import pytest

from hnp_feeds.config import Catalogue, load_config
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import build

from .portal import articles_as_published, write_local_mean_time

BAD_RECORDS = Path(__file__).parent / "data" / "bad_records.jsonl"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_config()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, catalogue: Catalogue) -> Path:
    out = tmp_path_factory.mktemp("feeds")
    result = build(catalogue, out_dir=out)
    assert result.exit_code is ExitCode.OK, (result.rejected, result.invalid)
    assert not result.warnings, {k: r.messages for k, r in result.warnings.items()}
    return out


def feed_dirs(out: Path) -> list[Path]:
    return sorted(p.parent for p in out.glob("*/atom.xml"))


def test_sample_builds_main_category_and_author_feeds(built: Path) -> None:
    slugs = {d.name for d in feed_dirs(built)}
    assert "tin-moi" in slugs
    assert len([s for s in slugs if s.startswith("tac-gia-")]) >= 4
    assert len(slugs) >= 1 + 5 + 4
    for directory in feed_dirs(built):
        assert {"atom.xml", "rss.xml", "feed.json"} <= {p.name for p in directory.iterdir()}


def test_every_feed_parses_cleanly_with_related_links(built: Path) -> None:
    for directory in feed_dirs(built):
        for name in ("atom.xml", "rss.xml"):
            parsed = feedparser.parse((directory / name).read_bytes())
            assert parsed.bozo == 0, (directory.name, name, parsed.get("bozo_exception"))
            assert parsed.entries, (directory.name, name)
            for entry in parsed.entries:
                related = [link for link in entry.links if link.get("rel") == "related"]
                assert related, (directory.name, name, entry.id)
                assert all(link.href.startswith("https://") for link in related)
                assert unicodedata.is_normalized("NFC", entry.title)


def test_every_time_carries_the_local_offset(built: Path) -> None:
    for directory in feed_dirs(built):
        atom = (directory / "atom.xml").read_text(encoding="utf-8")
        rss = (directory / "rss.xml").read_text(encoding="utf-8")
        atom_times = re.findall(r"<(?:updated|published)>([^<]+)<", atom)
        rss_times = re.findall(r"<(?:pubDate|lastBuildDate)>([^<]+)<", rss)
        assert atom_times and rss_times
        assert all(t.endswith("+07:00") for t in atom_times), atom_times
        assert all(t.endswith("+0700") for t in rss_times), rss_times


def test_atom_rss_and_json_hold_the_same_ids_in_the_same_order(built: Path) -> None:
    import json

    for directory in feed_dirs(built):
        atom_ids = [e.id for e in feedparser.parse((directory / "atom.xml").read_bytes()).entries]
        rss_ids = [e.id for e in feedparser.parse((directory / "rss.xml").read_bytes()).entries]
        doc = json.loads((directory / "feed.json").read_text(encoding="utf-8"))
        json_ids = [item["id"] for item in doc["items"]]
        assert atom_ids == rss_ids == json_ids
        assert all(i.startswith("tag:hnp.example.vn,") for i in atom_ids)


def test_building_twice_gives_identical_bytes_and_touches_nothing(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    first = build(catalogue, out_dir=tmp_path / "a")
    snapshot = {p: p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    mtimes = {p: p.stat().st_mtime_ns for p in snapshot}
    second = build(catalogue, out_dir=tmp_path / "a")
    assert first.written and not second.written
    assert len(second.unchanged) == len(first.written)
    assert {p: p.read_bytes() for p in snapshot} == snapshot
    assert {p: p.stat().st_mtime_ns for p in snapshot} == mtimes


def test_bad_records_are_reported_and_the_rest_published(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    result = build(catalogue, [*catalogue.sources, BAD_RECORDS], tmp_path)
    assert result.rejected
    for record in result.rejected:
        assert record.source.endswith(".jsonl")
        assert re.fullmatch(r"\d+", record.position), record.position
        assert record.reason
    reasons = " ".join(r.reason.lower() for r in result.rejected)
    for expected in ("title", "date", "url", "duplicate"):
        assert expected in reasons, (expected, reasons)
    assert not result.invalid
    assert (tmp_path / "tin-moi" / "atom.xml").exists()
    # Repaired, published, and said so: control characters and a script in the body.
    assert any("control characters" in line for line in result.cleaned), result.cleaned
    assert any("scripts" in line for line in result.cleaned), result.cleaned
    assert all(re.match(r".*bad_records\.jsonl:\d+: ", line) for line in result.cleaned)


def test_an_invalid_feed_writes_nothing_and_keeps_the_old_files(
    tmp_path: Path, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    build(catalogue, out_dir=tmp_path)
    main_atom = tmp_path / "tin-moi" / "atom.xml"
    before = main_atom.read_bytes()

    write_local_mean_time(monkeypatch)
    result = build(catalogue, out_dir=tmp_path)
    assert result.invalid
    assert not result.written
    assert main_atom.read_bytes() == before


def test_articles_without_related_links_get_computed_ones(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    import json

    records = [
        {
            "id": f"r{n}",
            "url": f"https://hnp.example.vn/tin/r{n}.html",
            "title": title,
            "summary": summary,
            "category": "Đô thị",  # not "Giao thông": the declared feed giao-thong has that slug
            "tags": ["Ngập úng"] if "ngập" in title.lower() else ["Lễ hội"],
            "published": f"2024-07-0{n} 08:00",
        }
        for n, (title, summary) in enumerate(
            [
                ("Mưa lớn gây ngập úng nhiều tuyến phố", "Nhiều tuyến phố ngập úng sau mưa lớn."),
                ("Lễ hội hoa sen khai mạc", "Lễ hội hoa sen thu hút du khách."),
                ("Khắc phục ngập úng tại nội thành", "Thành phố khắc phục ngập úng sau mưa lớn."),
            ],
            start=1,
        )
    ]
    # The oldest has nothing older to point at: the portal policy wants a link, so the
    # editors give one by hand.
    records[0]["related"] = [{"url": "https://hnp.example.vn/giao-thong/", "title": "Giao thông"}]
    source = tmp_path / "no-related.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")
    result = build(catalogue, [source], tmp_path / "out")
    assert result.exit_code is ExitCode.OK, (result.rejected, result.invalid)
    parsed = feedparser.parse((tmp_path / "out" / "tin-moi" / "atom.xml").read_bytes())
    newest = parsed.entries[0]
    assert newest.link == "https://hnp.example.vn/tin/r3.html"
    related = [link.href for link in newest.links if link.get("rel") == "related"]
    assert related[0] == "https://hnp.example.vn/tin/r1.html"  # the other flooding story


def test_scheduled_articles_wait_and_future_updates_are_refused(
    tmp_path: Path, catalogue: Catalogue
) -> None:
    import json
    from datetime import UTC, datetime, timedelta

    related = [{"url": "https://hnp.example.vn/", "title": "Trang chủ"}]
    base = {"category": "Thời sự", "summary": "Tóm tắt.", "related": related}
    records = [
        {**base, "id": "now-1", "title": "Đã đăng", "published": "2024-05-01 08:00"},
        {**base, "id": "later-1", "title": "Hẹn giờ", "published": "2099-01-01 08:00"},
        {
            **base,
            "id": "skew-1",
            "title": "Đồng hồ CMS chạy nhanh",
            "published": "2024-05-02 08:00",
            "updated": "2099-01-01 09:00",
        },
    ]
    for record in records:
        record["url"] = f"https://hnp.example.vn/tin/{record['id']}.html"
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), "utf-8")

    result = build(catalogue, [source], tmp_path / "out")
    assert not result.invalid  # a scheduled article never blocks the feeds
    assert [record_id for record_id, _ in result.scheduled] == ["later-1"]
    (refused,) = result.rejected
    assert (refused.position, refused.record_id) == ("3", "skew-1")
    assert "in the future" in refused.reason
    ids = [e.id for e in feedparser.parse((tmp_path / "out/tin-moi/atom.xml").read_bytes()).entries]
    assert ids == ["tag:hnp.example.vn,2024-05-01:article/now-1"]

    # Once its time has come, the scheduled article is published like any other.
    later = datetime(2099, 1, 1, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
    articles, _ = articles_as_published(catalogue, [source], now=later + timedelta(hours=1))
    assert {a.id for a in articles} == {"now-1", "later-1", "skew-1"}

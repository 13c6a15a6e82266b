"""publish checks what it renders against the portal policy too, as ``build`` does."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import feedparser
import pytest

from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish
from hnp_feeds.store import open_store
from hnp_feeds.timezone import localize
from hnp_feeds.validator import validate

from .portal import (
    catalogue,
    record,
    record_with_a_space_in_its_url,
    write_local_mean_time,
    write_records,
)

NOW = localize(datetime(2022, 7, 1, 8, 0))
OLD = 1_000_000_000


def test_a_feed_with_local_mean_time_offsets_is_refused_and_the_old_files_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = catalogue(tmp_path)
    records = [record(n) for n in range(12)]
    first = publish(portal, [write_records(tmp_path / "a.jsonl", records)], now=NOW, workers=1)
    assert first.exit_code is ExitCode.OK, first.summary()
    files = {p: p.read_bytes() for p in portal.out_dir.rglob("*") if p.is_file()}
    for path in files:
        os.utime(path, (OLD, OLD))

    write_local_mean_time(monkeypatch)
    records[3] = record(3, title="Bài viết đã sửa")
    result = publish(portal, [write_records(tmp_path / "b.jsonl", records)], now=NOW, workers=1)
    assert result.exit_code is ExitCode.INVALID
    atom = result.invalid["tin-moi/atom.xml"]
    assert "OffsetNotLocal" in {m.code for m in atom.errors}
    for path, data in files.items():
        assert path.read_bytes() == data, path
        assert path.stat().st_mtime == OLD, path


def test_an_article_whose_own_entry_fails_is_withheld_and_the_rest_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = catalogue(tmp_path, related_count=1)
    records = [record(n) for n in range(8)]
    records[3] = record_with_a_space_in_its_url(monkeypatch, 3)
    source = write_records(tmp_path / "a.jsonl", records)
    first = publish(portal, [source], now=NOW, workers=1)
    assert first.exit_code is ExitCode.REJECTED, first.summary()
    (withheld,) = first.withheld
    assert (withheld.source, withheld.position, withheld.record_id) == (str(source), "4", "1003")
    assert "InvalidUriChar" in withheld.reason and "withheld" in withheld.reason
    assert not first.invalid  # every document was published without it
    main = feedparser.parse((portal.out_dir / "tin-moi" / "atom.xml").read_bytes())
    assert len(main.entries) == 7 and all("1003" not in e.id for e in main.entries)
    for path in portal.out_dir.rglob("*/*.xml"):  # the feeds (the sitemaps are none)
        relpath = path.relative_to(portal.out_dir).as_posix()
        assert validate(path.read_bytes(), portal.site.feeds_url + relpath).ok, relpath
        assert b"bai viet 3" not in path.read_bytes(), relpath  # nor recommended anywhere
    sitemaps = [p.read_bytes() for p in portal.out_dir.glob("*sitemap*.xml")]
    assert len(sitemaps) == 3 and not [s for s in sitemaps if b"bai viet 3" in s]  # nor listed
    assert b"bai-viet-2.html" in (portal.out_dir / "sitemap-1.xml").read_bytes()
    with open_store(portal.store_path) as store:  # kept with the rejected records
        assert [(p, "InvalidUriChar" in r) for _, p, r, _ in store.rejected()] == [("4", True)]
    # The next run with the same export: nothing new, said once.
    again = publish(portal, [source], now=NOW, workers=1)
    assert again.exit_code is ExitCode.OK and again.withheld == [] and again.written == []
    # The editors fix the URL: the article is published like any other.
    records[3] = record(3, url="https://hnp.example.vn/thoi-su/bai-viet-3.html")
    fixed = publish(portal, [write_records(tmp_path / "b.jsonl", records)], now=NOW, workers=1)
    assert fixed.exit_code is ExitCode.OK, fixed.summary()
    main = feedparser.parse((portal.out_dir / "tin-moi" / "atom.xml").read_bytes())
    assert len(main.entries) == 8

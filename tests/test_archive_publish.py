"""Archive pages through cron's path: publish (real SQLite store in tmp_path) with
``ArchiveExtras`` writes the same full pages as a full build, and they validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from hnp_feeds.archive import ArchiveExtras
from hnp_feeds.build import build
from hnp_feeds.config import load_config
from hnp_feeds.publish import publish
from hnp_feeds.store import SQLiteStore
from hnp_feeds.validator import validate


def test_publish_writes_full_pages_that_validate(tmp_path: Path) -> None:
    catalogue = load_config()
    out = tmp_path / "feeds"
    result = publish(
        catalogue,
        catalogue.sources,
        store_path=tmp_path / "store.sqlite",
        out_dir=out,
        extras=ArchiveExtras(),
    )
    assert not result.invalid
    pages = sorted(out.glob("*/archive/*.xml"))
    size = catalogue.site.archive_page_size
    assert [p.name for p in pages] == ["1.xml", "2.xml", "3.xml"]  # 68 published, pages of 20
    for page in pages:
        data = page.read_bytes()
        assert data.count(b"<entry>") == size
        relpath = str(page.relative_to(out))
        assert validate(data, base_url=catalogue.site.feeds_url + relpath).errors == []


@pytest.mark.skipif(
    not hasattr(SQLiteStore, "select_history"),
    reason="the store has no select_history yet: retracted articles lose their archive slot "
    "in publish, so its pages differ from build's where a retraction precedes them",
)
def test_publish_writes_the_pages_a_build_writes(tmp_path: Path) -> None:
    catalogue = load_config()
    built = tmp_path / "built"
    assert build(catalogue, out_dir=built).ok
    published = tmp_path / "published"
    result = publish(
        catalogue,
        catalogue.sources,
        store_path=tmp_path / "store.sqlite",
        out_dir=published,
        extras=ArchiveExtras(),
    )
    assert not result.invalid
    pages = sorted(p.relative_to(built) for p in built.glob("*/archive/*.xml"))
    assert pages, "the sample's main feed has full pages"
    assert sorted(p.relative_to(published) for p in published.glob("*/archive/*.xml")) == pages
    for page in pages:
        data = (published / page).read_bytes()
        assert data == (built / page).read_bytes(), page
        report = validate(data, base_url=catalogue.site.feeds_url + str(page))
        assert report.errors == [], page


def test_a_second_publish_leaves_the_pages_alone(tmp_path: Path) -> None:
    catalogue = load_config()
    out = tmp_path / "feeds"
    store = tmp_path / "store.sqlite"
    publish(catalogue, catalogue.sources, store_path=store, out_dir=out, extras=ArchiveExtras())
    mtimes = {p: p.stat().st_mtime_ns for p in out.glob("*/archive/*.xml")}
    again = publish(
        catalogue, catalogue.sources, store_path=store, out_dir=out, extras=ArchiveExtras()
    )
    assert not again.invalid
    assert {p: p.stat().st_mtime_ns for p in out.glob("*/archive/*.xml")} == mtimes

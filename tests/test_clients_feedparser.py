"""Every bundled feed document, built by ``hnp_feeds.build.build`` and read back by
feedparser (JSON Feed with the json module), agrees with the records field by field:
id, title, instants, link, related links, author, categories."""

from __future__ import annotations

from pathlib import Path

import pytest

from hnp_feeds.config import Catalogue, load_config
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import build

from .archive_walk import walk_archives
from .clients.fidelity import (
    Reading,
    compare,
    feed_files,
    format_of,
    read_with_feedparser,
    records_by_id,
)
from .portal import articles_as_published


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Catalogue, Path]:
    catalogue = load_config()
    out = tmp_path_factory.mktemp("feeds")
    result = build(catalogue, out_dir=out)
    assert result.exit_code is ExitCode.OK, (result.rejected, list(result.invalid))
    return catalogue, out


@pytest.fixture(scope="module")
def readings(built: tuple[Catalogue, Path]) -> dict[str, list[Reading]]:
    _, out = built
    return {relpath: read_with_feedparser(out, relpath) for relpath in feed_files(out)}


def test_every_document_is_read(readings: dict[str, list[Reading]]) -> None:
    formats = {format_of(relpath) for relpath in readings}
    assert formats == {"atom", "rss", "json"}
    assert any("/archive/" in relpath for relpath in readings)
    assert len(readings) >= 3 * 10
    for relpath, seen in readings.items():
        assert seen, f"{relpath}: no entries"


def test_every_field_of_every_entry_matches_its_record(
    built: tuple[Catalogue, Path], readings: dict[str, list[Reading]]
) -> None:
    catalogue, _ = built
    articles, _ = articles_as_published(catalogue)
    records = records_by_id(catalogue.site, articles)
    differences = [
        str(difference)
        for relpath, seen in readings.items()
        for difference in compare("feedparser", relpath, seen, catalogue.site, records)
    ]
    assert differences == []
    checked = sum(len(seen) for seen in readings.values())
    assert checked > 500


def test_the_three_formats_of_a_feed_hold_the_same_entries_in_order(
    readings: dict[str, list[Reading]],
) -> None:
    slugs = {relpath.split("/")[0] for relpath in readings}
    for slug in slugs:
        ids = [
            [r.id for r in readings[f"{slug}/{name}"]]
            for name in ("atom.xml", "rss.xml", "feed.json")
        ]
        assert ids[0] == ids[1] == ids[2], slug


def test_a_walk_of_the_main_feed_archives_finds_every_published_article_once(
    built: tuple[Catalogue, Path],
) -> None:
    catalogue, out = built
    feeds_url = catalogue.site.feeds_url

    def fetch(url: str) -> bytes:
        assert url.startswith(feeds_url)
        return (out / url[len(feeds_url) :]).read_bytes()

    walk = walk_archives(fetch, f"{feeds_url}{catalogue.main_slug}/atom.xml")
    articles, _ = articles_as_published(catalogue)
    published = records_by_id(catalogue.site, [a for a in articles if a.url])
    assert walk.problems == [] and walk.repeated == []
    assert len(walk.documents) > 1
    assert sorted(walk.entry_ids) == sorted(published)

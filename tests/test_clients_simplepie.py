"""The bundled feeds read by SimplePie (Debian's libphp-simplepie, FreshRSS's parser
family) agree with the records; skipped where PHP or SimplePie is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from hnp_feeds.config import load_config
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import build

from .clients.compare import known_fault
from .clients.fidelity import (
    compare,
    feed_files,
    read_with_simplepie,
    records_by_id,
    simplepie_available,
    simplepie_dump,
)
from .portal import articles_as_published

WHY_NOT = simplepie_available()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=f"SimplePie: {WHY_NOT}")


def test_simplepie_reads_every_xml_document_like_the_records(tmp_path: Path) -> None:
    catalogue = load_config()
    assert build(catalogue, out_dir=tmp_path).exit_code is ExitCode.OK
    articles, _ = articles_as_published(catalogue)
    records = records_by_id(catalogue.site, articles)
    relpaths = feed_files(tmp_path)
    readings = read_with_simplepie(tmp_path, relpaths)
    assert len(readings) == len([r for r in relpaths if not r.endswith(".json")])
    unexplained = []
    for relpath, seen in readings.items():
        assert seen, relpath
        published = {s.id: s.published for s in seen}
        for difference in compare("simplepie", relpath, seen, catalogue.site, records):
            if known_fault(difference, published.get(difference.entry)) is None:
                unexplained.append(str(difference))
    assert unexplained == []


def test_simplepie_sees_the_portals_logo_and_rights_through_the_stylesheet(
    tmp_path: Path,
) -> None:
    catalogue = load_config()
    assert build(catalogue, out_dir=tmp_path).exit_code is ExitCode.OK
    files = ["tin-moi/atom.xml", "tin-moi/rss.xml"]
    assert all(b"<?xml-stylesheet" in (tmp_path / f).read_bytes() for f in files)
    site = catalogue.site
    for relpath, seen in simplepie_dump(tmp_path, files).items():
        assert seen["ok"], (relpath, seen["error"])
        assert (seen["title"], seen["image"], seen["copyright"]) == (
            site.title,
            site.logo,
            site.rights,
        ), relpath
        labels = {c["label"] for item in seen["items"] for c in item["categories"]}
        assert "Thời sự" in labels, relpath  # the Vietnamese name, not the slug

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

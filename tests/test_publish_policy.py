"""publish checks what it renders against the portal policy too, as ``build`` does."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from hnp_feeds.errors import ExitCode
from hnp_feeds.model import Site
from hnp_feeds.publish import publish
from hnp_feeds.publish import render as render_module
from hnp_feeds.timezone import localize
from hnp_feeds.writers import FeedDocument

from .portal import catalogue, record, write_records

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

    real = render_module.render_formats

    def pytz_replace(site: Site, document: FeedDocument) -> dict[str, bytes]:
        """What ``replace(tzinfo=pytz.timezone(...))`` would have written: +07:07."""
        return {k: v.replace(b"+07:00", b"+07:07") for k, v in real(site, document).items()}

    monkeypatch.setattr(render_module, "render_formats", pytz_replace)
    records[3] = record(3, title="Bài viết đã sửa")
    result = publish(portal, [write_records(tmp_path / "b.jsonl", records)], now=NOW, workers=1)
    assert result.exit_code is ExitCode.INVALID
    atom = result.invalid["tin-moi/atom.xml"]
    assert "OffsetNotLocal" in {m.code for m in atom.errors}
    for path, data in files.items():
        assert path.read_bytes() == data, path
        assert path.stat().st_mtime == OLD, path

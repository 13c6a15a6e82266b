"""Every file publish writes gets a ``.gz`` sibling (nginx ``gzip_static``), written only
when the file changed, and never left stale behind its file."""

from __future__ import annotations

import gzip
import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hnp_feeds import precompress
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish
from hnp_feeds.timezone import localize

from .portal import catalogue, record, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))
OLD = 1_000_000_000


def test_every_written_file_has_a_matching_gz_that_moves_only_with_it(tmp_path: Path) -> None:
    portal = catalogue(tmp_path, archive_page_size=5)
    records = [record(n) for n in range(12)]
    first = publish(portal, [write_records(tmp_path / "a.jsonl", records)], now=NOW)
    assert first.exit_code is ExitCode.OK, first.summary()
    published = [p for p in portal.out_dir.rglob("*") if p.is_file() and p.suffix != ".gz"]
    assert any("/archive/" in p.as_posix() for p in published)
    for path in published:
        sibling = path.with_name(path.name + ".gz")
        assert gzip.decompress(sibling.read_bytes()) == path.read_bytes(), path
        os.utime(path, (OLD, OLD))
        os.utime(sibling, (OLD, OLD))
    before = {path: path.read_bytes() for path in published}
    url = records[4]["url"].encode()
    records[4] = record(4, title="Tiêu đề mới")  # category kinh-te
    later = publish(
        portal, [write_records(tmp_path / "b.jsonl", records)], now=NOW + timedelta(hours=1)
    )
    assert later.exit_code is ExitCode.OK
    for path in published:
        sibling = path.with_name(path.name + ".gz")
        assert gzip.decompress(sibling.read_bytes()) == path.read_bytes(), path
        changed = path in later.written
        assert (sibling.stat().st_mtime != OLD) == changed, path
        assert (path.stat().st_mtime != OLD) == changed, path
    assert portal.out_dir / "kinh-te" / "atom.xml" in later.written
    # Written again: the documents that show it, as an entry or as a related post.
    # (And the sitemap index, for the new lastmod of the page that names it.)
    for path in published:
        if path.suffix in (".xml", ".json") and path.name not in ("feeds.opml", "sitemap.xml"):
            assert (path in later.written) == (url in before[path]), path
    assert portal.out_dir / "sitemap.xml" in later.written


class Killed(BaseException):
    """Stands for SIGKILL between a file's rename and its sibling's."""


def test_a_gz_left_stale_by_a_killed_run_is_written_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = catalogue(tmp_path)
    records = [record(n) for n in range(6)]
    publish(portal, [write_records(tmp_path / "a.jsonl", records)], now=NOW, workers=1)
    atom = portal.out_dir / "tin-moi" / "atom.xml"
    sibling = atom.with_name("atom.xml.gz")
    old_gz = sibling.read_bytes()

    def killed(path: Path, data: bytes) -> bool:
        raise Killed

    monkeypatch.setattr(precompress, "write_gzip_sibling", killed)
    records[0] = record(0, title="Tiêu đề mới")
    with pytest.raises(Killed):
        publish(portal, [write_records(tmp_path / "b.jsonl", records)], now=NOW, workers=1)
    monkeypatch.undo()
    assert "Tiêu đề mới" in atom.read_text(encoding="utf-8")
    assert sibling.read_bytes() == old_gz  # stale: the run died in between
    again = publish(portal, now=NOW, workers=1)  # no new input
    assert again.exit_code is ExitCode.OK
    assert atom not in again.written  # the file itself was already right
    assert gzip.decompress(sibling.read_bytes()) == atom.read_bytes()

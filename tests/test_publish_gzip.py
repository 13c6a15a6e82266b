"""Every file publish writes gets a ``.gz`` sibling (nginx ``gzip_static``), written only
when the file changed, and never left stale behind its file."""

from __future__ import annotations

import gzip
import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds import output, precompress
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish
from hnp_feeds.publish.plan import config_fingerprint
from hnp_feeds.store import open_store
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
    """Stands for SIGKILL (or a full disk) between two renames."""


def test_a_run_cut_between_a_gz_and_its_file_leaves_the_gz_ahead_never_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut after the new ``.gz`` is in place and before its file: the file still holds the
    previous complete document, the ``.gz`` the new one (never an older ``.gz`` beside a
    newer file, which nginx ``gzip_static`` would serve); the next run completes it."""
    portal = catalogue(tmp_path)
    records = [record(n) for n in range(6)]
    publish(portal, [write_records(tmp_path / "a.jsonl", records)], now=NOW, workers=1)
    atom = portal.out_dir / "tin-moi" / "atom.xml"
    sibling = atom.with_name("atom.xml.gz")
    old_atom = atom.read_bytes()
    real_replace = os.replace

    def cut_before_the_file(source: str, target: Any) -> None:
        if Path(target) == atom:
            new = Path(source).read_bytes()
            assert gzip.decompress(sibling.read_bytes()) == new  # its .gz is in place
            raise Killed
        real_replace(source, target)

    monkeypatch.setattr(output.os, "replace", cut_before_the_file)
    records[0] = record(0, title="Tiêu đề mới")
    with pytest.raises(Killed):
        publish(portal, [write_records(tmp_path / "b.jsonl", records)], now=NOW, workers=1)
    monkeypatch.undo()
    assert atom.read_bytes() == old_atom
    ahead = gzip.decompress(sibling.read_bytes())
    assert "Tiêu đề mới".encode() in ahead and ahead != old_atom
    again = publish(portal, now=NOW, workers=1)  # no new input
    assert again.exit_code is ExitCode.OK
    assert atom in again.written and atom.read_bytes() == ahead
    assert gzip.decompress(sibling.read_bytes()) == atom.read_bytes()


def test_a_gz_that_does_not_hold_its_file_is_written_again(tmp_path: Path) -> None:
    """A ``.gz`` truncated or removed beside an unchanged file is repaired by the next run
    that renders that file, which itself is left alone."""
    portal = catalogue(tmp_path)
    records = [record(n) for n in range(6)]
    publish(portal, [write_records(tmp_path / "a.jsonl", records)], now=NOW, workers=1)
    folder = portal.out_dir / "tin-moi"
    atom_gz = folder / "atom.xml.gz"
    atom_gz.write_bytes(atom_gz.read_bytes()[:20])
    (folder / "rss.xml.gz").unlink()
    with open_store(portal.store_path) as store:  # the feed is rendered again, unchanged
        main = store.feed_states()["tin-moi"].spec
        store.finish_publish([main], config_fingerprint(portal), NOW)
    again = publish(portal, now=NOW, workers=1)
    assert again.exit_code is ExitCode.OK and folder / "atom.xml" in again.unchanged
    for path in portal.out_dir.rglob("*.*"):
        if path.suffix != ".gz":
            packed = path.with_name(path.name + ".gz").read_bytes()
            assert gzip.decompress(packed) == path.read_bytes(), path


def test_gzip_bytes_are_the_same_every_time_with_no_name_or_time_in_the_header() -> None:
    """zlib-ng's gzip: any gzip reader opens it, and the same bytes give the same ``.gz``
    (an unchanged feed leaves its sibling untouched)."""
    data = "<feed>Bài viết số 1 về thời sự</feed>\n".encode() * 200
    packed = precompress.gzip_bytes(data)
    assert gzip.decompress(packed) == data
    assert packed == precompress.gzip_bytes(data)
    flags, mtime = packed[3], int.from_bytes(packed[4:8], "little")
    assert (flags, mtime) == (0, 0)  # no file name, no comment; mtime 0
    assert len(packed) < len(data) // 10

"""The pages of a cron run (issue 14.3): ``index.html`` remade from the cards of the feeds
whose newest entries did not change (kept in the store) and those of the others, byte for
byte the page a first publish of the same articles writes; the stylesheet and the
discovery fragments written again only when the list of feeds changes."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds.errors import ExitCode
from hnp_feeds.model import FeedSpec
from hnp_feeds.publish import publish
from hnp_feeds.publish.run import SNIPPETS
from hnp_feeds.store import SQLiteStore
from hnp_feeds.timezone import localize

from .portal import catalogue, record, write_records
from .test_pipeline import files_of

NOW = localize(datetime(2022, 7, 1, 8, 0))
KEPT = 'data-kept=""'


def _publish(root: Path, name: str, numbers: range, **changes: str) -> list[str]:
    """Records ``numbers`` (the last with ``changes``) published into ``root/name``: the
    files written, relative."""
    portal = catalogue(root)
    records = [record(n) for n in numbers[:-1]] + [record(numbers[-1], **changes)]
    export = write_records(root / f"{name}.jsonl", records)
    out = root / name
    done = publish(portal, [export], store_path=root / f"{name}.sqlite", out_dir=out, now=NOW)
    assert done.exit_code is ExitCode.OK, done.summary()
    return sorted(path.relative_to(out).as_posix() for path in done.written)


def _mark_card(store: Path, slug: str) -> None:
    with sqlite3.connect(store) as db:
        changed = db.execute(
            "UPDATE meta SET value = replace(value, '<h3 ', ?) WHERE key = ?",
            (f"<h3 {KEPT} ", f"card:{slug}"),
        ).rowcount
    assert changed == 1


def _pages(out: Path) -> dict[str, bytes]:
    """The pages beside the feeds: the index, the OPML, the stylesheet, the fragments."""
    return {
        name: data
        for name, data in files_of(out).items()
        if name.startswith(("index.html", "feeds.opml", "feed.xsl", "discovery/"))
    }


def _feeds(out: Path) -> set[str]:
    return {path.parent.name for path in out.glob("*/atom.xml")}


def _card(index: bytes, slug: str) -> str:
    text = index.decode()
    start = text.index(f'id="feed-{slug}"')
    return text[start : text.index("</article>", start)]


def test_a_cron_run_keeps_the_cards_of_unchanged_feeds_and_writes_a_first_publishs_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _publish(tmp_path, "cron", range(12))
    _publish(tmp_path, "first", range(13))
    _mark_card(tmp_path / "cron.sqlite", "kinh-te")  # not reached by article 12
    _mark_card(tmp_path / "cron.sqlite", "thoi-su")  # article 12's section
    read: list[str] = []
    newest_keys = SQLiteStore.newest_keys

    def newest_keys_noted(store: SQLiteStore, feed: FeedSpec, limit: int) -> Any:
        read.append(feed.slug)
        return newest_keys(store, feed, limit)

    monkeypatch.setattr(SQLiteStore, "newest_keys", newest_keys_noted)
    written = _publish(tmp_path, "cron", range(13))
    # Only the feeds article 12 reaches are looked at again (not one a card is kept for).
    assert "thoi-su" in read and "kinh-te" not in read
    assert len(set(read)) < len(_feeds(tmp_path / "cron")), read
    assert "index.html" in written
    index = (tmp_path / "cron" / "index.html").read_bytes()
    assert KEPT in _card(index, "kinh-te")  # kept: its entries were not read again
    assert KEPT not in _card(index, "thoi-su")  # made again from its new entries
    assert "số 12" in _card(index, "thoi-su")
    # But for the mark, every page is the first publish's.
    pages = _pages(tmp_path / "cron")
    pages["index.html"] = index.replace(f"<h3 {KEPT} ".encode(), b"<h3 ")
    del pages["index.html.gz"]  # the mark's too
    assert pages == {k: v for k, v in _pages(tmp_path / "first").items() if k != "index.html.gz"}


def test_the_stylesheet_and_discovery_fragments_are_written_when_the_feeds_change(
    tmp_path: Path,
) -> None:
    first = _publish(tmp_path, "cron", range(12))
    assert "feed.xsl" in first and "discovery/kinh-te.html" in first
    same_feeds = _publish(tmp_path, "cron", range(13))
    assert not [name for name in same_feeds if name.startswith(("discovery/", "feed.xsl"))]
    new_author = _publish(tmp_path, "cron", range(14), author="Tác giả Mới")
    assert "discovery/tac-gia-tac-gia-moi.html" in new_author, new_author
    _publish(tmp_path, "first", range(14), author="Tác giả Mới")
    assert _pages(tmp_path / "cron") == _pages(tmp_path / "first")


def test_the_index_pages_snippets_are_made_again_only_when_the_feeds_change(
    tmp_path: Path,
) -> None:
    """Kept in the store with what they were made of (the list of feeds): a run with the
    same feeds writes them as kept (a mark put in them shows), one with a new feed makes
    them again, the first publish's."""
    _publish(tmp_path, "cron", range(12))
    with sqlite3.connect(tmp_path / "cron.sqlite") as db:
        marked = db.execute(
            "UPDATE meta SET value = replace(value, '<pre class=', ?) WHERE key = ?",
            (f"<pre {KEPT} class=", SNIPPETS),
        ).rowcount
    assert marked == 1
    _publish(tmp_path, "cron", range(13))
    assert KEPT in (tmp_path / "cron" / "index.html").read_text(encoding="utf-8")
    _publish(tmp_path, "cron", range(14), author="Tác giả Mới")
    index = (tmp_path / "cron" / "index.html").read_text(encoding="utf-8")
    snippets = index[index.index('<pre class="snippet">') :]
    assert KEPT not in index and "tac-gia-tac-gia-moi/atom.xml" in snippets
    _publish(tmp_path, "first", range(14), author="Tác giả Mới")
    assert _pages(tmp_path / "cron") == _pages(tmp_path / "first")

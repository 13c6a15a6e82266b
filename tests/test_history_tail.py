"""A cron run reads a feed's history from its oldest change on (``store.history_tail``):
the pages before it are as the last publish left them.  Whatever changes (a new article,
an edit or a retraction in an old page, a move to another section, an article dated before
all others), the files are those of a run that reads every slot and renders every document;
a change made while a run publishes is read again by the next one."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from hnp_feeds.config import Catalogue
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import ingest, publish
from hnp_feeds.store import open_store

from .portal import CATEGORIES
from .test_archive_publish import MAIN, NOW, files_under, story, write_records

#: What the last publish did forgotten: the next one reads every slot and renders all.
WHOLE = "DELETE FROM meta WHERE key IN ('config', 'sitemaps')"


def portal_in(folder: Path) -> Catalogue:
    from .portal import catalogue

    return catalogue(folder, archive_page_size=5, entries_per_feed=3)


def publish_records(portal: Catalogue, folder: Path, records: list[dict[str, Any]], step: int):
    source = write_records(folder / "export.jsonl", records)
    result = publish(portal, [source], now=NOW + timedelta(minutes=5 * step), workers=1)
    assert result.exit_code is ExitCode.OK, (result.summary(), result.invalid)
    return result


def test_pages_read_from_the_end_are_those_of_a_whole_read(tmp_path: Path) -> None:
    tail, whole = tmp_path / "tail", tmp_path / "whole"
    for folder in (tail, whole):
        folder.mkdir()
    portals = {folder: portal_in(folder) for folder in (tail, whole)}
    records = {n: story(n) for n in range(17)}
    moved = CATEGORIES[(12 + 1) % len(CATEGORIES)]
    changes = [
        {},
        {
            17: story(17),
            3: story(3, title="Sửa ở trang một"),
            8: story(8, status="retracted"),
            12: story(12, category=dict(zip(("slug", "name"), moved, strict=True))),
        },
        {-1: story(-1), 8: story(8), 5: story(5, url="https://hnp.example.vn/tin/bai-5-moi.html")},
    ]
    for step, change in enumerate(changes):
        records.update(change)
        for folder, portal in portals.items():
            if folder == whole:
                with open_store(portal.store_path) as store, store.transaction() as db:
                    db.execute(WHOLE)
            publish_records(portal, folder, [records[n] for n in sorted(records)], step)
        assert files_under(tail / "feeds") == files_under(whole / "feeds"), step


def test_the_history_is_read_from_the_page_before_the_oldest_change(tmp_path: Path) -> None:
    portal = portal_in(tmp_path)
    records = [story(n) for n in range(17)]  # pages of 5: slots 0-4, 5-9, 10-14; 15-16
    publish_records(portal, tmp_path, records, 0)

    def tail() -> tuple[int, int, int]:
        with open_store(portal.store_path) as store:
            found = store.history_tail(MAIN, 5)
            return found.start, found.size, found.live

    assert tail() == (10, 17, 17)  # nothing changed: the last full page, then the rest
    records[12] = story(12, title="Sửa ở trang ba")
    ingest(portal, [write_records(tmp_path / "export.jsonl", records)], now=NOW)
    assert tail() == (5, 17, 17)  # page 3 changed, page 2 may gain a next link
    publish_records(portal, tmp_path, records, 1)
    assert tail() == (10, 17, 17)  # as published
    retracted = [*records[:1], story(1, status="retracted"), *records[2:]]
    ingest(portal, [write_records(tmp_path / "export.jsonl", retracted)], now=NOW)
    assert tail() == (0, 17, 16)  # the slot stays, empty


def test_a_change_made_while_a_run_publishes_is_read_again(tmp_path: Path) -> None:
    portal = portal_in(tmp_path)
    records = [story(n) for n in range(17)]
    publish_records(portal, tmp_path, records, 0)
    records[2] = story(2, title="Sửa ở trang một")
    publish_records(portal, tmp_path, records[:2] + records[3:], 1)  # 2 left alone, unchanged
    with open_store(portal.store_path) as store:
        seen = store.history_changes()
        assert seen == 0 and store.history_tail(MAIN, 5).start == 10
        with store.transaction() as db:  # as withholding an article does, mid-run
            db.execute("UPDATE articles SET live = 0 WHERE record_id = '1002'")
        assert store.history_tail(MAIN, 5).start == 0
        store.finish_publish([], "cfg", NOW, seen)
        assert store.history_tail(MAIN, 5).start == 0  # kept for the next run
        store.finish_publish([], "cfg", NOW, store.history_changes())
        assert store.history_tail(MAIN, 5).start == 10

"""A cron run counts a feed's history from the mark the last one left (``HistoryMark``:
the slots before its tail, counted), not over the whole history: the same start, size and
live count as a count of every slot, through new articles, edits, retractions, moves and
an article dated before all others; a mark that a change reaches is not used."""

from __future__ import annotations

from pathlib import Path

from hnp_feeds.publish import ingest
from hnp_feeds.store import HistoryTail, open_store

from .portal import CATEGORIES
from .test_archive_publish import MAIN, NOW, story, write_records
from .test_history_tail import portal_in, publish_records


def _counts(tail: HistoryTail) -> tuple[object, ...]:
    return tail.start, tail.slots, tail.size, tail.live


def test_the_history_counted_from_the_last_runs_mark_is_the_whole_count(tmp_path: Path) -> None:
    portal = portal_in(tmp_path)
    records = {n: story(n) for n in range(17)}
    moved = dict(zip(("slug", "name"), CATEGORIES[1], strict=True))
    changes = [
        {},
        {17: story(17), 18: story(18)},  # a first cron run: no mark yet
        {19: story(19)},  # new at the end: the mark holds
        {3: story(3, title="Sửa ở trang một"), 20: story(20)},  # before the mark
        {8: story(8, status="retracted"), 12: story(12, category=moved)},
        {-1: story(-1), 21: story(21)},  # dated before all others
    ]
    used: list[int] = []  # the slots each mark used counted
    refused: list[int] = []
    for step, change in enumerate(changes):
        records.update(change)
        source = write_records(tmp_path / "export.jsonl", [records[n] for n in sorted(records)])
        ingest(portal, [source], now=NOW)  # changed, not published yet
        with open_store(portal.store_path) as store:
            mark = store.history_marks().get(f"{MAIN.slug}:5")
            whole = store.history_tail(MAIN, 5)
            assert _counts(store.history_tail(MAIN, 5, mark)) == _counts(whole), step
            if mark is not None:  # a mark off by one: seen in the count when it is used
                wrong = mark._replace(before=mark.before + 1, live=mark.live + 1)
                if store.history_tail(MAIN, 5, wrong).size == whole.size + 1:
                    used.append(mark.before)
                else:
                    assert _counts(store.history_tail(MAIN, 5, wrong)) == _counts(whole)
                    refused.append(step)
        publish_records(portal, tmp_path, [records[n] for n in sorted(records)], step)
    # Step 2 counts from slot 10 on; 3 and 5 change slots before the marks they find; 4
    # finds the mark step 3 left at slot 0 (its read started there).
    assert (used, refused) == ([10, 0], [3, 5])

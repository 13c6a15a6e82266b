"""What a cron run reads of the store and of the output folder, once: the feeds' states and
every feed of the site once a pass, a feed's archive folder listed once, the meta keys of a
kind read as a range of their index (not a pass over every row, the index cards' text
included), and several writes of a step in one transaction."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds.errors import StoreError
from hnp_feeds.publish import run as run_module
from hnp_feeds.store import SQLiteStore, open_store

from .test_archive_publish import NOW, files_under, run, small_portal, story


def test_the_meta_keys_of_a_prefix_are_read_as_a_range_of_the_index(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as store:
        for key in ("card:a", "card:", "card;", "cards", "car", "CARD:b", "card:b"):
            store.set_meta(key, key.upper())
        assert store.meta_prefixed("card:") == {"a": "CARD:A", "": "CARD:", "b": "CARD:B"}
        plan = store.db.execute(
            "EXPLAIN QUERY PLAN SELECT key, value FROM meta WHERE key >= ? AND key < ?",
            ("card:", "card;"),
        ).fetchall()
        assert any("SEARCH meta USING INDEX" in str(row[-1]) for row in plan), plan


def test_a_publish_forgets_the_history_marks_and_nothing_else(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.sqlite") as store:
        for key in ("history-mark:tin-moi:5", "history-mark;", "history-marks", "card:x"):
            store.set_meta(key, "[]")
        store.finish_publish([], "config", NOW)
        assert store.meta_prefixed("history-mark") == {";": "[]", "s": "[]"}
        assert store.get_meta("card:x") == "[]"


def test_a_transaction_within_another_is_committed_or_rolled_back_with_it(
    tmp_path: Path,
) -> None:
    with open_store(tmp_path / "s.sqlite") as store:
        with store.transaction():
            store.set_meta("a", "1")
            with store.transaction() as db:
                db.execute("INSERT INTO meta (key, value) VALUES ('b', '2')")
            assert store.db.in_transaction  # the inner one did not commit
        assert (store.get_meta("a"), store.get_meta("b")) == ("1", "2")
        with pytest.raises(StoreError), store.transaction():
            store.set_meta("a", "changed")
            with store.transaction() as db:
                db.execute("INSERT INTO meta (key, value) VALUES ('b', '3')")  # not unique
        assert not store.db.in_transaction
        assert (store.get_meta("a"), store.get_meta("b")) == ("1", "2")
        store.set_meta("c", "3")  # the next one opens its own
        assert store.get_meta("c") == "3"


def test_a_cron_run_reads_the_states_every_feed_and_each_archive_folder_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = small_portal(tmp_path)
    records = [story(n) for n in range(17)]
    run(portal, tmp_path, records)
    calls: dict[str, int] = {}

    def counted(owner: Any, name: str) -> None:
        real = getattr(owner, name)

        def count(*args: Any, **kwargs: Any) -> Any:
            calls[name] = calls.get(name, 0) + 1
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, count)

    counted(SQLiteStore, "feed_states")
    counted(SQLiteStore, "archive_pages")
    counted(run_module, "site_feeds")
    result = run(portal, tmp_path, [*records, story(17), story(18)])
    assert result.written
    archived = sum(1 for feed in result.planned if (portal.out_dir / feed / "archive").is_dir())
    assert archived >= 2  # the main feed and a category
    assert calls == {"feed_states": 1, "site_feeds": 1, "archive_pages": archived}


def test_an_archive_page_taken_away_by_hand_is_written_again_by_the_next_run(
    tmp_path: Path,
) -> None:
    """The same files as the same runs give where nothing was taken away."""
    found = []
    for name in ("taken", "kept"):
        (tmp_path / name).mkdir()
        portal = small_portal(tmp_path / name)
        records = [story(n) for n in range(17)]  # 3 full pages of the main feed
        run(portal, tmp_path / name, records)
        pages = portal.out_dir / "tin-moi" / "archive"
        if name == "taken":
            (pages / "1.xml").unlink()
            (pages / "1.xml.gz").unlink()
        again = run(portal, tmp_path / name, [*records, story(17)])
        assert (pages / "1.xml" in again.written) is (name == "taken")
        found.append(files_under(portal.out_dir))
    assert found[0] == found[1]


def test_the_transactions_of_a_run_do_not_grow_with_the_feeds_it_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entries kept, the ledger's new ids and the feeds' states of a batch of documents
    are written in one transaction each step (they were three a feed)."""
    portal = small_portal(tmp_path)
    records = [story(n) for n in range(17)]
    run(portal, tmp_path, records)
    begun: list[str] = []
    publishing = [False]
    real_transaction, real_publish = SQLiteStore.transaction, run_module.Run.publish

    def transaction(store: SQLiteStore, *args: Any) -> Any:
        if publishing[0] and not getattr(store, "depth", 0):
            begun.append("begin")
        return real_transaction(store, *args)

    def publish(self: run_module.Run, result: Any) -> None:
        publishing[0] = True
        try:
            real_publish(self, result)
        finally:
            publishing[0] = False

    monkeypatch.setattr(SQLiteStore, "transaction", transaction)
    monkeypatch.setattr(run_module.Run, "publish", publish)
    result = run(portal, tmp_path, [*records, story(17), story(18)])
    assert len(result.planned) == 5
    assert len(begun) < 3 * len(result.planned), begun  # (18 when they were three a feed)
    with sqlite3.connect(portal.store_path) as db:
        states = db.execute("SELECT COUNT(*) FROM feed_state WHERE stale = 0").fetchone()[0]
        ids = db.execute("SELECT COUNT(*) FROM ledger").fetchone()[0]
    assert (states, ids) == (8, 19)  # every feed of the site; an id an article

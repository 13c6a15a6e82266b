"""What the publishing process does itself at a full publish, made cheaper without changing
a byte: the bodies of a batch of archive pages read together, an archive page handed its
Atom entries alone, the pass's plan left out of the cyclic collector's walks, the first
showings of the pages made one call a document."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.publish import run as run_module
from hnp_feeds.store import EntryRow, SQLiteStore, open_store

from .test_archive_publish import run, small_portal, story


def _before(
    monkeypatch: pytest.MonkeyPatch, owner: object, name: str, look: Callable[..., None]
) -> None:
    """``owner.name`` made to call ``look`` with its arguments first."""
    real = getattr(owner, name)

    def called(*args: Any, **kwargs: Any) -> Any:
        look(*args, **kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, called)


def test_entry_rows_come_in_the_order_asked_each_id_as_often_as_asked(tmp_path: Path) -> None:
    portal = small_portal(tmp_path)
    run(portal, tmp_path, [story(n) for n in range(4)])
    with open_store(portal.store_path) as store:
        ids = [row.record_id for row in store.entry_rows(["1003", "1001", "1000", "1002"])]
        rows = store.entry_rows(["1002", "1000", "1002", "1001", "1000"])
        assert ids == ["1003", "1001", "1000", "1002"]
        assert [row.record_id for row in rows] == ["1002", "1000", "1002", "1001", "1000"]
        assert rows[0] == rows[2] and isinstance(rows[0], EntryRow)
        assert rows[0].article().id == "1002"
        with pytest.raises(KeyError):
            store.entry_rows(["1000", "no such id"])


def test_a_batch_of_archive_pages_reads_its_bodies_in_one_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One ``entry_rows`` a batch of pages (32 documents), not one a page."""
    portal = small_portal(tmp_path)
    asked: list[int] = []
    pages: list[int] = []
    _before(monkeypatch, SQLiteStore, "entry_rows", lambda _, ids: asked.append(len(ids)))
    _before(monkeypatch, run_module.Run, "_hand_pages", lambda _, b, w: pages.append(len(b)))
    result = run(portal, tmp_path, [story(n) for n in range(21)])  # 3 full main pages
    archived = [p for p in result.written if p.parent.name == "archive"]
    assert len(archived) == sum(pages) > len(pages) >= 1
    # The batches' reads first (one each, every page's entries), then the others'.
    assert asked[: len(pages)] == [5 * n for n in pages]


def test_the_plan_is_left_out_of_the_collectors_walks_until_the_pass_ends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = small_portal(tmp_path)
    frozen: list[int] = []
    count = gc.get_freeze_count
    _before(
        monkeypatch, run_module.Run, "_publish_archive_pages", lambda *_: frozen.append(count())
    )
    before = count()
    run(portal, tmp_path, [story(n) for n in range(12)])
    assert frozen and min(frozen) > before
    assert count() == before  # back with the rest


def test_what_was_set_aside_is_back_with_the_rest_when_the_pass_fails() -> None:
    before = gc.get_freeze_count()
    with pytest.raises(RuntimeError), run_module._collected_later() as set_aside:
        alive = [object() for _ in range(10)]
        set_aside()
        assert gc.get_freeze_count() >= before + len(alive)
        raise RuntimeError("a fault in the pass")
    assert gc.get_freeze_count() == before


@settings(max_examples=60, deadline=None)
@given(
    shown=st.lists(st.lists(st.sampled_from("abcdefghij"), max_size=5, unique=True), max_size=12),
    size=st.integers(1, 4),
)
def test_a_batch_waits_for_the_one_before_when_it_shows_an_entry_first_shown_there(
    shown: list[list[str]], size: int
) -> None:
    """``_needs_batch_before`` (its first showings made in one call a document) says
    what the plain definition says: some entry of the batch first shows in the batch
    before it."""
    needs = run_module._needs_batch_before(shown, size)
    first: dict[str, int] = {}
    for index, record_ids in enumerate(shown):
        for record_id in record_ids:
            first.setdefault(record_id, index)
    for start in range(0, len(shown) + size, size):
        batch = start // size
        expected = any(
            first[record_id] // size == batch - 1
            for record_ids in shown[start : start + size]
            for record_id in record_ids
        )
        assert needs(start) is expected, (start, shown)
    assert run_module._first_shown(shown) == first


def test_an_archive_page_is_handed_its_atom_entries_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store keeps every format's entry of an article a current document shows; an
    archive page (Atom) is given only those of Atom, and a current document all three."""
    portal = small_portal(tmp_path)
    records = [story(n) for n in range(12)]
    run(portal, tmp_path, records)
    handed: list[tuple[int | None, set[str]]] = []
    real = run_module.Run._with_cache

    def with_cache(self: run_module.Run, *args: Any) -> Any:
        jobs = real(self, *args)
        handed.extend((job.page, {f for _, f in job.cached or {}}) for job in jobs)
        return jobs

    monkeypatch.setattr(run_module.Run, "_with_cache", with_cache)
    # Every entry changed: every page of the main feed and the current documents again.
    run(portal, tmp_path, [{**r, "title": r["title"] + " (sửa)"} for r in records])
    run(portal, tmp_path, [{**r, "summary": "HNP - Tóm tắt mới."} for r in records])
    pages = [formats for page, formats in handed if page is not None]
    current = [formats for page, formats in handed if page is None]
    assert pages and all(formats <= {"atom.xml"} for formats in pages)
    assert {"atom.xml"} in pages
    assert {"atom.xml", "rss.xml", "feed.json"} in current

"""The first pass of related posts on several cores (issue 14, item 1): a bulk's large adds
read in worker processes, the blocks of a pass scored on threads, the snapshot made on a
thread while the postings are written.  Whatever the number of workers, the index holds
the same bytes and every article gets the same links; a worker that dies leaves its
articles to the parent; a small bulk starts no worker."""

from __future__ import annotations

import os
import sqlite3
from concurrent.futures import ProcessPoolExecutor

import pytest

from hnp_feeds import forking, related, related_pass
from hnp_feeds.model import Link
from hnp_feeds.related import RelatedIndex

from .topics import Portal, generate

_TABLES = ("related_docs", "related_terms", "related_postings", "related_rare", "related_corpus")


def _first_pass(
    portal: Portal, workers: int, batch: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, list[tuple[object, ...]]], list[tuple[Link, ...]], int]:
    """A first fill of ``portal`` by adds of ``batch`` with ``workers`` processes and
    threads: the index's rows (as stored, bytes and all), every article's links, and how
    many pools were forked."""
    pools = []
    fork = forking.pool

    def counted(processes: int) -> ProcessPoolExecutor:
        pools.append(processes)
        return fork(processes)

    with monkeypatch.context() as patch:
        patch.setattr(related_pass, "PROCESSES", workers)
        patch.setattr(related_pass, "THREADS", workers)
        patch.setattr(related, "FEW_ARTICLES", 40)  # the numpy pass even for so few
        patch.setattr(related_pass, "FORK_AT", 50)  # and workers
        patch.setattr(related_pass, "_SEGMENT", 64)  # many segments, many blocks
        patch.setattr(forking, "pool", counted)
        index = RelatedIndex(sqlite3.connect(":memory:"))
        with index.bulk():
            for start in range(0, len(portal.articles), batch):
                index.add(portal.articles[start : start + batch])
        links = index.related_many(portal.articles, 5, index.snapshot())
    rows = {table: sorted(index.conn.execute(f"SELECT * FROM {table}")) for table in _TABLES}
    return rows, links, len(pools)


def test_one_or_two_workers_write_the_same_index_and_give_the_same_links(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    portal = generate(400, seed=3, live=2)  # stories of a year or two: links in the window
    alone, alone_links, alone_pools = _first_pass(portal, 1, 100, monkeypatch)
    assert alone_pools == 0
    assert sum(map(len, alone_links)) > 300
    for workers, batch in ((2, 100), (3, 70)):
        rows, links, pools = _first_pass(portal, workers, batch, monkeypatch)
        assert pools == 1  # forked once for the whole bulk
        assert links == alone_links, workers
        # Byte for byte: each article's terms in the order of their ids, whoever read them.
        assert rows == alone, workers


def test_each_articles_terms_are_kept_in_the_order_of_their_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(related, "FEW_ARTICLES", 40)
    portal = generate(200, seed=9)
    found = []
    # Adds of the numpy pass (one vocabulary, or several), of plain Python, of both.
    for sizes in ([200], [70, 70, 60], [30] * 7, [100, 30, 70]):
        index = RelatedIndex(sqlite3.connect(":memory:"))
        with index.bulk():
            start = 0
            for size in sizes:
                index.add(portal.articles[start : start + size])
                start += size
        for _, _, _, _, _, _, terms, _ in index.conn.execute("SELECT * FROM related_docs"):
            ids = [int.from_bytes(terms[n : n + 8], "little", signed=True)
                   for n in range(0, len(terms), 8)]  # fmt: skip
            assert ids == sorted(ids)
        found.append({table: sorted(index.conn.execute(f"SELECT * FROM {table}"))
                      for table in _TABLES})  # fmt: skip
    assert found[0] == found[1] == found[2] == found[3]


def _dies(texts: list[tuple[str, str, tuple[str, ...]]]) -> None:
    """In a worker: gone (killed, out of memory) before it answers."""
    os._exit(1)


def test_a_worker_that_dies_leaves_its_articles_to_the_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    portal = generate(200, seed=5, live=2)
    rows, links, _ = _first_pass(portal, 1, 100, monkeypatch)
    monkeypatch.setattr(related_pass, "_read", _dies)
    again, again_links, pools = _first_pass(portal, 2, 100, monkeypatch)
    assert pools == 1
    assert (again, again_links) == (rows, links)


def test_a_small_bulk_forks_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(processes: int) -> ProcessPoolExecutor:
        raise AssertionError("forked for a few articles")

    monkeypatch.setattr(related_pass, "PROCESSES", 2)
    monkeypatch.setattr(related, "FEW_ARTICLES", 40)
    monkeypatch.setattr(forking, "pool", refused)
    portal = generate(300, seed=2, live=2)
    index = RelatedIndex(sqlite3.connect(":memory:"))
    with index.bulk():  # adds of fewer than FORK_AT: read here
        for start in range(0, 300, 150):
            index.add(portal.articles[start : start + 150])
    assert related_pass.FORK_AT > 150
    assert sum(map(len, index.related_many(portal.articles, 5, index.snapshot()))) > 20
    # A cron run: from the postings, in plain Python.
    assert index.related_many(portal.articles[-10:], 5) == index.related_many(
        portal.articles[-10:], 5, index.snapshot()
    )
    assert related.FEW_ARTICLES >= 10

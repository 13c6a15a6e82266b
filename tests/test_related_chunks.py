"""A cron run's related-posts index (issue 14): a term's df apart from its list, the run's
entries a chunk more, chunks joined as a binary counter carries.  What a run writes stays
in proportion to what it adds, never a common term's whole list again, the postings read
back are those one add of every article gives, and a new article's terms are read once."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pytest import MonkeyPatch

from hnp_feeds.related import _MAX_CHUNKS, Entry, RelatedIndex, _merged
from hnp_feeds.related_text import article_terms
from hnp_feeds.store import open_store

from .topics import generate

_BASE = 1_500_000_000


def _entry(n: int, words: str = "lũ lụt miền trung") -> Entry:
    return Entry(f"a{n}", f"https://x.vn/{n}", f"{words} {n % 7}", "", (), None, _BASE + 60 * n)


def postings(conn: sqlite3.Connection) -> dict[int, tuple[int, bytes, bytes]]:
    """Each term's df and its postings as scoring reads them: its list, then its chunks."""
    found = {
        term: (df, docs, weights)
        for term, df, docs, weights in conn.execute(
            "SELECT id, df, docs, weights FROM related_terms JOIN related_lists USING (id)"
        )
    }
    for term, docs, weights in conn.execute(
        "SELECT term_id, docs, weights FROM related_postings ORDER BY term_id, chunk"
    ):
        df, d, w = found[term]
        found[term] = (df, d + docs, w + weights)
    return found


def test_the_carry_of_a_binary_counter() -> None:
    assert _merged([100, 1]) == 1  # nothing to join
    assert _merged([100, 1, 1]) == 1  # two of one: one of two
    assert _merged([100, 2, 1, 1]) == 1  # carried on: one of four
    assert _merged([100, 4, 2, 1]) == 3  # 2 > 1: none joined
    assert _merged([7, 4, 2, 1, 1]) == 0  # as many as its list: all one list
    assert _merged([100, *range(40, 20, -1), 1]) == _MAX_CHUNKS  # never more chunks


@settings(max_examples=60, deadline=None)
@given(runs=st.lists(st.integers(1, 30), min_size=1, max_size=300), listed=st.integers(1, 500))
def test_chunks_stay_few_and_an_entry_is_copied_a_few_times(runs: list[int], listed: int) -> None:
    """Whatever the runs add, a term has at most ``_MAX_CHUNKS`` chunks, and its list is
    written again only once its chunks hold as many entries as it does."""
    parts = [listed]
    rewrites = 0
    for added in runs:
        parts.append(added)
        first = _merged(parts)
        if first == 0:
            rewrites += 1
        parts[first:] = [sum(parts[first:])]
        assert len(parts) - 1 <= _MAX_CHUNKS
    assert sum(parts) == listed + sum(runs)
    # The list at least doubles from one rewrite to the next.
    assert 2**rewrites <= (listed + sum(runs)) / listed


@settings(max_examples=2, deadline=None)
@given(seed=st.integers(0, 10_000), sizes=st.lists(st.integers(1, 4), min_size=10, max_size=14))
def test_many_cron_runs_read_back_what_one_add_writes(seed: int, sizes: list[int]) -> None:
    """A portal indexed once, then a cron run after another: each term's df and postings
    (list, then chunks) are those one add of all the articles gives, and so are the
    links scored from them."""
    portal = generate(80 + sum(sizes), seed=seed).articles
    runs = RelatedIndex(sqlite3.connect(":memory:"))
    runs.add(portal[:80])
    start = 80
    for size in sizes:
        runs.add(portal[start : start + size])
        start += size
    once = RelatedIndex(sqlite3.connect(":memory:"))
    once.add(portal)
    found, expected = postings(runs.conn), postings(once.conn)
    assert {term: found[term] for term in expected} == expected
    # (A term of one article only: one add keeps it in a bucket, a later run in a row.)
    assert all(found[term][0] == 1 for term in found.keys() - expected.keys())
    (chunks,) = runs.conn.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM related_postings GROUP BY term_id)"
    ).fetchone()
    assert chunks is not None and 1 < chunks <= _MAX_CHUNKS  # chunks kept, and joined
    newest = portal[-12:]
    assert runs.related_many(newest, 3) == once.related_many(newest, 3, once.snapshot())


def _wal_pages(path: Path) -> int:
    size = path.with_name(path.name + "-wal").stat().st_size
    return max(0, size - 32) // (24 + 4096)


def test_a_cron_run_writes_no_common_terms_list_again(tmp_path: Path) -> None:
    """Ten runs of one article each whose every term 3,000 articles have: each run writes
    a few pages (its article, the terms' df, a chunk each), never the terms' lists (8
    pages each), as a df kept in the list's row did (SQLite writes a row again whole once
    its size changes) and a merge of every few runs' chunks into the list did."""
    path = tmp_path / "index.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    index = RelatedIndex(conn)
    index.add([_entry(n) for n in range(3000)])
    (lists,) = conn.execute(
        "SELECT sum(length(docs) + length(weights)) FROM related_lists"
    ).fetchone()
    assert lists > 7 * 8 * 4096
    written = []
    for n in range(3000, 3010):
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        index.add([_entry(n)])
        written.append(_wal_pages(path))
    assert max(written) < 16, written
    conn.close()


def test_a_version_14_store_keeps_its_terms_df_and_postings(tmp_path: Path) -> None:
    """The step to version 15 moves each term's list out of its row: the df, the
    postings (list, then chunks) and the runs' chunks as they were."""
    path = tmp_path / "s.sqlite"
    with open_store(path):
        pass
    db = sqlite3.connect(path, isolation_level=None)
    db.execute(  # as version 14 made it
        "CREATE TABLE related_terms (id INTEGER PRIMARY KEY, df INTEGER NOT NULL,"
        " chunks INTEGER NOT NULL DEFAULT 0, docs BLOB NOT NULL, weights BLOB NOT NULL)"
    )
    db.executemany(
        "INSERT INTO related_terms VALUES (?, ?, ?, ?, ?)",
        [(7, 3, 1, b"\x01" * 16, b"\x02" * 8), (-9, 2, 0, b"\x03" * 16, b"\x04" * 8)],
    )
    db.execute(
        "CREATE TABLE related_postings (term_id INTEGER NOT NULL, chunk INTEGER NOT NULL,"
        " docs BLOB NOT NULL, weights BLOB NOT NULL, PRIMARY KEY (term_id, chunk)) WITHOUT ROWID"
    )
    db.execute("INSERT INTO related_postings VALUES (7, 1, ?, ?)", (b"\x05" * 8, b"\x06" * 4))
    db.execute("PRAGMA user_version = 14")
    db.close()
    with open_store(path) as store:
        assert store.schema_version == 15
        assert postings(store.db) == {
            7: (3, b"\x01" * 16 + b"\x05" * 8, b"\x02" * 8 + b"\x06" * 4),
            -9: (2, b"\x03" * 16, b"\x04" * 8),
        }
        columns = [row[1] for row in store.db.execute("PRAGMA table_info(related_terms)")]
        assert columns == ["id", "df"]


def test_a_cron_run_reads_each_new_articles_terms_once(monkeypatch: MonkeyPatch) -> None:
    """Indexed, then scored: a new article's text is read into terms once, not twice."""
    from hnp_feeds import related

    portal = generate(60, seed=3).articles
    index = RelatedIndex(sqlite3.connect(":memory:"))
    index.add(portal[:50])
    read: list[str] = []

    def counted(article: Any) -> list[tuple[str, float]]:
        read.append(article.title)
        return article_terms(article)

    related._terms_of_text.cache_clear()
    monkeypatch.setattr(related, "article_terms", counted)
    index.add(portal[50:])
    links = index.related_many(portal[50:], 3)
    assert sorted(read) == sorted(a.title for a in portal[50:])
    assert any(links)
    related._terms_of_text.cache_clear()  # (none of the counted kept for other tests)

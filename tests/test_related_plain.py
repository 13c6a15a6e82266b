"""A cron run's related posts in plain Python (issue 14, item 1): a few articles are
indexed and scored from the store's postings without numpy or scipy, with the links and
index rows the one pass of numpy gives."""

from __future__ import annotations

import random
import sqlite3
from array import array
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.config import catalogue_for
from hnp_feeds.publish import ingest
from hnp_feeds.related import RelatedIndex, _window
from hnp_feeds.related_text import article_terms, vectors

from .portal import portal_toml, record, write_records
from .test_start_up import _run
from .topics import generate


@settings(max_examples=2, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_a_few_articles_get_the_links_of_the_one_pass(seed: int) -> None:
    portal = generate(230, seed=seed)
    index = RelatedIndex(sqlite3.connect(":memory:"))
    index.add(portal.articles[:220])  # many: numpy's pass
    for start in (220, 225):  # two cron runs of five: plain Python
        index.add(portal.articles[start : start + 5])
    few = index.related_many(portal.articles[215:], 5)
    assert index.related_many(portal.articles, 5, index.snapshot())[215:] == few
    # The text model alone gives each article the terms and float32 weights of the pass.
    for article in portal.articles[::17]:
        found = vectors([article])
        assert article_terms(article) == [
            (found.names[c], w)
            for c, w in zip(found.cols.tolist(), found.weights.tolist(), strict=True)
        ]


def test_a_cron_ingest_of_ten_loads_neither_numpy_nor_scipy(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    # each of 21 subjects (a tag) in some ten articles: telling, well under 5 % of the portal
    first = [record(n, related=[], tags=[f"chủ đề {n % 21}"]) for n in range(210)]
    ingest(catalogue_for(config), [str(write_records(tmp_path / "a.jsonl", first))])
    more = [record(n, related=[], tags=[f"chủ đề {n % 21}"]) for n in range(210, 220)]
    code, loaded = _run(
        ["ingest", "-c", str(config), str(write_records(tmp_path / "b.jsonl", more))], tmp_path
    )
    assert code == 0
    assert not [m for m in loaded if m.partition(".")[0] in ("numpy", "scipy")]
    assert "hnp_feeds.related" in loaded  # related posts were computed, in plain Python
    with sqlite3.connect(tmp_path / "var" / "hnp-feeds.sqlite") as db:
        (computed,) = db.execute(
            "SELECT count(*) FROM articles WHERE computed_related IS NOT NULL"
            " AND CAST(record_id AS INTEGER) >= 1210"
        ).fetchone()
    assert computed > 0


_ROWID = st.one_of(
    st.integers(1_400_000_000 << 16, 1_500_000_000 << 16),  # some three years
    st.integers(-(2**63), 2**63 - 1),  # any: before 1970, after 2106
)


@settings(max_examples=100, deadline=None)
@given(
    docs=st.lists(_ROWID, max_size=60),
    in_order=st.booleans(),
    bounds=st.tuples(_ROWID, _ROWID),
)
def test_the_window_of_a_terms_postings_holds_all_of_its_time(
    docs: list[int], in_order: bool, bounds: tuple[int, int]
) -> None:
    """Scoring looks only at ``_window``'s slice of a term's postings: it holds every
    posting from ``lowest`` to ``newest`` whatever their order; in time order (as the
    index keeps them), just those of the blocks of 2³² seconds·2¹⁶ about the window."""
    lowest, newest = sorted(bounds)
    stored = array("q", sorted(docs) if in_order else docs)
    first, last = _window(stored, stored.tobytes(), lowest, newest)
    assert 0 <= first <= last <= len(stored)
    wanted = [n for n, doc in enumerate(stored) if lowest <= doc <= newest]
    assert all(first <= n < last for n in wanted)
    if in_order and lowest >= 0 and all(0 <= doc < 2**48 for doc in stored) and newest < 2**48:
        near = [n for n, doc in enumerate(stored) if lowest >> 32 <= doc >> 32 <= newest >> 32]
        assert (first, last) == ((near[0], near[-1] + 1) if near else (first, first))


@pytest.mark.parametrize("seed", [3, 8])
def test_articles_indexed_out_of_time_order_get_the_links_of_the_one_pass(seed: int) -> None:
    """Postings out of time order (articles indexed late, a few at a time) are scored
    whole: the same links as the one pass."""
    portal = generate(90, seed=seed)
    late = list(portal.articles)
    random.Random(seed).shuffle(late)
    index = RelatedIndex(sqlite3.connect(":memory:"))
    for start in range(0, len(late), 10):  # each add of a few: plain Python
        index.add(late[start : start + 10])
    few = index.related_many(portal.articles[-30:], 5)
    assert index.related_many(portal.articles, 5, index.snapshot())[-30:] == few
    assert any(few)

"""A cron run's related posts in plain Python (issue 14, item 1): a few articles are
indexed and scored from the store's postings without numpy or scipy, with the links and
index rows the one pass of numpy gives."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.config import catalogue_for
from hnp_feeds.publish import ingest
from hnp_feeds.related import RelatedIndex
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

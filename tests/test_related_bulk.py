"""A first ingest's adds in bulk share one vocabulary (issue 14, item 1): each term's text
is made and hashed once for the whole bulk, and the index holds what the plain Python
model writes for the same articles."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from hnp_feeds import related, related_pass
from hnp_feeds.related import RelatedIndex
from hnp_feeds.related_text import term_hashes

from .test_related import index_rows
from .topics import generate


def test_a_bulks_terms_are_hashed_once_and_are_the_plain_models(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(related, "FEW_ARTICLES", 20)
    articles = generate(150, seed=7).articles
    hashed: list[str] = []

    def counted(names: list[str]) -> np.ndarray:
        hashed.extend(names)
        return term_hashes(names)

    monkeypatch.setattr(related_pass, "term_hashes", counted)
    many = RelatedIndex(sqlite3.connect(":memory:"))
    with many.bulk():  # adds of the numpy pass, one vocabulary
        for start in range(0, len(articles), 50):
            many.add(articles[start : start + 50])
    few = RelatedIndex(sqlite3.connect(":memory:"))
    with few.bulk():  # adds of a few: the plain Python model
        for start in range(0, len(articles), 15):
            few.add(articles[start : start + 15])
    assert index_rows(many.conn) == index_rows(few.conn)
    (rows,) = many.conn.execute("SELECT count(*) FROM related_terms").fetchone()
    (lone,) = many.conn.execute("SELECT sum(length(terms)) / 8 FROM related_rare").fetchone()
    assert len(hashed) == len(set(hashed)) == rows + lone  # each term once
    assert many.related_many(articles, 4, many.snapshot()) == few.related_many(articles, 4)

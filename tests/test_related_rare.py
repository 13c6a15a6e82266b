"""The terms a first fill finds in one article only (most of a portal's) are kept by
buckets, not one row each (issue 14, item 1): none is lost, a later article that has one
finds its peer, and the index then holds what one add of all its articles writes."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta

import numpy as np

from hnp_feeds.model import Article
from hnp_feeds.related import RelatedIndex
from hnp_feeds.sql import select_in

from .topics import generate


def _postings(
    index: RelatedIndex, of: list[Article]
) -> dict[int, tuple[int, list[tuple[int, float]]]]:
    """Each term of these indexed articles: its df and its postings, wherever kept."""
    terms = {
        int(term)
        for (blob,) in select_in(
            index.conn, "SELECT terms FROM related_docs WHERE article_id IN ({marks})",
            [a.id for a in of],
        )
        for term in np.frombuffer(blob, "<i8")
    }  # fmt: skip
    df = dict(index.conn.execute("SELECT id, df FROM related_terms").fetchall())
    found = {}
    for term in sorted(terms):
        docs, weights = index._postings(term)
        found[term] = (df.get(term, len(docs)), sorted(zip(docs, weights, strict=True)))
    return found


def _twin(article: Article, name: str, days: int) -> Article:
    """The same text, later, as another article."""
    return replace(
        article,
        id=name,
        url=f"https://hnp.example.vn/{name}.htm",
        published=article.published + timedelta(days=days),
        updated=article.published + timedelta(days=days),
    )


def test_a_first_fills_terms_of_one_article_find_their_peer_later() -> None:
    articles = generate(300, seed=12).articles
    index = RelatedIndex(sqlite3.connect(":memory:"))
    with index.bulk():
        for start in range(0, 300, 80):
            index.add(articles[start : start + 80])
    conn = index.conn
    assert conn.execute("SELECT count(*) FROM related_terms WHERE df = 1").fetchone() == (0,)
    buckets = conn.execute("SELECT count(*), sum(length(terms)) FROM related_rare").fetchone()
    assert buckets[0] > 10 and buckets[1] // 8 > buckets[0]  # several terms a bucket
    every = conn.execute("SELECT sum(length(terms)) / 8 FROM related_docs").fetchone()[0]
    kept = conn.execute("SELECT sum(df) FROM related_terms").fetchone()[0]
    assert kept + buckets[1] // 8 == every  # no posting lost
    # A later article with the text of one of the first fill: it shares its lone terms.
    original = articles[150]
    twin = _twin(original, "twin", 1)
    alone = {t for t, (df, _) in _postings(index, [original]).items() if df == 1}
    index.add([twin])
    shared = alone & {t for t, (df, _) in _postings(index, [twin]).items() if df == 2}
    assert len(shared) > 5
    assert index.related_for(twin, 3)[0].url == original.url
    # Its original gone, a third copy: its peer is the twin only.
    index.remove([original.id])
    third = _twin(original, "third", 2)
    index.add([third])
    assert index.related_for(third, 3)[0].url == twin.url
    # Later adds write rows, never buckets; the index holds what one add of the same
    # articles writes.
    assert conn.execute("SELECT count(*) FROM related_rare").fetchone() == buckets[:1]
    survivors = [a for a in articles if a.id != original.id] + [twin, third]
    one = RelatedIndex(sqlite3.connect(":memory:"))
    one.add(survivors)
    some = [twin, third, *survivors[::25]]
    assert _postings(index, some) == _postings(one, some)
    asked = [*articles[::37], twin, third]
    assert index.related_many(asked, 4) == one.related_many(asked, 4)

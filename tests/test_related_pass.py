"""The one pass of related posts (issue 14, item 1): a first ingest's snapshot made from
memory is the one read back from the index; the pass by segments of time gives the links
of the postings whatever the segments, blocks and window; rowids and punctuation as
before."""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from scipy import sparse

from hnp_feeds import related, related_pass
from hnp_feeds.related import RelatedIndex
from hnp_feeds.related_pass import Snapshot
from hnp_feeds.related_text import terms

from .test_related import article
from .topics import generate


def _same(one: Snapshot, other: Snapshot) -> None:
    assert (one.matrix != other.matrix).nnz == 0
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(one.matrix, name), getattr(other.matrix, name)), name
    for name in ("df", "published", "category", "id_rank", "idf2"):
        assert np.array_equal(getattr(one, name), getattr(other, name)), name
    for name in ("article_ids", "urls", "titles", "position"):
        assert getattr(one, name) == getattr(other, name), name


def test_a_first_ingests_snapshot_from_memory_is_the_one_read_back() -> None:
    portal = generate(420, seed=3)
    # Some in the same second (their rowids: one slot after the other), some with no
    # word to say (no candidate), given out of time order.
    articles = [
        replace(a, published=portal.articles[0].published) if n % 50 == 7 else a
        for n, a in enumerate(portal.articles)
    ]
    articles[30] = replace(articles[30], title="và của", summary="", tags=())
    articles = articles[200:] + articles[:200]
    index = RelatedIndex(sqlite3.connect(":memory:"))
    with index.bulk():
        for start in range(0, len(articles), 90):
            index.add(articles[start : start + 90])
    made = index.snapshot()
    assert index.snapshot() is made  # made by the bulk, not read back
    _same(made, Snapshot.load(index.conn))
    links = index.related_many(articles, 5, made)
    assert links == index.related_many(articles, 5, Snapshot.load(index.conn))
    assert sum(map(len, links)) > 100
    # Changed afterwards: the snapshot is read again, with the new article in it.
    late = replace(portal.articles[-1], id="late", url="https://hnp.example.vn/late.htm")
    index.add([late])
    assert "late" in index.snapshot().position
    # A bulk into an index that holds articles already: read back, not made.
    again = RelatedIndex(index.conn)
    with again.bulk():
        again.add(portal.articles[:250])
    assert again.snapshot() is not again.snapshot()
    _same(again.snapshot(), Snapshot.load(index.conn))


@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.generate])
@given(
    seed=st.integers(0, 10_000),
    segment=st.sampled_from([16, 64, 2048]),
    block=st.sampled_from([5, 2048]),
    window=st.sampled_from([None, 200.0, 365.0]),
)
def test_the_pass_by_segments_gives_the_links_of_the_postings(
    seed: int, segment: int, block: int, window: float | None
) -> None:
    portal = generate(260, seed=seed)  # ten years: some 26 articles a year
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(related_pass, "_SEGMENT", segment)
        patch.setattr(related_pass, "_SEGMENTS", 10_000)
        patch.setattr(related, "_BLOCK", block)
        patch.setattr(related, "_PAIRS", 200)
        index = RelatedIndex(sqlite3.connect(":memory:"), window)
        with index.bulk():
            index.add(portal.articles)
        whole = index.related_many(portal.articles, 4, index.snapshot())
    assert sum(map(len, whole)) > 20
    for n in range(0, 260, 11):  # each alone, from the postings
        assert index.related_for(portal.articles[n], 4) == whole[n], n


def _slot(article_id: str) -> int:
    """The slot an article's rowid is first tried in (``RelatedIndex``'s rule)."""
    return zlib.crc32(article_id.encode("utf-8")) & 0xFFFF


def test_articles_of_one_second_get_the_rowids_of_one_add_at_a_time() -> None:
    # Two ids whose slots collide, a third in the slot after: the next free one each.
    seen: dict[int, str] = {}
    for name in (f"bai-{n}" for n in range(10_000)):
        if _slot(name) in seen:
            pair = (seen[_slot(name)], name)
            break
        seen[_slot(name)] = name
    slot = _slot(pair[0])
    third = next(f"tin-{n}" for n in range(400_000) if _slot(f"tin-{n}") == (slot + 1) & 0xFFFF)
    same = [
        article(id, f"Ngập úng ở quận {id}", 2, summary="HNP - Mưa lớn gây ngập úng.")
        for id in (*pair, third)
    ]
    rowids = []
    for given_as in ([same], [same[:1], same[1:]], [same[2:], same[:2]]):
        index = RelatedIndex(sqlite3.connect(":memory:"))
        for part in given_as:
            index.add(part)
        rowids.append(
            dict(index.conn.execute("SELECT article_id, rowid FROM related_docs").fetchall())
        )
    base = rowids[0][pair[0]] - slot
    assert rowids[0] == {pair[0]: base + slot, pair[1]: base + slot + 1, third: base + slot + 2}
    assert rowids[1] == rowids[0]  # the second add probes past the first's rowid
    # The third given first takes its own slot; the pair, theirs and the one after it.
    assert rowids[2] == {third: base + slot + 1, pair[0]: base + slot, pair[1]: base + slot + 2}


def test_a_run_of_punctuation_breaks_as_one_mark_does() -> None:
    one = terms(article("a", "Mưa lớn, ngập úng: phố cổ", 2, summary="HNP - Xe buýt (tạm) dừng."))
    runs = terms(
        article("b", "Mưa lớn,… ngập úng:— phố cổ", 2, summary="HNP —– Xe buýt “(tạm)”_ dừng!!")
    )
    assert one == runs
    assert "lớn ngập" not in one and "mưa lớn" in one and "xe buýt" in one
    # A mark inside a word breaks it too (as the pattern of punctuation says).
    assert set(terms(article("c", "ngập_úng", 2))) == {"ngập", "úng"}


def test_a_late_article_never_sees_a_stale_snapshot() -> None:
    portal = generate(240, seed=9)
    index = RelatedIndex(sqlite3.connect(":memory:"))
    with index.bulk():
        index.add(portal.articles[:230])
    made = index.snapshot()
    assert index.snapshot() is made  # made once, by the bulk
    index.remove([portal.articles[0].id])
    assert portal.articles[0].id not in index.snapshot().position
    later = [
        replace(a, published=a.published + timedelta(seconds=1)) for a in portal.articles[230:]
    ]
    index.add(later)
    assert all(a.id in index.snapshot().position for a in later)


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(
        st.lists(st.sampled_from([0.0, 0.125, 0.25, 0.5]), min_size=60, max_size=60),
        min_size=1,
        max_size=6,
    ),
    df=st.lists(st.integers(1, 8), min_size=60, max_size=60),
)
def test_each_row_keeps_its_most_telling_terms_ties_by_id(
    rows: list[list[float]], df: list[int]
) -> None:
    # Few weights and dfs: many ties; rows of more telling terms than are kept (some 30 of
    # 60: weight 0 is no term, df 1 or over the ceiling no telling one), and of fewer.
    docs, ceiling = 100, 7
    idf2 = np.array([related.idf_squared(n, docs) for n in df])
    said = [{c: w for c, w in enumerate(row) if w} for row in rows]
    matrix = sparse.csr_matrix(
        (
            np.array([w for r in said for w in r.values()], dtype=np.float32),
            np.array([c for r in said for c in r], dtype=np.int32),
            np.r_[0, np.cumsum([len(r) for r in said])],
        ),
        shape=(len(rows), 60),
    )
    found = related_pass._telling(matrix, np.array(df), idf2, ceiling)
    for n, terms_of in enumerate(said):
        factors = {c: w * idf2[c] for c, w in terms_of.items() if 2 <= df[c] <= ceiling}
        best = sorted(factors, key=lambda c: (-factors[c], c))[: related.QUERY_TERMS]
        row = found.getrow(n)
        assert row.indices.tolist() == sorted(best)  # in the order of the ids
        assert row.data.tolist() == [factors[c] for c in sorted(best)]

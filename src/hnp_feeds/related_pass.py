"""The one pass of related posts over many articles (a first ingest), with numpy and scipy:
what ``related.py`` computes for a few from the postings in plain Python, the same links.

Every article's terms in one pass of the text model (``related_text.vectors``); the
whole index in memory (``Snapshot``: a sparse matrix of articles × terms, in time
order); the articles scored block by block against the candidates of their time window
by sparse products, top-k per row in numpy; the postings of many entries grouped by term.
"""

from __future__ import annotations

import math
import sqlite3
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy import sparse

from . import related
from .related_text import term_hashes, vectors

if TYPE_CHECKING:
    from .related import Entry, Group, RelatedIndex, _Candidate, _Query

_ID = np.dtype("<i8")
_WEIGHT = np.dtype("<f4")


def hashed(
    articles: Sequence[Entry], batch: int = 5000
) -> tuple[list[int], array[int], array[float]]:
    """The terms of ``articles`` (``related._entries``), read a few thousand articles at
    a time (their text in one piece each: memory stays small)."""
    rows, terms, weights = [], [], []
    for start in range(0, len(articles), batch):
        found = vectors(articles[start : start + batch])
        rows.append(found.rows + start)
        terms.append(term_hashes(found.names)[found.cols])
        weights.append(found.weights)
    bounds = np.searchsorted(np.concatenate(rows), np.arange(len(articles) + 1))
    return (
        bounds.tolist(),
        related._unpack("q", np.concatenate(terms).astype(_ID).tobytes()),
        related._unpack("f", np.concatenate(weights).astype(_WEIGHT).tobytes()),
    )


def grouped(
    entry_docs: array[int],
    entry_terms: array[int],
    entry_weights: array[float],
    parts: int,
) -> Iterator[list[Group]]:
    """``related._grouped`` by numpy: each part's terms (by their id's low bits) with
    their postings in the entries' order, by term id."""
    all_docs = np.asarray(entry_docs, dtype=np.int64)
    all_terms = np.asarray(entry_terms, dtype=np.int64)
    all_weights = np.asarray(entry_weights, dtype=np.float32)
    for part in range(parts):
        if parts == 1:
            term_ids, docs, weights = all_terms, all_docs, all_weights
        else:
            mine = (all_terms & (parts - 1)) == part
            term_ids, docs, weights = all_terms[mine], all_docs[mine], all_weights[mine]
        order = np.argsort(term_ids, kind="stable")
        term_ids, docs, weights = term_ids[order], docs[order], weights[order]
        del order
        starts = np.flatnonzero(np.r_[True, term_ids[1:] != term_ids[:-1]])
        ends = np.r_[starts[1:], len(term_ids)]
        # Each term's postings sliced from the bytes of all (one copy, not one per term).
        docs_bytes = docs.astype(_ID).tobytes()
        weights_bytes = weights.astype(_WEIGHT).tobytes()
        yield [
            (term, e - s, docs_bytes[8 * s : 8 * e], weights_bytes[4 * s : 4 * e])
            for term, s, e in zip(
                term_ids[starts].tolist(), starts.tolist(), ends.tolist(), strict=True
            )
        ]


def _idf_squared(df: npt.NDArray[np.int64], docs: int) -> npt.NDArray[np.float64]:
    """``related.idf_squared`` of each term, from a table of its values by df."""
    table = np.array(
        [related.idf_squared(n, docs) for n in range(int(df.max(initial=0)) + 1)],
        dtype=np.float64,
    )
    return table[df]


def score_all(
    index: RelatedIndex, queries: list[_Query], corpus: Snapshot
) -> dict[str, list[_Candidate]]:
    """Score many articles against the whole index in one pass of sparse products:
    oldest first, by blocks, each against the articles of its time window only."""
    position = corpus.position
    indexed = sorted(
        (q for q in queries if q.article.id in position), key=lambda q: position[q.article.id]
    )
    found = {q.article.id: index._score_one(q) for q in queries if q.article.id not in position}
    rows = np.array([position[q.article.id] for q in indexed], dtype=np.int64)
    query_matrix = _telling(
        corpus.matrix[rows], corpus.df, corpus.idf2, related._ceiling(len(corpus.article_ids))
    )
    published = np.array([q.published for q in indexed], dtype=np.float64)
    window = math.inf if index.window_days is None else index.window_days * 86400
    wanted = max((q.wanted for q in indexed), default=0)
    start = 0
    while start < len(indexed):
        # The candidates of a block: published in its window (the snapshot is in time
        # order, so they are one slice of it); no more pairs at once than ``related._PAIRS``.
        low = int(np.searchsorted(corpus.published, published[start] - window, "left"))
        end = min(start + related._BLOCK, len(indexed))
        high = int(np.searchsorted(corpus.published, published[end - 1], "right"))
        end = min(end, start + max(1, related._PAIRS // max(1, high - low)))
        # Candidates × block (the block's few terms transposed, not the window's), each
        # score summed over the terms in the order of their ids, as block × candidates.
        scores = (corpus.matrix[low:high] @ query_matrix[start:end].T.tocsr()).tocoo()
        hopeful = scores.data * related.CATEGORY_BOOST >= related.THRESHOLD - 1e-9  # the rest: none
        qrow, col, raw = scores.col[hopeful], scores.row[hopeful] + low, scores.data[hopeful]
        del scores
        qpub, dpub = published[start:end][qrow], corpus.published[col]
        qcat = corpus.category[rows[start:end]][qrow]
        boost = np.where((qcat >= 0) & (corpus.category[col] == qcat), related.CATEGORY_BOOST, 1.0)
        score = np.round(raw * boost, 9)  # as related.rounded
        keep = (
            (score >= related.THRESHOLD)
            & (col != rows[start:end][qrow])
            & (dpub <= qpub)
            & (dpub >= qpub - window)
        )
        qrow, col, score, dpub = qrow[keep], col[keep], score[keep], dpub[keep]
        order = np.lexsort((corpus.id_rank[col], -dpub, -score, qrow))
        qrow, col, score, dpub = qrow[order], col[order], score[order], dpub[order]
        firsts = np.flatnonzero(np.r_[True, qrow[1:] != qrow[:-1]]) if len(qrow) else qrow
        rank = np.arange(len(qrow)) - np.repeat(firsts, np.diff(np.r_[firsts, len(qrow)]))
        top = rank < wanted
        for q_index, c, value, moment in zip(
            qrow[top].tolist(), col[top].tolist(), score[top].tolist(), dpub[top].tolist(),
            strict=True,
        ):  # fmt: skip
            query = indexed[start + q_index]
            chosen = found.setdefault(query.article.id, [])
            if len(chosen) < query.wanted:
                chosen.append(
                    related._Candidate(
                        value, moment, corpus.article_ids[c], corpus.urls[c], corpus.titles[c]
                    )
                )
        start = end
    return found


def _telling(
    matrix: sparse.csr_matrix,
    df: npt.NDArray[np.int64],
    idf2: npt.NDArray[np.float64],
    ceiling: int,
) -> sparse.csr_matrix:
    """Each row's ``related.QUERY_TERMS`` telling terms that can say the most (weight × idf²,
    ties by the term's id), as weight × idf²; the rest zero."""
    coo = matrix.tocoo()
    counts = df[coo.col]
    ok = (counts >= 2) & (counts <= ceiling)
    row, col = coo.row[ok], coo.col[ok]
    factor = coo.data[ok].astype(np.float64) * idf2[col]
    order = np.lexsort((col, -factor, row))
    row, col, factor = row[order], col[order], factor[order]
    firsts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]]) if len(row) else row
    rank = np.arange(len(row)) - np.repeat(firsts, np.diff(np.r_[firsts, len(row)]))
    keep = rank < related.QUERY_TERMS
    return sparse.csr_matrix((factor[keep], (row[keep], col[keep])), shape=matrix.shape)


@dataclass
class Snapshot:
    """The whole index in memory, for one pass over many articles."""

    matrix: sparse.csr_matrix  # articles × terms, float32 weights
    df: npt.NDArray[np.int64]
    article_ids: list[str]
    urls: list[str]
    titles: list[str]
    published: npt.NDArray[np.float64]
    category: npt.NDArray[np.int64]  # -1: none
    id_rank: npt.NDArray[np.int64]
    idf2: npt.NDArray[np.float64]
    position: dict[str, int]

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Snapshot:
        ids, urls, titles, published, categories = [], [], [], [], []
        lengths: list[int] = []
        # Read in pieces, each made one array: memory holds the terms once, not per row.
        term_pieces: list[npt.NDArray[np.int64]] = []
        weight_pieces: list[npt.NDArray[np.float32]] = []
        term_parts: list[bytes] = []
        weight_parts: list[bytes] = []
        for article_id, url, title, category, moment, blob, weights in conn.execute(
            "SELECT article_id, url, title, category, published, terms, weights"
            " FROM related_docs ORDER BY published, rowid"
        ):
            ids.append(article_id)
            urls.append(url)
            titles.append(title)
            published.append(moment)
            categories.append(category)
            lengths.append(len(blob) // _ID.itemsize)
            term_parts.append(blob)
            weight_parts.append(weights)
            if len(term_parts) == related._LOAD_PIECE:
                term_pieces.append(np.frombuffer(b"".join(term_parts), dtype=_ID))
                weight_pieces.append(np.frombuffer(b"".join(weight_parts), dtype=_WEIGHT))
                term_parts, weight_parts = [], []
        term_pieces.append(np.frombuffer(b"".join(term_parts), dtype=_ID))
        weight_pieces.append(np.frombuffer(b"".join(weight_parts), dtype=_WEIGHT))
        del term_parts, weight_parts
        hashes = np.concatenate(term_pieces)
        del term_pieces
        indptr = np.r_[0, np.cumsum(np.array(lengths, dtype=np.int64))]
        # Columns in the order of the terms' ids (ties between terms are broken by id).
        # (One sort of the entries: each one's column is its term's rank among the ids.)
        order = np.argsort(hashes)
        ordered = hashes[order]
        del hashes
        first = np.r_[True, ordered[1:] != ordered[:-1]]
        term_ids = ordered[first]
        del ordered
        columns = np.empty(len(order), dtype=np.int32)
        columns[order] = np.cumsum(first, dtype=np.int32) - 1
        del order, first
        df = np.bincount(columns, minlength=len(term_ids)).astype(np.int64)
        index_type = np.int32 if len(columns) < 2**31 else np.int64
        matrix = sparse.csr_matrix(
            (np.concatenate(weight_pieces), columns.astype(index_type), indptr.astype(index_type)),
            shape=(len(ids), len(term_ids)),
        )
        del columns, weight_pieces
        matrix.sort_indices()  # each article's terms in the order of their ids
        slugs = {slug: n for n, slug in enumerate(sorted({c for c in categories if c}))}
        id_rank = np.empty(len(ids), dtype=np.int64)
        id_rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
        return cls(
            matrix,
            df,
            ids,
            urls,
            titles,
            np.array(published, dtype=np.float64),
            np.array([slugs.get(c, -1) if c else -1 for c in categories], dtype=np.int64),
            id_rank,
            _idf_squared(df, len(ids)),
            {article_id: n for n, article_id in enumerate(ids)},
        )

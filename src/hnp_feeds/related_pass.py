"""The one pass of related posts over many articles (a first ingest), with numpy and scipy:
what ``related.py`` computes for a few from the postings in plain Python, the same links.

Every article's terms in one pass of the text model (``related_text.vectors``: a bulk's
batches share one vocabulary, each term's text hashed once, ``Hashed``); the
postings of many entries grouped by term in one sort (``Postings``), which for a first
ingest also gives the whole index in memory (``Snapshot``: a sparse matrix of articles ×
terms, in time order; otherwise read from the index); its telling terms cut in segments
of time, each transposed (``Segments``); the articles scored a block at a time, each
block's few telling terms multiplied with the segments of its time window only (sums in
the order of the term ids, as the postings' are), top-k per row in numpy.
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
from .model import Link
from .related_text import Vectors, Vocabulary, names_of, term_hashes, vectors

if TYPE_CHECKING:
    from .related import Bucket, DocRow, Entry, Group, RelatedIndex, _Query

_ID = np.dtype("<i8")
_WEIGHT = np.dtype("<f4")
#: The snapshot's rows are scored by segments of at least this many (and at most
#: ``_SEGMENTS`` segments: each holds a column pointer per telling term).
_SEGMENT = 2048
_SEGMENTS = 32


class Hashed:
    """The terms a bulk has met (keys of its ``Vocabulary``'s codes), sorted, and their
    ids: each term's text made and hashed once, not once per batch it is in."""

    def __init__(self) -> None:
        self.vocabulary = Vocabulary()
        self.keys = np.zeros(0, dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)

    def of(self, found: Vectors) -> npt.NDArray[np.int64]:
        """The id of each of ``found``'s terms (their keys' order)."""
        new = found.keys  # (each once: the keys of a batch's terms are unique)
        if len(self.keys):
            at = np.minimum(np.searchsorted(self.keys, new), len(self.keys) - 1)
            new = new[self.keys[at] != new]
        if len(new):  # both sorted: merged in one pass
            where = np.searchsorted(self.keys, new)
            self.ids = np.insert(self.ids, where, term_hashes(names_of(found.words, new)))
            self.keys = np.insert(self.keys, where, new)
        return self.ids[np.searchsorted(self.keys, found.keys)]


def hashed(
    articles: Sequence[Entry], known: Hashed, batch: int = 5000
) -> tuple[list[int], array[int], array[float]]:
    """The terms of ``articles`` (``related._entries``), read a few thousand articles at
    a time (their text in one piece each: memory stays small); ``known``: the terms met
    before, more added."""
    rows, terms, weights = [], [], []
    for start in range(0, len(articles), batch):
        found = vectors(articles[start : start + batch], known.vocabulary)
        rows.append(found.rows + start)
        terms.append(known.of(found)[found.cols])
        weights.append(found.weights)
        del found
    bounds = np.searchsorted(np.concatenate(rows), np.arange(len(articles) + 1))
    return (
        bounds.tolist(),
        related._unpack("q", np.concatenate(terms).astype(_ID).tobytes()),
        related._unpack("f", np.concatenate(weights).astype(_WEIGHT).tobytes()),
    )


@dataclass
class Postings:
    """Entries by term (in the order of the ids), each term's in the entries' order (one
    stable sort): what ``related._grouped`` makes in plain Python, and, for a bulk into
    an empty index, the snapshot (its columns are these terms)."""

    docs: npt.NDArray[np.int64]  # the rowid of each entry's article
    ordinals: npt.NDArray[np.int32]  # and which of the entries' articles it is: 0, 1, ...
    weights: npt.NDArray[np.float32]
    term_ids: npt.NDArray[np.int64]  # the terms, ascending
    starts: npt.NDArray[np.int64]  # term n's entries: starts[n]:starts[n + 1]

    @classmethod
    def of(
        cls, entry_docs: array[int], entry_terms: array[int], entry_weights: array[float]
    ) -> Postings:
        # Each sorted copy made once its unsorted temporary is gone (a first fill holds
        # millions of entries: never all of them in every form at once).
        terms = np.asarray(entry_terms, dtype=np.int64)
        order = np.argsort(terms, kind="stable")
        terms = terms[order]
        first = np.flatnonzero(np.r_[True, terms[1:] != terms[:-1]]) if len(terms) else order
        term_ids, starts = terms[first], np.r_[first, len(terms)].astype(np.int64)
        del terms, first
        docs = np.asarray(entry_docs, dtype=np.int64)
        ordinals = np.cumsum(np.r_[False, docs[1:] != docs[:-1]], dtype=np.int32)[order]
        return cls(
            docs[order],
            ordinals,
            np.asarray(entry_weights, dtype=np.float32)[order],
            term_ids,
            starts,
        )

    def groups(self, parts: int, lone: bool = True) -> Iterator[list[Group]]:
        """The terms in ``parts`` ranges of ids (of about as many entries each), each
        term with its postings (``lone`` False: not those of one entry)."""
        cuts = np.searchsorted(self.starts, np.linspace(0, self.starts[-1], parts + 1)[1:-1])
        bounds = np.r_[0, cuts, len(self.term_ids)].tolist()
        for low, high in zip(bounds[:-1], bounds[1:], strict=True):
            if low == high:
                continue
            first, last = int(self.starts[low]), int(self.starts[high])
            # Each term's postings sliced from the bytes of all (one copy, not one per term).
            docs = self.docs[first:last].astype(_ID).tobytes()
            weights = self.weights[first:last].astype(_WEIGHT).tobytes()
            starts = (self.starts[low : high + 1] - first).tolist()
            least = 1 if lone else 2
            yield [
                (term, e - s, docs[8 * s : 8 * e], weights[4 * s : 4 * e])
                for term, s, e in zip(
                    self.term_ids[low:high].tolist(), starts[:-1], starts[1:], strict=True
                )
                if e - s >= least
            ]

    def buckets(self, shift: int) -> list[Bucket]:
        """The terms of one entry by buckets (``related._buckets``): of their ids' top
        bits (an id ``>> shift``)."""
        lone = np.flatnonzero(np.diff(self.starts) == 1)
        terms, at = self.term_ids[lone], self.starts[lone]
        bucket = terms >> shift
        cuts = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]]) if len(terms) else lone
        bounds = np.r_[cuts, len(terms)].tolist()
        ids = terms.astype(_ID).tobytes()
        docs = self.docs[at].astype(_ID).tobytes()
        weights = self.weights[at].astype(_WEIGHT).tobytes()
        return [
            (b, ids[8 * s : 8 * e], docs[8 * s : 8 * e], weights[4 * s : 4 * e])
            for b, s, e in zip(bucket[cuts].tolist(), bounds[:-1], bounds[1:], strict=True)
        ]

    def snapshot(self, rows: list[DocRow]) -> Snapshot:
        """The snapshot of an index that holds these postings only, of articles ``rows``
        (what ``Snapshot.load`` reads from it), in the order of the entries."""
        timed = sorted(range(len(rows)), key=lambda n: (rows[n][5], rows[n][0]))  # as load's
        place = np.empty(len(rows), dtype=np.int32)
        place[timed] = np.arange(len(rows))
        position = place[self.ordinals]
        rows = [rows[n] for n in timed]
        shape = (len(rows), len(self.term_ids))
        index_type = np.int32 if len(self.docs) < 2**31 else np.int64
        by_term = sparse.csc_matrix(
            (self.weights, position.astype(index_type), self.starts.astype(index_type)),
            shape=shape,
        )
        matrix = by_term.tocsr()  # each article's terms in the order of their ids
        del by_term
        return Snapshot.build(rows, matrix, np.diff(self.starts))


def _idf_squared(df: npt.NDArray[np.int64], docs: int) -> npt.NDArray[np.float64]:
    """``related.idf_squared`` of each term, from a table of its values by df."""
    counts, where = np.unique(df, return_inverse=True)
    table = np.array([related.idf_squared(n, docs) for n in counts.tolist()], dtype=np.float64)
    return table[where]


def score_all(
    index: RelatedIndex, queries: list[_Query], corpus: Snapshot
) -> dict[str, list[Link]]:
    """Score many articles against the whole index in one pass of sparse products:
    oldest first, the queries of one segment of the snapshot at a time, each block
    against the segments of its time window only (``Snapshot.segments``)."""
    position = corpus.position
    indexed = sorted(
        (q for q in queries if q.article.id in position), key=lambda q: position[q.article.id]
    )
    found = {q.article.id: index._score_one(q) for q in queries if q.article.id not in position}
    if not indexed:
        return found
    rows = np.array([position[q.article.id] for q in indexed], dtype=np.int64)
    segments = corpus.segments()
    query_matrix = _telling(corpus.matrix[rows], corpus.df, corpus.idf2, corpus.ceiling)
    query_matrix = sparse.csr_matrix(  # in the segments' columns: the telling terms only
        (query_matrix.data, segments.column[query_matrix.indices], query_matrix.indptr),
        shape=(len(rows), segments.terms),
    )
    published = np.array([q.published for q in indexed], dtype=np.float64)
    window = math.inf if index.window_days is None else index.window_days * 86400
    links = corpus.links()
    starts = segments.starts
    start = 0
    while start < len(indexed):
        # The block: queries of one segment, no more pairs with a segment than _PAIRS.
        segment = int(np.searchsorted(starts, rows[start], "right")) - 1
        size = int(starts[segment + 1] - starts[segment])
        end = min(
            int(np.searchsorted(rows, starts[segment + 1], "left")),
            start + related._BLOCK,
            start + max(1, related._PAIRS // size),
        )
        qrow, col, raw = _hopeful(
            query_matrix[start:end], segments, published[start:end], corpus.published, window
        )
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
        qrow, col = qrow[order], col[order]
        if not len(qrow):
            start = end
            continue
        cuts = np.flatnonzero(np.r_[True, qrow[1:] != qrow[:-1]])
        chosen = col.tolist()
        for q_index, low, high in zip(
            qrow[cuts].tolist(), cuts.tolist(), np.r_[cuts[1:], len(qrow)].tolist(), strict=True
        ):
            query = indexed[start + q_index]
            found[query.article.id] = [
                links[c] for c in chosen[low : min(high, low + query.wanted)]
            ]
        start = end
    return found


def _hopeful(
    block: sparse.csr_matrix,
    segments: Segments,
    published: npt.NDArray[np.float64],
    times: npt.NDArray[np.float64],
    window: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The block's pairs (query, candidate's row) whose raw score can reach the threshold
    (with the category's boost), and that score: the block against each segment of its
    window (the candidates published from the oldest query's window to the newest query)."""
    oldest = int(np.searchsorted(times, published.min() - window, "left"))
    newest = int(np.searchsorted(times, published.max(), "right"))
    starts = segments.starts
    qrows, cols, raws = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    if oldest < newest:
        first = int(np.searchsorted(starts, oldest, "right")) - 1
        last = int(np.searchsorted(starts, newest - 1, "right")) - 1
        for part in range(first, last + 1):
            # Each score summed over the terms in the order of their ids, as the
            # postings' sums are (the block's terms, each against its candidates).
            scores = block @ segments.transposed[part]
            hopeful = np.flatnonzero(
                scores.data * related.CATEGORY_BOOST >= related.THRESHOLD - 1e-9
            )
            qrows.append(np.searchsorted(scores.indptr, hopeful, "right") - 1)
            cols.append(scores.indices[hopeful].astype(np.int64) + int(starts[part]))
            raws.append(scores.data[hopeful])
    return np.concatenate(qrows), np.concatenate(cols), np.concatenate(raws)


def _telling(
    matrix: sparse.csr_matrix,
    df: npt.NDArray[np.int64],
    idf2: npt.NDArray[np.float64],
    ceiling: int,
) -> sparse.csr_matrix:
    """Each row's ``related.QUERY_TERMS`` telling terms that can say the most (weight × idf²,
    ties by the term's id), as weight × idf²; the rest zero.  (The rows' terms are in the
    order of their ids: a row of more is sorted by the factor alone, stably, each row on
    its own, as a table as wide as the longest.)"""
    rows = matrix.shape[0]
    row = np.repeat(np.arange(rows, dtype=np.int64), np.diff(matrix.indptr))
    counts = df[matrix.indices]
    ok = (counts >= 2) & (counts <= ceiling)
    row, col = row[ok], matrix.indices[ok]
    factor = matrix.data[ok].astype(np.float64) * idf2[col]
    per_row = np.bincount(row, minlength=rows)
    keep = per_row[row] <= related.QUERY_TERMS  # in the rows' order: the terms' ids ascending
    if not keep.all():
        starts = np.cumsum(per_row) - per_row
        table = np.full((rows, int(per_row.max())), np.inf)
        table[row, np.arange(len(row)) - starts[row]] = -factor
        best = np.argsort(table, axis=1, kind="stable")[:, : related.QUERY_TERMS]
        keep[(starts[:, None] + best)[best < per_row[:, None]]] = True
    indptr = np.r_[0, np.cumsum(np.bincount(row[keep], minlength=rows))]
    return sparse.csr_matrix((factor[keep], col[keep], indptr), shape=matrix.shape)


@dataclass
class Segments:
    """The snapshot's telling terms (in at least 2 articles, at most the ceiling) by
    segments of its rows (time order): each segment transposed, terms × its articles
    (float32), so that a block of queries is multiplied with the candidates of its
    window only, each query's few terms against their postings there."""

    column: npt.NDArray[np.int32]  # a term's column here, -1 for none
    terms: int
    starts: npt.NDArray[np.int64]  # each segment's first row, then the number of rows
    transposed: list[sparse.csr_matrix]

    @classmethod
    def of(cls, corpus: Snapshot) -> Segments:
        matrix, df = corpus.matrix, corpus.df
        telling = (df >= 2) & (df <= corpus.ceiling)
        column = np.full(len(df), -1, dtype=np.int32)
        column[telling] = np.arange(int(telling.sum()), dtype=np.int32)
        keep = telling[matrix.indices]
        restricted = sparse.csr_matrix(
            (
                matrix.data[keep],  # float32: each product makes them float64
                column[matrix.indices[keep]],
                np.r_[0, np.cumsum(keep)][matrix.indptr],
            ),
            shape=(matrix.shape[0], int(telling.sum())),
        )
        rows = matrix.shape[0]
        size = max(_SEGMENT, -(-rows // _SEGMENTS))
        starts = np.r_[np.arange(0, rows, size), rows].astype(np.int64)
        transposed = [
            restricted[a:b].T.tocsr() for a, b in zip(starts[:-1], starts[1:], strict=True)
        ]
        return cls(column, int(telling.sum()), starts, transposed)


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
    _segments: Segments | None = None
    _links: list[Link] | None = None

    @property
    def ceiling(self) -> int:
        return related._ceiling(len(self.article_ids))

    def segments(self) -> Segments:
        """The telling terms by segments of time (made once, on first use)."""
        if self._segments is None:
            self._segments = Segments.of(self)
        return self._segments

    def links(self) -> list[Link]:
        """Each article's link, by row (made once, on first use)."""
        if self._links is None:
            self._links = [Link(u, t) for u, t in zip(self.urls, self.titles, strict=True)]
        return self._links

    @classmethod
    def load(cls, conn: sqlite3.Connection) -> Snapshot:
        rows: list[DocRow] = []
        lengths: list[int] = []
        # Read in pieces, each made one array: memory holds the terms once, not per row.
        term_pieces: list[npt.NDArray[np.int64]] = []
        weight_pieces: list[npt.NDArray[np.float32]] = []
        term_parts: list[bytes] = []
        weight_parts: list[bytes] = []
        for rowid, article_id, url, title, category, moment, blob, weights in conn.execute(
            "SELECT rowid, article_id, url, title, category, published, terms, weights"
            " FROM related_docs ORDER BY published, rowid"
        ):
            rows.append((rowid, article_id, url, title, category, moment))
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
        term_count = int(first.sum())
        del ordered
        columns = np.empty(len(order), dtype=np.int32)
        columns[order] = np.cumsum(first, dtype=np.int32) - 1
        del order, first
        df = np.bincount(columns, minlength=term_count).astype(np.int64)
        index_type = np.int32 if len(columns) < 2**31 else np.int64
        matrix = sparse.csr_matrix(
            (np.concatenate(weight_pieces), columns.astype(index_type), indptr.astype(index_type)),
            shape=(len(rows), term_count),
        )
        del columns, weight_pieces
        matrix.sort_indices()  # each article's terms in the order of their ids
        return cls.build(rows, matrix, df)

    @classmethod
    def build(
        cls, rows: list[DocRow], matrix: sparse.csr_matrix, df: npt.NDArray[np.int64]
    ) -> Snapshot:
        """The snapshot of articles ``rows`` in time order, their terms ``matrix``."""
        ids = [row[1] for row in rows]
        categories = [row[4] for row in rows]
        slugs = {slug: n for n, slug in enumerate(sorted({c for c in categories if c}))}
        id_rank = np.empty(len(ids), dtype=np.int64)
        id_rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
        return cls(
            matrix,
            df.astype(np.int64),
            ids,
            [row[2] for row in rows],
            [row[3] for row in rows],
            np.array([row[5] for row in rows], dtype=np.float64),
            np.array([slugs.get(c, -1) if c else -1 for c in categories], dtype=np.int64),
            id_rank,
            _idf_squared(df, len(ids)),
            {article_id: n for n, article_id in enumerate(ids)},
        )

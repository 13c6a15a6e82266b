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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from scipy import sparse

from . import forking, related
from .forking import can_fork, default_processes
from .model import Link
from .related_text import Text, Texts, Vectors, Vocabulary, names_of, term_hashes, vectors

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

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


#: Terms as ranks: the sorted ids of some articles' terms, and each entry's rank among them.
Ranked = tuple[npt.NDArray[np.int64], npt.NDArray[np.int32]]


#: Articles whose text is read in one piece (memory stays small).
BATCH = 5000


def batches(articles: Sequence[Text]) -> list[Texts]:
    """The texts of ``articles``, ``BATCH`` articles in each."""
    return [Texts.of(articles[start : start + BATCH]) for start in range(0, len(articles), BATCH)]


def hashed(
    read: Sequence[Texts], known: Hashed
) -> tuple[list[int], array[int], array[float], Ranked]:
    """The terms of the articles of these ``batches`` (``related._entries``), read a
    batch at a time, each article's in the order of their ids (whatever the vocabulary
    met before), and as ranks (what the postings are grouped by, ``Postings.of``);
    ``known``: the terms met before, more added."""
    rows, parts, weights = [], [], []
    start = 0
    for texts in read:
        found = vectors(texts, known.vocabulary)
        ids = known.of(found)
        by_id = np.argsort(ids)
        rank = np.empty(len(ids), dtype=np.int32)
        rank[by_id] = np.arange(len(ids), dtype=np.int32)
        ranks = rank[found.cols]
        order = _order(found.rows * len(ids) + ranks)  # the rows stay grouped
        rows.append(found.rows + start)
        parts.append((ids[by_id], ranks[order]))
        weights.append(found.weights[order])
        start += len(texts.tags)
        del found
    bounds = np.searchsorted(np.concatenate(rows), np.arange(start + 1))
    ranked = joined(parts)
    weighed = related._unpack("f", np.concatenate(weights).astype(_WEIGHT).tobytes())
    return bounds.tolist(), terms_of(ranked), weighed, ranked


def terms_of(ranked: Ranked) -> array[int]:
    """The term id of each entry of ``ranked``."""
    ids, ranks = ranked
    return related._unpack("q", ids[ranks].astype(_ID).tobytes())


def _order(keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.argsort`` of distinct non-negative keys: each key and its place sorted as one
    number when both fit (a sort of values, not of indexes: about twice as fast)."""
    bits = max(len(keys) - 1, 1).bit_length()
    if not len(keys) or int(keys.max()) >= 1 << (62 - bits):
        return np.argsort(keys)
    packed = (keys << bits) | np.arange(len(keys), dtype=np.int64)
    packed.sort()
    return packed & ((1 << bits) - 1)


def joined(parts: Sequence[Ranked]) -> Ranked:
    """The terms of entries of several parts, one after the other, as ranks among all."""
    if len(parts) == 1:
        return parts[0]
    ids, where = np.unique(np.concatenate([ids for ids, _ in parts]), return_inverse=True)
    offsets = np.cumsum([0] + [len(ids) for ids, _ in parts])
    ranks = [
        where[offset + part].astype(np.int32)
        for (_, part), offset in zip(parts, offsets, strict=False)
    ]
    return ids, np.concatenate(ranks)


#: Worker processes a bulk's text model is read in, and the fewest articles one add must
#: give before they are forked (a cron run's few never fork).
PROCESSES = default_processes()
FORK_AT = 2000

_Read = tuple[list[int], "array[int]", "array[float]", Ranked]
#: What a worker sends back: bounds, the ranks (the ids are the parent's to make), weights.
_Sent = tuple[list[int], Ranked, "array[float]"]


class Reader:
    """The text model of a bulk's adds (``hashed``): a large add's articles read in
    ``PROCESSES`` worker processes (each with a vocabulary of its own: an article's terms
    and their order do not depend on it) while this one writes what came before;
    collected in the order given.  A worker that fails leaves its articles to this
    process."""

    def __init__(self) -> None:
        self.known = Hashed()  # what is read here
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, articles: Sequence[Entry]) -> list[Future[_Sent]] | None:
        """Start reading ``articles`` in the workers (None: too few, or no workers)."""
        if len(articles) < FORK_AT or PROCESSES < 2 or not can_fork():
            return None
        if self._pool is None:
            self._pool = forking.pool(PROCESSES)
        from concurrent.futures.process import BrokenProcessPool

        size = -(-len(articles) // PROCESSES)
        try:
            return [
                self._pool.submit(_read, batches(articles[start : start + size]))
                for start in range(0, len(articles), size)
            ]
        except BrokenProcessPool:
            return None

    def result(self, articles: Sequence[Entry], reading: list[Future[_Sent]] | None) -> _Read:
        """The terms of ``articles`` as ``hashed`` gives them, from the workers' ``reading``
        (or read here)."""
        if reading is not None:
            try:
                parts = [future.result() for future in reading]
            except Exception:  # noqa: BLE001 - a worker died, or could not answer: read here
                parts = None
            if parts is not None:
                bounds = [0]
                weights: array[float] = array("f")
                for part_bounds, _, part_weights in parts:
                    bounds += [bounds[-1] + b for b in part_bounds[1:]]
                    weights.extend(part_weights)
                ranked = joined([part for _, part, _ in parts])
                return bounds, terms_of(ranked), weights, ranked
        return hashed(batches(articles), self.known)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


#: In a worker: the terms it has met (its own vocabulary, made at its first batch).
_KNOWN: list[Hashed] = []


def _read(texts: list[Texts]) -> _Sent:
    """In a worker: ``hashed`` of these articles' texts."""
    if not _KNOWN:
        _KNOWN.append(Hashed())
    bounds, _, weights, ranked = hashed(texts, _KNOWN[0])
    return bounds, ranked, weights


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
        cls,
        entry_docs: array[int],
        entry_terms: array[int],
        entry_weights: array[float],
        ranked: Ranked | None = None,
    ) -> Postings:
        """``ranked``: the entries' terms as ranks (``hashed``): grouped by one pass of
        counts, not sorted."""
        if ranked is not None:
            return cls._counted(entry_docs, entry_weights, ranked)
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

    @classmethod
    def _counted(
        cls, entry_docs: array[int], entry_weights: array[float], ranked: Ranked
    ) -> Postings:
        """The entries (grouped by article, each one's terms once) as a matrix of articles
        × the ranks of their terms, transposed: scipy's conversion counts the entries of
        each term and places them in the articles' order (what a stable sort by term
        gives)."""
        term_ids, ranks = ranked
        docs = np.asarray(entry_docs, dtype=np.int64)
        firsts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]]) if len(docs) else docs
        by_article = sparse.csr_matrix(
            (np.asarray(entry_weights, dtype=np.float32), ranks, np.r_[firsts, len(docs)]),
            shape=(len(firsts), len(term_ids)),
        )
        by_term = by_article.tocsc()
        del by_article
        ordinals = by_term.indices.astype(np.int32)
        return cls(
            docs[firsts][ordinals],
            ordinals,
            by_term.data,
            term_ids,
            by_term.indptr.astype(np.int64),
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
            starts = self.starts[low : high + 1] - first
            counts = np.diff(starts)
            # (the terms of one entry, most of a first fill's, left out before any loop)
            kept = np.flatnonzero(counts >= (1 if lone else 2))
            begin, end = starts[kept], starts[kept + 1]
            yield [
                (term, count, docs[8 * b : 8 * e], weights[4 * b : 4 * e])
                for term, count, b, e in zip(
                    self.term_ids[low:high][kept].tolist(),
                    counts[kept].tolist(),
                    begin.tolist(),
                    end.tolist(),
                    strict=True,
                )
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

    def snapshot_meanwhile(self, rows: list[DocRow]) -> Callable[[], Snapshot]:
        """``snapshot`` of ``rows``, made on a thread of its own (numpy's and scipy's loops
        let go of the GIL) while the caller writes the postings (its segments are made
        later, once the postings are let go: memory holds no more at once than before):
        the function returned waits for it."""
        if THREADS < 2:
            made = self.snapshot(rows)
            return lambda: made
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(1)
        future = pool.submit(self.snapshot, rows)
        pool.shutdown(wait=False)  # its thread ends once the snapshot is made
        return future.result

    def snapshot(self, rows: list[DocRow]) -> Snapshot:
        """The snapshot of an index that holds these postings only, of articles ``rows``
        (what ``Snapshot.load`` reads from it), in the order of the entries."""
        # In time order, then by rowid, as load's (the rowids are unique: no tie is left).
        timed = np.lexsort(
            (
                np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
                np.fromiter((row[5] for row in rows), dtype=np.float64, count=len(rows)),
            )
        ).tolist()
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
    against the segments of its time window only (``Snapshot.segments``); the blocks on
    ``THREADS`` threads (scipy's and numpy's loops let go of the GIL), their links
    gathered in the blocks' order.  Each query's links are its own row's work alone (its
    sums, its window, its order): the same for any cut into blocks, any thread count."""
    position = corpus.position
    indexed = sorted(
        (q for q in queries if q.article.id in position), key=lambda q: position[q.article.id]
    )
    found = {q.article.id: index._score_one(q) for q in queries if q.article.id not in position}
    if not indexed:
        return found
    rows = np.array([position[q.article.id] for q in indexed], dtype=np.int64)
    pass_ = _Pass(
        corpus,
        corpus.segments(),
        rows,
        np.array([q.published for q in indexed], dtype=np.float64),
        np.array([q.wanted for q in indexed], dtype=np.int64),
        math.inf if index.window_days is None else index.window_days * 86400,
    )
    blocks = pass_.blocks(THREADS)
    if THREADS < 2 or len(blocks) < 2:
        done = [pass_.chosen(*block) for block in blocks]
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(THREADS, len(blocks))) as pool:
            done = list(pool.map(pass_.chosen, *zip(*blocks, strict=True)))
    links = corpus.links()
    for (start, _), (queried, chosen, bounds) in zip(blocks, done, strict=True):
        for q_index, low, high in zip(queried, bounds[:-1], bounds[1:], strict=True):
            found[indexed[start + q_index].article.id] = [links[c] for c in chosen[low:high]]
    return found


#: Threads the blocks of a pass are scored on (one per CPU, at most 4).
THREADS = default_processes()


@dataclass
class _Pass:
    """What the blocks of one ``score_all`` share (read only: each block's work is its
    own, on any thread)."""

    corpus: Snapshot
    segments: Segments
    rows: npt.NDArray[np.int64]  # each query's row in the snapshot, ascending
    published: npt.NDArray[np.float64]
    wanted: npt.NDArray[np.int64]
    window: float

    def blocks(self, threads: int) -> list[tuple[int, int]]:
        """The queries cut in blocks (start, end): those of one segment, no more pairs
        with a segment than ``related._PAIRS``, at most ``related._BLOCK`` (with several
        threads, a segment's queries in as many blocks at least)."""
        starts, rows = self.segments.starts, self.rows
        blocks = []
        first = 0
        while first < len(rows):  # the queries of one segment: first .. stop
            segment = int(np.searchsorted(starts, rows[first], "right")) - 1
            size = int(starts[segment + 1] - starts[segment])
            stop = int(np.searchsorted(rows, starts[segment + 1], "left"))
            most = min(related._BLOCK, max(1, related._PAIRS // size))
            if threads > 1:
                most = min(most, max(64, -(-(stop - first) // threads)))
            blocks += [(start, min(stop, start + most)) for start in range(first, stop, most)]
            first = stop
        return blocks

    def chosen(self, start: int, end: int) -> tuple[list[int], list[int], list[int]]:
        """The links of the queries ``start:end``: those given some (their indexes in the
        block), the rows of all they are given, in order, and where each one's begin
        (and the last one's end)."""
        corpus, segments, rows = self.corpus, self.segments, self.rows[start:end]
        published = self.published[start:end]
        block = _telling(corpus.matrix[rows], corpus.df, corpus.idf2, corpus.ceiling)
        block = sparse.csr_matrix(  # in the segments' columns: the telling terms only
            (block.data, segments.column[block.indices], block.indptr),
            shape=(len(rows), segments.terms),
        )
        qrow, col, raw = _hopeful(block, segments, published, corpus.published, self.window)
        qpub, dpub = published[qrow], corpus.published[col]
        qcat = corpus.category[rows][qrow]
        boost = np.where((qcat >= 0) & (corpus.category[col] == qcat), related.CATEGORY_BOOST, 1.0)
        score = np.round(raw * boost, 9)  # as related.rounded
        keep = (
            (score >= related.THRESHOLD)
            & (col != rows[qrow])
            & (dpub <= qpub)
            & (dpub >= qpub - self.window)
        )
        qrow, col, score, dpub = qrow[keep], col[keep], score[keep], dpub[keep]
        order = np.lexsort((corpus.id_rank[col], -dpub, -score, qrow))
        qrow, col = qrow[order], col[order]
        if not len(qrow):
            return [], [], [0]
        # Each query's first ``wanted`` of its candidates, in order.
        cuts = np.flatnonzero(np.r_[True, qrow[1:] != qrow[:-1]])
        queried = qrow[cuts]
        ends = np.minimum(np.r_[cuts[1:], len(qrow)], cuts + self.wanted[start:end][queried])
        counts = ends - cuts
        firsts = np.cumsum(counts) - counts  # where each one's begin among the chosen
        chosen = col[np.arange(int(counts.sum())) + np.repeat(cuts - firsts, counts)]
        bounds = np.r_[0, np.cumsum(counts)]
        return queried.tolist(), chosen.tolist(), bounds.tolist()


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
    (float64), so that a block of queries is multiplied with the candidates of its
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
                # float64 once (exactly the float32 weights): a product would upcast
                # a float32 segment again for every block it is multiplied with.
                matrix.data[keep].astype(np.float64),
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

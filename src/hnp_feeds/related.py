"""Choosing related posts when a record brings none, or fewer than the catalogue asks for.

Explicit related links (the site's "Các bài mới đăng" / "Các bài đã đăng", or a record's
``related``) always come first.  The rest are computed from the text model
(``related_text``: syllables, syllable pairs and tags, tone marks kept, function words
left out) by a TF-IDF score:

    score(q, d) = sum over the telling terms t of q of  idf(t)² · q(t) · d(t)

where q and d are the articles' unit vectors and idf(t) = ln(1 + N/df) / ln(1 + N) (1 for
a word no other article has, falling towards 0 for one every article has).  A term is
telling when another article has it and at most 5 % of the portal (at least 10) do; of
those, the ``QUERY_TERMS`` that can say the most (weight × idf², ties by the term's id)
count.  The score is boosted by ``CATEGORY_BOOST`` in the same category (a weak signal:
it never makes a link of its own), rounded to 9 decimals, and a candidate below
``THRESHOLD`` is none: no related post is better than an irrelevant one.  Candidates are
published, not retracted, not the article itself, not newer than it and at most a year
older; ties are broken by time (newest first) then id, so the same input always gives
the same links.

Two ways to the same numbers: ``RelatedIndex.related_many`` scores a large batch (a first
ingest) against the whole index in one pass of sparse matrix products (scipy), block by
block, with top-k per row in numpy; a few articles (a cron run) are scored from the
inverted index kept in SQLite (``related_terms``: a term's document frequency and the
articles that have it, with their weights; ``related_postings``: what later runs added,
in chunks, merged into the term's row now and then), reading only the postings of their
own telling terms.  A term is known by a 64-bit hash of its text (``term_hashes``).
"""

from __future__ import annotations

import math
import sqlite3
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from .model import Article, Link
from .related_text import term_hashes, vectors
from .sql import select_in

_SCHEMA = """
CREATE TABLE IF NOT EXISTS related_docs (
    rowid INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL UNIQUE,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    category TEXT,
    published REAL NOT NULL,
    terms BLOB NOT NULL,
    weights BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS related_terms (
    id INTEGER PRIMARY KEY,
    df INTEGER NOT NULL,
    chunks INTEGER NOT NULL DEFAULT 0,
    docs BLOB NOT NULL,
    weights BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS related_postings (
    term_id INTEGER NOT NULL,
    chunk INTEGER NOT NULL,
    docs BLOB NOT NULL,
    weights BLOB NOT NULL,
    PRIMARY KEY (term_id, chunk)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS related_corpus (
    id INTEGER PRIMARY KEY CHECK (id = 0),
    docs INTEGER NOT NULL,
    runs INTEGER NOT NULL DEFAULT 0
);
"""

#: The lowest score of a related post, calibrated on the pairs of the sample judged by
#: hand (tests/data/related_pairs.jsonl): 20 of the 22 related ones score 0.052 to 0.34
#: (two share no word), the 17 unrelated ones at most 0.039; the bar sits between
#: (tests/test_related_relevance.py holds both sides).
THRESHOLD = 0.045
CATEGORY_BOOST = 1.25
#: An article is scored by at most this many of its terms, those that can say the most.
QUERY_TERMS = 24
#: A term in more than this share of the portal (and more than 10 articles) tells nothing.
CEILING_SHARE = 0.05
# Related posts are looked for in the year before the article: news a year older is
# rarely what a reader wants next, and the window keeps ranking cheap on a large portal.
WINDOW_DAYS = 365.0
#: Up to this many articles at once are scored from the postings; more, by one pass.
FEW_ARTICLES = 200
_BLOCK = 2048
#: At most this many (article, candidate) pairs scored at once: memory stays bounded.
_PAIRS = 2_000_000
#: Postings of more entries than this are written in ``_PARTS`` parts (by term id).
_PART_ENTRIES = 1_000_000
_PARTS = 16
_LOAD_PIECE = 10_000
_SLOTS = 0xFFFF
_MAX_CHUNKS = 8
_ID = np.dtype("<i8")
_WEIGHT = np.dtype("<f4")


_Postings = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One transaction around many writes, also on an autocommit connection (the store's);
    inside the caller's own transaction, the caller commits."""
    if conn.in_transaction:
        yield
        return
    conn.execute("BEGIN")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _idf_squared(df: npt.NDArray[np.int64], docs: int) -> npt.NDArray[np.float64]:
    idf = np.log1p(docs / np.maximum(df, 1)) / math.log1p(max(docs, 1))
    return np.asarray(idf * idf, dtype=np.float64)


def _ceiling(docs: int) -> int:
    return max(10, int(docs * CEILING_SHARE))


def _hashed(
    articles: Sequence[Entry], batch: int = 5000
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """The terms of ``articles`` as (article, term id, weight) entries, read a few
    thousand articles at a time (their text in one piece each: memory stays small)."""
    rows, terms, weights = [], [], []
    for start in range(0, len(articles), batch):
        found = vectors(articles[start : start + batch])
        rows.append(found.rows + start)
        terms.append(term_hashes(found.names)[found.cols])
        weights.append(found.weights)
    return np.concatenate(rows), np.concatenate(terms), np.concatenate(weights)


def _candidate(article: Article) -> bool:
    return article.status == "published" and bool(article.url)


@dataclass(frozen=True, slots=True)
class Entry:
    """What the index keeps of a candidate (not its body): a published article with a
    URL, ``published`` in seconds since 1970."""

    id: str
    url: str
    title: str
    summary: str
    tags: tuple[str, ...]
    category: str | None
    published: float

    @classmethod
    def of(cls, article: Article) -> Entry:
        category = article.category.slug if article.category else None
        moment = article.published.timestamp()
        return cls(article.id, article.url or "", article.title, article.summary, article.tags,
                   category, moment)  # fmt: skip


@dataclass(frozen=True)
class _Query:
    article: Article
    published: float
    category: str | None
    wanted: int  # computed ones: n (some may repeat an explicit link)


@dataclass
class _Candidate:
    score: float
    published: float
    article_id: str
    url: str
    title: str


class RelatedIndex:
    """The articles that can be related posts, kept in tables of their own
    (``related_*``) in any SQLite connection (the store's, or an in-memory one).

    Rowids follow publication time (seconds << 16, plus a slot from the id).  Only
    published articles with a URL are in it; drafts and retracted ones are never
    candidates.  ``window_days`` None: the whole history.
    """

    def __init__(self, conn: sqlite3.Connection, window_days: float | None = WINDOW_DAYS) -> None:
        self.conn = conn
        self.window_days = window_days
        # Postings not yet written (inside ``bulk``), and the rowids of their articles.
        self._pending: list[_Postings] | None = None
        self._pending_rows: set[int] = set()
        with _transaction(conn):  # executescript() would commit the caller's transaction
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO related_corpus (id, docs) VALUES (0, 0)")

    # --- the index -------------------------------------------------------------------

    def add(self, articles: Iterable[Article | Entry]) -> int:
        """Index (or re-index) articles by id (an ``Entry`` is a candidate as it is);
        returns how many were given."""
        given: dict[str, Entry | None] = {}
        for article in articles:
            given.pop(article.id, None)  # the last version of an id given twice
            if isinstance(article, Entry):
                given[article.id] = article
            else:
                given[article.id] = Entry.of(article) if _candidate(article) else None
        with _transaction(self.conn):
            rows = self._rows_of(list(given))
            if self._pending_rows.intersection(rows):
                self._flush()  # indexed in this bulk before: its postings are written first
            self._remove_rows(rows)
            candidates = [doc for doc in given.values() if doc is not None]
            if candidates:
                self._insert(candidates, *_hashed(candidates))
        return len(given)

    def remove(self, ids: Iterable[str]) -> None:
        """Drop articles from the index (deleted, retracted, withheld, not yet due)."""
        with _transaction(self.conn):
            self._remove_rows(self._rows_of(list(ids)))

    def _rows_of(self, ids: list[str]) -> list[int]:
        sql = "SELECT rowid FROM related_docs WHERE article_id IN ({marks})"
        return [int(row[0]) for row in select_in(self.conn, sql, ids)]

    def _insert(
        self,
        articles: list[Entry],
        entry_rows: npt.NDArray[np.int64],
        term_ids: npt.NDArray[np.int64],
        entry_weights: npt.NDArray[np.float32],
    ) -> None:
        """Index these articles: entry k says ``articles[entry_rows[k]]`` has the term
        ``term_ids[k]`` with weight ``entry_weights[k]`` (grouped by article, in order)."""
        if not len(term_ids):
            return  # nothing to say, none of them: no candidate
        bounds = np.searchsorted(entry_rows, np.arange(len(articles) + 1))
        taken: set[int] = set()
        doc_rows = []
        rowids = np.zeros(len(articles), dtype=_ID)
        for n, article in enumerate(articles):
            start, end = bounds[n], bounds[n + 1]
            if start == end:
                continue  # nothing to say: no candidate
            rowids[n] = self._free_rowid(article, taken)
            doc_rows.append(
                (
                    int(rowids[n]),
                    article.id,
                    article.url,
                    article.title,
                    article.category,
                    article.published,
                    term_ids[start:end].tobytes(),
                    entry_weights[start:end].tobytes(),
                )
            )
        self.conn.executemany(
            "INSERT INTO related_docs (rowid, article_id, url, title, category, published,"
            " terms, weights) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            doc_rows,
        )
        self._count(len(doc_rows))
        docs = rowids[entry_rows]
        if self._pending is None:
            self._write_postings(docs, term_ids, entry_weights)
        else:
            self._pending.append((docs, term_ids, entry_weights))
            self._pending_rows.update(int(rowid) for rowid, *_ in doc_rows)

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Many ``add`` calls as one (a first ingest, a few thousand articles at a time):
        the postings of all they index written once, at the end, as one ``add`` of them
        all writes them; memory holds only their terms, not their text."""
        self._pending = []
        try:
            yield
            self._flush()
        finally:
            self._pending = None
            self._pending_rows = set()

    def _flush(self) -> None:
        if self._pending:
            docs, terms, weights = (
                np.concatenate(parts) for parts in zip(*self._pending, strict=True)
            )
            self._pending.clear()
            self._pending_rows.clear()
            self._write_postings(docs, terms, weights)

    def _write_postings(
        self,
        entry_docs: npt.NDArray[np.int64],
        entry_terms: npt.NDArray[np.int64],
        entry_weights: npt.NDArray[np.float32],
    ) -> None:
        """Entry k: the article of rowid ``entry_docs[k]`` has term ``entry_terms[k]`` with
        weight ``entry_weights[k]``; each term's postings in the entries' order.  Many
        entries are written by parts (terms of one part of the hash space at a time)."""
        parts = _PARTS if len(entry_terms) > _PART_ENTRIES else 1
        run: int | None = None
        empty = self.conn.execute("SELECT 1 FROM related_terms LIMIT 1").fetchone() is None
        for part in range(parts):
            if parts == 1:
                term_ids, docs, weights = entry_terms, entry_docs, entry_weights
            else:
                mine = (entry_terms & (parts - 1)) == part
                term_ids, docs, weights = entry_terms[mine], entry_docs[mine], entry_weights[mine]
            order = np.argsort(term_ids, kind="stable")
            term_ids, docs, weights = term_ids[order], docs[order], weights[order]
            del order
            starts = np.flatnonzero(np.r_[True, term_ids[1:] != term_ids[:-1]])
            ends = np.r_[starts[1:], len(term_ids)]
            known = set() if empty else self._terms_where(term_ids[starts].tolist(), "1")
            new: list[tuple[int, int, bytes, bytes]] = []
            more: list[tuple[int, int, bytes, bytes]] = []
            for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
                term = int(term_ids[s])
                posting = (term, e - s, docs[s:e].tobytes(), weights[s:e].tobytes())
                (more if term in known else new).append(posting)
            self.conn.executemany(  # a new term: its postings in its row
                "INSERT INTO related_terms (id, df, docs, weights) VALUES (?, ?, ?, ?)", new
            )
            if more:  # known terms: a chunk more each, numbered by this run
                if run is None:
                    (run,) = self.conn.execute(
                        "UPDATE related_corpus SET runs = runs + 1 WHERE id = 0 RETURNING runs"
                    ).fetchone()
                self.conn.executemany(
                    "UPDATE related_terms SET df = df + ?, chunks = chunks + 1 WHERE id = ?",
                    [(count, term) for term, count, _, _ in more],
                )
                self.conn.executemany(
                    "INSERT INTO related_postings (term_id, chunk, docs, weights)"
                    " VALUES (?, ?, ?, ?)",
                    [(term, run, docs, weights) for term, _, docs, weights in more],
                )
                crowded = self._crowded([term for term, *_ in more])
                for term in crowded:  # added to by many cron runs: its chunks made one
                    self._rewrite(term, set())

    def _crowded(self, term_ids: list[int]) -> set[int]:
        """Which of these terms have many chunks of postings."""
        return self._terms_where(term_ids, f"chunks >= {_MAX_CHUNKS}")

    def _terms_where(self, term_ids: list[int], condition: str) -> set[int]:
        found: set[int] = set()
        for start in range(0, len(term_ids), 500):
            chunk = term_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(
                int(row[0])
                for row in self.conn.execute(
                    f"SELECT id FROM related_terms WHERE id IN ({marks}) AND {condition}", chunk
                )
            )
        return found

    def _count(self, change: int) -> None:
        self.conn.execute("UPDATE related_corpus SET docs = docs + ? WHERE id = 0", (change,))

    def _free_rowid(self, article: Entry, taken: set[int]) -> int:
        """The article's rowid: its second of publication, then a slot chosen by its id."""
        slot = zlib.crc32(article.id.encode("utf-8")) & _SLOTS
        base = math.floor(article.published) << 16
        while (
            base + slot in taken
            or self.conn.execute(
                "SELECT 1 FROM related_docs WHERE rowid = ?", (base + slot,)
            ).fetchone()
        ):
            slot = (slot + 1) & _SLOTS
        taken.add(base + slot)
        return base + slot

    def _remove_rows(self, rowids: list[int]) -> None:
        if not rowids:
            return
        by_term: dict[int, set[int]] = {}
        for rowid in rowids:
            (blob,) = self.conn.execute(
                "SELECT terms FROM related_docs WHERE rowid = ?", (rowid,)
            ).fetchone()
            for term in np.frombuffer(blob, dtype=_ID).tolist():
                by_term.setdefault(term, set()).add(rowid)
            self.conn.execute("DELETE FROM related_docs WHERE rowid = ?", (rowid,))
        for term, gone in by_term.items():
            self._rewrite(term, gone)
        self._count(-len(rowids))

    def _rewrite(self, term: int, gone: set[int]) -> None:
        """A term's postings in its row again, without the articles ``gone``."""
        docs, weights = self._postings(term)
        keep = ~np.isin(docs, np.fromiter(gone, dtype=_ID, count=len(gone)))
        self.conn.execute("DELETE FROM related_postings WHERE term_id = ?", (term,))
        self.conn.execute(
            "UPDATE related_terms SET df = ?, chunks = 0, docs = ?, weights = ? WHERE id = ?",
            (int(keep.sum()), docs[keep].tobytes(), weights[keep].tobytes(), term),
        )

    def _postings(self, term: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
        rows = self.conn.execute(
            "SELECT docs, weights FROM related_terms WHERE id = ?1 UNION ALL"
            " SELECT * FROM (SELECT docs, weights FROM related_postings WHERE term_id = ?1"
            " ORDER BY chunk)",
            (term,),
        ).fetchall()
        if not rows:
            return np.empty(0, dtype=_ID), np.empty(0, dtype=_WEIGHT)
        return (
            np.concatenate([np.frombuffer(d, dtype=_ID) for d, _ in rows]),
            np.concatenate([np.frombuffer(w, dtype=_WEIGHT) for _, w in rows]),
        )

    def _documents(self) -> int:
        return int(self.conn.execute("SELECT docs FROM related_corpus").fetchone()[0])

    # --- related posts ---------------------------------------------------------------

    def related_for(self, article: Article, n: int) -> tuple[Link, ...]:
        """The article's explicit related links, then computed ones up to ``n`` in all.

        Explicit links are all kept, in the site's order, even past ``n``.
        """
        return self.related_many([article], n)[0]

    def snapshot(self) -> Snapshot:
        """The whole index in memory, for scoring many articles (``related_many``) in one
        pass; it stays right while the index is not changed."""
        return Snapshot.load(self.conn)

    def related_many(
        self, articles: Sequence[Article], n: int, snapshot: Snapshot | None = None
    ) -> list[tuple[Link, ...]]:
        """``related_for`` of each article: a few from the postings, many (or all, given
        a ``snapshot``) by sparse products; the same links either way."""
        queries = [
            _Query(a, a.published.timestamp(), a.category.slug if a.category else None, n)
            for a in articles
            if len(a.related) < n and a.url
        ]
        if snapshot is None and len(queries) > FEW_ARTICLES:
            snapshot = self.snapshot()
        if snapshot is not None:
            found = self._score_all(queries, snapshot)
        else:
            found = {q.article.id: self._score_one(q) for q in queries}
        return [self._complete(a, n, found.get(a.id, [])) for a in articles]

    @staticmethod
    def _complete(article: Article, n: int, computed: list[_Candidate]) -> tuple[Link, ...]:
        chosen = list(article.related)
        if len(chosen) >= n:
            return tuple(chosen)
        seen = {link.url for link in chosen}
        if article.url:
            seen.add(article.url)
        for candidate in computed:
            if candidate.url not in seen:
                seen.add(candidate.url)
                chosen.append(Link(candidate.url, candidate.title))
                if len(chosen) == n:
                    break
        return tuple(chosen)

    def _oldest(self, published: float) -> float:
        return -math.inf if self.window_days is None else published - self.window_days * 86400

    def _score_one(self, query: _Query) -> list[_Candidate]:
        """Score one article from the postings of its telling terms."""
        vector = vectors([query.article])
        docs_count = self._documents()
        ceiling = _ceiling(docs_count)
        hashes = term_hashes(vector.names)[vector.cols].tolist()
        marks = ",".join("?" * len(hashes))
        df = dict(
            self.conn.execute(
                f"SELECT id, df FROM related_terms WHERE id IN ({marks}) AND df BETWEEN 2 AND ?",
                [*hashes, ceiling],
            ).fetchall()
        )
        found_terms = [
            (term, weight)
            for term, weight in zip(hashes, vector.weights.tolist(), strict=True)
            if term in df
        ]
        if not found_terms:
            return []
        factors = np.array([w for _, w in found_terms], dtype=np.float64) * _idf_squared(
            np.array([df[t] for t, _ in found_terms], dtype=np.int64), docs_count
        )
        best = sorted(zip((-factors).tolist(), [t for t, _ in found_terms], strict=True))
        rows = [(term_id, -minus) for minus, term_id in best[:QUERY_TERMS]]
        docs_parts, score_parts = [], []
        newest = (math.floor(query.published) << 16) + _SLOTS
        oldest = self._oldest(query.published)
        lowest = -(2**63) if oldest == -math.inf else math.floor(oldest) << 16
        for term, factor in rows:
            docs, weights = self._postings(term)
            inside = (docs <= newest) & (docs >= lowest)
            docs_parts.append(docs[inside])
            score_parts.append(weights[inside].astype(np.float64) * factor)
        docs = np.concatenate(docs_parts)
        if not len(docs):
            return []
        unique, where = np.unique(docs, return_inverse=True)
        scores = np.bincount(where, weights=np.concatenate(score_parts))
        hopeful = unique[scores * CATEGORY_BOOST >= THRESHOLD - 1e-9].tolist()
        score_of = dict(zip(unique.tolist(), scores.tolist(), strict=True))
        found = []
        for start in range(0, len(hopeful), 500):
            chunk = hopeful[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for rowid, article_id, url, title, category, published in self.conn.execute(
                "SELECT rowid, article_id, url, title, category, published FROM related_docs"
                f" WHERE rowid IN ({marks})",
                chunk,
            ):
                if article_id == query.article.id or not oldest <= published <= query.published:
                    continue
                same = query.category is not None and category == query.category
                boost = CATEGORY_BOOST if same else 1.0
                score = float(np.round(score_of[rowid] * boost, 9))
                if score >= THRESHOLD:
                    found.append(_Candidate(score, published, article_id, url, title))
        found.sort(key=lambda c: (-c.score, -c.published, c.article_id))
        return found[: query.wanted]

    def _score_all(self, queries: list[_Query], corpus: Snapshot) -> dict[str, list[_Candidate]]:
        """Score many articles against the whole index in one pass of sparse products:
        oldest first, by blocks, each against the articles of its time window only."""
        position = corpus.position
        indexed = sorted(
            (q for q in queries if q.article.id in position), key=lambda q: position[q.article.id]
        )
        found = {q.article.id: self._score_one(q) for q in queries if q.article.id not in position}
        rows = np.array([position[q.article.id] for q in indexed], dtype=np.int64)
        query_matrix = _telling(
            corpus.matrix[rows], corpus.df, corpus.idf2, _ceiling(len(corpus.article_ids))
        )
        published = np.array([q.published for q in indexed], dtype=np.float64)
        window = math.inf if self.window_days is None else self.window_days * 86400
        wanted = max((q.wanted for q in indexed), default=0)
        start = 0
        while start < len(indexed):
            # The candidates of a block: published in its window (the snapshot is in time
            # order, so they are one slice of it); no more pairs at once than ``_PAIRS``.
            low = int(np.searchsorted(corpus.published, published[start] - window, "left"))
            end = min(start + _BLOCK, len(indexed))
            high = int(np.searchsorted(corpus.published, published[end - 1], "right"))
            end = min(end, start + max(1, _PAIRS // max(1, high - low)))
            # Candidates × block (the block's few terms transposed, not the window's), each
            # score summed over the terms in the order of their ids, as block × candidates.
            scores = (corpus.matrix[low:high] @ query_matrix[start:end].T.tocsr()).tocoo()
            hopeful = scores.data * CATEGORY_BOOST >= THRESHOLD - 1e-9  # the rest: none
            qrow, col, raw = scores.col[hopeful], scores.row[hopeful] + low, scores.data[hopeful]
            del scores
            qpub, dpub = published[start:end][qrow], corpus.published[col]
            qcat = corpus.category[rows[start:end]][qrow]
            boost = np.where((qcat >= 0) & (corpus.category[col] == qcat), CATEGORY_BOOST, 1.0)
            score = np.round(raw * boost, 9)
            keep = (
                (score >= THRESHOLD)
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
                        _Candidate(
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
    """Each row's ``QUERY_TERMS`` telling terms that can say the most (weight × idf²,
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
    keep = rank < QUERY_TERMS
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
            if len(term_parts) == _LOAD_PIECE:
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
        term_ids = np.unique(hashes)
        columns = np.searchsorted(term_ids, hashes).astype(np.int32)
        del hashes
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

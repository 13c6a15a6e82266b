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
ingest) against the whole index in one pass of sparse matrix products (``related_pass``:
scipy, block by block against the segments of their year, with top-k per row in numpy);
a few articles (a cron run) are indexed and scored in plain Python (numpy is not
imported) from the inverted index kept in SQLite (``related_terms``: a term's document
frequency; ``related_lists``: the articles that have it, with their weights;
``related_postings``: what later runs added, in chunks, merged as a binary counter adds
(``_merged``); ``related_rare``: the terms a first fill found in one article only, by
buckets), reading only the postings of
their own telling terms, and of those only the slice of their year (``_window``: postings
are in time order, as rowids are).  A term is known by a 64-bit hash of its text
(``term_hashes``).
"""

from __future__ import annotations

import math
import sqlite3
import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from .model import Article, Link
from .related_text import Text, article_terms, term_hash
from .sql import select_in

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .related_pass import Hashed, Ranked, Reader, Snapshot

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
    df INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS related_lists (
    id INTEGER PRIMARY KEY,
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
CREATE TABLE IF NOT EXISTS related_rare (
    bucket INTEGER PRIMARY KEY,
    terms BLOB NOT NULL,
    docs BLOB NOT NULL,
    weights BLOB NOT NULL
);
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
#: At most this many (article, candidate of its window) pairs at once: memory stays bounded
#: (at 100,000 articles, blocks of some 700 articles: the window is sliced once a block).
_PAIRS = 8_000_000
#: Postings of more entries than this are written in ``_PARTS`` parts (by term id).
_PART_ENTRIES = 1_000_000
_PARTS = 16
_LOAD_PIECE = 10_000
_SLOTS = 0xFFFF
#: At most this many chunks of postings a term (``_merged``).
_MAX_CHUNKS = 16

#: A first fill keeps the terms of one article (most of a portal's: a name, a typo, a
#: rare pair) by buckets of their ids (the id's top 14 bits): some 16,000 rows, not one
#: per term.  They can match nothing until a second article has them; then the term gets
#: its row in ``related_terms`` (its bucket's entry is never read again).
_RARE_SHIFT = 50
#: At most this many postings entries are grouped by term in plain Python; more by numpy.
_PLAIN_ENTRIES = 50_000
_ID = "q"  # rowids and term ids: little-endian int64 in the blobs
_WEIGHT = "f"  # float32
_LITTLE = sys.byteorder == "little"

#: Postings entries: the article (rowid) of each, its term id and its weight (or, from
#: numpy's one pass, None and the terms as ranks).
_Postings = tuple["array[int]", "array[int] | None", "array[float]", "Ranked | None"]
#: A term's postings as written: (term id, how many, docs blob, weights blob).
Group = tuple[int, int, bytes, bytes]
#: Terms of one article each as kept: (bucket, term ids blob, docs blob, weights blob).
Bucket = tuple[int, bytes, bytes, bytes]
#: An indexed article's row, as the snapshot reads it: rowid, article id, URL, title,
#: category, published.
DocRow = tuple[int, str, str, str, str | None, float]


def _unpack(code: str, *blobs: bytes) -> array[Any]:
    """The values of blobs written by ``_pack``, one array."""
    values = array(code, b"".join(blobs))
    if not _LITTLE:
        values.byteswap()
    return values


def _all_beyond(raw: bytes, block: int, later: bool) -> bool:
    """Whether every rowid of ``raw`` (int64s as stored) is in a block of 2³² (some 18
    hours) after ``block`` (``later``) or before it, shown by operations on the bytes alone
    (no number made of each); False also where it cannot be shown so (a rowid before 1970
    or after 2106; those of ``block``'s byte 5 not all nearest it, as in time order)."""
    count = len(raw) // 8
    if not count:
        return True
    if not 0 <= block < 0x10000 or raw[6::8].count(0) != count or raw[7::8].count(0) != count:
        return False
    top, low = divmod(block, 256)
    fifths = raw[5::8]
    # Those of byte 5 ``top`` or on the wrong side of it: none, or all ``top``, nearest the
    # block, and each of byte 4 beyond ``low``.
    near = fifths.translate(None, bytes(range(top + 1, 256)) if later else bytes(range(top)))
    if not near:
        return True
    same = len(near)
    first = 0 if later else count - same
    fourths = raw[8 * first + 4 : 8 * (first + same) : 8]
    wrong = fourths.translate(None, bytes(range(low + 1, 256)) if later else bytes(range(low)))
    nearest = fifths.startswith if later else fifths.endswith
    return near.count(top) == same and nearest(bytes([top]) * same) and not wrong


def _window(docs: array[int], raw: bytes, lowest: int, newest: int) -> tuple[int, int]:
    """Where in a term's postings ``docs`` (stored as ``raw``) every one of rowid
    ``lowest`` to ``newest`` is: the bisection of the blocks of 2³² around them (postings
    are in time order, unless articles came out of it) once the bytes show none before it
    in a block as late and none after in one as early; else all of them."""
    if lowest < 0:
        return 0, len(docs)
    low, high = lowest >> 32, newest >> 32
    first = bisect_left(docs, low << 32)
    last = max(first, bisect_right(docs, ((high + 1) << 32) - 1))
    if _all_beyond(raw[: 8 * first], low, False) and _all_beyond(raw[8 * last :], high, True):
        return first, last
    return 0, len(docs)


def _pack(values: array[Any]) -> bytes:
    """Values as stored in a blob: little-endian."""
    if _LITTLE:
        return values.tobytes()
    swapped = array(values.typecode, values)
    swapped.byteswap()
    return swapped.tobytes()


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


def idf_squared(df: int, docs: int) -> float:
    """A term's idf², ``docs`` articles in the index, ``df`` of them with it (the one
    definition: the one pass reads it from a table of these)."""
    idf = math.log1p(docs / max(df, 1)) / math.log1p(max(docs, 1))
    return idf * idf


def rounded(score: float) -> float:
    """A score to 9 decimals, as numpy's ``round`` (x·10⁹ to the nearest even, then /10⁹)."""
    return round(score * 1e9) / 1e9


def _ceiling(docs: int) -> int:
    return max(10, int(docs * CEILING_SHARE))


def _entries(
    articles: Sequence[Entry], known: Hashed | None = None
) -> tuple[list[int], array[int], array[float], Ranked | None]:
    """The terms of ``articles``: entries ``bounds[n]:bounds[n + 1]`` (term ids, weights)
    are article n's, in the order of the ids (and, by numpy's one pass, as ranks).  Many
    by numpy's one pass, a few in plain Python.  ``known``: the terms a bulk met before,
    more added."""
    if len(articles) > FEW_ARTICLES:
        from .related_pass import Hashed, batches, hashed

        return hashed(batches(articles), Hashed() if known is None else known)
    bounds = [0]
    terms: array[int] = array(_ID)
    weights: array[float] = array(_WEIGHT)
    for article in articles:
        for term, weight in sorted(_hashed_terms(article)):
            terms.append(term)
            weights.append(weight)
        bounds.append(len(terms))
    return bounds, terms, weights, None


class _Text(NamedTuple):
    title: str
    summary: str
    tags: tuple[str, ...]


def _hashed_terms(article: Text) -> tuple[tuple[int, float], ...]:
    """``article_terms`` of an article, each term as its id (``term_hash``): made once
    for a text, as a cron run indexes a new article and then scores it."""
    return _terms_of_text(article.title, article.summary, article.tags)


@lru_cache(maxsize=2 * FEW_ARTICLES)
def _terms_of_text(
    title: str, summary: str, tags: tuple[str, ...]
) -> tuple[tuple[int, float], ...]:
    return tuple((term_hash(n), w) for n, w in article_terms(_Text(title, summary, tags)))


def _terms_of(ranked: Ranked | None) -> array[int]:
    """The term ids of entries given as ranks."""
    from .related_pass import terms_of

    assert ranked is not None  # (a part's terms are kept as ids or as ranks)
    return terms_of(ranked)


def _grouped(
    entry_docs: array[int],
    entry_terms: array[int],
    entry_weights: array[float],
    parts: int,
) -> Iterator[list[Group]]:
    """Each part's terms (by their id's low bits) with their postings in the entries'
    order, by term id: in plain Python."""
    by_term: dict[int, tuple[array[int], array[float]]] = {}
    for doc, term, weight in zip(entry_docs, entry_terms, entry_weights, strict=True):
        found = by_term.get(term)
        if found is None:
            found = by_term[term] = (array(_ID), array(_WEIGHT))
        found[0].append(doc)
        found[1].append(weight)
    ordered = sorted(by_term.items())
    for part in range(parts):
        yield [
            (term, len(d), _pack(d), _pack(w))
            for term, (d, w) in ordered
            if parts == 1 or (term & (parts - 1)) == part
        ]


def _buckets(lone: list[Group]) -> list[Bucket]:
    """Terms of one article each by buckets (their ids' top bits), ids ascending: in
    plain Python."""
    by_bucket: dict[int, list[Group]] = {}
    for group in sorted(lone):
        by_bucket.setdefault(group[0] >> _RARE_SHIFT, []).append(group)
    return [
        (
            bucket,
            _pack(array(_ID, [term for term, *_ in members])),
            b"".join(docs for _, _, docs, _ in members),
            b"".join(weights for *_, weights in members),
        )
        for bucket, members in by_bucket.items()
    ]


def _repeated(values: list[int], counts: list[int]) -> array[int]:
    """Each of ``values`` ``counts`` times over, in order (many by numpy's ``repeat``)."""
    if len(values) <= FEW_ARTICLES:
        repeated: array[int] = array(_ID)
        for value, count in zip(values, counts, strict=True):
            repeated.extend(array(_ID, [value]) * count)
        return repeated
    import numpy as np

    return _unpack(_ID, np.repeat(np.array(values, dtype="<i8"), counts).tobytes())


def _merged(sizes: list[int]) -> int:
    """Where a term's postings merge once a run added a chunk: ``sizes`` are its list's
    then its chunks' entries, oldest first, the run's last; the newest are merged while
    the part before them holds no more than they do together (a binary counter's carry),
    and the first of them is returned (0: all into the list; the last: none merged).
    Chunks stay about halving in size towards the newest, a few per term, and an entry is
    copied again only when what came after it grew as large (a term's list once its
    postings doubled), never every few runs; runs ever smaller could leave many, so the
    newest beyond ``_MAX_CHUNKS`` are joined too."""
    first = len(sizes) - 1
    total = sizes[first]
    while first > 0 and sizes[first - 1] <= total:
        first -= 1
        total += sizes[first]
    return min(first, _MAX_CHUNKS)


def _candidate(article: Article) -> bool:
    return article.status == "published" and bool(article.url)


class Entry(NamedTuple):
    """What the index keeps of a candidate (not its body): a published article with a
    URL, ``published`` in seconds since 1970.  (A named tuple: a first ingest makes one
    an article, three times faster than a frozen dataclass's.)"""

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


class _Query(NamedTuple):
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
        # Inside ``bulk`` (of many): its text model (the terms it met, each hashed once; a
        # large add read in worker processes), and the adds read there, not yet written.
        self._reader: Reader | None = None
        self._reading: list[tuple[list[Entry], list[Future[Any]] | None]] = []
        # A bulk into an empty index: what it indexed (``DocRow``), for the snapshot its
        # last write makes from memory (None: not such a bulk, or no longer).
        self._fresh: list[DocRow] | None = None
        self._snapshot: Snapshot | None = None
        with _transaction(conn):  # executescript() would commit the caller's transaction
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO related_corpus (id, docs) VALUES (0, 0)")

    # --- the index -------------------------------------------------------------------

    def add(self, articles: Iterable[Article | Entry]) -> int:
        """Index (or re-index) articles by id (an ``Entry`` is a candidate as it is);
        returns how many were given."""
        self._snapshot = None
        given: dict[str, Entry | None] = {}
        for article in articles:
            given.pop(article.id, None)  # the last version of an id given twice
            if isinstance(article, Entry):
                given[article.id] = article
            else:
                given[article.id] = Entry.of(article) if _candidate(article) else None
        if self._pending is not None and self._reader is None and len(given) > FEW_ARTICLES:
            from .related_pass import Reader

            self._reader = Reader()
        candidates = [doc for doc in given.values() if doc is not None]
        reading = self._reader.submit(candidates) if self._reader is not None else None
        with _transaction(self.conn):
            self._drain()  # the adds before, read meanwhile, written first
            rows = self._rows_of(list(given))
            if self._pending_rows.intersection(rows):
                self._fresh = None
                self._flush()  # indexed in this bulk before: its postings are written first
            self._remove_rows(rows)
            if reading is not None:  # written at the next add (or the bulk's end)
                self._reading.append((candidates, reading))
            elif candidates:
                known = self._reader.known if self._reader is not None else None
                self._insert(candidates, *_entries(candidates, known))
        return len(given)

    def _drain(self) -> None:
        """Write the adds read in the workers (in the order given)."""
        while self._reading and self._reader is not None:
            candidates, reading = self._reading.pop(0)
            self._insert(candidates, *self._reader.result(candidates, reading))

    def remove(self, ids: Iterable[str]) -> None:
        """Drop articles from the index (deleted, retracted, withheld, not yet due)."""
        self._snapshot = self._fresh = None
        with _transaction(self.conn):
            self._drain()
            self._remove_rows(self._rows_of(list(ids)))

    def _rows_of(self, ids: list[str]) -> list[int]:
        sql = "SELECT rowid FROM related_docs WHERE article_id IN ({marks})"
        return [int(row[0]) for row in select_in(self.conn, sql, ids)]

    def _insert(
        self,
        articles: list[Entry],
        bounds: list[int],
        term_ids: array[int],
        entry_weights: array[float],
        ranked: Ranked | None = None,
    ) -> None:
        """Index these articles: entries ``bounds[n]:bounds[n + 1]`` (``term_ids``,
        ``entry_weights``; ``ranked``, the terms as ranks) are ``articles[n]``'s terms."""
        if not len(term_ids):
            return  # nothing to say, none of them: no candidate
        said = [n for n in range(len(articles)) if bounds[n] < bounds[n + 1]]
        chosen = [articles[n] for n in said]
        rowids = self._free_rowids(chosen)  # nothing to say: none
        starts, ends = [bounds[n] for n in said], [bounds[n + 1] for n in said]
        term_bytes, weight_bytes = _pack(term_ids), _pack(entry_weights)  # each one's a slice
        doc_rows = [
            (rowid, a.id, a.url, a.title, a.category, a.published,
             term_bytes[8 * start : 8 * end], weight_bytes[4 * start : 4 * end])
            for rowid, a, start, end in zip(rowids, chosen, starts, ends, strict=True)
        ]  # fmt: skip
        docs = _repeated(rowids, [end - start for start, end in zip(starts, ends, strict=True)])
        self.conn.executemany(
            "INSERT INTO related_docs (rowid, article_id, url, title, category, published,"
            " terms, weights) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            doc_rows,
        )
        self._count(len(doc_rows))
        if self._pending is None:
            self._write_postings(docs, term_ids, entry_weights)
        else:
            # (the terms as ranks only, when they are: half the memory of their ids)
            self._pending.append((docs, None if ranked else term_ids, entry_weights, ranked))
            self._pending_rows.update(rowids)
            if self._fresh is not None:
                self._fresh += [row[:6] for row in doc_rows]

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Many ``add`` calls as one (a first ingest, a few thousand articles at a time):
        the postings of all they index written once, at the end, as one ``add`` of them
        all writes them; memory holds only their terms, not their text."""
        self._pending = []
        empty = self.conn.execute("SELECT 1 FROM related_docs LIMIT 1").fetchone() is None
        self._fresh = [] if empty else None
        try:
            yield
            if self._reading:
                with _transaction(self.conn):
                    self._drain()
            self._close_reader()  # its workers and terms let go before the postings are grouped
            self._flush(self._fresh)
        finally:
            self._close_reader()
            self._pending = None
            self._pending_rows = set()
            self._fresh = None

    def _close_reader(self) -> None:
        if self._reader is not None:
            self._reader.close()
        self._reader = None
        self._reading = []

    def _flush(self, fresh: list[DocRow] | None = None) -> None:
        if self._pending:
            docs: array[int] = array(_ID)
            terms: array[int] = array(_ID)
            weights: array[float] = array(_WEIGHT)
            # All parts' terms as ranks: grouped by counting; else (a part of a few) by
            # sorting the ids.
            ranks: list[Ranked] | None = [part[3] for part in self._pending if part[3]]
            if len(ranks or ()) < len(self._pending):
                ranks = None
            pending, self._pending = self._pending[::-1], []
            while pending:  # each part let go once copied: never all of them twice
                more_docs, more_terms, more_weights, ranked = pending.pop()
                docs.extend(more_docs)
                weights.extend(more_weights)
                if ranks is None:
                    terms.extend(more_terms if more_terms is not None else _terms_of(ranked))
            del more_docs, more_terms, more_weights, ranked
            self._pending_rows.clear()
            self._write_postings(docs, terms, weights, fresh, ranks)

    def _write_postings(
        self,
        entry_docs: array[int],
        entry_terms: array[int],
        entry_weights: array[float],
        fresh: list[DocRow] | None = None,
        ranks: list[Ranked] | None = None,
    ) -> None:
        """Entry k: the article of rowid ``entry_docs[k]`` has term ``entry_terms[k]`` with
        weight ``entry_weights[k]``; each term's postings in the entries' order.  Many
        entries are written by parts (terms of one range of ids at a time), grouped by
        numpy; a few in plain Python.  ``fresh``: these are all the index holds, those
        articles' rows: the snapshot is made from memory too.  ``ranks``: the entries'
        terms as ranks, part after part (``related_pass.hashed``)."""
        parts = _PARTS if len(entry_docs) > _PART_ENTRIES else 1
        postings = None
        made: Callable[[], Snapshot] | None = None
        # Into an empty index, the terms of one article are kept by buckets.
        empty = not any(
            self.conn.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone()
            for table in ("related_terms", "related_rare")
        )
        if fresh is not None and len(fresh) <= FEW_ARTICLES:
            fresh = None  # scored from the postings: no snapshot
        if ranks or len(entry_docs) > _PLAIN_ENTRIES or parts > 1 or fresh is not None:
            from .related_pass import Postings, joined

            ranked = joined(ranks) if ranks else None
            postings = Postings.of(entry_docs, entry_terms, entry_weights, ranked)
            del ranked, ranks
            # The entries are in ``postings`` now: let go before its snapshot is made
            # (``add`` and ``_flush`` pass arrays of their own, not used after).
            for entries in (entry_docs, entry_terms, entry_weights):
                del entries[:]
            if fresh is not None:  # (on a thread, while the postings are written)
                made = postings.snapshot_meanwhile(fresh)
            all_groups = postings.groups(parts, lone=not empty)
            buckets = postings.buckets(_RARE_SHIFT) if empty else []
        else:
            all_groups = _grouped(entry_docs, entry_terms, entry_weights, parts)
        run: int | None = None
        lone: list[Group] = []  # (plain Python) an empty index's terms of one article
        for groups in all_groups:
            known = {} if empty else self._dfs([g[0] for g in groups])
            new: list[Group] = groups  # none known (in an empty index, every one)
            more: list[Group] = []
            if empty:
                if postings is None:
                    new = [group for group in groups if group[1] > 1]
                    lone += [group for group in groups if group[1] == 1]
            else:
                new, more = [], []
                for group in groups:
                    (more if group[0] in known else new).append(group)
                new = self._joined_rare(new)
            self._insert_terms(new)  # a new term: its df, and its postings as its list
            if more:  # known terms: a chunk more each, numbered by this run
                if run is None:
                    (run,) = self.conn.execute(
                        "UPDATE related_corpus SET runs = runs + 1 WHERE id = 0 RETURNING runs"
                    ).fetchone()
                self.conn.executemany(
                    "UPDATE related_terms SET df = df + ? WHERE id = ?",
                    [(count, term) for term, count, _, _ in more],
                )
                self._add_chunks(run, more, known)
        if postings is None:
            buckets = _buckets(lone)
        self.conn.executemany(
            "INSERT INTO related_rare (bucket, terms, docs, weights) VALUES (?, ?, ?, ?)", buckets
        )
        if made is not None:
            self._snapshot = made()

    def _rare(self, term_ids: Iterable[int]) -> dict[int, tuple[bytes, bytes]]:
        """The one posting (docs, weights blobs) of those of these terms kept in a bucket
        (whether or not a row of ``related_terms`` has taken over since: the caller asks
        for terms with no row only)."""
        wanted = set(term_ids)
        found: dict[int, tuple[bytes, bytes]] = {}
        sql = "SELECT terms, docs, weights FROM related_rare WHERE bucket IN ({marks})"
        for terms, docs, weights in select_in(
            self.conn, sql, sorted({term >> _RARE_SHIFT for term in wanted})
        ):
            for n, term in enumerate(_unpack(_ID, terms)):
                if term in wanted:
                    found[term] = (docs[8 * n : 8 * n + 8], weights[4 * n : 4 * n + 4])
        return found

    def _joined_rare(self, groups: list[Group]) -> list[Group]:
        """New terms' postings, each with the one article a first fill found it in (kept
        in a bucket) first: the term's row as if it had been written then."""
        rare = self._rare(group[0] for group in groups)
        if not rare:
            return groups
        return [
            (term, count + 1, rare[term][0] + docs, rare[term][1] + weights)
            if term in rare
            else (term, count, docs, weights)
            for term, count, docs, weights in groups
        ]

    def _insert_terms(self, groups: list[Group]) -> None:
        """New terms (none has a row): each one's df and its postings as its list."""
        self.conn.executemany(
            "INSERT INTO related_terms (id, df) VALUES (?, ?)",
            [(term, count) for term, count, _, _ in groups],
        )
        self.conn.executemany(
            "INSERT INTO related_lists (id, docs, weights) VALUES (?, ?, ?)",
            [(term, docs, weights) for term, _, docs, weights in groups],
        )

    def _add_chunks(self, run: int, groups: list[Group], dfs: dict[int, int]) -> None:
        """Known terms' postings of this run (their df ``dfs`` before it): a chunk more
        each, numbered ``run``, joined with the newest of those before it as a binary
        counter carries (``_merged``), or with all of them into the term's list."""
        sizes: dict[int, list[tuple[int, int]]] = {}
        for term, chunk, size in select_in(
            self.conn,
            "SELECT term_id, chunk, length(docs) / 8 FROM related_postings"
            " WHERE term_id IN ({marks}) ORDER BY term_id, chunk",
            [term for term, *_ in groups],
        ):
            sizes.setdefault(int(term), []).append((int(chunk), int(size)))
        chunks: list[tuple[int, int, bytes, bytes]] = []
        joined: dict[int, tuple[int, bytes, bytes]] = {}  # term: its first chunk joined
        listed: list[int] = []
        for term, count, docs, weights in groups:
            before = sizes.get(term, [])
            first = _merged(
                [dfs[term] - sum(size for _, size in before), *(s for _, s in before), count]
            )
            if first == len(before) + 1:  # no carry
                chunks.append((term, run, docs, weights))
            elif first == 0:  # as many as its list: all one list
                chunks.append((term, run, docs, weights))
                listed.append(term)
            else:
                joined[term] = (before[first - 1][0], docs, weights)
        self.conn.executemany(
            "INSERT INTO related_postings (term_id, chunk, docs, weights) VALUES (?, ?, ?, ?)",
            chunks,
        )
        parts: dict[int, tuple[list[bytes], list[bytes]]] = {}
        for term, chunk, docs, weights in select_in(
            self.conn,
            "SELECT term_id, chunk, docs, weights FROM related_postings"
            " WHERE term_id IN ({marks}) ORDER BY term_id, chunk",
            list(joined),
        ):
            if chunk >= joined[term][0]:
                found = parts.setdefault(term, ([], []))
                found[0].append(docs)
                found[1].append(weights)
        self.conn.executemany(
            "DELETE FROM related_postings WHERE term_id = ? AND chunk > ?",
            [(term, chunk) for term, (chunk, _, _) in joined.items()],
        )
        self.conn.executemany(
            "UPDATE related_postings SET docs = ?, weights = ? WHERE term_id = ? AND chunk = ?",
            [
                (
                    b"".join([*parts[term][0], docs]),
                    b"".join([*parts[term][1], weights]),
                    term,
                    chunk,
                )
                for term, (chunk, docs, weights) in joined.items()
            ],  # fmt: skip
        )
        for term in listed:
            self._rewrite(term, set())

    def _dfs(self, term_ids: list[int]) -> dict[int, int]:
        """The df of those of these terms that have a row."""
        sql = "SELECT id, df FROM related_terms WHERE id IN ({marks})"
        return {int(term): int(df) for term, df in select_in(self.conn, sql, term_ids)}

    def _count(self, change: int) -> None:
        self.conn.execute("UPDATE related_corpus SET docs = docs + ? WHERE id = 0", (change,))

    def _free_rowids(self, articles: list[Entry]) -> list[int]:
        """Each article's rowid: its second of publication, then a slot chosen by its id
        (the next one while taken: by an article indexed before, or one of these)."""
        wanted = [
            (math.floor(a.published) << 16, zlib.crc32(a.id.encode("utf-8")) & _SLOTS)
            for a in articles
        ]
        rowids = [base + slot for base, slot in wanted]
        first = set(rowids)  # taken or not: asked at once
        sql = "SELECT rowid FROM related_docs WHERE rowid IN ({marks})"
        held = {int(row[0]) for row in select_in(self.conn, sql, sorted(first))}
        if not held and len(first) == len(rowids):
            return rowids  # (most often) each one's first choice free: what the loop gives
        taken: set[int] = set()
        rowids = []
        for base, slot in wanted:
            while base + slot in taken or (
                base + slot in held
                if base + slot in first
                else self.conn.execute(
                    "SELECT 1 FROM related_docs WHERE rowid = ?", (base + slot,)
                ).fetchone()
            ):
                slot = (slot + 1) & _SLOTS
            taken.add(base + slot)
            rowids.append(base + slot)
        return rowids

    def _remove_rows(self, rowids: list[int]) -> None:
        if not rowids:
            return
        by_term: dict[int, set[int]] = {}
        for rowid in rowids:
            (blob,) = self.conn.execute(
                "SELECT terms FROM related_docs WHERE rowid = ?", (rowid,)
            ).fetchone()
            for term in _unpack(_ID, blob):
                by_term.setdefault(term, set()).add(rowid)
            self.conn.execute("DELETE FROM related_docs WHERE rowid = ?", (rowid,))
        for term, gone in by_term.items():
            self._rewrite(term, gone)
        self._count(-len(rowids))

    def _rewrite(self, term: int, gone: set[int]) -> None:
        """A term's postings in its row again, without the articles ``gone``."""
        docs, weights = self._postings(term)
        for rowid in gone:  # an article is in a term's postings once
            if rowid in docs:
                where = docs.index(rowid)
                del docs[where], weights[where]
        self.conn.execute("DELETE FROM related_postings WHERE term_id = ?", (term,))
        # A term kept in a bucket gets its rows: the bucket's is old.
        self.conn.execute("INSERT OR REPLACE INTO related_terms (id, df) VALUES (?, ?)",
                          (term, len(docs)))  # fmt: skip
        self.conn.execute(
            "INSERT OR REPLACE INTO related_lists (id, docs, weights) VALUES (?, ?, ?)",
            (term, _pack(docs), _pack(weights)),
        )

    def _postings(self, term: int) -> tuple[array[int], array[float]]:
        docs, weights = self._posting_blobs(term)
        return _unpack(_ID, docs), _unpack(_WEIGHT, weights)

    def _posting_blobs(self, term: int) -> tuple[bytes, bytes]:
        """A term's postings as stored (docs, weights): its row's, then its chunks' in
        their order (a term of no row, from its bucket)."""
        rows = self.conn.execute(
            "SELECT docs, weights FROM related_lists WHERE id = ?1 UNION ALL"
            " SELECT * FROM (SELECT docs, weights FROM related_postings WHERE term_id = ?1"
            " ORDER BY chunk)",
            (term,),
        ).fetchall()
        if not rows:  # no row: perhaps in a bucket
            rows = list(self._rare([term]).values())
        return b"".join(d for d, _ in rows), b"".join(w for _, w in rows)

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
        if self._snapshot is not None:
            return self._snapshot  # a bulk into an empty index made it from memory
        from .related_pass import Snapshot

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
            from .related_pass import score_all

            found = score_all(self, queries, snapshot)
        else:
            found = {q.article.id: self._score_one(q) for q in queries}
        return [self._complete(a, n, found.get(a.id, [])) for a in articles]

    @staticmethod
    def _complete(article: Article, n: int, computed: list[Link]) -> tuple[Link, ...]:
        if not computed or len(article.related) >= n:
            return article.related  # (a tuple, as given)
        if not article.related:  # (most): no URL twice, not its own, then as computed
            urls = {link.url for link in computed}
            if len(urls) == len(computed) and article.url not in urls:
                return tuple(computed[:n])
        chosen = list(article.related)
        seen = {link.url for link in chosen}
        if article.url:
            seen.add(article.url)
        for link in computed:
            if link.url not in seen:
                seen.add(link.url)
                chosen.append(link)
                if len(chosen) == n:
                    break
        return tuple(chosen)

    def _oldest(self, published: float) -> float:
        return -math.inf if self.window_days is None else published - self.window_days * 86400

    def _score_one(self, query: _Query) -> list[Link]:
        """Score one article from the postings of its telling terms (plain Python: the
        sums in the same order as numpy's would be)."""
        docs_count = self._documents()
        ceiling = _ceiling(docs_count)
        found_terms = _hashed_terms(query.article)
        marks = ",".join("?" * len(found_terms))
        df = dict(
            self.conn.execute(
                f"SELECT id, df FROM related_terms WHERE id IN ({marks}) AND df BETWEEN 2 AND ?",
                [*(term for term, _ in found_terms), ceiling],
            ).fetchall()
        )
        best = sorted(
            (-(weight * idf_squared(df[term], docs_count)), term)
            for term, weight in found_terms
            if term in df
        )
        if not best:
            return []
        newest = (math.floor(query.published) << 16) + _SLOTS
        oldest = self._oldest(query.published)
        lowest = -(2**63) if oldest == -math.inf else math.floor(oldest) << 16
        score_of: dict[int, float] = {}
        for minus, term in best[:QUERY_TERMS]:
            factor = -minus
            raw_docs, raw_weights = self._posting_blobs(term)
            docs = _unpack(_ID, raw_docs)
            # Only the postings of its window's blocks of time are looked at, one by one.
            first, last = _window(docs, raw_docs, lowest, newest)
            weights = _unpack(_WEIGHT, raw_weights[4 * first : 4 * last])
            for doc, weight in zip(docs[first:last], weights, strict=True):
                if lowest <= doc <= newest:
                    score_of[doc] = score_of.get(doc, 0.0) + weight * factor
        hopeful = sorted(
            doc for doc, score in score_of.items() if score * CATEGORY_BOOST >= THRESHOLD - 1e-9
        )
        found = []
        for rowid, article_id, url, title, category, published in select_in(
            self.conn,
            "SELECT rowid, article_id, url, title, category, published FROM related_docs"
            " WHERE rowid IN ({marks})",
            hopeful,
        ):
            if article_id == query.article.id or not oldest <= published <= query.published:
                continue
            same = query.category is not None and category == query.category
            boost = CATEGORY_BOOST if same else 1.0
            score = rounded(score_of[rowid] * boost)
            if score >= THRESHOLD:
                found.append(_Candidate(score, published, article_id, url, title))
        found.sort(key=lambda c: (-c.score, -c.published, c.article_id))
        return [Link(c.url, c.title) for c in found[: query.wanted]]

"""Choosing related posts when a record brings none, or fewer than the catalogue asks for.

Explicit related links (the site's "Các bài mới đăng" / "Các bài đã đăng", or a record's
``related``) always come first.  The rest are found with SQLite FTS5: bm25 over title,
summary and tags (syllables and two-syllable words), boosted for the same category, among
articles that are published, not retracted, not the article itself, not newer than it
and at most a year older; ties broken by time then id, so the same input always gives
the same links.  When text finds too few, the newest
earlier posts of the same category fill the list, as the portal's own "Các bài đã đăng".
"""

from __future__ import annotations

import math
import re
import sqlite3
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from .model import Article, Link

# unicode61 with remove_diacritics 2 folds "Hà Nội" and "Ha Noi" together (đ stays đ).
# Vietnamese is written in syllables and most words are two of them ("ngập úng"), so
# besides the syllables the index holds each pair of neighbouring syllables as one token
# ("ngap_ung", column ``pairs``): the words themselves, far more telling than syllables.
_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS related_fts USING fts5(
    title, summary, tags, pairs, tokenize = "unicode61 remove_diacritics 2 tokenchars '_'"
);
CREATE VIRTUAL TABLE IF NOT EXISTS related_vocab USING fts5vocab(related_fts, 'row');
CREATE TABLE IF NOT EXISTS related_docs (
    rowid INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL UNIQUE,
    url TEXT,
    title TEXT NOT NULL,
    category TEXT,
    published REAL NOT NULL,
    status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS related_docs_category
    ON related_docs (category, published DESC, article_id);
"""

# bm25 column weights: a shared tag or title word says more than one in the lede.
_WEIGHTS = (4.0, 1.0, 6.0, 2.0)
_CATEGORY_BOOST = 1.5
_MAX_PAIRS = 8
_SLOTS = 0xFFFF
_MAX_TERMS = 16
# Related posts are looked for in the year before the article: news a year older is
# rarely what a reader wants next, and the window keeps ranking cheap on a large portal.
WINDOW_DAYS = 365.0
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """The FTS5 tokens of ``text`` as unicode61 ``remove_diacritics 2`` makes them."""
    folded = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return _TOKEN.findall(unicodedata.normalize("NFC", bare))


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


def _second(timestamp: float) -> int:
    return math.floor(timestamp)


def _pairs(article: Article) -> list[str]:
    """Neighbouring syllables joined (``ngap_ung``), within the title, lede and each tag."""
    pairs: list[str] = []
    for text in (article.title, article.summary, *article.tags):
        syllables = tokens(text)
        pairs.extend(f"{a}_{b}" for a, b in zip(syllables, syllables[1:], strict=False))
    return pairs


def _quote(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


class RelatedIndex:
    """A full-text index of articles, kept in tables of its own (``related_*``) in any
    SQLite connection (the store's, or an in-memory one).

    Rowids follow publication time (seconds << 16, plus a slot from the id), so "not newer
    than the article" and the look-back ``window_days`` (None: the whole history) are
    rowid ranges that FTS5 applies while it reads its lists, before ranking.  The
    same-category fallback looks at the whole history.  Only published articles with
    a URL are in the full-text table; drafts and retracted ones are never candidates.
    """

    def __init__(self, conn: sqlite3.Connection, window_days: float | None = WINDOW_DAYS) -> None:
        self.conn = conn
        self.window_days = window_days
        with _transaction(conn):  # executescript() would commit the caller's transaction
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
        self._doc_freq: dict[str, int] | None = None
        self._doc_count = 0

    def add(self, articles: Iterable[Article]) -> int:
        """Index (or re-index) articles by id; returns how many were written."""
        written = 0
        with _transaction(self.conn):
            for article in articles:
                self._remove_one(article.id)
                rowid = self._free_rowid(article)
                self.conn.execute(
                    "INSERT INTO related_docs (rowid, article_id, url, title, category,"
                    " published, status) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        rowid,
                        article.id,
                        article.url,
                        article.title,
                        article.category.slug if article.category else None,
                        article.published.timestamp(),
                        article.status,
                    ),
                )
                if article.status == "published" and article.url:
                    self.conn.execute(
                        "INSERT INTO related_fts (rowid, title, summary, tags, pairs)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (
                            rowid,
                            article.title,
                            article.summary,
                            " ; ".join(article.tags),
                            " ".join(_pairs(article)),
                        ),
                    )
                written += 1
        self._doc_freq = None
        return written

    def _free_rowid(self, article: Article) -> int:
        """The article's rowid: its second of publication, then a slot chosen by its id."""
        slot = zlib.crc32(article.id.encode("utf-8")) & _SLOTS
        base = _second(article.published.timestamp()) << 16
        while self.conn.execute(
            "SELECT 1 FROM related_docs WHERE rowid = ?", (base + slot,)
        ).fetchone():
            slot = (slot + 1) & _SLOTS
        return base + slot

    def remove(self, ids: Iterable[str]) -> None:
        """Drop articles from the index (deleted from the CMS)."""
        with _transaction(self.conn):
            for article_id in ids:
                self._remove_one(article_id)
        self._doc_freq = None

    def _remove_one(self, article_id: str) -> None:
        row = self.conn.execute(
            "SELECT rowid FROM related_docs WHERE article_id = ?", (article_id,)
        ).fetchone()
        if row is not None:
            self.conn.execute("DELETE FROM related_fts WHERE rowid = ?", (row[0],))
            self.conn.execute("DELETE FROM related_docs WHERE rowid = ?", (row[0],))

    def related_for(self, article: Article, n: int) -> tuple[Link, ...]:
        """The article's explicit related links, then computed ones up to ``n`` in all.

        Explicit links are all kept, in the site's order, even past ``n``.
        """
        chosen = list(article.related)
        if len(chosen) >= n:
            return tuple(chosen)
        seen = {link.url for link in chosen}
        if article.url:
            seen.add(article.url)
        for link in self._computed(article, n - len(chosen) + len(seen)):
            if link.url not in seen:
                seen.add(link.url)
                chosen.append(link)
                if len(chosen) == n:
                    break
        return tuple(chosen)

    def _computed(self, article: Article, limit: int) -> list[Link]:
        published = article.published.timestamp()
        newest = (_second(published) << 16) + _SLOTS
        oldest = -(2**63)
        if self.window_days is not None:
            oldest = _second(published - self.window_days * 86400) << 16
        category = article.category.slug if article.category else None
        found: list[Link] = []
        query = self._match_query(article)
        if query:
            # Rank in FTS5 within the rowid range, keep a few times what is asked, then
            # boost the same category and break ties by time and id among those.
            rows = self.conn.execute(
                "SELECT d.url, d.title, ROUND(CASE WHEN d.category = ? THEN ? * s.score"
                "  ELSE s.score END, 9) AS score, d.published, d.article_id"
                " FROM (SELECT rowid, bm25(related_fts, ?, ?, ?, ?) AS score FROM related_fts"
                "       WHERE related_fts MATCH ? AND rowid BETWEEN ? AND ?"
                "       ORDER BY score, rowid DESC LIMIT ?) AS s"
                " JOIN related_docs AS d ON d.rowid = s.rowid"
                " WHERE d.article_id != ? AND d.published <= ?"
                " ORDER BY score, d.published DESC, d.article_id LIMIT ?",
                (
                    category,
                    _CATEGORY_BOOST,
                    *_WEIGHTS,
                    query,
                    oldest,
                    newest,
                    4 * limit + 16,
                    article.id,
                    published,
                    limit,
                ),
            ).fetchall()
            found = [Link(url, title) for url, title, *_ in rows]
        if len(found) < limit and category is not None:
            rows = self.conn.execute(
                "SELECT url, title FROM related_docs"
                " WHERE category = ? AND article_id != ? AND status = 'published'"
                "   AND url IS NOT NULL AND published <= ?"
                " ORDER BY published DESC, article_id LIMIT ?",
                (category, article.id, published, limit),
            ).fetchall()
            found.extend(Link(url, title) for url, title in rows)
        return found

    def _match_query(self, article: Article) -> str:
        """An FTS5 OR-query of the article's telling words, and its tags as phrases.

        Words (syllable pairs) first, then syllables; rarest first within each; only
        those some other article shares, and none found in more than 5% of the portal:
        too common to say anything, and too slow to rank.
        """
        doc_freq = self._frequencies()
        ceiling = max(10, self._doc_count // 20)

        def telling(candidates: set[str], most: int) -> list[str]:
            kept = [t for t in candidates if 2 <= doc_freq.get(t, 0) <= ceiling]
            kept.sort(key=lambda t: (doc_freq[t], t))
            return kept[:most]

        pairs = telling(set(_pairs(article)), _MAX_PAIRS)
        words = set(tokens(article.title)) | set(tokens(article.summary))
        for tag in article.tags:
            words.update(tokens(tag))
        chosen = pairs + telling(words, _MAX_TERMS - len(pairs))
        parts = [_quote(t) for t in chosen]
        for tag in sorted(set(article.tags)):
            phrase = " ".join(tokens(tag))
            if phrase:
                parts.append("tags : " + _quote(phrase))
        return " OR ".join(parts)

    def _frequencies(self) -> dict[str, int]:
        if self._doc_freq is None:
            self._doc_freq = dict(self.conn.execute("SELECT term, doc FROM related_vocab"))
            self._doc_count = self.conn.execute("SELECT count(*) FROM related_fts").fetchone()[0]
        return self._doc_freq

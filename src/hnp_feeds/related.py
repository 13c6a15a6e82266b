"""Choosing related posts when a record brings none, or fewer than the catalogue asks for.

Explicit related links (the site's "Các bài mới đăng" / "Các bài đã đăng", or a record's
``related``) always come first.  The rest are found with SQLite FTS5: bm25 over title,
summary and tags, boosted for the same category, among articles that are published,
not retracted, not the article itself and not newer than it; ties broken by time then id,
so the same input always gives the same links.  When text finds too few, the newest
earlier posts of the same category fill the list, as the portal's own "Các bài đã đăng".
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace

from .model import Article, Link

# unicode61 with remove_diacritics 2 folds "Hà Nội" and "Ha Noi" together; Vietnamese
# is written in syllables, so each syllable is a token (đ stays đ, as in SQLite).
_SCHEMA = """
CREATE VIRTUAL TABLE IF NOT EXISTS related_fts USING fts5(
    title, summary, tags, tokenize = 'unicode61 remove_diacritics 2'
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
_WEIGHTS = (4.0, 1.0, 6.0)
_CATEGORY_BOOST = 1.5
_MAX_TERMS = 24
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> list[str]:
    """The FTS5 tokens of ``text`` as unicode61 ``remove_diacritics 2`` makes them."""
    folded = unicodedata.normalize("NFKD", text.lower())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return _TOKEN.findall(unicodedata.normalize("NFC", bare))


def _quote(phrase: str) -> str:
    return '"' + phrase.replace('"', '""') + '"'


class RelatedIndex:
    """A full-text index of articles, kept in tables of its own (``related_*``) in any
    SQLite connection (the store's, or an in-memory one)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.executescript(_SCHEMA)
        self._doc_freq: dict[str, int] | None = None
        self._doc_count = 0

    def add(self, articles: Iterable[Article]) -> int:
        """Index (or re-index) articles by id; returns how many were written."""
        written = 0
        with self.conn:
            for article in articles:
                self._remove_one(article.id)
                cursor = self.conn.execute(
                    "INSERT INTO related_docs (article_id, url, title, category, published,"
                    " status) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        article.id,
                        article.url,
                        article.title,
                        article.category.slug if article.category else None,
                        article.published.timestamp(),
                        article.status,
                    ),
                )
                self.conn.execute(
                    "INSERT INTO related_fts (rowid, title, summary, tags) VALUES (?, ?, ?, ?)",
                    (cursor.lastrowid, article.title, article.summary, " ; ".join(article.tags)),
                )
                written += 1
        self._doc_freq = None
        return written

    def remove(self, ids: Iterable[str]) -> None:
        """Drop articles from the index (deleted from the CMS)."""
        with self.conn:
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
        category = article.category.slug if article.category else None
        found: list[Link] = []
        query = self._match_query(article)
        if query:
            rows = self.conn.execute(
                "SELECT d.url, d.title, ROUND(CASE WHEN d.category = ? THEN ? * s.score"
                "  ELSE s.score END, 9) AS score, d.published, d.article_id"
                " FROM (SELECT rowid, bm25(related_fts, ?, ?, ?) AS score"
                "       FROM related_fts WHERE related_fts MATCH ?) AS s"
                " JOIN related_docs AS d ON d.rowid = s.rowid"
                " WHERE d.article_id != ? AND d.status = 'published' AND d.url IS NOT NULL"
                "   AND d.published <= ?"
                " ORDER BY score, d.published DESC, d.article_id LIMIT ?",
                (category, _CATEGORY_BOOST, *_WEIGHTS, query, article.id, published, limit),
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
        """An FTS5 OR-query of the article's rarest words and its tags as phrases.

        Only words some other article shares are kept, and words in more than 5% of the
        portal are dropped as too common to say anything (and too slow to rank).
        """
        doc_freq = self._frequencies()
        ceiling = max(10, self._doc_count // 20)
        words = set(tokens(article.title)) | set(tokens(article.summary))
        for tag in article.tags:
            words.update(tokens(tag))
        useful = [w for w in words if 2 <= doc_freq.get(w, 0) <= ceiling]
        useful.sort(key=lambda w: (doc_freq[w], w))
        parts = [_quote(w) for w in useful[:_MAX_TERMS]]
        for tag in sorted(set(article.tags)):
            phrase = " ".join(tokens(tag))
            if phrase:
                parts.append("tags : " + _quote(phrase))
        return " OR ".join(parts)

    def _frequencies(self) -> dict[str, int]:
        if self._doc_freq is None:
            self._doc_freq = dict(self.conn.execute("SELECT term, doc FROM related_vocab"))
            self._doc_count = self.conn.execute("SELECT count(*) FROM related_docs").fetchone()[0]
        return self._doc_freq


def complete_related(
    articles: Sequence[Article], n: int, conn: sqlite3.Connection | None = None
) -> list[Article]:
    """The articles with related links filled in up to ``n`` (explicit ones first).

    With ``conn`` the index lives in that database (and keeps whatever it already
    holds); without, an in-memory SQLite holds it for this call.
    """
    own = conn is None
    connection = sqlite3.connect(":memory:") if conn is None else conn
    try:
        index = RelatedIndex(connection)
        index.add(articles)
        return [
            a if len(a.related) >= n else replace(a, related=index.related_for(a, n))
            for a in articles
        ]
    finally:
        if own:
            connection.close()

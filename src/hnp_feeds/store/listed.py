"""Related posts listed by title only (scraped pages): linked to the articles they name.

A listed post (``model.ListedPost``) is matched against every live article the store knows,
the same batch included, by ``text.title_key`` and, when the list gives one, by its
publication time to the minute.  One match becomes a link (that article's URL and title),
after the record's own links and in the list's order.  None yet: the post waits in
``pending_listed`` and is linked by the first ingest that brings an article of that
title (its entry changes, so its feeds are rendered again).  Two or more that its time
cannot tell apart: reported, never guessed.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from ..model import Article, Link, ListedPost
from ..selection import selection_keys
from ..text import title_key
from ..timezone import site_form
from .codec import article_from_json, article_to_json, content_hash, micros

_MINUTE = timedelta(minutes=1)


def own_links_json(article: Article) -> str:
    """The links the record itself gives, as kept beside its body."""
    return json.dumps([[link.url, link.title] for link in article.related], ensure_ascii=False)


def _own_links(text: str | None, body: Article) -> tuple[Link, ...]:
    if text is None:  # stored before listed posts were linked: its links are its own
        return body.related
    return tuple(Link(url, title) for url, title in json.loads(text))


def _describe(post: ListedPost) -> str:
    when = f" ({site_form(post.published)})" if post.published is not None else ""
    return f"related post {post.title!r}{when}"


def _match(db: sqlite3.Connection, article: Article, post: ListedPost) -> tuple[Link | None, str]:
    """The link a listed post names, or None and why not ("" while it is not known yet)."""
    sql = (
        "SELECT record_id, json_extract(body, '$.url'), json_extract(body, '$.title')"
        " FROM articles WHERE title_key = ? AND live = 1 AND record_id != ?"
    )
    params: list[object] = [title_key(post.title), article.id]
    if post.published is not None:
        sql += " AND published_us >= ? AND published_us < ?"
        params += [micros(post.published), micros(post.published + _MINUTE)]
    rows = db.execute(sql + " ORDER BY record_id", params).fetchall()
    if len(rows) == 1:
        return Link(str(rows[0][1]), str(rows[0][2])), ""
    if not rows:
        return None, ""
    ids = ", ".join(str(row[0]) for row in rows)
    return None, f"names {len(rows)} articles ({ids}); give its time or a link: left out"


def link_listed(
    db: sqlite3.Connection, record_ids: Iterable[str], notes: list[str] | None
) -> set[str]:
    """Link the listed posts of these records (their own links first); what is not known
    yet waits.  Each problem is appended to ``notes`` (None: say nothing, for a record
    linked again when an article it waited for arrived).  Returns the ids whose related
    links changed: their related posts are to be completed again."""
    changed: set[str] = set()
    for record_id in record_ids:
        row = db.execute(
            "SELECT body, own_related, source FROM articles WHERE record_id = ?", (record_id,)
        ).fetchone()
        if row is None:
            continue
        article = article_from_json(row[0], row[2])
        db.execute("DELETE FROM pending_listed WHERE record_id = ?", (record_id,))
        if not article.listed:
            continue
        links = list(_own_links(row[1], article))
        for post in article.listed:
            link, problem = _match(db, article, post)
            if link is not None:
                if all(known.url != link.url for known in links):
                    links.append(link)
                continue
            if not problem:
                db.execute(
                    "INSERT OR IGNORE INTO pending_listed (title_key, record_id) VALUES (?, ?)",
                    (title_key(post.title), record_id),
                )
                problem = "not known yet; linked once an article of that title is read"
            if notes is not None:
                notes.append(f"{article.source or record_id}: {_describe(post)} {problem}")
        if tuple(links) != article.related:
            body = article_to_json(replace(article, related=tuple(links)))
            db.execute(
                "UPDATE articles SET body = ?, content_hash = ? WHERE record_id = ?",
                (body, content_hash(body), record_id),
            )
            db.executemany(
                "INSERT OR IGNORE INTO dirty (key) VALUES (?)",
                [(key,) for key in sorted(selection_keys(article))],
            )
            changed.add(record_id)
    return changed


def waiting_for(db: sqlite3.Connection, record_ids: Iterable[str]) -> list[str]:
    """The records with a listed post waiting for the title of one of these articles."""
    waiting: dict[str, None] = {}
    for record_id in record_ids:
        for (other,) in db.execute(
            "SELECT p.record_id FROM pending_listed p JOIN articles a ON a.title_key = p.title_key"
            " WHERE a.record_id = ? AND a.live = 1 AND p.record_id != a.record_id"
            " ORDER BY p.record_id",
            (record_id,),
        ):
            waiting[str(other)] = None
    return list(waiting)

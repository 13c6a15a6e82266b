"""Related posts as references: what an article's related links are made of, kept so that
a change of the article they point to reaches every entry that shows it.

An article's related links come from three places, in this order:

- its record's own links (``own_related``): one whose URL is, or was, an article's (every
  URL an article has had is in ``article_urls``) is a reference to that article; another
  site's URL stays as given;
- the posts its page lists by title only (``Article.listed``): matched by ``text.title_key``
  and, when the list gives one, the publication time to the minute, against every live
  article, the same batch included; one not known yet waits in ``pending_listed``; two or
  more its time cannot tell apart are reported, never guessed;
- the ones ``related.py`` computed (``computed_related``, article ids).

A reference shows its article's current URL and title, and nothing while that article is
not live (retracted, a draft, withheld).  ``derive`` rebuilds the stored links of a record;
``dependents`` finds the records whose links a change of some articles can alter.  The
stored body always holds the derived links, so the writers read them as they are and an
entry's content hash (and so its feeds' and archive pages' fingerprints) changes with them.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta

from ..model import Article, Link, ListedPost
from ..selection import selection_keys
from ..text import title_key
from ..timezone import site_form
from .codec import article_from_json, article_to_json, content_hash, micros
from .state import mark_dirty

_MINUTE = timedelta(minutes=1)


def own_links_json(article: Article) -> str:
    """The links the record itself gives, as kept beside its body."""
    return json.dumps([[link.url, link.title] for link in article.related], ensure_ascii=False)


def remember_url(db: sqlite3.Connection, article: Article) -> None:
    """``article``'s URL is its own from now on (links to it become references)."""
    if article.url:
        db.execute(
            "INSERT OR REPLACE INTO article_urls (url, record_id) VALUES (?, ?)",
            (article.url, article.id),
        )


@dataclass
class Derived:
    """What ``derive`` did: records whose links changed, and those that lost a computed
    related post (it is no longer live: their computed ones are chosen again)."""

    changed: set[str] = field(default_factory=set)
    lost_computed: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Target:
    url: str
    title: str
    live: bool


def _target(db: sqlite3.Connection, record_id: str) -> _Target | None:
    row = db.execute(
        "SELECT json_extract(body, '$.url'), json_extract(body, '$.title'), live"
        " FROM articles WHERE record_id = ?",
        (record_id,),
    ).fetchone()
    return None if row is None else _Target(str(row[0] or ""), str(row[1]), bool(row[2]))


def _show(db: sqlite3.Connection, target_id: str, links: list[Link]) -> bool:
    """The link to a referred article as it is now, unless it is not live."""
    target = _target(db, target_id)
    if target is None or not target.live or not target.url:
        return False
    links.append(Link(target.url, target.title))
    return True


def _url_owner(db: sqlite3.Connection, url: str) -> str | None:
    row = db.execute("SELECT record_id FROM article_urls WHERE url = ?", (url,)).fetchone()
    return None if row is None else str(row[0])


def _describe(post: ListedPost) -> str:
    when = f" ({site_form(post.published)})" if post.published is not None else ""
    return f"related post {post.title!r}{when}"


def _match(db: sqlite3.Connection, article: Article, post: ListedPost) -> tuple[str | None, str]:
    """The article a listed post names, or None and why not ("" while not known yet)."""
    sql = "SELECT record_id FROM articles WHERE title_key = ? AND live = 1 AND record_id != ?"
    params: list[object] = [title_key(post.title), article.id]
    if post.published is not None:
        sql += " AND published_us >= ? AND published_us < ?"
        params += [micros(post.published), micros(post.published + _MINUTE)]
    rows = [str(row[0]) for row in db.execute(sql + " ORDER BY record_id", params)]
    if len(rows) == 1:
        return rows[0], ""
    if not rows:
        return None, ""
    return (
        None,
        f"names {len(rows)} articles ({', '.join(rows)}); give its time or a link: left out",
    )


def derive(
    db: sqlite3.Connection,
    record_ids: Iterable[str],
    *,
    keep: bool,
    notes: list[str] | None = None,
) -> Derived:
    """Rebuild the related links of these records from their parts.  ``keep``: a target
    found before stays the target (a record whose article moved or was renamed); else
    (a new or changed record) each part is found again by its URL or title.  What cannot
    be linked is appended to ``notes`` (None: say nothing)."""
    done = Derived()
    for record_id in dict.fromkeys(record_ids):
        row = db.execute(
            "SELECT body, own_related, computed_related, source FROM articles WHERE record_id = ?",
            (record_id,),
        ).fetchone()
        if row is None:
            continue
        article = article_from_json(row[0], row[3])
        known = {
            (str(kind), int(position)): str(target)
            for kind, position, target in db.execute(
                "SELECT kind, position, target_id FROM related_refs WHERE record_id = ?",
                (record_id,),
            )
        }
        own = (
            tuple(Link(url, title) for url, title in json.loads(row[1]))
            if row[1] is not None
            else article.related  # stored before references: its links were its own
        )
        computed = [str(target) for target in json.loads(row[2] or "[]")]
        links: list[Link] = []
        refs: list[tuple[str, int, str]] = []
        loose_urls: list[str] = []
        waiting: list[str] = []

        for position, link in enumerate(own):
            target_id = (known.get(("own", position)) if keep else None) or _url_owner(db, link.url)
            if target_id is not None and target_id != record_id:
                refs.append(("own", position, target_id))
                _show(db, target_id, links)
            else:
                links.append(link)
                loose_urls.append(link.url)
        for position, post in enumerate(article.listed):
            target_id = known.get(("listed", position)) if keep else None
            problem = ""
            if target_id is None:
                target_id, problem = _match(db, article, post)
            if target_id is not None:
                refs.append(("listed", position, target_id))
                _show(db, target_id, links)
                continue
            if not problem:
                waiting.append(title_key(post.title))
                problem = "not known yet; linked once an article of that title is read"
            if notes is not None:
                notes.append(f"{article.source or record_id}: {_describe(post)} {problem}")
        for position, target_id in enumerate(computed):
            refs.append(("computed", position, target_id))
            if not _show(db, target_id, links):
                done.lost_computed.add(record_id)

        db.execute("DELETE FROM related_refs WHERE record_id = ?", (record_id,))
        db.executemany(
            "INSERT INTO related_refs (record_id, kind, position, target_id) VALUES (?, ?, ?, ?)",
            [(record_id, kind, position, target) for kind, position, target in refs],
        )
        db.execute("DELETE FROM url_refs WHERE record_id = ?", (record_id,))
        db.executemany(
            "INSERT OR IGNORE INTO url_refs (url, record_id) VALUES (?, ?)",
            [(url, record_id) for url in loose_urls],
        )
        db.execute("DELETE FROM pending_listed WHERE record_id = ?", (record_id,))
        db.executemany(
            "INSERT OR IGNORE INTO pending_listed (title_key, record_id) VALUES (?, ?)",
            [(key, record_id) for key in waiting],
        )
        unique: dict[str, Link] = {}
        for link in links:
            if link.url != article.url:
                unique.setdefault(link.url, link)
        related = tuple(unique.values())
        if related != article.related:
            body = article_to_json(replace(article, related=related))
            db.execute(
                "UPDATE articles SET body = ?, content_hash = ? WHERE record_id = ?",
                (body, content_hash(body), record_id),
            )
            mark_dirty(db, selection_keys(article))
            done.changed.add(record_id)
    return done


def dependents(db: sqlite3.Connection, record_ids: Iterable[str]) -> list[str]:
    """The records whose related links a change of these articles (their URL, title, or
    whether they are live) can alter: those that refer to them, those that name one of
    their URLs, and those whose listed post waits for one of their titles."""
    found: dict[str, None] = {}
    for record_id in record_ids:
        for (other,) in db.execute(
            "SELECT record_id FROM related_refs WHERE target_id = ?1"
            " UNION SELECT u.record_id FROM url_refs u JOIN article_urls a ON a.url = u.url"
            " WHERE a.record_id = ?1"
            " UNION SELECT p.record_id FROM pending_listed p JOIN articles a"
            " ON a.title_key = p.title_key WHERE a.record_id = ?1 AND a.live = 1"
            " ORDER BY 1",
            (record_id,),
        ):
            if other != record_id:
                found[str(other)] = None
    return list(found)


def set_computed(db: sqlite3.Connection, record_id: str, links: Iterable[Link]) -> None:
    """The related posts ``related.py`` chose for a record, kept as article ids."""
    ids = [owner for link in links if (owner := _url_owner(db, link.url)) is not None]
    db.execute(
        "UPDATE articles SET computed_related = ? WHERE record_id = ?",
        (json.dumps(ids) if ids else None, record_id),
    )

"""Related posts as references: what an article's related links are made of, kept so that
a change of the article they point to reaches every entry that shows it.

An article's related links come from three places, in this order:

- its record's own links (``own_related``): one whose URL is, or was, an article's (every
  URL an article has had is in ``article_urls``) is a reference to that article; another
  site's URL stays as given;
- the posts its page lists by title only (``Article.listed``): matched by ``names.title_key``
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain, islice
from typing import Any

from ..model import Article, Link, ListedPost
from ..names import title_key
from ..selection import selection_keys
from ..sql import select_in, select_keyed
from ..timezone import site_form
from .codec import (
    altered,
    article_from_json,
    article_to_json,
    content_hash,
    micros,
    with_related,
)
from .state import mark_dirty

_MINUTE = timedelta(minutes=1)
_OWN_LINKS = json.JSONEncoder(ensure_ascii=False).encode  # made once, not at each call


def own_links_json(article: Article) -> str:
    """The links the record itself gives, as kept beside its body."""
    return _OWN_LINKS([[link.url, link.title] for link in article.related])


def remember_urls(db: sqlite3.Connection, owners: Iterable[tuple[str, str]]) -> None:
    """Each (URL, record id): the URL is the record's own from now on (links to it become
    references)."""
    db.executemany("INSERT OR REPLACE INTO article_urls (url, record_id) VALUES (?, ?)", owners)


@dataclass
class Derived:
    """What ``derive`` did: records whose links changed, those that lost a computed
    related post (it is no longer live: their computed ones are chosen again), and those
    left with no link at all."""

    changed: set[str] = field(default_factory=set)
    lost_computed: set[str] = field(default_factory=set)
    bare: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class _Target:
    """What a link to an article shows (one ``Link`` for every entry that shows it), and
    whether it is live."""

    link: Link
    live: bool


#: What links to articles show, read once in a run (``derive``'s ``seen``): the last
#: ``_SEEN`` asked for (those of a year of news, a chunk's targets mostly among them).
Targets = dict[str, _Target]
_SEEN = 20_000


def _targets(
    db: sqlite3.Connection, record_ids: Iterable[str], seen: Targets | None = None
) -> Targets:
    """What a link to each of these articles shows (those stored); ``seen``: those read
    before (not read again), these kept there too, the longest unasked let go."""
    wanted = list(dict.fromkeys(record_ids))
    known: Targets = {} if seen is None else seen
    found = {record_id: known[record_id] for record_id in wanted if record_id in known}
    sql = (
        "SELECT record_id, json_extract(body, '$.url'), json_extract(body, '$.title'), live"
        " FROM articles WHERE record_id IN ({marks})"
    )
    found.update(
        (str(record_id), _Target(Link(str(url or ""), str(title)), bool(live)))
        for record_id, url, title, live in select_in(
            db, sql, [record_id for record_id in wanted if record_id not in found]
        )
    )
    if seen is not None:
        for record_id in found:  # asked for now: the last to go
            seen.pop(record_id, None)
        seen.update(found)
        for record_id in list(islice(seen, max(0, len(seen) - _SEEN))):
            del seen[record_id]
    return found


def _url_owners(db: sqlite3.Connection, urls: Iterable[str]) -> dict[str, str]:
    """The article each of these URLs is, or was, the URL of (those known)."""
    sql = "SELECT url, record_id FROM article_urls WHERE url IN ({marks})"
    return {
        str(url): str(record_id) for url, record_id in select_in(db, sql, list(dict.fromkeys(urls)))
    }


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


#: Records whose links are derived together (their parts read in one query per table).
_CHUNK = 500

#: Given articles with their links derived so far, the related posts to compute for some:
#: (record id, the links after its own), as ``set_computed`` takes them.
Complete = Callable[[list[Article]], list[tuple[str, list[Link]]]]


def derive(
    db: sqlite3.Connection,
    record_ids: Iterable[str],
    *,
    keep: bool,
    notes: list[str] | None = None,
    stored: dict[str, Article] | None = None,
    complete: Complete | None = None,
    chunk: int | None = None,
    written: bool = False,
    seen: Targets | None = None,
    unlinked: bool = False,
) -> Derived:
    """Rebuild the related links of these records from their parts.  ``keep``: a target
    found before stays the target (a record whose article moved or was renamed); else
    (a new or changed record) each part is found again by its URL or title.  What cannot
    be linked is appended to ``notes`` (None: say nothing).  ``stored``: some of these
    articles as the store holds them, not read again, and kept so (their new links).
    ``complete``: related posts computed for them once their other links are known
    (``set_computed``), then each body written once with all its links.  ``chunk``: how
    many at once (default ``_CHUNK``; related posts are scored best in larger batches).
    ``written``: the stored body of each of ``stored`` is its ``article_to_json`` (this
    ingest wrote it): a new one is that text with its links replaced, not encoded again.
    ``seen``: what links to articles show, as read before in this run (while no article's
    URL, title or standing changes), more added: each article's body is parsed once for
    them, not once per chunk that links to it.  ``unlinked``: none of these records has
    a link stored (``no_links`` held before any of them was derived; a first fill): none
    is looked for to delete.
    (A record's links depend on its own parts and its targets' URL, title and standing,
    never on another's links: a few hundred are read and written at once.)"""
    done = Derived()
    ids = list(dict.fromkeys(record_ids))
    size = chunk or _CHUNK
    for start in range(0, len(ids), size):
        _derive_chunk(
            db, ids[start : start + size], keep, notes, done, stored or {}, complete, written,
            seen, unlinked,
        )  # fmt: skip
    return done


def _derive_chunk(
    db: sqlite3.Connection,
    record_ids: list[str],
    keep: bool,
    notes: list[str] | None,
    done: Derived,
    stored: dict[str, Article],
    complete: Complete | None,
    written: bool,
    seen: Targets | None,
    unlinked: bool,
) -> None:
    given = all(record_id in stored for record_id in record_ids)
    rows: dict[str, Any]
    if given and written:
        # Each stored by this ingest: its own links are the article's, none computed yet
        # (its row's are NULL), and the bodies to patch are read once their links are known
        # (of those whose links change: a first fill of 100,000 patches a few thousand).
        rows = dict.fromkeys(record_ids, (None, None, None, ""))
    else:
        # The body of those not given, to decode, or (``written``) of every one, to patch.
        body = "NULL" if given else "body"
        rows = select_keyed(
            db,
            f"SELECT record_id, {body}, own_related, computed_related, source FROM articles"
            " WHERE record_id IN ({marks})",
            record_ids,
        )
    known: dict[tuple[str, str, int], str] = {}
    if keep:
        known = {
            (str(record_id), str(kind), int(position)): str(target)
            for record_id, kind, position, target in select_in(
                db,
                "SELECT record_id, kind, position, target_id FROM related_refs"
                " WHERE record_id IN ({marks})",
                record_ids,
            )
        }
    parts: list[tuple[str, Article, tuple[Link, ...], list[str]]] = []
    for record_id in record_ids:
        if record_id not in rows:
            continue
        body, own_json, computed_json, source = rows[record_id]
        article = stored.get(record_id) or article_from_json(body, source)
        if written and record_id in stored:
            own = article.related  # as this ingest stored it: ``own_related`` is of these
        elif own_json is not None:
            own = tuple(Link(url, title) for url, title in json.loads(own_json))
        else:
            own = article.related  # stored before references: its links were its own
        computed = [str(target) for target in json.loads(computed_json)] if computed_json else []
        parts.append((record_id, article, own, computed))
    owners = _url_owners(db, (link.url for _, _, own, _ in parts for link in own))
    refs: list[tuple[str, str, int, str]] = []
    loose_urls: list[tuple[str, str]] = []
    waiting: list[tuple[str, str]] = []
    shown: list[tuple[str, Article, list[str | Link], list[str]]] = []
    for record_id, article, own, computed in parts:
        # The links in order: a Link as given, or the id of the article it refers to.
        links: list[str | Link] = []
        for position, link in enumerate(own):
            target_id = (known.get((record_id, "own", position)) if keep else None) or (
                owners.get(link.url)
            )
            if target_id is not None and target_id != record_id:
                refs.append((record_id, "own", position, target_id))
                links.append(target_id)
            else:
                links.append(link)
                loose_urls.append((link.url, record_id))
        for position, post in enumerate(article.listed):
            target_id = known.get((record_id, "listed", position)) if keep else None
            problem = ""
            if target_id is None:
                target_id, problem = _match(db, article, post)
            if target_id is not None:
                refs.append((record_id, "listed", position, target_id))
                links.append(target_id)
                continue
            if not problem:
                waiting.append((title_key(post.title), record_id))
                problem = "not known yet; linked once an article of that title is read"
            if notes is not None:
                notes.append(f"{article.source or record_id}: {_describe(post)} {problem}")
        shown.append((record_id, article, links, computed))
    targets = _targets(
        db,
        (
            t
            for _, _, links, computed in shown
            for t in chain(links, computed)
            if isinstance(t, str)
        ),
        seen,
    )
    resolved = _resolved(shown, targets)
    if complete is not None:
        # Related posts chosen for the articles as their other links make them; their
        # computed links are those from now on (of those given some), shown after.
        chosen = set_computed(
            db,
            complete(
                [
                    altered(article, related=related) if related != article.related else article
                    for article, related, _ in resolved
                ]
            ),
        )
        targets.update(
            _targets(db, (t for c in chosen.values() for t in c if t not in targets), seen)
        )
        for n, (record_id, article, links, _) in enumerate(shown):
            if record_id in chosen:
                shown[n] = (record_id, article, links, chosen[record_id])
                resolved[n] = _resolved([shown[n]], targets)[0]
    for record_id, _, _, computed in shown:
        refs += [(record_id, "computed", n, target_id) for n, target_id in enumerate(computed)]
    relinked: list[tuple[str, Article]] = []
    for (record_id, _, _, _), (article, related, lost) in zip(shown, resolved, strict=True):
        if lost:
            done.lost_computed.add(record_id)
        if not related:
            done.bare.add(record_id)
        if related != article.related:
            article = altered(article, related=related)
            if record_id in stored:
                stored[record_id] = article
            relinked.append((record_id, article))
            done.changed.add(record_id)
    # The stored bodies to patch: those this ingest wrote (their keys marked then).
    texts = select_keyed(
        db,
        "SELECT record_id, body FROM articles WHERE record_id IN ({marks})",
        [record_id for record_id, _ in relinked if written and record_id in stored],
    )
    bodies: list[tuple[str, str, str]] = []
    touched: set[str] = set()
    for record_id, article in relinked:
        if record_id in texts:
            body = with_related(texts[record_id][0], article.related)
        else:
            body = article_to_json(article)
            touched |= selection_keys(article)
        bodies.append((body, content_hash(body), record_id))
    if not unlinked:
        # What they linked to before, gone (a few hundred by one statement, not one each).
        gone = [record_id for record_id, *_ in shown]
        for table in _LINKS:
            select_in(db, f"DELETE FROM {table} WHERE record_id IN ({{marks}})", gone)
    db.executemany(
        "INSERT INTO related_refs (record_id, kind, position, target_id) VALUES (?, ?, ?, ?)",
        refs,
    )
    db.executemany("INSERT OR IGNORE INTO url_refs (url, record_id) VALUES (?, ?)", loose_urls)
    db.executemany(
        "INSERT OR IGNORE INTO pending_listed (title_key, record_id) VALUES (?, ?)", waiting
    )
    db.executemany("UPDATE articles SET body = ?, content_hash = ? WHERE record_id = ?", bodies)
    mark_dirty(db, touched)


def _resolved(
    shown: list[tuple[str, Article, list[str | Link], list[str]]],
    targets: dict[str, _Target],
) -> list[tuple[Article, tuple[Link, ...], bool]]:
    """Each article with the links it shows: its own and listed ones, then its computed
    ones, a reference as its target's URL and title while the target is live, each URL
    once, never its own; and whether a computed one is not shown (not live)."""
    found = []
    for _, article, links, computed in shown:
        unique: dict[str, Link] = {}
        lost = False
        for part in chain(links, computed):
            if isinstance(part, str):
                target = targets.get(part)
                if target is None or not target.live or not target.link.url:
                    # The link to a referred article is shown only while it is live.
                    lost = lost or part in computed
                    continue
                part = target.link
            if part.url != article.url:
                unique.setdefault(part.url, part)
        found.append((article, tuple(unique.values()), lost))
    return found


#: The tables of what records link to: references, URLs given as they are, listed posts
#: waiting for their article.
_LINKS = ("related_refs", "url_refs", "pending_listed")


def no_links(db: sqlite3.Connection) -> bool:
    """Whether no record has a link stored (a first fill, before its links are derived)."""
    return not any(db.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in _LINKS)


def dependents(db: sqlite3.Connection, record_ids: Iterable[str]) -> list[str]:
    """The records whose related links a change of these articles (their URL, title, or
    whether they are live) can alter: those that refer to them, those that name one of
    their URLs, and those whose listed post waits for one of their titles.  In the order
    of ``record_ids``, each one's by record id."""
    ids = list(dict.fromkeys(record_ids))
    if no_links(db):
        return []  # no link stored yet (a first fill): none to look through for each
    of: dict[str, set[str]] = {}
    for sql in (  # ``+a.live``: by id, not every live article (SQLite's choice otherwise)
        "SELECT target_id, record_id FROM related_refs WHERE target_id IN ({marks})",
        "SELECT a.record_id, u.record_id FROM url_refs u JOIN article_urls a ON a.url = u.url"
        " WHERE a.record_id IN ({marks})",
        "SELECT a.record_id, p.record_id FROM pending_listed p JOIN articles a"
        " ON a.title_key = p.title_key WHERE a.record_id IN ({marks}) AND +a.live = 1",
    ):
        for changed, other in select_in(db, sql, ids):
            of.setdefault(str(changed), set()).add(str(other))
    found: dict[str, None] = {}
    for record_id in ids:
        for other in sorted(of.get(record_id, ())):
            if other != record_id:
                found[other] = None
    return list(found)


def set_computed(
    db: sqlite3.Connection, chosen: Iterable[tuple[str, Iterable[Link]]]
) -> dict[str, list[str]]:
    """The related posts ``related.py`` chose for records (record id, links), kept as
    article ids; returned so (record id: article ids)."""
    given = [(record_id, list(links)) for record_id, links in chosen]
    owners = _url_owners(db, (link.url for _, links in given for link in links))
    rows = []
    kept: dict[str, list[str]] = {}
    for record_id, links in given:
        ids = kept[record_id] = [owners[link.url] for link in links if link.url in owners]
        rows.append((json.dumps(ids) if ids else None, record_id))
    db.executemany("UPDATE articles SET computed_related = ? WHERE record_id = ?", rows)
    return kept

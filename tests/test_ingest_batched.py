"""The store's ingest works on runs of records and chunks of articles at once, the door's
records read in worker processes; what it stores is exactly what one record at a time, all
read in this process, stores, and a cron run of a few new records reads only the rows it
needs."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds.adapters import parallel
from hnp_feeds.publish import ingest
from hnp_feeds.store import codec, links
from hnp_feeds.store import ingest as store_ingest
from hnp_feeds.timezone import localize

from .portal import catalogue, record, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))
TOPICS = [
    "Lũ lụt miền Trung gây ngập úng diện rộng",
    "Giá vàng hôm nay tăng mạnh trên thị trường",
    "Đội tuyển bóng đá thắng lớn ở vòng loại",
    "Cốm làng Vòng vào mùa thu Hà Nội",
]
TABLES = [
    "articles", "article_tags", "article_urls", "related_refs", "url_refs", "pending_listed",
    "dirty", "rejected", "ledger", "related_docs", "related_terms", "related_postings",
    "related_rare",
]  # fmt: skip


def random_portal(seed: int, size: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A first export and a later one of a small portal with what a run must not mix up:
    a record given twice, two records with one URL, links to records before and after,
    drafts, a date in the future; later, changed, retracted and new records."""
    rng = random.Random(seed)

    def story(n: int) -> dict[str, Any]:
        topic = rng.choice(TOPICS)
        others = rng.sample(range(size + 5), 2)
        return record(
            n,
            title=f"{topic} ({n})",
            summary=f"HNP - {topic}, tin số {n}.",
            tags=[topic.split()[0]],
            related=[
                {"url": record(other)["url"], "title": f"Bài {other}"}
                for other in others[: rng.randrange(3)]
            ],
        )

    first = [story(n) for n in range(size)]
    first.append({**first[3], "title": "Bài 3 viết lại"})  # the same id again
    first.append({**story(size), "url": first[5]["url"]})  # another record, the same URL
    first.append({**story(size + 1), "status": "draft"})
    first.append({**story(size + 2), "updated": "2031-01-01 08:00"})  # refused
    later = [dict(item) for item in first[:size]]
    for n in rng.sample(range(size), 4):
        later[n]["title"] = f"{later[n]['title']} (cập nhật)"
    later[rng.randrange(8, size)]["status"] = "retracted"
    # Record 1 moves to a new URL; record 7, later in the same export, takes its old one.
    later[1]["url"] = later[1]["url"].replace(".html", "-moi.html")
    later[7]["url"] = first[1]["url"]
    later += [story(size + 3), story(size + 4)]
    return first, later


def stored(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with closing(sqlite3.connect(path)) as db:  # closed: a first fill wants the store alone
        return {table: sorted(db.execute(f"SELECT * FROM {table}")) for table in TABLES}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_runs_chunks_and_workers_store_what_one_record_at_a_time_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    portal = catalogue(tmp_path, related_count=3)
    first, later = random_portal(seed, 40)
    sources = [
        write_records(tmp_path / "a.jsonl", first),
        write_records(tmp_path / "b.jsonl", later),
    ]

    def run(store: Path) -> list[dict[str, str]]:
        results = [ingest(portal, [source], store_path=store, now=NOW) for source in sources]
        return [{f.name: repr(getattr(r, f.name)) for f in fields(r)} for r in results]

    # Together: the door in two workers, three records at a time; alone: all read here.
    monkeypatch.setattr(parallel, "THRESHOLD", 5)
    monkeypatch.setattr(parallel, "CHUNK", 3)
    monkeypatch.setattr(parallel, "PROCESSES", 2)
    together = run(tmp_path / "together.sqlite")
    monkeypatch.setattr(parallel, "THRESHOLD", 10**9)
    monkeypatch.setattr(store_ingest, "_BUILT_AT_END", ())  # every index filled row by row
    monkeypatch.setattr(store_ingest, "RUN", 1)
    monkeypatch.setattr(store_ingest, "_RELATED_CHUNK", 1)
    monkeypatch.setattr(links, "_CHUNK", 1)
    monkeypatch.setattr(links, "_SEEN", 1)  # what a link shows read again nearly each time
    # ... and each body encoded again, not patched: read back and decoded to be linked.
    relink = store_ingest.IngestOps._relink

    def decoded(self: store_ingest.IngestOps, *args: Any, given: Any = None, **kw: Any) -> set[str]:
        return relink(self, *args, **kw)

    def encoded(text: str, updated: datetime) -> str:
        return codec.article_to_json(replace(codec.article_from_json(text), updated=updated))

    monkeypatch.setattr(store_ingest.IngestOps, "_relink", decoded)
    monkeypatch.setattr(store_ingest, "with_updated", encoded)
    alone = run(tmp_path / "alone.sqlite")
    assert together == alone
    assert "is already the URL of record" in together[0]["rejected"]
    assert "in the future" in together[0]["rejected"]
    assert int(together[1]["changed"]) >= 5 and int(together[1]["added"]) == 2
    assert "is already the URL" not in together[1]["rejected"]
    assert stored(tmp_path / "together.sqlite") == stored(tmp_path / "alone.sqlite")
    assert schema(tmp_path / "together.sqlite") == schema(tmp_path / "alone.sqlite")


def schema(path: Path) -> list[tuple[str, str, str]]:
    """Every table, index and trigger of a store, as SQLite keeps its definition."""
    with closing(sqlite3.connect(path)) as db:
        return sorted(db.execute("SELECT type, name, sql FROM sqlite_master"))


@pytest.mark.parametrize("cache_kb", [store_ingest._CACHE_KB, 1])
def test_a_first_fill_killed_midway_leaves_the_store_empty_with_every_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache_kb: int
) -> None:
    """A first fill drops some indexes and builds them at its end, in its transaction,
    written through the rollback journal (not the WAL): a SIGKILL after rows were written
    (indexes dropped; with a page cache of 1 KB, pages of the new rows already written
    into the file, some where the dropped indexes were) leaves the store as it was,
    rolled back by the next opener."""
    portal = catalogue(tmp_path, related_count=3)
    first, _ = random_portal(8, 40)
    source = write_records(tmp_path / "a.jsonl", first)
    store = tmp_path / "store.sqlite"
    with store_ingest.IngestOps(store):
        pass  # created: the schema a fill starts from
    before = schema(store)
    empty = store.read_bytes()
    monkeypatch.setattr(store_ingest, "RUN", 5)
    monkeypatch.setattr(store_ingest, "_CACHE_KB", cache_kb)
    done = store_ingest._Writes.done

    def killed(self: store_ingest._Writes, db: sqlite3.Connection) -> None:
        done(self, db)
        if self.rows and len(self.rows) == 5 and (cache_kb > 1 or store.read_bytes() != empty):
            seen = db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
            (tmp_path / "indexes").write_text(" ".join(name for (name,) in seen))
            (mode,) = db.execute("PRAGMA journal_mode").fetchone()
            wal = Path(f"{store}-wal")
            (tmp_path / "journal").write_text(f"{mode} {wal.exists() and wal.stat().st_size}")
            os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(store_ingest._Writes, "done", killed)
    child = os.fork()
    if child == 0:  # pragma: no cover - the child is killed
        try:
            ingest(portal, [source], store_path=store, now=NOW)
        finally:
            os._exit(1)
    _, status = os.waitpid(child, 0)
    assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
    assert not set((tmp_path / "indexes").read_text().split()) & set(store_ingest._BUILT_AT_END)
    assert (tmp_path / "journal").read_text() in ("delete False", "delete 0")
    assert Path(f"{store}-journal").stat().st_size > 0  # hot: rolled back at the next open
    monkeypatch.setattr(store_ingest._Writes, "done", done)
    with store_ingest.IngestOps(store) as reopened:  # checked at open: not a clean close
        assert reopened.db.execute("SELECT count(*) FROM articles").fetchone() == (0,)
    assert schema(store) == before
    assert {name for _, name, _ in before} >= set(store_ingest._BUILT_AT_END)
    result = ingest(portal, [source], store_path=store, now=NOW)
    assert result.added > 30 and set(before) <= set(schema(store))  # related posts' tables too
    with closing(sqlite3.connect(store)) as db:  # the WAL again once filled
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert not Path(f"{store}-journal").exists()


def test_a_first_fill_beside_another_reader_keeps_the_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rollback journal needs the store to itself: with another connection reading
    it, a first fill goes through the WAL, at once (no wait for the reader), and stores
    the same rows."""
    portal = catalogue(tmp_path, related_count=3)
    first, _ = random_portal(9, 40)
    source = write_records(tmp_path / "a.jsonl", first)
    ingest(portal, [source], store_path=tmp_path / "alone.sqlite", now=NOW)
    store = tmp_path / "store.sqlite"
    with store_ingest.IngestOps(store):
        pass
    modes: list[str] = []
    done = store_ingest._Writes.done

    def noted(self: store_ingest._Writes, db: sqlite3.Connection) -> None:
        modes.append(db.execute("PRAGMA journal_mode").fetchone()[0])
        done(self, db)

    monkeypatch.setattr(store_ingest._Writes, "done", noted)
    with closing(sqlite3.connect(store)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM articles").fetchone()  # holds a read lock
        ingest(portal, [source], store_path=store, now=NOW)
        reader.execute("COMMIT")
    assert modes and set(modes) == {"wal"}
    assert stored(store) == stored(tmp_path / "alone.sqlite")


def test_a_cron_run_reads_only_the_rows_it_needs(tmp_path: Path) -> None:
    """Ten new records: every statement of the store's ingest finds its rows by key; none
    reads a whole table of articles, links or the related-posts index (SQLite's own plan
    says so)."""
    portal = catalogue(tmp_path, related_count=3)
    first, _ = random_portal(7, 60)
    store = tmp_path / "store.sqlite"
    ingest(portal, [write_records(tmp_path / "a.jsonl", first[:60])], store_path=store, now=NOW)
    new = [
        record(100 + n, title=f"{TOPICS[n % 4]} ({100 + n})", summary=f"HNP - {TOPICS[n % 4]}.")
        for n in range(10)
    ]
    statements: list[str] = []
    original = store_ingest.IngestOps.ingest

    def traced(self: store_ingest.IngestOps, *args: Any, **kwargs: Any) -> Any:
        self.db.set_trace_callback(statements.append)
        try:
            return original(self, *args, **kwargs)
        finally:
            self.db.set_trace_callback(None)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store_ingest.IngestOps, "ingest", traced)
        result = ingest(
            portal, [write_records(tmp_path / "b.jsonl", new)], store_path=store, now=NOW
        )
    assert result.added == 10
    with sqlite3.connect(store) as db:
        related = db.execute(
            "SELECT count(*) FROM articles WHERE computed_related IS NOT NULL"
            " AND CAST(record_id AS INTEGER) >= 1100"
        ).fetchone()[0]
        assert related > 0  # they were given related posts
        scans = []
        for sql in dict.fromkeys(statements):
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE", "WITH")):
                continue
            plan = " | ".join(row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}"))
            # A search by standing alone (``live=?``) reads every live article.
            whole = "SCAN" in plan or "(live=?)" in plan
            if whole and "LIMIT 1" not in sql.upper() and "related_corpus" not in sql:
                scans.append(f"{sql}: {plan}")
    assert not scans, "\n".join(scans)


@pytest.mark.parametrize(
    "text",
    [
        "2022-06-17T20:22:00+07:00",
        "1975-06-12T23:00:00+07:00",  # the zone's last change (+08 -> +07)
        "1975-06-12T23:59:59+08:00",
        "1970-01-01T08:00:00+08:00",
        "1960-01-01T00:00:00+08:00",
        "2022-06-17T13:22:00+00:00",  # another offset: converted
        "9998-12-31T23:59:59.999999+07:00",
    ],
)
def test_a_stored_time_reads_back_as_the_zone_gives_it(text: str) -> None:
    """The store's times read back with the value, offset, zone object and text of
    converting them with pytz, on both sides of the zone's last change."""
    from hnp_feeds.timezone import from_iso, to_local

    fast, slow = from_iso(text), to_local(datetime.fromisoformat(text))
    assert (fast, fast.isoformat(), fast.tzinfo) == (slow, slow.isoformat(), slow.tzinfo)


@pytest.mark.parametrize("seed", [4, 5])
def test_each_new_article_is_encoded_once_and_linked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """A first ingest and a later one: each new or changed article's links are derived
    once (its related posts computed in between); it is encoded once, as it is read (its
    body then patched with its links), and never decoded to be linked."""
    portal = catalogue(tmp_path, related_count=3)
    first, later = random_portal(seed, 40)
    derived: list[str] = []
    encoded: list[str] = []
    decoded: list[str] = []
    chunked: list[str] = []
    derive, encode, decode = links._derive_chunk, codec.article_to_json, codec.article_from_json
    chunks = store_ingest.IngestOps._chunks

    def counted_derive(db: Any, record_ids: list[str], *args: Any) -> None:
        derived.extend(record_ids)
        derive(db, record_ids, *args)

    def counted_encode(article: Any) -> str:
        encoded.append(article.id)
        return encode(article)

    def counted_decode(text: str, source: str = "") -> Any:
        article = decode(text, source)
        decoded.append(article.id)
        return article

    def counted_chunks(db: Any, ids: list[str], size: int = 500) -> Any:
        chunked.extend(ids)
        return chunks(db, ids, size)

    monkeypatch.setattr(links, "_derive_chunk", counted_derive)
    monkeypatch.setattr(links, "article_from_json", counted_decode)
    monkeypatch.setattr(store_ingest.IngestOps, "_chunks", staticmethod(counted_chunks))
    for module in (links, store_ingest):  # each calls it by name
        monkeypatch.setattr(module, "article_to_json", counted_encode)
    for n, records in enumerate([first, later]):
        new = {r["id"] for r in records if n == 0 or r not in first}  # new or changed
        given = Counter(r["id"] for r in records if r["id"] in new)  # a record read twice
        derived.clear()
        encoded.clear()
        decoded.clear()
        chunked.clear()
        ingest(
            portal,
            [write_records(tmp_path / f"{n}.jsonl", records)],
            store_path=tmp_path / "s.sqlite",
            now=NOW,
        )
        derived_new = [i for i in derived if i in new]
        assert derived_new and sorted(set(derived_new)) == sorted(derived_new)
        times = Counter(i for i in encoded if i in new)
        assert set(times) == set(given) and all(times[i] <= given[i] for i in given)
        assert not [i for i in decoded if i in new]  # links decode only those referring
        assert not [i for i in chunked if i in new]  # none read back to be linked
    with sqlite3.connect(tmp_path / "s.sqlite") as db:
        (computed,) = db.execute(
            "SELECT count(*) FROM related_refs WHERE kind = 'computed'"
        ).fetchone()
    assert computed > 0  # related posts were computed between


def test_the_door_workers_make_each_stored_form_this_process_only_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The articles of a large export come from the door's workers with their stored form
    made there (``store.prepare_article``): this process encodes none of them (the rows are
    those of one record at a time: ``test_runs_chunks_and_workers_...``)."""
    portal = catalogue(tmp_path, related_count=3)
    first, _ = random_portal(6, 40)
    monkeypatch.setattr(parallel, "THRESHOLD", 5)
    monkeypatch.setattr(parallel, "CHUNK", 3)
    monkeypatch.setattr(parallel, "PROCESSES", 2)
    here = os.getpid()
    encoded: list[str] = []
    encode = codec.article_to_json

    def counted(article: Any) -> str:
        if os.getpid() == here:  # the workers, forked after, count in their own copy
            encoded.append(article.id)
        return encode(article)

    monkeypatch.setattr(store_ingest, "article_to_json", counted)
    result = ingest(
        portal, [write_records(tmp_path / "a.jsonl", first)], store_path=tmp_path / "s.sqlite",
        now=NOW,
    )  # fmt: skip
    assert result.added > 30 and len(result.rejected) >= 2  # refused ones too
    assert encoded == []
    # Read here (a small source), each is encoded here, once.
    monkeypatch.setattr(parallel, "THRESHOLD", 10**9)
    ingest(
        portal, [write_records(tmp_path / "a.jsonl", first)], store_path=tmp_path / "t.sqlite",
        now=NOW,
    )  # fmt: skip
    assert len(encoded) == len(set(encoded)) > 30


def test_a_kept_article_is_what_replace_gives_without_its_stored_form() -> None:
    """``codec.altered`` (what an ingest copies its 100,000 kept articles with) gives what
    ``dataclasses.replace`` gives, and never the stored form made for the original."""
    article = codec.article_from_json(
        codec.article_to_json(store_ingest.Article("1", "Tiêu đề", NOW, NOW, url="https://x.vn/1"))
    )
    article = store_ingest.prepare_article(article)
    assert store_ingest._FORM in article.__dict__
    for changes in (
        {"content_html": "", "image": None, "raw_hash": ""},
        {"related": (store_ingest.Link("https://x.vn/2", "Hai"),)},
        {"source": "", "tags": ("a", "b")},
    ):
        kept = codec.altered(article, **changes)
        assert kept == replace(article, **changes)
        assert store_ingest._FORM not in kept.__dict__
        assert (
            store_ingest._form(kept).body
            == codec.article_to_json(replace(article, **changes)).encode()
        )


def test_a_body_sent_as_bytes_is_stored_as_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored form's body is UTF-8 bytes (made in a door worker, bound as they are): each
    row's body is still SQLite text, the article's canonical JSON, as are the bodies of
    edits given a time here (``with_updated``) and a refused record's raw text."""
    portal = catalogue(tmp_path, related_count=3)
    first, later = random_portal(4, 40)
    monkeypatch.setattr(parallel, "THRESHOLD", 5)
    monkeypatch.setattr(parallel, "CHUNK", 3)
    monkeypatch.setattr(parallel, "PROCESSES", 2)
    path = tmp_path / "s.sqlite"
    ingest(portal, [write_records(tmp_path / "a.jsonl", first)], store_path=path, now=NOW)
    result = ingest(portal, [write_records(tmp_path / "b.jsonl", later)], store_path=path, now=NOW)
    assert result.bumped  # edits that brought no newer time of their own
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT record_id, typeof(body), body FROM articles").fetchall()
        refused = "SELECT raw FROM rejected WHERE reason LIKE '%in the future%'"
        raws = [raw for (raw,) in db.execute(refused)]
    assert len(rows) > 40 and {kind for _, kind, _ in rows} == {"text"}
    for record_id, _, body in rows:
        assert codec.article_to_json(codec.article_from_json(body)) == body
        assert codec.article_from_json(body).id == record_id
    assert raws and all(isinstance(raw, str) and raw.startswith("{") for raw in raws)

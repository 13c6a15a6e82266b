"""The SQLite store: schema and migrations, ingest semantics, selection, the id ledger."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.adapters import read_sources
from hnp_feeds.catalogue import feeds_for
from hnp_feeds.config import Catalogue
from hnp_feeds.errors import RecordError, StoreError, StoreUnusable
from hnp_feeds.identity import entry_id
from hnp_feeds.model import Article, Category, FeedSpec, Image, Link, ListedPost
from hnp_feeds.store import (
    SCHEMA_VERSION,
    SQLiteStore,
    article_from_json,
    article_place,
    article_to_json,
    open_store,
    stored_id,
)
from hnp_feeds.store import schema as store_schema
from hnp_feeds.store.codec import with_related, with_updated
from hnp_feeds.timezone import localize

from .oracle import select
from .portal import catalogue, record, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))


@pytest.fixture
def portal(tmp_path: Path) -> Catalogue:
    return catalogue(tmp_path)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[SQLiteStore]:
    with open_store(tmp_path / "var" / "store.sqlite") as store:
        yield store


def items(tmp_path: Path, records: list[dict[str, object]], name: str = "a.jsonl") -> list[object]:
    return list(read_sources([write_records(tmp_path / name, records)]))


def test_a_new_store_has_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "var" / "s.sqlite"
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"articles", "ledger", "rejected", "pending_pings", "feed_state", "dirty"} <= tables


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(path)


def test_a_failed_migration_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE half (x)")
        db.execute("THIS IS NOT SQL")

    monkeypatch.setitem(store_schema.MIGRATIONS, 0, broken)
    path = tmp_path / "s.sqlite"
    with pytest.raises(StoreError, match="cannot open"):
        open_store(path)
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == 0
    assert raw.execute("SELECT name FROM sqlite_master").fetchall() == []


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        open_store(path)


def test_articles_survive_the_json_round_trip() -> None:
    article = Article(
        id="42",
        title="Hà Nội 1960",
        published=localize(datetime(1960, 5, 1, 9, 30)),  # +08:00 then
        updated=localize(datetime(2022, 6, 17, 20, 22, 5, 123456)),
        url="https://hnp.example.vn/a.html",
        summary="Tóm tắt",
        content_html="<p>x</p>",
        author="Trọng Toàn",
        category=Category("thoi-su", "Thời sự"),
        tags=("a", "b"),
        image=Image("https://hnp.example.vn/i.jpg", "chú thích", "image/jpeg", 10, 20, 30),
        related=(Link("https://hnp.example.vn/b.html", "B"),),
        status="retracted",
    )
    back = article_from_json(article_to_json(article))
    assert back == article
    assert back.published.utcoffset() == article.published.utcoffset()
    assert back.published.isoformat().endswith("+08:00")


#: Text a JSON form must keep apart from its own keys: quotes, backslashes, the keys.
_TRICKY = st.lists(
    st.sampled_from(['"', "\\", ":", ",", "[", "]", "{", "}", "a", "ệ", "related", "status",
                     "updated", "url", '"related":', ',"status":', ',"url":', '\\"']),
    max_size=8,
).map("".join)  # fmt: skip
_LINKS = st.lists(st.builds(Link, _TRICKY, _TRICKY), max_size=3).map(tuple)


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(_TRICKY, min_size=6, max_size=6),
    own=_LINKS,
    related=_LINKS,
    image=st.booleans(),
    minutes=st.integers(0, 10**6),
)
def test_a_json_form_patched_is_the_form_encoded_again(
    texts: list[str], own: tuple[Link, ...], related: tuple[Link, ...], image: bool, minutes: int
) -> None:
    """An article's related links or time updated replaced in its JSON form (a body
    patched, not encoded again) give exactly what encoding the changed article gives,
    whatever its text holds (its own keys, quotes, backslashes; an image's ``url``)."""
    title, summary, content, author, url, caption = texts
    article = Article(
        id="7", title=title, published=localize(datetime(2022, 1, 2, 3, 4)),
        updated=localize(datetime(2022, 1, 2, 3, 4)), url=url, summary=summary,
        content_html=content, author=author, category=Category(caption, title), tags=(url,),
        image=Image(url, caption, "image/jpeg", 1, 2, 3) if image else None, related=own,
    )  # fmt: skip
    text = article_to_json(article)
    later = article.updated + timedelta(minutes=minutes, microseconds=minutes)
    assert with_related(text, related) == article_to_json(replace(article, related=related))
    assert with_updated(text, later) == article_to_json(replace(article, updated=later))


def test_unchanged_records_change_nothing(
    tmp_path: Path, db: SQLiteStore, portal: Catalogue
) -> None:
    records = [record(n) for n in range(5)]
    first = db.ingest(items(tmp_path, records), portal.site, NOW)
    assert (first.added, first.changed, first.unchanged) == (5, 0, 0)
    db.finish_publish([], "cfg", NOW)
    assert db.dirty_keys() == set()
    again = db.ingest(items(tmp_path, records), portal.site, NOW)
    assert (again.added, again.changed, again.unchanged) == (0, 0, 5)
    assert db.dirty_keys() == set()


def test_a_changed_record_moves_updated_even_when_the_cms_did_not(
    tmp_path: Path, db: SQLiteStore, portal: Catalogue
) -> None:
    db.ingest(items(tmp_path, [record(1)]), portal.site, NOW)
    before = db.article("1001")
    assert before is not None
    later = localize(datetime(2022, 7, 2, 9, 15, 30))
    result = db.ingest(items(tmp_path, [record(1, title="Tiêu đề sửa")]), portal.site, later)
    assert result.changed == 1
    after = db.article("1001")
    assert after is not None and after.title == "Tiêu đề sửa"
    # The time the store first saw the edit, a microsecond short of the whole second.
    assert after.updated == later - timedelta(microseconds=1) > before.updated
    # When the CMS moves `updated` itself, its time is kept (not in the future of the run:
    # that is refused, test_publish_scheduled.py).
    own = "2022-07-03T10:00:00+07:00"
    then = localize(datetime(2022, 7, 3, 12, 0))
    db.ingest(items(tmp_path, [record(1, title="Lần nữa", updated=own)]), portal.site, then)
    kept = db.article("1001")
    assert kept is not None and kept.updated.isoformat() == own


def test_bad_records_are_kept_with_source_position_and_reason(
    tmp_path: Path, db: SQLiteStore, portal: Catalogue
) -> None:
    records = [record(1), {"id": "2", "title": "no date"}, record(3)]
    for _ in range(2):
        result = db.ingest(items(tmp_path, records), portal.site, NOW)
        assert len(result.rejected) == 1
    assert db.count("articles") == 2
    [(source, position, reason, times)] = db.rejected()
    assert source.endswith("a.jsonl") and position == "2" and "published" in reason
    assert times == 2


def test_selection_matches_the_catalogue(
    tmp_path: Path, db: SQLiteStore, portal: Catalogue
) -> None:
    records = [record(n) for n in range(60)]
    records[7]["status"] = "draft"
    records[8]["status"] = "retracted"
    records[9]["published"] = records[10]["published"]  # a tie, broken by id
    # Records bringing as many related links as the site asks for are stored as read.
    db.ingest(items(tmp_path, records), replace(portal.site, related_count=1), NOW)
    articles = [a for a in items(tmp_path, records) if isinstance(a, Article)]
    feeds = feeds_for(portal, articles)
    assert {f.kind for f in feeds} == {"main", "category", "author", "custom"}
    for feed in feeds:
        expected = [a.id for a in select(feed, articles, 10)]
        assert [row.record_id for row in db.select_entries(feed, 10)] == expected, feed.slug
        assert [row.article() for row in db.select_entries(feed, 10)] == select(feed, articles, 10)
    categories, authors = db.live_sections()
    assert set(categories) == {"thoi-su", "kinh-te", "the-thao"}
    assert len(authors) == 3


def test_a_retraction_leaves_the_feeds_with_a_tombstone_if_it_was_published(
    tmp_path: Path, db: SQLiteStore, portal: Catalogue
) -> None:
    db.ingest(items(tmp_path, [record(1), record(2)]), portal.site, NOW)
    published = db.article("1001")
    assert published is not None
    db.add_to_ledger({"1001": entry_id(portal.site, published)}, NOW)
    result = db.ingest(
        items(tmp_path, [record(1, status="retracted"), record(2, status="retracted")]),
        portal.site,
        NOW,
    )
    assert result.removed == 1 and result.changed == 1  # 1002 was never published
    main = FeedSpec("tin-moi", "main")
    assert db.select_entries(main, 10) == []
    [tomb] = db.tombstones(main)
    assert tomb.ref == entry_id(portal.site, published)
    assert db.tombstones(FeedSpec("x", "x", kind="category", category="thoi-su")) == []
    assert db.expire_tombstones(NOW) == 0
    assert db.expire_tombstones(localize(datetime(2030, 1, 1))) == 1
    assert db.tombstones(main) == []


def test_a_change_that_would_alter_a_published_id_is_refused(
    tmp_path: Path, db: SQLiteStore, portal: Catalogue
) -> None:
    db.ingest(items(tmp_path, [record(1)]), portal.site, NOW)
    original = db.article("1001")
    assert original is not None
    old_id = entry_id(portal.site, original)
    db.add_to_ledger({"1001": old_id}, NOW)
    moved = record(1, published="2021-01-01 10:00", title="Đổi ngày")
    result = db.ingest(items(tmp_path, [moved]), portal.site, NOW)
    [refused] = result.identity
    assert isinstance(refused, RecordError)
    assert old_id in refused.reason and "--reissue 1001" in refused.reason
    kept = db.article("1001")
    assert kept is not None and kept.title == original.title
    assert any("--reissue" in reason for _, _, reason, _ in db.rejected())
    # Title, slug and URL changes keep the id and are accepted.
    renamed = record(1, title="Tên mới", url="http://hnp2.example.vn/khac/ten-moi.html")
    assert db.ingest(items(tmp_path, [renamed]), portal.site, NOW).changed == 1
    # With --reissue the new id replaces the old one in the ledger.
    result = db.ingest(items(tmp_path, [moved]), portal.site, NOW, reissue=[old_id])
    assert result.reissued == ["1001"] and not result.identity
    stored = db.article("1001")
    assert stored is not None
    assert db.ledger_ids(["1001"]) == {"1001": entry_id(portal.site, stored)} != {"1001": old_id}


def test_the_store_check_finds_a_tampered_row(
    tmp_path: Path, db: SQLiteStore, portal: Catalogue
) -> None:
    db.ingest(items(tmp_path, [record(1)]), portal.site, NOW)
    assert db.check() == []
    db.db.execute("UPDATE articles SET body = replace(body, 'Bài', 'Bai')")
    assert db.check() and "content hash" in db.check()[0]


def test_a_version_1_store_is_migrated_with_its_data(
    tmp_path: Path, portal: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.sqlite"
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", 1)
    with open_store(path) as old:
        assert old.schema_version == 1
    monkeypatch.undo()
    fill_old_store(path, tmp_path, portal, [record(n) for n in range(6)])
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 15
        assert store.count("articles") == 6
        categories, authors = store.live_sections()
        assert len(categories) == 3 and len(authors) == 3
    indexes = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert {"articles_category_names", "articles_author_names"} <= indexes


def fill_old_store(
    path: Path, tmp_path: Path, portal: Catalogue, records: list[dict[str, object]]
) -> None:
    """Articles written into an older store the way its own version wrote them: ingested
    into a current store, then copied over in the columns the old schema has."""
    current = tmp_path / "current.sqlite"
    with open_store(current) as new:
        new.ingest(items(tmp_path, records, "old.jsonl"), portal.site, NOW)
    raw = sqlite3.connect(path)
    raw.execute("ATTACH DATABASE ? AS current", (str(current),))
    columns = ", ".join(row[1] for row in raw.execute("PRAGMA main.table_info(articles)"))
    raw.execute(f"INSERT INTO main.articles ({columns}) SELECT {columns} FROM current.articles")
    raw.commit()
    raw.close()


def test_a_version_2_store_is_migrated_to_archive_history_without_bodies(
    tmp_path: Path, portal: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.sqlite"
    monkeypatch.setattr(store_schema, "SCHEMA_VERSION", 2)
    with open_store(path) as old:
        assert old.schema_version == 2
    monkeypatch.undo()
    records = [record(n) for n in range(9)]
    records[2]["status"] = "retracted"
    records[4] = record(4, status="retracted", url=None)  # never in a history
    records[5]["status"] = "draft"
    fill_old_store(path, tmp_path, portal, records)
    raw = sqlite3.connect(path)
    assert "has_url" not in {row[1] for row in raw.execute("PRAGMA table_info(articles)")}
    raw.close()
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 15
        main = FeedSpec("tin-moi", "Tin mới", archive=True)
        slots = store.history_keys(main)
        assert {s.record_id for s in slots} == {str(1000 + n) for n in (0, 1, 2, 3, 6, 7, 8)}
        assert [s.record_id for s in slots if not s.live] == ["1002"]
        assert store.archive_pages("tin-moi") == {}
        store.save_archive_pages("tin-moi", {1: "abc"})
        assert store.archive_pages("tin-moi") == {1: "abc"}
    indexes = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master")}
    assert {"articles_history", "articles_history_category", "archive_pages"} <= indexes


def test_the_history_matches_the_archive_rule(
    tmp_path: Path, db: SQLiteStore, portal: Catalogue
) -> None:
    from .oracle import in_history

    records = [record(n) for n in range(40)]
    records[3]["status"] = "retracted"
    records[4]["status"] = "draft"
    records[5] = record(5, status="retracted", url=None)
    db.ingest(items(tmp_path, records), replace(portal.site, related_count=1), NOW)
    articles = [a for a in items(tmp_path, records) if isinstance(a, Article)]
    for feed in feeds_for(portal, articles):
        expected = sorted(
            (a for a in articles if in_history(feed, a)), key=lambda a: (a.published, a.id)
        )
        slots = db.history_keys(feed)
        assert [slot.record_id for slot in slots] == [a.id for a in expected], feed.slug
        assert [bool(slot.live) for slot in slots] == [a.status == "published" for a in expected]


def test_edits_of_one_run_get_distinct_times_never_after_the_run(
    tmp_path: Path, db: SQLiteStore, portal: Catalogue
) -> None:
    db.ingest(items(tmp_path, [record(n) for n in range(4)]), portal.site, NOW)
    later = localize(datetime(2022, 7, 2, 9, 15, 30))
    edits = [record(n, title=f"Sửa {n}") for n in range(3)] + [record(3)]
    result = db.ingest(items(tmp_path, edits), portal.site, later)
    assert result.changed == 3 and sorted(result.bumped) == ["1000", "1001", "1002"]
    times = []
    for n in range(3):
        article = db.article(str(1000 + n))
        assert article is not None
        times.append(article.updated)
    assert len(set(times)) == 3 and all(t < later and t.microsecond for t in times)


def test_the_full_check_runs_only_when_the_file_is_not_as_a_clean_close_left_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``PRAGMA quick_check`` reads the whole file (seconds on 100,000 articles): a store
    this program closed cleanly is not read whole again; one changed by anything else, or
    left with a WAL by a run that did not close, is checked, and refused when damaged."""
    from hnp_feeds.store.connection import Connection

    checks: list[Path] = []
    real_check = Connection.full_check

    def counting(self: Connection) -> None:
        checks.append(self.path)
        real_check(self)

    monkeypatch.setattr(Connection, "full_check", counting)
    path = tmp_path / "store.sqlite"
    with open_store(path) as store:
        store.set_meta("k", "v")
    assert len(checks) == 1  # a new file: checked
    with open_store(path) as store:
        assert store.get_meta("k") == "v"
    assert len(checks) == 1  # as the last close left it: not read whole
    # Another program changes the file (a copy, a restore, a disk fault): checked again.
    data = bytearray(path.read_bytes())
    path.write_bytes(bytes(data))
    with open_store(path):
        pass
    assert len(checks) == 2
    # A run that never closed leaves its WAL: checked.
    crashed = sqlite3.connect(path, isolation_level=None)
    crashed.execute("PRAGMA journal_mode=WAL")
    crashed.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('k', 'w')")
    with open_store(path) as store:
        assert store.get_meta("k") == "w"
    assert len(checks) == 3
    crashed.close()
    # Damage is found whenever the file changed, and refused.
    with open_store(path):
        pass
    data = bytearray(path.read_bytes())
    page = 4096
    data[page : 2 * page] = bytes(range(256)) * (page // 256)
    path.write_bytes(bytes(data))
    with pytest.raises(StoreUnusable, match="damaged"):
        open_store(path)


# Text that looks like the keys ``article_place`` looks for, inside the values it skips.
_TRICKY = st.lists(
    st.sampled_from([*',":\\{}[] uridé\u2028', ',"url":', ',"id":"x"', ',"published":"']),
    max_size=6,
).map("".join)


@st.composite
def _stored_articles(draw: st.DrawFn) -> Article:
    day = draw(st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30)))
    published = localize(day)
    later = draw(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
    image = draw(st.none() | st.builds(Image, _TRICKY, _TRICKY, st.none() | _TRICKY))
    return Article(
        id=draw(_TRICKY.filter(bool)),
        title=draw(_TRICKY),
        published=published,
        updated=localize(day + later),
        url=draw(st.none() | _TRICKY),
        summary=draw(_TRICKY),
        content_html=draw(_TRICKY),
        author=draw(st.none() | _TRICKY),
        category=draw(st.none() | st.builds(Category, _TRICKY, _TRICKY)),
        tags=tuple(draw(st.lists(_TRICKY, max_size=2))),
        image=image,
        related=tuple(draw(st.lists(st.builds(Link, _TRICKY, _TRICKY), max_size=2))),
        listed=tuple(
            draw(st.lists(st.builds(ListedPost, _TRICKY, st.just(published)), max_size=1))
        ),
    )


@settings(max_examples=25, deadline=None)
@given(article=_stored_articles(), number=st.integers(0, 2**80))
def test_a_stored_body_reads_back_as_the_article(article: Article, number: int) -> None:
    """Whatever reads a body (orjson, or the standard library where orjson reads an int
    beyond 64 bits as a float) gives the article back."""
    image = Image("https://hnp.example.vn/a.jpg", length=number, width=number % 5000)
    assert article_from_json(article_to_json(article)) == article
    # Made without ``__init__`` (``codec._made``): every field, the nested values' too,
    # is what ``__init__`` gives (``source`` and ``raw_hash`` included, which ``==`` skips).
    back = article_from_json(article_to_json(article), "x.jsonl:3")
    assert _fields(back) == _fields(replace(article, source="x.jsonl:3", raw_hash=""))
    back = article_from_json(article_to_json(replace(article, image=image)))
    assert back == replace(article, image=image)
    assert back.image is not None and type(back.image.length) is int


def _fields(value: object) -> object:
    """Every field of a value, and of the values it holds, by name (types included)."""
    if isinstance(value, tuple):
        return tuple(_fields(item) for item in value)
    if hasattr(value, "__dataclass_fields__"):
        return (type(value), {k: _fields(v) for k, v in sorted(vars(value).items())})
    return (type(value), value)


def _place(article: Article) -> tuple[object, ...]:
    return (
        article.id,
        article.url,
        (article.published, article.published.utcoffset()),
        (article.updated, article.updated.utcoffset()),
        article.source,
    )


@settings(max_examples=150, deadline=None)
@given(article=_stored_articles())
def test_an_article_placed_is_the_article_decoded_as_far_as_its_place(article: Article) -> None:
    text = article_to_json(article)
    whole = article_from_json(text, "x.jsonl:1")
    assert _place(article_place(text, "x.jsonl:1")) == _place(whole)
    # every other field as a new Article's
    assert article_place(text) == Article(
        whole.id, "", whole.published, whole.updated, whole.url, source="x.jsonl:1"
    )
    assert stored_id(text) == whole.id
    # A body written spaced (keys not found as ``,"key":``) is decoded whole.
    other = json.dumps(dict(reversed(json.loads(text).items())), indent=1, ensure_ascii=False)
    assert _place(article_place(other, "x.jsonl:1")) == _place(whole)
    assert stored_id(other) == whole.id

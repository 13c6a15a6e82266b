"""Related posts computed at ingest, stored with the article, published as they were."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser

from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish
from hnp_feeds.store.schema import SCHEMA_VERSION
from hnp_feeds.timezone import localize

from .portal import catalogue, record, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))
FLOOD = "Lũ lụt miền Trung gây ngập úng diện rộng"


OLDER = {"url": "https://hnp.example.vn/thoi-su/luu-tru.html", "title": "Lưu trữ"}


def story(n: int, title: str, **changes: Any) -> dict[str, Any]:
    """Article ``n`` with ``title`` and no related links of its own."""
    changes.setdefault("related", [])
    return record(n, title=title, summary=f"HNP - {title}.", tags=[], **changes)


def related_of(atom: bytes, url: str) -> list[tuple[str, str]]:
    parsed = feedparser.parse(atom)
    assert not parsed.bozo, parsed.get("bozo_exception")
    [entry] = [e for e in parsed.entries if e.link == url]
    return [(link.href, link.title) for link in entry.links if link.rel == "related"]


def test_computed_related_links_are_published_and_stay_when_others_come(
    tmp_path: Path,
) -> None:
    portal = catalogue(tmp_path, related_count=2)
    # Same category (n % 3 == 0: thoi-su): two flood stories and an unrelated one; the
    # newest flood story (n=9, 10 June) gets related links from the store.
    first = [
        story(0, f"{FLOOD} ở Quảng Bình", published="2022-06-01 08:00", related=[OLDER]),
        story(3, f"{FLOOD} ở Huế", published="2022-06-04 08:00"),
        story(6, "Giá vàng hôm nay tăng mạnh", published="2022-06-07 08:00"),
        story(9, f"{FLOOD} ở Quảng Nam", published="2022-06-10 08:00"),
    ]
    result = publish(portal, [write_records(tmp_path / "a.jsonl", first)], now=NOW)
    assert result.exit_code is ExitCode.OK, (result.summary(), result.invalid)
    atom = (portal.out_dir / "tin-moi" / "atom.xml").read_bytes()
    url = first[3]["url"]
    links = related_of(atom, url)
    assert sorted(href for href, _ in links) == sorted([first[0]["url"], first[1]["url"]])
    assert url not in {href for href, _ in links}
    # Articles that came later (even on the same subject) leave the links as they were.
    later = [
        story(12, f"{FLOOD} ở Hà Tĩnh", published="2022-06-20 08:00"),
        story(15, "Bóng đá: đội tuyển thắng lớn", published="2022-06-21 08:00"),
    ]
    again = publish(portal, [write_records(tmp_path / "b.jsonl", first + later)], now=NOW)
    assert again.exit_code is ExitCode.OK, again.summary()
    assert related_of((portal.out_dir / "tin-moi" / "atom.xml").read_bytes(), url) == links
    # The newer flood story finds the earlier ones, never itself.
    newest = related_of((portal.out_dir / "tin-moi" / "atom.xml").read_bytes(), later[0]["url"])
    assert len(newest) == 2 and later[0]["url"] not in {h for h, _ in newest}


def test_explicit_links_come_first_and_retracted_articles_are_not_offered(
    tmp_path: Path,
) -> None:
    portal = catalogue(tmp_path, related_count=3)
    explicit = {"url": "https://hnp.example.vn/thoi-su/bai-khac.html", "title": "Bài khác"}
    records = [
        story(0, f"{FLOOD} ở Quảng Bình", published="2022-06-01 08:00", related=[OLDER]),
        story(3, f"{FLOOD} ở Huế", published="2022-06-04 08:00", status="retracted"),
        story(6, f"{FLOOD} ở Quảng Trị", published="2022-06-05 08:00"),
        record(
            9,
            title=f"{FLOOD} ở Quảng Nam",
            summary="HNP - lũ.",
            tags=[],
            related=[explicit],
            published="2022-06-10 08:00",
        ),
    ]
    result = publish(portal, [write_records(tmp_path / "a.jsonl", records)], now=NOW)
    assert result.exit_code is ExitCode.OK, (result.summary(), result.invalid)
    links = related_of((portal.out_dir / "tin-moi" / "atom.xml").read_bytes(), records[3]["url"])
    hrefs = [href for href, _ in links]
    assert hrefs[0] == explicit["url"]
    assert records[1]["url"] not in hrefs  # retracted
    assert set(hrefs[1:]) == {records[0]["url"], records[2]["url"]}


def test_a_related_post_is_a_reference_to_the_article_it_points_to(tmp_path: Path) -> None:
    portal = catalogue(tmp_path, related_count=1)
    target = record(1, title="Bài gốc")
    referrer = record(5, related=[{"url": target["url"], "title": "tiêu đề cũ trong CMS"}])
    others = [record(n) for n in range(2, 5)]  # older than the referrer: candidates
    atom = portal.out_dir / "tin-moi" / "atom.xml"

    def run(records: list[dict[str, Any]], minute: int) -> list[tuple[str, str]]:
        source = write_records(tmp_path / "e.jsonl", records)
        result = publish(portal, [source], now=NOW.replace(minute=minute), workers=1)
        assert result.exit_code is ExitCode.OK, result.summary()
        return related_of(atom.read_bytes(), referrer["url"])

    # Shown with the article's own title, not the one the CMS wrote beside the link.
    assert run([target, referrer, *others], 0) == [(target["url"], "Bài gốc")]
    # Its URL and title change: the entry that relates to it follows.
    moved = {**target, "url": "https://hnp.example.vn/tin/bai-goc-moi.html", "title": "Bài mới"}
    assert run([moved, referrer, *others], 5) == [(moved["url"], "Bài mới")]
    # Retracted: never recommended; a computed one takes its place.
    gone = {**moved, "status": "retracted"}
    shown = run([gone, referrer, *others], 10)
    assert len(shown) == 1 and shown[0][0] not in (target["url"], moved["url"])
    # Back again: the record's own link comes back first.
    assert run([moved, referrer, *others], 15)[0] == (moved["url"], "Bài mới")
    # A link to another site stays as given.
    outside = {**referrer, "related": [{"url": "https://example.org/x", "title": "Ngoài"}]}
    assert run([moved, outside, *others], 20) == [("https://example.org/x", "Ngoài")]


def test_a_version_8_store_drops_its_full_text_index_and_keeps_what_it_published(
    tmp_path: Path,
) -> None:
    import sqlite3

    portal = catalogue(tmp_path, related_count=2)
    first = [
        story(0, f"{FLOOD} ở Quảng Bình", published="2022-06-01 08:00"),
        story(3, f"{FLOOD} ở Huế", published="2022-06-04 08:00"),
        story(6, f"{FLOOD} ở Quảng Nam", published="2022-06-10 08:00"),
    ]
    result = publish(portal, [write_records(tmp_path / "a.jsonl", first)], now=NOW)
    assert result.exit_code is ExitCode.OK, result.summary()
    atom = portal.out_dir / "tin-moi" / "atom.xml"
    before = related_of(atom.read_bytes(), first[2]["url"])
    assert before
    # As a version 8 store left it: the FTS5 index, no tables of the new model.
    db = sqlite3.connect(portal.store_path, isolation_level=None)
    for table in (
        "related_docs",
        "related_terms",
        "related_lists",
        "related_postings",
        "related_rare",
        "related_corpus",
    ):
        db.execute(f"DROP TABLE {table}")
    db.execute("DROP TABLE entry_cache")  # (later steps')
    for trigger in ("changed", "deleted"):
        db.execute(f"DROP TRIGGER raw_blocks_record_{trigger}")
    db.execute("DROP TABLE raw_block_records")
    db.execute("DROP TABLE raw_blocks")
    db.execute("DROP INDEX articles_raw_hash")
    for trigger in ("insert", "delete", "update"):
        db.execute(f"DROP TRIGGER articles_history_{trigger}")
    db.execute("DROP TABLE history_since")
    db.execute("ALTER TABLE articles DROP COLUMN raw_hash")
    db.execute("CREATE VIRTUAL TABLE related_fts USING fts5(title, summary, tags, pairs)")
    db.execute("CREATE TABLE related_docs (rowid INTEGER PRIMARY KEY, article_id TEXT)")
    db.execute("PRAGMA user_version = 8")
    db.close()
    later = story(9, f"{FLOOD} ở Hà Tĩnh", published="2022-06-20 08:00")
    again = publish(portal, [write_records(tmp_path / "a.jsonl", [*first, later])], now=NOW)
    assert again.exit_code is ExitCode.OK, again.summary()
    assert related_of(atom.read_bytes(), first[2]["url"]) == before  # published: kept
    # The next ingest indexed every stored article again: the new one finds them.
    newest = {href for href, _ in related_of(atom.read_bytes(), later["url"])}
    assert newest and newest <= {r["url"] for r in first}
    db = sqlite3.connect(portal.store_path)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    assert "related_fts" not in tables and "related_terms" in tables
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()

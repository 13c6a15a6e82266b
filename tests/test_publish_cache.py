"""Entries rendered and checked once (issue 14.3): documents assembled from the entries the
store keeps are byte for byte those rendered whole, run after run, through edits,
retractions, URL changes and moves; and kept entries of other writers are never used."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from hnp_feeds import writers
from hnp_feeds.config import Catalogue
from hnp_feeds.errors import ExitCode
from hnp_feeds.model import FeedSpec
from hnp_feeds.publish import PortalValidator, PublishResult, publish, run
from hnp_feeds.publish.run import _interleaved, _PageTask
from hnp_feeds.store.schema import SCHEMA_VERSION
from hnp_feeds.writers import atom, fragments

from .portal import catalogue, write_records
from .test_history import START, article, steps
from .test_pipeline import NOW, files_of, portals


def _outcome(result: PublishResult) -> tuple[Any, ...]:
    """What a run says, beside the files it writes."""
    return (
        result.exit_code,
        {path: [m.to_dict() for m in r.messages] for path, r in result.invalid.items()},
        {path: [m.to_dict() for m in r.messages] for path, r in result.warnings.items()},
        sorted(result.withheld),
    )


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    page_size=st.sampled_from([2, 3, 4]),
    workers=st.sampled_from([1, 2]),
)
def test_cron_runs_with_the_cache_write_the_bytes_of_whole_renders(
    seed: int, page_size: int, workers: int
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        portal = catalogue(root, archive_page_size=page_size, entries_per_feed=3, related_count=1)
        for day, state in enumerate(steps(seed, days=4)):
            records = [article(n, version) for n, version in sorted(state.items())]
            source = write_records(root / "e.jsonl", records)
            now = START + timedelta(days=41 + day)
            runs = {}
            for cached in (True, False):
                name = "cached" if cached else "whole"
                runs[name] = publish(
                    portal,
                    [source],
                    store_path=root / f"{name}.sqlite",
                    out_dir=root / name,
                    now=now,
                    workers=workers,
                    entry_cache=cached,
                )
            assert _outcome(runs["cached"]) == _outcome(runs["whole"]), day
            assert files_of(root / "cached") == files_of(root / "whole"), day
        with sqlite3.connect(root / "cached.sqlite") as db:
            formats = {row[0] for row in db.execute("SELECT format FROM entry_cache")}
        assert formats == {"atom.xml", "rss.xml", "feed.json"}  # the cache was used


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    records=portals(),
    page_size=st.sampled_from([3, 5, 100]),
    workers=st.sampled_from([1, 2]),
)
def test_a_first_publish_with_the_cache_writes_the_bytes_of_whole_renders(
    records: list[dict[str, Any]], page_size: int, workers: int
) -> None:
    """Random portals with colliding times, drafts, tags: the same bytes and reports,
    the entries the documents share rendered once, in this process or in workers."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        portal = catalogue(root, archive_page_size=page_size, related_count=1)
        source = write_records(root / "export.jsonl", records)
        runs = _first_publishes(portal, source, root, workers)
        assert _outcome(runs[True][0]) == _outcome(runs[False][0])
        assert runs[True][1] == runs[False][1]


def _first_publishes(
    portal: Catalogue, source: Path, root: Path, workers: int
) -> dict[bool, tuple[PublishResult, dict[str, bytes]]]:
    """A first publish of ``source`` with the cache (True) and without: each run's result
    and files."""
    runs = {}
    for cached in (True, False):
        out = root / str(cached)
        result = publish(
            portal,
            [source],
            store_path=root / f"{cached}.sqlite",
            out_dir=out,
            now=NOW,
            workers=workers,
            entry_cache=cached,
        )
        runs[cached] = (result, files_of(out))
    return runs


def test_a_first_publish_renders_each_entry_once_per_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article is in the main, its category's, its author's documents and archive pages:
    its entry is rendered once per format for all of them, and the files are those of a
    run without the cache."""
    portal = catalogue(tmp_path, archive_page_size=4, entries_per_feed=3, related_count=1)
    source = write_records(tmp_path / "e.jsonl", [article(n, {}) for n in range(16)])
    cut: list[tuple[str, str]] = []
    whole = fragments._fragments

    def counted(site: Any, document: Any, filename: str, articles: Any, *rest: Any) -> Any:
        cut.extend((filename, a.id) for a in articles)
        return whole(site, document, filename, articles, *rest)

    monkeypatch.setattr(fragments, "_fragments", counted)
    runs = _first_publishes(portal, source, tmp_path, workers=1)
    assert runs[True][1] == runs[False][1]
    assert cut, "the documents were assembled from entries"
    assert len(cut) == len(set(cut)), sorted(k for k in set(cut) if cut.count(k) > 1)
    assert {filename for filename, _ in cut} == {"atom.xml", "rss.xml", "feed.json"}


def _entry_ids(data: bytes) -> tuple[str, list[str]]:
    """The format of a document and the ids of the entries it holds."""
    if data.lstrip()[:1] == b"{":
        return "feed.json", [item["id"] for item in json.loads(data).get("items", [])]
    root = etree.fromstring(data)
    if root.tag == "rss":
        return "rss.xml", [guid.text or "" for guid in root.iterfind("channel/item/guid")]
    atom = "{http://www.w3.org/2005/Atom}"
    return "atom.xml", [e.findtext(f"{atom}id") or "" for e in root.iterfind(f"{atom}entry")]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_first_publish_checks_each_entry_once_per_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """The validator sees each entry once per format over the whole run, though an article
    is in the main, its category's, its author's documents and archive pages: the
    documents that show it again are checked without it (their head), and their files
    are those of a run that validates every document whole.  With workers, a batch is
    rendered while the one before is written: an archive page waits for the pages that
    render its entries (``_interleaved``, ``_one_ahead``'s ``needs``), and the entries
    current documents share are rendered before them all (``Run._shared_first``)."""
    portal = catalogue(tmp_path, archive_page_size=2, entries_per_feed=3, related_count=1)
    source = write_records(tmp_path / "e.jsonl", [article(n, {}) for n in range(16)])
    log = tmp_path / "checked.txt"  # written by every process that validates
    whole = PortalValidator.__call__

    def counted(self: PortalValidator, data: bytes, base_url: str) -> Any:
        filename, ids = _entry_ids(data)
        with log.open("a", encoding="utf-8") as out:
            out.writelines(f"{filename} {entry}\n" for entry in ids)
        return whole(self, data, base_url)

    monkeypatch.setattr(PortalValidator, "__call__", counted)
    monkeypatch.setattr(run, "BATCH", 2)  # the archive pages interleaved (``_interleaved``)
    cached = publish(
        portal, [source], store_path=tmp_path / "c.sqlite", out_dir=tmp_path / "c", now=NOW,
        workers=workers,
    )  # fmt: skip
    checked = log.read_text(encoding="utf-8").splitlines()
    log.unlink()
    plain = publish(
        portal, [source], store_path=tmp_path / "w.sqlite", out_dir=tmp_path / "w", now=NOW,
        workers=1, entry_cache=False,
    )  # fmt: skip
    seen = log.read_text(encoding="utf-8").splitlines()
    assert _outcome(cached) == _outcome(plain)
    assert files_of(tmp_path / "c") == files_of(tmp_path / "w")
    twice = sorted(k for k in set(checked) if checked.count(k) > 1)
    assert len(checked) == len(set(checked)), twice
    assert set(checked) == set(seen)  # every entry of every format, checked once
    assert len(seen) > len(set(seen))  # whole documents repeat them


def test_a_version_12_store_keeps_its_entries_in_a_table_with_rowids(tmp_path: Path) -> None:
    """Migrated to 13: the kept entries, the same rows, are in a rowid table (rows of
    ~2 KB spread over several pages in a WITHOUT ROWID one), and are used as before."""
    portal = catalogue(tmp_path, archive_page_size=3, related_count=1)
    source = write_records(tmp_path / "e.jsonl", [article(n, {}) for n in range(5)])
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    publish(portal, [source], store_path=store, out_dir=out, now=NOW)
    select = "SELECT record_id, format, key, bytes, checked FROM entry_cache ORDER BY 1, 2"
    with sqlite3.connect(store) as db:  # the table as version 12 had it
        kept = db.execute(select).fetchall()
        db.execute("ALTER TABLE entry_cache RENAME TO entry_cache_new")
        db.execute(
            "CREATE TABLE entry_cache (record_id TEXT NOT NULL, format TEXT NOT NULL,"
            " key TEXT NOT NULL, bytes BLOB NOT NULL, checked TEXT,"
            " PRIMARY KEY (record_id, format)) WITHOUT ROWID"
        )
        db.execute("INSERT INTO entry_cache SELECT * FROM entry_cache_new")
        db.execute("DROP TABLE entry_cache_new")
        db.execute("PRAGMA user_version = 12")
    assert kept and _tamper(store) > 0  # the kept entries show, if they are used
    _remove_documents(out)
    publish(portal, [], store_path=store, out_dir=out, now=NOW + timedelta(minutes=1))
    assert "Đã sửa trong kho".encode() in files_of(out)["tin-moi/atom.xml"]
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        ddl = db.execute("SELECT sql FROM sqlite_master WHERE name = 'entry_cache'").fetchone()
        assert "WITHOUT ROWID" not in ddl[0].upper()
        assert len(db.execute(select).fetchall()) == len(kept)


@settings(max_examples=50, deadline=None)
@given(
    sections=st.lists(st.integers(0, 3), min_size=1, max_size=60),
    page=st.integers(1, 4),
    lag=st.integers(0, 6),
)
def test_archive_pages_interleaved_keep_each_feeds_order_after_what_renders_their_entries(
    sections: list[int], page: int, lag: int
) -> None:
    """Main pages first, then the pages of sections whose entries the main ones show (a
    first publish): the same pages, each feed's in its order, each after the first page
    showing any of its entries, those that render none ``lag`` pages after it, among the
    others (not all at the end)."""
    main = FeedSpec("tin-moi", "Tin mới", archive=True)
    feeds = [FeedSpec(f"muc-{n}", f"Mục {n}", archive=True) for n in range(4)]
    ids = [str(n) for n in range(len(sections))]
    tasks = [_PageTask(main, k, tuple(ids[k : k + page]), 0, "") for k in range(0, len(ids), page)]
    for n, feed in enumerate(feeds):
        own = [i for i, s in zip(ids, sections, strict=True) if s == n]
        tasks += [
            _PageTask(feed, k, tuple(own[k : k + page]), 0, "") for k in range(0, len(own), page)
        ]
    order = _interleaved(tasks, lag)
    assert sorted(map(id, order)) == sorted(map(id, tasks))
    for feed in [main, *feeds]:
        assert [t for t in order if t.feed == feed] == [t for t in tasks if t.feed == feed]
    mains = sum(t.feed == main for t in tasks)
    last_main = max(at for at, t in enumerate(order) if t.feed == main)
    shown = {record_id: order.index(t) for t in order[::-1] for record_id in t.record_ids}
    for at, task in enumerate(order):
        producer = max(shown[record_id] for record_id in task.record_ids)  # a main page
        assert producer <= at and order[producer].feed == main
        if task.feed != main:
            assert producer + lag < at or at > last_main
    others = [at for at, t in enumerate(order) if t.feed != main]
    if others:  # the first comes as soon as its entries are rendered, kept and ``lag`` on
        first = order[others[0]].record_ids
        ready = max(
            k for k, t in enumerate(tasks) if t.feed == main and set(t.record_ids) & set(first)
        )
        assert others[0] == min(ready + lag + 1, mains)


def _tamper(store: Path) -> int:
    """Every kept Atom entry shows another title; how many were changed."""
    with sqlite3.connect(store) as db:
        changed = db.execute(
            "UPDATE entry_cache SET bytes = CAST(replace(CAST(bytes AS TEXT), '<title>',"
            " '<title>Đã sửa trong kho ') AS BLOB) WHERE format = 'atom.xml'"
        ).rowcount
    return changed


def _remove_documents(out: Path) -> None:
    for path in out.rglob("*.xml"):
        path.unlink()


def test_entries_kept_by_other_writers_are_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    portal = catalogue(tmp_path, archive_page_size=3, related_count=1)
    records = [article(n, {}) for n in range(8)]
    source = write_records(tmp_path / "e.jsonl", records)
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    publish(portal, [source], store_path=store, out_dir=out, now=NOW)
    whole = files_of(out)
    # The kept entries are used: a change made to them in the store shows.
    assert _tamper(store) > 0
    _remove_documents(out)
    publish(portal, [], store_path=store, out_dir=out, now=NOW + timedelta(minutes=1))
    shown = files_of(out)
    assert "Đã sửa trong kho".encode() in shown["tin-moi/atom.xml"]
    assert shown != whole
    # Other writers (a new version of any writer's source) render their entries again.
    monkeypatch.setattr(fragments, "WRITER_VERSION", fragments.WRITER_VERSION + "-next")
    _remove_documents(out)
    publish(portal, [], store_path=store, out_dir=out, now=NOW + timedelta(minutes=2))
    assert files_of(out) == whole


def test_new_writers_render_every_current_document_again_and_no_archive_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an upgrade of the writers, the first run renders every feed's current
    documents with the new code, those of feeds nothing touched included (an author who
    stopped writing is not left with the old code's bytes), and no archive page: a page
    once written stays as it is.  Once."""
    portal = catalogue(tmp_path, archive_page_size=3, related_count=1)
    source = write_records(tmp_path / "e.jsonl", [article(n, {}) for n in range(8)])
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    publish(portal, [source], store_path=store, out_dir=out, now=NOW)
    before = files_of(out)
    pages = {path for path in before if "/archive/" in path}
    current = {path for path in before if path.endswith("/atom.xml") and path not in pages}
    assert pages and len(current) > 3
    # The writers as a new version makes them: another generator, another version.
    monkeypatch.setattr(atom, "GENERATOR", "hnp-feeds next")
    monkeypatch.setattr(fragments, "WRITER_VERSION", "next")
    monkeypatch.setattr(writers, "writer_version", lambda: "next")
    # Nothing else changed: no source, no edit, no dirty key.
    result = publish(portal, [], store_path=store, out_dir=out, now=NOW + timedelta(minutes=1))
    after = files_of(out)
    for path in current:
        assert b"<generator>hnp-feeds next</generator>" in after[path], path
    for path in pages:
        assert after[path] == before[path], path
    assert set(after) == set(before)
    assert result.exit_code == ExitCode.OK and len(result.planned) == len(current)
    # Taken as published: the next run has nothing to do.
    again = publish(portal, [], store_path=store, out_dir=out, now=NOW + timedelta(minutes=2))
    assert not again.planned and files_of(out) == after


def test_the_writers_version_covers_every_module_an_entry_is_made_by() -> None:
    # A module of the package the writers import, edited, changes what an entry's bytes
    # may be: it must be part of the key, or the cache would serve entries of old code.
    import ast

    package = Path(fragments.__file__).parents[1]
    imported = {
        node.module
        for source in (package / "writers").glob("*.py")
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module
    }
    # catalogue: the order of a document's entries, not the bytes of one; digest: the key.
    imported -= {"catalogue", "digest"}
    assert imported and {f"{name}.py" for name in imported} <= set(writers.WRITER_SOURCES)


def test_a_library_s_version_is_read_from_its_distribution_as_importlib_reads_it() -> None:
    """``installed_version`` (what a cache is keyed by besides the source) reads the
    ``.dist-info`` folder's name instead of importing ``importlib.metadata`` (~40 ms at
    each cron run); the same versions, and ``importlib.metadata``'s answer without one."""
    from importlib import metadata

    from hnp_feeds.digest import installed_version

    for library in ("feedgen", "lxml", "pytz", "typer"):
        assert installed_version(library) == metadata.version(library)
    with pytest.raises(metadata.PackageNotFoundError):
        installed_version("hnp_feeds_no_such_library")


def test_a_verdict_is_kept_for_its_entry_and_validator_and_asked_again_of_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kept entry's verdict (``checked``) stands for its key and the validator's version:
    a run that shows it again under the same ones does not have it checked again; under
    another version of the validator every entry it shows is checked again."""
    portal = catalogue(tmp_path)
    store, out = tmp_path / "s.sqlite", tmp_path / "out"
    records = [article(n, {}) for n in range(8)]
    publish(portal, [write_records(tmp_path / "a.jsonl", records)], store_path=store,
            out_dir=out, now=NOW)  # fmt: skip
    log: list[tuple[str, str]] = []
    whole = PortalValidator.__call__

    def counted(self: PortalValidator, data: bytes, base_url: str) -> Any:
        filename, ids = _entry_ids(data)
        log.extend((filename, entry) for entry in ids)
        return whole(self, data, base_url)

    monkeypatch.setattr(PortalValidator, "__call__", counted)
    more = [*records, article(8, {})]
    publish(portal, [write_records(tmp_path / "b.jsonl", more)], store_path=store, out_dir=out,
            now=NOW + timedelta(minutes=1), workers=1)  # fmt: skip
    new_entries = {entry for _, entry in log}
    assert len(new_entries) == 1  # the new article alone, in each format it is in
    log.clear()
    version = PortalValidator.version
    monkeypatch.setattr(
        PortalValidator, "version", property(lambda self: version.func(self) + "-next")
    )
    most = [*more, article(9, {})]
    publish(portal, [write_records(tmp_path / "c.jsonl", most)], store_path=store, out_dir=out,
            now=NOW + timedelta(minutes=2), workers=1)  # fmt: skip
    again = {entry for _, entry in log}
    assert len(again) > 2  # the kept entries of the documents it enters, checked again


def test_entry_keys_from_the_stores_digests_are_the_keys_of_the_bodies() -> None:
    """A job carrying the store's ``content_hash`` of each body (``RenderJob.digests``)
    renders and keys its entries as one that hashes the bodies itself."""
    from hnp_feeds.publish.render import RenderJob, render_job
    from hnp_feeds.store import article_to_json, content_hash

    from .regenerate_golden import ARTICLES, MAIN, SITE

    bodies = tuple((article_to_json(a), "x.jsonl:1") for a in ARTICLES)
    digests = tuple(content_hash(body) for body, _ in bodies)
    validate = PortalValidator(SITE, NOW)
    plain = render_job(RenderJob(MAIN, bodies, cached={}), SITE, validate)
    given_digests = render_job(RenderJob(MAIN, bodies, cached={}, digests=digests), SITE, validate)
    assert given_digests.files == plain.files and plain.cache
    assert given_digests.cache == plain.cache
    with pytest.raises(ValueError, match=f"1 digests for {len(bodies)} bodies"):
        render_job(RenderJob(MAIN, bodies, cached={}, digests=digests[:1]), SITE, validate)

"""A first fill of an empty store takes shortcuts (indexes built at its end, no old links
looked for, only the bodies whose links change read back, articles sent by the door's
workers without what their body holds): the rows it stores are those of one record at a
time with every index kept, and a fill that fails midway leaves the store as it was."""

from __future__ import annotations

import json
import pickle
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hnp_feeds import publish
from hnp_feeds.model import Article, Image
from hnp_feeds.publish import ingest
from hnp_feeds.store import codec, links
from hnp_feeds.store import ingest as store_ingest
from hnp_feeds.timezone import localize

from .portal import catalogue, record

NOW = localize(datetime(2022, 7, 1, 8, 0))


def _store(path: Path) -> tuple[list[tuple[str, str, str]], dict[str, list[tuple[Any, ...]]]]:
    """Every table's rows (in order) and every table, index and trigger of a store."""
    with closing(sqlite3.connect(path)) as db:
        schema = sorted(db.execute("SELECT type, name, sql FROM sqlite_master"))
        tables = [name for kind, name, _ in schema if kind == "table"]
        rows = {table: sorted(db.execute(f'SELECT * FROM "{table}"'), key=repr) for table in tables}
    rows.pop("meta")  # the run's time
    return schema, rows


def _line(spec: tuple[int, str, list[int]], n: int) -> str:
    """One line of an export: record ``n`` as ``spec`` says (its kind and the records it
    links to), a duplicate or a refused one among them."""
    number, kind, targets = spec
    related = [{"url": record(t)["url"], "title": f"Bài {t}"} for t in targets]
    fields = record(number, related=related, tags=[f"chủ đề {number % 3}"])
    if kind == "listed" and targets:
        fields["related"] = [{"title": record(targets[0])["title"]}]
    elif kind == "same url":  # another record with the URL of record 0
        fields = {**fields, "id": str(5000 + n), "url": record(0)["url"]}
    elif kind == "draft":
        fields["status"] = "draft"
    elif kind == "future":
        fields["updated"] = "2031-01-01 08:00"
    elif kind == "image":
        fields["image"] = {"url": f"https://hnp.example.vn/anh/{number}.jpg", "caption": "Ảnh"}
    elif kind == "bad":
        return '{"id": "broken", \n'
    return json.dumps(fields, ensure_ascii=False) + "\n"


#: What a line of an export may be (a plain record more often).
_KINDS = ["plain", "plain", "listed", "same url", "draft", "future", "image", "bad"]
_SPECS = st.lists(
    st.tuples(
        st.integers(0, 11),  # a record given twice when drawn twice: a duplicate id
        st.sampled_from(_KINDS),
        st.lists(st.integers(0, 13), max_size=3),  # links to records before, after, unknown
    ),
    min_size=1,
    max_size=14,
)


def _as_sent(items: Iterator[Any]) -> Iterator[Any]:
    """Each article as a door worker sends it: prepared there, pickled, read back here."""
    for item in items:
        yield pickle.loads(pickle.dumps(store_ingest.prepare_article(item)))


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=_SPECS, later=_SPECS)
def test_a_first_fill_stores_what_one_record_at_a_time_with_every_index_stores(
    tmp_path_factory: pytest.TempPathFactory, first: Any, later: Any
) -> None:
    folder = tmp_path_factory.mktemp("fill")
    portal = catalogue(folder, related_count=2)
    sources = []
    for n, specs in enumerate([first, later]):
        path = folder / f"{n}.jsonl"
        path.write_text("".join(_line(spec, m) for m, spec in enumerate(specs)), encoding="utf-8")
        sources.append(path)
    read = publish.read_sources
    relink = store_ingest.IngestOps._relink
    with pytest.MonkeyPatch.context() as patch:
        # As the door's workers send them, stored by runs and chunks of two.
        patch.setattr(publish, "read_sources", lambda *a, **k: _as_sent(read(*a, **k)))
        patch.setattr(store_ingest, "RUN", 2)
        patch.setattr(store_ingest, "_RELATED_CHUNK", 2)
        for source in sources:
            ingest(portal, [source], store_path=folder / "fill.sqlite", now=NOW)
    with pytest.MonkeyPatch.context() as patch:
        # One record at a time, every index kept, old links looked for, bodies read back.
        patch.setattr(store_ingest, "_BUILT_AT_END", ())
        patch.setattr(store_ingest, "RUN", 1)
        patch.setattr(store_ingest, "_RELATED_CHUNK", 1)
        patch.setattr(links, "_CHUNK", 1)
        patch.setattr(store_ingest, "no_links", lambda db: False)

        def read_back(self: Any, *args: Any, given: Any = None, **kw: Any) -> set[str]:
            return relink(self, *args, **kw)

        patch.setattr(store_ingest.IngestOps, "_relink", read_back)
        for source in sources:
            ingest(portal, [source], store_path=folder / "alone.sqlite", now=NOW)
    assert _store(folder / "fill.sqlite") == _store(folder / "alone.sqlite")


@pytest.mark.parametrize("where", ["storing", "linking"])
def test_a_first_fill_that_fails_midway_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """An error raised while a first fill stores its rows (indexes dropped) or links them
    (links written, bodies patched) rolls it all back: every index there, no row, the WAL
    again; the next fill stores what a fill that never failed stores."""
    portal = catalogue(tmp_path, related_count=2)
    lines = "".join(_line((n, "plain", [n + 1, n + 2]), n) for n in range(30))
    source = tmp_path / "a.jsonl"
    source.write_text(lines, encoding="utf-8")
    ingest(portal, [source], store_path=tmp_path / "clean.sqlite", now=NOW)
    store = tmp_path / "store.sqlite"
    with store_ingest.IngestOps(store):
        pass
    before = _store(store)
    monkeypatch.setattr(store_ingest, "RUN", 5)
    calls: list[int] = []
    owner, name = (store_ingest._Writes, "done") if where == "storing" else (links, "set_computed")
    original = getattr(owner, name)

    def failing(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return original(*args)

    monkeypatch.setattr(owner, name, failing)
    monkeypatch.setattr(store_ingest, "_RELATED_CHUNK", 5)
    with pytest.raises(RuntimeError, match="disk on fire"):
        ingest(portal, [source], store_path=store, now=NOW)
    schema, rows = _store(store)
    assert (schema, {t: r for t, r in rows.items() if t != "runs"}) == before
    with closing(sqlite3.connect(store)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    monkeypatch.setattr(owner, name, original)
    ingest(portal, [source], store_path=store, now=NOW)
    assert _store(store) == _store(tmp_path / "clean.sqlite")


def test_a_door_worker_sends_an_article_without_what_its_body_holds() -> None:
    """``prepare_article`` drops the content and image (kept in the stored form made from
    the whole article), and keeps everything else the store reads of it."""
    whole = Article(
        "7", "Tiêu đề", NOW, NOW, url="https://x.vn/7", summary="Tóm tắt",
        content_html="<p>Nội dung</p>", image=Image("https://x.vn/7.jpg", "Ảnh"),
        tags=("a",), raw_hash="r7",
    )  # fmt: skip
    sent = pickle.loads(pickle.dumps(store_ingest.prepare_article(whole)))
    assert (sent.content_html, sent.image) == ("", None)
    assert codec.altered(sent, content_html=whole.content_html, image=whole.image) == whole
    assert sent.raw_hash == "r7"
    body = store_ingest._form(sent).body.decode()
    assert body == codec.article_to_json(whole) and "Nội dung" in body

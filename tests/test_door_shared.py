"""The door's remembered values (issue 14): a field's cleaning looked up by its text, a
category and a link made once for each value, a chunk's log records sent only for the
records that logged.  Each gives what the plain way gives (the full cleaning, a fresh
object, a list for every record), and each is in effect (the same object for two records,
one object after pickling, no empty lists sent), so losing one fails a test here.
"""

from __future__ import annotations

import json
import logging
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds import text
from hnp_feeds.adapters import ADAPTER_LOG, parallel
from hnp_feeds.adapters.jsonl import read_line
from hnp_feeds.adapters.records import _cleaned, article_from_record
from hnp_feeds.model import Article, Category, Link

from .portal import record

FAST = settings(max_examples=150, deadline=None)

# Vietnamese in NFC and NFD, mis-decoded UTF-8, TCVN3 and VNI marks, controls, bidi and
# zero-width characters, every kind of space, entities as text, '?' inside a word.
_CHARS = [
    "a", "N", "ộ", "đ", "ư", "o\u0302\u0323", "\u0303", "Ã", "Ä", "Æ", "á»", "Ã¡", "Ä‘",
    "µ", "®", "Ö", "ø", "ä", "?", "\ufffd", "\x00", "\x07", "\x85", "\u202e", "\u2066",
    "\u200b", "\ufeff", " ", "  ", "\u00a0", "\t", "\n", "\r", "\u3000", "&Atilde;", "&amp;",
]  # fmt: skip
texts = st.lists(st.sampled_from(_CHARS), max_size=12).map("".join) | st.text(max_size=16)


def _plain(raw: str, multiline: bool) -> tuple[str, int, bool, tuple[str, str] | None]:
    """The full work, nothing looked up or skipped: every step of ``clean_text``, then
    ``mojibake`` of what it gives."""
    cleaned = text._clean(raw, multiline)
    return cleaned.text, cleaned.controls_removed, cleaned.repaired, text.mojibake(cleaned.text)


@FAST
@given(raw=texts, multiline=st.booleans())
def test_a_remembered_field_is_the_full_work(raw: str, multiline: bool) -> None:
    first = _cleaned(raw, multiline)
    again = _cleaned(raw, multiline)  # looked up
    assert first == again == _plain(raw, multiline)
    assert first[0] == text.clean_text(raw, multiline=multiline).text


# What the records below all name alike (``portal.record``'s vary with ``n``).
_SAME: dict[str, Any] = {
    "author": "Nguyễn Văn An",
    "category": {"slug": "thoi-su", "name": "Thời sự"},
    "tags": ["giao thông", "xe buýt"],
    "related": [{"url": "https://hnp.example.vn/thoi-su/", "title": "Thời sự"}],
}


def _record(n: int, **changes: Any) -> dict[str, Any]:
    return record(n, **{**_SAME, **changes})


@pytest.fixture
def heard() -> Iterator[list[str]]:
    """What the adapters log, as text."""
    said: list[str] = []

    class Keep(logging.Handler):
        def emit(self, log_record: logging.LogRecord) -> None:
            said.append(log_record.getMessage())

    logger = logging.getLogger(ADAPTER_LOG)
    handler = Keep()
    logger.addHandler(handler)
    try:
        yield said
    finally:
        logger.removeHandler(handler)


def test_each_record_hears_of_its_own_repairs_when_its_names_are_remembered(
    heard: list[str],
) -> None:
    # The same author with a control character, the same mis-decoded category name, the
    # same too-long tag: each record is told, counted and refused as if read alone.
    dirty = {"author": "Nguyễn\x07 Văn An", "category": "Thá»\u009di sá»± "}
    records = [_record(n, **dirty) for n in range(3)]
    records.append(_record(3, tags=["x" * 101]))
    records.append(_record(4, tags=["x" * 101]))
    remembered = [article_from_record(r, "s.jsonl", n) for n, r in enumerate(records, 1)]
    said_remembered = list(heard)
    heard.clear()
    plain = []
    for n, raw in enumerate(records, 1):
        _cleaned.cache_clear()  # nothing remembered: each record's own work
        plain.append(article_from_record(raw, "s.jsonl", n))
    assert [repr(item) for item in remembered] == [repr(item) for item in plain]
    assert said_remembered == heard
    for n in (1, 2, 3):
        assert f"s.jsonl:{n}: removed control characters from author (1)" in heard
        assert f"s.jsonl:{n}: repaired UTF-8 read as Latin-1/cp1252 in category" in heard
    assert [str(item) for item in remembered[3:]] == [
        f"s.jsonl:{n}: tags is 101 characters long (limit 100)" for n in (4, 5)
    ]


def test_records_naming_the_same_values_share_them() -> None:
    first, second = (article_from_record(_record(n), "s.jsonl", n) for n in (1, 2))
    assert isinstance(first, Article) and isinstance(second, Article)
    assert first.category == Category("thoi-su", "Thời sự")
    assert first.related == (Link("https://hnp.example.vn/thoi-su/", "Thời sự"),)
    # The same objects, not equal copies: a worker pickles each once a chunk, and the
    # parent unpickles one.
    assert first.category is second.category
    assert first.related[0] is second.related[0]
    assert first.author is second.author and first.tags[0] is second.tags[0]
    one, two = pickle.loads(pickle.dumps([first, second]))
    assert one == first and two == second
    assert one.category is two.category and one.related[0] is two.related[0]


def test_a_chunk_sends_log_records_only_for_the_records_that_logged() -> None:
    lines = [
        _record(1),
        _record(2, title="Bài\x07 hai"),  # controls removed: a warning
        _record(3),
        _record(4, updated="2022-01-01 08:00"),  # before published: a warning
    ]
    jobs = [(n, json.dumps(r).encode(), f"h{n}") for n, r in enumerate(lines, 1)]
    logger = logging.getLogger(ADAPTER_LOG)
    handlers, propagate = logger.handlers, logger.propagate
    logger.handlers, logger.propagate = [parallel._KEPT], False  # as in a worker
    try:
        items, logged = parallel._in_worker(read_line, ("s.jsonl", None), jobs, None)
    finally:
        logger.handlers, logger.propagate = handlers, propagate
    assert [item.id for item in items] == ["1001", "1002", "1003", "1004"]
    assert sorted(logged) == [1, 3]  # no empty list for the others
    assert [r.getMessage() for r in logged[1]] == [
        "s.jsonl:2: removed control characters from title (1)"
    ]
    assert logged[3][0].getMessage().startswith("s.jsonl:4: updated ")

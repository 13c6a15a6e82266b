"""What the validator keeps from one document to the next (issue 14) changes nothing it
says: escaped HTML found clean is remembered only when nothing could make it say more
elsewhere, a fault is found again with its own place each time; a JSON Feed's values are
placed (line, column) only when a message needs it, exactly where they stand, however
deep the document."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds.validator import Report, validate
from hnp_feeds.validator.jsonfeed import _nesting_below
from hnp_feeds.validator.markup import _CLEAN_HTML, check_html

from .test_validator_jsonfeed import VALID, dump, with_item

# Long enough to be remembered (over 256 bytes in UTF-8), plain HTML but for what is added.
BODY = "<p>" + "Tin tức thời sự trong ngày. " * 12 + "</p>"
RELATIVE = BODY + '<p class="x"><a href="bai-1.html">Bài 1</a></p>'
MESSAGES_SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "validator_messages.py"


@pytest.fixture(autouse=True)
def _forget() -> None:
    _CLEAN_HTML.cache_clear()


def said(html: str, *, rel_refs: bool = False, report: Report | None = None) -> list[Any]:
    report = report or Report()
    check_html(report, html, rel_refs=rel_refs, element="content", parent="entry", line=7)
    return [(m.code, dict(m.params), m.line) for m in report.messages]


def test_clean_html_is_clean_again_and_a_fault_is_said_each_time() -> None:
    assert said(BODY) == said(BODY) == []
    bad = BODY + '<p onclick="x()">a</p>'
    first = said(bad)
    assert first and first == said(bad)
    assert first[0][0] == "SecurityRiskAttr" and first[0][2] == 7


def test_clean_without_relative_references_asked_for_is_not_clean_with_them() -> None:
    assert said(RELATIVE, rel_refs=False) == []  # Atom and JSON Feed: resolved
    assert [code for code, _, _ in said(RELATIVE, rel_refs=True)] == ["ContainsRelRef"]  # RSS


def test_plain_html_is_clean_either_way() -> None:
    assert said(BODY, rel_refs=False) == []
    assert said(BODY, rel_refs=True) == []


def test_html_checked_after_nothtml_was_said_is_not_remembered_clean() -> None:
    # html5lib is spared a document's later texts once NotHtml was said in it: a text it
    # did not look at is not known to be clean.
    broken = BODY + "<td>a cell with no table</td>"
    report = Report()
    report.said.add("NotHtml")
    assert said(broken, report=report) == []
    assert [code for code, _, _ in said(broken)] == ["NotHtml"]


def test_json_feed_faults_are_placed_where_the_value_stands() -> None:
    feed = with_item(url="bai 1.html", date_published="x", content_html=BODY + "<script>")
    data = dump(feed)
    lines = data.decode().splitlines()
    report = validate(data)
    placed = [m for m in report.messages if m.params.get("path", "").startswith("/items/0/")]
    assert {m.params["element"] for m in placed} >= {"url", "date_published", "content_html"}
    for message in placed:
        assert message.line is not None and message.column is not None
        key = json.dumps(message.params["element"])
        assert lines[message.line - 1].lstrip().startswith(key)
        assert lines[message.line - 1][message.column - 1] == '"'


def test_a_deep_json_feed_is_placed_as_a_shallow_one() -> None:
    shallow = with_item(url="bai 1.html")
    deep = json.loads(json.dumps(shallow))
    nested: Any = "x"
    for _ in range(200):
        nested = [nested]
    deep["_deep"] = nested  # an extension, after everything the checks look at
    got = [m for m in validate(dump(deep)).messages if m.params.get("element") == "url"]
    want = [m for m in validate(dump(shallow)).messages if m.params.get("element") == "url"]
    assert got == want and got[0].line is not None


def test_duplicate_keys_are_each_said_in_order() -> None:
    data = json.dumps(VALID)[:-1].encode() + b', "title": "b", "x": 1, "title": "c"}'
    report = validate(data)
    assert [m.params["element"] for m in report.messages if m.code == "DuplicateElement"] == [
        "title",
        "title",
    ]


def _depth(value: Any) -> int:
    """How deep containers nest in ``value`` (a scalar: 0)."""
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


NASTY = st.text(alphabet='[]{}"\\/ aé\n\u2028', max_size=6)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | NASTY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NASTY, inner, max_size=3),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.integers(1, 8), st.booleans())
def test_nesting_is_judged_as_deep_as_it_is(value: Any, limit: int, ascii_only: bool) -> None:
    decoded = json.loads(json.dumps(value, ensure_ascii=ascii_only))
    assert _nesting_below(decoded, limit) == (_depth(value) < limit)

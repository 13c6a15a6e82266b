"""JSON Feed 1.1 writer: the same entries, ids and times as Atom and RSS; golden bytes."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

import feedparser
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from hnp_feeds.identity import entry_id
from hnp_feeds.timezone import rfc3339
from hnp_feeds.writers import FeedDocument, feed_url, render_atom, render_json, render_rss
from hnp_feeds.writers.jsonfeed import dumps
from tests.regenerate_golden import ARTICLES, EMPTY, GOLDEN, MAIN, SITE, golden_documents

BY_ID = {entry_id(SITE, a): a for a in ARTICLES}


@pytest.fixture(scope="module")
def data() -> bytes:
    return render_json(SITE, FeedDocument(MAIN, tuple(ARTICLES)))


@pytest.fixture(scope="module")
def document(data: bytes) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(data)
    return loaded


def test_top_level(document: dict[str, Any], data: bytes) -> None:
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] == "Báo HNP"
    assert document["home_page_url"] == "https://hnp.example.vn/"
    assert document["feed_url"] == feed_url(SITE, "tin-moi", "feed.json")
    assert document["language"] == "vi"
    assert document["authors"] == [{"name": "Báo HNP", "url": "https://hnp.example.vn/"}]
    assert document["hubs"] == [{"type": "WebSub", "url": "https://hub.example.net/"}]
    # UTF-8 text as is, two-space indent, a trailing newline
    assert "Khai mạc".encode() in data and b"\\u" not in data
    assert data.endswith(b"}\n") and b'\n  "title"' in data


def test_no_hubs_without_a_hub() -> None:
    assert "hubs" not in json.loads(
        render_json(replace(SITE, hub=None), FeedDocument(MAIN, tuple(ARTICLES)))
    )


def test_same_entries_and_ids_as_atom_and_rss(document: dict[str, Any]) -> None:
    ids = [item["id"] for item in document["items"]]
    assert [BY_ID[i].id for i in ids] == ["12347", "12346", "12345", "12300"]
    assert ids == [
        e.id
        for e in feedparser.parse(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES)))).entries
    ]
    assert ids == [
        e.id
        for e in feedparser.parse(render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES)))).entries
    ]
    assert all(i.startswith("tag:hnp.example.vn,") for i in ids)
    limited = json.loads(render_json(SITE, FeedDocument(replace(MAIN, limit=1), tuple(ARTICLES))))
    assert [item["id"] for item in limited["items"]] == ids[:1]


def test_times_carry_the_local_offset(document: dict[str, Any]) -> None:
    for item in document["items"]:
        article = BY_ID[item["id"]]
        assert item["date_published"] == rfc3339(article.published)
        assert item["date_modified"] == rfc3339(article.updated)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", item["date_modified"])


def test_item_fields(document: dict[str, Any]) -> None:
    item = next(i for i in document["items"] if BY_ID[i["id"]].id == "12345")
    assert item["url"] == "https://hnp.example.vn/tin-tuc/12345.html"
    assert item["title"] == "Khai mạc Hội chợ Xuân 2022"
    assert item["summary"] == "HNP - Sáng 17/6, Hội chợ Xuân khai mạc tại Hà Nội."
    assert item["authors"] == [{"name": "Trọng Toàn"}]
    assert item["tags"] == ["Kinh tế", "Hội chợ", "Hà Nội"]
    assert item["image"] == "https://hnp.example.vn/anh/12345.jpg"
    assert item["content_html"].endswith(
        '<li><a href="https://hnp.example.vn/tin-tuc/12002.html">Giá vàng tăng mạnh</a></li></ul>'
    )
    assert "<p><strong>Bài liên quan</strong></p>" in item["content_html"]
    assert item["_hnp"] == {
        "related": [
            {
                "url": "https://hnp.example.vn/tin-tuc/12001.html",
                "title": "Hà Nội mở rộng phố đi bộ",
            },
            {"url": "https://hnp.example.vn/tin-tuc/12002.html", "title": "Giá vàng tăng mạnh"},
        ]
    }


def test_optional_fields_are_left_out(document: dict[str, Any]) -> None:
    item = next(i for i in document["items"] if BY_ID[i["id"]].id == "12346")
    assert "authors" not in item and "image" not in item
    assert item["title"] == "Giá xăng < 30.000 đồng & dầu giảm"


def test_article_without_related_has_an_empty_list_and_no_heading() -> None:
    lone = replace(ARTICLES[0], related=())
    (item,) = json.loads(render_json(SITE, FeedDocument(MAIN, tuple([lone]))))["items"]
    assert item["_hnp"] == {"related": []}
    assert "Bài liên quan" not in item["content_html"]


def test_empty_feed() -> None:
    assert json.loads(render_json(SITE, FeedDocument(EMPTY, ())))["items"] == []


def test_our_validator_finds_nothing(data: bytes) -> None:
    from hnp_feeds.validator import validate

    for payload, slug in (
        (data, MAIN.slug),
        (render_json(SITE, FeedDocument(EMPTY, ())), EMPTY.slug),
    ):
        report = validate(payload, base_url=feed_url(SITE, slug, "feed.json"))
        assert report.format == "json"
        assert [(m.level, m.code, dict(m.params)) for m in report.messages] == []


def test_two_renders_give_identical_bytes(data: bytes) -> None:
    assert render_json(SITE, FeedDocument(MAIN, tuple(reversed(ARTICLES)))) == data


@pytest.mark.parametrize("name", [n for n in golden_documents() if n.endswith(".json")])
def test_matches_golden_file(name: str) -> None:
    expected = (GOLDEN / name).read_bytes()
    assert golden_documents()[name] == expected, f"run `make golden` if {name} changed on purpose"


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(_JSON_VALUES)
@example({"a": '\u2028\x00\x1f\x7f\\"/<&>😀', "b": [], "c": {}, "d": [None, True, -(2**63)]})
def test_dumps_is_the_standard_librarys_indented_dump(value: Any) -> None:
    """The writer's dump (orjson) gives ``json.dumps(ensure_ascii=False, indent=2)`` in
    UTF-8 byte for byte: control characters, quotes, backslashes, non-BMP text, U+2028,
    empty containers, nesting."""
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=2).encode()


@pytest.mark.parametrize("value", [{1: "a"}, b"x", 2**64, {"a": [object()]}])
def test_dumps_refuses_what_a_feed_does_not_hold(value: Any) -> None:
    with pytest.raises(TypeError, match="JSON Feed"):
        dumps(value)

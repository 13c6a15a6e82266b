"""JSON Feed 1.1 conformance: each fault by its code, with the value's line and column."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hnp_feeds.validator import Report, validate

VALID: dict[str, Any] = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Thời sự – Hà Nội Plus",
    "home_page_url": "https://hnp.example.vn/thoi-su/",
    "feed_url": "https://hnp.example.vn/feeds/thoi-su/feed.json",
    "description": "Tin thời sự của Hà Nội",
    "icon": "https://hnp.example.vn/icon.png",
    "language": "vi",
    "authors": [{"name": "Tòa soạn HNP", "url": "https://hnp.example.vn/"}],
    "hubs": [{"type": "WebSub", "url": "https://hub.example.net/"}],
    "_hnp": {"about": "https://hnp.example.vn/ns"},
    "items": [
        {
            "id": "tag:hnp.example.vn,2022-06-17:21965",
            "url": "https://hnp.example.vn/thoi-su/cau-vinh-tuy-21965.html",
            "title": "Khánh thành cầu Vĩnh Tuy giai đoạn 2",
            "content_html": "<p>Cầu dài <b>3,5 km</b>.</p>",
            "summary": "HNP - Cây cầu thứ hai bắc qua sông Hồng được thông xe.",
            "image": "https://hnp.example.vn/anh/cau.jpg",
            "date_published": "2022-06-17T20:22:00+07:00",
            "date_modified": "2022-06-17T21:00:00+07:00",
            "authors": [{"name": "Trọng Toàn"}],
            "tags": ["Giao thông", "Cầu"],
            "language": "vi",
            "attachments": [
                {
                    "url": "https://hnp.example.vn/anh/cau.jpg",
                    "mime_type": "image/jpeg",
                    "size_in_bytes": 48213,
                }
            ],
            "_hnp": {"related": [{"url": "https://hnp.example.vn/1.html", "title": "Một"}]},
        }
    ],
}


def dump(feed: Any) -> bytes:
    return json.dumps(feed, ensure_ascii=False, indent=2).encode()


def changed(**top: Any) -> dict[str, Any]:
    feed = json.loads(json.dumps(VALID))
    feed.update(top)
    return feed


def with_item(**fields: Any) -> dict[str, Any]:
    feed = changed()
    feed["items"][0].update(fields)
    for key, value in fields.items():
        if value is None:
            del feed["items"][0][key]
    return feed


def found(report: Report, code: str, **params: str) -> bool:
    return any(
        m.code == code and all(m.params.get(k) == v for k, v in params.items())
        for m in report.messages
    )


def test_valid_feed_has_no_messages() -> None:
    report = validate(dump(VALID))
    assert report.format == "json"
    assert report.messages == []


def test_the_portal_json_feed_writer_output_is_clean() -> None:
    from hnp_feeds.writers import FeedDocument, render_json
    from tests.regenerate_golden import ARTICLES, MAIN, SITE

    report = validate(render_json(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    assert report.format == "json"
    assert [m for m in report.messages if m.level != "info"] == []


def test_bad_json_is_one_error_with_line_and_column() -> None:
    data = b'{\n  "version": "https://jsonfeed.org/version/1.1",\n  "title": "T",,\n}'
    report = validate(data)
    assert [m.code for m in report.messages] == ["InvalidJSON"]
    assert (report.messages[0].line, report.messages[0].column) == (3, 16)


def test_not_utf8_is_reported() -> None:
    report = validate(dump(VALID).replace("Thời".encode(), "Th\xf4i".encode("latin-1")))
    assert found(report, "UnicodeError")


@pytest.mark.parametrize(
    ("feed", "code", "params"),
    [
        (changed(version="https://jsonfeed.org/version/2"), "InvalidJSONFeedVersion", {}),
        (changed(version="https://jsonfeed.org/version/1"), "ObsoleteVersion", {}),
        (changed(title=None), "InvalidJSONType", {"element": "title", "parent": "feed"}),
        (changed(items={}), "InvalidJSONType", {"element": "items"}),
        (changed(home_page_url="/thoi-su/"), "InvalidURI", {"element": "home_page_url"}),
        (changed(feed_url="https://hnp.example.vn/a b"), "InvalidUriChar", {"element": "feed_url"}),
        (changed(language="Vietnamese"), "InvalidLanguage", {"element": "language"}),
        (changed(expired="no"), "InvalidJSONType", {"element": "expired"}),
        (changed(authors={"name": "A"}), "InvalidJSONType", {"element": "authors"}),
        (changed(authors=[{}]), "MissingElement", {"parent": "feed", "path": "/authors/0"}),
        (changed(hubs=[{"type": "WebSub"}]), "MissingElement", {"element": "url", "parent": "hub"}),
        (changed(author={"name": "A"}), "Deprecated", {"element": "author"}),
        (changed(titel="typo"), "UndefinedElement", {"element": "titel", "parent": "feed"}),
        (with_item(id=None), "MissingElement", {"element": "id", "parent": "item"}),
        (with_item(id=21965), "InvalidJSONType", {"element": "id", "parent": "item"}),
        (with_item(id=""), "NotBlank", {"element": "id"}),
        (
            with_item(content_html=None),
            "MissingElement",
            {"element": "content_html", "parent": "item"},
        ),
        (
            with_item(date_published="17/06/2022 20:22"),
            "InvalidRFC3339Date",
            {"element": "date_published", "parent": "item", "path": "/items/0/date_published"},
        ),
        (with_item(date_modified="1970-01-01T00:00:00Z"), "ImplausibleDate", {}),
        (with_item(url="cau-vinh-tuy.html"), "InvalidURI", {"element": "url", "parent": "item"}),
        (with_item(tags="Cầu"), "InvalidJSONType", {"element": "tags"}),
        (with_item(tags=["Cầu", 3]), "InvalidJSONType", {"parent": "tags"}),
        (
            with_item(attachments=[{"url": "https://hnp.example.vn/a.mp3"}]),
            "MissingElement",
            {"element": "mime_type", "parent": "attachment"},
        ),
        (
            with_item(attachments=[{"url": "https://a.example/a", "mime_type": "audio"}]),
            "InvalidMIMEType",
            {"element": "mime_type"},
        ),
        (
            with_item(
                attachments=[
                    {"url": "https://a.example/a", "mime_type": "audio/mpeg", "size_in_bytes": -1}
                ]
            ),
            "InvalidNonNegativeInteger",
            {"element": "size_in_bytes"},
        ),
        (
            with_item(content_html="<p>x</p><script>alert(1)</script>"),
            "SecurityRisk",
            {"element": "content_html", "parent": "item"},
        ),
    ],
)
def test_each_fault_has_its_code(feed: Any, code: str, params: dict[str, str]) -> None:
    report = validate(dump(feed))
    assert found(report, code, **params), [(m.code, dict(m.params)) for m in report.messages]


def test_required_members() -> None:
    report = validate(b"{}")
    missing = {m.params["element"] for m in report.errors if m.code == "MissingElement"}
    assert missing == {"version", "title", "items"}


def test_duplicate_ids_and_duplicate_keys() -> None:
    feed = changed()
    feed["items"].append(dict(feed["items"][0]))
    report = validate(dump(feed))
    assert found(report, "DuplicateIds", path="/items/1/id")
    data = (
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "a", "title": "b", "items": []}'
    )
    assert found(validate(data), "DuplicateElement", element="title")


def test_messages_point_at_the_value() -> None:
    data = dump(with_item(date_published="yesterday"))
    report = validate(data)
    message = next(m for m in report.messages if m.code == "InvalidRFC3339Date")
    lines = data.decode().splitlines()
    assert message.line is not None and message.column is not None
    assert lines[message.line - 1][message.column - 1 :].startswith('"yesterday"')


def test_root_must_be_an_object() -> None:
    assert found(validate(b"{}"), "MissingElement")
    assert found(validate(b'{"version": "https://jsonfeed.org/version/1.1"}'), "MissingElement")


def test_hostile_nesting_is_contained() -> None:
    data = b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    report = validate(data)
    assert not report.ok


def test_a_thousand_items_validate_cleanly() -> None:
    feed = changed()
    item = feed["items"][0]
    feed["items"] = [dict(item, id=f"tag:hnp.example.vn,2022:{n}") for n in range(1000)]
    report = validate(dump(feed))
    assert report.messages == []

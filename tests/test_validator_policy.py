"""The portal policy (profile ``portal``): each rule caught on a hand-made feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hnp_feeds.validator import PortalPolicy, Report, check_pair, validate
from hnp_feeds.validator.policy import check_policy

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
POLICY = PortalPolicy(max_entries=50, now=NOW)
POLICY_CODES = {
    "OffsetNotLocal",
    "FutureDate",
    "MissingRelatedLink",
    "RelativeRelatedLink",
    "RelatedLinkToSelf",
    "NotNFC",
    "ReplacementCharacter",
    "ControlCharacter",
    "IdNotTag",
    "TooManyEntries",
    "IdChanged",
}
TITLE = "Hà Nội: khai mạc lễ hội"
URL = "https://hnp.example.vn/tin/{n}.html"


def atom_entry(
    n: int = 1,
    *,
    title: str = TITLE,
    updated: str = "2022-06-17T20:22:00+07:00",
    entry_id: str | None = None,
    related: tuple[str, ...] = ("https://hnp.example.vn/tin/900.html",),
) -> str:
    links = "".join(
        f'<link rel="related" href="{href}" title="Bài liên quan"/>' for href in related
    )
    return f"""
  <entry>
    <title>{title}</title>
    <id>{entry_id or f"tag:hnp.example.vn,2022-06-17:{n}"}</id>
    <link rel="alternate" href="{URL.format(n=n)}"/>
    {links}
    <updated>{updated}</updated>
    <published>{updated}</published>
    <summary>HNP - Tóm tắt bài {n}.</summary>
  </entry>"""


def atom_feed(*entries: str, updated: str = "2022-06-17T20:22:00+07:00") -> bytes:
    body = "".join(entries) if entries else atom_entry()
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">
  <title>HNP - Tin mới</title>
  <id>tag:hnp.example.vn,2022:feed/tin-moi</id>
  <link rel="self" href="https://hnp.example.vn/feeds/tin-moi/atom.xml"/>
  <link rel="alternate" href="https://hnp.example.vn/"/>
  <updated>{updated}</updated>
  <author><name>Trọng Toàn</name></author>
  {body}
</feed>""".encode()


def rss_feed(*items: str) -> bytes:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>HNP - Tin mới</title>
  <link>https://hnp.example.vn/</link>
  <description>Tin mới</description>
  <atom:link rel="self" href="https://hnp.example.vn/feeds/tin-moi/rss.xml"
             type="application/rss+xml"/>
  <lastBuildDate>Fri, 17 Jun 2022 20:22:00 +0700</lastBuildDate>
  {"".join(items)}
</channel>
</rss>""".encode()


def rss_item(
    n: int = 1,
    *,
    date: str = "Fri, 17 Jun 2022 20:22:00 +0700",
    related: tuple[str, ...] = ("https://hnp.example.vn/tin/900.html",),
) -> str:
    links = "".join(f'<atom:link rel="related" href="{href}"/>' for href in related)
    return f"""
  <item>
    <title>{TITLE}</title>
    <link>{URL.format(n=n)}</link>
    <guid isPermaLink="false">tag:hnp.example.vn,2022-06-17:{n}</guid>
    <pubDate>{date}</pubDate>
    {links}
  </item>"""


def policy_codes(data: bytes, policy: PortalPolicy = POLICY) -> set[str]:
    return validate(data, profile="portal", policy=policy).codes() & POLICY_CODES


def test_a_clean_feed_meets_the_policy() -> None:
    assert policy_codes(atom_feed(atom_entry(1), atom_entry(2))) == set()
    assert policy_codes(rss_feed(rss_item(1), rss_item(2))) == set()


def test_the_spec_profile_leaves_policy_alone() -> None:
    data = atom_feed(atom_entry(title="bad \ufffd", related=()))
    assert validate(data).codes() & POLICY_CODES == set()
    assert validate(data, profile="portal", policy=POLICY).codes() >= {
        "ReplacementCharacter",
        "MissingRelatedLink",
    }


def test_local_mean_time_offset_is_caught() -> None:
    report = validate(
        atom_feed(atom_entry(updated="2022-06-17T20:22:00+07:07")), profile="portal", policy=POLICY
    )
    offsets = [m for m in report.messages if m.code == "OffsetNotLocal"]
    assert offsets, report.messages
    assert {m.params["element"] for m in offsets} == {"updated", "published"}
    assert offsets[0].params["parent"] == "entry"
    assert "+07:00" in offsets[0].params["reason"]


def test_1960_keeps_its_historical_offset() -> None:
    assert "OffsetNotLocal" not in policy_codes(
        atom_feed(atom_entry(updated="1960-06-17T20:22:00+08:00"))
    )
    assert "OffsetNotLocal" in policy_codes(
        atom_feed(atom_entry(updated="1960-06-17T20:22:00+07:00"))
    )


@pytest.mark.parametrize(
    "date", ["Fri, 17 Jun 2022 13:22:00 GMT", "Fri, 17 Jun 2022 20:29:00 +0707"]
)
def test_rss_dates_not_in_local_time_are_caught(date: str) -> None:
    assert "OffsetNotLocal" in policy_codes(rss_feed(rss_item(date=date)))


def test_a_future_date_is_caught() -> None:
    assert "FutureDate" in policy_codes(atom_feed(atom_entry(updated="2026-11-27T08:00:00+07:00")))
    assert "FutureDate" in policy_codes(rss_feed(rss_item(date="Fri, 27 Nov 2026 08:00:00 +0700")))
    assert "FutureDate" not in policy_codes(
        atom_feed(atom_entry(updated="2026-11-26T18:59:00+07:00"))
    )


def test_related_links_missing_relative_or_to_self() -> None:
    assert "MissingRelatedLink" in policy_codes(atom_feed(atom_entry(related=())))
    assert "MissingRelatedLink" in policy_codes(rss_feed(rss_item(related=())))
    assert "RelativeRelatedLink" in policy_codes(atom_feed(atom_entry(related=("/tin/2.html",))))
    assert "RelativeRelatedLink" in policy_codes(rss_feed(rss_item(related=("tin/2.html",))))
    own = URL.format(n=1)
    assert "RelatedLinkToSelf" in policy_codes(atom_feed(atom_entry(1, related=(own,))))
    assert "RelatedLinkToSelf" in policy_codes(rss_feed(rss_item(1, related=(own + "#top",))))


def test_text_must_be_nfc_without_replacement_or_control_characters() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", TITLE)
    report = validate(atom_feed(atom_entry(title=nfd)), profile="portal", policy=POLICY)
    not_nfc = [m for m in report.messages if m.code == "NotNFC"]
    assert not_nfc and not_nfc[0].params["element"] == "title"
    assert not_nfc[0].line is not None
    assert "ReplacementCharacter" in policy_codes(atom_feed(atom_entry(title="L?y l?i m\ufffd")))
    assert "ControlCharacter" in policy_codes(atom_feed(atom_entry(title="Tin\u0085 mới")))


def test_ids_must_be_tag_uris() -> None:
    report = validate(
        atom_feed(atom_entry(entry_id="https://hnp.example.vn/tin/1.html")),
        profile="portal",
        policy=POLICY,
    )
    assert [m.params["parent"] for m in report.messages if m.code == "IdNotTag"] == ["entry"]
    no_guid = rss_feed(rss_item(1).replace("<guid", "<!--").replace("</guid>", "-->"))
    assert "IdNotTag" in policy_codes(no_guid)


def test_too_many_entries() -> None:
    data = atom_feed(*(atom_entry(n) for n in range(1, 4)))
    assert "TooManyEntries" in policy_codes(data, PortalPolicy(max_entries=2, now=NOW))
    assert "TooManyEntries" not in policy_codes(data, PortalPolicy(max_entries=3, now=NOW))
    archive = data.replace(
        b'xml:lang="vi">',
        b'xml:lang="vi" xmlns:fh="http://purl.org/syndication/history/1.0"><fh:archive/>',
    )
    pages = PortalPolicy(max_entries=2, max_archive_entries=3, now=NOW)
    assert "TooManyEntries" not in policy_codes(archive, pages)
    assert "TooManyEntries" in policy_codes(archive, PortalPolicy(max_archive_entries=2, now=NOW))


def test_a_changed_id_for_a_published_article_is_caught() -> None:
    before = PortalPolicy(now=NOW, published_ids={URL.format(n=1): "tag:hnp.example.vn,2021:1"})
    assert "IdChanged" in policy_codes(atom_feed(atom_entry(1)), before)
    assert "IdChanged" in policy_codes(rss_feed(rss_item(1)), before)
    assert "IdChanged" not in policy_codes(atom_feed(atom_entry(2)), before)


def test_atom_and_rss_must_list_the_same_ids_in_the_same_order() -> None:
    atom = atom_feed(atom_entry(1), atom_entry(2))
    assert check_pair(atom, rss_feed(rss_item(1), rss_item(2))) == []
    swapped = check_pair(atom, rss_feed(rss_item(2), rss_item(1)))
    assert [m.code for m in swapped] == ["EntryIdsDiffer"]
    assert "entry 1" in swapped[0].params["value"]
    shorter = check_pair(atom, rss_feed(rss_item(1)))
    assert [m.code for m in shorter] == ["EntryIdsDiffer"]
    assert "entry 2" in shorter[0].params["value"]
    broken = check_pair(atom, b"<rss><channel>")
    assert broken and broken[0].code == "SAXError"


def json_feed(item: dict[str, object]) -> bytes:
    base: dict[str, object] = {
        "id": "tag:hnp.example.vn,2022-06-17:1",
        "url": URL.format(n=1),
        "title": TITLE,
        "content_html": "<p>Nội dung</p>",
        "date_published": "2022-06-17T20:22:00+07:00",
        "_hnp": {"related": [{"url": "https://hnp.example.vn/tin/900.html", "title": "Khác"}]},
    }
    base.update(item)
    return json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "HNP - Tin mới",
            "home_page_url": "https://hnp.example.vn/",
            "feed_url": "https://hnp.example.vn/feeds/tin-moi/feed.json",
            "items": [base],
        },
        ensure_ascii=False,
    ).encode()


def json_policy_codes(data: bytes) -> set[str]:
    """The policy layer alone (the JSON Feed spec rules are another module's)."""
    report = Report()
    check_policy(report, json.loads(data), POLICY)
    return report.codes()


def test_json_feed_policy() -> None:
    assert json_policy_codes(json_feed({})) == set()
    late = json_feed({"date_published": "2022-06-17T13:22:00Z"})
    assert json_policy_codes(late) == {"OffsetNotLocal"}
    assert json_policy_codes(json_feed({"_hnp": {}})) == {"MissingRelatedLink"}
    to_self = json_feed({"_hnp": {"related": [URL.format(n=1)]}})
    assert json_policy_codes(to_self) == {"RelatedLinkToSelf"}
    assert json_policy_codes(json_feed({"id": "1"})) == {"IdNotTag"}
    assert json_policy_codes(json_feed({"title": "Tin\u0007"})) == {"ControlCharacter"}


def test_attribute_values_and_mixed_content_are_checked_too() -> None:
    import unicodedata

    label = unicodedata.normalize("NFD", "Văn hóa")
    entry = atom_entry().replace(
        "<summary>",
        f'<category term="van-hoa" label="{label}"/>'
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
        "<p>Một <b>hai</b> ba\ufffd</p></div></content><summary>",
    )
    report = validate(atom_feed(entry), profile="portal", policy=POLICY)
    [nfd] = [m for m in report.messages if m.code == "NotNFC"]
    assert (nfd.params["element"], nfd.params["attr"]) == ("category", "label")
    [fffd] = [m for m in report.messages if m.code == "ReplacementCharacter"]
    assert fffd.params["element"] == "p"  # the text after <b> is the paragraph's


@pytest.mark.parametrize(
    ("title", "code"),
    [
        ("Gia&#x309;i thưởng", "NotNFC"),  # a reference to a combining mark after "a"
        ("Tin&#x85; mới", "ControlCharacter"),
        ("Tin&#xFFFD; mới", "ReplacementCharacter"),
        ("a &lt;\u0338 b", "NotNFC"),  # "<" and U+0338 compose: only in the parsed text
        ("Tin\x7f mới", "ControlCharacter"),
    ],
)
def test_the_text_rules_judge_the_parsed_text_not_the_bytes(title: str, code: str) -> None:
    """Where the bytes and the parsed text differ (a reference, what an entity stands for),
    the text is what is judged, in Atom and RSS alike."""
    assert code in policy_codes(atom_feed(atom_entry(title=title)))
    assert code in policy_codes(rss_feed(rss_item().replace(TITLE, title)))


def test_text_in_another_encoding_is_judged_as_decoded() -> None:
    """Good UTF-8 declared Latin-1 is read as Latin-1: "ộ" (E1 BB 99) is "á»" and a C1
    control."""
    data = atom_feed(atom_entry(1))
    assert "ControlCharacter" not in policy_codes(data)
    assert "ControlCharacter" in policy_codes(data.replace(b'"utf-8"', b'"iso-8859-1"'))


def test_the_build_time_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        PortalPolicy(now=datetime(2026, 11, 26, 12, 0))


def test_an_id_listed_twice_is_refused_even_with_different_updated_times() -> None:
    from hnp_feeds.validator import validate

    entry = (
        "<entry><title>Bài {n}</title><id>tag:hnp.example.vn,2022-06-17:article/1</id>"
        "<updated>2022-06-1{n}T20:22:00+07:00</updated>"
        '<link href="https://hnp.example.vn/{n}.html"/>'
        '<link rel="related" href="https://hnp.example.vn/khac.html" title="Khác"/>'
        "<summary>Tóm tắt</summary></entry>"
    )
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>T</title><id>tag:hnp.example.vn,2008-01-01:feeds/tin-moi</id>"
        "<updated>2022-06-18T20:22:00+07:00</updated><author><name>HNP</name></author>"
        '<link rel="self" href="https://hnp.example.vn/feeds/tin-moi/atom.xml"/>'
        '<link href="https://hnp.example.vn/"/>' + entry.format(n=8) + entry.format(n=7) + "</feed>"
    ).encode()
    spec = validate(feed)
    assert "DuplicateEntryId" not in spec.codes()  # RFC 4287 allows versions of one entry
    portal = validate(feed, profile="portal")
    (duplicate,) = [m for m in portal.errors if m.code == "DuplicateEntryId"]
    assert duplicate.params["value"] == "tag:hnp.example.vn,2022-06-17:article/1"
    assert duplicate.params["parent"] == "entry"

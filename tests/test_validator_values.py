"""One value library and one namespace table for every format: the same value gets the
same message in an Atom feed, an RSS feed (and a JSON Feed where it applies).  Each case
here was a disagreement once; the feeds are small and written for the purpose."""

from __future__ import annotations

import pytest

from hnp_feeds.validator import Report, validate

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "dc": "http://purl.org/dc/elements/1.1/",
    "media": "http://search.yahoo.com/mrss/",
    "thr": "http://purl.org/syndication/thread/1.0",
    "sx": "http://feedsync.org/2007/feedsync",
}


def atom(*, entry: str = "", feed: str = "", declare: str = "", entry_id: str = "") -> bytes:
    """A valid Atom feed of one entry, with ``entry`` / ``feed`` children added."""
    entry_id = entry_id or "tag:hnp.example.vn,2022:bai/1"
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi"{declare}>
  <title>HNP</title><id>tag:hnp.example.vn,2022:feed</id>
  <updated>2022-06-17T20:22:00+07:00</updated>
  <link rel="self" type="application/atom+xml" href="https://hnp.example.vn/atom.xml"/>
  <author><name>Ban biên tập</name></author>{feed}
  <entry>
    <title>Bài 1</title><id>{entry_id}</id><updated>2022-06-17T20:22:00+07:00</updated>
    <link href="https://hnp.example.vn/bai/1.html"/><summary>Tóm tắt.</summary>{entry}
  </entry>
</feed>""".encode()


def rss(*, item: str = "", channel: str = "", declare: str = "") -> bytes:
    """A valid RSS 2.0 feed of one item, with ``item`` / ``channel`` children added."""
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"{declare}>
  <channel>
    <title>HNP</title><link>https://hnp.example.vn/</link><description>Tin</description>
    <language>vi</language>
    <atom:link rel="self" type="application/rss+xml" href="https://hnp.example.vn/rss.xml"/>
    {channel}
    <item>
      <title>Bài 1</title><link>https://hnp.example.vn/bai/1.html</link>
      <guid isPermaLink="false">tag:hnp.example.vn,2022:bai/1</guid>{item}
    </item>
  </channel>
</rss>""".encode()


def said(report: Report, code: str, **params: str) -> list[str]:
    """The levels of the messages with ``code`` (and these params)."""
    return [
        m.level
        for m in report.messages
        if m.code == code and all(m.params.get(k) == v for k, v in params.items())
    ]


def test_the_small_feeds_are_clean() -> None:
    for data in (atom(), rss()):
        report = validate(data)
        assert [m for m in report.messages if m.level != "info"] == [], report.messages


# --------------------------------------------------------------------------- namespaces


@pytest.mark.parametrize(
    ("declare", "code", "level"),
    [
        # a well-known prefix bound elsewhere: RSS said so, Atom did not
        (' xmlns:dc="https://hnp.example.vn/dc"', "ReservedPrefix", "warning"),
        # Atom reserved sx:, RSS did not
        (' xmlns:sx="https://hnp.example.vn/sx"', "ReservedPrefix", "warning"),
        # a known namespace under an unusual prefix: RSS only
        (' xmlns:dublin="http://purl.org/dc/elements/1.1/"', "NonstdPrefix", "info"),
    ],
)
def test_namespace_declarations_are_judged_alike(declare: str, code: str, level: str) -> None:
    assert said(validate(atom(declare=declare)), code) == [level]
    assert said(validate(rss(declare=declare)), code) == [level]


def test_declarations_below_the_root_count_in_rss_too() -> None:
    item = '<x:y xmlns:x="https://hnp.example.vn/ns" xmlns:dc="https://hnp.example.vn/dc">1</x:y>'
    entry = item
    assert said(validate(rss(item=item)), "ReservedPrefix") == ["warning"]
    assert said(validate(atom(entry=entry)), "ReservedPrefix") == ["warning"]


def test_an_unsupported_namespace_is_said_once_in_both_formats() -> None:
    gdata = '<gd:rating xmlns:gd="http://schemas.google.com/g/2005" value="4"/>'
    for report in (validate(atom(entry=gdata + gdata)), validate(rss(item=gdata + gdata))):
        assert said(report, "UnsupportedNamespace") == ["info"]
        assert not said(report, "UnknownNamespace")

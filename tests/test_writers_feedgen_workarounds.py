"""One test per feedgen 1.0.0 fault (DESIGN.md §5): each fails if its workaround in
hnp_feeds.writers is removed.  The last test shows each fault is still in feedgen itself,
so an upgrade that fixes one says which workaround can go."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import feedgen.entry
import feedgen.feed
import feedparser
import pytest
from feedgen.feed import FeedGenerator
from lxml import etree

from hnp_feeds.identity import entry_id
from hnp_feeds.writers import FeedDocument, render_atom, render_rss
from tests.regenerate_golden import ARTICLES, MAIN, SITE

A = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
NEWEST_FIRST = ["12347", "12346", "12345", "12300"]
BY_ID = {entry_id(SITE, a): a.id for a in ARTICLES}


class _AnyDatetime(type):
    # feedgen checks isinstance(value, datetime) against the name we replace.
    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, datetime)


def _clock(year: int) -> type[datetime]:
    class Clock(datetime, metaclass=_AnyDatetime):
        @classmethod
        def now(cls, tz: Any = None) -> Any:
            return datetime(year, 1, 2, 3, 4, 5, tzinfo=UTC)

    return Clock


@pytest.fixture
def wall_clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Set the clock feedgen reads (``datetime.now()`` in feed.py and entry.py)."""

    def set_year(year: int) -> None:
        monkeypatch.setattr(feedgen.feed, "datetime", _clock(year))
        monkeypatch.setattr(feedgen.entry, "datetime", _clock(year))

    yield set_year


def _entries(data: bytes) -> list[etree._Element]:
    return etree.fromstring(data).findall(f"{A}entry")


# -- fault 1: entry links lose rel/type/title (feedgen.entry.FeedEntry.atom_entry) ---------


def test_atom_related_links_keep_rel_and_title() -> None:
    for entry in _entries(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES)))):
        article = next(a for a in ARTICLES if entry_id(SITE, a) == entry.findtext(f"{A}id"))
        links = entry.findall(f"{A}link")
        assert all(link.get("rel") for link in links), "an entry link lost its rel"
        related = [(ln.get("href"), ln.get("title")) for ln in links if ln.get("rel") == "related"]
        assert related == [(r.url, r.title or None) for r in article.related]


def test_atom_entry_has_one_alternate_link_with_rel_and_type() -> None:
    parsed = feedparser.parse(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    for entry in parsed.entries:
        alternates = [ln for ln in entry.links if ln.rel == "alternate"]
        assert len(alternates) == 1, [ln.href for ln in alternates]
    for entry in _entries(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES)))):
        (alternate,) = [ln for ln in entry.findall(f"{A}link") if ln.get("rel") == "alternate"]
        assert alternate.get("type") == "text/html"


def test_atom_image_is_an_enclosure_not_a_second_alternate() -> None:
    parsed = feedparser.parse(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    entry = next(e for e in parsed.entries if BY_ID[e.id] == "12347")
    assert [x.href for x in entry.enclosures] == ["https://hnp.example.vn/anh/12347.png"]
    assert all(ln.href != entry.enclosures[0].href for ln in entry.links if ln.rel == "alternate")


# -- fault 2: RSS gets no related or hub links ------------------------------------------


def test_rss_items_carry_related_links() -> None:
    parsed = feedparser.parse(render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    entry = next(e for e in parsed.entries if BY_ID[e.id] == "12345")
    assert [ln.href for ln in entry.links if ln.rel == "related"] == [
        "https://hnp.example.vn/tin-tuc/12001.html",
        "https://hnp.example.vn/tin-tuc/12002.html",
    ]


def test_rss_channel_carries_the_hub_link() -> None:
    parsed = feedparser.parse(render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    assert [ln.href for ln in parsed.feed.links if ln.rel == "hub"] == ["https://hub.example.net/"]
    assert [ln.href for ln in parsed.feed.links if ln.rel == "self"] == [
        "https://hnp.example.vn/feeds/tin-moi/rss.xml"
    ]


# -- fault 3: RSS authors without an e-mail are dropped ---------------------------------


def test_rss_author_without_email_becomes_dc_creator() -> None:
    article = replace(ARTICLES[0], author="Trọng Toàn")
    data = render_rss(SITE, FeedDocument(MAIN, tuple([article])))
    item = etree.fromstring(data).find("channel/item")
    assert item is not None and item.findtext(f"{DC}creator") == "Trọng Toàn"
    assert feedparser.parse(data).entries[0].author == "Trọng Toàn"


# -- fault 4: updated / lastBuildDate default to now() ----------------------------------


def test_feed_and_entry_dates_never_come_from_the_clock(wall_clock: Any) -> None:
    wall_clock(2031)
    atom_2031, rss_2031 = (
        render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES))),
        render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))),
    )
    wall_clock(2045)
    assert render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES))) == atom_2031
    assert render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))) == rss_2031
    for data in (atom_2031, rss_2031):
        assert b"2031" not in data


def test_feed_updated_is_the_newest_entry_updated(wall_clock: Any) -> None:
    wall_clock(2031)
    atom = etree.fromstring(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    assert atom.findtext(f"{A}updated") == "2022-06-18T08:00:00+07:00"
    rss = etree.fromstring(render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    assert rss.findtext("channel/lastBuildDate") == "Sat, 18 Jun 2022 08:00:00 +0700"


# -- fault 5: entries are prepended unless order="append" -------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shuffled_input_comes_out_newest_first(seed: int) -> None:
    shuffled = list(ARTICLES)
    random.Random(seed).shuffle(shuffled)
    atom = feedparser.parse(render_atom(SITE, FeedDocument(MAIN, tuple(shuffled))))
    rss = feedparser.parse(render_rss(SITE, FeedDocument(MAIN, tuple(shuffled))))
    assert [BY_ID[e.id] for e in atom.entries] == NEWEST_FIRST
    assert [BY_ID[e.id] for e in rss.entries] == NEWEST_FIRST


def test_sorted_input_is_not_reversed() -> None:
    ordered = sorted(ARTICLES, key=lambda a: (a.published, a.id), reverse=True)
    atom = feedparser.parse(render_atom(SITE, FeedDocument(MAIN, tuple(ordered))))
    assert [BY_ID[e.id] for e in atom.entries] == NEWEST_FIRST


# -- fault 6: the RSS channel <link> is the last feed link given, whatever its rel ------


def test_rss_channel_link_is_the_home_page_not_the_hub_or_self() -> None:
    rss = etree.fromstring(render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    assert rss.findtext("channel/link") == "https://hnp.example.vn/"


# -- fault 7: the default generator carries feedgen's version and URL --------------------


def test_generator_has_no_version_that_changes_with_upgrades() -> None:
    atom = etree.fromstring(render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES))))
    generator = atom.find(f"{A}generator")
    assert generator is not None and dict(generator.items()) == {}
    assert generator.text == "hnp-feeds"
    for data in (
        render_atom(SITE, FeedDocument(MAIN, tuple(ARTICLES))),
        render_rss(SITE, FeedDocument(MAIN, tuple(ARTICLES))),
    ):
        assert b"feedgen" not in data


# -- the faults themselves, in plain feedgen 1.0.0 ---------------------------------------


def _plain_feedgen() -> Any:
    fg: Any = FeedGenerator()
    fg.id("urn:x")
    fg.title("t")
    fg.description("d")
    fg.link(href="https://a.example/feed", rel="self")
    fg.link(href="https://hub.example/", rel="hub")
    for n in (1, 2):
        fe = fg.add_entry()
        fe.id(f"urn:{n}")
        fe.title(f"entry {n}")
        fe.link(href=f"https://a.example/{n}")
        fe.link(href="https://a.example/r", rel="related", title="R")
        fe.author(name="Trọng Toàn")
    return fg


def test_feedgen_1_0_0_still_has_the_faults() -> None:
    """If this fails after a feedgen upgrade, the matching workaround may be dropped."""
    fg = _plain_feedgen()
    atom = etree.fromstring(fg.atom_str())
    rss = etree.fromstring(fg.rss_str())
    first = atom.findall(f"{A}entry")[0]
    assert [ln.get("rel") for ln in first.findall(f"{A}link")] == [None, None]  # rel dropped
    assert [e.findtext(f"{A}id") for e in atom.findall(f"{A}entry")] == ["urn:2", "urn:1"]
    assert rss.find("channel/item/author") is None  # author without e-mail dropped
    assert rss.find(f"channel/item/{A}link") is None  # no related links in RSS
    assert [ln.get("rel") for ln in rss.findall(f"channel/{A}link")] == ["self"]  # no hub
    assert rss.findtext("channel/link") == "https://hub.example/"  # last link wins
    year = str(datetime.now(UTC).year)
    assert (atom.findtext(f"{A}updated") or "").startswith(year)  # now()
    assert (first.findtext(f"{A}updated") or "").startswith(year)
    assert atom.find(f"{A}generator").get("version") == "1.0.0"  # type: ignore[union-attr]

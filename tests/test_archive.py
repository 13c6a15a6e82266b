"""RFC 5005 archives: a walk from the current document finds every article exactly once,
full pages keep their bytes as the history grows, and every page validates."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from hnp_feeds.archive import cut_history
from hnp_feeds.config import Catalogue
from hnp_feeds.identity import entry_id
from hnp_feeds.model import Article, Category, FeedSpec, Link, Site
from hnp_feeds.publish import publish as publish_run
from hnp_feeds.store import HistorySlot, open_store
from hnp_feeds.timezone import localize
from hnp_feeds.validator import validate

from .archive_walk import ArchiveWalk, expected_ids, walk_archives

FEEDS_URL = "https://hnp.example.vn/feeds/"
SITE = Site(
    title="Cổng thông tin HNP",
    base_url="https://hnp.example.vn/",
    feeds_url=FEEDS_URL,
    tag_authority="hnp.example.vn",
    tag_date="2008-01-01",
    description="Tin tức",
    entries_per_feed=3,
    archive_page_size=4,
    author_feeds=False,
    related_count=1,  # the records bring theirs: no computed links to vary with the set
)
CATALOGUE = Catalogue(site=SITE)
MAIN = FeedSpec(slug="tin-moi", title=SITE.title, kind="main", archive=True)
POLITICS = FeedSpec(
    slug="thoi-su", title="Thời sự", kind="category", category="thoi-su", archive=True
)
START = localize(datetime(2022, 6, 1, 8, 0))


def article(n: int, *, category: str = "thoi-su", status: str = "published") -> Article:
    when = START + timedelta(hours=7 * n)
    return Article(
        id=str(1000 + n),
        title=f"Bài số {n}: Hội nghị",
        published=when,
        updated=when,
        url=f"https://hnp.example.vn/bai/{1000 + n}.html",
        summary=f"HNP - Tóm tắt bài {n}.",
        content_html=f"<p>Nội dung bài {n}.</p>",
        author="Trọng Toàn",
        category=Category(category, "Thời sự" if category == "thoi-su" else "Kinh tế"),
        related=(Link(f"https://hnp.example.vn/bai/{999 + n}.html", "Bài trước"),),
        status=status,  # type: ignore[arg-type]
    )


def history(count: int, start: int = 1) -> list[Article]:
    return [article(n, category="thoi-su" if n % 3 else "kinh-te") for n in range(start, count + 1)]


NOW = START + timedelta(days=365)


def published_files(articles: Sequence[Article]) -> dict[str, bytes]:
    """Every file the pipeline publishes for these articles (a fresh store): path -> bytes."""
    with tempfile.TemporaryDirectory() as scratch:
        store, out = Path(scratch) / "store.sqlite", Path(scratch) / "feeds"
        with open_store(store) as opened:
            opened.ingest(articles, SITE, NOW)
        result = publish_run(CATALOGUE, store_path=store, out_dir=out, now=NOW, workers=1)
        assert not result.invalid, result.invalid
        return {
            path.relative_to(out).as_posix(): path.read_bytes()
            for path in out.rglob("*.*")
            if path.suffix in (".xml", ".json")
        }


def archive_files(feed: FeedSpec, articles: Sequence[Article]) -> dict[str, bytes]:
    """The archive pages of ``feed``: ``{"<slug>/archive/<n>.xml": bytes}``."""
    prefix = f"{feed.slug}/archive/"
    return {k: v for k, v in published_files(articles).items() if k.startswith(prefix)}


def publish(feed: FeedSpec, articles: Sequence[Article]) -> dict[str, bytes]:
    """URL -> bytes of ``feed``'s files, as a web server would offer them."""
    files = published_files(articles)
    return {FEEDS_URL + k: v for k, v in files.items() if k.startswith(f"{feed.slug}/")}


def slots(count: int) -> list[HistorySlot]:
    return [HistorySlot(str(1000 + n), "h", 1) for n in range(1, count + 1)]


def walk(feed: FeedSpec, articles: Sequence[Article]) -> tuple[ArchiveWalk, dict[str, bytes]]:
    served = publish(feed, articles)
    return walk_archives(served.__getitem__, f"{FEEDS_URL}{feed.slug}/atom.xml"), served


@pytest.mark.parametrize("count", [0, 1, 3, 4, 7, 8, 11, 13, 22])
def test_walk_from_the_current_document_finds_every_article_once(count: int) -> None:
    articles = history(count)
    result, served = walk(MAIN, articles)
    assert result.problems == []
    assert result.repeated == []
    assert set(result.entry_ids) == expected_ids(SITE, MAIN, articles)
    assert len(result.entry_ids) == count
    pages = count // SITE.archive_page_size
    assert len(result.documents) == 1 + pages
    archive_urls = [u for u in served if "/archive/" in u]
    assert sorted(result.documents[1:]) == sorted(archive_urls)


def test_category_feed_walk_holds_only_its_category() -> None:
    articles = history(25)
    result, _ = walk(POLITICS, articles)
    wanted = expected_ids(SITE, POLITICS, articles)
    assert set(result.entry_ids) == wanted
    assert len(wanted) == len([a for a in articles if a.category.slug == "thoi-su"])  # type: ignore[union-attr]
    assert result.repeated == [] and result.problems == []


def test_current_document_grows_to_hold_the_remainder() -> None:
    # 7 articles, pages of 4, 3 entries per feed: the remainder (3) fits; with 2 per feed
    # the current document must still hold all 3 newer than page 1.
    site = dataclasses.replace(SITE, entries_per_feed=2)
    layout = cut_history(site, MAIN, slots(7))
    assert len(layout.pages) == 1
    assert layout.current.limit == 3
    layout = cut_history(site, MAIN, slots(9))  # remainder 1: the usual 2 entries
    assert layout.current == MAIN


def test_pages_are_oldest_first_and_full() -> None:
    layout = cut_history(SITE, MAIN, slots(13))
    assert [len(p.slots) for p in layout.pages] == [4, 4, 4]
    assert layout.pages[0].record_ids == ("1001", "1002", "1003", "1004")
    retracted = [*slots(13)[:1], HistorySlot("1002", "h", 0), *slots(13)[2:]]
    assert cut_history(SITE, MAIN, retracted).pages[0].record_ids == ("1001", "1003", "1004")
    served = publish(MAIN, history(13))
    current = feedparser.parse(served[FEEDS_URL + "tin-moi/atom.xml"])
    assert [e.id.rsplit("/", 1)[-1] for e in current.entries] == ["1013", "1012", "1011"]


def test_links_between_current_and_pages() -> None:
    served = publish(MAIN, history(13))

    def rels(url: str) -> dict[str, str]:
        root = etree.fromstring(served[url])
        return {
            link.get("rel", ""): link.get("href", "")
            for link in root.iterfind("{http://www.w3.org/2005/Atom}link")
        }

    current = f"{FEEDS_URL}tin-moi/atom.xml"
    page = f"{FEEDS_URL}tin-moi/archive/"
    assert rels(current)["prev-archive"] == page + "3.xml"
    assert "next-archive" not in rels(current)
    assert rels(page + "1.xml") == {
        "self": page + "1.xml",
        "alternate": SITE.base_url,
        "current": current,
        "next-archive": page + "2.xml",
    }
    assert rels(page + "2.xml")["prev-archive"] == page + "1.xml"
    assert rels(page + "2.xml")["next-archive"] == page + "3.xml"
    assert "next-archive" not in rels(page + "3.xml")
    assert b"<fh:archive" in served[page + "1.xml"]
    assert b"fh:archive" not in served[current]


def test_full_pages_keep_their_bytes_as_articles_arrive() -> None:
    before = archive_files(MAIN, history(9))
    assert sorted(before) == ["tin-moi/archive/1.xml", "tin-moi/archive/2.xml"]
    # Two more articles: no page fills, every page is byte-identical.
    after = archive_files(MAIN, history(11))
    assert after == before
    # Page 3 fills: pages 1 and 2 keep their entries; page 1 is byte-identical and page 2
    # only gains its next-archive link (RFC 5005 §4: the set of entries never changes).
    grown = archive_files(MAIN, history(12))
    assert sorted(grown) == [f"tin-moi/archive/{n}.xml" for n in (1, 2, 3)]
    assert grown["tin-moi/archive/1.xml"] == before["tin-moi/archive/1.xml"]
    page2_before = before["tin-moi/archive/2.xml"].decode()
    page2_after = grown["tin-moi/archive/2.xml"].decode()
    added = [line for line in page2_after.splitlines() if line not in page2_before.splitlines()]
    assert len(added) == 1 and 'rel="next-archive"' in added[0]
    # From then on page 2 is final too.
    assert (
        archive_files(MAIN, history(15))["tin-moi/archive/2.xml"]
        == (grown["tin-moi/archive/2.xml"])
    )


def test_a_retraction_does_not_shift_later_pages() -> None:
    articles = history(13)
    before = archive_files(MAIN, articles)
    retracted = [
        dataclasses.replace(a, status="retracted") if a.id == "1002" else a for a in articles
    ]
    after = archive_files(MAIN, retracted)
    assert after["tin-moi/archive/2.xml"] == before["tin-moi/archive/2.xml"]
    assert after["tin-moi/archive/3.xml"] == before["tin-moi/archive/3.xml"]
    gone = entry_id(SITE, articles[1])
    assert gone.encode() in before["tin-moi/archive/1.xml"]
    assert gone.encode() not in after["tin-moi/archive/1.xml"]
    result, _ = walk(MAIN, retracted)
    assert gone not in result.entry_ids
    assert len(result.entry_ids) == 12


def test_drafts_take_no_slot() -> None:
    articles = history(8)
    with_draft = [*articles[:2], dataclasses.replace(article(99), status="draft"), *articles[2:]]
    assert archive_files(MAIN, with_draft) == archive_files(MAIN, articles)


def test_every_page_and_current_document_validates() -> None:
    """Atom and RSS; feed.json is the JSON Feed writer's and validator's to check."""
    served = publish(MAIN, history(13)) | publish(POLITICS, history(25))
    assert len([u for u in served if "/archive/" in u]) >= 5
    atom = {url: data for url, data in served.items() if url.endswith(".xml")}
    assert len(atom) == 2 * 2 + 3 + 4  # atom.xml + rss.xml of two feeds; 13 and 17 entries
    for url, data in atom.items():
        for profile in ("spec", "portal"):
            report = validate(data, base_url=url, profile=profile)
            assert report.errors == [], (url, profile, [m.to_dict() for m in report.errors])


def test_feedparser_reads_an_archive_page() -> None:
    served = publish(MAIN, history(8))
    parsed = feedparser.parse(served[f"{FEEDS_URL}tin-moi/archive/1.xml"])
    assert parsed.bozo == 0
    assert [e.id for e in parsed.entries] == [entry_id(SITE, a) for a in reversed(history(4))]
    assert parsed.entries[0].published == "2022-06-02T12:00:00+07:00"


def _doc(prev: str | None, *, archive: bool, ids: Sequence[str]) -> bytes:
    links = f'<link rel="prev-archive" href="{prev}"/>' if prev else ""
    mark = "<fh:archive/>" if archive else ""
    entries = "".join(f"<entry><id>{i}</id></entry>" for i in ids)
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        f'xmlns:fh="http://purl.org/syndication/history/1.0">{mark}{links}{entries}</feed>'
    ).encode()


def test_walker_reports_loops_repeats_and_unmarked_pages() -> None:
    docs = {
        "http://x/current.xml": _doc("archive/2.xml", archive=False, ids=["c", "b"]),
        "http://x/archive/2.xml": _doc("1.xml", archive=True, ids=["b", "a"]),
        "http://x/archive/1.xml": _doc("2.xml", archive=False, ids=["a"]),
    }
    result = walk_archives(docs.__getitem__, "http://x/current.xml")
    assert result.entry_ids == ["c", "b", "a"]
    assert result.repeated == ["a"]  # in two archive pages
    assert any("not marked fh:archive" in p for p in result.problems)
    assert any("loops back" in p for p in result.problems)
    assert result.documents == [
        "http://x/current.xml",
        "http://x/archive/2.xml",
        "http://x/archive/1.xml",
    ]


@settings(max_examples=12, deadline=None)  # two full pipeline runs an example
@given(first=st.integers(min_value=0, max_value=30), added=st.integers(min_value=0, max_value=12))
def test_appending_never_changes_the_entries_of_a_full_page(first: int, added: int) -> None:
    before = archive_files(MAIN, history(first))
    after = archive_files(MAIN, history(first + added))
    assert set(before) <= set(after)
    newest = f"tin-moi/archive/{len(before)}.xml"
    for relpath, data in before.items():
        if relpath != newest or len(after) == len(before):
            assert after[relpath] == data, relpath
        else:  # the newest page only gains its next-archive link
            old, new = data.decode().splitlines(), after[relpath].decode().splitlines()
            assert [line for line in new if line not in old] == [
                f'  <link href="{FEEDS_URL}tin-moi/archive/{len(before) + 1}.xml" '
                'rel="next-archive" type="application/atom+xml"/>'
            ]
            assert [line for line in old if line not in new] == []

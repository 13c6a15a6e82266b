"""feeds/index.html, parsed with lxml.html: every feed with its subscribe links and latest
entries, its URL with a copy button, the discovery <link> lines, Vietnamese, escaped,
deterministic, one small script (the copy buttons)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime, timedelta

import lxml.html
import pytest

from hnp_feeds.catalogue import feeds_for
from hnp_feeds.config import Catalogue, load_config
from hnp_feeds.model import Article, Category, FeedSpec, Site
from hnp_feeds.pages import alternate_links, feed_card, render_index
from hnp_feeds.timezone import localize

from .oracle import select
from .portal import articles_as_published

HOSTILE = '<script>alert("x")</script> & "Hà Nội"'


@pytest.fixture(scope="module")
def sample() -> tuple[Catalogue, list[tuple[FeedSpec, Sequence[Article]]]]:
    catalogue = load_config()
    articles, _ = articles_as_published(catalogue)
    feeds = feeds_for(catalogue, articles)
    return catalogue, [(f, select(f, articles, catalogue.site.entries_per_feed)) for f in feeds]


@pytest.fixture(scope="module")
def page(
    sample: tuple[Catalogue, list[tuple[FeedSpec, Sequence[Article]]]],
) -> lxml.html.HtmlElement:
    catalogue, listed = sample
    return lxml.html.fromstring(render_index(catalogue, listed))


def test_every_feed_has_a_card_with_three_subscribe_links(
    sample: tuple[Catalogue, list[tuple[FeedSpec, Sequence[Article]]]], page: lxml.html.HtmlElement
) -> None:
    _, listed = sample
    assert len(listed) >= 10
    cards = page.xpath("//main//article")
    assert [c.get("id") for c in cards] == [
        f"feed-{f.slug}" for kind in ("main", "category", "author", "tag", "custom")
        for f, _ in listed if f.kind == kind
    ]  # fmt: skip
    for feed, _ in listed:
        (card,) = page.xpath(f"//*[@id='feed-{feed.slug}']")
        assert card.xpath(".//h3")[0].text_content() == feed.title
        links = {
            a.text_content(): (a.get("href"), a.get("type"))
            for a in card.xpath(".//p[@class='subscribe']/a")
        }
        assert links == {
            "Atom": (f"{feed.slug}/atom.xml", "application/atom+xml"),
            "RSS": (f"{feed.slug}/rss.xml", "application/rss+xml"),
            "JSON Feed": (f"{feed.slug}/feed.json", "application/feed+json"),
        }


def test_cards_show_the_latest_entries_newest_first(
    sample: tuple[Catalogue, list[tuple[FeedSpec, Sequence[Article]]]], page: lxml.html.HtmlElement
) -> None:
    _, listed = sample
    for feed, entries in listed:
        shown = page.xpath(f"//*[@id='feed-{feed.slug}']//ol/li/a")
        expected = entries[: 9 if feed.kind == "main" else 5]
        assert [a.get("href") for a in shown] == [e.url for e in expected]
        assert [a.text_content() for a in shown] == [e.title for e in expected]
        times = page.xpath(f"//*[@id='feed-{feed.slug}']//ol//time")
        assert all(t.get("datetime", "").endswith("+07:00") for t in times)


def test_head_announces_the_main_feed_and_the_opml(
    sample: tuple[Catalogue, list[tuple[FeedSpec, Sequence[Article]]]], page: lxml.html.HtmlElement
) -> None:
    catalogue, _ = sample
    assert page.get("lang") == "vi"
    alternates = page.xpath("//head/link[@rel='alternate']")
    hrefs = [(link.get("type"), link.get("href")) for link in alternates]
    feeds_url = catalogue.site.feeds_url
    assert hrefs == [
        ("application/atom+xml", f"{feeds_url}tin-moi/atom.xml"),
        ("application/rss+xml", f"{feeds_url}tin-moi/rss.xml"),
        ("application/feed+json", f"{feeds_url}tin-moi/feed.json"),
        ("text/x-opml", "feeds.opml"),
    ]
    assert page.xpath("//meta[@name='viewport']")
    (script,) = page.xpath("//script")
    assert script.get("src") is None and "clipboard" in script.text_content()


def test_every_card_shows_its_feed_url_with_a_copy_button_and_the_page_says_which_format(
    sample: tuple[Catalogue, list[tuple[FeedSpec, Sequence[Article]]]], page: lxml.html.HtmlElement
) -> None:
    catalogue, listed = sample
    for feed, _ in listed:
        (field,) = page.xpath(f"//*[@id='feed-{feed.slug}']//p[@class='copy']/input")
        assert field.get("value") == f"{catalogue.site.feeds_url}{feed.slug}/atom.xml"
        assert field.get("readonly") is not None
        (button,) = page.xpath(f"//*[@id='feed-{feed.slug}']//p[@class='copy']/button")
        assert button.get("data-copy") == field.get("id")
    header = page.xpath("//header")[0].text_content()
    assert "Nên chọn định dạng nào? Atom" in header


def test_snippet_block_holds_every_feeds_link_lines(
    sample: tuple[Catalogue, list[tuple[FeedSpec, Sequence[Article]]]], page: lxml.html.HtmlElement
) -> None:
    catalogue, listed = sample
    (block,) = page.xpath("//*[@id='ma-nhung']//pre/code")
    text = block.text_content()  # what a person copies: real tags, not entities
    for feed, _ in listed:
        for line in alternate_links(catalogue.site, feed):
            assert line in text
    pasted = lxml.html.fromstring(f"<html><head>{text}</head></html>")
    assert len(pasted.xpath("//link[@rel='alternate']")) == 3 * len(listed)


def _hostile_page() -> bytes:
    site = Site(
        title=HOSTILE,
        base_url="https://hnp.example.vn/",
        feeds_url="https://hnp.example.vn/feeds/",
        tag_authority="hnp.example.vn",
        tag_date="2008-01-01",
    )
    when = localize(datetime(2022, 6, 17, 20, 22))
    article = Article(
        id="1",
        title=HOSTILE,
        published=when,
        updated=when + timedelta(hours=1),
        url='https://hnp.example.vn/a?x=1&y="2"',
        author="<b>Trọng Toàn</b>",
        category=Category("thoi-su", "Thời sự"),
    )
    unsafe = dataclasses.replace(article, id="2", url="javascript:alert(1)")
    feed = FeedSpec(slug="tin-moi", title=HOSTILE, kind="main", description=HOSTILE)
    return render_index(Catalogue(site=site), [(feed, [article, unsafe])], updated=article.updated)


def test_text_and_urls_are_escaped() -> None:
    data = _hostile_page()
    assert data.count(b"<script>") == 1 and b"<b>" not in data  # only the copy buttons'
    page = lxml.html.fromstring(data)
    assert not page.xpath("//b") and "alert" not in page.xpath("//script")[0].text_content()
    assert page.xpath("//h3")[0].text_content() == HOSTILE
    links = page.xpath("//ol[@class='entries']//a")
    assert [a.get("href") for a in links] == [
        'https://hnp.example.vn/a?x=1&y="2"'
    ]  # no javascript:
    assert page.xpath("//ol[@class='entries']/li")[1].text_content().startswith(HOSTILE)
    assert "<b>Trọng Toàn</b>" in page.xpath("//span[@class='meta']")[0].text_content()
    code = page.xpath("//pre/code")[0].text_content()
    assert 'title="&lt;script&gt;alert(&quot;x&quot;)' in code
    assert "Cập nhật lần cuối: 21:22 17/06/2022" in page.xpath("//footer")[0].text_content()


def test_page_is_deterministic_and_utf8(
    sample: tuple[Catalogue, list[tuple[FeedSpec, Sequence[Article]]]],
) -> None:
    catalogue, listed = sample
    first = render_index(catalogue, listed)
    assert first == render_index(catalogue, list(listed))
    assert first.startswith(b"<!DOCTYPE html>")
    assert b'<meta charset="utf-8">' in first
    assert "Nguồn tin của".encode() in first


def test_a_feed_without_entries_says_so() -> None:
    catalogue = load_config()
    feed = FeedSpec(slug="trong", title="Trống", kind="custom", tag="trong")
    page = lxml.html.fromstring(render_index(catalogue, [(feed, [])]))
    assert (
        page.xpath("//*[@id='feed-trong']//p[@class='empty']")[0].text_content()
        == "Chưa có bài viết."
    )


def test_cards_made_before_give_the_page_rendered_from_the_entries(
    sample: tuple[Catalogue, list[tuple[FeedSpec, Sequence[Article]]]],
) -> None:
    """What a cron run does: the cards of the feeds that did not change kept, their
    entries not read; the page is byte for byte the one rendered from every entry."""
    catalogue, listed = sample
    kept = {feed.slug: feed_card(catalogue.site, feed, entries) for feed, entries in listed[::2]}
    partial = [(feed, [] if feed.slug in kept else entries) for feed, entries in listed]
    assert render_index(catalogue, partial, cards=kept) == render_index(catalogue, listed)
    assert render_index(catalogue, partial) != render_index(catalogue, listed)

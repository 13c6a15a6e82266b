"""The entries a document shows, kept for the next question about the same document
only: another document, or the same in another format, gets its own."""

from __future__ import annotations

from dataclasses import replace

from hnp_feeds.writers import ArchiveLinks, FeedDocument, render_atom, render_rss
from hnp_feeds.writers.common import shown_of, updated_of
from tests.regenerate_golden import ARTICLES, MAIN, SITE

ALL = FeedDocument(MAIN, ARTICLES)
OLDEST = FeedDocument(MAIN, ARTICLES[-2:])


def test_documents_asked_in_turn_each_get_their_own_entries() -> None:
    first = shown_of(SITE, ALL, "atom.xml")
    assert len(first) == SITE.entries_per_feed < len(ARTICLES)
    assert set(shown_of(SITE, OLDEST, "atom.xml")) == set(ARTICLES[-2:])
    assert shown_of(SITE, ALL, "atom.xml") == first
    # An equal document that is another object is sorted again, to the same entries.
    assert shown_of(SITE, FeedDocument(MAIN, ARTICLES), "atom.xml") == first
    assert updated_of(SITE, OLDEST, "rss.xml") < updated_of(SITE, ALL, "rss.xml")


def test_an_archive_page_shows_all_in_atom_and_the_newest_in_rss() -> None:
    links = ArchiveLinks(
        current="https://hnp.example.vn/feeds/tin-moi/atom.xml",
        is_archive=True,
        self_url="https://hnp.example.vn/feeds/tin-moi/archive/1.xml",
    )
    page = FeedDocument(MAIN, ARTICLES, archive=links)
    assert len(shown_of(SITE, page, "atom.xml")) == len(ARTICLES)
    assert len(shown_of(SITE, page, "rss.xml")) == SITE.entries_per_feed
    assert len(shown_of(SITE, page, "atom.xml")) == len(ARTICLES)


def test_bytes_do_not_depend_on_the_document_rendered_before() -> None:
    alone = {render(SITE, ALL) for render in (render_atom, render_rss)}
    for render in (render_atom, render_rss):
        render(SITE, OLDEST)
    other_site = replace(SITE, entries_per_feed=2)
    render_atom(other_site, ALL)  # the same document with another site
    assert {render(SITE, ALL) for render in (render_atom, render_rss)} == alone
    assert render_atom(other_site, ALL).count(b"<entry>") == 2


def test_entry_parts_are_made_once_per_article_and_are_the_parts() -> None:
    """The formats of a document ask for an entry's summary, content and terms in turn:
    made once for the article object, the same as each made alone, and kept bounded."""
    from hnp_feeds.writers import common

    for article in ARTICLES:
        parts = common.entry_parts(article)
        assert parts == (
            common.summary_of(article),
            common.content_of(article),
            common.category_terms(article),
        )
        assert common.entry_parts(article) is parts
        copy = replace(article, title=article.title)  # equal, another object
        assert common.entry_parts(copy) == parts and common.entry_parts(copy) is not parts
    for number in range(common._PARTS_KEPT + 1):
        common.entry_parts(replace(ARTICLES[0], id=str(number)))
    assert len(common._parts) <= common._PARTS_KEPT

"""A document assembled from entry fragments (``writers.fragments``) is byte for byte the
document rendered whole, however its fragments were rendered: all of its missing ones in
one document cut apart (a feed page's own render), each alone, or in a batch of another
feed's document (``publish.render.render_entries``: one document per format for the
entries several documents share), on random entries."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hnp_feeds.identity import entry_id
from hnp_feeds.model import Article, Category, FeedSpec, Image, Link, Site, Tombstone
from hnp_feeds.text import escape_html
from hnp_feeds.timezone import localize, to_local
from hnp_feeds.writers import (
    FEED_FILES,
    FORMATS,
    ArchiveLinks,
    FeedDocument,
    assemble,
    atom,
    common,
    fragments,
    rss,
)
from hnp_feeds.writers.common import (
    category_terms,
    content_of,
    image_type,
    require_url,
    summary_of,
)
from tests.regenerate_golden import MAIN, SITE

# Text an entry may hold: Vietnamese, markup and the bytes an entry's start is found by
# (an RSS item's or an Atom entry's start tag, a JSON object's indent) inside its text.
_TEXT = st.lists(
    st.sampled_from(list("aăâbcdđeêghiơưyỳỹ Đ<>&\"'\n]{}:,") + ["\n    <item>", "\n  <entry>"]),
    max_size=12,
).map("".join)
_START = localize(datetime(2024, 1, 1, 8, 0))
_OTHER = FeedSpec(slug="the-thao", title="Thể thao", kind="category", category="the-thao")


@st.composite
def _articles(draw: st.DrawFn) -> tuple[Article, ...]:
    count = draw(st.integers(1, 6))
    minutes = draw(st.lists(st.integers(0, 20), min_size=count, max_size=count))
    articles = []
    for n, minute in enumerate(minutes):
        published = _START + timedelta(minutes=minute)
        image = None
        if draw(st.booleans()):
            image = Image(f"https://hnp.example.vn/anh/{n}.jpg", caption=draw(_TEXT), length=n)
        articles.append(
            Article(
                id=f"a{n}",
                title=draw(_TEXT) or f"Bài {n}",
                published=published,
                updated=published + timedelta(minutes=draw(st.integers(0, 3))),
                url=f"https://hnp.example.vn/bai-{n}.html",
                summary=draw(_TEXT),
                content_html=draw(st.sampled_from(["", "<p>x</p>", "<p>\n    <item></p>"])),
                author=draw(st.none() | _TEXT.filter(str.strip)),
                category=Category("the-thao", "Thể thao") if draw(st.booleans()) else None,
                tags=tuple(draw(st.lists(_TEXT.filter(str.strip), max_size=2, unique=True))),
                image=image,
                related=tuple(
                    Link(f"https://hnp.example.vn/bai-{n}-{k}.html", draw(_TEXT)) for k in range(2)
                ),
            )
        )
    return tuple(articles)


def _documents(articles: tuple[Article, ...], text: str = "") -> list[tuple[FeedDocument, str]]:
    """Each format's current document of ``articles``, and their Atom archive page (with
    a tombstone); ``text`` in the feed's title and description and the tombstone's ref."""
    page = ArchiveLinks(
        current=f"{SITE.feeds_url}tin-moi/atom.xml",
        is_archive=True,
        self_url=f"{SITE.feeds_url}tin-moi/archive/1.xml",
    )
    feed = replace(MAIN, title=MAIN.title + text, description=text)
    current = FeedDocument(replace(feed, limit=len(articles)), articles)
    gone = (Tombstone(f"tag:hnp.example.vn,2008-01-01:{text}", _START),)
    return [(current, filename) for filename in FEED_FILES] + [
        (FeedDocument(feed, articles, archive=page, tombstones=gone), "atom.xml")
    ]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles=_articles(), known_share=st.integers(0, 6), text=_TEXT)
def test_assembled_documents_are_whole_renders_however_their_entries_were_rendered(
    articles: tuple[Article, ...], known_share: int, text: str
) -> None:
    for document, filename in _documents(articles, text):
        render = FORMATS[filename][0]
        whole = render(SITE, document)
        batched = assemble(SITE, document, filename, {})  # the missing ones, in one document
        assert batched.data == whole
        # Its head, cut from the document with its entries (``fragments._head_of``), is
        # the document written without them.
        assert batched.head == render(SITE, document, ())
        alone = {
            article.id: assemble(SITE, FeedDocument(_OTHER, (article,)), filename, {}).new[
                article.id
            ]
            for article in articles
        }
        # In another feed's document, all at once: a batch of shared entries.
        shared = assemble(
            SITE, FeedDocument(replace(_OTHER, limit=len(articles)), articles), filename, {}
        ).new
        assert shared == alone == batched.new
        some = dict(list(alone.items())[:known_share])  # kept ones, the others rendered now
        assert assemble(SITE, document, filename, some).data == whole
        assert set(assemble(SITE, document, filename, some).new) == set(alone) - set(some)


# The writers' shortcuts, each against the plain way it stands for.


def _fill_entry_by_setters(site: Site, fe: Any, article: Article) -> None:
    """``atom._fill_entry`` through feedgen's public setters alone."""
    url = require_url(article)
    fe.id(entry_id(site, article))
    fe.title(article.title)
    fe.updated(to_local(article.updated))
    fe.published(to_local(article.published))
    if article.author:
        fe.author(name=article.author)
    fe.link(href=url, rel="alternate", type="text/html")
    summary, content, terms = summary_of(article), content_of(article), category_terms(article)
    if summary:
        fe.summary(summary)
    if content:
        fe.content(content, type="html")
    if terms:
        fe.category([{"term": term, "label": label} for term, label in terms])
    fe.hnp.alternate = url
    fe.hnp.related = article.related
    fe.hnp.image = article.image


def _fill_item_by_setters(site: Site, fe: Any, article: Article) -> None:
    """``rss._fill_item`` through feedgen's public setters alone."""
    url = require_url(article)
    fe.guid(entry_id(site, article), permalink=False)
    fe.title(article.title)
    fe.link(href=url)
    fe.published(to_local(article.published))
    summary, content, terms = summary_of(article), content_of(article), category_terms(article)
    if summary:
        fe.description(summary, isSummary=True)
    if content:
        fe.content(content, type="html")
    if terms:
        fe.category([{"term": term, "label": label} for term, label in terms])
    image = article.image
    kind = image_type(image) if image is not None else None
    if image is not None and image.length and kind:
        fe.enclosure(url=image.url, length=str(image.length), type=kind)
    fe.hnp.creator = article.author
    if article.updated > article.published:
        fe.hnp.modified = article.updated
    fe.hnp.related = article.related
    fe.hnp.image = image


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles=_articles())
def test_entries_given_their_fields_directly_are_the_entries_feedgen_s_setters_give(
    articles: tuple[Article, ...],
) -> None:
    """``writers.entry_state``: the author, links, categories and enclosure given to
    feedgen's entries as its setters leave them (without their checks), and the related
    list escaped only where it holds what ``escape_html`` replaces, write the bytes of
    the writers that use feedgen's setters and ``escape_html`` on everything."""
    document = FeedDocument(replace(MAIN, limit=len(articles)), articles)
    fast = {filename: FORMATS[filename][0](SITE, document) for filename in FEED_FILES[:2]}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(atom, "_fill_entry", _fill_entry_by_setters)
        patch.setattr(rss, "_fill_item", _fill_item_by_setters)
        patch.setattr(common, "_escaped", escape_html)
        common._parts.clear()  # (the parts of these articles, made with ``_escaped``)
        plain = {filename: FORMATS[filename][0](SITE, document) for filename in FEED_FILES[:2]}
        common._parts.clear()
    assert fast == plain


@settings(max_examples=25, deadline=None)
@given(text=_TEXT, site=st.text(max_size=20), digest=st.text(max_size=70))
def test_an_entry_key_is_the_digest_of_its_lines(text: str, site: str, digest: str) -> None:
    """``fragments._key``'s hash begun once per site and format is the plain SHA-256 of
    the writers' version, the site, the format and the body's digest, one per line; and
    text escaped only when it holds one of ``&<>"`` is ``escape_html``'s."""
    for version in (fragments.WRITER_VERSION, "new writers"):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(fragments, "WRITER_VERSION", version)
            for filename in FEED_FILES:
                lines = f"{version}\n{site}\n{filename}\n{digest}"
                key = sha256(lines.encode()).hexdigest()
                assert fragments._key(site, filename, digest) == key
    assert common._escaped(text) == escape_html(text)

"""A document assembled from entry fragments (``writers.fragments``) is byte for byte the
document rendered whole, however its fragments were rendered: all of its missing ones in
one document cut apart (a feed page's own render), each alone, or in a batch of another
feed's document (``publish.render.render_entries``: one document per format for the
entries several documents share), on random entries."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hnp_feeds.model import Article, Category, FeedSpec, Image, Link
from hnp_feeds.timezone import localize
from hnp_feeds.writers import FEED_FILES, FORMATS, ArchiveLinks, FeedDocument, assemble
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


def _documents(articles: tuple[Article, ...]) -> list[tuple[FeedDocument, str]]:
    """Each format's current document of ``articles``, and their Atom archive page."""
    page = ArchiveLinks(
        current=f"{SITE.feeds_url}tin-moi/atom.xml",
        is_archive=True,
        self_url=f"{SITE.feeds_url}tin-moi/archive/1.xml",
    )
    current = FeedDocument(replace(MAIN, limit=len(articles)), articles)
    return [(current, filename) for filename in FEED_FILES] + [
        (FeedDocument(MAIN, articles, archive=page), "atom.xml")
    ]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles=_articles(), known_share=st.integers(0, 6))
def test_assembled_documents_are_whole_renders_however_their_entries_were_rendered(
    articles: tuple[Article, ...], known_share: int
) -> None:
    for document, filename in _documents(articles):
        render = FORMATS[filename][0]
        whole = render(SITE, document)
        batched = assemble(SITE, document, filename, {})  # the missing ones, in one document
        assert batched.data == whole
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

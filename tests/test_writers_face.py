"""The portal's face in every format (icon, logo, rights, category labels, the lead image
in the HTML), and the ``xml-stylesheet`` of the current Atom and RSS documents: read back
with feedparser and lxml, and valid for the validator."""

from __future__ import annotations

import json
from dataclasses import replace

import feedparser
from lxml import etree

from hnp_feeds.validator import validate
from hnp_feeds.writers import FeedDocument, render_atom, render_json, render_rss
from hnp_feeds.writers.common import content_of, stylesheet_href
from tests.regenerate_golden import ARCHIVE_1, ARTICLES, CURRENT, MAIN, SITE

A = "{http://www.w3.org/2005/Atom}"
BARE = replace(SITE, icon=None, logo=None, rights="")


def _atom(site: object = SITE) -> bytes:
    return render_atom(site, FeedDocument(MAIN, ARTICLES, archive=CURRENT))  # type: ignore[arg-type]


def test_atom_carries_icon_logo_and_rights() -> None:
    parsed = feedparser.parse(_atom())
    assert parsed.bozo == 0
    assert parsed.feed.icon == "https://hnp.example.vn/icon-512.png"
    assert parsed.feed.logo == "https://hnp.example.vn/logo.png"
    assert parsed.feed.rights == "© Báo HNP. Ghi rõ nguồn khi đăng lại."


def test_rss_carries_an_image_of_the_channel_and_its_copyright() -> None:
    data = render_rss(SITE, FeedDocument(MAIN, ARTICLES))
    parsed = feedparser.parse(data)
    assert parsed.bozo == 0
    image = parsed.feed.image
    assert (image.href, image.title, image.link) == (
        "https://hnp.example.vn/logo.png",
        parsed.feed.title,  # RSS 2.0: the image's title and link are the channel's
        parsed.feed.link,
    )
    assert parsed.feed.rights == "© Báo HNP. Ghi rõ nguồn khi đăng lại."


def test_json_feed_carries_icon_and_favicon() -> None:
    feed = json.loads(render_json(SITE, FeedDocument(MAIN, ARTICLES)))
    assert feed["icon"] == feed["favicon"] == "https://hnp.example.vn/icon-512.png"
    bare = json.loads(render_json(BARE, FeedDocument(MAIN, ARTICLES)))
    assert "icon" not in bare and "favicon" not in bare


def test_a_site_without_a_face_writes_none_of_it() -> None:
    root = etree.fromstring(_atom(BARE))
    assert [root.find(f"{A}{name}") for name in ("icon", "logo", "rights")] == [None] * 3
    rss = etree.fromstring(render_rss(BARE, FeedDocument(MAIN, ARTICLES)))
    assert rss.find("channel/image") is None and rss.find("channel/copyright") is None


def test_atom_categories_carry_the_vietnamese_name_as_label() -> None:
    root = etree.fromstring(_atom())
    labels = {c.get("term"): c.get("label") for c in root.iter(f"{A}category")}
    assert labels["hoi-cho"] == "Hội chợ"
    assert labels["xa-hoi"] == "Xã hội"


def test_the_lead_image_heads_the_content_unless_the_body_shows_it() -> None:
    with_image = next(a for a in ARTICLES if a.image is not None and a.image.caption)
    assert content_of(with_image).startswith(
        f'<figure><img src="{with_image.image.url}" alt="{with_image.image.caption}">'  # type: ignore[union-attr]
    )
    shown = replace(
        with_image,
        content_html=f'<p>Ảnh:</p><figure><img src="{with_image.image.url}"></figure>',  # type: ignore[union-attr]
    )
    assert content_of(shown).startswith("<p>Ảnh:</p>")
    assert content_of(shown).count(with_image.image.url) == 1  # type: ignore[union-attr]
    without = next(a for a in ARTICLES if a.image is None)
    assert content_of(without).startswith(without.content_html)


def test_current_atom_and_rss_point_to_the_stylesheet_archive_pages_do_not() -> None:
    pi = b'<?xml-stylesheet type="text/xsl" href="../feed.xsl"?>\n'
    for data in (_atom(), render_rss(SITE, FeedDocument(MAIN, ARTICLES))):
        declaration, rest = data.split(b"\n", 1)
        assert declaration == b"<?xml version='1.0' encoding='UTF-8'?>"
        assert rest.startswith(pi)
        assert validate(data).ok
    archive = render_atom(SITE, FeedDocument(MAIN, ARTICLES, archive=ARCHIVE_1))
    assert b"xml-stylesheet" not in archive
    assert stylesheet_href("tin-moi/atom.xml") == "../feed.xsl"
    assert stylesheet_href("a/archive/1.xml") == "../../feed.xsl"


def test_readers_parse_the_same_entries_with_and_without_the_stylesheet() -> None:
    for data in (_atom(), render_rss(SITE, FeedDocument(MAIN, ARTICLES))):
        plain = data.replace(b'<?xml-stylesheet type="text/xsl" href="../feed.xsl"?>\n', b"")
        assert plain != data
        with_pi, without = feedparser.parse(data), feedparser.parse(plain)
        assert with_pi.bozo == without.bozo == 0
        assert [e.id for e in with_pi.entries] == [e.id for e in without.entries]
        assert with_pi.feed.title == without.feed.title
        assert with_pi.entries[0].content == without.entries[0].content

"""Apple Podcasts tags (https://help.apple.com/itc/podcasts_connect/#/itcb54353390), and
what Apple requires of a podcast channel."""

from __future__ import annotations

import re

from lxml import etree

from .. import values
from ..namespaces import ITUNES, ITUNES_CASED
from ..report import Report
from ..tree import emit, iter_elements, namespace_of, qname
from . import Ext, Vocabulary


def _check_itunes(x: Ext) -> None:
    """Apple Podcasts tags (https://help.apple.com/itc/podcasts_connect/#/itcb54353390)."""
    local = x.local
    if local in _ITUNES_ITEM_ONLY and x.parent != "item":
        x.undefined()
    elif local in ("explicit",):
        # Apple's current spec: "true" or "false" (yes/no/clean were the old values)
        if x.value not in ("true", "false"):
            x.err("InvalidTrueFalse", value=x.value)
    elif local in ("block", "complete", "isClosedCaptioned"):
        if x.value.strip().lower() not in ("yes", "no", "true", "false"):
            x.err("InvalidYesNoClean", value=x.value)
    elif local == "category":
        _itunes_category(x)
    elif local == "image":
        href = x.el.get("href")
        if href is None:
            x.err("MissingAttribute", attr="href")
        else:
            x.full_url(
                href, code="InvalidURLAttribute", name="href", parent=x.name.replace(":", "_")
            )
    elif local in ("subtitle", "summary", "keywords"):
        limit = 4000 if local == "summary" else 255
        if len(x.value) > limit:
            x.err("TooLong", value=x.value[:80])
        x.plain()
        if local == "keywords" and " " in x.value.strip() and "," not in x.value:
            x.warn("InvalidKeywords", value=x.value)
    elif local == "duration":
        if not _DURATION.match(x.value.strip()):
            x.err("InvalidDuration", value=x.value)
    elif local in ("episode", "season", "order"):
        x.integer("InvalidPositiveInteger", minimum=1)
    elif local == "episodeType":
        if x.value.strip() not in ("full", "trailer", "bonus"):
            x.err("InvalidItunesEpisodeType", value=x.value)
    elif local == "type":
        if x.value.strip() not in ("episodic", "serial"):
            x.err("InvalidItunesChannelType", value=x.value)
    elif local == "owner":
        email = x.el.find(f"{{{ITUNES}}}email")
        if email is None:
            x.err("MissingElement", name="itunes:email", parent=x.name)
        for child in iter_elements(x.el):
            if namespace_of(child) == ITUNES:
                _check_itunes(Ext(x.doc, child, x.name))
    elif local == "email":
        values.check_email(x.report, x.value.strip(), code="InvalidContact", **x.at())
    elif local == "new-feed-url":
        x.full_url()
    elif local in ("author", "name", "title"):
        x.plain()
    elif local not in ("link", "new-feed-url"):
        x.undefined()


_ITUNES_ITEM_ONLY = frozenset({"duration", "episode", "season", "episodeType", "order"})


_DURATION = re.compile(r"^(?:\d+|\d{1,2}:[0-5]\d|\d{1,3}:[0-5]\d:[0-5]\d)$")


ITUNES_CATEGORIES: dict[str, frozenset[str]] = {
    name: frozenset(filter(None, (s.strip() for s in subs.split("|"))))
    for name, subs in (
        ("Arts", "Books|Design|Fashion & Beauty|Food|Literature|Performing Arts|Visual Arts"),
        (
            "Business",
            "Business News|Careers|Entrepreneurship|Investing|Management|"
            "Management & Marketing|Marketing|Non-Profit|Shopping",
        ),
        ("Comedy", "Comedy Interviews|Improv|Stand-Up"),
        (
            "Education",
            "Courses|Education Technology|Higher Education|How To|K-12|"
            "Language Courses|Language Learning|Self-Improvement|Training",
        ),
        ("Fiction", "Comedy Fiction|Drama|Science Fiction"),
        ("Games & Hobbies", "Automotive|Aviation|Hobbies|Other Games|Video Games"),
        ("Government", ""),
        ("Government & Organizations", "Local|National|Non-Profit|Regional"),
        ("Health", "Alternative Health|Fitness & Nutrition|Self-Help|Sexuality"),
        (
            "Health & Fitness",
            "Alternative Health|Fitness|Medicine|Mental Health|Nutrition|Sexuality",
        ),
        ("History", ""),
        ("Kids & Family", "Education for Kids|Parenting|Pets & Animals|Stories for Kids"),
        (
            "Leisure",
            "Animation & Manga|Automotive|Aviation|Crafts|Games|Hobbies|Home & Garden|Video Games",
        ),
        ("Music", "Music Commentary|Music History|Music Interviews"),
        (
            "News",
            "Business News|Daily News|Entertainment News|News Commentary|Politics|"
            "Sports News|Tech News",
        ),
        ("News & Politics", ""),
        (
            "Religion & Spirituality",
            "Buddhism|Christianity|Hinduism|Islam|Judaism|Other|Religion|Spirituality",
        ),
        (
            "Science",
            "Astronomy|Chemistry|Earth Sciences|Life Sciences|Mathematics|"
            "Natural Sciences|Nature|Physics|Social Sciences",
        ),
        ("Science & Medicine", "Medicine|Natural Sciences|Social Sciences"),
        (
            "Society & Culture",
            "Documentary|History|Personal Journals|Philosophy|Places & Travel|Relationships",
        ),
        (
            "Sports",
            "Baseball|Basketball|Cricket|Fantasy Sports|Football|Golf|Hockey|Rugby|"
            "Running|Soccer|Swimming|Tennis|Volleyball|Wilderness|Wrestling",
        ),
        ("Sports & Recreation", "Amateur|College & High School|Outdoor|Professional"),
        ("Technology", "Gadgets|Tech News|Podcasting|Software How-To"),
        ("True Crime", ""),
        ("TV & Film", "After Shows|Film History|Film Interviews|Film Reviews|TV Reviews"),
    )
}


#: categories of Apple's first list, since withdrawn
OBSOLETE_ITUNES_CATEGORIES: dict[str, frozenset[str]] = {
    "Audio Blogs": frozenset(),
    "Entertainment": frozenset(),
    "Family": frozenset(),
    "International": frozenset(
        {
            "Australian",
            "Belgian",
            "Brazilian",
            "Canadian",
            "Chinese",
            "Dutch",
            "French",
            "German",
            "Hebrew",
            "Italian",
            "Japanese",
            "Norwegian",
            "Polish",
            "Portuguese",
            "Spanish",
            "Swedish",
        }
    ),
    "Movies & Television": frozenset(),
    "Politics": frozenset(),
    "Public Radio": frozenset(),
    "Talk Radio": frozenset(),
    "Travel": frozenset(),
    "Technology": frozenset({"Computers", "Developers", "IT News", "Information Technology"}),
}


def _itunes_category(x: Ext) -> None:
    text = x.el.get("text")
    if text is None:
        x.err("MissingAttribute", attr="text")
        return
    top_level = x.parent != "itunes:category"
    if top_level:
        known = text in ITUNES_CATEGORIES
        obsolete = text in OBSOLETE_ITUNES_CATEGORIES and not known
    else:
        parent = x.el.getparent()
        parent_text = parent.get("text", "") if parent is not None else ""
        known = text in ITUNES_CATEGORIES.get(parent_text, frozenset())
        obsolete = text in OBSOLETE_ITUNES_CATEGORIES.get(parent_text, frozenset())
    if obsolete:
        x.warn("ObsoleteItunesCategory", value=text)
    elif not known:
        x.err("InvalidItunesCategory", value=text)
    for child in iter_elements(x.el):
        if qname(child) == "itunes:category":
            _itunes_category(Ext(x.doc, child, x.name))
        else:
            emit(x.report, "error", "UndefinedElement", child, parent=x.name)


def check_itunes_channel(report: Report, channel: etree._Element) -> None:
    """What Apple requires of a podcast channel: language, category, explicit, an e-mail."""
    for name, path in (
        ("language", "language"),
        ("itunes:category", f"{{{ITUNES}}}category"),
        ("itunes:explicit", f"{{{ITUNES}}}explicit"),
    ):
        if channel.find(path) is None:
            emit(report, "warning", "MissingItunesElement", channel, name=name, parent="channel")
    encoding = channel.getroottree().docinfo.encoding or "UTF-8"
    if encoding.upper() not in ("UTF-8", "UTF8"):
        emit(report, "warning", "NotUTF8", channel, name="channel", parent="rss", value=encoding)
    if channel.find(f"{{{ITUNES}}}owner/{{{ITUNES}}}email") is None:
        emit(report, "warning", "MissingItunesEmail", channel, name=None, parent="channel")
    for enclosure in channel.iterfind("item/enclosure"):
        url = (enclosure.get("url") or "").strip()
        extension = url.rsplit("/", 1)[-1].rpartition(".")[2].lower()
        if "." in url.rsplit("/", 1)[-1] and extension not in _ITUNES_FORMATS:
            emit(
                report,
                "warning",
                "UnsupportedItunesFormat",
                enclosure,
                parent="item",
                extension=extension,
            )


_ITUNES_FORMATS = frozenset({"m4a", "mp3", "mov", "mp4", "m4v", "pdf", "epub", "aac", "m4b"})


VOCABULARIES = (
    Vocabulary(
        frozenset({ITUNES, ITUNES_CASED}),
        _check_itunes,
        feed_once=frozenset(
            """itunes:explicit itunes:author itunes:block itunes:image itunes:owner
            itunes:summary itunes:subtitle itunes:type itunes:new-feed-url
            itunes:complete""".split()
        ),
        entry_once=frozenset(
            """itunes:explicit itunes:duration itunes:episode itunes:season
            itunes:episodeType itunes:block itunes:image itunes:summary itunes:subtitle
            itunes:author itunes:title""".split()
        ),
    ),
)

"""XHTML in feeds: ``xhtml:body`` holding an RSS item's content, and ``xhtml:meta``
robots directives on a feed or channel (the W3C validator's "meta" extension: a feed's
way to ask search engines not to index it)."""

from __future__ import annotations

from .. import markup
from ..namespaces import XHTML
from . import Ext, Vocabulary

ROBOTS_WORDS = frozenset(
    ("index", "noindex", "follow", "nofollow", "none", "all", "noarchive", "nosnippet")
    + ("noodp", "noydir", "noimageindex", "notranslate")
)


def _check_xhtml(x: Ext) -> None:
    if x.local == "body":
        markup.check_xhtml(x.report, x.el, element=x.name, parent=x.parent)
    elif x.local == "meta" and x.parent in ("feed", "channel"):
        _robots(x)


def _robots(x: Ext) -> None:
    name = x.el.get("name")
    content = x.el.get("content")
    for attr, value in (("name", name), ("content", content)):
        if value is None:
            x.err("MissingAttribute", attr=attr)
    if name is not None and name.lower() != "robots":
        x.err("InvalidMetaName", name="name", parent="xhtml_meta", value=name)
    if content is not None:
        words = {w.strip().lower() for w in content.split(",")}
        conflict = {"index", "noindex"} <= words or {"follow", "nofollow"} <= words
        if conflict or not words <= ROBOTS_WORDS:
            x.err("InvalidMetaContent", name="content", parent="xhtml_meta", value=content)


VOCABULARIES = (Vocabulary(frozenset({XHTML}), _check_xhtml),)

"""RSS 2.0 conformance (https://www.rssboard.org/rss-specification): one pass over the tree,
messages named like the W3C Feed Validation Service's.  Values are judged by the value
library (``values``, ``markup``), extension elements by their vocabulary's module
(``extensions``), atom:link by the rules of an Atom link."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Final

from lxml import etree

from . import extensions as ext
from . import markup, values
from . import namespaces as ns
from .ext import itunes
from .report import Report
from .tree import (
    attr_qname,
    elements_and_text,
    emit,
    iter_elements,
    line_of,
    namespace_of,
    qname,
    text_of,
)
from .values import Where
from .values import parse_rfc822 as parse_rfc822  # where tests and callers found it first

# --- structure ----------------------------------------------------------------------------

CHANNEL_ONCE: Final = frozenset(
    """title link description language copyright managingEditor webMaster pubDate
    lastBuildDate generator docs cloud ttl image rating textInput skipHours skipDays""".split()
)
ITEM_ONCE: Final = frozenset("title link description author comments guid pubDate source".split())
ITEM_MANY: Final = frozenset({"category", "enclosure"})
IMAGE_CHILDREN: Final = frozenset({"url", "title", "link", "width", "height", "description"})
TEXTINPUT_CHILDREN: Final = frozenset({"title", "description", "name", "link"})
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
RSS_VERSIONS: Final = frozenset({"2.0", "2.0.1", "0.91", "0.92", "0.93", "0.94"})

#: (core, extension) pairs that say the same thing about a channel / an item
CHANNEL_SEMANTICS: Final = (
    ("pubDate", "dc:date"),
    ("language", "dc:language"),
    ("copyright", "dc:rights"),
    ("managingEditor", "dc:creator"),
    ("webMaster", "dc:publisher"),
    ("generator", "admin:generatorAgent"),
    ("lastBuildDate", "dcterms:modified"),
    ("creativeCommons:license", "cc:license"),
)
ITEM_SEMANTICS: Final = (
    ("guid", "atom:id"),
    ("pubDate", "dc:date"),
    ("pubDate", "atom:published"),
    ("author", "dc:creator"),
    ("category", "dc:subject"),
    ("source", "dc:source"),
    ("creativeCommons:license", "cc:license"),
)
#: the attributes RSS 2.0 defines, per element
ATTRIBUTES: Final = {
    "cloud": frozenset({"domain", "port", "path", "registerProcedure", "protocol"}),
    "category": frozenset({"domain"}),
    "source": frozenset({"url"}),
    "enclosure": frozenset({"url", "length", "type"}),
    "guid": frozenset({"isPermaLink"}),
}
#: what a channel / an item may hold once, its own elements and the extensions'
_CHANNEL_ONCE_ALL: Final = CHANNEL_ONCE | ext.CHANNEL_ONCE
_ITEM_ONCE_ALL: Final = ITEM_ONCE | ext.ITEM_ONCE
_FORM_NAME_START = re.compile(r"[A-Za-z]")
#: channel children that hold elements; the others hold text only
_CONTAINERS: Final = frozenset({"image", "textInput", "skipHours", "skipDays", "cloud"})
_IMAGE_FORMATS = re.compile(r"\.(?:jpe?g|gif|png)$", re.I)
_XML_ATTRIBUTE = f"{{{ns.XML}}}"
_NONE: Final = frozenset[str]()
_SHORT_NUMBER = re.compile("[0-9]{1,7}")


class _RssChecker:
    """State for one document: the channel's link and title, guids seen, the profile."""

    def __init__(self, report: Report, base_url: str | None) -> None:
        self.report = report
        self.base_url = base_url
        self.channel_link = ""
        self.channel_title = ""
        self.guids: set[str] = set()
        self.rssboard_profile = False
        self.extensions = ext.Extensions(report, base_url, rss=True)

    # helpers ------------------------------------------------------------------------
    def err(self, code: str, el: etree._Element, name: str, parent: str, **kw: str | None) -> None:
        emit(self.report, "error", code, el, name=name, parent=parent, **kw)

    def warn(self, code: str, el: etree._Element, name: str, parent: str, **kw: str | None) -> None:
        emit(self.report, "warning", code, el, name=name, parent=parent, **kw)

    def unexpected_text(self, el: etree._Element, parent: str) -> list[etree._Element]:
        """UnexpectedText for text of its own in ``el``; its child elements."""
        children, text = elements_and_text(el)
        if text:
            self.err("UnexpectedText", el, qname(el), parent)
        return children

    def foreign_attrs(self, el: etree._Element, allowed: frozenset[str]) -> None:
        keys = el.keys()
        if not keys or allowed.issuperset(keys):  # most often: nothing to say
            return
        for attr in map(str, keys):
            if attr in allowed:
                continue
            if attr.startswith("{"):
                if attr.startswith(_XML_ATTRIBUTE):
                    continue
                if not self.rssboard_profile:
                    parent = el.getparent()
                    self.warn(
                        "UseOfExtensionAttr",
                        el,
                        qname(el),
                        qname(parent) if parent is not None else "root",
                        attr=attr_qname(attr, el),
                    )
            else:
                self.err("UnexpectedAttribute", el, qname(el), "", attr=attr)

    @staticmethod
    def at(el: etree._Element, name: str, parent: str, attr: str | None = None) -> Where:
        """Where a value stands, as message params."""
        return {"element": name, "parent": parent, "attr": attr, "line": line_of(el)}

    def url(
        self,
        el: etree._Element,
        name: str,
        parent: str,
        value: str | None = None,
        *,
        error: str | None = None,
    ) -> None:
        """An absolute URL (RSS 2.0 links are URLs, not IRIs)."""
        value = (text_of(el) if value is None else value).strip()
        values.check_uri(
            self.report, value, iri=False, full=True, error=error, **self.at(el, name, parent)
        )

    def plain(self, el: etree._Element, name: str, parent: str) -> str:
        value = text_of(el)
        markup.check_plain_text(
            self.report, value, character_data=True, **self.at(el, name, parent)
        )
        return value

    def not_blank(self, el: etree._Element, name: str, parent: str) -> str:
        value = text_of(el)
        if not value.strip():
            self.warn("NotBlank", el, name, parent)
        return value

    def plain_not_blank(self, el: etree._Element, name: str, parent: str) -> None:
        """``not_blank`` then ``plain``, the element's text read once (a title, a category)."""
        value = self.not_blank(el, name, parent)
        if "<" in value or "&" in value:  # else ``check_plain_text`` has nothing to say
            markup.check_plain_text(
                self.report, value, character_data=True, **self.at(el, name, parent)
            )

    def date(self, el: etree._Element, name: str, parent: str) -> None:
        values.check_date_rfc822(self.report, text_of(el), **self.at(el, name, parent))

    def contact(self, el: etree._Element, name: str, parent: str) -> None:
        values.check_contact(self.report, text_of(el), **self.at(el, name, parent))
        self.plain(el, name, parent)

    def html(self, el: etree._Element, name: str, parent: str) -> None:
        # W3C: relative references in escaped HTML are a warning unless xml:base says what
        # they are relative to (the document's own URL is not enough for many readers).
        markup.check_html(
            self.report,
            text_of(el),
            rel_refs=self.extensions.bases.at(el)[0] is None,
            **self.at(el, name, parent),
        )

    def counted(
        self,
        el: etree._Element,
        parent: str,
        once: frozenset[str],
        seen: defaultdict[str, int],
    ) -> str:
        """The child's name, after reporting a second occurrence of a once-only child."""
        name = qname(el)
        seen[name] += 1
        if seen[name] == 2 and name in once:
            self.err("DuplicateElement", el, name, parent)
        return name

    # document -----------------------------------------------------------------------
    def rss(self, root: etree._Element) -> None:
        docs = root.find("channel/docs")
        self.rssboard_profile = docs is not None and "rssboard.org" in (docs.text or "")
        version = root.get("version")
        if version is None:
            self.err("MissingAttribute", root, "rss", "root", attr="version")
        elif version.strip() not in RSS_VERSIONS:
            self.err("InvalidRSSVersion", root, "rss", "root", value=version)
        self.foreign_attrs(root, frozenset({"version"}))
        self.unexpected_text(root, "root")
        ns.check_declarations(self.report, root, atom=False)
        channels = 0
        for child in iter_elements(root):
            name = qname(child)
            if child.tag == "channel":
                channels += 1
                if channels == 2:
                    self.err("DuplicateElement", child, "channel", "rss")
                self.channel(child)
            elif namespace_of(child):
                self.extensions.check(child, "rss")
            else:
                self.err("UndefinedElement", child, name, "rss")
        if channels == 0:
            self.err("MissingElement", root, "channel", "rss")

    def channel(self, channel: etree._Element) -> None:
        self.channel_link = (channel.findtext("link") or "").strip()
        self.channel_title = (channel.findtext("title") or "").strip()
        self.foreign_attrs(channel, _NONE)
        children = self.unexpected_text(channel, "rss")
        seen: defaultdict[str, int] = defaultdict(int)
        item_seen = False
        misplaced = False
        has_self = False
        slash_comments = False
        for child in children:
            name = self.counted(child, "channel", _CHANNEL_ONCE_ALL, seen)
            if name == "item":
                item_seen = True
                slash_comments |= self.item(child)
                continue
            if item_seen and not misplaced:
                misplaced = True
                self.warn("MisplacedItem", child, name, "channel")
            if namespace_of(child):
                if name == "atom:link" and child.get("rel") == "self":
                    has_self = True
                self.extensions.check(child, "channel")
                continue
            self.channel_child(child, name)
        for required, code in (
            ("title", "MissingTitle"),
            ("link", "MissingLink"),
            ("description", "MissingDescription"),
        ):
            if not seen[required]:
                self.err(code, channel, required, "channel")
        for core, extension in CHANNEL_SEMANTICS:
            if seen[core] and seen[extension]:
                emit(
                    self.report,
                    "warning",
                    "DuplicateSemantics",
                    channel,
                    name=extension,
                    parent="channel",
                    core=core,
                    ext=extension,
                )
        if not has_self:
            emit(
                self.report, "warning", "MissingAtomSelfLink", channel, name="channel", parent="rss"
            )
        rss = channel.getparent()
        if not (
            seen["language"]
            or seen["dc:language"]
            or channel.get(f"{{{ns.XML}}}lang")
            or (rss is not None and rss.get(f"{{{ns.XML}}}lang"))
        ):
            emit(
                self.report, "info", "MissingDCLanguage", channel, name="language", parent="channel"
            )
        if ns.ITUNES in (channel.nsmap or {}).values():
            itunes.check_itunes_channel(self.report, channel)
        if slash_comments and not seen["lastBuildDate"]:
            emit(
                self.report, "warning", "SlashDate", channel, name="lastBuildDate", parent="channel"
            )

    def leaf(self, el: etree._Element, name: str) -> None:
        """RSS 2.0's elements of text hold no elements: each one in them is
        UndefinedElement (``<description><p>...</p></description>``, unescaped HTML)."""
        if len(el):
            for child in iter_elements(el):
                self.err("UndefinedElement", child, qname(child), name)

    def channel_child(self, el: etree._Element, name: str) -> None:
        if name not in CHANNEL_ONCE and name != "category":
            self.err("NoBlink" if name == "blink" else "UndefinedElement", el, name, "channel")
            return
        self.foreign_attrs(el, ATTRIBUTES.get(name, frozenset()))
        if name not in _CONTAINERS:
            self.leaf(el, name)
        if name == "title":
            self.plain_not_blank(el, name, "channel")
        elif name == "description":
            self.plain(el, name, "channel")
        elif name in ("link", "docs"):
            self.url(el, name, "channel")
        elif name == "language":
            values.check_language(self.report, text_of(el).strip(), **self.at(el, name, "channel"))
        elif name in ("managingEditor", "webMaster"):
            self.contact(el, name, "channel")
        elif name in ("pubDate", "lastBuildDate"):
            self.date(el, name, "channel")
        elif name == "ttl":
            value = text_of(el)
            if not value.strip():
                self.warn("NotBlank", el, name, "channel")
            else:
                number = values.int_value(value)
                if number is None or number <= 0:
                    self.err("InvalidPositiveInteger", el, name, "channel", value=value)
        elif name == "category":
            self.category(el, "channel")
        elif name in ("copyright", "generator", "rating"):
            self.plain(el, name, "channel")
        elif name == "cloud":
            self.cloud(el)
        elif name == "image":
            self.image(el)
        elif name == "textInput":
            self.text_input(el)
        elif name == "skipHours":
            self.skip_hours(el)
        elif name == "skipDays":
            self.skip_days(el)

    def category(self, el: etree._Element, parent: str) -> None:
        self.plain_not_blank(el, "category", parent)

    def cloud(self, el: etree._Element) -> None:
        for attr in ("domain", "port", "path", "registerProcedure", "protocol"):
            if el.get(attr) is None:
                self.err("MissingAttribute", el, "cloud", "channel", attr=attr)
        port = el.get("port")
        if port is not None:
            number = values.int_value(port)
            if number is None or number <= 0:
                self.err("InvalidIntegerAttribute", el, "cloud", "channel", attr="port", value=port)
        self.unexpected_text(el, "channel")

    def image(self, image: etree._Element) -> None:
        self.unexpected_text(image, "channel")
        seen: defaultdict[str, int] = defaultdict(int)
        for child in iter_elements(image):
            name = self.counted(child, "image", IMAGE_CHILDREN, seen)
            if namespace_of(child):
                self.extensions.check(child, "image")
                continue
            if name not in IMAGE_CHILDREN:
                self.err("UndefinedElement", child, name, "image")
                continue
            self.leaf(child, name)
            value = text_of(child).strip()
            if name == "url":
                self.url(child, name, "image")
                # as the W3C validator: a name with no extension may well be an image
                last = value.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
                if "." in last and not _IMAGE_FORMATS.search(last):
                    self.warn("ImageUrlFormat", child, name, "image", value=value)
            elif name == "link":
                self.url(child, name, "image")
                if self.channel_link and value and value != self.channel_link:
                    self.warn("ImageLinkDoesntMatch", child, name, "image", value=value)
            elif name == "title":
                self.plain_not_blank(child, name, "image")
                if self.channel_title and value != self.channel_title:
                    self.warn("ImageTitleDoesntMatch", child, name, "image", value=value)
            elif name == "description":
                self.plain(child, name, "image")
            else:
                limit = 144 if name == "width" else 400
                number = values.int_value(value)
                if number is None or not 0 < number <= limit:
                    code = "InvalidWidth" if name == "width" else "InvalidHeight"
                    self.err(code, child, name, "image", value=value)
        for required, code in (
            ("url", "MissingElement"),
            ("title", "MissingTitle"),
            ("link", "MissingLink"),
        ):
            if not seen[required]:
                self.err(code, image, required, "image")

    def text_input(self, box: etree._Element) -> None:
        self.warn("AvoidTextInput", box, "textInput", "channel")
        self.unexpected_text(box, "channel")
        seen: defaultdict[str, int] = defaultdict(int)
        for child in iter_elements(box):
            name = self.counted(child, "textInput", TEXTINPUT_CHILDREN, seen)
            if namespace_of(child):
                self.extensions.check(child, "textInput")
            elif name not in TEXTINPUT_CHILDREN:
                self.err("UndefinedElement", child, name, "textInput")
            elif name == "link":
                self.leaf(child, name)
                self.url(child, name, "textInput")
            elif name == "name":
                self.leaf(child, name)
                # RSS 2.0 gives it no syntax: only a name that cannot start a form
                # control's name is refused, as by the W3C validator ("a b" passes).
                if not _FORM_NAME_START.match(text_of(child).strip()):
                    self.err(
                        "InvalidFormComponentName", child, name, "textInput", value=text_of(child)
                    )
            else:
                self.leaf(child, name)
                self.plain(child, name, "textInput")
        for required, code in (
            ("title", "MissingTitle"),
            ("description", "MissingDescription"),
            ("name", "MissingElement"),
            ("link", "MissingLink"),
        ):
            if not seen[required]:
                self.err(code, box, required, "textInput")

    def skip_hours(self, el: etree._Element) -> None:
        self.unexpected_text(el, "channel")
        hours: set[int] = set()
        count = 0
        for child in iter_elements(el):
            name = qname(child)
            if name != "hour":
                self.err("UndefinedElement", child, name, "skipHours")
                continue
            count += 1
            value = text_of(child).strip()
            number = values.int_value(value)
            if number is None or not 0 <= number <= 24:
                self.err("InvalidHour", child, name, "skipHours", value=value)
                continue
            if number == 24:
                self.warn("UseZeroForMidnight", child, name, "skipHours", value=value)
                number = 0
            if number in hours:
                self.err("DuplicateValue", child, name, "skipHours", value=value)
            hours.add(number)
        if count > 24:
            self.err("NotEnoughHoursInTheDay", el, "skipHours", "channel")
        if count == 0:
            self.err("MissingElement", el, "hour", "skipHours")

    def skip_days(self, el: etree._Element) -> None:
        self.unexpected_text(el, "channel")
        days: set[str] = set()
        count = 0
        for child in iter_elements(el):
            name = qname(child)
            if name != "day":
                self.err("UndefinedElement", child, name, "skipDays")
                continue
            count += 1
            value = text_of(child).strip()
            if value not in WEEKDAYS:
                self.err("InvalidDay", child, name, "skipDays", value=value)
            elif value in days:
                self.err("DuplicateValue", child, name, "skipDays", value=value)
            days.add(value)
        if count > 7:
            self.err("EightDaysAWeek", el, "skipDays", "channel")
        if count == 0:
            self.err("MissingElement", el, "day", "skipDays")

    # items ---------------------------------------------------------------------------
    def item(self, item: etree._Element) -> bool:
        """Check one item; True when it carries slash:comments."""
        self.foreign_attrs(item, _NONE)
        children = self.unexpected_text(item, "channel")
        seen: defaultdict[str, int] = defaultdict(int)
        description_seen = False
        for child in children:
            name = self.counted(child, "item", _ITEM_ONCE_ALL, seen)
            if name == "description":
                description_seen = True
            if namespace_of(child):
                if name == "content:encoded" and not description_seen:
                    self.warn("NeedDescriptionBeforeContent", child, name, "item")
                self.extensions.check(child, "item")
                continue
            self.item_child(child, name)
        if not seen["title"] and not seen["description"]:
            self.err("ItemMustContainTitleOrDescription", item, "item", "channel")
        if not seen["guid"]:
            self.warn("MissingGuid", item, "guid", "item")
        if seen["enclosure"] > 1:
            self.warn("DuplicateEnclosure", item, "enclosure", "item")
        for core, extension in ITEM_SEMANTICS:
            if seen[core] and seen[extension]:
                emit(
                    self.report,
                    "warning",
                    "DuplicateItemSemantics",
                    item,
                    name=extension,
                    parent="item",
                    core=core,
                    ext=extension,
                )
        if seen["description"] or seen["content:encoded"]:
            for other in ("atom:content", "xhtml:body"):
                if seen[other] and not (other == "atom:content" and self._has_src(item)):
                    emit(
                        self.report,
                        "warning",
                        "DuplicateDescriptionSemantics",
                        item,
                        name=other,
                        parent="item",
                    )
        return bool(seen["slash:comments"])

    @staticmethod
    def _has_src(item: etree._Element) -> bool:
        content = item.find(f"{{{ns.ATOM}}}content")
        return content is not None and content.get("src") is not None

    def item_child(self, el: etree._Element, name: str) -> None:
        if name not in ITEM_ONCE and name not in ITEM_MANY:
            self.err("UndefinedElement", el, name, "item")
            return
        self.foreign_attrs(el, ATTRIBUTES.get(name, _NONE))
        self.leaf(el, name)
        if name == "title":
            self.plain_not_blank(el, name, "item")
        elif name == "description":
            self.html(el, name, "item")
        elif name in ("link", "comments"):
            self.url(el, name, "item")
        elif name == "author":
            self.contact(el, name, "item")
        elif name == "pubDate":
            self.date(el, name, "item")
        elif name == "category":
            self.category(el, "item")
        elif name == "guid":
            self.guid(el)
        elif name == "source":
            self.source(el)
        elif name == "enclosure":
            self.enclosure(el)

    def guid(self, el: etree._Element) -> None:
        value = text_of(el).strip()
        permalink = el.get("isPermaLink")
        if permalink is not None and permalink not in ("true", "false"):
            self.err(
                "InvalidBooleanAttribute", el, "guid", "item", attr="isPermaLink", value=permalink
            )
        if not value:
            self.warn("NotBlank", el, "guid", "item")
        if permalink == "false":
            if _SHORT_NUMBER.fullmatch(value):
                self.warn("NotSufficientlyUnique", el, "guid", "item", value=value)
        elif not values.is_absolute(value):
            self.err("InvalidHttpGUID", el, "guid", "item", value=value)
        else:
            scheme = value.split(":", 1)[0].lower()
            if scheme not in ("http", "https", "ftp"):
                self.err("InvalidPermalink", el, "guid", "item", value=value)
            else:
                self.url(el, "guid", "item", value)
        if value:
            if value in self.guids:
                self.err("DuplicateValue", el, "guid", "item", value=value)
            self.guids.add(value)

    def source(self, el: etree._Element) -> None:
        url = el.get("url")
        if url is None:
            self.err("MissingAttribute", el, "source", "item", attr="url")
        else:
            self.url(el, "url", "source", url)
        self.plain(el, "source", "item")

    def enclosure(self, el: etree._Element) -> None:
        url = el.get("url")
        if url is None:
            self.err("MissingAttribute", el, "enclosure", "item", attr="url")
        else:
            self.url(el, "url", "enclosure", url, error="InvalidURLAttribute")
        length = el.get("length")
        if length is None:
            self.err("MissingAttribute", el, "enclosure", "item", attr="length")
        else:
            number = values.int_value(length)
            if number is None:
                self.err(
                    "InvalidIntegerAttribute", el, "enclosure", "item", attr="length", value=length
                )
            elif number < 0:  # the W3C's hint: 0 means "unknown"
                self.err("UseZeroForUnknown", el, "length", "enclosure", value=length)
        kind = el.get("type")
        if kind is None:
            self.err("MissingAttribute", el, "enclosure", "item", attr="type")
        else:
            values.check_mime_type(
                self.report,
                kind,
                code="InvalidMIMEAttribute",
                **self.at(el, "enclosure", "item", "type"),
            )


def check(tree: etree._ElementTree, report: Report, base_url: str | None) -> None:
    """Check an RSS 2.0 document whose root is ``rss`` (in no namespace, as it must be)."""
    root = tree.getroot()
    foreign = namespace_of(root)
    if foreign:
        emit(report, "error", "InvalidNamespace", root, name="rss", parent="root", value=foreign)
        # Judged on, as an Atom feed in the wrong namespace is: as if in none.
        prefix = f"{{{foreign}}}"
        for el in list(root.iter(f"{prefix}*")):
            el.tag = str(el.tag)[len(prefix) :]
    _RssChecker(report, base_url).rss(root)

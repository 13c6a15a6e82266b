"""The portal's own rules, on top of the specs (profile ``portal``).

Dates carry the Asia/Ho_Chi_Minh offset of their instant and are not in the future;
every entry has related links (absolute, not to itself); text is NFC without U+FFFD or
control characters; ids are ``tag:`` URIs that never change; entries within the limit;
and the Atom and RSS of one feed list the same ids in the same order (``check_pair``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import Any, cast
from urllib.parse import urlsplit

from lxml import etree

from ..model import Site
from ..timezone import ZONE_NAME, last_transition, local_offset, named_zone
from ..urls import same_page
from .namespaces import ATOM, DC, DCTERMS, FH
from .report import Message, Report
from .tree import line_of as _line
from .tree import local_name, split_tag
from .values import (
    MEMO_MAX_CHARS,
    MEMO_SIZE,
    is_plain_http_url,
    is_tag_uri,
    parse_rfc822,
    parse_rfc3339,
    parse_w3cdtf,
    remembered,
)
from .xmlparse import parse_xml


def _w3cdtf_instant(text: str) -> datetime | None:
    moment = parse_w3cdtf(text)
    return moment if moment is not None and moment.tzinfo is not None else None


# The date elements, each with the value library's reader of its format: the instant
# with its offset kept, None when unreadable (the spec rules say why) or without an offset.
_DATE_READERS: dict[str, Callable[[str], datetime | None]] = {
    f"{{{ATOM}}}updated": parse_rfc3339,
    f"{{{ATOM}}}published": parse_rfc3339,
    f"{{{DC}}}date": _w3cdtf_instant,
    f"{{{DCTERMS}}}created": _w3cdtf_instant,
    f"{{{DCTERMS}}}modified": _w3cdtf_instant,
    f"{{{DCTERMS}}}issued": _w3cdtf_instant,
    "pubDate": lambda text: parse_rfc822(text)[1],
    "lastBuildDate": lambda text: parse_rfc822(text)[1],
}
_JSON_DATES = ("date_published", "date_modified")  # RFC 3339

# C0 (XML lets through tab, LF, CR only; JSON lets through all) and C1 controls, DEL
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class PortalPolicy:
    """What the portal promises of its own feeds.

    ``max_entries`` bounds a feed, ``max_archive_entries`` an RFC 5005 archive page
    (a document marked ``<fh:archive/>``); ``now`` is the build time (None: the clock
    at check time); ``published_ids`` maps an article URL to the entry id published
    for it before, so a changed id is caught.
    """

    max_entries: int = 50
    max_archive_entries: int = 100
    now: datetime | None = None
    zone: str = ZONE_NAME
    published_ids: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.now is not None and self.now.utcoffset() is None:
            raise ValueError(f"PortalPolicy.now must be timezone-aware, got {self.now!r}")

    @classmethod
    def for_site(cls, site: Site, now: datetime | None = None) -> PortalPolicy:
        """The policy of the site's own feeds.  A current document of an archived feed
        may hold up to a page of entries beyond ``entries_per_feed`` (RFC 5005: every
        entry newer than the last full archive page stays reachable)."""
        return cls(
            max_entries=max(site.entries_per_feed, site.archive_page_size),
            max_archive_entries=site.archive_page_size,
            now=now,
            zone=site.timezone,
        )

    def offset_at(self, moment: datetime) -> timedelta:
        """The zone's UTC offset in force at that instant (1960: +08:00)."""
        return _offset_at(self.zone, moment)


def _offset_at(zone_name: str, moment: datetime) -> timedelta:
    """``PortalPolicy.offset_at``: after the zone's last transition, the offset pytz gives
    every later instant (its conversion costs ~5 us, and most of a feed's dates are
    there); before it, remembered by instant."""
    last = _last_transition(zone_name)
    if last is not None and moment.utcoffset() is not None and moment >= last[0]:
        return last[1]
    return _offset_before(zone_name, moment)


@lru_cache(maxsize=16)
def _last_transition(zone_name: str) -> tuple[datetime, timedelta] | None:
    """``timezone.last_transition`` of the zone named, once per zone, its time aware (UTC)
    to compare with a feed's aware dates."""
    last = last_transition(named_zone(zone_name))
    return None if last is None else (last[0].replace(tzinfo=UTC), last[1])


@lru_cache(maxsize=MEMO_SIZE)
def _offset_before(zone_name: str, moment: datetime) -> timedelta:
    """``_offset_at`` through pytz, remembered by instant (aware datetimes hash and compare
    as instants): a feed repeats its dates, an entry's updated and published alike."""
    if zone_name == ZONE_NAME:
        return local_offset(moment)
    found = named_zone(zone_name)
    offset = found.normalize(moment.astimezone(found)).utcoffset()
    assert offset is not None
    return offset


def check_policy(
    report: Report,
    document: Any,
    policy: PortalPolicy | None = None,
    *,
    source: bytes | None = None,
) -> None:
    """Add the portal-policy messages for one parsed document: an lxml tree (Atom, RSS)
    or the decoded JSON of a JSON Feed.  Documents of other shapes are left alone.
    ``source``, the document's bytes when at hand, makes the text rules quicker."""
    policy = policy or PortalPolicy()
    now = policy.now or datetime.now(UTC)
    if isinstance(document, etree._ElementTree):
        document = document.getroot()
    if isinstance(document, etree._Element):
        _check_xml(report, document, policy, now, source)
    elif isinstance(document, dict):
        _check_json(report, document, policy, now, source)


def check_pair(atom_bytes: bytes, rss_bytes: bytes) -> list[Message]:
    """``EntryIdsDiffer`` when the Atom and RSS of one feed do not list the same entry
    ids in the same order; the parse errors of either when it cannot be read."""
    report = Report()
    atom_tree = parse_xml(atom_bytes, (atom_report := Report()))
    rss_tree = parse_xml(rss_bytes, (rss_report := Report()))
    if atom_tree is None or rss_tree is None:
        return atom_report.errors + rss_report.errors
    atom_ids = [
        (entry.findtext(f"{{{ATOM}}}id") or "").strip()
        for entry in atom_tree.getroot().iterfind(f"{{{ATOM}}}entry")
    ]
    rss_ids = [
        (item.findtext("guid") or "").strip()
        for item in rss_tree.getroot().iterfind("channel/item")
    ]
    if atom_ids != rss_ids:
        first = next(
            (
                i
                for i, pair in enumerate(zip(atom_ids, rss_ids, strict=False))
                if pair[0] != pair[1]
            ),
            min(len(atom_ids), len(rss_ids)),
        )
        atom_at = atom_ids[first] if first < len(atom_ids) else "(none)"
        rss_at = rss_ids[first] if first < len(rss_ids) else "(none)"
        report.error(
            "EntryIdsDiffer",
            element="entry",
            value=f"entry {first + 1}: atom {atom_at}, rss {rss_at}",
            reason=(
                f"Atom lists {len(atom_ids)} ids, RSS {len(rss_ids)}; they first differ at "
                f"entry {first + 1}"
            ),
        )
    return list(report.messages)


# -- XML (Atom and RSS) ----------------------------------------------------------------


def _check_xml(
    report: Report,
    root: etree._Element,
    policy: PortalPolicy,
    now: datetime,
    source: bytes | None,
) -> None:
    if _source_clean(root, source) or _all_clean(root):
        # Nothing to say about any text: only the dates are read, in document order.
        quiet = _quiet_dates(policy, now)
        for element in root.iter(*_DATE_READERS):
            text = element.text
            if text:
                moment = _DATE_READERS[element.tag](text.strip())
                if moment is not None and not quiet(moment):
                    _check_date(report, moment, text.strip(), partial(_where, element), policy, now)
    else:
        _check_xml_texts(report, root, policy, now)
    _check_entries(report, root, policy)


def _all_clean(root: etree._Element) -> bool:
    """Is every text, tail and attribute value of the document clean (``_clean``)?  One
    look at all of them joined by a line feed, which neither composes with a neighbour
    under NFC nor is a control character here: each part is clean exactly when the
    whole is."""
    parts = cast(list[str], [*root.itertext(), *cast(list[str], _ATTRIBUTE_VALUES(root))])
    whole = "\n".join(parts)
    return _clean(whole)


_ATTRIBUTE_VALUES = etree.XPath("//@*")


def _source_clean(root: etree._Element, source: bytes | None) -> bool:
    """``_all_clean`` judged on the document's UTF-8 bytes themselves, quicker: each text
    and attribute value is a part of them but for what the parser puts in place of a
    reference, so only a source with no character reference, no DOCTYPE (no entities of
    its own) and no U+0338 (which composes with the ``<`` of ``&lt;``, the ``>`` of
    ``&gt;``) is judged so (``_utf8_clean``).  False: look closer."""
    if source is None:
        return False
    docinfo = root.getroottree().docinfo
    if (docinfo.encoding or "").lower() != "utf-8" or docinfo.doctype:  # type: ignore[attr-defined]
        return False
    declared = _DECLARED_ENCODING.match(source)
    if declared is not None and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return False
    return _utf8_clean(source, _XML_ESCAPES)


# What makes a part of the source differ from the text read from it in other ways than
# those _utf8_clean allows for: XML's character references (its entities come with a
# DOCTYPE, which _source_clean looks for) and U+0338; each with a byte of it that is
# rare there (a one-byte search is ~50x quicker than a search for two).
_XML_ESCAPES = ((b"&#", b"#"), (b"\xcc\xb8", b"\xcc"))
# JSON's escapes of any character (\u) and of controls (\b, \f); its others (\" \\ \/
# \n \r \t) stand for an ASCII character that composes with nothing and is no control
# here, in place of one that would compose with what follows only in text not NFC.
_JSON_ESCAPES = ((b"\\u", b"\\"), (b"\\b", b"\\"), (b"\\f", b"\\"))


def _utf8_clean(source: bytes, escapes: tuple[tuple[bytes, bytes], ...]) -> bool:
    """Is every string read from ``source`` (UTF-8 bytes its reader accepted) clean
    (``_clean``), as far as the bytes show: none of ``escapes``, no control, no U+FFFD,
    valid UTF-8 and NFC.  A part of NFC text is NFC, and holds no character the whole
    does not.  False: look closer."""
    if any(rare in source and escape in source for escape, rare in escapes):
        return False
    return _utf8_plain(source) or _utf8_nfc(source)


def _utf8_nfc(source: bytes) -> bool:
    """``_utf8_clean`` but for the escapes, in full: no control, no U+FFFD, valid UTF-8
    and NFC."""
    if source.translate(None, _NOT_CONTROL) or (b"\xef" in source and b"\xef\xbf\xbd" in source):
        return False  # a C0 control or DEL; U+FFFD
    if b"\xc2" in source and _C1_UTF8.search(source):
        return False
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return text.isascii() or unicodedata.is_normalized("NFC", text)


def _utf8_plain(source: bytes) -> bool:
    """A quicker verdict for ``_utf8_clean`` on most of the portal's text: True when
    ``source``, UTF-8 its reader accepted (libxml2 does not build a tree of bytes that
    are not, nor json.loads a document), holds but ASCII without controls and
    ``_PLAIN`` characters.  Each of those is NFC whatever stands around it (it has
    combining class 0 and composes with no character before it), so all of them together
    are; none is a control or U+FFFD.  Only the bytes that are no such ASCII are decoded
    and looked at.  False: look closer."""
    try:
        rest = source.translate(None, _PLAIN_ASCII).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _PLAIN.fullmatch(rest) is not None


# ASCII but _CONTROL's controls (C0 but tab, LF, CR; DEL).
_PLAIN_ASCII = bytes(b for b in range(0x80) if 0x20 <= b < 0x7F or b in (9, 10, 13))
# Non-ASCII characters of combining class 0 that compose with no character before them
# and are NFC alone (tests/test_validator_fast_paths.py holds them to unicodedata's
# tables): Latin-1's letters and signs, Latin Extended-A and B, IPA, spacing modifiers;
# Latin Extended Additional (Vietnamese); dashes, quotes, dots and other punctuation;
# currency signs (the dong).
_PLAIN = re.compile("[\u00a0-\u02ff\u1e00-\u1eff\u2010-\u2027\u2030-\u205e\u20a0-\u20bf]*")


_DECLARED_ENCODING = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)")
# The bytes that are not those of _CONTROL's C0 controls and DEL (C1 is two bytes in UTF-8).
_NOT_CONTROL = bytes(b for b in range(256) if not (b < 0x20 and b not in (9, 10, 13) or b == 0x7F))
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


def _check_xml_texts(
    report: Report, root: etree._Element, policy: PortalPolicy, now: datetime
) -> None:
    # One pass over every element; where-parameters are built only for a fault found.
    for element in root.iter(etree.Element):
        tag = element.tag
        text = element.text
        if text and not _clean(text):
            _check_text(report, text, _where(element))
        tail = element.tail
        if tail and not _clean(tail):
            parent = element.getparent()
            if parent is not None:
                _check_text(report, tail, _where(parent))
        for name, value in element.items():
            if isinstance(value, str) and not _clean(value):
                _check_text(report, value, {**_where(element), "attr": split_tag(str(name))[1]})
        reader = _DATE_READERS.get(tag) if isinstance(tag, str) else None
        if reader is not None and text:
            moment = reader(text.strip())
            if moment is not None:
                _check_date(report, moment, text.strip(), partial(_where, element), policy, now)


def _check_entries(report: Report, root: etree._Element, policy: PortalPolicy) -> None:
    if root.tag == _ATOM_FEED:
        _check_id(report, _first_text(root, _ATOM_ID), "id", "feed", _line(root))
        entries = list(root.iterchildren(_ATOM_ENTRY))
        ids = [_check_atom_entry(report, entry, policy) for entry in entries]
    elif root.tag == "rss":
        entries = root.findall("channel/item")
        ids = [_check_rss_item(report, item, policy) for item in entries]
    else:
        return
    _check_unique_ids(report, entries, ids, root.tag == "rss")
    archive = root.find(f"{{{FH}}}archive") is not None or (
        root.find(f"channel/{{{FH}}}archive") is not None
    )
    limit = policy.max_archive_entries if archive else policy.max_entries
    if len(entries) > limit:
        report.error(
            "TooManyEntries",
            element="entry" if root.tag != "rss" else "item",
            value=str(len(entries)),
            reason=f"{len(entries)} entries, the limit is {limit}"
            + (" for an archive page" if archive else ""),
        )


def _first_text(element: etree._Element, tag: str) -> str | None:
    """``element.findtext(tag)`` (the text of its first child of that tag, "" for none;
    None without one), quicker than ElementPath."""
    for child in element.iterchildren(tag):
        return child.text or ""
    return None


_ATOM_FEED = f"{{{ATOM}}}feed"
_ATOM_ENTRY = f"{{{ATOM}}}entry"
_ATOM_ID = f"{{{ATOM}}}id"
_ATOM_LINK = f"{{{ATOM}}}link"


def _check_atom_entry(report: Report, entry: etree._Element, policy: PortalPolicy) -> str | None:
    """The entry's rules; its id as written (None without one)."""
    entry_id: str | None = None
    own: set[str] = set()
    related: list[tuple[str, etree._Element | None]] = []
    # one look at each id and link (alternate, related), the first id the entry's
    for child in entry.iterchildren(_ATOM_ID, _ATOM_LINK):
        if child.tag == _ATOM_ID:
            if entry_id is None:
                entry_id = child.text or ""
            continue
        rel = child.get("rel")
        if rel is None or rel == "alternate":
            own.add(child.get("href", ""))
        elif rel == "related":
            related.append((child.get("href", ""), child))
    line = _line(entry)
    _check_id(report, entry_id, "id", "entry", line)
    _check_related(report, related, own, "entry", line)
    _check_stable(report, entry_id, own, "entry", line, policy)
    return entry_id


def _check_rss_item(report: Report, item: etree._Element, policy: PortalPolicy) -> str | None:
    """The item's rules; its guid as written (None without one)."""
    guid = next(item.iterchildren("guid"), None)
    guid_text = guid.text if guid is not None else None
    line = _line(item)
    _check_id(report, guid_text, "guid", "item", line)
    own = {(_first_text(item, "link") or "").strip()} - {""}
    if guid is not None and guid.get("isPermaLink", "true") == "true" and guid_text:
        own.add(guid_text.strip())
    related: list[tuple[str, etree._Element | None]] = [
        (link.get("href", ""), link)
        for link in item.iterchildren(_ATOM_LINK)
        if link.get("rel") == "related"
    ]
    _check_related(report, related, own, "item", line)
    _check_stable(report, guid_text, own, "item", line, policy)
    return guid_text


# -- JSON Feed ---------------------------------------------------------------------------


def _check_json(
    report: Report,
    document: dict[str, Any],
    policy: PortalPolicy,
    now: datetime,
    source: bytes | None,
) -> None:
    if source is None or not _utf8_clean(source, _JSON_ESCAPES):
        for path, text in _json_strings(document, "feed", "root"):
            if not _clean(text):
                _check_text(report, text, path)
    items = document.get("items")
    if not isinstance(items, list):
        return
    quiet = _quiet_dates(policy, now)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        for name in _JSON_DATES:
            value = item.get(name)
            if isinstance(value, str):
                moment = parse_rfc3339(value.strip())
                if moment is not None and not quiet(moment):
                    where = {"element": name, "parent": "item"}
                    _check_date(report, moment, value, where.copy, policy, now)
        item_id = item.get("id")
        _check_id(report, item_id if isinstance(item_id, str) else None, "id", "item", None)
        own = {str(item.get(key)) for key in ("url", "external_url") if item.get(key)}
        extension = item.get("_hnp")
        links = extension.get("related") if isinstance(extension, dict) else None
        related: list[tuple[str, etree._Element | None]] = []
        for link in links if isinstance(links, list) else []:
            href = link.get("url") if isinstance(link, dict) else link
            related.append((href if isinstance(href, str) else "", None))
        _check_related(report, related, own, "item", None, f"items[{index}]")
        _check_stable(
            report, item_id if isinstance(item_id, str) else None, own, "item", None, policy
        )
    if len(items) > policy.max_entries:
        report.error(
            "TooManyEntries",
            element="items",
            value=str(len(items)),
            reason=f"{len(items)} entries, the limit is {policy.max_entries}",
        )


def _json_strings(
    value: Any, element: str, parent: str
) -> Iterator[tuple[dict[str, str | int | None], str]]:
    """Every string value of a JSON document, with the key that holds it and its parent
    (walked with a stack, not recursion: hostile JSON may nest deeply)."""
    stack: list[tuple[Any, str, str]] = [(value, element, parent)]
    while stack:
        value, element, parent = stack.pop()
        if isinstance(value, str):
            yield {"element": element, "parent": parent}, value
        elif isinstance(value, dict):
            stack.extend((child, str(key), element) for key, child in reversed(value.items()))
        elif isinstance(value, list):
            stack.extend((child, element, parent) for child in reversed(value))


# -- the rules -----------------------------------------------------------------------------


def _where(element: etree._Element) -> dict[str, str | int | None]:
    """The message parameters naming an element: its name, its parent's, its line."""
    parent = element.getparent()
    return {
        "element": local_name(element),
        "parent": local_name(parent) if parent is not None else "root",
        "line": _line(element),
    }


def _clean(text: str) -> bool:
    """Quick verdict for the common case: ASCII without controls, or NFC with no U+FFFD
    and no controls.  False means: look closer (``_check_text``)."""
    if text.isascii():
        return text.isprintable() or not _CONTROL.search(text)
    return (
        "\ufffd" not in text
        and unicodedata.is_normalized("NFC", text)
        and not _CONTROL.search(text)
    )


def _check_text(report: Report, text: str, where: Mapping[str, str | int | None]) -> None:
    if text.isascii():
        if "\x7f" in text or _CONTROL.search(text):
            report.error("ControlCharacter", **where, value=_around(text, _CONTROL))
        return
    if not unicodedata.is_normalized("NFC", text):
        report.error("NotNFC", **where, value=_first_not_nfc(text))
    if "\ufffd" in text:
        report.error("ReplacementCharacter", **where, value=_around(text, re.compile("\ufffd")))
    if _CONTROL.search(text):
        report.error("ControlCharacter", **where, value=_around(text, _CONTROL))


def _around(text: str, pattern: re.Pattern[str]) -> str:
    """A short excerpt around the first match, control characters shown as escapes."""
    found = pattern.search(text)
    start = max(0, found.start() - 20) if found else 0
    excerpt = text[start : start + 40]
    return excerpt.encode("unicode_escape").decode("ascii") if found else excerpt


def _first_not_nfc(text: str) -> str:
    """The first word that changes under NFC, so the report points at it."""
    for word in text.split():
        if not unicodedata.is_normalized("NFC", word):
            return word[:40]
    return text[:40]


def _quiet_dates(policy: PortalPolicy, now: datetime) -> Callable[[datetime], bool]:
    """A quick verdict for most of a feed's dates: True when ``_check_date`` has nothing
    to say of the instant, for it is after the zone's last transition, with the offset
    in force since, and not after ``now``.  False: ask ``_check_date``."""
    last = _last_transition(policy.zone)
    if last is None:
        return lambda moment: False
    since, offset = last
    return lambda moment: moment.utcoffset() == offset and since <= moment <= now


def _check_date(
    report: Report,
    moment: datetime,
    text: str,
    where: Callable[[], Mapping[str, str | int | None]],
    policy: PortalPolicy,
    now: datetime,
) -> None:
    """OffsetNotLocal, FutureDate; ``where`` gives the place's parameters, asked only
    for a fault (most dates have none)."""
    want = policy.offset_at(moment)
    got = moment.utcoffset()
    if got != want:
        report.error(
            "OffsetNotLocal",
            **where(),
            value=text,
            reason=f"offset {_offset(got)}, but {policy.zone} was {_offset(want)} then",
        )
    if moment > now:
        report.error(
            "FutureDate",
            **where(),
            value=text,
            reason=f"after the build time {now.isoformat(timespec='seconds')}",
        )


def _offset(delta: timedelta | None) -> str:
    if delta is None:
        return "none"
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{sign}{hours:02d}:{minutes:02d}" + (f":{seconds:02d}" if seconds else "")


def _check_id(
    report: Report, value: str | None, element: str, parent: str, line: int | None
) -> None:
    text = (value or "").strip()
    if not is_tag_uri(text):
        report.error(
            "IdNotTag",
            element=element,
            parent=parent,
            line=line,
            value=text,
            reason="no id" if not text else "not a tag: URI (RFC 4151)",
        )


def _check_unique_ids(
    report: Report, entries: list[etree._Element], ids: list[str | None], rss: bool
) -> None:
    """Aggregators de-duplicate on ids, so one document never lists an id twice (RFC
    4287 allows it for versions of one entry; the portal publishes one version).
    ``ids``: the entries' ids as written."""
    seen: dict[str, int | None] = {}
    for entry, raw in zip(entries, ids, strict=True):
        entry_id = (raw or "").strip()
        if not entry_id:
            continue
        if entry_id in seen:
            first = seen[entry_id]
            report.error(
                "DuplicateEntryId",
                element="guid" if rss else "id",
                parent="item" if rss else "entry",
                line=_line(entry),
                value=entry_id,
                reason=f"already used by the entry at line {first}" if first else None,
            )
        else:
            seen[entry_id] = _line(entry)


def _check_related(
    report: Report,
    related: list[tuple[str, etree._Element | None]],
    own: set[str],
    parent: str,
    line: int | None,
    value: str | None = None,
) -> None:
    """MissingRelatedLink, or why a related link (its href, and its element when it has
    one: the line is looked up for a fault only) is none."""
    if not related:
        report.warning("MissingRelatedLink", element="link", parent=parent, line=line, value=value)
        return
    # Without a fragment on either side, two URLs are one page when they are the same but
    # for trailing slashes (``same_page``): one set look per link, for most of them.
    plain = None if any("#" in mine for mine in own) else {mine.rstrip("/") for mine in own}
    for href, element in related:
        code, reason = _related_fault(href)
        if code is None and (
            href.rstrip("/") in plain
            if plain is not None and "#" not in href
            else any(_same_page(href, mine) for mine in own)
        ):
            code = "RelatedLinkToSelf"
        if code is not None:
            href_line = _line(element) if element is not None else None
            report.error(
                code,
                element="link",
                parent=parent,
                attr="href",
                line=href_line or line,
                value=href,
                reason=reason,
            )


def _related_fault(href: str) -> tuple[str | None, str | None]:
    """Why a related link is no absolute http(s) URL (code, reason), or (None, None);
    remembered but for a plain http(s) URL, as ``_same_page`` is for a URL with a
    fragment: an article is many entries' related post."""
    if is_plain_http_url(href):
        return None, None
    return _remembered_related_fault(href)


@remembered
def _remembered_related_fault(href: str) -> tuple[str | None, str | None]:
    href = href.strip()
    if is_plain_http_url(href):
        return None, None
    try:
        parts = urlsplit(href)
    except ValueError as exc:  # a bad IPv6 literal, "https://[host/..." (issue 15)
        return "InvalidRelatedLink", str(exc)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "RelativeRelatedLink", None
    return None, None


def _same_page(a: str, b: str) -> bool:
    if len(a) + len(b) > 2 * MEMO_MAX_CHARS or ("#" not in a and "#" not in b):
        return same_page(a, b)  # long, or quick: only a fragment makes it parse
    return _remembered_same_page(a, b)


_remembered_same_page = lru_cache(maxsize=MEMO_SIZE)(same_page)


def _check_stable(
    report: Report,
    entry_id: str | None,
    own: set[str],
    parent: str,
    line: int | None,
    policy: PortalPolicy,
) -> None:
    if not policy.published_ids or not entry_id:
        return
    for url in own:
        before = policy.published_ids.get(url)
        if before is not None and before != entry_id.strip():
            report.error(
                "IdChanged",
                element="id",
                parent=parent,
                line=line,
                value=entry_id.strip(),
                reason=f"{url} was published as {before}",
            )

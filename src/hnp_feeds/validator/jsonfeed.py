"""JSON Feed 1.1 conformance (https://www.jsonfeed.org/version/1.1/).

Codes reuse the W3C validator's names where the fault is the same (MissingElement,
InvalidRFC3339Date, InvalidURI, InvalidLanguage, DuplicateElement...), and add a few
in the same style (InvalidJSON, InvalidJSONType, InvalidJSONFeedVersion).  Every message
carries ``element`` (the key), ``parent`` (feed, item, author, attachment, hub), ``path``
(a JSON Pointer) and the line and column of the value.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
from collections.abc import Callable
from typing import Final

from . import markup, values
from .report import Level, Report, tick
from .values import Where
from .xmlparse import DEFAULT_MAX_NODES

VERSION_1_1: Final = "https://jsonfeed.org/version/1.1"
VERSION_1: Final = "https://jsonfeed.org/version/1"

Path = tuple[str | int, ...]
JSON = object

# What each object may hold: key -> expected kind.  Keys starting with "_" are extensions.
FEED_KEYS: Final = {
    "version": "string",
    "title": "string",
    "home_page_url": "url",
    "feed_url": "url",
    "description": "string",
    "user_comment": "string",
    "next_url": "url",
    "icon": "url",
    "favicon": "url",
    "authors": "authors",
    "author": "author",
    "language": "language",
    "expired": "boolean",
    "hubs": "hubs",
    "items": "items",
}
ITEM_KEYS: Final = {
    "id": "id",
    "url": "url",
    "external_url": "url",
    "title": "string",
    "content_html": "html",
    "content_text": "text",
    "summary": "text",
    "image": "url",
    "banner_image": "url",
    "date_published": "date",
    "date_modified": "date",
    "authors": "authors",
    "author": "author",
    "tags": "tags",
    "language": "language",
    "attachments": "attachments",
}
AUTHOR_KEYS: Final = {"name": "string", "url": "url", "avatar": "url"}
ATTACHMENT_KEYS: Final = {
    "url": "url",
    "mime_type": "mime",
    "title": "string",
    "size_in_bytes": "count",
    "duration_in_seconds": "count",
}
HUB_KEYS: Final = {"type": "string", "url": "url"}

_TYPE_NAMES: Final = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "number",
    float: "number",
    type(None): "null",
}


def _kind(value: JSON) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


# --- positions ---------------------------------------------------------------------------

_WS = re.compile(r"[ \t\n\r]*")
scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.S)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def _positions(text: str) -> dict[Path, int]:
    """Offset of every value in a document already known to be valid JSON, by path."""
    found: dict[Path, int] = {}

    def value(at: int, path: Path) -> int:
        at = _WS.match(text, at).end()  # type: ignore[union-attr]
        found[path] = at
        char = text[at]
        if char == '"':  # skipped, not decoded: a long value would be copied whole
            return _STRING.match(text, at).end()  # type: ignore[union-attr]
        if char in "{[":
            tick()
            closing = "}" if char == "{" else "]"
            at = _WS.match(text, at + 1).end()  # type: ignore[union-attr]
            if text[at] == closing:
                return at + 1
            index = 0
            while True:
                if char == "{":
                    at = _WS.match(text, at).end()  # type: ignore[union-attr]
                    key, at = scanstring(text, at + 1)
                    at = _WS.match(text, at).end() + 1  # type: ignore[union-attr]
                    at = value(at, (*path, str(key)))
                else:
                    at = value(at, (*path, index))
                    index += 1
                at = _WS.match(text, at).end()  # type: ignore[union-attr]
                if text[at] == closing:
                    return at + 1
                at += 1  # the comma
        match = _SCALAR.match(text, at)
        return match.end() if match else at + 1

    value(0, ())
    return found


class _Checker:
    """One JSON Feed document: the report, value positions, ids seen."""

    def __init__(self, report: Report, text: str, positions: dict[Path, int] | None = None) -> None:
        self.report = report
        self.source = text
        #: Offsets of the values (``_positions``), read when a message first needs one.
        self.positions = positions
        self.line_starts: list[int] = []
        self.ids: set[str] = set()
        self.version = VERSION_1_1

    def where(self, path: Path) -> tuple[int | None, int | None]:
        if self.positions is None:
            self.positions = _positions_or_none(self.source)
        offset = self.positions.get(path)
        if offset is None:
            return None, None
        if not self.line_starts:
            self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.source)]
        line = bisect.bisect_right(self.line_starts, offset)
        return line, offset - self.line_starts[line - 1] + 1

    def placed(
        self, check: Callable[..., object], value: str, path: Path, parent: str, **kw: object
    ) -> None:
        """``check`` of the value at ``path``, its messages placed at that value's line
        and column: looked up only when there is a message (most values have none)."""
        messages = self.report.messages
        before = len(messages)
        where: Where = {
            "element": str(path[-1]) if path else "feed",
            "parent": parent,
            "path": "/" + "/".join(map(str, path)),
            "line": None,
            "column": None,
        }
        check(self.report, value, **where, **kw)
        if len(messages) > before:
            line, column = self.where(path)
            if line is not None:
                messages[before:] = [
                    dataclasses.replace(m, line=line, column=column) for m in messages[before:]
                ]

    def at(self, path: Path, parent: str, element: str | None = None) -> Where:
        """Where a value stands, as message params: its key (or ``element``), its parent,
        its JSON Pointer, its line and column."""
        line, column = self.where(path)
        return {
            "element": element if element is not None else (str(path[-1]) if path else "feed"),
            "parent": parent,
            "path": "/" + "/".join(map(str, path)),
            "line": line,
            "column": column,
        }

    def add(
        self,
        level: Level,
        code: str,
        path: Path,
        parent: str,
        *,
        element: str | None = None,
        value: str | None = None,
        **extra: str,
    ) -> None:
        values.log(self.report, level, code, self.at(path, parent, element), value=value, **extra)

    # objects ---------------------------------------------------------------------------
    def object(self, data: dict[str, JSON], path: Path, parent: str, keys: dict[str, str]) -> None:
        """Each member of an object checked by its expected kind; unknown keys reported."""
        for key, value in data.items():
            kind = keys.get(key)
            if kind is None:
                if not key.startswith("_"):
                    self.add("warning", "UndefinedElement", (*path, key), parent)
                continue
            checker = self.KINDS[kind]
            checker(self, value, (*path, key), parent)

    def expect(self, value: JSON, wanted: type | tuple[type, ...], path: Path, parent: str) -> bool:
        if type(value) is wanted:  # most often: exactly the type wanted, a bool too
            return True
        if isinstance(value, bool) and bool not in (
            wanted if isinstance(wanted, tuple) else (wanted,)
        ):
            ok = False
        else:
            ok = isinstance(value, wanted)
        if not ok:
            names = wanted if isinstance(wanted, tuple) else (wanted,)
            self.add(
                "error",
                "InvalidJSONType",
                path,
                parent,
                value=json.dumps(value, ensure_ascii=False)[:80],
                expected="/".join(_TYPE_NAMES[t] for t in names),
                got=_kind(value),
            )
        return ok

    def string(self, value: JSON, path: Path, parent: str) -> None:
        self.expect(value, str, path, parent)

    def text(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, str, path, parent):
            assert isinstance(value, str)
            self.placed(markup.check_plain_text, value, path, parent)

    def html(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, str, path, parent):
            assert isinstance(value, str)
            self.placed(markup.check_html, value, path, parent)

    def boolean(self, value: JSON, path: Path, parent: str) -> None:
        self.expect(value, bool, path, parent)

    def url(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, str, path, parent):
            assert isinstance(value, str)
            self.placed(values.check_uri, value, path, parent, full=True, error="InvalidURI")

    def language(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, str, path, parent):
            assert isinstance(value, str)
            self.placed(values.check_language, value, path, parent)

    def date(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, str, path, parent):
            assert isinstance(value, str)
            self.placed(values.check_date_rfc3339, value, path, parent)

    def mime(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, str, path, parent):
            assert isinstance(value, str)
            self.placed(values.check_mime_type, value, path, parent)

    def count(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, (int, float), path, parent):
            assert isinstance(value, (int, float))
            if value < 0:
                self.add("error", "InvalidNonNegativeInteger", path, parent, value=str(value))

    def id(self, value: JSON, path: Path, parent: str) -> None:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # 1.0 allowed numbers; readers must coerce them to strings (1.1, "id").
            self.add(
                "warning", "InvalidJSONType", path, parent, value=str(value), expected="string"
            )
            value = str(value)
        if not self.expect(value, str, path, parent):
            return
        assert isinstance(value, str)
        if not value.strip():
            self.add("error", "NotBlank", path, parent)
        elif value in self.ids:
            self.add("error", "DuplicateIds", path, parent, value=value)
        self.ids.add(value)

    def tags(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, list, path, parent):
            assert isinstance(value, list)
            for index, tag in enumerate(value):
                self.expect(tag, str, (*path, index), "tags")

    def author(self, value: JSON, path: Path, parent: str) -> None:
        if self.version == VERSION_1_1:
            self.add("warning", "Deprecated", path, parent, replacement="authors")
        self.one_author(value, path, parent)

    def authors(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, list, path, parent):
            assert isinstance(value, list)
            for index, author in enumerate(value):
                self.one_author(author, (*path, index), parent)

    def one_author(self, value: JSON, path: Path, parent: str) -> None:
        if not self.expect(value, dict, path, parent):
            return
        assert isinstance(value, dict)
        if not any(key in value for key in AUTHOR_KEYS):
            self.add("error", "MissingElement", path, parent, element="name", path_of="author")
        self.object(value, path, "author", AUTHOR_KEYS)

    def hubs(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, list, path, parent):
            assert isinstance(value, list)
            for index, hub in enumerate(value):
                self.required_object(hub, (*path, index), "hub", HUB_KEYS, ("type", "url"))

    def attachments(self, value: JSON, path: Path, parent: str) -> None:
        if self.expect(value, list, path, parent):
            assert isinstance(value, list)
            for index, attachment in enumerate(value):
                self.required_object(
                    attachment, (*path, index), "attachment", ATTACHMENT_KEYS, ("url", "mime_type")
                )

    def required_object(
        self,
        value: JSON,
        path: Path,
        name: str,
        keys: dict[str, str],
        required: tuple[str, ...],
    ) -> None:
        if not self.expect(value, dict, path, name):
            return
        assert isinstance(value, dict)
        for key in required:
            if key not in value:
                self.add("error", "MissingElement", path, name, element=key)
        self.object(value, path, name, keys)

    def items(self, value: JSON, path: Path, parent: str) -> None:
        if not self.expect(value, list, path, parent):
            return
        assert isinstance(value, list)
        for index, item in enumerate(value):
            self.item(item, (*path, index))

    def item(self, item: JSON, path: Path) -> None:
        tick()
        if not self.expect(item, dict, path, "items"):
            return
        assert isinstance(item, dict)
        if "id" not in item:
            self.add("error", "MissingElement", path, "item", element="id")
        if "content_html" not in item and "content_text" not in item:
            self.add("error", "MissingElement", path, "item", element="content_html")
        self.object(item, path, "item", ITEM_KEYS)

    def feed(self, feed: JSON) -> None:
        if not isinstance(feed, dict):
            self.add("error", "InvalidJSONType", (), "root", expected="object", got=_kind(feed))
            return
        version = feed.get("version")
        if "version" not in feed:
            self.add("error", "MissingElement", (), "feed", element="version")
        elif version == VERSION_1:
            self.version = VERSION_1
            self.add("warning", "ObsoleteVersion", ("version",), "feed", value=VERSION_1)
        elif version != VERSION_1_1:
            self.add("error", "InvalidJSONFeedVersion", ("version",), "feed", value=str(version))
        for key in ("title", "items"):
            if key not in feed:
                self.add("error", "MissingElement", (), "feed", element=key)
        self.object(feed, (), "feed", FEED_KEYS)

    KINDS: Final[dict[str, Callable[[_Checker, JSON, Path, str], None]]] = {
        "string": string,
        "text": text,
        "html": html,
        "boolean": boolean,
        "url": url,
        "language": language,
        "date": date,
        "mime": mime,
        "count": count,
        "id": id,
        "tags": tags,
        "author": author,
        "authors": authors,
        "hubs": hubs,
        "attachments": attachments,
        "items": items,
    }


def _no_duplicate_keys(report: Report) -> Callable[[list[tuple[str, JSON]]], dict[str, JSON]]:
    def hook(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
        result: dict[str, JSON] = dict(pairs)
        if len(result) == len(pairs):  # most often: no key twice
            return result
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                report.error("DuplicateElement", element=key, value=key)
            seen.add(key)
        return result

    return hook


def check(
    data: bytes, report: Report, base_url: str | None = None, max_nodes: int = DEFAULT_MAX_NODES
) -> JSON | None:
    """Check one JSON Feed document; bad JSON is one error with its line and column.
    The document as ``json.loads`` reads it (for the policy's rules), None when
    it was not read."""
    # Every member of every object, as JSON is written: two bytes each, so a document of
    # up to twice the limit in bytes has no more (most: the count is spared).
    members = data.count(b'":') if len(data) > 2 * max_nodes else 0
    if members > max_nodes:
        report.error(
            "ValidatorLimit",
            reason=f"over {max_nodes} members (about {members}): not parsed",
            value=str(members),
        )
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        report.error("UnicodeError", value=str(exc), reason="JSON Feed must be UTF-8")
        return None
    try:
        feed: JSON = json.loads(text, object_pairs_hook=_no_duplicate_keys(report))
    except json.JSONDecodeError as exc:
        report.error("InvalidJSON", line=exc.lineno, column=exc.colno, value=exc.msg)
        return None
    except (RecursionError, ValueError) as exc:
        report.error(
            "ValidatorLimit", value=str(exc)[:200], reason="JSON nested or sized beyond limits"
        )
        return None
    # The offsets are found when a message needs them, deeper in the stack than here: a
    # document nested deep enough for that to matter has them found here, as always.
    shallow = _nesting_below(feed, _LAZY_NESTING)
    _Checker(report, text, None if shallow else _positions_or_none(text)).feed(feed)
    return feed


#: Nesting under which ``_positions`` may run anywhere in the checker (far from the
#: recursion limit); a document nested deeper has its offsets found before the checks.
_LAZY_NESTING = 64


def _nesting_below(document: JSON, limit: int) -> bool:
    """Whether no value of the decoded ``document`` is nested ``limit`` deep (walked
    level by level, the document at 1: only its objects and arrays are looked at)."""
    level = [document] if isinstance(document, (dict, list)) else []
    depth = 1
    while level:
        if depth >= limit:
            return False
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, (dict, list))
        ]
        depth += 1
    return True


def _positions_or_none(text: str) -> dict[Path, int]:
    """``_positions``, or none at all when the document is nested beyond the stack."""
    try:
        return _positions(text)
    except RecursionError:
        return {}

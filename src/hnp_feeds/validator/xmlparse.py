"""Parse untrusted feed bytes safely: no DTD loading, no network, no entity expansion,
bounded size and depth.  Problems become messages (W3C class names), never exceptions.

The prolog is read by hand before lxml sees the bytes: the encoding is settled here
(Python knows every encoding; libxml2 decodes the common ones), and a DOCTYPE whose internal
subset declares entities (billion laughs, quadratic blow-up, XXE) is refused outright.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from lxml import etree

from .report import Report

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
# Elements (markup nodes, JSON members) one document may hold: libxml2 spends ~300 bytes
# on each and the checks ~25 us, so a 31 MB document of tiny items cost 1.5 GB and a
# minute (issue 15); a 1,000-entry full-content feed holds ~20,000.
DEFAULT_MAX_NODES = 100_000
# libxml2 refuses deeper documents by itself unless told XML_PARSE_HUGE (then 2048).
LIBXML_MAX_DEPTH = 256
HUGE_MAX_DEPTH = 2048
DEFAULT_MAX_DEPTH = LIBXML_MAX_DEPTH
# Feeds have no business with a large internal subset; scanning one must stay cheap.
MAX_SUBSET_BYTES = 64 * 1024

# The old Netscape RSS 0.91 DTD is the one external DTD a feed legitimately names.
NETSCAPE_RSS_091 = "-//Netscape Communications//DTD RSS 0.91//EN"

_STANDARD = frozenset({"utf-8", "utf-16", "utf-16-le", "utf-16-be"})
# Encodings a reader can be expected to know; anything else is accepted but warned
# about (ObscureEncoding), as the W3C validator does.  Kept as Python's canonical names.
_COMMON_NAMES = (
    "us-ascii iso-8859-1 iso-8859-2 iso-8859-3 iso-8859-4 iso-8859-5 iso-8859-6 "
    "iso-8859-7 iso-8859-8 iso-8859-9 iso-8859-10 iso-8859-13 iso-8859-14 iso-8859-15 "
    "iso-8859-16 windows-1250 windows-1251 windows-1252 windows-1253 windows-1254 "
    "windows-1255 windows-1256 windows-1257 windows-1258 koi8-r koi8-u shift_jis euc-jp "
    "iso-2022-jp euc-kr gb2312 gbk gb18030 big5 big5-hkscs tis-620 utf-32 utf-32-le "
    "utf-32-be"
).split()


def _common(canonical: str) -> bool:
    """Whether ``canonical`` (a codec's name) is an encoding readers know."""
    return canonical in _STANDARD or canonical in _common_codecs()


@lru_cache(maxsize=1)
def _common_codecs() -> frozenset[str]:
    # Looked up when a document first declares another encoding than UTF-8 or UTF-16:
    # each lookup imports its codec's module (the CJK ones theirs too).
    return frozenset(codecs.lookup(name).name for name in _COMMON_NAMES)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_XML_DECL = re.compile(rb"<\?xml[ \t\r\n][^?>]*\?>")
_PSEUDO_ATTR = re.compile(rb"""(version|encoding|standalone)\s*=\s*(["'])([^"']*)\2""")
_SPACE = b" \t\r\n"
_ENTITY_DECL = re.compile(rb"""<!ENTITY\s+(%\s+)?([^\s"'>]+)\s*(SYSTEM|PUBLIC)?""")
# libxml2's namespace faults: the document is well-formed XML all the same
_NAMESPACE_ERRORS = frozenset(
    getattr(etree.ErrorTypes, name)
    for name in (
        "WAR_NS_URI",
        "WAR_NS_URI_RELATIVE",
        "NS_ERR_XML_NAMESPACE",
        "NS_ERR_UNDEFINED_NAMESPACE",
        "NS_ERR_QNAME",
        "NS_ERR_ATTRIBUTE_REDEFINED",
        "NS_ERR_EMPTY",
        "NS_ERR_COLON",
    )
)
# An internal subset's body up to its closing "]": declarations, with their literals,
# comments and processing instructions skipped whole.
_SUBSET_BODY = re.compile(
    rb"""(?:[^"'<\]]+|"[^"]*"|'[^']*'|<!--.*?-->|<\?.*?\?>|<(?!!--|\?))*""", re.S
)
_DOCTYPE_NAME = re.compile(rb"<!DOCTYPE\s+[^\s\[>]+")
# SYSTEM "system-id" | PUBLIC "public-id" "system-id"
# (?<!\s): never from inside a run of spaces, so a search is linear too
_EXTERNAL_ID = re.compile(
    rb"""(?<!\s)\s++(?:SYSTEM|(PUBLIC)\s++(["'])([^"']*+)\2)\s++(["'])([^"']*+)\4"""
)


@dataclass(frozen=True)
class _Decl:
    version: str | None
    encoding: str | None
    encoding_at: int  # byte offset of the encoding's value, or of the document start


def parse_xml(
    data: bytes,
    report: Report,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> etree._ElementTree | None:
    """The parsed tree, or None after reporting why the bytes are not usable XML."""
    if len(data) > max_bytes:
        report.error(
            "ValidatorLimit",
            reason=f"document over the size limit of {max_bytes} bytes",
            value=str(len(data)),
        )
        return None
    if not 1 <= max_depth <= HUGE_MAX_DEPTH:
        raise ValueError(f"max_depth must be between 1 and {HUGE_MAX_DEPTH}, got {max_depth}")
    prepared = _prepare(data, report)
    if prepared is None:
        return None
    if not _doctype_is_safe(prepared.utf8, report):
        return None
    # Start tags, comments and PIs, counted in the UTF-8 form before anything is built
    # (no more than its "<": most documents are judged on those alone, a count quicker
    # than that of "</").
    nodes = prepared.utf8.count(b"<")
    if nodes > max_nodes:
        nodes -= prepared.utf8.count(b"</")
    if nodes > max_nodes:
        report.error(
            "ValidatorLimit",
            reason=f"over {max_nodes} elements (about {nodes}): not parsed",
            value=str(nodes),
        )
        return None
    parsed: _Parsed | Literal["unsupported"] | None = UNSUPPORTED
    if prepared.native is not None:
        # libxml2 decodes the bytes itself, so docinfo.encoding stays the declared one
        parsed = _parse(prepared.native, None, report, max_depth)
    if parsed == UNSUPPORTED:
        parsed = _parse(prepared.utf8, "utf-8", report, max_depth)
    if parsed is None or isinstance(parsed, str):
        return None
    root, parser = parsed
    tree = root.getroottree()
    if tree.docinfo.public_id == NETSCAPE_RSS_091 and root.get("version") != "0.91":
        report.error(
            "InvalidDoctype",
            value=NETSCAPE_RSS_091,
            reason=f"the RSS 0.91 DOCTYPE on a version {root.get('version')} document",
        )
    for entry in parser.error_log:
        # With an external DTD named (and not loaded) libxml2 only warns on &undefined;
        if entry.type == etree.ErrorTypes.WAR_UNDECLARED_ENTITY:
            name = re.search(r"Entity '([^']*)'", entry.message)
            report.error(
                "UndefinedNamedEntity",
                line=entry.line,
                column=entry.column,
                value=name.group(1) if name else entry.message,
                reason=entry.message,
            )
    dtd = tree.docinfo.internalDTD
    entities = list(dtd.iterentities()) if dtd is not None else []  # type: ignore[attr-defined]
    if entities:
        # Not reached while the prolog scan is right; kept as a second lock.
        report.error("EntityDeclaration", reason="the DOCTYPE declares entities: refused")
        return None
    if max_depth != LIBXML_MAX_DEPTH and _deeper_than(max_depth)(tree):
        report.error(
            "ValidatorLimit",
            reason=f"elements nested deeper than {max_depth} levels",
            value=str(max_depth),
        )
        return None
    return tree


_Parsed = tuple[etree._Element, etree.XMLParser]
UNSUPPORTED: Literal["unsupported"] = "unsupported"  # libxml2 lacks the encoding


def _parse(
    source: bytes, encoding: str | None, report: Report, max_depth: int
) -> _Parsed | Literal["unsupported"] | None:
    """The root and its parser; None after reporting a fault; UNSUPPORTED when libxml2
    cannot decode ``source`` itself (nothing reported then)."""
    parser = _parser(max_depth, encoding, recover=False)
    try:
        return etree.fromstring(source, parser), parser
    except etree.XMLSyntaxError as exc:
        code = int(getattr(exc, "code", 0))  # lxml-stubs lack XMLSyntaxError.code
        if code == etree.ErrorTypes.ERR_UNSUPPORTED_ENCODING and encoding is None:
            return UNSUPPORTED
        if code not in _NAMESPACE_ERRORS:
            _report_syntax_error(exc, report, max_depth)
            return None
    # Namespace faults (an undeclared prefix, a bad namespace name) leave the document
    # well-formed: say so, and judge the rest of it as the W3C validator does.
    parser = _parser(max_depth, encoding, recover=True)
    root = etree.fromstring(source, parser)
    if not _report_recovered(parser.error_log, report) or root is None:
        return None
    return root, parser


def _parser(max_depth: int, encoding: str | None, *, recover: bool) -> etree.XMLParser:
    """lxml told the encoding (when settled here), and to load and resolve nothing."""
    return etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        attribute_defaults=False,
        huge_tree=max_depth > LIBXML_MAX_DEPTH,
        remove_blank_text=False,
        recover=recover,
    )


def _report_recovered(log: etree._ListErrorLog, report: Report) -> bool:
    """Report the faults of a parse in recovery mode; False when one of them is more
    than a namespace fault (then the recovered tree is not to be trusted)."""
    trusted = True
    for entry in log:
        if entry.level < etree.ErrorLevels.ERROR:
            continue
        report.error(
            "SAXError",
            line=entry.line,
            column=entry.column,
            value=entry.message,
            reason=entry.message,
        )
        if entry.type not in _NAMESPACE_ERRORS:
            trusted = False
    return trusted


@lru_cache(maxsize=8)
def _deeper_than(depth: int) -> etree.XPath:
    """An XPath that is true when some element sits below ``depth`` levels."""
    return etree.XPath("boolean(/*" + "/*" * depth + ")")


def _report_syntax_error(exc: etree.XMLSyntaxError, report: Report, max_depth: int) -> None:
    line, column = exc.position if exc.position else (None, None)
    message = str(exc.msg).split(", line ")[0]
    types = etree.ErrorTypes
    code = int(getattr(exc, "code", 0))  # lxml-stubs lack XMLSyntaxError.code
    if code in (types.ERR_UNDECLARED_ENTITY, types.WAR_UNDECLARED_ENTITY):
        name = re.search(r"Entity '([^']*)'", message)
        report.error(
            "UndefinedNamedEntity",
            line=line,
            column=column,
            value=name.group(1) if name else message,
            reason=message,
        )
    elif code == types.ERR_INVALID_ENCODING:
        report.error("UnicodeError", line=line, column=column, reason=message)
    elif code == types.ERR_UNKNOWN_VERSION:
        if "BadXmlVersion" in report.codes():
            return
        report.error("BadXmlVersion", line=line, column=column, reason=message)
    elif code == types.ERR_RESOURCE_LIMIT and "depth" in message:
        report.error(
            "ValidatorLimit",
            line=line,
            column=column,
            reason=f"elements nested deeper than {max_depth} levels",
            value=str(max_depth),
        )
    elif code == types.ERR_RESOURCE_LIMIT or code == types.ERR_ENTITY_LOOP:
        report.error("ValidatorLimit", line=line, column=column, reason=message)
    else:
        report.error("SAXError", line=line, column=column, value=message, reason=message)


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    start = data.rfind(b"\n", 0, offset) + 1
    return line, offset - start + 1


def _read_decl(head: bytes) -> _Decl | None:
    """The XML declaration at the very start of ASCII-compatible bytes, if any."""
    found = _XML_DECL.match(head)
    if found is None:
        return None
    pseudo = {m.group(1).decode("ascii"): m for m in _PSEUDO_ATTR.finditer(found.group(0))}
    version = pseudo["version"].group(3).decode("latin-1") if "version" in pseudo else None
    enc = pseudo.get("encoding")
    return _Decl(
        version,
        enc.group(3).decode("latin-1") if enc else None,
        enc.start(3) if enc else 0,
    )


def declared_encoding(data: bytes) -> str | None:
    """The encoding an XML document's byte order mark or declaration names, if any."""
    bom, bom_length = _sniff(data)
    head = data[bom_length : bom_length + 2048]
    if bom is not None and bom != "utf-8":
        head = head.decode(bom, errors="replace").encode("utf-8", errors="replace")
    decl = _read_decl(head)
    return (decl.encoding if decl else None) or bom


def _sniff(data: bytes) -> tuple[str | None, int]:
    """The encoding a byte order mark (or a BOM-less UTF-16 ``<?``) announces, and its length."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name, len(bom)
    # No BOM: XML 1.0 appendix F (libxml2 guesses the same way, so must we)
    if data.startswith(b"<\x00\x00\x00"):
        return "utf-32-le", 0
    if data.startswith(b"\x00\x00\x00<"):
        return "utf-32-be", 0
    if data.startswith(b"<\x00"):
        return "utf-16-le", 0
    if data.startswith(b"\x00<"):
        return "utf-16-be", 0
    return None, 0


def _canonical(name: str) -> str | None:
    """Python's name for an encoding, or None when no text codec of that name exists."""
    try:
        b"".decode(name)
        return codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL in the name (issue 15)
        return None


@dataclass(frozen=True)
class _Prepared:
    """The document as UTF-8 (declaration left as written; for the prolog scan, and for
    lxml told "utf-8"), and the original bytes when libxml2 may decode them itself: a
    declared, common encoding that Python decoded cleanly, so both read the same text."""

    utf8: bytes
    native: bytes | None


def _prepare(data: bytes, report: Report) -> _Prepared | None:
    """Settle the encoding and report its faults.  None when it cannot be decoded."""
    bom, bom_length = _sniff(data)
    if bom is not None and bom != "utf-8":
        head = data[bom_length : bom_length + 2048].decode(bom, errors="replace")
        head_bytes = head.encode("utf-8", errors="replace")
    else:
        head_bytes = data[bom_length : bom_length + 2048]
    decl = _read_decl(head_bytes)
    if decl is None:
        if bom is None:
            report.info(
                "MissingEncoding", line=1, column=1, reason="no XML declaration: UTF-8 assumed"
            )
    elif decl.version != "1.0":
        report.error(
            "BadXmlVersion",
            line=1,
            column=1,
            value=decl.version or "",
            reason="the XML declaration must say version 1.0",
        )
    declared = decl.encoding if decl else None
    line, column = _position(head_bytes, decl.encoding_at) if decl else (1, 1)
    effective = bom or "utf-8"
    trusted = False  # may libxml2 decode the original bytes itself?
    if declared is not None:
        canonical = _canonical(declared)
        if canonical is None:
            report.error("UnknownEncoding", value=declared, line=line, column=column, element="xml")
            return None
        if bom is not None and _family(canonical) != _family(bom):
            report.error(
                "UnicodeError",
                value=declared,
                line=line,
                column=column,
                reason=f"byte order mark says {bom}, the declaration says {declared}",
            )
        else:
            effective = bom or canonical
            trusted = _common(canonical)
        if canonical not in _STANDARD:
            report.info("NonstdEncoding", value=declared, line=line, column=column)
        if not _common(canonical):
            report.warning("ObscureEncoding", value=declared, line=line, column=column)
    if _family(effective) == "utf-8":
        return _Prepared(data, data if trusted else None)
    body = data[bom_length:]
    try:
        text = body.decode(effective)
    except UnicodeDecodeError as exc:
        bad_line, bad_column = _position(body, exc.start)
        report.error(
            "UnicodeError",
            line=bad_line,
            column=bad_column,
            value=body[exc.start : exc.end].hex(),
            reason=f"bytes not valid {declared or effective}",
        )
        text = body.decode(effective, errors="replace")
        trusted = False
    return _Prepared(text.encode("utf-8", errors="surrogatepass"), data if trusted else None)


def _family(encoding: str) -> str:
    """Encodings that share a byte form: utf-16 with its BOM is the same as utf-16-le."""
    if encoding.startswith("utf-16"):
        return "utf-16"
    if encoding.startswith("utf-32"):
        return "utf-32"
    if encoding in ("utf-8", "utf_8", "utf-8-sig"):
        return "utf-8"
    return encoding


def _skip_misc(data: bytes, at: int) -> int:
    """Past whitespace, comments and processing instructions (the prolog's 'Misc')."""
    size = len(data)
    while at < size:
        if data[at] in _SPACE:
            at += 1
        elif data.startswith(b"<!--", at):
            end = data.find(b"-->", at + 4)
            if end < 0:
                return size
            at = end + 3
        elif data.startswith(b"<?", at):
            end = data.find(b"?>", at + 2)
            if end < 0:
                return size
            at = end + 2
        else:
            return at
    return at


def _subset_end(data: bytes, at: int) -> int:
    """Offset of the ``]`` closing a DOCTYPE internal subset opened before ``at`` (or
    where the scan stopped, at most MAX_SUBSET_BYTES on).  Comments, processing
    instructions and quoted literals may hold a ``]`` of their own."""
    body = _SUBSET_BODY.match(data, at, min(len(data), at + MAX_SUBSET_BYTES))
    return body.end() if body else at


def _doctype_is_safe(data: bytes, report: Report) -> bool:
    """Report a DOCTYPE's dangers; False when it declares entities (then it is refused)."""
    at = _skip_misc(data, 3 if data.startswith(codecs.BOM_UTF8) else 0)
    if not data.startswith(b"<!DOCTYPE", at):
        return True
    start = at
    name = _DOCTYPE_NAME.match(data, at)
    at = name.end() if name else at + len(b"<!DOCTYPE")
    external = _EXTERNAL_ID.match(data, at)
    if external is not None:
        at = external.end()
        public = external.group(3).decode("utf-8", "replace") if external.group(1) else None
        system = external.group(5).decode("utf-8", "replace")
        if public != NETSCAPE_RSS_091:
            line, column = _position(data, start)
            report.warning(
                "ExternalDTD",
                line=line,
                column=column,
                value=system,
                reason="the external DTD is not loaded; entities it defines stay undefined",
            )
    while at < len(data) and data[at] in _SPACE:
        at += 1
    bracket = at if data.startswith(b"[", at) else -1
    if bracket < 0:
        return True
    end = _subset_end(data, bracket + 1)
    closed = re.match(rb"\][ \t\r\n]*>", data[end : end + 256]) is not None
    # Entities are looked for in what was scanned, even when the end was not found.
    subset = data[bracket + 1 : end if closed else bracket + 1 + MAX_SUBSET_BYTES]
    declared = list(_ENTITY_DECL.finditer(subset))
    for entity in declared:
        line, column = _position(data, bracket + 1 + entity.start())
        entity_name = entity.group(2).decode("utf-8", "replace")
        if entity.group(3):
            report.info("ContainsSystemEntity", line=line, column=column, value=entity_name)
            report.error(
                "ExternalEntity",
                line=line,
                column=column,
                value=entity_name,
                reason="external entities are never loaded: document refused",
            )
        else:
            report.error(
                "EntityDeclaration",
                line=line,
                column=column,
                value=entity_name,
                reason="entity declarations are refused (expansion bombs): document refused",
            )
    if declared:
        return False
    if not closed:
        # Too long, or not understood: refuse rather than guess where it ends.
        line, column = _position(data, bracket)
        too_long = data.find(b"]", bracket, bracket + 1 + MAX_SUBSET_BYTES) < 0
        report.error(
            "ValidatorLimit" if too_long else "SAXError",
            line=line,
            column=column,
            reason=f"DOCTYPE internal subset longer than {MAX_SUBSET_BYTES} bytes"
            if too_long
            else "the DOCTYPE internal subset has no recognisable end ']>'",
        )
        return False
    return True

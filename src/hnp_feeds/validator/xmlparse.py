"""Parse untrusted feed bytes safely: no DTD loading, no network, no entity expansion,
bounded size and depth.  Problems become messages, never exceptions."""

from __future__ import annotations

from lxml import etree

from .report import Report

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


def parse_xml(data: bytes, report: Report, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._ElementTree | None:
    """The parsed tree, or None after reporting why the bytes are not usable XML."""
    if len(data) > max_bytes:
        report.error("ValidatorLimit", reason=f"document is {len(data)} bytes, limit {max_bytes}")
        return None
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        report.error("SAXError", line=line, column=column, value=str(exc.msg))
        return None
    return root.getroottree()

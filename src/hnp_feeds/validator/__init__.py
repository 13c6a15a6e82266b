"""bytes -> Report: spec conformance (Atom 1.0, RSS 2.0, JSON Feed 1.1) and portal policy.

    from hnp_feeds.validator import validate
    report = validate(data, base_url="https://hnp.example.vn/feeds/atom.xml")
    for m in report.messages: print(m.level, m.code, dict(m.params), m.line)

The validator knows nothing of the writers: it judges bytes, including hostile ones.
"""

from __future__ import annotations

from .report import Level, Message, Report
from .xmlparse import DEFAULT_MAX_BYTES, parse_xml

ATOM_NS = "http://www.w3.org/2005/Atom"

__all__ = ["DEFAULT_MAX_BYTES", "Level", "Message", "Report", "validate"]


def validate(
    data: bytes,
    base_url: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Report:
    """Check one feed document (Atom, RSS 2.0 or JSON Feed) against its spec."""
    report = Report()
    if data.lstrip()[:1] == b"{":
        report.format = "json"
        from . import jsonfeed

        jsonfeed.check(data, report, base_url)
        return report
    tree = parse_xml(data, report, max_bytes)
    if tree is None:
        return report
    root = tree.getroot()
    if root.tag in (f"{{{ATOM_NS}}}feed", f"{{{ATOM_NS}}}entry"):
        report.format = "atom"
        from . import atom

        atom.check(tree, report, base_url)
    elif root.tag == "rss":
        report.format = "rss"
        from . import rss

        rss.check(tree, report, base_url)
    else:
        report.error("UndefinedElement", element=str(root.tag), parent="root")
    return report

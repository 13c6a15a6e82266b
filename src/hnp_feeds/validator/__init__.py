"""bytes -> Report: spec conformance (Atom 1.0, RSS 2.0, JSON Feed 1.1) and portal policy.

    from hnp_feeds.validator import validate
    report = validate(data, base_url="https://hnp.example.vn/feeds/atom.xml")
    for m in report.messages: print(m.level, m.code, dict(m.params), m.line)

    # our own output: the spec and the portal's policy (policy.py), as of the build time
    validate(data, profile="portal", policy=PortalPolicy(max_entries=50, now=built_at))

The validator knows nothing of the writers: it judges bytes, including hostile ones.
"""

from __future__ import annotations

import contextlib
import json
from typing import Literal

from lxml import etree

from .policy import PortalPolicy, check_pair, check_policy
from .report import Level, Message, Report
from .xmlparse import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, parse_xml

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "Level",
    "Message",
    "PortalPolicy",
    "Profile",
    "Report",
    "check_pair",
    "validate",
]

Profile = Literal["spec", "portal"]


def validate(
    data: bytes,
    base_url: str | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    profile: Profile = "spec",
    policy: PortalPolicy | None = None,
) -> Report:
    """Check one feed document (Atom, RSS 2.0 or JSON Feed) against its spec, and with
    ``profile="portal"`` against the portal's policy too (``policy`` or the defaults)."""
    report = Report()
    if data.lstrip()[:1] == b"{":
        report.format = "json"
        if len(data) > max_bytes:
            report.error(
                "ValidatorLimit", reason=f"document is {len(data)} bytes, limit {max_bytes}"
            )
            return report
        from . import jsonfeed

        jsonfeed.check(data, report, base_url)
        if profile == "portal":
            with contextlib.suppress(ValueError, RecursionError):  # the spec check said why
                check_policy(report, json.loads(data), policy)
        return report
    tree = parse_xml(data, report, max_bytes, max_depth=max_depth)
    if tree is None:
        return report
    root = tree.getroot()
    if etree.QName(root).localname in ("feed", "entry"):
        # A feed in no or the wrong namespace is still judged as Atom (after saying so).
        report.format = "atom"
        from . import atom

        atom.check(tree, report, base_url)
    elif etree.QName(root).localname == "rss":
        report.format = "rss"
        from . import rss

        rss.check(tree, report, base_url)
    else:
        report.error("UndefinedElement", element=str(root.tag), parent="root")
    if profile == "portal":
        check_policy(report, tree, policy)
    return report

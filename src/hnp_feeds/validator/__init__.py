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
from .report import DEFAULT_MAX_MESSAGES, DEFAULT_TIME_BUDGET, Level, Message, OutOfTime, Report
from .report import time_budget as budget
from .xmlparse import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_NODES,
    HUGE_MAX_DEPTH,
    parse_xml,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_MESSAGES",
    "DEFAULT_MAX_NODES",
    "DEFAULT_TIME_BUDGET",
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
    max_nodes: int = DEFAULT_MAX_NODES,
    max_messages: int = DEFAULT_MAX_MESSAGES,
    time_budget: float | None = DEFAULT_TIME_BUDGET,
) -> Report:
    """Check one feed document (Atom, RSS 2.0 or JSON Feed) against its spec, and with
    ``profile="portal"`` against the portal's policy too (``policy`` or the defaults).

    Never raises on any input: at most ``max_messages`` messages are kept (then one
    TooManyMessages counts the rest); past ``time_budget`` seconds the check stops with a
    ValidatorLimit error; a fault of the validator itself is an InternalError message."""
    if not 1 <= max_depth <= HUGE_MAX_DEPTH:
        raise ValueError(f"max_depth must be between 1 and {HUGE_MAX_DEPTH}, got {max_depth}")
    report = Report(max_messages=max_messages)
    try:
        with budget(time_budget):
            limits = (max_bytes, max_depth, max_nodes)
            _validate(report, data, base_url, limits, profile, policy)
    except OutOfTime:
        report.messages.append(
            Message(
                "error",
                "ValidatorLimit",
                {"reason": f"over the time budget of {time_budget} s: the rest was not checked"},
            )
        )
    except RecursionError:
        report.messages.append(
            Message("error", "ValidatorLimit", {"reason": "nested beyond the validator's limits"})
        )
    except Exception as exc:  # noqa: BLE001 - untrusted input must never crash a caller
        report.messages.append(
            Message("error", "InternalError", {"reason": f"{type(exc).__name__}: {exc}"[:300]})
        )
    report.close()
    return report


def _validate(
    report: Report,
    data: bytes,
    base_url: str | None,
    limits: tuple[int, int, int],
    profile: Profile,
    policy: PortalPolicy | None,
) -> None:
    max_bytes, max_depth, max_nodes = limits
    if data.lstrip()[:1] == b"{":
        report.format = "json"
        if len(data) > max_bytes:
            report.error(
                "ValidatorLimit", reason=f"document is {len(data)} bytes, limit {max_bytes}"
            )
            return
        from . import jsonfeed

        feed = jsonfeed.check(data, report, base_url, max_nodes)
        if profile == "portal":
            # The spec check's reading of the text is json.loads's of the bytes (a
            # document it read has no BOM and no NUL: the same UTF-8 text, the same dicts).
            with contextlib.suppress(ValueError, RecursionError):  # the spec check said why
                document = feed if feed is not None else json.loads(data)
                check_policy(report, document, policy, source=data)
        return
    tree = parse_xml(data, report, max_bytes, max_depth=max_depth, max_nodes=max_nodes)
    if tree is None:
        return
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
        check_policy(report, tree, policy, source=data)

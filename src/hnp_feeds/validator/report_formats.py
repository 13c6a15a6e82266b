"""What ``hnp-feeds validate`` prints, in four forms: ``text`` for people, ``json`` (the
report's schema is docs/validate-report.schema.json), ``junit`` (JUnit XML: one test case
per feed, for CI test reports) and ``github`` (GitHub Actions workflow commands:
``::error file=...,line=...::message`` annotations), each with a summary per file."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Literal
from xml.sax.saxutils import escape, quoteattr

from .explain import explain
from .files import FileReport
from .report import Message, Report

Format = Literal["text", "json", "junit", "github"]
FORMATS: tuple[Format, ...] = ("text", "json", "junit", "github")
SCHEMA_ID = "https://hnp.example.vn/schemas/validate-report.schema.json"


def render(results: Sequence[FileReport], form: Format) -> str:
    """The report on ``results`` in one of FORMATS."""
    if form == "json":
        return json.dumps(to_json(results), ensure_ascii=False, indent=2)
    if form == "junit":
        return render_junit(results)
    if form == "github":
        return render_github(results)
    return render_text(results)


def failed(results: Sequence[FileReport], *, strict: bool = False) -> bool:
    """True when some feed has an error (or, when strict, a warning)."""
    return any(r.report.errors or (strict and r.report.warnings) for r in results)


def to_json(results: Sequence[FileReport]) -> dict[str, object]:
    """The machine form: one object per feed (its summary, each message with its
    explanation), and the summary of them all."""
    return {
        "$schema": SCHEMA_ID,
        "files": [
            {
                "source": r.source,
                "format": r.report.format,
                "ok": r.report.ok,
                "summary": _summary(r.report),
                "messages": [
                    {**m.to_dict(), "explanation": explain(m.code)} for m in r.report.messages
                ],
            }
            for r in results
        ],
        "summary": {
            "files": len(results),
            "failed": sum(1 for r in results if not r.report.ok),
            "errors": sum(len(r.report.errors) for r in results),
            "warnings": sum(len(r.report.warnings) for r in results),
        },
    }


def _summary(report: Report) -> dict[str, int]:
    return {
        "errors": len(report.errors),
        "warnings": len(report.warnings),
        "infos": sum(1 for m in report.messages if m.level == "info"),
    }


def render_text(results: Sequence[FileReport]) -> str:
    """The human form: messages grouped by feed, ``line:column``, the code with where it
    applies, and the code's one-line explanation under it.  Info messages are left out."""
    lines: list[str] = []
    for result in results:
        shown = [m for m in result.report.messages if m.level != "info"]
        if not shown:
            lines.append(f"{result.source}: ok ({result.report.format})")
            continue
        lines.append(f"{result.source}: {_count(result.report)}")
        for m in shown:
            place = f"{m.line or '-'}:{m.column or '-'}"
            lines.append(f"  {place:>9}  {m.level:<7}  {m.code}{_where(m.params)}")
            lines.append(f"  {'':>9}  {'':<7}  {explain(m.code)}")
    lines.append(_totals(results))
    return "\n".join(lines)


def _count(report: Report) -> str:
    errors, warnings = len(report.errors), len(report.warnings)
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def _where(params: Mapping[str, str]) -> str:
    """`` (updated in entry, href) "value"``: the message's parameters, briefly."""
    place = params.get("element", "")
    if params.get("parent"):
        place = f"{place} in {params['parent']}" if place else params["parent"]
    if params.get("attr"):
        place = f"{place}, @{params['attr']}" if place else f"@{params['attr']}"
    text = f" ({place})" if place else ""
    detail = params.get("value") or params.get("reason")
    if detail:
        detail = detail if len(detail) <= 80 else detail[:77] + "..."
        text += f' "{detail}"'
    return text


def _totals(results: Sequence[FileReport]) -> str:
    errors = sum(len(r.report.errors) for r in results)
    warnings = sum(len(r.report.warnings) for r in results)
    with_errors = sum(1 for r in results if not r.report.ok)
    return (
        f"{len(results)} feed{'s' * (len(results) != 1)} checked, {with_errors} with errors: "
        f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    )


def _line_of(m: Message) -> str:
    """One message on one line: the code, where it applies, its explanation."""
    return f"{m.code}{_where(m.params)}: {explain(m.code)}"


def render_junit(results: Sequence[FileReport]) -> str:
    """JUnit XML: a test suite of one test case per feed, failed by its errors (each a
    <failure> line) and carrying its warnings in <system-out>."""
    failures = sum(1 for r in results if not r.report.ok)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<testsuites name="hnp-feeds validate" tests="{len(results)}" failures="{failures}">',
        f'  <testsuite name="feeds" tests="{len(results)}" failures="{failures}" errors="0">',
    ]
    for result in results:
        report = result.report
        name = _xml_attr(result.source)
        lines.append(f"    <testcase classname={_xml_attr(report.format)} name={name}>")
        for m in report.errors:
            place = f"line {m.line}: " if m.line else ""
            lines.append(
                f"      <failure type={_xml_attr(m.code)} "
                f"message={_xml_attr(place + _line_of(m))}/>"
            )
        if report.warnings:
            text = "\n".join(
                f"warning {f'line {m.line}: ' if m.line else ''}{_line_of(m)}"
                for m in report.warnings
            )
            lines.append(f"      <system-out>{_xml_text(text)}</system-out>")
        lines.append("    </testcase>")
    lines += ["  </testsuite>", "</testsuites>"]
    return "\n".join(lines)


# what XML 1.0 cannot carry, even escaped (a hostile document's NUL in a message value)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return escape(_NOT_XML.sub("\ufffd", text))


def _xml_attr(text: str) -> str:
    return quoteattr(_NOT_XML.sub("\ufffd", text))


def render_github(results: Sequence[FileReport]) -> str:
    """GitHub Actions workflow commands: an annotation per error and warning
    (``::error file=F,line=L,col=C,title=CODE::message``), a notice per file, the totals."""
    lines: list[str] = []
    for result in results:
        for m in result.report.messages:
            if m.level == "info":
                continue
            props = [f"file={_gh_property(result.source)}"]
            if m.line:
                props.append(f"line={m.line}")
            if m.column:
                props.append(f"col={m.column}")
            props.append(f"title={_gh_property(m.code)}")
            level = "error" if m.level == "error" else "warning"
            lines.append(f"::{level} {','.join(props)}::{_gh_data(_line_of(m))}")
        lines.append(
            f"::notice file={_gh_property(result.source)},title=hnp-feeds validate::"
            f"{_gh_data(f'{result.source}: {_count(result.report)} ({result.report.format})')}"
        )
    lines.append(_totals(results))
    return "\n".join(lines)


def _gh_data(text: str) -> str:
    """A workflow command's message: %, CR and LF escaped as GitHub documents, other
    controls replaced."""
    text = _NOT_XML.sub("\ufffd", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    """A workflow command's property value: also ':' and ','."""
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")

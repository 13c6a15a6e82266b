"""``hnp-feeds validate --format text|json|junit|github``: each form from the same reports,
the JSON checked against docs/validate-report.schema.json, the JUnit XML parsed back, the
GitHub annotations in the workflow-command syntax."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from lxml import etree
from typer.testing import CliRunner

from hnp_feeds.cli import app

runner = CliRunner()
SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "validate-report.schema.json"

CLEAN = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>t</title><link>https://a.example/</link><description>d</description><language>vi</language>
<atom:link rel="self" href="https://a.example/rss.xml" type="application/rss+xml"/>
<item><title>x</title><guid>https://a.example/1</guid></item>
</channel></rss>
"""
# an error on line 6 (a relative link), a warning (no guid); a NUL in another's encoding
BROKEN = CLEAN.replace(
    "<item><title>x</title><guid>https://a.example/1</guid></item>",
    "<item><title>x, y</title>\n<link>/relative</link></item>",
)


@pytest.fixture
def feeds(tmp_path: Path) -> list[str]:
    clean, broken = tmp_path / "clean.xml", tmp_path / "broken.xml"
    clean.write_text(CLEAN, encoding="utf-8")
    broken.write_text(BROKEN, encoding="utf-8")
    nul = tmp_path / "nul.xml"
    nul.write_bytes(b'<?xml version="1.0" encoding="utf\x00-8"?><rss version="2.0"/>')
    return [str(clean), str(broken), str(nul)]


def test_json_follows_the_documented_schema(feeds: list[str]) -> None:
    result = runner.invoke(app, ["validate", "--format", "json", *feeds])
    assert result.exit_code == 1
    report = json.loads(result.output)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(report, schema)
    assert report["$schema"] == schema["$id"]
    clean, broken, nul = report["files"]
    assert clean["ok"] and clean["summary"]["errors"] == 0
    assert broken["summary"] == {
        "errors": len([m for m in broken["messages"] if m["level"] == "error"]),
        "warnings": len([m for m in broken["messages"] if m["level"] == "warning"]),
        "infos": len([m for m in broken["messages"] if m["level"] == "info"]),
    }
    assert nul["messages"][0]["code"] == "UnknownEncoding"
    # --json is the same document
    assert json.loads(runner.invoke(app, ["validate", "--json", *feeds]).output) == report


def test_a_report_that_breaks_the_schema_is_caught() -> None:
    """The schema asserts something: a message without its explanation fails it."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    bad = {
        "files": [
            {
                "source": "x",
                "format": "rss",
                "ok": True,
                "summary": {"errors": 0, "warnings": 0, "infos": 0},
                "messages": [
                    {"level": "error", "code": "X", "params": {}, "line": 1, "column": None}
                ],
            }
        ],
        "summary": {"files": 1, "failed": 0, "errors": 0, "warnings": 0},
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_junit_is_one_test_case_per_feed_failed_by_its_errors(feeds: list[str]) -> None:
    result = runner.invoke(app, ["validate", "--format", "junit", *feeds])
    assert result.exit_code == 1
    suites = etree.fromstring(result.output.encode("utf-8"))  # well-formed, NUL and all
    cases = suites.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == feeds
    assert suites.get("tests") == "3" and suites.get("failures") == "2"
    clean, broken, nul = cases
    assert clean.find("failure") is None
    failure_types = [f.get("type") for f in broken.findall("failure")]
    assert failure_types == ["InvalidFullLink"]
    assert "MissingGuid" in (broken.findtext("system-out") or "")
    assert [f.get("type") for f in nul.findall("failure")] == ["UnknownEncoding"]


def test_github_annotations_name_file_line_and_code(feeds: list[str]) -> None:
    result = runner.invoke(app, ["validate", "--format", "github", *feeds])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert any(
        line.startswith(f"::error file={feeds[1]},line=6,title=InvalidFullLink::")
        for line in errors
    ), errors
    assert any(line.startswith(f"::warning file={feeds[1]},") for line in lines)
    # one notice per file: its summary
    notices = [line for line in lines if line.startswith("::notice ")]
    assert len(notices) == 3 and notices[0].endswith(f"{feeds[0]}: 0 errors, 0 warnings (rss)")
    assert lines[-1] == "3 feeds checked, 2 with errors: 2 errors, 1 warning"
    for line in errors:  # one line each, no control character (the NUL is replaced)
        assert line.isprintable() and line.count("::") == 2


def test_text_keeps_its_form(feeds: list[str]) -> None:
    result = runner.invoke(app, ["validate", "--format", "text", *feeds])
    assert result.output.splitlines()[0] == f"{feeds[0]}: ok (rss)"
    assert result.output == runner.invoke(app, ["validate", *feeds]).output

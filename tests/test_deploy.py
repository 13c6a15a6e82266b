"""The files of deploy/: systemd units that `systemd-analyze verify` accepts, and the cron
wrapper, which is silent on exit 0 and says the rest once."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hnp_feeds.cli import app
from tests.portal import portal_toml, record, write_records

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
HNP_FEEDS = Path(sys.executable).parent / "hnp-feeds"


def test_the_units_run_commands_hnp_feeds_has() -> None:
    commands = {command.name for command in app.registered_commands}
    run = [
        line.removeprefix("ExecStart=")
        for unit in UNITS
        for line in unit.read_text(encoding="utf-8").splitlines()
        if line.startswith("ExecStart=") and "hnp-feeds " in line
    ]
    assert len(run) == 2
    for line in run:
        (command,) = re.findall(r"/hnp-feeds (\w+) -c /srv/hnp/hnp-feeds.toml", line)
        assert command in commands, line


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here"
)
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    # The units name /srv/hnp/.venv/bin/hnp-feeds, which verify wants to exist: this one.
    for unit in UNITS:
        text = unit.read_text(encoding="utf-8")
        (tmp_path / unit.name).write_text(
            text.replace("/srv/hnp/.venv/bin/hnp-feeds", str(HNP_FEEDS)), encoding="utf-8"
        )
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / u.name) for u in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # Unknown keys and the like are only warnings to verify: any output is a fault here.
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "")


def test_the_cron_wrapper_mails_only_what_is_new(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(1), {"id": "2", "title": "x"}])
    env = {**os.environ, "HNP_FEEDS": str(HNP_FEEDS), "TMPDIR": str(tmp_path)}
    wrapper = [str(DEPLOY / "cron" / "hnp-feeds-cron"), str(config), str(export)]

    def cron() -> subprocess.CompletedProcess[str]:
        return subprocess.run(wrapper, env=env, capture_output=True, text=True, timeout=120)

    first = cron()
    assert first.returncode == 3, first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert lines[0].startswith("hnp-feeds publish exited 3 on ")
    assert f"rejected {export}:2: missing url (an article needs one to be published)" in lines
    assert any(re.match(r"last run: publish at .*: exit 3 rejected$", line) for line in lines)
    again = cron()
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")
    assert not list(tmp_path.glob("hnp-feeds-cron.*"))  # its temporary file is gone

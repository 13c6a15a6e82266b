"""Starting fast (issue 14, item 5): a command imports only what it uses.  A cron
``publish`` with nothing to do opens the store, sees nothing to do and exits without
loading the writers (feedgen), the validator (lxml), rich, httpx or pydantic.  A property
of the imports, checked in a fresh interpreter, not a timing."""

from __future__ import annotations

import json
import subprocess
import sys
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from .local_http import serving
from .portal import portal_toml, record, write_records

#: Modules (and their submodules) a no-op run must not load.
HEAVY = (
    "feedgen",
    "lxml",
    "hnp_feeds.validator",
    "hnp_feeds.writers.atom",
    "hnp_feeds.writers.rss",
    "rich",
    "httpx",
    "pydantic",
    "ftfy",
    "multiprocessing",
    "urllib.request",
    "numpy",
    "scipy",
    "hnp_feeds.related",
    "importlib.metadata",  # the validator's version (its source and lxml's) only when used
    "hnp_feeds.pages",  # index.html and the discovery fragments only when written
    "hnp_feeds.opml",
    "email",  # RFC 822 dates (and socket with them) only when an RSS date is written
    "tempfile",  # and the threads, gzip: only when a file is written
    "concurrent.futures",
    "gzip",
    "hnp_feeds.websub",  # the hub's client only when a ping is owed
)

_PROBE = """
import json, sys
from hnp_feeds.cli import main  # the console script
sys.argv[0] = "hnp-feeds"
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
heavy = %r
loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy))
import gc
print(json.dumps({"code": code, "loaded": loaded, "frozen": gc.get_freeze_count()}))
"""


#: And without a source to read: the adapters' logging (their repairs, caught for the result),
#: the door's text cleaning and HTML sanitizer (slugs and title keys are in ``names``), the
#: writers' shared helpers (``FEED_FILES`` and ``feed_url`` are in ``writers.document``).
SOURCELESS = (*HEAVY, "logging", "hnp_feeds.text", "nh3", "hnp_feeds.writers.common")


def _run(args: list[str], cwd: Path, heavy: tuple[str, ...] = HEAVY) -> tuple[int, list[str]]:
    """``hnp-feeds <args>`` in a fresh interpreter: its exit code, the ``heavy`` modules
    loaded."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE % (heavy,), *args],
        cwd=cwd, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # The command over, the objects left are out of the collector's walks at exit.
    assert result["frozen"] > 0, "the console script leaves the collector's last walks in"
    return int(result["code"] or 0), list(result["loaded"])


def test_a_publish_with_nothing_to_do_loads_no_writer_validator_or_ui(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(n) for n in range(6)])
    code, loaded = _run(["publish", "-c", str(config), str(export)], tmp_path)
    assert code == 0
    # The first publish rendered and validated: the probe sees what it would catch.
    assert "feedgen" in loaded and "lxml.etree" in loaded
    # A small run renders in this process: no worker forked, multiprocessing not loaded.
    assert not [m for m in loaded if m.partition(".")[0] == "multiprocessing"]
    assert _run(["publish", "-c", str(config)], tmp_path, SOURCELESS) == (0, [])
    # The whole export again, unchanged: read, skipped, nothing rendered.
    assert _run(["publish", "-c", str(config), str(export)], tmp_path) == (0, [])


def test_help_loads_no_pydantic_nor_the_pipeline(tmp_path: Path) -> None:
    code, loaded = _run(["--help"], tmp_path)
    assert code == 0
    assert [m for m in loaded if m.partition(".")[0] != "rich"] == []


def test_validating_a_utf8_feed_looks_up_no_other_codec(tmp_path: Path) -> None:
    # The encodings readers know are looked up (each a codec module imported) only when a
    # document declares one: a cron run validates UTF-8 alone.
    config = portal_toml(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(n) for n in range(3)])
    codecs = ("encodings.iso8859_2", "encodings.shift_jis", "encodings.big5", "encodings.koi8_r")
    code, loaded = _run(["publish", "-c", str(config), str(export)], tmp_path, codecs)
    assert (code, loaded) == (0, [])
    feed = next(tmp_path.rglob("atom.xml"))
    feed.write_bytes(feed.read_bytes().replace(b"encoding='UTF-8'", b"encoding='iso-8859-2'", 1))
    code, loaded = _run(["validate", str(feed)], tmp_path, codecs)
    assert loaded == sorted(codecs)  # the probe sees them when a document names another


class _Hub(BaseHTTPRequestHandler):
    """A WebSub hub that accepts every ping."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_hub_client_is_loaded_only_when_a_ping_is_owed(tmp_path: Path) -> None:
    with serving(_Hub) as base:
        config = portal_toml(tmp_path, hub=f"{base}/hub")
        export = write_records(tmp_path / "export.jsonl", [record(n) for n in range(3)])
        websub = ("hnp_feeds.websub",)
        # Feeds written: their pings are owed and sent, by the hub's client.
        first = _run(["publish", "-c", str(config), str(export)], tmp_path, websub)
        assert first == (0, list(websub))
        # Nothing written, nothing owed: the same catalogue with a hub never loads it.
        assert _run(["publish", "-c", str(config)], tmp_path, websub) == (0, [])


def test_typer_reads_the_commands_annotations_as_objects() -> None:
    # typer reads each parameter's annotation when it makes the command (at every start):
    # strings (``from __future__ import annotations``) would be evaluated there, 2/3 of
    # building ``publish`` (callgrind: 15 M instructions against 5 M).
    from hnp_feeds import cli

    commands = [command.callback for command in cli.app.registered_commands]
    annotations = [v for c in commands for v in c.__annotations__.values() if c is not None]
    assert len(commands) >= 10 and annotations
    assert not [a for a in annotations if isinstance(a, str)]

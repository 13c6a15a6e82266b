"""`hnp-feeds backup` and `restore`: SQLite's backup API, a consistent copy even while a
publish writes, and a restored store that publishes exactly what the original does."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from hnp_feeds.cli import app
from hnp_feeds.config import load_config
from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish, publish_lock
from hnp_feeds.store import open_store
from hnp_feeds.store.schema import SCHEMA_VERSION
from tests.portal import portal_toml, record, write_records

runner = CliRunner()
NOW = datetime.fromisoformat("2022-07-01T08:00:00+07:00")
LATER = NOW + timedelta(minutes=5)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_backup_taken_during_a_write_holds_what_was_committed(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(n) for n in range(5)])
    assert runner.invoke(app, ["publish", "-c", str(config), str(export)]).exit_code == 0
    store = tmp_path / "var" / "hnp-feeds.sqlite"
    # A publish in the middle of its transaction (the store's own connection settings).
    writer = sqlite3.connect(store, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("DELETE FROM articles WHERE record_id = '1001'")
    writer.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('mid-run', 'yes')")
    during = runner.invoke(app, ["backup", "-c", str(config), str(tmp_path / "b1.sqlite")])
    assert during.exit_code == ExitCode.OK, during.output
    assert f"to {tmp_path / 'b1.sqlite'}" in during.stdout
    writer.execute("COMMIT")
    writer.close()
    after = runner.invoke(app, ["backup", "-c", str(config), str(tmp_path / "b2.sqlite")])
    assert after.exit_code == ExitCode.OK, after.output
    for name, articles, mid_run in (("b1.sqlite", 5, []), ("b2.sqlite", 4, [("yes",)])):
        copy = sqlite3.connect(tmp_path / name)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
        assert copy.execute("SELECT count(*) FROM articles").fetchone() == (articles,)
        assert copy.execute("SELECT value FROM meta WHERE key = 'mid-run'").fetchall() == mid_run
        copy.close()
    assert not list(tmp_path.glob(".*partial"))


def test_a_restored_store_publishes_what_the_original_publishes(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    portal = load_config(config)
    records = [record(n) for n in range(12)]
    first = write_records(tmp_path / "first.jsonl", records)
    publish(portal, [first], now=NOW, workers=1)
    backup = tmp_path / "backups" / "hnp.sqlite"
    result = runner.invoke(app, ["backup", "-c", str(config), str(backup)])
    assert result.exit_code == ExitCode.OK, result.output
    # The machine is lost: a new store from the backup, the published files from the web root.
    restored = tmp_path / "new" / "hnp-feeds.sqlite"
    shutil.copytree(portal.out_dir, tmp_path / "new-feeds")
    put = runner.invoke(app, ["restore", "-c", str(config), "--store", str(restored), str(backup)])
    assert put.exit_code == ExitCode.OK, put.output
    assert f"(schema version {SCHEMA_VERSION})" in put.stdout
    # The next cron run, on both: an edit, a retraction, a new article.
    records[2] = record(2, title="Bài viết đã sửa")
    records[5] = record(5, status="retracted")
    records.append(record(40))
    second = write_records(tmp_path / "second.jsonl", records)
    a = publish(portal, [second], now=LATER, workers=1)
    b = publish(
        portal,
        [second],
        store_path=restored,
        out_dir=tmp_path / "new-feeds",
        now=LATER,
        workers=1,
    )
    assert a.exit_code == b.exit_code == ExitCode.OK
    assert sorted(p.name for p in a.written) == sorted(p.name for p in b.written)
    assert a.written, "the edit was published"
    assert tree(portal.out_dir) == tree(tmp_path / "new-feeds")
    with open_store(restored) as store:
        assert store.check() == []


def test_restore_waits_for_no_run_and_refuses_what_is_no_store(tmp_path: Path) -> None:
    config = portal_toml(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(1)])
    assert runner.invoke(app, ["publish", "-c", str(config), str(export)]).exit_code == 0
    store = tmp_path / "var" / "hnp-feeds.sqlite"
    backup = tmp_path / "hnp.sqlite"
    assert runner.invoke(app, ["backup", "-c", str(config), str(backup)]).exit_code == 0
    with publish_lock(store):
        busy = runner.invoke(app, ["restore", "-c", str(config), str(backup)])
    assert busy.exit_code == ExitCode.LOCKED and "another publish is running" in busy.stderr
    notes = tmp_path / "notes.sqlite"
    sqlite3.connect(notes).execute("CREATE TABLE x (y)").connection.close()
    wrong = runner.invoke(app, ["restore", "-c", str(config), str(notes)])
    assert wrong.exit_code == ExitCode.FAILED and "not an hnp-feeds store" in wrong.stderr
    itself = runner.invoke(app, ["backup", "-c", str(config), str(store)])
    assert itself.exit_code == ExitCode.FAILED and "is the store itself" in itself.stderr
    with open_store(store) as kept:  # the store is untouched by what was refused
        assert kept.live_count() == 1

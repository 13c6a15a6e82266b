"""The cron path (issue 14, item 5): a small run renders in the publishing process, the
same bytes as forked workers give; a run with nothing to do writes nothing and touches no
file."""

from __future__ import annotations

import concurrent.futures
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish, workers
from hnp_feeds.publish.workers import SMALL_RUN_DOCUMENTS, SMALL_RUN_ENTRIES, Workers
from hnp_feeds.timezone import localize

from .portal import call_cli, catalogue, portal_toml, record, write_records

NOW = localize(datetime(2022, 7, 1, 8, 0))


def files_with_times(out: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in out.rglob("*")
        if p.is_file()
    }


def test_a_small_run_renders_here_the_bytes_that_forked_workers_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first publish and a cron run of two new articles and an edit, the number of
    processes left to the run (a small run: rendered in this process) and two asked for
    (forked workers): the same files, ``.gz`` included, and only the second forked."""
    pools: list[Any] = []
    real_pool = concurrent.futures.ProcessPoolExecutor

    def counted(*args: Any, **kwargs: Any) -> Any:
        pools.append(real_pool(*args, **kwargs))
        return pools[-1]

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", counted)
    first = [record(n) for n in range(9)]
    then = [*first[:3], record(3, title="Bài viết số 3, đã sửa"), *first[4:], record(9), record(10)]
    found: dict[str, list[dict[str, bytes]]] = {}
    for name, processes in (("here", None), ("forked", 2)):
        (tmp_path / name).mkdir()
        portal = catalogue(tmp_path / name)
        runs = []
        for day, records in enumerate((first, then)):
            source = write_records(tmp_path / name / f"export-{day}.jsonl", records)
            done = publish(portal, [source], now=NOW + timedelta(days=day), workers=processes)
            assert done.exit_code is ExitCode.OK and done.written
            runs.append({k: v[0] for k, v in files_with_times(portal.out_dir).items()})
        found[name] = runs
        assert len(pools) == (0 if processes is None else 2), name  # a pool a run
    assert found["here"] == found["forked"]


def test_workers_are_forked_for_more_than_a_small_run() -> None:
    """A run left to choose forks for more than one batch of documents or more than
    ``SMALL_RUN_ENTRIES`` entries to render; asked for processes, from four jobs on."""
    chooses = Workers(catalogue(Path("/nonexistent")).site, len, 2, None, small_run=True)
    assert not chooses._pays(SMALL_RUN_DOCUMENTS, SMALL_RUN_ENTRIES)
    assert chooses._pays(SMALL_RUN_DOCUMENTS + 1, 0)
    assert chooses._pays(1, SMALL_RUN_ENTRIES + 1)
    asked = Workers(catalogue(Path("/nonexistent")).site, len, 2, None)
    assert asked._pays(workers.MIN_PARALLEL_JOBS, 0)
    assert not asked._pays(workers.MIN_PARALLEL_JOBS - 1, 10**6)


def test_a_cron_run_with_nothing_to_do_writes_nothing_and_keeps_every_mtime(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = portal_toml(tmp_path)
    monkeypatch.chdir(tmp_path)
    export = write_records(tmp_path / "export.jsonl", [record(n) for n in range(6)])
    code, out, _ = call_cli(["publish", "-c", str(config), str(export)], capsys)
    assert code == 0 and "files written" in out
    before = files_with_times(tmp_path / "feeds")
    assert any(name.endswith(".gz") for name in before)
    for args in ([], [str(export)]):  # no source; the whole export again, unchanged
        code, out, err = call_cli(["publish", "-c", str(config), *args], capsys)
        assert (code, err) == (0, "")
        assert "0 files written" in out or "nothing to publish" in out, out
        assert files_with_times(tmp_path / "feeds") == before

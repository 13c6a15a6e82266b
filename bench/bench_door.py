"""The door (adapters/): what reading one record costs, raw line to ``Article``, and how
fast the hostile records of issue 15 are refused.

    .venv/bin/python bench/bench_door.py [--articles 100000]

Prints, for the first 10,000 records and for all ``--articles`` of ``bench_publish``'s
generated portal export (``base.jsonl``, generated once into bench/out/door/), the CPU
time of ``read_jsonl`` alone (line read, digest, JSON, every check, the ``Article``), no
store, every record read in this process: CPU seconds per 10,000 records, microseconds and
records per CPU second, then read by the door's workers (``adapters.parallel``): wall time,
records per second, CPU time here and in the workers; then the
time per record of the bundled sample portal's records, and the time to refuse each
hostile record (an 11 MB body, 20,000 tags, 100,000 nested ``<div>``, 20,000 nested
within the size limit).  Before the door bounded them, the hostile records took 2 s, 4 s,
74 s and 5 s each, and were published.
Targets: the door well under 100 us a record (the first ingest's whole budget at 10,000
records/s); each hostile record refused in <= 0.1 s.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from itertools import islice
from pathlib import Path
from typing import Any

from hnp_feeds.adapters import parallel
from hnp_feeds.adapters.jsonl import read_jsonl
from hnp_feeds.adapters.records import article_from_record
from hnp_feeds.config import Limits, bundled_config_path
from hnp_feeds.errors import RecordError
from hnp_feeds.model import Article

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_publish import GENERATOR, generate  # noqa: E402
from measure import load_average  # noqa: E402

HOSTILE: dict[str, dict[str, Any]] = {
    "11 MB content_html": {"content_html": "<p>" + "x" * 11_000_000 + "</p>"},
    "20,000 tags": {"tags": [f"thẻ {n}" for n in range(20_000)]},
    "100,000 nested <div>": {"content_html": "<div>" * 100_000 + "</div>" * 100_000},
    "20,000 nested <div>": {"content_html": "<div>" * 20_000 + "</div>" * 20_000},
}


def export(articles: int) -> Path:
    """``bench_publish``'s portal export of ``articles`` records, generated once."""
    folder = HERE / "out" / "door" / "-".join(f"{k}{v}" for k, v in GENERATOR.items())
    path = folder / f"base{articles}.jsonl"
    if not path.exists():
        generate(folder / "tmp", articles)
        (folder / "tmp" / "base.jsonl").rename(path)
    return path


def door(path: Path, records: int) -> None:
    """The CPU time of reading the first ``records`` lines of ``path`` through the door, all
    in this process; then, when that many are read in workers, their wall and CPU time."""
    threshold = parallel.THRESHOLD
    part = path.with_name(f"first{records}.jsonl")
    with path.open("rb") as whole, part.open("wb") as out:
        out.writelines(islice(whole, records))
    parallel.THRESHOLD = 10**9  # the door's own cost: every record read in this process
    started, clock = time.process_time(), time.perf_counter()
    articles = sum(isinstance(item, Article) for item in read_jsonl(part, limits=Limits()))
    cpu, clock = time.process_time() - started, time.perf_counter() - clock
    assert articles == records, f"{records - articles} records refused"
    print(
        f"door, {records:,} records: {cpu:.2f} s CPU ({clock:.2f} s wall),"
        f" {cpu / records * 10_000:.2f} s CPU per"
        f" 10,000 records, {cpu / records * 1e6:.0f} us a record,"
        f" {records / cpu:,.0f} records per CPU second",
        flush=True,
    )
    parallel.THRESHOLD = threshold
    if records < threshold:
        return
    wall, mine, theirs = time.perf_counter(), time.process_time(), _children_cpu()
    articles = sum(isinstance(item, Article) for item in read_jsonl(part, limits=Limits()))
    wall, mine = time.perf_counter() - wall, time.process_time() - mine
    theirs = _children_cpu() - theirs
    assert articles == records, f"{records - articles} records refused"
    print(
        f"  in {parallel.PROCESSES} workers: {wall:.2f} s wall ({records / wall:,.0f} records/s),"
        f" {mine:.2f} s CPU here, {theirs:.2f} s in the workers",
        flush=True,
    )


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    print(load_average(), flush=True)
    path = export(args.articles)
    for records in sorted({min(10_000, args.articles), args.articles}):
        door(path, records)
    print(load_average(), flush=True)

    sample = bundled_config_path().parent / "articles.jsonl"
    records = [json.loads(line) for line in sample.read_text("utf-8").splitlines() if line]
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for record in records:
            article_from_record(record, str(sample), 1)
    each = (time.perf_counter() - started) / (rounds * len(records))
    print(f"sample records: {each * 1000:.3f} ms a record ({rounds * len(records)} checked)")
    for name, changes in HOSTILE.items():
        started = time.perf_counter()
        outcome = article_from_record({**records[0], **changes}, "hostile.jsonl", 1)
        took = time.perf_counter() - started
        said = outcome.reason if isinstance(outcome, RecordError) else "ACCEPTED"
        print(f"{name}: {took:.3f} s, {said}")


if __name__ == "__main__":
    main()

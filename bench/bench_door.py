"""The door (adapters/records.py): what checking one record costs, and how fast the hostile
records of issue 15 are refused.

    .venv/bin/python bench/bench_door.py

Prints the time per record of the bundled sample portal's records, then the time to
refuse each hostile record (an 11 MB body, 20,000 tags, 100,000 nested ``<div>``, 20,000
nested within the size limit).  Before the door bounded them, the same records took
2 s, 4 s, 74 s and 5 s each, and were published.
Targets: <= 2 ms a sample record; each hostile record refused in <= 0.1 s.
"""

from __future__ import annotations

import json
import time
from typing import Any

from hnp_feeds.adapters.records import article_from_record
from hnp_feeds.config import bundled_config_path
from hnp_feeds.errors import RecordError

HOSTILE: dict[str, dict[str, Any]] = {
    "11 MB content_html": {"content_html": "<p>" + "x" * 11_000_000 + "</p>"},
    "20,000 tags": {"tags": [f"thẻ {n}" for n in range(20_000)]},
    "100,000 nested <div>": {"content_html": "<div>" * 100_000 + "</div>" * 100_000},
    "20,000 nested <div>": {"content_html": "<div>" * 20_000 + "</div>" * 20_000},
}


def main() -> None:
    path = bundled_config_path().parent / "articles.jsonl"
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for record in records:
            article_from_record(record, str(path), 1)
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

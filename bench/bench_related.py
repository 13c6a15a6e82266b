"""Related posts: how fast, and how relevant, on generated portals with known topics.

The portal is ``tests/topics.py``'s (Vietnamese-like two-syllable words, a Zipf common
vocabulary with function words, stories of about 40 articles each, one article in ten
about nothing in particular).  Related posts are computed as the store computes them at
ingest (``store.ingest._complete_related``): ``RelatedIndex.add`` of every article into
a SQLite file, one ``snapshot``, ``related_many`` by chunks of 2,000 (one pass of sparse
products); then a cron run: 10 new articles added and scored from the postings.

    .venv/bin/python bench/bench_related.py [sizes...]     # default 10000 100000

Prints, per size: the CPU and wall time of the first ingest's related posts, articles/s,
the growth from the previous size; the ms for +10 articles; the share of computed links
that stay in their topic (precision) and of articles given one (coverage).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.topics import generate  # noqa: E402

from hnp_feeds.model import Link  # noqa: E402
from hnp_feeds.related import QUERY_TERMS, THRESHOLD, WINDOW_DAYS, RelatedIndex  # noqa: E402

RELATED = 5
CRON = 10
CHUNK = 2000


class Clock:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        lap = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return lap


def run(size: int, folder: Path) -> tuple[float, float]:
    portal = generate(size + CRON)
    first, cron = portal.articles[:size], portal.articles[size:]
    path = folder / f"related-{size}.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    index = RelatedIndex(conn)
    related: dict[str, tuple[Link, ...]] = {}
    clock = Clock()
    conn.execute("BEGIN")
    index.add(first)
    indexed = clock.lap()
    snapshot = index.snapshot()
    for start in range(0, size, CHUNK):
        chunk = first[start : start + CHUNK]
        for article, links in zip(chunk, index.related_many(chunk, RELATED, snapshot), strict=True):
            related[article.url or ""] = links
    conn.execute("COMMIT")
    scored = clock.lap()
    wall, cpu = indexed[0] + scored[0], indexed[1] + scored[1]
    print(f"  {size:>7,} articles: first ingest {wall:6.2f} s wall, {cpu:6.2f} s CPU"
          f" = {size / cpu:7,.0f} articles/s (CPU; index {indexed[1]:.2f} s,"
          f" related {scored[1]:.2f} s)", flush=True)  # fmt: skip
    clock.lap()
    conn.execute("BEGIN")
    index.add(cron)
    for article, links in zip(cron, index.related_many(cron, RELATED), strict=True):
        related[article.url or ""] = links
    conn.execute("COMMIT")
    wall_cron, cpu_cron = clock.lap()
    precision, links = portal.precision(related)
    print(f"           +{CRON} articles (cron, from the postings): {1e3 * wall_cron:6.1f} ms wall,"
          f" {1e3 * cpu_cron:6.1f} ms CPU", flush=True)  # fmt: skip
    print(f"           links {links:,}: in the article's own topic {precision:.1%};"
          f" articles given one {portal.coverage(related):.1%};"
          f" store {path.stat().st_size / 1e6:.0f} MB", flush=True)  # fmt: skip
    conn.close()
    return cpu, size / cpu


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
    print(f"related posts, {RELATED} each: TF-IDF over syllables, pairs and tags, threshold"
          f" {THRESHOLD}, {QUERY_TERMS} terms per article, look-back {WINDOW_DAYS:.0f} days;"
          f" load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)  # fmt: skip
    previous: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory() as folder:
        for size in sizes:
            cpu, _ = run(size, Path(folder))
            if previous is not None:
                print(f"           growth: {size / previous[0]:.0f}x the articles,"
                      f" {cpu / previous[1]:.1f}x the CPU time", flush=True)  # fmt: skip
            previous = (size, cpu)


if __name__ == "__main__":
    main()

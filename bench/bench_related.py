"""Related posts: how fast, and how relevant, on generated portals with known topics.

The portal is ``tests/topics.py``'s (Vietnamese-like two-syllable words, a Zipf common
vocabulary with function words, stories of about 40 articles each, one article in ten
about nothing in particular).  Related posts are computed as the store computes them at
ingest: ``RelatedIndex.add`` of every article into a SQLite file (in bulk, 5,000 at a
time), one ``snapshot``, ``related_many`` by chunks of 2,000 (one pass of sparse
products); then a cron run: 10 new articles added and scored from the postings.  Then
the same articles through the store's own ingest (``SQLiteStore.ingest``: rows, links,
related posts, one transaction), first all, then the 10 more.

    .venv/bin/python bench/bench_related.py [sizes...]     # default 10000 100000

Prints, per size: the wall and the CPU time of the first ingest's related posts (the CPU
of this process and of its text model workers), articles/s of each, the machine's load,
the growth from the previous size; what the index holds (term rows, and the terms of one
article kept by buckets); the ms for +10 articles; the share of computed links
that stay in their topic (precision) and of articles given one (coverage).
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.topics import Portal, generate  # noqa: E402

from hnp_feeds.config import parse_config  # noqa: E402
from hnp_feeds.model import Link  # noqa: E402
from hnp_feeds.related import QUERY_TERMS, THRESHOLD, WINDOW_DAYS, RelatedIndex  # noqa: E402
from hnp_feeds.related_pass import PROCESSES, THREADS  # noqa: E402
from hnp_feeds.store import open_store  # noqa: E402

SITE = {
    "title": "Báo HNP", "base_url": "https://hnp.example.vn/",
    "feeds_url": "https://hnp.example.vn/feeds/", "tag_authority": "hnp.example.vn",
    "tag_date": "2008-01-01", "description": "Tin tức HNP", "related_count": 5,
}  # fmt: skip

RELATED = 5
CRON = 10
CHUNK = 2000


def _cpu() -> float:
    """The CPU time of this process and of its workers that have ended (a bulk's text model
    workers end with it)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class Clock:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), _cpu()
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
    with index.bulk():
        for start in range(0, size, 5000):
            index.add(first[start : start + 5000])
    indexed = clock.lap()
    snapshot = index.snapshot()
    for start in range(0, size, CHUNK):
        chunk = first[start : start + CHUNK]
        for article, links in zip(chunk, index.related_many(chunk, RELATED, snapshot), strict=True):
            related[article.url or ""] = links
    conn.execute("COMMIT")
    scored = clock.lap()
    wall, cpu = indexed[0] + scored[0], indexed[1] + scored[1]
    print(f"  {size:>7,} articles: first ingest {wall:6.2f} s wall = {size / wall:7,.0f}"
          f" articles/s wall; {cpu:6.2f} s CPU (workers' included) = {size / cpu:7,.0f}"
          f" articles/s CPU (index {indexed[0]:.2f} s wall, {indexed[1]:.2f} s CPU; related"
          f" {scored[0]:.2f} s wall, {scored[1]:.2f} s CPU); load {os.getloadavg()[0]:.1f}",
          flush=True)  # fmt: skip
    (rows,) = conn.execute("SELECT count(*) FROM related_terms").fetchone()
    buckets, lone = conn.execute("SELECT count(*), sum(length(terms)) FROM related_rare").fetchone()
    print(f"           index: {rows:,} term rows; {(lone or 0) // 8:,} terms of one article"
          f" in {buckets:,} buckets", flush=True)  # fmt: skip
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
    run_store(portal, size, folder)
    return cpu, size / cpu


def run_store(portal: Portal, size: int, folder: Path) -> None:
    """The same articles through the store's ingest (what ``hnp-feeds ingest`` does after
    the adapters): the first ``size``, then 10 more."""
    site = parse_config(
        {"site": SITE, "store": {"path": "store.sqlite"}, "output": {"dir": "feeds"}},
        folder / "hnp-feeds.toml",
    ).site
    now = portal.articles[-1].published + timedelta(days=1)
    first, cron = portal.articles[:size], portal.articles[size:]
    with open_store(folder / f"store-{size}.sqlite") as store:
        clock = Clock()
        store.ingest(first, site, now)
        wall, cpu = clock.lap()
        store.ingest(cron, site, now)
        wall_cron, cpu_cron = clock.lap()
        related = {
            str(url): tuple(Link(u, t) for u, t in json.loads(given))
            for url, given in store.db.execute(
                "SELECT json_extract(body, '$.url'), json_extract(body, '$.related') FROM articles"
            )
        }
    precision, links = portal.precision(related)
    print(f"           store ingest (rows, links, related): {wall:6.2f} s wall, {cpu:6.2f} s CPU"
          f" = {size / cpu:7,.0f} articles/s CPU; +{CRON}: {1e3 * wall_cron:6.1f} ms wall,"
          f" {1e3 * cpu_cron:6.1f} ms CPU; in topic {precision:.1%} of {links:,} links",
          flush=True)  # fmt: skip


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [10_000, 100_000]
    print(f"related posts, {RELATED} each: TF-IDF over syllables, pairs and tags, threshold"
          f" {THRESHOLD}, {QUERY_TERMS} terms per article, look-back {WINDOW_DAYS:.0f} days;"
          f" load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {PROCESSES} text model"
          f" worker processes, {THREADS} scoring threads", flush=True)  # fmt: skip
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

"""Cron following the live portal: a web source against a 1,000-article fake portal on
127.0.0.1 (tests/web_portal.py, 50 articles a listing page).

    .venv/bin/python bench/bench_web.py [--articles N]

Publishes (the whole pipeline, through ``publish``), each timed with the requests the
portal saw: the first run, which reads every listing page and article; a cron run when
nothing changed (the default ``max_depth`` 3 listing pages, ``recheck_per_run`` 20
conditional GETs); a cron run after 10 new articles.  ``delay_seconds`` is 0 here (a
local server); with the default 1 s, a run also waits about one second per request.
Target: an unchanged portal costs a few requests and well under a second of our time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fake portal of the tests

from tests.portal import portal_toml  # noqa: E402
from tests.web_portal import Article, FakePortal, serving, web_table  # noqa: E402

from hnp_feeds.config import load_config  # noqa: E402
from hnp_feeds.publish import publish  # noqa: E402


def article(n: int) -> Article:
    day, minute = 1 + n // 48 % 28, n % 48 * 30
    return Article(
        f"bai-{n:05d}",
        f"Tin số {n}: thành phố tổ chức lễ hội văn hóa",
        f"{minute // 60:02d}:{minute % 60:02d} {day:02d}/{1 + n // 1344 % 12:02d}/2022",
        body=f"Đoạn thân bài của tin số {n}.",
        encoding="cp1258" if n % 3 == 0 else "utf-8",
    )


def run(config: Path, portal: FakePortal, name: str) -> dict[str, object]:
    portal.clear()
    started = time.perf_counter()
    catalogue = load_config(config)
    result = publish(catalogue, catalogue.sources)
    seconds = time.perf_counter() - started
    asked = portal.asked()
    conditional = sum("if-none-match" in r.headers for r in asked)
    figures: dict[str, object] = {
        "seconds": round(seconds, 3),
        "requests": len(asked),
        "listing_pages": sum(r.path == "/tin-tuc/" for r in asked),
        "conditional": conditional,
        "new_or_changed": result.ingest.added + result.ingest.changed if result.ingest else 0,
        "exit": result.exit_code.name.lower(),
    }
    print(f"  {name}: {json.dumps(figures)}", flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    args = parser.parse_args()
    portal = FakePortal([article(n) for n in range(args.articles, 0, -1)], per_page=50)
    pages = -(-args.articles // 50)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as scratch, serving(portal):
        root = Path(scratch)
        config = portal_toml(root, sources=[portal.listing])
        base = config.read_text()
        cron = web_table(retries=0, read_timeout=5, connect_timeout=5)
        first = web_table(retries=0, read_timeout=5, max_depth=pages, page_budget=10**6)
        config.write_text(base + first, encoding="utf-8")
        run(config, portal, f"first run ({args.articles} articles, {pages} listing pages)")
        config.write_text(base + cron, encoding="utf-8")
        quiet = run(config, portal, "cron, nothing changed")
        for n in range(args.articles + 1, args.articles + 11):
            portal.articles.insert(0, article(n))
        added = run(config, portal, "cron, 10 new articles")
    ok = quiet["new_or_changed"] == 0 and added["new_or_changed"] == 10
    ok = ok and int(str(quiet["requests"])) <= 30 and float(str(quiet["seconds"])) < 1.0
    print(f"  target (no-op <= 30 requests and < 1 s, 10 new read): {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

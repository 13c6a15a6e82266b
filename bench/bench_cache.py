"""Entries rendered and checked once (issue 14.3): publishing with and without the cache.

    .venv/bin/python bench/bench_cache.py [--articles N (5,000)] [--keep]

On ``bench_publish``'s portal (generated into bench/out/entry-cache/, git-ignored), ingested
once; then for each of "whole" (``entry_cache=False``: every document rendered by feedgen
and validated whole) and "cached", each in a fresh process on its own copy of the store:
the first full publish; a publish after +10 articles, three times; and a full publish
again with the cache filled (the output directory lost).  Wall and CPU seconds (the
process and its render workers), in process (no interpreter start-up), with the
machine's load beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import bench_publish

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "entry-cache"  # not bench_publish's out/cache: this one is wiped


def phase(name: str, variant: str) -> dict[str, Any]:
    from hnp_feeds.config import load_config
    from hnp_feeds.publish import publish

    catalogue = load_config(OUT / "hnp-feeds.toml")
    store, out = OUT / f"{variant}.sqlite", OUT / f"feeds-{variant}"
    if name == "again":
        shutil.rmtree(out, ignore_errors=True)
    sources = [OUT / f"{name}.jsonl"] if name.startswith("add10_") else []
    started = time.perf_counter()
    cpu = _cpu()
    done = publish(
        catalogue, sources, store_path=store, out_dir=out, entry_cache=variant == "cached"
    )
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "cpu": round(_cpu() - cpu, 3),
        "files": len(done.written),
        "outcome": done.exit_code.name,
    }


def _cpu() -> float:
    """CPU seconds of this process and of its children waited for (the render workers)."""
    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in used)


def run_phase(name: str, variant: str) -> dict[str, Any]:
    load = os.getloadavg()[0]
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--variant", variant],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["load"] = round(load, 1)
    print(f"  {variant} {name}: {json.dumps(figures)}", flush=True)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase")
    parser.add_argument("--variant")
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="reuse the ingested store")
    parser.add_argument("--variants", default="whole,cached")
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase, args.variant)))
        return 0
    ingested = OUT / "ingested.sqlite"
    if not (args.keep and ingested.is_file()):
        shutil.rmtree(OUT, ignore_errors=True)
        bench_publish.generate(OUT, args.articles)
        from hnp_feeds.config import load_config
        from hnp_feeds.publish import ingest

        started = time.perf_counter()
        ingest(load_config(OUT / "hnp-feeds.toml"), [OUT / "base.jsonl"], store_path=ingested)
        print(f"ingested {args.articles:,} articles in {time.perf_counter() - started:.0f} s")
    for variant in args.variants.split(","):
        shutil.rmtree(OUT / f"feeds-{variant}", ignore_errors=True)
        for suffix in ("", "-wal", "-shm"):
            (OUT / f"{variant}.sqlite{suffix}").unlink(missing_ok=True)
        for suffix in ("", "-wal"):
            if Path(f"{ingested}{suffix}").is_file():
                shutil.copy(f"{ingested}{suffix}", OUT / f"{variant}.sqlite{suffix}")
        run_phase("full", variant)
        for k in range(bench_publish.ROUNDS):
            run_phase(f"add10_{k}", variant)
        run_phase("again", variant)
    same = subprocess.run(
        ["diff", "-rq", str(OUT / "feeds-whole"), str(OUT / "feeds-cached")], check=False
    )
    print("outputs identical" if same.returncode == 0 else "OUTPUTS DIFFER")
    return 0


if __name__ == "__main__":
    sys.exit(main())

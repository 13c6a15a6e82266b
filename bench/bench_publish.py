"""Cron publishing on a large portal: 100,000 articles, 30 categories, 200 authors.

    .venv/bin/python bench/bench_publish.py [--articles N]

Times, each phase in a fresh process (so peak RSS is that phase's own):
ingest; a full publish from the filled store; a publish after adding 10 articles; a
publish with nothing changed (bytes written, mtimes kept); the same through the CLI;
and, in the same run, the naive way (``build``: every feed re-rendered from all the
records each run) for the full site and for the 10-article update.
Targets (2-core machine): full <= 20 s, 10-article update <= 1 s and >= 20x faster
than naive, no-op <= 0.3 s writing 0 bytes, peak RSS <= 400 MB.
The portal is generated deterministically into bench/out/ (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "publish"

CATEGORIES = [
    "Thời sự", "Kinh tế", "Thể thao", "Văn hóa", "Giáo dục", "Sức khỏe", "Pháp luật",
    "Thế giới", "Khoa học", "Công nghệ", "Du lịch", "Ẩm thực", "Bất động sản",
    "Ô tô xe máy", "Giải trí", "Đời sống", "Quân sự", "Nông nghiệp", "Môi trường",
    "Lao động", "Tài chính", "Chứng khoán", "Bóng đá", "Âm nhạc", "Điện ảnh",
    "Thời trang", "Gia đình", "Xã hội", "Chính trị", "Quốc phòng",
]  # fmt: skip
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà"]  # 10 x 4 x 5 = 200 authors
TAGS = [f"chủ đề {n}" for n in range(50)]
WORDS = (
    "hôm nay thành phố tổ chức lễ hội văn hóa với sự tham gia của hàng nghìn người dân "
    "và du khách trong nước quốc tế chính quyền địa phương cho biết kế hoạch năm tới "
    "sẽ mở rộng quy mô nâng cao chất lượng dịch vụ bảo đảm an toàn trật tự"
).split()
SITE = "https://hnp.example.vn/"
ADD_ROUNDS = 3  # publishes after adding 10 articles; the median is reported


def slug(text: str) -> str:
    from hnp_feeds.text import slugify

    return slugify(text)


def article_record(n: int, rng: random.Random) -> dict[str, Any]:
    """Article ``n``: published every ~78 minutes from 2008 on, with a few seconds of jitter."""
    category = CATEGORIES[rng.randrange(len(CATEGORIES))]
    author = f"{FAMILY[n % 10]} {MIDDLE[(n // 10) % 4]} {GIVEN[(n // 40) % 5]}"
    minutes = 1_200_000 + n * 78 + rng.randrange(60)
    day, rest = divmod(minutes, 1440)
    published = f"{day}:{rest // 60:02d}:{rest % 60:02d}"  # decoded below
    words = [WORDS[rng.randrange(len(WORDS))] for _ in range(90)]
    paragraphs = "".join(f"<p>{' '.join(words[i : i + 30])}.</p>" for i in range(0, 90, 30))
    section = slug(category)
    return {
        "id": str(100_000 + n),
        "url": f"{SITE}{section}/bai-{n}.html",
        "title": f"Bài {n}: {' '.join(words[:8])}",
        "summary": f"HNP - {' '.join(words[8:30])}.",
        "content_html": paragraphs,
        "author": author,
        "category": {"slug": section, "name": category},
        "tags": sorted({TAGS[rng.randrange(len(TAGS))] for _ in range(2)}),
        "published": published,
        # The two posts before it; the first posts link their section's page instead (a
        # link to itself, or none at all, is refused by the portal policy).
        "related": [
            {"url": f"{SITE}{section}/bai-{n - k}.html", "title": f"Bài {n - k}"}
            for k in (1, 2)
            if n - k >= 0
        ]
        or [{"url": f"{SITE}{section}/", "title": category}],
    }


def _when(minutes_field: str) -> str:
    from datetime import datetime, timedelta

    day, hour, minute = (int(x) for x in minutes_field.split(":"))
    moment = datetime(2005, 1, 1) + timedelta(days=day, hours=hour, minutes=minute)
    return moment.strftime("%Y-%m-%d %H:%M")


def generate(articles: int) -> None:
    """The portal's export (``base.jsonl``), three batches of 10 newer articles
    (``add10_<k>.jsonl``) and a catalogue, all under bench/out/publish/."""
    OUT.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20260526)
    batches = [("base.jsonl", range(articles))] + [
        (f"add10_{k}.jsonl", range(articles + 10 * k, articles + 10 * (k + 1)))
        for k in range(ADD_ROUNDS)
    ]
    for name, numbers in batches:
        with (OUT / name).open("w", encoding="utf-8") as handle:
            for n in numbers:
                item = article_record(n, rng)
                item["published"] = _when(item["published"])
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    config = OUT / "hnp-feeds.toml"
    config.write_text(
        "[site]\n"
        'title = "Báo HNP"\nbase_url = "https://hnp.example.vn/"\n'
        'feeds_url = "https://hnp.example.vn/feeds/"\ntag_authority = "hnp.example.vn"\n'
        'tag_date = "2008-01-01"\ndescription = "Tin tức HNP"\nentries_per_feed = 50\n'
        '[[feed]]\nslug = "chu-de-7"\ntitle = "Chủ đề 7"\ntag = "chủ đề 7"\n'
        '[[feed]]\nslug = "chu-de-8"\ntitle = "Chủ đề 8"\ntag = "chủ đề 8"\n'
        '[store]\npath = "var/hnp-feeds.sqlite"\n[output]\ndir = "feeds"\n',
        encoding="utf-8",
    )


# --- one phase, in a child process ------------------------------------------------------------


def phase(name: str) -> dict[str, Any]:
    """Run one measured phase in this process and return its figures."""
    from hnp_feeds.config import load_config
    from hnp_feeds.publish import ingest, publish

    catalogue = load_config(OUT / "hnp-feeds.toml")
    out = OUT / "feeds"
    naive_out = OUT / "naive"
    base = OUT / "base.jsonl"
    figures: dict[str, Any] = {}
    started = time.perf_counter()
    if name == "ingest":
        result = ingest(catalogue, [base])
        figures["records"] = result.seen
    elif name in ("full", "noop") or name.startswith("add10_"):
        sources = [OUT / f"{name}.jsonl"] if name.startswith("add10_") else []
        done = publish(catalogue, sources, out_dir=out)
        figures.update(
            feeds=len(done.rendered),
            files=len(done.written),
            bytes=done.bytes_written,
            outcome=done.exit_code.name,
        )
    elif name in ("naive_full", "naive_add10"):
        sources = [base, OUT / "add10_0.jsonl"] if name == "naive_add10" else [base]
        figures.update(naive(catalogue, sources, naive_out))
    else:
        raise SystemExit(f"unknown phase {name}")
    figures["seconds"] = time.perf_counter() - started
    # The publishing process and its largest render worker (ru_maxrss is in KiB on Linux).
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["worker_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return figures


def naive(catalogue: Any, sources: list[Path], out: Path) -> dict[str, Any]:
    """The naive cron job most portals run (``naive_cron.py``: parse the export, feedgen
    every main, category and author feed, write; no validation, no archives)."""
    from naive_cron import run

    return run(list(sources), out, catalogue.site.entries_per_feed)


def run_phase(name: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--phase", name], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  {name}: {json.dumps(figures)}", flush=True)
    return figures


def mtimes(directory: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in directory.rglob("*") if p.is_file()}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--phase")
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.phase)))
        return 0

    import shutil

    shutil.rmtree(OUT, ignore_errors=True)
    started = time.perf_counter()
    generate(args.articles)
    print(
        f"generated {args.articles:,} articles in {time.perf_counter() - started:.1f} s", flush=True
    )
    figures = {"ingest": run_phase("ingest"), "full": run_phase("full")}
    before = mtimes(OUT / "feeds")
    figures["noop"] = run_phase("noop")
    kept = mtimes(OUT / "feeds") == before
    cli_started = time.perf_counter()
    cli = subprocess.run(
        [sys.executable, "-c", "from hnp_feeds.cli import app; app()", "publish", "-c",
         str(OUT / "hnp-feeds.toml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    cli_seconds = time.perf_counter() - cli_started
    rounds = [run_phase(f"add10_{k}") for k in range(ADD_ROUNDS)]
    figures["add10"] = sorted(rounds, key=lambda r: float(r["seconds"]))[ADD_ROUNDS // 2]
    slowest = max(float(r["seconds"]) for r in rounds)
    figures["naive_full"] = run_phase("naive_full")
    figures["naive_add10"] = run_phase("naive_add10")

    f = figures
    speedup = f["naive_add10"]["seconds"] / f["add10"]["seconds"]
    peak = max(v["rss_mb"] for k, v in f.items() if not k.startswith("naive"))
    worker_peak = max(v["worker_rss_mb"] for k, v in f.items() if not k.startswith("naive"))
    rows = [
        (f"ingest {args.articles:,} records", f"{f['ingest']['seconds']:.1f} s", "-", ""),
        (
            "  ingest + full publish, from nothing",
            f"{f['ingest']['seconds'] + f['full']['seconds']:.1f} s",
            "",
            "",
        ),
        (
            f"full publish ({f['full']['feeds']} feeds, {f['full']['files']} files)",
            f"{f['full']['seconds']:.1f} s",
            "<= 20 s",
            _ok(f["full"]["seconds"] <= 20),
        ),
        (
            f"publish after +10 articles, median of {ADD_ROUNDS} (slowest {slowest:.2f} s,"
            f" {f['add10']['feeds']} feeds rendered)",
            f"{f['add10']['seconds']:.2f} s",
            "<= 1 s",
            _ok(f["add10"]["seconds"] <= 1),
        ),
        (
            "  naive, every feed from all records: speed-up",
            f"{f['naive_add10']['seconds']:.1f} s",
            ">= 20x",
            f"{speedup:.0f}x " + _ok(speedup >= 20),
        ),
        ("naive full build", f"{f['naive_full']['seconds']:.1f} s", "-", ""),
        (
            f"no-op publish ({f['noop']['bytes']} bytes written, mtimes kept: {kept})",
            f"{f['noop']['seconds']:.3f} s",
            "<= 0.3 s, 0 B",
            _ok(f["noop"]["seconds"] <= 0.3 and f["noop"]["bytes"] == 0 and kept),
        ),
        (
            f"  same through the CLI, with interpreter start (exit {cli.returncode})",
            f"{cli_seconds:.2f} s",
            "",
            "",
        ),
        ("peak RSS, our phases (max)", f"{peak:.0f} MB", "<= 400 MB", _ok(peak <= 400)),
        (
            "  of one render worker (max)",
            f"{worker_peak:.0f} MB",
            "<= 400 MB",
            _ok(worker_peak <= 400),
        ),
        ("peak RSS, naive build", f"{f['naive_add10']['rss_mb']:.0f} MB", "", ""),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'figure':>9}  {'target':<14} verdict")
    for label, value, target, verdict in rows:
        print(f"{label:<{width}}  {value:>9}  {target:<14} {verdict}")
    return 0


def _ok(passed: bool) -> str:
    return "ok" if passed else "MISSED"


if __name__ == "__main__":
    sys.exit(main())

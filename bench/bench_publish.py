"""Cron publishing on a large portal (100,000 articles, 30 categories, 200 authors,
archives on), measured as cron runs it: the ``hnp-feeds`` command in a fresh process
(interpreter start and imports included), with the peak RSS of its process tree (it and
its render workers, ``measure.py``), beside the naive cron job most portals run
(``naive_cron.py``: parse the export, feedgen every main, category and author feed, Atom
and RSS, no validation) on the same export in the same run.

    .venv/bin/python bench/bench_publish.py [--articles 100000] [--growth 1000,4000]

Figures: the first ingest (related posts included) and first full publish at the
``--growth`` sizes (how they grow), and at ``--articles``: the first full publish from the
filled store; a cron run with 10 new articles given alone; the README's crontab line,
the whole export with 10 new records; a no-op run with no source and with the whole
unchanged export (bytes written, mtimes kept); the naive cron job.  Each cron figure is
the median of three runs.

The filled store of ``--articles`` is kept in bench/out/cache/<generator parameters,
digest of the ingest's code>/ (git-ignored) with the time its ingest took: a change to
the code a first ingest runs (adapters, store, related posts, text, URLs, time) measures
it again; delete bench/out/cache to measure it again anyway.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from measure import Measured, load_average, run_measured

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
#: What the generated portal depends on: a cached store is used only for the same values.
GENERATOR = {"seed": 20260526, "categories": len(CATEGORIES), "authors": 200, "version": 2}
ROUNDS = 3  # cron runs of each kind; the median is reported
BATCHES = 2 * ROUNDS  # 10 new articles each: given alone, then in the whole export, in turn
HNP = str(Path(sys.executable).with_name("hnp-feeds"))
_SUMMARY = re.compile(r"(\d+) files written \((\d+) bytes\)")


def slug(text: str) -> str:
    from hnp_feeds.names import slugify

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


def generate(folder: Path, articles: int) -> None:
    """The portal's export (``base.jsonl``), batches of 10 newer articles
    (``add10_<k>.jsonl``) and its catalogue, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(GENERATOR["seed"])
    batches = [("base.jsonl", range(articles))] + [
        (f"add10_{k}.jsonl", range(articles + 10 * k, articles + 10 * (k + 1)))
        for k in range(BATCHES)
    ]
    for name, numbers in batches:
        with (folder / name).open("w", encoding="utf-8") as handle:
            for n in numbers:
                item = article_record(n, rng)
                item["published"] = _when(item["published"])
                handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    (folder / "hnp-feeds.toml").write_text(
        "[site]\n"
        'title = "Báo HNP"\nbase_url = "https://hnp.example.vn/"\n'
        'feeds_url = "https://hnp.example.vn/feeds/"\ntag_authority = "hnp.example.vn"\n'
        'tag_date = "2008-01-01"\ndescription = "Tin tức HNP"\nentries_per_feed = 50\n'
        '[[feed]]\nslug = "chu-de-7"\ntitle = "Chủ đề 7"\ntag = "chủ đề 7"\n'
        '[[feed]]\nslug = "chu-de-8"\ntitle = "Chủ đề 8"\ntag = "chủ đề 8"\n'
        '[store]\npath = "var/hnp-feeds.sqlite"\n[output]\ndir = "feeds"\n',
        encoding="utf-8",
    )


def whole_export(folder: Path, batches: int) -> Path:
    """The export as the CMS gives it: every article so far, ``batches`` of new ones last."""
    path = folder / f"whole_{batches}.jsonl"
    with path.open("wb") as out:
        for name in ["base.jsonl", *(f"add10_{k}.jsonl" for k in range(batches))]:
            out.write((folder / name).read_bytes())
    return path


def hnp(folder: Path, *args: str) -> Measured:
    """``hnp-feeds <args> -c hnp-feeds.toml`` in ``folder``, as cron runs it."""
    done = run_measured([HNP, *args, "-c", "hnp-feeds.toml"], cwd=folder)
    if done.returncode != 0:
        raise SystemExit(f"hnp-feeds {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done


def written(done: Measured) -> tuple[int, int]:
    """Files and bytes a publish wrote, from its summary line."""
    found = _SUMMARY.search(done.stdout)
    return (int(found.group(1)), int(found.group(2))) if found else (0, 0)


def mtimes(directory: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in directory.rglob("*") if p.is_file()}


def median(runs: list[Measured]) -> Measured:
    return sorted(runs, key=lambda run: run.seconds)[len(runs) // 2]


# --- the phases ------------------------------------------------------------------------------


def growth(sizes: list[int]) -> list[tuple[int, Measured, Measured]]:
    """First ingest and first full publish of fresh portals of ``sizes`` articles."""
    found = []
    for articles in sizes:
        folder = OUT / f"growth-{articles}"
        shutil.rmtree(folder, ignore_errors=True)
        generate(folder, articles)
        ingest = hnp(folder, "ingest", "base.jsonl")
        full = hnp(folder, "publish")
        print(f"  {articles:,} articles: ingest {ingest.seconds:.1f} s, full publish"
              f" {full.seconds:.1f} s ({written(full)[0]} files)", flush=True)  # fmt: skip
        found.append((articles, ingest, full))
    return found


#: The code a first ingest runs: a cached store (and the time its ingest took) is used only
#: while these are the same, so the figure printed is always the current code's.
INGEST_CODE = ["adapters", "store", "related.py", "related_text.py", "text.py", "urls.py",
               "timezone.py", "model.py", "sql.py"]  # fmt: skip


def ingest_code_digest() -> str:
    import hashlib

    package = HERE.parent / "src" / "hnp_feeds"
    digest = hashlib.sha256()
    for name in INGEST_CODE:
        path = package / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(package).as_posix().encode() + b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()[:10]


def cached_store(articles: int) -> tuple[Path, dict[str, Any]]:
    """The folder holding the generated portal of ``articles`` and its filled store
    (``store.sqlite``), built (slow: the first ingest) when not cached yet."""
    key = "-".join(f"{name}{value}" for name, value in sorted(GENERATOR.items()))
    cache = HERE / "out" / "cache" / f"{articles}-{key}-ingest{ingest_code_digest()}"
    meta = cache / "ingest.json"
    if meta.is_file() and (cache / "store.sqlite").is_file():
        return cache, json.loads(meta.read_text())
    for stale in cache.parent.glob(f"{articles}-{key}*"):  # older code's stores
        shutil.rmtree(stale, ignore_errors=True)
    generate(cache, articles)
    print(f"  building the {articles:,}-article store (first ingest; cached for later runs)",
          flush=True)  # fmt: skip
    done = hnp(cache, "ingest", "base.jsonl")
    (cache / "var" / "hnp-feeds.sqlite").rename(cache / "store.sqlite")
    figures = {"seconds": done.seconds, "rss_mb": done.peak_tree_mb, "records": articles,
               "pss_mb": done.peak_tree_pss_mb,
               "at": time.strftime("%Y-%m-%d %H:%M"), "load": load_average()}  # fmt: skip
    meta.write_text(json.dumps(figures))
    return cache, figures


def cron(articles: int) -> dict[str, Any]:
    """Every cron figure on the portal of ``articles``, through the CLI."""
    cache, ingest = cached_store(articles)
    work = OUT / "run"
    shutil.rmtree(work, ignore_errors=True)
    (work / "var").mkdir(parents=True)
    for name in ["hnp-feeds.toml", "base.jsonl", *(f"add10_{k}.jsonl" for k in range(BATCHES))]:
        (work / name).symlink_to(cache / name)
    shutil.copyfile(cache / "store.sqlite", work / "var" / "hnp-feeds.sqlite")
    # A copied store is read whole once at its first open (``Connection._check``), as after
    # a restore; cron's store is not: that first open is left out of the figures.
    hnp(work, "status")
    f: dict[str, Any] = {"ingest": ingest, "full": hnp(work, "publish")}
    print(f"  full publish: {f['full'].seconds:.1f} s", flush=True)
    alone, whole = [], []
    for k in range(BATCHES):
        source = f"add10_{k}.jsonl" if k % 2 == 0 else whole_export(work, k + 1).name
        (alone if k % 2 == 0 else whole).append(hnp(work, "publish", source))
        print(f"  +10 ({source}): {(alone if k % 2 == 0 else whole)[-1].seconds:.2f} s",
              flush=True)  # fmt: skip
    f["add10"], f["whole"] = median(alone), median(whole)
    last = whole_export(work, BATCHES)
    before = mtimes(work / "feeds")
    f["noop"] = median([hnp(work, "publish") for _ in range(ROUNDS)])
    f["noop_whole"] = median([hnp(work, "publish", last.name) for _ in range(ROUNDS)])
    f["kept"] = mtimes(work / "feeds") == before
    naive_runs = [
        run_measured(
            [sys.executable, str(HERE / "naive_cron.py"), str(work / "naive"), str(last)],
            cwd=work,
        )
        for _ in range(ROUNDS)
    ]
    for naive in naive_runs:
        if naive.returncode != 0:
            raise SystemExit(f"naive_cron.py failed:\n{naive.stderr}")
    naive = median(naive_runs)  # its time varies as much as ours (5.2-7.9 s at 100k)
    f["naive"], f["naive_figures"] = naive, json.loads(naive.stdout.strip().splitlines()[-1])
    return f


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--growth", default="1000,4000", help="sizes of the first-ingest runs")
    args = parser.parse_args()
    print(load_average(), flush=True)
    sizes = [int(size) for size in args.growth.split(",") if size]
    grown = growth(sizes)
    f = cron(args.articles)
    n = args.articles
    full_files, _ = written(f["full"])
    naive_total, naive_render = f["naive"].seconds, f["naive_figures"]["render_s"]
    ours = f["whole"].seconds
    rows: list[tuple[str, str, str]] = []
    for size, ingest, _full in grown:
        rows.append((f"first ingest of {size:,} records, related posts included",
                     f"{ingest.seconds:.1f} s", f"{size / ingest.seconds:,.0f} rec/s"))  # fmt: skip
    cached = f["ingest"]
    rows.append((f"first ingest of {n:,} records (cached {cached['at']}, {cached['load']})",
                 f"{cached['seconds']:.0f} s", f"{n / cached['seconds']:,.0f} rec/s"))  # fmt: skip
    for size, _, full in grown:
        rows.append((f"first full publish of {size:,} ({written(full)[0]} files)",
                     f"{full.seconds:.1f} s", ""))  # fmt: skip
    rows += [
        (f"first full publish from the filled store ({full_files:,} files)",
         f"{f['full'].seconds:.1f} s", f"target <= 20 s; CPU {f['full'].cpu_seconds:.1f} s"),
        (f"cron update, 10 new articles given alone, CLI (median of {ROUNDS})",
         f"{f['add10'].seconds:.2f} s", f"target <= 0.3 s; CPU {f['add10'].cpu_seconds:.2f} s"),
        (f"cron as the crontab line: the whole export ({n + 10 * BATCHES:,} records"
         f" at most, 10 new), CLI", f"{ours:.2f} s",
         f"target <= 2 s; CPU {f['whole'].cpu_seconds:.2f} s"),
        ("naive cron job on that export: render alone / whole process",
         f"{naive_render:.2f} s / {naive_total:.2f} s",
         f"ours {naive_render / ours:.1f}x / {naive_total / ours:.1f}x (target >= 10x)"),
        (f"no-op cron run through the CLI (0 bytes: {written(f['noop'])[1] == 0},"
         f" mtimes kept: {f['kept']})", f"{f['noop'].seconds:.3f} s",
         f"target <= 0.15 s; CPU {f['noop'].cpu_seconds:.3f} s"),
        ("no-op with the whole unchanged export, CLI", f"{f['noop_whole'].seconds:.3f} s", ""),
        ("peak RSS of the process tree, full publish", f"{f['full'].peak_tree_mb:.0f} MB",
         f"target <= 400 MB; PSS {f['full'].peak_tree_pss_mb:.0f} MB"),
        ("peak RSS of the process tree, first ingest (with the door's workers)",
         f"{cached['rss_mb']:.0f} MB", f"PSS {cached.get('pss_mb', 0):.0f} MB"),
        ("peak RSS of the process tree, crontab line / naive",
         f"{f['whole'].peak_tree_mb:.0f} / {f['naive'].peak_tree_mb:.0f} MB", ""),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'measured':>17}  note")
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>17}  {note}")
    print(load_average())
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The naive cron job most portals run, for the benchmarks to stand beside: parse the whole
export, select every main, category and author feed, render each with feedgen (Atom and
RSS), write it.  No store, no validation, no archives, no related posts computed.

    .venv/bin/python bench/naive_cron.py out/ export.jsonl [more.jsonl ...]
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytz
from feedgen.feed import FeedGenerator

ZONE = pytz.timezone("Asia/Ho_Chi_Minh")
SITE = "https://hnp.example.vn/"


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return ZONE.localize(moment) if moment.tzinfo is None else moment


def render(slug: str, title: str, records: list[dict[str, Any]]) -> tuple[bytes, bytes]:
    fg = FeedGenerator()
    fg.id(f"{SITE}feeds/{slug}")
    fg.title(title)
    fg.description(title)
    fg.link(href=SITE, rel="alternate")
    fg.language("vi")
    for record in records:
        fe = fg.add_entry(order="append")
        fe.id(str(record["id"]))
        fe.title(record["title"])
        fe.link(href=record["url"])
        fe.published(record["_published"])
        fe.updated(record["_published"])
        if record.get("summary"):
            fe.description(record["summary"])
        if record.get("content_html"):
            fe.content(record["content_html"], type="html")
    return fg.atom_str(pretty=True), fg.rss_str(pretty=True)


def run(exports: list[Path], out: Path, limit: int = 50) -> dict[str, Any]:
    started = time.perf_counter()
    records = []
    lines = [line for export in exports for line in export.read_text(encoding="utf-8").splitlines()]
    for line in lines:
        if line.strip():
            record = json.loads(line)
            if record.get("status", "published") == "published" and record.get("url"):
                record["_published"] = parse_time(record["published"])
                records.append(record)
    records.sort(key=lambda r: r["_published"], reverse=True)
    feeds: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        feeds[("tin-moi", "Tin mới")].append(record)
        category = record.get("category")
        if isinstance(category, dict):
            feeds[(category["slug"], category["name"])].append(record)
        if record.get("author"):
            feeds[("tac-gia-" + str(abs(hash(record["author"]))), record["author"])].append(record)
    parsed = time.perf_counter()
    for (slug, title), selected in feeds.items():
        atom, rss = render(slug, title, selected[:limit])
        (out / slug).mkdir(parents=True, exist_ok=True)
        (out / slug / "atom.xml").write_bytes(atom)
        (out / slug / "rss.xml").write_bytes(rss)
    done = time.perf_counter()
    return {
        "records": len(records),
        "feeds": len(feeds),
        "parse_s": round(parsed - started, 3),
        "render_s": round(done - parsed, 3),
        "total_s": round(done - started, 3),
    }


if __name__ == "__main__":
    print(json.dumps(run([Path(p) for p in sys.argv[2:]], Path(sys.argv[1]))))

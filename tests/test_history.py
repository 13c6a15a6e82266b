"""Cron over weeks on generated portals: new articles, title and URL edits, retractions and
their reversal, moves to another section, a change of author.  After every step every
published file tells the truth about the current articles: related links and titles are
the current ones, nothing retracted shows, both validator profiles report nothing, entry
ids never change, and a file whose bytes did not change keeps its mtime."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest

from hnp_feeds.errors import ExitCode
from hnp_feeds.publish import publish
from hnp_feeds.timezone import localize
from hnp_feeds.validator import validate

from .portal import AUTHORS, CATEGORIES, catalogue, write_records

START = localize(datetime(2022, 6, 1, 8, 0))


def article(n: int, version: dict[str, Any]) -> dict[str, Any]:
    """Article ``n`` as its record stands: related to the two articles before it (by URL,
    as a CMS gives them), its own title, URL, section and author."""
    slug, name = CATEGORIES[version.get("category", n % len(CATEGORIES))]
    record: dict[str, Any] = {
        "id": str(5000 + n),
        "url": version.get("url", f"https://hnp.example.vn/{slug}/bai-{n}.html"),
        "title": version.get("title", f"Bài số {n} về {name.lower()}"),
        "summary": f"HNP - Tóm tắt bài số {n}.",
        "content_html": f"<p>Nội dung bài số {n}.</p>",
        "author": AUTHORS[version.get("author", n % len(AUTHORS))],
        "category": {"slug": slug, "name": name},
        "published": (START + timedelta(hours=5 * n)).strftime("%Y-%m-%d %H:%M"),
        "status": version.get("status", "published"),
        "related": [
            {"url": version.get(f"link{k}", f"https://example.org/ngoai-{n}-{k}"), "title": "x"}
            for k in range(1)
        ],
    }
    if "updated" in version:
        record["updated"] = version["updated"]
    return record


def steps(seed: int, days: int) -> list[dict[int, dict[str, Any]]]:
    """The portal's articles (n -> how its record stands) on each day."""
    rng = random.Random(seed)
    state: dict[int, dict[str, Any]] = {n: {} for n in range(14)}
    urls = {n: f"https://hnp.example.vn/{CATEGORIES[n % 3][0]}/bai-{n}.html" for n in state}
    for n in state:
        if n:  # a link to the article before, by its URL (an internal related post)
            state[n]["link0"] = urls[n - 1]
    days_out = [{n: dict(v) for n, v in state.items()}]  # the first publish: as they were
    for day in range(1, days):
        for k in range(3):
            when = (START + timedelta(days=40 + day, minutes=k)).strftime("%Y-%m-%d %H:%M")
            n = rng.choice(sorted(state))
            change = rng.choice(["title", "url", "retract", "restore", "move", "author", "new"])
            version = dict(state[n])
            if change == "title":
                version["title"] = f"Bài số {n}, sửa ngày {day}"
            elif change == "url":
                version["url"] = urls[n] = f"https://hnp.example.vn/tin/bai-{n}-d{day}.html"
            elif change == "retract":
                version["status"] = "retracted"
            elif change == "restore":
                version["status"] = "published"
            elif change == "move":
                version["category"] = rng.randrange(len(CATEGORIES))
            elif change == "author":
                version["author"] = rng.randrange(len(AUTHORS))
            else:
                new = max(state) + 1
                state[new] = {"link0": urls[n]}
                urls[new] = f"https://hnp.example.vn/{CATEGORIES[new % 3][0]}/bai-{new}.html"
                continue
            if change != "title" or rng.random() < 0.5:  # some edits bring their own time
                version["updated"] = when
            state[n] = version
        days_out.append({n: dict(v) for n, v in state.items()})
    return days_out


def documents(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in out.rglob("*")
        if p.is_file() and p.suffix in (".xml", ".json") and p.parent != out
    }


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_every_file_tells_the_truth_after_every_cron_run(tmp_path: Path, seed: int) -> None:
    portal = catalogue(tmp_path, archive_page_size=4, entries_per_feed=5, related_count=1)
    out = portal.out_dir
    ids: dict[str, str] = {}
    before: dict[str, tuple[bytes, int]] = {}
    for day, state in enumerate(steps(seed, days=6)):
        records = [article(n, version) for n, version in sorted(state.items())]
        now = START + timedelta(days=41 + day)
        result = publish(portal, [write_records(tmp_path / "e.jsonl", records)], now=now)
        assert result.exit_code is ExitCode.OK, (day, result.summary())
        live = {r["url"]: r for r in records if r["status"] == "published"}
        gone = {r["url"] for r in records if r["status"] != "published"}
        for relpath, data in documents(out).items():
            url = portal.site.feeds_url + relpath
            for profile in ("spec", "portal"):
                report = validate(data, url, profile=profile)  # type: ignore[arg-type]
                # The one warning allowed says something true: an article left with nothing
                # to relate to (its only related post was retracted, nothing older to compute).
                found = [m.to_dict() for m in report.messages if m.code != "MissingRelatedLink"]
                assert not found, (day, relpath, found)
            if relpath.endswith("feed.json"):
                items = json.loads(data)["items"]
                pairs = [(i["url"], i["id"], i["title"]) for i in items]
                related = [(r["url"], r["title"]) for i in items for r in i["_hnp"]["related"]]
            else:
                parsed = feedparser.parse(data)
                pairs = [(e.link, e.id, e.title) for e in parsed.entries]
                related = [
                    (link.href, link.get("title", ""))
                    for e in parsed.entries
                    for link in e.links
                    if link.rel == "related"
                ]
            for link, entry_id, title in pairs:
                assert link in live, (day, relpath, link)  # nothing retracted shows
                assert title == live[link]["title"], (day, relpath)
                assert ids.setdefault(live[link]["id"], entry_id) == entry_id  # ids stay
            for href, title in related:
                assert href not in gone, (day, relpath, href)  # never recommended
                if href in live:  # an internal related post shows the article as it is
                    assert title == live[href]["title"], (day, relpath, href)
                else:
                    assert href.startswith("https://example.org/"), (day, relpath, href)
        now_files = {
            p.relative_to(out).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in out.rglob("*")
            if p.is_file()
        }
        for relpath, (data, mtime) in now_files.items():  # same bytes, same mtime
            if relpath in before and before[relpath][0] == data:
                assert before[relpath][1] == mtime, (day, relpath)
        before = now_files
        again = publish(portal, [tmp_path / "e.jsonl"], now=now)
        assert again.written == [], (day, again.summary())

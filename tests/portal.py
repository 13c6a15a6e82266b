"""A small portal for the store and publish tests: a catalogue and JSONL records."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from hnp_feeds import cli
from hnp_feeds.adapters import records as records_module
from hnp_feeds.config import Catalogue, parse_config
from hnp_feeds.errors import RecordError
from hnp_feeds.model import Article, FeedSpec
from hnp_feeds.publish import ingest
from hnp_feeds.store import open_store
from hnp_feeds.writers import atom as atom_writer
from hnp_feeds.writers import rss as rss_writer

CATEGORIES = [("thoi-su", "Thời sự"), ("kinh-te", "Kinh tế"), ("the-thao", "Thể thao")]
AUTHORS = ["Trọng Toàn", "Minh Hà", "Lan Anh"]


def catalogue(tmp_path: Path, hub: str | None = None, **site: Any) -> Catalogue:
    """A catalogue whose store and output live under ``tmp_path``; one declared tag feed."""
    raw: dict[str, Any] = {
        "site": {
            "title": "Báo HNP",
            "base_url": "https://hnp.example.vn/",
            "feeds_url": "https://hnp.example.vn/feeds/",
            "tag_authority": "hnp.example.vn",
            "tag_date": "2008-01-01",
            "description": "Tin tức HNP",
            "entries_per_feed": 10,
            "archive_page_size": 100,  # no full archive page unless a test asks for one
            **site,
        },
        "feed": [{"slug": "bong-da", "title": "Bóng đá", "tag": "bóng đá"}],
        "store": {"path": "var/hnp-feeds.sqlite"},
        "output": {"dir": str(tmp_path / "feeds")},
    }
    if hub:
        raw["site"]["hub"] = hub
    return parse_config(raw, tmp_path / "hnp-feeds.toml")


def record(n: int, **changes: Any) -> dict[str, Any]:
    """Article ``n`` of the portal: a stable, valid record; ``changes`` override fields."""
    slug, name = CATEGORIES[n % len(CATEGORIES)]
    base: dict[str, Any] = {
        "id": str(1000 + n),
        "url": f"https://hnp.example.vn/{slug}/bai-viet-{n}.html",
        "title": f"Bài viết số {n} về {name.lower()}",
        "summary": f"HNP - Tóm tắt bài viết số {n}.",
        "content_html": f"<p>Nội dung bài viết số {n}.</p>",
        "author": AUTHORS[n % len(AUTHORS)],
        "category": {"slug": slug, "name": name},
        "tags": ["bóng đá"] if n % 4 == 0 else ["kinh tế"],
        "published": f"2022-06-{1 + n % 28:02d} {n % 24:02d}:{n % 60:02d}",
        "related": [
            {
                "url": f"https://hnp.example.vn/{slug}/bai-viet-{n + 1}.html",
                "title": f"Bài viết số {n + 1}",
            }
        ],
    }
    base.update(changes)
    return base


def write_records(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def portal_toml(
    tmp_path: Path,
    hub: str | None = None,
    entries_per_feed: int = 10,
    sources: list[str] | None = None,
    **site: int | bool,
) -> Path:
    """The same portal as ``portal.catalogue`` as a file, for the CLI; ``site``: more
    integer or boolean settings of ``[site]`` (``archive_page_size``, ``tombstones``)."""
    path = tmp_path / "hnp-feeds.toml"
    hub_line = f'hub = "{hub}"\n' if hub else ""
    site = {"archive_page_size": 100, **site}  # as in ``catalogue``
    hub_line += "".join(
        f"{key} = {str(value).lower() if isinstance(value, bool) else value}\n"
        for key, value in sorted(site.items())
    )
    path.write_text(
        "[site]\n"
        'title = "Báo HNP"\nbase_url = "https://hnp.example.vn/"\n'
        'feeds_url = "https://hnp.example.vn/feeds/"\ntag_authority = "hnp.example.vn"\n'
        f'tag_date = "2008-01-01"\ndescription = "Tin tức HNP"\n'
        f"entries_per_feed = {entries_per_feed}\n{hub_line}"
        '[[feed]]\nslug = "bong-da"\ntitle = "Bóng đá"\ntag = "bóng đá"\n'
        '[store]\npath = "var/hnp-feeds.sqlite"\n'
        f'[output]\ndir = "{tmp_path / "feeds"}"\n'
        + (f"[input]\nsources = {json.dumps(sources)}\n" if sources else ""),
        encoding="utf-8",
    )
    return path


def articles_as_published(
    catalogue: Catalogue, sources: Sequence[Path | str] | None = None, *, now: Any = None
) -> tuple[list[Article], list[RecordError]]:
    """The articles as a build publishes them (related posts completed at ingest), read back
    from a fresh store the sources were ingested into, newest first; and the records refused."""
    with tempfile.TemporaryDirectory() as scratch:
        store_path = Path(scratch) / "store.sqlite"
        result = ingest(catalogue, sources or catalogue.sources, store_path=store_path, now=now)
        with open_store(store_path) as store:
            rows = store.select_entries(FeedSpec(slug="all", title="all"), 10**9)
            articles = [row.article() for row in rows]
    return articles, result.rejected


def call_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``hnp-feeds <args>`` in this process, as its entry point runs: the exit status,
    stdout and stderr."""
    try:
        cli.app(args, prog_name="hnp-feeds")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` (temporaries too) with its bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def write_local_mean_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer fault: the Atom and RSS writers print times at +07:07, as
    ``replace(tzinfo=pytz.timezone(...))`` would (the zone's local mean time)."""
    zone = timezone(timedelta(hours=7, minutes=7))

    def moment(value: datetime) -> datetime:
        return value.astimezone(zone)

    for module in (atom_writer, rss_writer):
        monkeypatch.setattr(module, "moment", moment)


def record_with_a_space_in_its_url(monkeypatch: pytest.MonkeyPatch, n: int) -> dict[str, Any]:
    """Record ``n`` with a space in its URL as a store filled before the door wrote it as
    %20 holds it (the door's URL rule patched out): its entry fails the portal policy."""
    monkeypatch.setattr(records_module, "_normalize_url", lambda url: url.strip())
    return record(n, url=f"https://hnp.example.vn/thoi-su/bai viet {n}.html")

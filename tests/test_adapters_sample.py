"""The bundled sample portal reads clean through the adapters and is rich enough to show."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path

from hnp_feeds.adapters import read_sources
from hnp_feeds.config import bundled_config_path, load_config
from hnp_feeds.errors import RecordError
from hnp_feeds.model import Article


def test_sample_portal_reads_clean() -> None:
    catalogue = load_config(bundled_config_path())
    items = list(read_sources(catalogue.sources))
    errors = [i for i in items if isinstance(i, RecordError)]
    assert errors == []
    articles = [i for i in items if isinstance(i, Article)]
    published = [a for a in articles if a.status == "published"]
    assert len(published) >= 60
    assert len({a.category.slug for a in published if a.category}) >= 5
    assert len({a.author for a in published if a.author}) >= 4
    assert all(a.related for a in published)
    assert all(a.url and a.url.startswith("https://hnp.example.vn/") for a in published)
    assert {a.status for a in articles} == {"published", "draft", "retracted"}
    urls = {a.url for a in published}
    assert all(link.url in urls for a in published for link in a.related)
    years = Counter(a.published.year for a in published)
    assert set(years) >= {2021, 2022, 2023, 2024, 2025, 2026}
    assert all(a.published.utcoffset() == published[0].published.utcoffset() for a in published)
    assert all(unicodedata.is_normalized("NFC", a.title) for a in articles)


def test_sample_file_exercises_the_input_forms() -> None:
    path = Path(load_config().sources[0])
    raw = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    titles = [r["title"] for r in raw]
    assert sum(not unicodedata.is_normalized("NFC", t) for t in titles) >= 3
    dates = [r["published"] for r in raw]
    assert sum("T" not in d and "/" not in d for d in dates) >= 3  # naive local
    assert sum("/" in d for d in dates) >= 3  # the site's own form
    assert any('src="/media/' in r["content_html"] for r in raw)
    assert any('href="/' in r["content_html"] for r in raw)

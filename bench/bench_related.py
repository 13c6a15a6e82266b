"""How long computed related posts take for a 100,000-article portal.

The portal is generated here, deterministically: Vietnamese-like syllables drawn with a
Zipf law (as real text), 60 topics spread over 12 categories, each with its own words and
tags, ten years of articles.  Measured on an in-memory ``RelatedIndex``, as ingest uses it:
indexing every article (FTS5), then the related posts of every article (5 each, none
explicit), and the share of links that stay in the article's own topic (a rough check
that the neighbours make sense).

    .venv/bin/python bench/bench_related.py [articles] [sampled]   # default 100000 2000

Related posts are computed for ``sampled`` articles spread evenly over the portal (every
article when ``sampled`` is 0) and the whole-portal time is extrapolated from them, so
that ``make bench`` stays within minutes.  Cron computes them only at ingest, for new
or changed articles.
"""

from __future__ import annotations

import random
import sqlite3
import sys
import time
from datetime import datetime, timedelta

from hnp_feeds.model import Article, Category
from hnp_feeds.related import WINDOW_DAYS, RelatedIndex
from hnp_feeds.timezone import localize

RELATED = 5
ONSETS = "b c ch d đ g gi h k kh l m n ng nh p ph qu r s t th tr v x".split()
RHYMES = (
    "a ai am an ang anh ao au ay e em en eo ê ênh êt i ia im in inh it o oa oan oi "
    "om on ong ô ôi ông ơ ơi ơn u ua uân ui um un ung uy ư ưa ưng ươc ươi ương"
).split()
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
CATEGORIES = [
    Category(f"muc-{n}", name)
    for n, name in enumerate(
        [
            "Thời sự",
            "Kinh tế",
            "Xã hội",
            "Văn hóa",
            "Giáo dục",
            "Y tế",
            "Thể thao",
            "Pháp luật",
            "Quốc tế",
            "Khoa học",
            "Đô thị",
            "Du lịch",
        ]  # fmt: skip
    )
]


def syllables(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct syllables, e.g. "nhương", "thổ"."""
    seen: dict[str, None] = {}
    while len(seen) < count:
        syllable = rng.choice(ONSETS) + rng.choice(RHYMES)
        tone = rng.choice(TONES)
        seen[syllable[:1] + tone + syllable[1:] if tone and len(syllable) == 1 else
             syllable + tone] = None  # fmt: skip
    return list(seen)


def portal(size: int, seed: int = 2022) -> list[tuple[Article, int]]:
    """``size`` articles, oldest first, each with its topic number."""
    rng = random.Random(seed)
    vocabulary = syllables(rng, 5000)
    weights = [1 / (rank + 1) for rank in range(len(vocabulary))]  # Zipf
    topics = []
    for topic in range(60):
        firsts, seconds = rng.sample(vocabulary[300:], 12), rng.sample(vocabulary[300:], 12)
        words = [f"{a} {b}" for a, b in zip(firsts, seconds, strict=True)]
        tags = words[:4]
        topics.append((CATEGORIES[topic % len(CATEGORIES)], words, tags))
    start = localize(datetime(2013, 1, 1, 6, 0))
    step = timedelta(days=3650) / size
    articles = []
    for n in range(size):
        topic = rng.randrange(len(topics))
        category, words, tags = topics[topic]

        def text(common: int, topical: int, words: list[str] = words) -> str:
            parts = rng.choices(vocabulary, weights, k=common) + rng.sample(words, topical)
            rng.shuffle(parts)
            return " ".join(parts)

        moment = start + step * n
        article = Article(
            id=str(100000 + n),
            title=text(6, 2).capitalize(),
            published=moment,
            updated=moment,
            url=f"https://hnp.example.vn/bai/{100000 + n}.htm",
            summary="HNP - " + text(30, 3) + ".",
            category=category if rng.random() > 0.05 else rng.choice(CATEGORIES),
            tags=tuple(rng.sample(tags, rng.randint(0, 2))),
        )
        articles.append((article, topic))
    return articles


def main() -> None:
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    sampled = int(sys.argv[2]) if len(sys.argv) > 2 else 2_000
    t0 = time.perf_counter()
    generated = portal(size)
    topic_of = {a.url: topic for a, topic in generated}
    t1 = time.perf_counter()
    conn = sqlite3.connect(":memory:")
    index = RelatedIndex(conn)
    index.add(a for a, _ in generated)
    t2 = time.perf_counter()
    same_topic = total = 0
    step = max(1, size // sampled) if sampled else 1
    chosen = generated[::step]
    for article, topic in chosen:
        links = index.related_for(article, RELATED)
        total += len(links)
        same_topic += sum(topic_of[link.url] == topic for link in links)
    t3 = time.perf_counter()
    print(f"related posts, {size:,} articles over 10 years, {RELATED} each, "
          f"look-back {WINDOW_DAYS:.0f} days (SQLite {sqlite3.sqlite_version})")  # fmt: skip
    print(f"  generate portal          {t1 - t0:8.2f} s")
    print(f"  index (FTS5)             {t2 - t1:8.2f} s   {1e6 * (t2 - t1) / size:7.1f} µs/article")
    per_article = (t3 - t2) / len(chosen)
    print(
        f"  related for {len(chosen):,} of them {t3 - t2:6.2f} s   "
        f"{1e3 * per_article:7.2f} ms/article"
    )
    print(f"  related for all (est.)   {per_article * size:8.2f} s")
    print(f"  index + related (est.)   {t2 - t1 + per_article * size:8.2f} s")
    print(f"  links found {total:,}; in the article's own topic {same_topic / max(total, 1):.1%}")


if __name__ == "__main__":
    main()

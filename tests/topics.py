"""A generated portal whose articles' topics are known, to measure related posts.

Deterministic for a seed.  Text is made of Vietnamese-like syllables (onset, rhyme, tone)
in two-syllable words, as Vietnamese is written: a common vocabulary drawn by a Zipf
law (as real text) with function words between, and each topic's own words and tags.
Topics are stories: each has about ``per_topic`` articles, written while it is one of
the ``live`` stories of the moment (so a story lasts weeks, as news does); one article in
ten belongs to no topic.  Syllables are shared between common and topical words (as
``trung`` is in ``trung ương`` and ``trung học``): a story is told by its words, not its
syllables.  Used by tests/test_related.py and bench/bench_related.py.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from hnp_feeds.model import Article, Category, Link
from hnp_feeds.timezone import localize

ONSETS = "b c ch d đ g gi h k kh l m n ng nh p ph qu r s t th tr v x".split()
RHYMES = (
    "a ai am an ang anh ao au ay e em en eo ê ênh êt i ia im in inh it o oa oan oi "
    "om on ong ô ôi ông ơ ơi ơn u ua uân ui um un ung uy ư ưa ưng ươc ươi ương"
).split()
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
FUNCTION_WORDS = "và của là các những được cho trong với có không này đã sẽ đến từ theo".split()
CATEGORIES = [
    Category(f"muc-{n}", name)
    for n, name in enumerate(
        "Thời sự|Kinh tế|Xã hội|Văn hóa|Giáo dục|Y tế|Thể thao|Pháp luật|Quốc tế|Khoa học"
        "|Đô thị|Du lịch".split("|")
    )
]
NO_TOPIC = -1


@dataclass(frozen=True)
class Portal:
    articles: list[Article]  # oldest first
    topic: dict[str, int]  # by URL

    def precision(self, related: dict[str, tuple[Link, ...]]) -> tuple[float, int]:
        """Share of computed links between two articles of the same topic, and how many."""
        links = [(url, link.url) for url, found in related.items() for link in found]
        same = sum(self.topic[a] == self.topic[b] != NO_TOPIC for a, b in links)
        return (same / len(links) if links else 1.0), len(links)

    def coverage(self, related: dict[str, tuple[Link, ...]]) -> float:
        """Share of the articles of a topic, not the first of it, given a related post."""
        seen: set[int] = set()
        due = given = 0
        for article in self.articles:
            topic = self.topic[article.url or ""]
            if topic != NO_TOPIC:
                if topic in seen:
                    due += 1
                    given += bool(related.get(article.url or ""))
                seen.add(topic)
        return given / max(due, 1)


def _syllable(rng: random.Random) -> str:
    rhyme = rng.choice(RHYMES)
    syllable = rng.choice(ONSETS) + rhyme[0] + rng.choice(TONES) + rhyme[1:]  # tone on the vowel
    return unicodedata.normalize("NFC", syllable)  # text arrives NFC, as the door makes it


def generate(size: int, seed: int = 2022, *, per_topic: int = 40, live: int = 30) -> Portal:
    """``size`` articles over ten years, oldest first, with their topics."""
    rng = random.Random(seed)
    inventory = list(dict.fromkeys(_syllable(rng) for _ in range(4000)))
    common = [f"{rng.choice(inventory)} {rng.choice(inventory)}" for _ in range(3000)]
    zipf = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(common))))

    def topic_words() -> tuple[list[str], list[str], Category]:
        words = [f"{rng.choice(inventory)} {rng.choice(inventory)}" for _ in range(10)]
        return words[:8], words[8:], rng.choice(CATEGORIES)

    stories = {n: topic_words() for n in range(live)}
    story = {n: n for n in range(live)}  # the topic number of each live story
    written = dict.fromkeys(range(live), 0)
    next_topic = live
    start = localize(datetime(2016, 1, 1, 6, 0))
    step = timedelta(days=3650) / size
    articles: list[Article] = []
    topic_of: dict[str, int] = {}

    def text(words: list[str], common_count: int, topical: int) -> str:
        parts = rng.choices(common, cum_weights=zipf, k=common_count) + rng.sample(words, topical)
        parts += rng.choices(FUNCTION_WORDS, k=common_count // 3)
        rng.shuffle(parts)
        return " ".join(parts)

    for n in range(size):
        slot = rng.randrange(live)
        topic = NO_TOPIC if rng.random() < 0.1 else slot
        if topic == NO_TOPIC:
            category = rng.choice(CATEGORIES)
            title, summary, chosen_tags = text([], 7, 0), text([], 18, 0), ()
        else:
            words, tags, category = stories[slot]
            title, summary = text(words, 5, 2), text(words, 15, 3)
            chosen_tags = tuple(rng.sample(tags, rng.randint(0, 2)))
            written[slot] += 1
            topic = story[slot]
        if rng.random() < 0.05:
            category = rng.choice(CATEGORIES)
        moment = start + step * n
        url = f"https://hnp.example.vn/bai/{100000 + n}.htm"
        articles.append(
            Article(
                id=str(100000 + n),
                title=title.capitalize(),
                published=moment,
                updated=moment,
                url=url,
                summary="HNP - " + summary + ".",
                category=category,
                tags=chosen_tags,
            )
        )
        topic_of[url] = topic
        if topic != NO_TOPIC and written[slot] >= per_topic:  # the story is over: a new one
            stories[slot] = topic_words()
            story[slot] = next_topic
            written[slot] = 0
            next_topic += 1
    return Portal(articles, topic_of)

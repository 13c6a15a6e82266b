"""The text model of related posts: what an article says, as weighted terms.

Vietnamese is written in syllables, and most words are two of them (``ngập úng``,
``trung ương``), so an article's terms are its syllables and each pair of neighbouring
syllables (a bigram: the words themselves, far more telling), from its title (counted
twice) and lede.  Tone marks are kept (NFC, lowercase): ``cốm`` and ``cơm``, ``bàn`` and
``bán`` are different words.  Function words (``STOP_SYLLABLES``) and numbers are no
terms, and no pair is made across them or across punctuation.  Each tag is ONE term,
weighted most (an editor chose it); the category is not a term (``related.py`` uses it as
a weak boost).  The weights are square roots of the weighted counts (a word said five
times is not five times the evidence), and each article's vector has length 1.  Many
articles are read in one pass (``vectors``): one split of all their text, numpy for the
rest; one article (a cron run) in plain Python (``article_terms``: the same terms and
weights, numpy not loaded).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING, NamedTuple, Protocol

from .model import Article

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: Function words and the portal's own boilerplate ("HNP - " before each lede): they say
#: nothing of the subject, and would make every article look like every other.
STOP_SYLLABLES = frozenset(
    """
    và của là các những được cho trong với có không này đã sẽ đang đến từ theo về người
    năm ngày tháng một ở tại khi thì mà nhưng hay hoặc nên vì do bị bởi để cũng vẫn rất
    nhiều mọi mỗi cả đều chỉ còn nữa đó kia ấy nào gì ai sau trước trên dưới giữa qua hơn
    như thêm vừa mới ra vào lại lên xuống cùng nhau đây bằng hết rồi chưa sự việc nhất
    hnp
    """.split()
)

#: Words of two syllables as common in news as function words ("put into use", "take
#: part", "said"): they are no pair terms (their syllables still count, a little).
STOP_PAIRS = frozenset(
    pair.replace("_", " ")
    for pair in """
    sử_dụng đưa_vào tham_gia thực_hiện tổ_chức triển_khai cho_biết hiện_nay thời_gian
    hoạt_động phát_triển đầu_tiên vừa_qua bao_gồm trở_lại diễn_ra
    """.split()
)

#: How much one occurrence counts: a title word twice a lede word, a syllable a quarter
#: of a word, a tag (an editor chose it) eight times (calibrated on the labelled pairs,
#: tests/data/related_pairs.jsonl: below, weak matches and true ones overlap).
TITLE_WEIGHT = 2
SUMMARY_WEIGHT = 1
SYLLABLE_WEIGHT = 0.25
TAG_WEIGHT = 8.0

_MARK = "\x00"  # between two texts, in one pass over many
_BREAK = ","  # what punctuation becomes: the end of a run
_SEPARATE = re.compile(r"[^\w\s\x00]+|_+")  # punctuation, symbols: a break
_COMBINING = re.compile("[\u0300-\u036f]")
_SPACE = re.compile(r"\s+")
_ALONE = 0xFFFFFFFF  # a term's second code when it is one word (a syllable, a tag)


def normal(text: str) -> str:
    """``text`` as terms are made of it: NFC, lowercase, tone marks kept.  (Text from the
    door is NFC already: composed again only when it holds a combining mark.)"""
    # (NFC text, all of the door's, is told by one quick check, not searched for marks.)
    if not unicodedata.is_normalized("NFC", text) and _COMBINING.search(text):
        text = unicodedata.normalize("NFC", text)
    return text.lower()


@functools.lru_cache(maxsize=1 << 16)  # a portal's tags are few, and said again and again
def tag_term(tag: str) -> str:
    """A tag as one term (``#cốm làng vòng``): its words together, never one by one."""
    return "#" + _SPACE.sub(" ", normal(tag)).strip()


class Vocabulary:
    """The words (and tags) met so far, each with a code in the order first met: what
    many batches of articles share (a bulk's), so that a term is known by its codes."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.words: list[str] = []
        self.stop = bytearray()  # 1: no term (a function word, a number, a break)

    def add(self, words: Iterable[str]) -> None:
        codes = self.codes
        for word in words:
            if word not in codes:
                codes[word] = len(self.words)
                self.words.append(word)
                self.stop.append(_is_stop(word))


@dataclass
class Vectors:
    """The terms of some articles, as a sparse matrix: entry k says article ``rows[k]``
    has term ``keys[cols[k]]`` with weight ``weights[k]`` (float32; each article's
    vector has length 1).  Entries are grouped by article, in order.  A term's key is
    its first word's code << 32 and its second's (``_ALONE`` for a syllable or a tag),
    codes of ``words``."""

    words: list[str]
    keys: npt.NDArray[np.int64]
    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float32]

    @property
    def names(self) -> list[str]:
        """Each term's text (``keys``' order)."""
        return names_of(self.words, self.keys)

    def of(self, row: int) -> dict[str, float]:
        """One article's terms and weights."""
        import numpy as np

        start, end = np.searchsorted(self.rows, [row, row + 1])
        return {
            self.names[c]: w
            for c, w in zip(
                self.cols[start:end].tolist(), self.weights[start:end].tolist(), strict=True
            )
        }


class Text(Protocol):
    """What the text model reads of an article."""

    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...


class Texts(NamedTuple):
    """What the text model reads of some articles, in two objects (what a worker is sent:
    one string, not two an article): their titles and ledes joined, ``_MARK`` between
    each two, and each one's tags."""

    text: str
    tags: list[tuple[str, ...]]

    @classmethod
    def of(cls, articles: Sequence[Text]) -> Texts:
        texts = [
            text.replace(_MARK, " ")
            for article in articles
            for text in (article.title, article.summary)
        ]
        return cls(f" {_MARK} ".join(texts), [article.tags for article in articles])


def _tokens(text: str, marks: Callable[[str], Iterable[str]] = set) -> list[str]:
    """The words of ``Texts.text``, ``_MARK`` after each text, ``_BREAK`` for punctuation;
    ``marks``: the characters a text holds (a superset will do)."""
    text = normal(text)
    # Each mark of punctuation a break (a run of them, a run of breaks: as one break).
    for mark in [c for c in marks(text) if _SEPARATE.match(c)]:
        text = text.replace(mark, f" {_BREAK} ")
    tokens = text.split()
    tokens.append(_MARK)
    return tokens


def characters(text: str) -> list[str]:
    """The characters ``text`` holds, each once: ``set(text)`` counted by numpy (a set
    makes an object of each of a million characters)."""
    import numpy as np

    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
    return [chr(c) for c in np.flatnonzero(np.bincount(points)).tolist()]


def _is_stop(word: str) -> bool:
    return word in STOP_SYLLABLES or word in (_BREAK, _MARK) or word.isdigit()


def _tags(tags: tuple[str, ...]) -> list[str]:
    """An article's tags as terms, once each ("#" is no syllable: never the same term)."""
    return [tag for tag in dict.fromkeys(map(tag_term, tags)) if tag != "#"]


def names_of(words: list[str], keys: npt.NDArray[np.int64]) -> list[str]:
    """The text of the terms of these keys (``Vectors``), codes of ``words``."""
    return [
        words[a] if b == _ALONE else f"{words[a]} {words[b]}"
        for a, b in zip((keys >> 32).tolist(), (keys & _ALONE).tolist(), strict=True)
    ]


def vectors(articles: Sequence[Text] | Texts, vocabulary: Vocabulary | None = None) -> Vectors:
    """The terms of ``articles`` (or of their ``Texts``), all in one pass (the same
    numbers for an article alone or among many: each weight depends on its own article
    only, and the length is summed from exact quarters); ``vocabulary``: the codes of
    words met before (a bulk's other batches), the new ones added."""
    import numpy as np

    read = articles if isinstance(articles, Texts) else Texts.of(articles)
    vocabulary = Vocabulary() if vocabulary is None else vocabulary
    tokens = _tokens(read.text, characters)
    index = vocabulary.codes
    codes = np.fromiter(map(index.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
    new = np.flatnonzero(codes < 0).tolist()  # words not met before: added as first met
    if new:
        vocabulary.add(dict.fromkeys([tokens[n] for n in new]))
        codes[new] = [index[tokens[n]] for n in new]
    # tags: one term each, once per article
    tag_rows: list[int] = []
    tag_names: list[str] = []
    for n, tags in enumerate(read.tags):
        for tag in _tags(tags):
            tag_rows.append(n)
            tag_names.append(tag)
    vocabulary.add(tag_names)
    tag_codes = [index[tag] for tag in tag_names]
    words = vocabulary.words
    stop = np.frombuffer(bytes(vocabulary.stop), dtype=bool)
    mark = index[_MARK]
    field = np.cumsum(codes == mark) - (codes == mark)  # 0, 1: title, lede of article 0
    valid = ~stop[codes]
    count = np.where(field % 2 == 0, TITLE_WEIGHT, SUMMARY_WEIGHT).astype(np.float64)
    row = field // 2
    size = len(words)
    # syllables, pairs of neighbours (both valid: none across a break or a mark), tags;
    # a key is (article, first, second), second = size for a syllable or a tag
    single = np.flatnonzero(valid)
    double = np.flatnonzero(valid[:-1] & valid[1:])
    stop_pairs = [
        index[a] * (size + 1) + index[b]
        for a, b in (pair.split() for pair in STOP_PAIRS)
        if a in index and b in index
    ]
    if stop_pairs:
        said = codes[double] * (size + 1) + codes[double + 1]
        double = double[~np.isin(said, np.array(stop_pairs, dtype=np.int64))]
    tagged = np.array(tag_rows, dtype=np.int64)
    span = size * (size + 1)
    keys = np.concatenate(
        [
            row[single] * span + codes[single] * (size + 1) + size,
            row[double] * span + codes[double] * (size + 1) + codes[double + 1],
            tagged * span + np.array(tag_codes, dtype=np.int64) * (size + 1) + size,
        ]
    )
    worth = np.concatenate(
        [count[single] * SYLLABLE_WEIGHT, count[double], np.full(len(tagged), TAG_WEIGHT)]
    )
    # Each (article, term) once, sorted (by article), its counts summed (exact quarters:
    # in any order the same sum).
    order = np.argsort(keys)
    keys = keys[order]
    firsts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else order
    unique = keys[firsts]
    raw = np.add.reduceat(worth[order], firsts) if len(keys) else worth
    rows = unique // span
    term_keys, cols = np.unique(unique % span, return_inverse=True)
    first, second = term_keys // (size + 1), term_keys % (size + 1)
    keys = (first << 32) | np.where(second == size, _ALONE, second)
    length = np.bincount(rows, weights=raw, minlength=len(read.tags))
    weights = np.sqrt(raw / length[rows]).astype(np.float32)
    return Vectors(words, keys, rows, cols.astype(np.int64), weights)


def article_terms(article: Text) -> list[tuple[str, float]]:
    """One article's terms and weights as ``vectors([article])`` gives them, in its order,
    in plain Python (a few articles: numpy is not loaded for them)."""
    tokens = _tokens(Texts.of([article]).text)
    index: dict[str, int] = {}
    for token in tokens:
        index.setdefault(token, len(index))
    tags = _tags(article.tags)
    for tag in tags:
        index.setdefault(tag, len(index))
    last = len(index)  # the second code of a syllable or a tag: after every word
    raw: dict[tuple[int, int], float] = {}
    field = 0
    valid = [not _is_stop(token) for token in tokens]
    for n, token in enumerate(tokens):
        if token == _MARK:
            field += 1
            continue
        if not valid[n]:
            continue
        count = TITLE_WEIGHT if field % 2 == 0 else SUMMARY_WEIGHT
        key = (index[token], last)
        raw[key] = raw.get(key, 0.0) + count * SYLLABLE_WEIGHT
        after = tokens[n + 1]
        if valid[n + 1] and f"{token} {after}" not in STOP_PAIRS:
            key = (index[token], index[after])
            raw[key] = raw.get(key, 0.0) + count
    for tag in tags:
        raw[(index[tag], last)] = TAG_WEIGHT
    words = list(index)
    keys = sorted(raw)
    length = sum(raw[key] for key in keys)  # exact quarters: the order does not matter
    weights = array("f", [math.sqrt(raw[key] / length) for key in keys])  # float32
    names = [words[a] if b == last else f"{words[a]} {words[b]}" for a, b in keys]
    return list(zip(names, weights, strict=True))


def term_hash(name: str) -> int:
    """A term's id in the index: the first 8 bytes of its BLAKE2b digest, signed.  (A
    collision of two of a portal's terms, some 10^-6 for ten million terms, would only
    make them one word.)"""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "little", signed=True
    )


def term_hashes(names: Sequence[str]) -> npt.NDArray[np.int64]:
    """``term_hash`` of each name, as one array."""
    import numpy as np

    digest = b"".join(hashlib.blake2b(n.encode(), digest_size=8).digest() for n in names)
    return np.frombuffer(digest, dtype="<i8").astype(np.int64)


def terms(article: Article) -> dict[str, float]:
    """One article's terms and their weights (empty: nothing to say)."""
    return dict(article_terms(article))

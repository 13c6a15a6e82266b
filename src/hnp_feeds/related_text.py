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
rest.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .model import Article

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


def normal(text: str) -> str:
    """``text`` as terms are made of it: NFC, lowercase, tone marks kept.  (Text from the
    door is NFC already: composed again only when it holds a combining mark.)"""
    if _COMBINING.search(text):
        text = unicodedata.normalize("NFC", text)
    return text.lower()


def tag_term(tag: str) -> str:
    """A tag as one term (``#cốm làng vòng``): its words together, never one by one."""
    return "#" + _SPACE.sub(" ", normal(tag)).strip()


@dataclass
class Vectors:
    """The terms of some articles, as a sparse matrix: entry k says article ``rows[k]``
    has term ``names[cols[k]]`` with weight ``weights[k]`` (float32; each article's
    vector has length 1).  Entries are grouped by article, in order."""

    names: list[str]
    rows: npt.NDArray[np.int64]
    cols: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float32]

    def of(self, row: int) -> dict[str, float]:
        """One article's terms and weights."""
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


def vectors(articles: Sequence[Text]) -> Vectors:
    """The terms of ``articles``, all in one pass (the same numbers for an article alone
    or among many: each weight depends on its own article only, and the length is summed
    from exact quarters)."""
    texts = [
        text.replace(_MARK, " ")
        for article in articles
        for text in (article.title, article.summary)
    ]
    tokens = _SEPARATE.sub(f" {_BREAK} ", normal(f" {_MARK} ".join(texts))).split()
    tokens.append(_MARK)
    words = list(dict.fromkeys(tokens))
    index = {word: n for n, word in enumerate(words)}
    codes = np.fromiter(map(index.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    stop = np.fromiter(
        (w in STOP_SYLLABLES or w in (_BREAK, _MARK) or w.isdigit() for w in words),
        dtype=bool,
        count=len(words),
    )
    # tags: one term each, once per article ("#" is no syllable: never the same term)
    tag_rows: list[int] = []
    tag_codes: list[int] = []
    for n, article in enumerate(articles):
        for tag in dict.fromkeys(map(tag_term, article.tags)):
            if tag != "#":
                tag_rows.append(n)
                tag_codes.append(index.setdefault(tag, len(index)))
    words = list(index)
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
    unique, where = np.unique(keys, return_inverse=True)  # sorted: by article
    raw = np.bincount(where, weights=worth)
    rows = unique // span
    term_keys, cols = np.unique(unique % span, return_inverse=True)
    names = [
        words[a] if b == size else f"{words[a]} {words[b]}"
        for a, b in zip(
            (term_keys // (size + 1)).tolist(), (term_keys % (size + 1)).tolist(), strict=True
        )
    ]
    length = np.bincount(rows, weights=raw, minlength=len(articles))
    weights = np.sqrt(raw / length[rows]).astype(np.float32)
    return Vectors(names, rows, cols.astype(np.int64), weights)


def term_hashes(names: Sequence[str]) -> npt.NDArray[np.int64]:
    """Each term's id in the index: the first 8 bytes of its BLAKE2b digest, signed.  (A
    collision of two of a portal's terms, some 10^-6 for ten million terms, would only
    make them one word.)"""
    digest = b"".join(hashlib.blake2b(n.encode(), digest_size=8).digest() for n in names)
    return np.frombuffer(digest, dtype="<i8").astype(np.int64)


def terms(article: Article) -> dict[str, float]:
    """One article's terms and their weights (empty: nothing to say)."""
    return vectors([article]).of(0)

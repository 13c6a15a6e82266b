"""The first pass's quick ways through the text model (issue 14, item 1) give what the
plain ways give: the characters of a batch counted by numpy are ``set``'s, the NFC quick
check normalizes what the search for marks did, a worker's batches of text (one string
and the tags, pickled as a worker is sent them) give the terms of the articles read one
by one, and the rows of a large add repeat each rowid as the loop of a few does."""

from __future__ import annotations

import pickle
import re
import unicodedata
from array import array
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hnp_feeds import related, related_pass
from hnp_feeds.related_pass import Hashed, batches, hashed
from hnp_feeds.related_text import Texts, Vocabulary, _tags, _tokens, characters, normal, vectors

from .topics import generate

# Vietnamese syllables with their tone marks, composed and decomposed; punctuation of
# both alphabets, digits, the text model's own marks (NUL, ",", "_"), spaces of all kinds,
# signs outside the first plane, a lone surrogate, and marks NFC composes or leaves.
_PIECES = st.sampled_from(
    [
        "Ngập", "úng", "cốm", "cơm", "làng", "Vòng", "bàn", "bán", "trung", "ương",
        "HNP", "Đà", "Nẵng", "nghiêng", unicodedata.normalize("NFD", "Hồ Gươm"),
        "q\u0301", "\u212b", "\u1100\u1161", "\uf900", "\u1e9e", "İ", "ǅ", "2022", "٣", "½",
        ".", ",", ":", "—", "–", "…", "“", "”", "(", ")", "!", "?", "_", "__", "-", "#",
        "\x00", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "😀", "𝕳", "\ud800",
    ]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=40).map("".join)
_COMBINING = re.compile("[\u0300-\u036f]")


@settings(max_examples=60, deadline=None)
@given(text=st.one_of(_TEXT, st.text(max_size=60)))
def test_numpys_characters_are_a_sets_and_give_the_same_tokens(text: str) -> None:
    assert sorted(characters(text)) == sorted(set(text))
    assert _tokens(text, characters) == _tokens(text)


@settings(max_examples=60, deadline=None)
@given(text=st.one_of(_TEXT, st.text(max_size=60)))
def test_the_nfc_quick_check_normalizes_what_the_search_for_marks_did(text: str) -> None:
    searched = unicodedata.normalize("NFC", text) if _COMBINING.search(text) else text
    assert normal(text) == searched.lower()


def test_a_worker_is_sent_texts_that_give_the_terms_of_the_articles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    articles = generate(120, seed=11).articles
    sent = pickle.loads(pickle.dumps(Texts.of(articles)))  # as a worker receives it
    assert isinstance(sent, Texts) and len(sent.tags) == len(articles)
    found, alone = vectors(sent), vectors(articles)
    assert found.names == alone.names
    assert np.array_equal(found.rows, alone.rows) and np.array_equal(found.cols, alone.cols)
    assert np.array_equal(found.weights, alone.weights)
    # Cut into batches of any size, read with one vocabulary: the same entries.
    whole = hashed([Texts.of(articles)], Hashed())  # one batch
    for size in (7, 50):
        monkeypatch.setattr(related_pass, "BATCH", size)
        parts = pickle.loads(pickle.dumps(batches(articles)))
        assert len(parts) == -(-len(articles) // size)
        cut = hashed(parts, Hashed())
        assert cut[:3] == whole[:3]  # bounds, term ids, weights
        ids, ranks = cut[3]
        assert np.array_equal(ids[ranks], whole[3][0][whole[3][1]])


def test_a_mark_inside_a_text_is_a_space_not_the_end_of_an_article() -> None:
    articles = generate(3, seed=5).articles
    texts = Texts.of(articles)
    assert texts.text.count("\x00") == 2 * len(articles) - 1
    marked = Texts.of([replace(articles[0], title="a\x00b")])
    assert marked.text.count("\x00") == 1  # between the title and the lede only


def test_a_large_adds_rowids_are_repeated_as_a_few_ones_are() -> None:
    values = [(n * 7919) << 16 for n in range(related.FEW_ARTICLES + 50)]
    counts = [1 + n % 9 for n in range(len(values))]
    expected: array[int] = array("q")
    for value, count in zip(values, counts, strict=True):
        expected.extend([value] * count)
    assert related._repeated(values, counts) == expected  # numpy's repeat
    assert related._repeated(values[:5], counts[:5]) == expected[: sum(counts[:5])]


def test_a_batchs_new_words_get_their_codes_in_the_order_first_met() -> None:
    articles = generate(60, seed=2).articles
    vocabulary = Vocabulary()
    for start in (0, 20, 40):  # the later batches look their known words up, add the new
        vectors(articles[start : start + 20], vocabulary)
    tokens = _tokens(Texts.of(articles).text, characters)
    tags = [tag for article in articles for tag in _tags(article.tags)]
    words = [w for w in vocabulary.words if not w.startswith("#")]
    assert words == list(dict.fromkeys(tokens))
    assert set(vocabulary.words) - set(words) == set(tags)
    assert all(vocabulary.codes[word] == n for n, word in enumerate(vocabulary.words))

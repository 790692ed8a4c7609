"""TfidfNgrams counts n-grams with stance.ngram_counts: the same matrices as scikit-learn's loop, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from stance import ngram_counts
from stance.models import TfidfNgrams
from stance.persist import load_model, save_model

WORDS = ["the", "ministry", "will", "respond", "if", "drills", "continue", "Borovia's", "don't", "0", "42", "naïve"]
ODD = ["", " ", "a", "I  am\there\nnow", "ÇAFÉ naïve", "emoji 😀 ok 😀😀", "中文 字符 测试", "x y z", "İstanbul"]
ODD += ["\u2028a\u2029b", "tab\tsep", "don't 'quote' 'a'", "nul\x00 in\x00side \x00", "\x00"]
SETTINGS = [
    {"analyzer": "char_wb", "ngram_range": (2, 5), "min_df": 2, "sublinear_tf": True},
    {"analyzer": "char_wb", "ngram_range": (1, 3)},
    {"analyzer": "char_wb", "ngram_range": (4, 5)},
    {"analyzer": "word", "ngram_range": (1, 2), "min_df": 2, "token_pattern": r"(?u)\b\w[\w']*\b"},
    {"analyzer": "word", "ngram_range": (1, 3)},
    {"analyzer": "word", "ngram_range": (2, 2)},
]


def sentences(seed: int, n: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(rng.choice(WORDS, size=rng.integers(1, 25))) + rng.choice([".", "!", ""]) for _ in range(n)]


def assert_same(a, b) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape
    for name in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


@pytest.mark.parametrize("kwargs", SETTINGS, ids=lambda kwargs: f"{kwargs['analyzer']}{kwargs['ngram_range']}")
def test_fit_and_transform_match_scikit_learn_exactly(kwargs):
    fit_texts, new_texts = sentences(0, 300) + ODD, ODD + sentences(1, 200)
    ours, theirs = TfidfNgrams(**kwargs), TfidfVectorizer(**kwargs)
    assert_same(ours.fit_transform(fit_texts), theirs.fit_transform(fit_texts))
    assert ours.vocabulary_ == theirs.vocabulary_
    assert_same(ours.transform(new_texts), theirs.transform(new_texts))


def test_chunks_grow_one_vocabulary_in_first_met_order(monkeypatch):
    monkeypatch.setattr(ngram_counts, "CHUNK", 7)
    texts = sentences(2, 50) + ODD
    for kwargs in SETTINGS:
        ours, theirs = TfidfNgrams(**kwargs), TfidfVectorizer(**kwargs)
        assert_same(ours.fit_transform(texts), theirs.fit_transform(texts))
        assert_same(ours.transform(texts[::-1]), theirs.transform(texts[::-1]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab c'Ä\t\n😀字-.İ"), max_size=20), min_size=1, max_size=12))
def test_random_texts(texts):
    for kwargs in (SETTINGS[1], SETTINGS[4]):
        ours, theirs = TfidfNgrams(**kwargs), TfidfVectorizer(**kwargs)
        try:
            expected = theirs.fit_transform(texts)
        except ValueError as error:  # empty vocabulary
            with pytest.raises(ValueError, match=str(error).split(";")[0]):
                ours.fit_transform(texts)
            continue
        assert_same(ours.fit_transform(texts), expected)
        assert_same(ours.transform(texts[::-1]), theirs.transform(texts[::-1]))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"analyzer": "char_wb", "ngram_range": (2, 6)},  # longer than the 12-bit packing holds
        {"analyzer": "char", "ngram_range": (2, 3)},
        {"analyzer": "word", "ngram_range": (1, 4)},
        {"analyzer": "word", "lowercase": False},
        {"analyzer": "word", "token_pattern": r"\S+ \S+"},  # tokens holding spaces
    ],
)
def test_settings_it_does_not_cover_fall_back_to_scikit_learn(kwargs):
    texts = sentences(3, 80) + ODD
    assert_same(TfidfNgrams(**kwargs).fit_transform(texts), TfidfVectorizer(**kwargs).fit_transform(texts))


def test_lone_surrogates_and_non_strings_behave_as_scikit_learn():
    texts = [*sentences(4, 20), "bad \udc80 byte"]
    kwargs = SETTINGS[0]
    assert_same(TfidfNgrams(**kwargs).fit_transform(texts), TfidfVectorizer(**kwargs).fit_transform(texts))
    with pytest.raises(ValueError, match="np.nan is an invalid document"):
        TfidfNgrams(**kwargs).fit_transform([*texts, np.nan])


def test_a_saved_model_counts_the_same_after_loading(tmp_path):
    texts = sentences(5, 200)
    fitted = TfidfNgrams(**SETTINGS[3]).fit(texts)
    save_model(fitted, tmp_path / "fitted.skops")  # holds the codes the fit found, which are not saved
    expected = fitted.transform(texts)  # caches the coded vocabulary, which is not saved either
    save_model(fitted, tmp_path / "used.skops")
    for name in ("fitted", "used"):
        loaded = load_model(tmp_path / f"{name}.skops", None)
        assert not {"_fixed_counter", "_fitted_codes"} & set(loaded.__dict__)
        assert_same(loaded.transform(texts), expected)

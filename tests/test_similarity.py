"""stance.similarity gives the same verdicts as the brute-force word-set Jaccard rule."""

from __future__ import annotations

import itertools
import random
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import CountVectorizer

from stance import similarity
from stance.similarity import (
    jaccard,
    max_jaccard,
    near_duplicate_pairs,
    near_duplicate_sets,
    near_duplicates,
    word_sets,
)

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"  # in git; data/clean is a DVC output
THRESHOLDS = (0.0, 0.3, 0.5, 0.6, 0.8, 0.99, 1.0)

# Words that stress the tokeniser: case, digits, apostrophes, words longer than 8 and 16 bytes
# that differ only near the end, and characters that lowercase to ASCII (Kelvin sign, dotted I).
WORDS = [
    "a", "b", "c", "d", "e", "it's", "x1", "B", "E",
    "internationalisation", "internationalisations", "internationalization", "abcdefgh", "abcdefghi",
    "\u212a", "\u0130", "é", "straße",
]  # fmt: skip
SEPARATORS = [" ", " ", " ", ", ", ". ", "!?", "\n", "\x00", "—", "’"]


# -- brute force ------------------------------------------------------------------------------------


def brute_pairs(texts: list[str], threshold: float) -> list[tuple[int, int]]:
    sets = word_sets(texts)
    return [(i, j) for i, j in itertools.combinations(range(len(texts)), 2) if jaccard(sets[i], sets[j]) > threshold]


def brute_near_duplicates(candidates: list[str], reference: list[str], threshold: float) -> np.ndarray:
    cand, ref = word_sets(candidates), word_sets(reference)
    return np.array([any(jaccard(a, b) > threshold for b in ref) for a in cand], dtype=bool)


def brute_max(texts: list[str], exclude=()) -> tuple[float, tuple[int, int] | None]:
    sets, excluded = word_sets(texts), {tuple(sorted(pair)) for pair in exclude}
    best, pair = 0.0, None
    for i, j in itertools.combinations(range(len(texts)), 2):
        score = jaccard(sets[i], sets[j])
        if (i, j) not in excluded and score > best:
            best, pair = score, (i, j)
    return best, pair


def set_pairs(texts: list[str], threshold: float) -> list[tuple[int, int]]:
    """The text pairs near_duplicate_sets stands for, listed the slow way (sorted)."""
    links = near_duplicate_sets(texts, threshold)
    members = [np.flatnonzero(links.set_of == g).tolist() for g in range(len(links.copies_match))]
    pairs = [(i, j) for g, h in zip(links.first, links.second, strict=True) for i in members[g] for j in members[h]]
    pairs += [pair for g in np.flatnonzero(links.copies_match) for pair in itertools.combinations(members[g], 2)]
    assert links.neighbours().sum() == 2 * len(links.first)
    return sorted((min(i, j), max(i, j)) for i, j in pairs)


def dense_near_duplicates(candidates: pd.Series, reference: pd.Series, threshold: float) -> np.ndarray:
    """The function similarity.near_duplicates replaced (formerly in stages/split.py), verbatim."""
    if candidates.empty or reference.empty:
        return np.zeros(len(candidates), dtype=bool)
    vectoriser = CountVectorizer(binary=True, token_pattern=r"[a-z0-9']+").fit(
        pd.concat([candidates, reference]).str.lower()
    )
    a, b = vectoriser.transform(candidates.str.lower()), vectoriser.transform(reference.str.lower())
    shared = (a @ b.T).toarray()
    union = np.asarray(a.sum(axis=1)) + np.asarray(b.sum(axis=1)).T - shared
    return (shared / np.maximum(union, 1)).max(axis=1) > threshold


def dense_jaccard(texts: pd.Series) -> np.ndarray:
    """Every pair's Jaccard, float64, zero on the diagonal."""
    matrix = CountVectorizer(binary=True, token_pattern=r"[a-z0-9']+").fit_transform(texts.str.lower())
    shared = (matrix @ matrix.T).toarray()
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    scores = shared / np.maximum(sizes[:, None] + sizes[None, :] - shared, 1)
    np.fill_diagonal(scores, 0)
    return scores


def random_texts(rng: random.Random, n: int, vocabulary: list[str], max_words: int = 8) -> list[str]:
    """Texts from a tiny vocabulary, so identical and near-identical word sets are common."""
    texts = []
    for _ in range(n):
        words = [rng.choice(vocabulary) for _ in range(rng.randint(0, max_words))]
        texts.append("".join(word + rng.choice(SEPARATORS) for word in words))
    return texts


# -- the rule ---------------------------------------------------------------------------------------


def test_word_sets_follow_the_token_pattern():
    assert word_sets(["It's 2 DRILLS, it's two drills!", "", "?!", "\u212aelvin"]) == [
        frozenset({"it's", "2", "drills", "two"}),
        frozenset(),
        frozenset(),
        frozenset({"kelvin"}),
    ]
    assert word_sets(["\u0130stanbul"]) == [frozenset(re.findall(r"[a-z0-9']+", "\u0130stanbul".lower()))]


def test_jaccard_of_empty_sets_is_zero():
    assert jaccard(frozenset(), frozenset()) == 0.0
    assert jaccard(frozenset({"a"}), frozenset()) == 0.0
    assert jaccard(frozenset({"a", "b"}), frozenset({"b", "c"})) == 1 / 3


# -- exact agreement with brute force ----------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_joins_equal_brute_force_on_random_collections(seed):
    rng = random.Random(seed)
    texts = random_texts(rng, rng.randint(0, 40), WORDS[: rng.randint(2, len(WORDS))])
    split = rng.randint(0, len(texts))
    for threshold in THRESHOLDS:
        assert near_duplicate_pairs(texts, threshold) == brute_pairs(texts, threshold), threshold
        assert set_pairs(texts, threshold) == brute_pairs(texts, threshold), threshold
        found = near_duplicates(texts[:split], texts[split:], threshold)
        assert found.dtype == bool and found.shape == (split,)
        assert found.tolist() == brute_near_duplicates(texts[:split], texts[split:], threshold).tolist(), threshold


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(
        st.text(alphabet=st.sampled_from(["a", "b", "c", "A", "'", "1", " ", ".", "é", "\u212a"])), max_size=25
    ),
    threshold=st.sampled_from(THRESHOLDS) | st.floats(0, 1),
    split=st.integers(0, 25),
)
def test_joins_equal_brute_force_on_generated_text(texts, threshold, split):
    assert near_duplicate_pairs(texts, threshold) == brute_pairs(texts, threshold)
    assert set_pairs(texts, threshold) == brute_pairs(texts, threshold)
    split = min(split, len(texts))
    expected = brute_near_duplicates(texts[:split], texts[split:], threshold)
    assert near_duplicates(texts[:split], texts[split:], threshold).tolist() == expected.tolist()


def test_edge_cases():
    texts = ["", "", "...", "?!", "a", "a", "A.", "b", "a b", "b a", "a b c", "a b c d e f g h i j"]
    for threshold in THRESHOLDS:
        assert near_duplicate_pairs(texts, threshold) == brute_pairs(texts, threshold), threshold
        assert set_pairs(texts, threshold) == brute_pairs(texts, threshold), threshold
        assert (
            near_duplicates(texts, texts, threshold).tolist() == brute_near_duplicates(texts, texts, threshold).tolist()
        )
    # Identical non-empty texts are near-duplicates below 1; word-less texts never are.
    assert near_duplicate_pairs(["", "", "!!"], 0.5) == []
    assert near_duplicate_pairs(["Same words.", "same WORDS"], 0.99) == [(0, 1)]
    assert near_duplicate_pairs(["Same words.", "same WORDS"], 1.0) == []
    assert near_duplicates(["x", ""], ["x", ""], 0.5).tolist() == [True, False]
    assert near_duplicates([], ["x"], 0.5).tolist() == [] and near_duplicates(["x"], [], 0.5).tolist() == [False]
    assert near_duplicate_pairs([], 0.5) == [] and near_duplicate_pairs(["x"], 0.5) == []


def test_threshold_is_strict():
    # 4 shared words of 5 in all: J = 0.8 exactly, which is not above 0.8.
    texts = ["a b c d e", "a b c d"]
    assert near_duplicate_pairs(texts, 0.8) == [] and near_duplicate_pairs(texts, 0.79) == [(0, 1)]
    assert near_duplicates(texts[:1], texts[1:], 0.8).tolist() == [False]


@pytest.mark.parametrize("threshold", [-0.1, float("nan")])
def test_rejects_a_meaningless_threshold(threshold):
    with pytest.raises(ValueError, match="threshold"):
        near_duplicate_pairs(["a"], threshold)
    with pytest.raises(ValueError, match="threshold"):
        near_duplicates(["a"], ["a"], threshold)


def test_accepts_series_with_any_index():
    candidates = pd.Series(["We will respond.", "Unrelated words here."], index=[10, 3])
    reference = pd.Series(["we WILL respond", "x"], index=[7, 7])
    assert near_duplicates(candidates, reference, 0.8).tolist() == [True, False]
    assert near_duplicate_pairs(pd.Series(["a b", "b a"], index=[5, 9]), 0.5) == [(0, 1)]


def test_exact_however_keys_and_sets_hash(monkeypatch):
    """Hashes only group work: with colliding hashes and tiny batches the verdicts stay exact."""
    rng = random.Random(7)
    texts = random_texts(rng, 150, [f"w{i}" for i in range(30)], max_words=14)
    expected = {threshold: brute_pairs(texts, threshold) for threshold in (0.3, 0.5, 0.8)}
    expected_near = {t: brute_near_duplicates(texts[:50], texts[50:], t) for t in expected}
    monkeypatch.setattr(similarity, "_exact_keys", lambda vocabulary, row_bits: False)
    monkeypatch.setattr(similarity, "_hash_keys", lambda keys, bits: keys % 5)
    monkeypatch.setattr(similarity, "_set_hashes", lambda sets: sets.sizes.astype(np.uint64) % 3)
    for name, value in {"_BLOCK": 16, "_PAIR_BATCH": 300, "_LONG_RUN": 20, "_VERIFY_CHUNK": 64, "_CHUNK": 13}.items():
        monkeypatch.setattr(similarity, name, value)
    for threshold, pairs in expected.items():
        assert near_duplicate_pairs(texts, threshold) == pairs, threshold
        assert set_pairs(texts, threshold) == pairs, threshold
        assert near_duplicates(texts[:50], texts[50:], threshold).tolist() == expected_near[threshold].tolist()


def templated_texts(rng: random.Random, n: int) -> list[str]:
    """Texts that share long stock phrases and differ in a few slots, some near-copies of others."""
    phrases = [" ".join(f"p{k}_{i}" for i in range(rng.randint(2, 6))) for k in range(4)]
    names = [f"n{i}" for i in range(rng.randint(3, 30))]
    texts: list[str] = []
    for _ in range(n):
        if texts and rng.random() < 0.2:
            words = rng.choice(texts).split()
            words[rng.randrange(len(words))] = rng.choice(names)
        else:
            words = [rng.choice(names) for _ in range(rng.randint(0, 4))] + rng.sample(phrases, rng.randint(1, 3))
            rng.shuffle(words)
        texts.append(" ".join(words))
    return texts


@pytest.mark.parametrize("seed", range(30))
def test_long_runs_split_word_by_word_stay_exact(monkeypatch, seed):
    """Every run of two or more rows goes through the refinement, in tiny batches: still brute force's pairs."""
    rng = random.Random(seed)
    texts = templated_texts(rng, rng.randint(2, 80))
    if seed % 2:
        texts = random_texts(rng, rng.randint(2, 60), WORDS[: rng.randint(2, len(WORDS))], max_words=14)
    expected = {threshold: brute_pairs(texts, threshold) for threshold in (0.3, 0.5, 0.6, 0.8, 0.9)}
    monkeypatch.setattr(similarity, "_REFINE_RUN", seed % 3 + 1)
    monkeypatch.setattr(similarity, "_BLOCK", 7)
    monkeypatch.setattr(similarity, "_PAIR_BATCH", 50)
    for threshold, pairs in expected.items():
        assert near_duplicate_pairs(texts, threshold) == pairs, threshold
        assert set_pairs(texts, threshold) == pairs, threshold


@pytest.mark.parametrize("seed", range(30))
def test_max_jaccard_equals_brute_force_on_random_collections(seed):
    rng = random.Random(seed)
    texts = random_texts(rng, rng.randint(0, 30), [f"w{i}" for i in range(rng.randint(1, 40))], max_words=12)
    pairs = list(itertools.combinations(range(len(texts)), 2))
    exclude = {tuple(rng.sample(pair, 2)) for pair in rng.sample(pairs, min(len(pairs), rng.randint(0, 6)))}
    assert max_jaccard(texts) == brute_max(texts)
    assert max_jaccard(texts, exclude) == brute_max(texts, exclude)


def test_max_jaccard_edge_cases():
    # One shared word between two long texts: J = 1 / 79, far below the first search thresholds.
    long_pair = [" ".join(f"x{i}" for i in range(40)), " ".join(f"y{i}" for i in range(39)) + " x0"]
    assert max_jaccard(long_pair) == (1 / 79, (0, 1))
    assert max_jaccard(["a", "b", ""]) == (0.0, None)
    assert max_jaccard(["a b", "a c"], exclude={(1, 0)}) == (0.0, None)
    assert max_jaccard([]) == (0.0, None)


# -- the shipped corpus ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus() -> pd.Series:
    """The distinct texts of the shipped annotation batches, in file order."""
    batches = [pd.read_csv(path, dtype=str, keep_default_na=False) for path in sorted(RAW.glob("*.csv"))]
    texts = pd.concat([b["text"] for b in batches], ignore_index=True)
    return texts[texts.str.strip().ne("")].drop_duplicates().reset_index(drop=True)


def test_near_duplicates_on_the_corpus_equal_the_dense_rule(corpus):
    candidates, reference = corpus[:560], corpus[560:]
    for threshold in (0.8, 0.5, 0.3):
        expected = dense_near_duplicates(candidates, reference, threshold)
        assert near_duplicates(candidates, reference, threshold).tolist() == expected.tolist(), threshold
    assert dense_near_duplicates(candidates, reference, 0.3).any()  # the comparison is not vacuous


def test_near_duplicate_pairs_on_the_corpus_equal_the_dense_rule(corpus):
    scores = dense_jaccard(corpus)
    for threshold in (0.8, 0.5):
        first, second = np.nonzero(np.triu(scores > threshold, k=1))
        assert near_duplicate_pairs(corpus, threshold) == list(zip(first.tolist(), second.tolist(), strict=True))


def test_max_jaccard_on_the_corpus_equals_brute_force(corpus):
    scores = dense_jaccard(corpus)
    best = float(scores.max())
    first = tuple(int(i) for i in np.argwhere(scores == best)[0])  # smallest (i, j), and i < j
    assert max_jaccard(corpus.tolist()) == (best, first)
    # Excluding the best pairs (and an unrelated one) moves the answer to the next best.
    exclude = {tuple(int(i) for i in pair) for pair in np.argwhere(np.triu(scores >= best - 0.05, k=1))} | {(1, 0)}
    for i, j in exclude:
        scores[i, j] = scores[j, i] = 0
    runner_up = float(scores.max())
    assert runner_up < best
    assert max_jaccard(corpus.tolist(), exclude) == (
        runner_up,
        tuple(int(i) for i in np.argwhere(scores == runner_up)[0]),
    )

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from stance.agreement import agreement, coincidences, nominal_alpha

LABELS = ["threat", "warning", "neutral"]


def votes(pairs: list[tuple[str, str]], annotators=("ana", "ben"), file="b1.csv") -> pd.DataFrame:
    rows = []
    for i, pair in enumerate(pairs):
        rows += [
            {"statement_id": f"s{i}", "annotator": who, "label": lab, "file": file}
            for who, lab in zip(annotators, pair, strict=True)
        ]
    return pd.DataFrame(rows)


def test_perfect_agreement_gives_alpha_one_and_kappa_one():
    data = votes([(lab, lab) for lab in LABELS * 10])
    result = agreement(data, LABELS)
    assert result["alpha"] == {"alpha": 1.0, "statements": 30, "votes": 60}
    assert result["kappa_pairs"][0]["kappa"] == 1.0


def test_kappa_matches_sklearn_and_counts_its_statements():
    pairs = (
        [("threat", "threat")] * 8
        + [("warning", "warning")] * 7
        + [("neutral", "neutral")] * 6
        + [("threat", "warning"), ("warning", "neutral"), ("neutral", "threat")]
    )
    result = agreement(votes(pairs), LABELS)
    pair = result["kappa_pairs"][0]
    assert pair["statements"] == 24
    assert pair["kappa"] == pytest.approx(cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs]), abs=1e-4)
    assert 0 < result["alpha"]["alpha"] < 1


def test_pairs_with_too_few_shared_statements_are_left_out():
    result = agreement(votes([("threat", "threat")] * 5 + [("neutral", "neutral")] * 5), LABELS)
    assert result["kappa_pairs"] == []


def test_single_annotator_statements_do_not_count():
    single = pd.DataFrame([{"statement_id": "z", "annotator": "ana", "label": "threat", "file": "b2.csv"}])
    result = agreement(pd.concat([votes([("threat", "warning"), ("neutral", "neutral")]), single]), LABELS)
    assert result["alpha"]["statements"] == 2
    assert result["alpha_per_batch"]["b2.csv"]["statements"] == 0
    assert set(result["alpha_per_class"]) == set(LABELS)


def value_counts(reliability: list[list[int | None]]) -> np.ndarray:
    """Units × categories vote counts from observers × units reliability data (None = missing)."""
    categories = sorted({value for row in reliability for value in row if value is not None})
    units = list(zip(*reliability, strict=True))
    return np.array([[unit.count(category) for category in categories] for unit in units])


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: 4 observers,
# 12 units, values 1-5, missing entries; the last unit has a single value and is not pairable.
FOUR_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Same paper, example A: two observers, ten units, binary values.
TWO_OBSERVERS_BINARY = [
    [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
]


def test_nominal_alpha_matches_krippendorff_2011_four_observer_example():
    counts = value_counts(FOUR_OBSERVERS)
    # The paper's coincidence matrix totals n = 40 pairable values with n_c = 9, 13, 10, 5, 3.
    assert coincidences(counts).sum(axis=1) == pytest.approx([9, 13, 10, 5, 3])
    assert nominal_alpha(counts) == pytest.approx(0.743, abs=5e-4)


def test_nominal_alpha_matches_krippendorff_2011_binary_example():
    counts = value_counts(TWO_OBSERVERS_BINARY)
    assert coincidences(counts) == pytest.approx(np.array([[10, 4], [4, 2]]))
    assert nominal_alpha(counts) == pytest.approx(0.095, abs=5e-4)


def test_nominal_alpha_is_undefined_without_expected_disagreement():
    # A lone vote for a second category is not pairable, so every pairable vote is "threat".
    assert nominal_alpha(np.array([[2, 0], [3, 0], [0, 1]])) is None
    assert nominal_alpha(np.array([[1, 0], [0, 1]])) is None
    assert nominal_alpha(np.zeros((0, 3), dtype=int)) is None


# Small vote-count matrices: up to 12 units, 2-5 categories, up to 4 votes per cell.
count_matrices = (
    st.integers(2, 5)
    .flatmap(lambda k: st.lists(st.lists(st.integers(0, 4), min_size=k, max_size=k), min_size=1, max_size=12))
    .map(np.array)
)


@given(count_matrices)
def test_nominal_alpha_is_none_or_a_finite_number_at_most_one(counts):
    alpha = nominal_alpha(counts)
    assert alpha is None or (np.isfinite(alpha) and alpha <= 1 + 1e-12)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(2, 5)), min_size=1, max_size=12))
def test_nominal_alpha_is_one_under_perfect_agreement(units):
    counts = np.zeros((len(units), 4), dtype=int)
    for row, (category, votes_cast) in enumerate(units):
        counts[row, category] = votes_cast
    alpha = nominal_alpha(counts)
    if len({category for category, _ in units}) < 2:
        assert alpha is None
    else:
        assert alpha == pytest.approx(1.0)


@given(count_matrices, st.randoms(use_true_random=False))
def test_nominal_alpha_ignores_the_order_of_categories_and_of_units(counts, rng):
    categories = list(range(counts.shape[1]))
    units = list(range(counts.shape[0]))
    rng.shuffle(categories)
    rng.shuffle(units)
    expected = nominal_alpha(counts)
    for shuffled in (counts[:, categories], counts[units]):
        alpha = nominal_alpha(shuffled)
        assert alpha == (None if expected is None else pytest.approx(expected, abs=1e-12))


@given(count_matrices, st.data())
def test_a_unit_with_a_single_vote_leaves_nominal_alpha_unchanged(counts, data):
    lone = np.zeros(counts.shape[1], dtype=int)
    lone[data.draw(st.integers(0, counts.shape[1] - 1))] = 1
    position = data.draw(st.integers(0, counts.shape[0]))
    assert nominal_alpha(np.insert(counts, position, lone, axis=0)) == nominal_alpha(counts)

import numpy as np
import pytest

from stance.metrics import bootstrap_ci, paired_comparison, score

LABELS = ["threat", "warning", "neutral"]


def test_score_shape_and_values():
    metrics = score(["threat", "warning", "neutral", "neutral"], ["threat", "neutral", "neutral", "neutral"], LABELS)
    assert metrics["accuracy"] == 0.75
    assert metrics["per_class"]["warning"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert metrics["macro_f1"] == pytest.approx(round((1 + 0 + 0.8) / 3, 4))
    assert -1 <= metrics["kappa"] <= 1 and metrics["weighted_f1"] == pytest.approx(0.65)


def test_bootstrap_interval_brackets_the_estimate_and_is_reproducible():
    rng = np.random.default_rng(0)
    actual = rng.choice(LABELS, 300)
    predicted = np.where(rng.random(300) < 0.7, actual, rng.choice(LABELS, 300))
    first = bootstrap_ci(actual, predicted, LABELS, resamples=300, seed=1)
    assert first == bootstrap_ci(actual, predicted, LABELS, resamples=300, seed=1)
    low, high = first["macro_f1_ci95"]
    assert low < score(actual, predicted, LABELS)["macro_f1"] < high
    assert high - low < 0.2


def test_paired_comparison_sees_a_real_improvement_and_no_change():
    rng = np.random.default_rng(3)
    actual = rng.choice(LABELS, 400)
    weak = np.where(rng.random(400) < 0.5, actual, rng.choice(LABELS, 400))
    strong = np.where(rng.random(400) < 0.9, actual, weak)
    better = paired_comparison(actual, weak, strong, LABELS, resamples=300, seed=0)
    assert better["macro_f1_difference_ci95"][0] > 0 and better["mcnemar"]["p_value"] < 0.001
    same = paired_comparison(actual, weak, weak, LABELS, resamples=100, seed=0)
    assert same["macro_f1_difference"] == 0 and same["mcnemar"]["p_value"] == 1.0


def test_resampled_macro_f1_equals_sklearn_on_every_resample():
    import numpy as np
    from sklearn.metrics import f1_score

    from stance.metrics import _codes, resampled_macro_f1

    labels = ["threat", "warning", "neutral"]
    rng = np.random.default_rng(3)
    actual = rng.choice([*labels, "other"], 80)
    predicted = rng.choice(labels, 80)
    index = rng.integers(0, 80, (50, 80))
    fast = resampled_macro_f1(_codes(actual, labels), _codes(predicted, labels), index, len(labels))
    slow = [f1_score(actual[i], predicted[i], labels=labels, average="macro", zero_division=0) for i in index]
    assert np.allclose(fast, slow)


def test_resample_blocks_are_one_draw_below_the_cap_and_bounded_above_it(monkeypatch):
    from stance import metrics

    (whole,) = metrics.resample_blocks(300, 200, seed=5)  # 60,000 positions: one block, as before
    assert np.array_equal(whole, np.random.default_rng(5).integers(0, 300, (200, 300)))
    monkeypatch.setattr(metrics, "BOOTSTRAP_CELLS", 7_000)
    blocks = list(metrics.resample_blocks(300, 200, seed=5))
    assert [b.shape for b in blocks] == [(23, 300)] * 8 + [(16, 300)]
    assert all(b.size <= 7_000 for b in blocks) and sum(len(b) for b in blocks) == 200
    assert all(b.min() >= 0 and b.max() < 300 for b in blocks)


def test_blocked_bootstrap_intervals_agree_with_the_one_block_intervals(monkeypatch):
    from stance import metrics

    rng = np.random.default_rng(0)
    actual = rng.choice(LABELS, 2_000)
    predicted = np.where(rng.random(2_000) < 0.7, actual, rng.choice(LABELS, 2_000))
    whole = bootstrap_ci(actual, predicted, LABELS, resamples=1_000, seed=1)
    monkeypatch.setattr(metrics, "BOOTSTRAP_CELLS", 50_000)  # 25 resamples per block
    blocked = bootstrap_ci(actual, predicted, LABELS, resamples=1_000, seed=1)
    assert blocked == bootstrap_ci(actual, predicted, LABELS, resamples=1_000, seed=1)  # still seeded
    for key in ("macro_f1_ci95", "accuracy_ci95"):
        assert np.allclose(blocked[key], whole[key], atol=0.01)
    paired = paired_comparison(actual, predicted, actual, LABELS, resamples=200, seed=0)
    assert paired["macro_f1_difference_ci95"][0] > 0

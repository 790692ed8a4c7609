"""Scores with their uncertainty: point metrics, bootstrap intervals, paired comparisons."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import accuracy_score, cohen_kappa_score, f1_score, precision_recall_fscore_support


def score(actual, predicted, labels: list[str]) -> dict:
    """Accuracy, macro/weighted F1, Cohen's κ vs gold and per-class scores, rounded for reports."""
    actual, predicted = np.asarray(actual), np.asarray(predicted)
    precision, recall, f1, support = precision_recall_fscore_support(actual, predicted, labels=labels, zero_division=0)
    return {
        "macro_f1": _round(f1_score(actual, predicted, labels=labels, average="macro", zero_division=0)),
        "accuracy": _round(accuracy_score(actual, predicted)),
        "weighted_f1": _round(f1_score(actual, predicted, labels=labels, average="weighted", zero_division=0)),
        "kappa": _round(cohen_kappa_score(actual, predicted, labels=labels)) if len(set(actual)) > 1 else None,
        "n": len(actual),
        "per_class": {
            label: {"precision": _round(p), "recall": _round(r), "f1": _round(f), "support": int(s)}
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
    }


BOOTSTRAP_CELLS = 4_000_000  # resampled positions held at once (a few arrays of this many int64: ~150 MB)


def resample_blocks(n: int, resamples: int, seed: int) -> Iterator[np.ndarray]:
    """The bootstrap's resampled positions, (rows, n) at a time, at most BOOTSTRAP_CELLS positions per block.

    One block of all `resamples` rows when it fits (the draws of a single
    `integers(0, n, (resamples, n))` call); above that, consecutive draws from the same generator
    in blocks of rows — equally valid resamples, not the same numbers, so 1,000 resamples of a
    200,000-statement test split take ~150 MB instead of ~8 GB.
    """
    generator = np.random.default_rng(seed)
    rows = max(1, BOOTSTRAP_CELLS // max(n, 1))
    for start in range(0, resamples, rows):
        yield generator.integers(0, n, (min(rows, resamples - start), n))


def bootstrap_ci(actual, predicted, labels: list[str], resamples: int, seed: int) -> dict:
    """Percentile 95% intervals for macro-F1 and accuracy over `resamples` bootstrap samples."""
    actual, predicted = _codes(actual, labels), _codes(predicted, labels)
    macro, accuracy = [], []
    for index in resample_blocks(len(actual), resamples, seed):
        macro.append(resampled_macro_f1(actual, predicted, index, len(labels)))
        accuracy.append((actual[index] == predicted[index]).mean(axis=1))
    return {"macro_f1_ci95": _interval(np.concatenate(macro)), "accuracy_ci95": _interval(np.concatenate(accuracy))}


def resampled_macro_f1(actual: np.ndarray, predicted: np.ndarray, index: np.ndarray, n_labels: int) -> np.ndarray:
    """Macro-F1 (zero where a class is never predicted nor present) of each row of resampled positions.

    One confusion matrix per resample from a single bincount: the same figure as
    sklearn's f1_score(average="macro", labels=..., zero_division=0), a thousand times faster.
    """
    rows, k = index.shape[0], n_labels + 1  # one more code for values outside the label set
    cells = (np.arange(rows)[:, None] * k * k + actual[index] * k + predicted[index]).ravel()
    confusion = np.bincount(cells, minlength=rows * k * k).reshape(rows, k, k)
    true_positive = np.diagonal(confusion, axis1=1, axis2=2)
    denominator = confusion.sum(axis=1) + confusion.sum(axis=2)  # 2·tp + fp + fn
    f1 = np.divide(2 * true_positive, denominator, out=np.zeros(true_positive.shape), where=denominator > 0)
    return f1[:, :n_labels].mean(axis=1)


def _codes(values, labels: list[str]) -> np.ndarray:
    """Labels as integer codes in `labels` order; anything else gets a code of its own (counts as wrong)."""
    position = {label: i for i, label in enumerate(labels)}
    return np.array([position.get(v, len(labels)) for v in np.asarray(values)], dtype=np.int64)


def paired_comparison(actual, first, second, labels: list[str], resamples: int, seed: int) -> dict:
    """Macro-F1 difference (second − first) with a paired-bootstrap 95% CI, and McNemar's exact test."""
    actual, first, second = np.asarray(actual), np.asarray(first), np.asarray(second)
    codes = [_codes(values, labels) for values in (actual, first, second)]
    differences = np.concatenate(
        [
            resampled_macro_f1(codes[0], codes[2], index, len(labels))
            - resampled_macro_f1(codes[0], codes[1], index, len(labels))
            for index in resample_blocks(len(actual), resamples, seed)
        ]
    )
    only_first = int(np.sum((first == actual) & (second != actual)))
    only_second = int(np.sum((first != actual) & (second == actual)))
    discordant = only_first + only_second
    p_value = binomtest(only_second, discordant, 0.5).pvalue if discordant else 1.0
    delta = f1_score(actual, second, labels=labels, average="macro", zero_division=0) - f1_score(
        actual, first, labels=labels, average="macro", zero_division=0
    )
    return {
        "n": len(actual),
        "macro_f1_difference": _round(delta),
        "macro_f1_difference_ci95": _interval(differences),
        "mcnemar": {"only_first_correct": only_first, "only_second_correct": only_second, "p_value": _round(p_value)},
    }


def _interval(values: list[float]) -> list[float]:
    low, high = np.percentile(values, [2.5, 97.5])
    return [_round(low), _round(high)]


def _round(value) -> float:
    return round(float(value), 4)


def headline(metrics: dict, labels: list[str]) -> dict:
    """The figures a reader cites, as scalars DVC can show and diff; details stay in another file.

    test: macro-F1 and accuracy with their 95% CI ends, κ, weighted F1, n, F1 per class;
    baselines: each one's macro-F1; test_by_domain (when present): macro-F1 with its CI.
    """
    test = metrics["test"]
    out = {
        "test": {
            "macro_f1": test["macro_f1"],
            "macro_f1_ci_low": test["macro_f1_ci95"][0],
            "macro_f1_ci_high": test["macro_f1_ci95"][1],
            "accuracy": test["accuracy"],
            "accuracy_ci_low": test["accuracy_ci95"][0],
            "accuracy_ci_high": test["accuracy_ci95"][1],
            "kappa": test["kappa"],
            "n": test["n"],
            **{f"f1_{label}": test["per_class"][label]["f1"] for label in labels},
        },
        "baselines": {name: {"macro_f1": scores["macro_f1"]} for name, scores in metrics["baselines"].items()},
    }
    for domain, scores in metrics.get("test_by_domain", {}).items():
        out.setdefault("test_by_domain", {})[domain] = {
            "macro_f1": scores["macro_f1"],
            "macro_f1_ci_low": scores["macro_f1_ci95"][0],
            "macro_f1_ci_high": scores["macro_f1_ci95"][1],
            "n": scores["n"],
        }
    for name, scores in metrics.get("external", {}).items():
        out.setdefault("external", {})[name] = {
            "macro_f1": scores["macro_f1"],
            "macro_f1_ci_low": scores["macro_f1_ci95"][0],
            "macro_f1_ci_high": scores["macro_f1_ci95"][1],
        }
    return out

"""Inter-annotator agreement: Krippendorff's α (nominal) and pairwise Cohen's κ.

Cohen's κ comes from scikit-learn. Nominal α is computed here from the coincidence matrix
(Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability") rather than taken from the
`krippendorff` package, which is GPL-licensed and must not be a default dependency.
Besides the coefficients, this module arranges the votes and records how many statements
each figure rests on.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score


def agreement(votes: pd.DataFrame, labels: list[str], min_shared: int = 20) -> dict:
    """α over all multiply-annotated statements, per batch and per class; κ per annotator pair.

    Each annotator's first vote on a statement counts: the independent judgement, before
    any revision after discussion (revisions would inflate agreement).
    """
    votes = votes.drop_duplicates(["statement_id", "annotator"], keep="first")
    # vectorised (a Python call per statement took minutes on a million of them)
    multi = votes[votes.groupby("statement_id")["annotator"].transform("nunique") > 1]
    per_batch = {}
    for batch in sorted(votes["file"].unique()):
        touched = multi.loc[multi["file"] == batch, "statement_id"].unique()
        per_batch[batch] = _alpha(multi[multi["statement_id"].isin(touched)], labels)
    per_class = {
        label: _alpha(multi.assign(label=np.where(multi["label"] == label, label, "other")), [label, "other"])
        for label in labels
    }
    return {
        "alpha": _alpha(multi, labels),
        "alpha_per_batch": per_batch,
        "alpha_per_class": per_class,
        # only statements with two annotators or more are shared by a pair
        "kappa_pairs": _kappas(multi if min_shared > 0 else votes, min_shared),
        "annotators": {name: int(n) for name, n in votes["annotator"].value_counts().sort_index().items()},
    }


def _alpha(votes: pd.DataFrame, labels: list[str]) -> dict:
    """α with the number of statements and votes it rests on; None when fewer than two statements or α undefined."""
    counts = pd.crosstab(votes["statement_id"], votes["label"]).reindex(columns=labels, fill_value=0)
    n = len(counts)
    value = None
    if n >= 2 and counts.to_numpy().sum(axis=0).astype(bool).sum() >= 2:
        alpha = nominal_alpha(counts.to_numpy())
        value = None if alpha is None else round(alpha, 4)
    return {"alpha": value, "statements": int(n), "votes": int(counts.to_numpy().sum())}


def coincidences(value_counts: np.ndarray) -> np.ndarray:
    """Coincidence matrix o_ck of a units × categories matrix of vote counts.

    Each unit contributes its ordered pairs of votes from different annotators, weighted by
    1/(m_u - 1) so that every pairable vote counts once in total. Units with fewer than two
    votes have no pairs and contribute nothing.
    """
    counts = _pairable(value_counts).astype(float)
    weighted = counts / (counts.sum(axis=1, keepdims=True) - 1)
    # A vote cannot be paired with itself, hence n_uc(n_uc - 1) rather than n_uc² on the diagonal.
    return weighted.T @ counts - np.diag(weighted.sum(axis=0))


def nominal_alpha(value_counts: np.ndarray) -> float | None:
    """Krippendorff's α for nominal data from a units × categories matrix of vote counts.

    α = 1 - (n - 1)(n - Σ_c o_cc) / (n² - Σ_c n_c²). Returns None when the expected
    disagreement is zero (all pairable votes in one category, or none pairable): α is then
    undefined, and None keeps a NaN out of the JSON reports.
    """
    # n_c equals the row sums of o; counting pairable votes directly keeps it in exact integers,
    # so a zero expected disagreement is exactly zero rather than float dust.
    n_c = _pairable(value_counts).sum(axis=0)
    n = int(n_c.sum())
    expected = n * n - int((n_c * n_c).sum())
    if expected == 0:
        return None
    return float(1 - (n - 1) * (n - np.trace(coincidences(value_counts))) / expected)


def _pairable(value_counts: np.ndarray) -> np.ndarray:
    """Rows of units with at least two votes, as integers; a lone vote has no one to agree with."""
    counts = np.asarray(value_counts).astype(np.int64)
    return counts[counts.sum(axis=1) >= 2]


def _kappas(votes: pd.DataFrame, min_shared: int) -> list[dict]:
    table = votes.pivot_table(index="statement_id", columns="annotator", values="label", aggfunc="last")
    pairs = []
    for first, second in combinations(sorted(table.columns), 2):
        shared = table[[first, second]].dropna()
        if len(shared) < min_shared:
            continue
        kappa = cohen_kappa_score(shared[first], shared[second])
        pairs.append(
            {
                "annotators": [first, second],
                "kappa": round(float(kappa), 4),
                "statements": len(shared),
                "raw_agreement": round(float((shared[first] == shared[second]).mean()), 4),
            }
        )
    return pairs

"""Inter-annotator agreement: Krippendorff's α (nominal) and pairwise Cohen's κ.

Coefficients come from kept libraries (krippendorff, scikit-learn); this module only
arranges the votes and records how many statements each figure rests on.
"""

from __future__ import annotations

from itertools import combinations

import krippendorff
import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score


def agreement(votes: pd.DataFrame, labels: list[str], min_shared: int = 20) -> dict:
    """α over all multiply-annotated statements, per batch and per class; κ per annotator pair.

    Each annotator's first vote on a statement counts: the independent judgement, before
    any revision after discussion (revisions would inflate agreement).
    """
    votes = votes.drop_duplicates(["statement_id", "annotator"], keep="first")
    multi = votes.groupby("statement_id").filter(lambda g: g["annotator"].nunique() > 1)
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
        "kappa_pairs": _kappas(votes, min_shared),
        "annotators": {name: int(n) for name, n in votes["annotator"].value_counts().sort_index().items()},
    }


def _alpha(votes: pd.DataFrame, labels: list[str]) -> dict:
    """α with the number of statements and votes it rests on; None when fewer than two statements."""
    counts = pd.crosstab(votes["statement_id"], votes["label"]).reindex(columns=labels, fill_value=0)
    n = len(counts)
    value = None
    if n >= 2 and counts.to_numpy().sum(axis=0).astype(bool).sum() >= 2:
        value = round(float(krippendorff.alpha(value_counts=counts.to_numpy(), level_of_measurement="nominal")), 4)
    return {"alpha": value, "statements": int(n), "votes": int(counts.to_numpy().sum())}


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

"""select: grouped cross-validation of candidate pipelines on the training set.

Every (candidate, fold) fit is an independent joblib task, so the search runs on local
processes or, with select.backend: dask, on a Dask cluster — with the same folds and
seeds, hence the same choice. Candidates marked `eligible: false` are scored for
reference but never chosen.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

from stance.config import Candidate, SelectParams, TrainParams
from stance.models import build_pipeline
from stance.stages.split import check_class_sizes, source_groups


def expand(candidates: tuple[Candidate, ...], base: TrainParams) -> list[tuple[str, bool, dict, TrainParams]]:
    """(name, eligible, overrides, params) for every point of every candidate's grid."""
    points = []
    for candidate in candidates:
        keys = sorted(candidate.grid)
        for values in itertools.product(*(candidate.grid[k] for k in keys)):
            overrides = dict(zip(keys, values, strict=True))
            params = base.model_validate({**base.model_dump(), **overrides})
            points.append((candidate.name, candidate.eligible, overrides, params))
    return points


def select_model(train: pd.DataFrame, params: SelectParams, base: TrainParams) -> tuple[pd.DataFrame, dict]:
    """Score every candidate by grouped-CV macro-F1; return the table and the chosen overrides."""
    check_class_sizes(train["label"], minimum=params.folds, purpose=f"cross-validate with {params.folds} folds")
    points = expand(params.candidates, base)
    folds = list(
        StratifiedGroupKFold(n_splits=params.folds, shuffle=True, random_state=params.seed).split(
            train, train["label"], source_groups(train)
        )
    )
    texts, labels = np.asarray(train["text"].tolist(), dtype=object), train["label"].to_numpy()
    scores = Parallel(n_jobs=params.n_jobs)(
        delayed(_fit_and_score)(point[3], texts, labels, fit_index, score_index)
        for point in points
        for fit_index, score_index in folds
    )
    table = pd.DataFrame(
        [
            {
                "candidate": name,
                "eligible": eligible,
                "params": json.dumps(overrides, sort_keys=True),
                "cv_macro_f1_mean": round(float(np.mean(fold_scores)), 4),
                "cv_macro_f1_std": round(float(np.std(fold_scores)), 4),
            }
            for (name, eligible, overrides, _), fold_scores in zip(points, _chunks(scores, len(folds)), strict=True)
        ]
    )
    table["rank"] = table["cv_macro_f1_mean"].rank(ascending=False, method="first").astype(int)
    eligible = table[table["eligible"]]
    if eligible.empty:
        raise ValueError("select.candidates has no eligible candidate")
    best = eligible.sort_values("cv_macro_f1_mean", ascending=False, kind="stable").iloc[0]
    chosen = {
        "candidate": best["candidate"],
        "overrides": json.loads(best["params"]),
        "cv_macro_f1_mean": float(best["cv_macro_f1_mean"]),
        "cv_macro_f1_std": float(best["cv_macro_f1_std"]),
        "folds": params.folds,
    }
    return table.sort_values("rank", kind="stable").reset_index(drop=True), chosen


def _fit_and_score(params: TrainParams, texts, labels, fit_index, score_index) -> float:
    model = build_pipeline(params).fit(list(texts[fit_index]), labels[fit_index])
    return float(f1_score(labels[score_index], model.predict(list(texts[score_index])), average="macro"))


def _chunks(values: list, size: int) -> list[list]:
    return [values[i : i + size] for i in range(0, len(values), size)]

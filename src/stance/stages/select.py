"""select: grouped cross-validation of candidate pipelines on the training set.

Each fold is one joblib task (local processes, or a Dask cluster with select.backend: dask)
that vectorises its texts once per distinct block setting and fits every candidate's
classifiers on those blocks — the same matrices and classifiers `build_pipeline` would
build, so the scores equal refitting each pipeline, at a fraction of the cost. Candidates
marked `eligible: false` are scored for reference but never chosen. With select.enabled:
false the stage still writes every output: the recipe in train.* is the choice.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

from stance import paths
from stance.config import Candidate, Params, SelectParams, TrainParams
from stance.corpus import check_class_sizes, source_groups
from stance.errors import StanceError
from stance.io import read_frame, write_csv, write_json
from stance.models import Prediction, fit_predict_many

NOT_SELECTED = {"candidate": "train.* as given", "overrides": {}, "folds": 0}


def expand(candidates: tuple[Candidate, ...], base: TrainParams) -> list[tuple[str, bool, dict, TrainParams]]:
    """(name, eligible, overrides, params) for every point of every candidate's grid.

    A list in train.target_weight joins every grid: selection chooses the weight too.
    """
    points = []
    for candidate in candidates:
        grid = dict(candidate.grid)
        if isinstance(base.target_weight, tuple):
            grid.setdefault("target_weight", list(base.target_weight))
        keys = sorted(grid)
        for values in itertools.product(*(grid[k] for k in keys)):
            overrides = dict(zip(keys, values, strict=True))
            params = base.model_validate({**base.model_dump(), **overrides})
            points.append((candidate.name, candidate.eligible, overrides, params))
    return points


def select_model(train: pd.DataFrame, params: SelectParams, base: TrainParams) -> tuple[pd.DataFrame, dict]:
    """Score every candidate by grouped-CV macro-F1; return the table, the chosen overrides and its OOF probabilities.

    With train.target_domain set, every fold still trains on all domains (target statements
    up-weighted), but is scored on its target-domain statements only: the choice is made for
    the domain the model is meant for.
    """
    check_class_sizes(train["label"], minimum=params.folds, purpose=f"cross-validate with {params.folds} folds")
    if base.target_domain is not None and not (train.get("domain", pd.Series(dtype=str)) == base.target_domain).any():
        raise StanceError(
            f"train.target_domain {base.target_domain!r}: no training statement has that domain "
            "(set `domain` in the batch, or map its file in clean.domains)"
        )
    points = expand(params.candidates, base)
    folds = list(
        StratifiedGroupKFold(n_splits=params.folds, shuffle=True, random_state=params.seed).split(
            train, train["label"], source_groups(train)
        )
    )
    texts, labels = np.asarray(train["text"].tolist(), dtype=object), train["label"].to_numpy()
    domains = train["domain"].to_numpy() if "domain" in train else None
    recipes = [point[3] for point in points]
    per_fold = Parallel(n_jobs=params.n_jobs)(
        delayed(score_fold)(recipes, texts, labels, fit_index, score_index, domains) for fit_index, score_index in folds
    )
    scored = [_scored_rows(score, domains, base.target_domain) for _, score in folds]
    scores = np.array(
        [
            [f1_score(labels[score][keep], p.labels[keep], average="macro") if keep.any() else np.nan for p in fold]
            for fold, (_, score), keep in zip(per_fold, folds, scored, strict=True)
        ]
    ).T  # one row per candidate, one column per fold
    table = pd.DataFrame(
        [
            {
                "candidate": name,
                "eligible": eligible,
                "params": json.dumps(overrides, sort_keys=True),
                "cv_macro_f1_mean": round(float(np.nanmean(fold_scores)), 4),
                "cv_macro_f1_std": round(float(np.nanstd(fold_scores)), 4),
            }
            for (name, eligible, overrides, _), fold_scores in zip(points, scores, strict=True)
        ]
    )
    table["rank"] = table["cv_macro_f1_mean"].rank(ascending=False, method="first").astype(int)
    best_index = table[table["eligible"]].sort_values("cv_macro_f1_mean", ascending=False, kind="stable").index[0]
    best = table.loc[best_index]
    chosen = {
        "candidate": best["candidate"],
        "overrides": json.loads(best["params"]),
        "cv_macro_f1_mean": float(best["cv_macro_f1_mean"]),
        "cv_macro_f1_std": float(best["cv_macro_f1_std"]),
        "folds": params.folds,
        "scored_on": f"domain {base.target_domain}" if base.target_domain else "all statements",
    }
    oof = _out_of_fold(train, per_fold, folds, best_index)
    return table.sort_values("rank", kind="stable").reset_index(drop=True), chosen, oof


def _out_of_fold(train: pd.DataFrame, per_fold: list[list[Prediction]], folds, index: int) -> pd.DataFrame:
    """The chosen candidate's held-out class probabilities for every training statement (for suspects)."""
    classes = per_fold[0][index].classes
    probabilities = np.zeros((len(train), len(classes)))
    for fold, (_, score) in zip(per_fold, folds, strict=True):
        probabilities[score] = fold[index].probabilities
    out = pd.DataFrame(probabilities.round(6), columns=[f"p_{c}" for c in classes])
    out.insert(0, "statement_id", train["statement_id"].to_numpy())
    return out


def score_fold(recipes: list[TrainParams], texts, labels, fit_index, score_index, domains=None) -> list[Prediction]:
    """Every recipe fitted on one fold's training part and applied to its held-out part."""
    fit_domains = domains[fit_index] if domains is not None else None
    return fit_predict_many(
        recipes, list(texts[fit_index]), labels[fit_index], list(texts[score_index]), fit_domains=fit_domains
    )


def _scored_rows(score_index: np.ndarray, domains, target: str | None) -> np.ndarray:
    """Which held-out statements a fold is scored on: all, or those of the target domain."""
    if target is None or domains is None:
        return np.ones(len(score_index), dtype=bool)
    return domains[score_index] == target


def run(params: Params, args=None) -> None:
    """data/split/train.csv → reports/model_selection.csv, reports/selection.json and its figure."""
    from stance.cluster import search_backend
    from stance.plots import save_figure, selection_figure

    if not params.select.enabled or not params.select.candidates:
        table, chosen = pd.DataFrame(columns=["candidate", "eligible", "params", "cv_macro_f1_mean"]), NOT_SELECTED
        oof = pd.DataFrame(columns=["statement_id"])
    else:
        with search_backend(params.select) as n_jobs:
            settings = params.select.model_copy(update={"n_jobs": n_jobs})
            table, chosen, oof = select_model(read_frame(paths.TRAIN), settings, params.train)
    write_csv(table, paths.SELECTION_TABLE)
    write_csv(oof, paths.SELECTION_OUT_OF_FOLD)
    write_json(chosen, paths.SELECTION)
    save_figure(selection_figure(table), paths.SELECTION_FIGURE)
    print(f"select: {chosen['candidate']} {chosen['overrides']}")

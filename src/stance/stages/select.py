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
from scipy import sparse
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold

from stance import paths
from stance.config import Candidate, Params, SelectParams, TrainParams
from stance.corpus import check_class_sizes, source_groups
from stance.io import read_frame, write_csv, write_json
from stance.models import build_classifier, feature_blocks, feature_views

# The train.* keys each block's vectoriser depends on: candidates that agree on them share it.
BLOCK_KEYS = {
    "word": ("word_ngram_max", "min_df", "sublinear_tf", "mask_names"),
    "char": ("char_ngram_min", "char_ngram_max", "min_df", "sublinear_tf", "mask_names"),
    "cues": ("cue_families",),
}
NOT_SELECTED = {"candidate": "train.* as given", "overrides": {}, "folds": 0}


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
    recipes = [point[3] for point in points]
    per_fold = Parallel(n_jobs=params.n_jobs)(
        delayed(score_fold)(recipes, texts, labels, fit_index, score_index) for fit_index, score_index in folds
    )
    scores = np.array(per_fold).T  # one row per candidate, one column per fold
    table = pd.DataFrame(
        [
            {
                "candidate": name,
                "eligible": eligible,
                "params": json.dumps(overrides, sort_keys=True),
                "cv_macro_f1_mean": round(float(np.mean(fold_scores)), 4),
                "cv_macro_f1_std": round(float(np.std(fold_scores)), 4),
            }
            for (name, eligible, overrides, _), fold_scores in zip(points, scores, strict=True)
        ]
    )
    table["rank"] = table["cv_macro_f1_mean"].rank(ascending=False, method="first").astype(int)
    best = table[table["eligible"]].sort_values("cv_macro_f1_mean", ascending=False, kind="stable").iloc[0]
    chosen = {
        "candidate": best["candidate"],
        "overrides": json.loads(best["params"]),
        "cv_macro_f1_mean": float(best["cv_macro_f1_mean"]),
        "cv_macro_f1_std": float(best["cv_macro_f1_std"]),
        "folds": params.folds,
    }
    return table.sort_values("rank", kind="stable").reset_index(drop=True), chosen


def score_fold(recipes: list[TrainParams], texts, labels, fit_index, score_index) -> list[float]:
    """Macro-F1 on one fold's held-out part for every recipe, each block vectorised once."""
    cache: dict[tuple, tuple] = {}

    def block(name: str, recipe: TrainParams, transformer):
        key = (name, *(getattr(recipe, k) for k in BLOCK_KEYS[name]))
        if key not in cache:
            fitted = clone(transformer)  # fit_transform, as a Pipeline does: same matrix, same index order
            cache[key] = (
                fitted.fit_transform(list(texts[fit_index]), labels[fit_index]),
                fitted.transform(list(texts[score_index])),
            )
        return cache[key]

    scores = []
    for recipe in recipes:
        predicted = _fit_and_predict(recipe, block, labels[fit_index])
        scores.append(float(f1_score(labels[score_index], predicted, average="macro")))
    return scores


def _fit_and_predict(recipe: TrainParams, block, fit_labels) -> np.ndarray:
    """build_pipeline(recipe).fit(...).predict(...) on cached blocks (see models.build_pipeline)."""
    blocks = feature_blocks(recipe)
    views = feature_views(blocks)
    concat = recipe.combine == "concat" or len(views) == 1
    if concat:
        views = {"all": list(blocks.items())}
    probabilities, classes = [], None
    for parts in views.values():
        fit_parts, score_parts = [], []
        for name, transformer in parts:
            fit_block, score_block = block(name, recipe, transformer)
            scale = recipe.cue_weight if concat and name == "cues" else 1.0
            fit_parts.append(fit_block * scale)
            score_parts.append(score_block * scale)
        classifier = build_classifier(recipe).fit(sparse.hstack(fit_parts).tocsr(), fit_labels)
        if concat:  # predict, not the probability argmax: SGD's modified-Huber probabilities tie
            return classifier.predict(sparse.hstack(score_parts).tocsr())
        probabilities.append(classifier.predict_proba(sparse.hstack(score_parts).tocsr()))
        classes = classifier.classes_
    weights = [recipe.cue_weight if name == "cues" else 1.0 for name in views]
    return classes[np.average(probabilities, axis=0, weights=weights).argmax(axis=1)]


def run(params: Params, args=None) -> None:
    """data/split/train.csv → reports/model_selection.csv, reports/selection.json and its figure."""
    from stance.cluster import search_backend
    from stance.plots import save_figure, selection_figure

    if not params.select.enabled or not params.select.candidates:
        table, chosen = pd.DataFrame(columns=["candidate", "eligible", "params", "cv_macro_f1_mean"]), NOT_SELECTED
    else:
        with search_backend(params.select) as n_jobs:
            settings = params.select.model_copy(update={"n_jobs": n_jobs})
            table, chosen = select_model(read_frame(paths.TRAIN), settings, params.train)
    write_csv(table, paths.SELECTION_TABLE)
    write_json(chosen, paths.SELECTION)
    save_figure(selection_figure(table), paths.SELECTION_FIGURE)
    print(f"select: {chosen['candidate']} {chosen['overrides']}")

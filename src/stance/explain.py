"""What a fitted model leans on: the heaviest features per class, view by view."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import VotingClassifier


def top_features(model, per_class: int = 15) -> pd.DataFrame:
    """The `per_class` largest positive weights per class in each linear view of the model."""
    views = model.named_estimators_.items() if isinstance(model, VotingClassifier) else [("model", model)]
    frames = [_view_top(name, pipeline, model.classes_, per_class) for name, pipeline in views]
    found = [f for f in frames if f is not None]
    return (
        pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=["class", "view", "feature", "weight"])
    )


def _view_top(view: str, pipeline, labels, per_class: int) -> pd.DataFrame | None:
    weights = _weights(pipeline.named_steps["classifier"])
    features = pipeline.named_steps["features"]
    if weights is None or not all(hasattr(t, "get_feature_names_out") for _, t in features.transformer_list):
        return None  # hashed n-grams have no names to show
    names = features.get_feature_names_out()
    rows = []
    for row, label in enumerate(labels):  # a voting ensemble's members see encoded labels, in this order
        order = np.argsort(-weights[row], kind="stable")[:per_class]
        rows += [
            {
                "class": label,
                "view": view,
                "feature": names[i].split("__")[-1],
                "weight": round(float(weights[row, i]), 4),
            }
            for i in order
        ]
    return pd.DataFrame(rows)


def _weights(classifier) -> np.ndarray | None:
    if hasattr(classifier, "coef_"):
        return classifier.coef_
    if hasattr(classifier, "calibrated_classifiers_"):
        return np.mean([c.estimator.coef_ for c in classifier.calibrated_classifiers_], axis=0)
    if hasattr(classifier, "feature_log_prob_"):
        return classifier.feature_log_prob_ - classifier.feature_log_prob_.mean(axis=0)
    return None

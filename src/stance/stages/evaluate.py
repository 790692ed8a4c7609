"""evaluate: a fitted model + test statements → metrics and per-statement predictions."""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from stance.stages.predict import predict_frame


def score(actual, predicted, labels: list[str]) -> dict:
    """Accuracy, macro-F1 and per-class precision/recall/F1/support, rounded for reports."""
    precision, recall, f1, support = precision_recall_fscore_support(actual, predicted, labels=labels, zero_division=0)
    return {
        "macro_f1": round(float(f1_score(actual, predicted, labels=labels, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(actual, predicted)), 4),
        "n": len(actual),
        "per_class": {
            label: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
        },
    }


def evaluate_model(model, test: pd.DataFrame, labels: list[str]) -> tuple[dict, pd.DataFrame]:
    """Return (metrics, predictions) for the test statements."""
    predicted = predict_frame(model, test[["statement_id", "text", "label"]])
    predictions = predicted.rename(columns={"label": "actual", "predicted_label": "predicted"})
    metrics = {"test": score(predictions["actual"], predictions["predicted"], labels)}
    return metrics, predictions

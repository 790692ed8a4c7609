"""evaluate: a fitted model + held-out statements → metrics with intervals, curves, slices, errors.

The same scoring serves the test split and every external labelled set, and the
baselines (majority class, codebook cue rules) are scored on the same test set.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sklearn.calibration import calibration_curve
from sklearn.metrics import f1_score, precision_recall_curve
from sklearn.model_selection import train_test_split

from stance.baselines import baselines
from stance.config import EvaluateParams, TrainParams
from stance.metrics import bootstrap_ci, score
from stance.models import build_pipeline
from stance.stages.predict import predict_frame

SLICE_COLUMNS = ("speaker_state", "topic", "first_batch")


@dataclass(frozen=True)
class Evaluation:
    metrics: dict
    predictions: pd.DataFrame
    precision_recall: pd.DataFrame
    calibration: pd.DataFrame
    slices: pd.DataFrame
    errors: pd.DataFrame


def evaluate_model(
    model,
    test: pd.DataFrame,
    train: pd.DataFrame,
    labels: list[str],
    params: EvaluateParams,
    external: dict[str, pd.DataFrame] | None = None,
    rules: bool = True,
) -> Evaluation:
    """Score `model` on the test split (and external sets), with baselines fitted on `train`.

    rules: include the codebook cue-rule baseline (it predicts stance, so not for tone).
    """
    predictions = predictions_table(model, test)
    metrics = {"test": scored(predictions, labels, params)}
    metrics["baselines"] = {
        name: score(
            test["label"], baseline.fit(train["text"].tolist(), train["label"]).predict(test["text"].tolist()), labels
        )
        for name, baseline in baselines().items()
        if rules or name != "cue_rules"
    }
    if external:
        metrics["external"] = {
            name: scored(predictions_table(model, table), labels, params) for name, table in external.items()
        }
    return Evaluation(
        metrics=metrics,
        predictions=predictions,
        precision_recall=precision_recall_points(predictions, labels),
        calibration=reliability(predictions, params.calibration_bins),
        slices=slice_scores(predictions, test, labels),
        errors=confident_errors(predictions),
    )


def predictions_table(model, table: pd.DataFrame) -> pd.DataFrame:
    """statement_id (when given), text, actual, predicted, confidence and one p_<class> per class."""
    columns = [c for c in ("statement_id", "text", "label") if c in table]
    out = predict_frame(model, table[columns]).rename(columns={"label": "actual", "predicted_label": "predicted"})
    probabilities = out[[f"p_{label}" for label in model.classes_]]
    out.insert(out.columns.get_loc("predicted") + 1, "confidence", probabilities.max(axis=1).round(6))
    return out


def scored(predictions: pd.DataFrame, labels: list[str], params: EvaluateParams) -> dict:
    result = score(predictions["actual"], predictions["predicted"], labels)
    result.update(bootstrap_ci(predictions["actual"], predictions["predicted"], labels, params.bootstrap, params.seed))
    return result


def precision_recall_points(predictions: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """One-vs-rest precision–recall curve per class, long format for DVC's linear template."""
    frames = []
    for label in labels:
        precision, recall, _ = precision_recall_curve(predictions["actual"] == label, predictions[f"p_{label}"])
        frames.append(pd.DataFrame({"class": label, "recall": recall.round(4), "precision": precision.round(4)}))
    return pd.concat(frames, ignore_index=True)


def reliability(predictions: pd.DataFrame, bins: int) -> pd.DataFrame:
    """Reliability diagram of the top-class probability: mean confidence against accuracy per bin."""
    correct = (predictions["actual"] == predictions["predicted"]).astype(int)
    accuracy, confidence = calibration_curve(correct, predictions["confidence"], n_bins=bins, strategy="uniform")
    return pd.DataFrame({"confidence": confidence.round(4), "accuracy": accuracy.round(4)})


def slice_scores(predictions: pd.DataFrame, test: pd.DataFrame, labels: list[str]) -> pd.DataFrame:
    """Macro-F1 and support per speaker, topic and batch, where those columns exist."""
    rows = []
    for column in (c for c in SLICE_COLUMNS if c in test):
        for value, index in test.groupby(column).groups.items():
            part = predictions.loc[index]
            rows.append(
                {
                    "slice": column,
                    "value": value,
                    "n": len(part),
                    "macro_f1": round(
                        float(
                            f1_score(part["actual"], part["predicted"], labels=labels, average="macro", zero_division=0)
                        ),
                        4,
                    ),
                    "accuracy": round(float((part["actual"] == part["predicted"]).mean()), 4),
                }
            )
    return pd.DataFrame(rows, columns=["slice", "value", "n", "macro_f1", "accuracy"])


def confident_errors(predictions: pd.DataFrame) -> pd.DataFrame:
    """Misclassified statements, the most confident mistakes first."""
    wrong = predictions[predictions["actual"] != predictions["predicted"]]
    ids = ["statement_id"] if "statement_id" in wrong else []
    wrong = wrong.sort_values(["confidence", *ids], ascending=[False] + [True] * len(ids), kind="stable")
    columns = [*ids, "text", "actual", "predicted", "confidence"]
    return wrong[columns].rename(columns={"actual": "gold", "confidence": "probability"}).reset_index(drop=True)


def learning_curve(
    train: pd.DataFrame,
    test: pd.DataFrame,
    params: TrainParams,
    labels: list[str],
    fractions: tuple[float, ...],
    seed: int,
) -> pd.DataFrame:
    """Test macro-F1 of the same recipe trained on growing, stratified shares of the training set."""
    rows = []
    for fraction in fractions:
        part = (
            train
            if fraction >= 1
            else train_test_split(train, train_size=fraction, stratify=train["label"], random_state=seed)[0]
        )
        model = build_pipeline(params).fit(part["text"].tolist(), part["label"])
        predicted = model.predict(test["text"].tolist())
        rows.append(
            {
                "train_size": len(part),
                "macro_f1": round(float(f1_score(test["label"], predicted, labels=labels, average="macro")), 4),
            }
        )
    return pd.DataFrame(rows)

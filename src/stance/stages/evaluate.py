"""evaluate: a fitted model + held-out statements → metrics with intervals, curves, slices, errors.

The same scoring serves the test split and every external labelled set, and the
baselines (majority class, codebook cue rules) are scored on the same test set.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed
from sklearn.calibration import calibration_curve
from sklearn.metrics import f1_score, precision_recall_curve
from sklearn.model_selection import train_test_split

from stance import paths
from stance.baselines import baselines
from stance.config import EvaluateParams, Params, TrainParams
from stance.io import read_external, read_frame, read_json, write_csv, write_json
from stance.metrics import bootstrap_ci, headline, score
from stance.models import chosen_recipe, fit_recipe, refits_skipped, sample_weights
from stance.prediction import predict_frame
from stance.tasks import task_labels, task_recipe, task_rows

SLICE_COLUMNS = ("speaker_state", "topic", "first_batch", "domain")
MIN_DOMAIN = 20  # a domain with fewer test statements gets no figure of its own
MIN_SLICE = 10  # smaller slices are grouped into one row: a macro-F1 on a handful of statements is noise
# The columns of the splits evaluation reads (the rest of a million-row split is not held); tone for that task.
TRAIN_COLUMNS = ("text", "label", "tone", "domain")
TEST_COLUMNS = ("statement_id", "text", "label", "tone", *SLICE_COLUMNS)


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
    if "domain" in test:
        metrics["test_by_domain"] = {
            domain: scored(predictions.loc[index], labels, params)
            for domain, index in test.groupby("domain").groups.items()
            if len(index) >= MIN_DOMAIN
        }
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
        values = test[column].where(test[column].ne(""), "(none)")
        sizes = values.map(values.value_counts())
        values = values.where(sizes >= MIN_SLICE, f"(slices with n < {MIN_SLICE})")
        for value, index in values.groupby(values).groups.items():
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
    full_model=None,
) -> pd.DataFrame:
    """Test macro-F1 of the same recipe trained on growing, stratified shares of the training set.

    full_model: the model already fitted on the whole training set, reused for fraction 1.
    """
    refits = [f for f in fractions if f < 1 or full_model is None]
    fitted = dict(zip(refits, Parallel(n_jobs=2)(delayed(_refit)(train, params, f, seed) for f in refits), strict=True))
    rows = []
    for fraction in fractions:
        part, model = fitted.get(fraction) or (train, full_model)
        predicted = model.predict(test["text"].tolist())
        rows.append(
            {
                "train_size": len(part),
                "macro_f1": round(float(f1_score(test["label"], predicted, labels=labels, average="macro")), 4),
            }
        )
    return pd.DataFrame(rows)


def _refit(train: pd.DataFrame, params: TrainParams, fraction: float, seed: int):
    """The recipe fitted on a stratified `fraction` of the training set: (that part, the model)."""
    part = (
        train
        if fraction >= 1
        else train_test_split(train, train_size=fraction, stratify=train["label"], random_state=seed)[0]
    )
    weights = sample_weights(part.get("domain"), params)
    return part, fit_recipe(params, part["text"].tolist(), part["label"], sample_weight=weights)


def run(params: Params, args) -> None:
    """A trained model + the test split → metrics (headline and details), predictions, slices, curves."""
    from stance.explain import top_features
    from stance.persist import load_model

    labels, out = task_labels(args.task, params), paths.task_outputs(args.task)
    model = load_model(out.model, expected_labels=labels)
    train, test = (
        task_rows(read_frame(p, columns=wanted), args.task)
        for p, wanted in ((paths.TRAIN, TRAIN_COLUMNS), (paths.TEST, TEST_COLUMNS))
    )
    external = (
        {Path(p).stem: read_external(Path(p), params.clean) for p in params.evaluate.external}
        if args.task == "stance"
        else {}
    )
    result = evaluate_model(model, test, train, labels, params.evaluate, external, rules=args.task == "stance")
    write_json(headline(result.metrics, labels), out.metrics)
    write_json(result.metrics, out.details)
    write_csv(result.predictions.drop(columns="text"), out.predictions)
    write_csv(result.predictions[["actual", "predicted"]], out.plots / "confusion.csv")
    for label in labels:
        part = result.precision_recall[result.precision_recall["class"] == label]
        write_csv(part, out.plots / "precision_recall" / f"{label}.csv")
    write_csv(result.calibration, out.plots / "calibration.csv")
    write_csv(result.slices, out.slices)
    write_csv(result.errors, out.errors, for_people=True)
    features = top_features(model)
    write_csv(features, out.top_features)
    recipe = task_recipe(args.task, chosen_recipe(params.train, read_json(paths.SELECTION)))
    fractions, seed = params.evaluate.learning_curve, params.evaluate.seed
    skipped = refits_skipped(recipe, len(train), params.evaluate.refit_limit)
    curve = (
        pd.DataFrame(columns=["train_size", "macro_f1"])
        if skipped
        else learning_curve(train, test, recipe, labels, fractions, seed, full_model=model)
    )
    if skipped:
        print(f"evaluate {args.task}: learning curve {skipped}")
    write_csv(curve, out.plots / "learning_curve.csv")
    _figures(result, curve, features, labels, out)
    scores = result.metrics["test"]
    print(
        f"evaluate {args.task}: macro-F1 {scores['macro_f1']:.4f} {scores['macro_f1_ci95']}, "
        f"accuracy {scores['accuracy']:.4f}"
    )


def _figures(result: Evaluation, curve: pd.DataFrame, features: pd.DataFrame, labels: list[str], out) -> None:
    from stance.plots import bars_figure, confusion_figure, line_figure, message_figure, save_figure

    title = f"test, macro-F1 {result.metrics['test']['macro_f1']:.3f}"
    predictions = result.predictions
    save_figure(
        confusion_figure(predictions["actual"], predictions["predicted"], labels, title=title), out.figure("confusion")
    )
    save_figure(
        line_figure(result.precision_recall, "recall", "precision", "precision–recall (test)", group="class"),
        out.figure("precision_recall"),
    )
    save_figure(
        line_figure(result.calibration, "confidence", "accuracy", "reliability (test)", diagonal=True),
        out.figure("calibration"),
    )
    curve_figure = (
        line_figure(curve, "train_size", "macro_f1", "learning curve")
        if not curve.empty
        else message_figure("learning curve", "skipped: see evaluate.refit_limit")
    )
    save_figure(curve_figure, out.figure("learning_curve"))
    top = features.groupby(["class", "view"], sort=False).head(5)
    names = [f"{r['class']} · {r.view} · {r.feature}" for _, r in top.iterrows()]
    save_figure(
        bars_figure(names, top["weight"].tolist(), "top features per class", xlabel="weight"),
        out.figure("top_features"),
    )

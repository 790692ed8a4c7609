"""Score a trained model on a labelled set of real statements kept outside the project.

    python benchmarks/score_real.py [--model models/model.skops] [--data ../shared/data/dev_real.csv]

Prints macro-F1 (all rows, and the high-confidence rows when the file has a `confidence`
column) with bootstrap 95% intervals and the confusion matrix. The data is read only for
measuring: it is never copied into the project, trained on, or used by the tests.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from sklearn.metrics import confusion_matrix

from stance.metrics import bootstrap_ci, score
from stance.persist import load_model
from stance.prediction import predict_frame

LABELS = ["threat", "warning", "neutral"]


def report(frame: pd.DataFrame, name: str) -> str:
    result = score(frame["label"], frame["predicted_label"], LABELS)
    interval = bootstrap_ci(frame["label"], frame["predicted_label"], LABELS, 1000, 42)["macro_f1_ci95"]
    return f"{name}: n={len(frame)} macro-F1 {result['macro_f1']:.3f} {interval}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="models/model.skops")
    parser.add_argument("--data", default=str(Path(__file__).resolve().parents[2] / "shared/data/dev_real.csv"))
    args = parser.parse_args()
    data = pd.read_csv(args.data, dtype=str, keep_default_na=False)
    predicted = predict_frame(
        load_model(Path(args.model)), data[["text", "label"] + (["confidence"] if "confidence" in data else [])]
    )
    print(report(predicted, "all"))
    if "confidence" in predicted:
        print(report(predicted[predicted["confidence"] == "high"], "high confidence"))
    print("confusion (rows gold, columns predicted):", LABELS)
    print(confusion_matrix(predicted["label"], predicted["predicted_label"], labels=LABELS))


if __name__ == "__main__":
    main()

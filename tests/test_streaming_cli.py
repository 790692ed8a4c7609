"""train.mode: streaming and chunked predict, through the CLI."""

import csv
import json
from pathlib import Path

import yaml

from stance.cli import main
from tests.conftest import small_corpus

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"


def streaming_project(folder: Path, evaluate: dict | None = None) -> None:
    """params.yaml for a tiny streaming run in `folder` (selection off), and an empty data/split/."""
    params = yaml.safe_load(PARAMS.read_text())
    params["select"]["enabled"] = False
    params["train"]["mode"] = "streaming"
    params["train"]["streaming"] |= {"chunk_size": 7, "epochs": 3, "n_features": 1024, "n_jobs": 1}
    params["evaluate"] |= evaluate or {}
    (folder / "params.yaml").write_text(yaml.safe_dump(params))
    (folder / "data/split").mkdir(parents=True)


def test_streaming_train_and_chunked_predict(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    streaming_project(tmp_path)
    corpus = small_corpus()
    corpus.to_csv(tmp_path / "data/split/train.csv", index=False)
    assert main(["select"]) == 0  # selection off: it records that train.* is trained as given
    assert main(["train"]) == 0
    card = json.loads((tmp_path / "models/model_card.json").read_text())
    assert card["params"]["mode"] == "streaming" and card["training_data"]["statements"] == len(corpus)
    corpus[["statement_id", "text"]].to_csv(tmp_path / "new.csv", index=False)
    assert main(["predict", "--input", "new.csv", "--output", "out.csv", "--chunk-size", "5"]) == 0
    rows = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert [r["statement_id"] for r in rows] == corpus["statement_id"].tolist()
    assert all(abs(sum(float(r[f"p_{c}"]) for c in ("threat", "warning", "neutral")) - 1) < 1e-4 for r in rows)
    assert sum(r["predicted_label"] == t for r, t in zip(rows, corpus["label"], strict=True)) >= 0.8 * len(rows)


def test_streaming_mode_refits_the_streaming_recipe(tmp_path, monkeypatch):
    """evaluate's learning curve and the ablation refit the saved model's own (streaming) recipe."""
    monkeypatch.chdir(tmp_path)
    streaming_project(tmp_path, evaluate={"learning_curve": [0.5, 1.0], "bootstrap": 100})
    corpus = small_corpus()
    corpus.iloc[:16].to_csv(tmp_path / "data/split/train.csv", index=False)
    corpus.iloc[16:].to_csv(tmp_path / "data/split/test.csv", index=False)
    for command in (["select"], ["train"], ["evaluate"], ["ablation"]):
        assert main(command) == 0, command
    metrics = json.loads((tmp_path / "reports/metrics.json").read_text())["test"]
    ablation = list(csv.DictReader((tmp_path / "reports/ablation.csv").open()))
    assert [row["variant"] for row in ablation] == ["full model"]  # hashed n-grams: no cue family to remove
    # a refit of the streaming recipe on the same data and seed is the saved model: the same score
    assert float(ablation[0]["macro_f1"]) == metrics["macro_f1"]
    card = json.loads((tmp_path / "models/model_card.json").read_text())
    assert card["params"]["features"] == ["word (hashed)", "char (hashed)"]

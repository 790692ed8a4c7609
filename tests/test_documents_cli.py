"""`stance extract`, `stance predict --documents`, `stance timeline` and the documents stage, through the CLI."""

import csv
import io
import shutil
from pathlib import Path

import pandas as pd

from stance.cli import main
from stance.config import TrainParams
from stance.models import build_pipeline
from stance.persist import save_model
from stance.stages.documents import unlabelled_statements
from tests.conftest import small_corpus

DOCUMENTS = Path(__file__).resolve().parent / "data" / "documents"


def test_extract_and_predict_documents_from_a_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(DOCUMENTS, "docs_in", ignore=shutil.ignore_patterns("*.csv"))
    assert main(["extract", "--input", "docs_in", "--output", "statements.csv"]) == 0
    extracted = pd.read_csv("statements.csv", dtype=str, keep_default_na=False)
    expected = pd.concat(
        [pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(DOCUMENTS.glob("*.expected.csv"))]
    )
    assert len(extracted) == len(expected) and set(extracted["text"]) == set(expected["text"])
    corpus = small_corpus()
    save_model(build_pipeline(TrainParams(classifier="logreg")).fit(corpus["text"], corpus["label"]), Path("m.skops"))
    assert main(["predict", "--documents", "--model", "m.skops", "--input", "docs_in", "--output", "out.csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(Path("out.csv").read_text(encoding="utf-8"))))
    assert len(rows) == len(extracted)
    assert {"document_id", "speaker", "quote", "predicted_label", "p_threat"} <= set(rows[0])


def test_timeline_command_writes_shares_per_speaker_and_period(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [
        {"speaker": "Arvandia", "date": f"2031-0{m}-1{d}", "predicted_label": label}
        for m in (1, 2)
        for d, label in enumerate(["threat", "warning", "neutral", "threat", "neutral", "neutral"])
    ]
    pd.DataFrame(rows).to_csv("predicted.csv", index=False)
    assert main(["timeline", "--input", "predicted.csv", "--output", "t.csv", "--figure", "t.png"]) == 0
    table = pd.read_csv("t.csv")
    assert len(table) == 2 and Path("t.png").stat().st_size > 0
    assert table.filter(like="threat").iloc[0, 0] == 2 / 6


def test_documents_stage_leaves_out_statements_already_labelled():
    extracted = pd.DataFrame({"text": ["We will respond.", "Talks resumed.", "Talks  resumed."], "speaker": "x"})
    labelled = pd.DataFrame({"text": ["we will respond."]})
    assert unlabelled_statements(extracted, labelled)["text"].tolist() == ["Talks resumed."]

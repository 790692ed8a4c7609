import numpy as np
import pytest

from stance.config import EvaluateParams, TrainParams
from stance.prediction import predict_frame
from stance.stages.evaluate import evaluate_model
from stance.stages.train import train_model

LABELS = ["threat", "warning", "neutral"]


@pytest.mark.parametrize("classifier", ["logreg", "linear_svc", "complement_nb", "sgd"])
def test_every_catalogue_classifier_fits_and_gives_probabilities(labelled, classifier):
    model = train_model(labelled, TrainParams(classifier=classifier, min_df=1))
    out = predict_frame(model, labelled[["text"]])
    probabilities = out[[f"p_{c}" for c in model.classes_]].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert set(out["predicted_label"]) <= set(LABELS)


def test_model_learns_its_training_data(labelled):
    model = train_model(labelled, TrainParams(min_df=1, C=10.0))
    result = evaluate_model(model, labelled, labelled, LABELS, EvaluateParams(bootstrap=100))
    assert result.metrics["test"]["accuracy"] >= 0.9
    assert list(result.predictions.columns[:4]) == ["statement_id", "text", "actual", "predicted"]
    assert set(result.metrics["baselines"]) == {"majority", "cue_rules"}
    assert result.metrics["baselines"]["majority"]["accuracy"] == pytest.approx(1 / 3, abs=0.01)
    assert set(result.precision_recall["class"]) == set(LABELS)
    assert (result.errors["probability"].diff().dropna() <= 0).all()


def test_external_sets_get_their_own_section(labelled):
    model = train_model(labelled, TrainParams(min_df=1))
    external = {"mine": labelled[["text", "label"]].head(9)}
    result = evaluate_model(model, labelled, labelled, LABELS, EvaluateParams(bootstrap=100), external)
    assert result.metrics["external"]["mine"]["n"] == 9
    assert "macro_f1_ci95" in result.metrics["external"]["mine"]


def test_fitting_twice_gives_identical_probabilities(labelled):
    first = train_model(labelled, TrainParams(min_df=1)).predict_proba(labelled["text"].tolist())
    second = train_model(labelled, TrainParams(min_df=1)).predict_proba(labelled["text"].tolist())
    assert np.array_equal(first, second)


def test_predictions_in_chunks_are_those_of_one_batch(labelled, monkeypatch):
    from stance import prediction

    model = train_model(labelled, TrainParams(min_df=1))
    whole = predict_frame(model, labelled[["text"]])
    monkeypatch.setattr(prediction, "PREDICT_CHUNK", 7)
    chunked = predict_frame(model, labelled[["text"]])
    assert len(labelled) > 7
    np.testing.assert_allclose(
        chunked.filter(like="p_").to_numpy(), whole.filter(like="p_").to_numpy(), rtol=0, atol=1e-12
    )
    assert chunked["predicted_label"].tolist() == whole["predicted_label"].tolist()

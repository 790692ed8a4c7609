import numpy as np
import pytest

from stance.config import TrainParams
from stance.stages.evaluate import evaluate_model, score
from stance.stages.predict import predict_frame
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
    metrics, predictions = evaluate_model(model, labelled, LABELS)
    assert metrics["test"]["accuracy"] >= 0.9
    assert list(predictions.columns[:3]) == ["statement_id", "text", "actual"]


def test_score_shape_and_values():
    metrics = score(["threat", "warning", "neutral", "neutral"], ["threat", "neutral", "neutral", "neutral"], LABELS)
    assert metrics["accuracy"] == 0.75
    assert metrics["per_class"]["warning"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert metrics["per_class"]["neutral"]["precision"] == pytest.approx(0.6667)
    assert metrics["macro_f1"] == pytest.approx(round((1 + 0 + 0.8) / 3, 4))


def test_fitting_twice_gives_identical_probabilities(labelled):
    first = train_model(labelled, TrainParams(min_df=1)).predict_proba(labelled["text"].tolist())
    second = train_model(labelled, TrainParams(min_df=1)).predict_proba(labelled["text"].tolist())
    assert np.array_equal(first, second)

"""Target-domain training: weights reach every classifier path, selection scores on the target, metrics per domain."""

import numpy as np
import pandas as pd
import pytest

from stance.config import EvaluateParams, Params, SelectParams, TrainParams
from stance.errors import StanceError
from stance.models import fit_recipe, sample_weights
from stance.stages.evaluate import evaluate_model
from stance.stages.select import Candidate, select_model
from tests.conftest import small_corpus


def corpus_with_domains() -> pd.DataFrame:
    corpus = pd.concat([small_corpus()] * 2, ignore_index=True)
    corpus["statement_id"] = [f"s{i}" for i in range(len(corpus))]
    corpus["domain"] = np.where(np.arange(len(corpus)) % 3 == 0, "shifted", "written")
    return corpus


def coefficients(model) -> np.ndarray:
    """Every linear weight in the model, flattened (works for vote and concat, all four classifiers)."""
    members = list(model.named_estimators_.values()) if hasattr(model, "named_estimators_") else [model]
    found = []
    for member in members:
        classifier = member.named_steps["classifier"]
        if hasattr(classifier, "calibrated_classifiers_"):
            found += [c.estimator.coef_.ravel() for c in classifier.calibrated_classifiers_]
        else:
            found.append((classifier.coef_ if hasattr(classifier, "coef_") else classifier.feature_log_prob_).ravel())
    return np.concatenate(found)


@pytest.mark.parametrize("combine", ["vote", "concat"])
@pytest.mark.parametrize("classifier", ["logreg", "linear_svc", "sgd", "complement_nb"])
def test_target_weights_reach_the_classifier(combine, classifier):
    corpus = corpus_with_domains()
    recipe = TrainParams(min_df=1, combine=combine, classifier=classifier, target_domain="shifted", target_weight=5.0)
    weights = sample_weights(corpus["domain"], recipe)
    assert set(weights) == {1.0, 5.0} and (weights[corpus["domain"] == "shifted"] == 5.0).all()
    texts, labels = corpus["text"].tolist(), corpus["label"]
    plain = coefficients(fit_recipe(recipe, texts, labels))
    weighted = coefficients(fit_recipe(recipe, texts, labels, sample_weight=weights))
    ones = coefficients(fit_recipe(recipe, texts, labels, sample_weight=np.ones(len(corpus))))
    assert not np.allclose(plain, weighted)
    assert np.allclose(plain, ones, atol=1e-6)


def test_no_target_domain_means_no_weights():
    assert sample_weights(["a", "b"], TrainParams()) is None


def test_selection_is_scored_on_the_target_domain_and_chooses_its_weight():
    corpus = corpus_with_domains()
    params = SelectParams(folds=3, candidates=(Candidate(name="c", grid={"min_df": [1], "classifier": ["logreg"]}),))
    base = TrainParams(target_domain="shifted", target_weight=(1.0, 10.0))
    table, chosen, _ = select_model(corpus, params, base)
    assert len(table) == 2 and chosen["scored_on"] == "domain shifted"
    assert chosen["overrides"]["target_weight"] in (1.0, 10.0)
    everything, _, _ = select_model(corpus, params, base.model_copy(update={"target_domain": None}))
    assert not table["cv_macro_f1_mean"].equals(everything["cv_macro_f1_mean"])
    with pytest.raises(StanceError, match="no training statement has that domain"):
        select_model(corpus, params, base.model_copy(update={"target_domain": "real"}))


def test_metrics_per_domain_only_for_domains_with_enough_test_statements():
    corpus = corpus_with_domains()
    model = fit_recipe(TrainParams(min_df=1), corpus["text"].tolist(), corpus["label"])
    test = corpus.assign(domain=["big"] * (len(corpus) - 12) + ["small"] * 12)
    metrics = evaluate_model(
        model, test, corpus, ["threat", "warning", "neutral"], EvaluateParams(bootstrap=100)
    ).metrics
    assert set(metrics["test_by_domain"]) == {"big"}
    assert metrics["test_by_domain"]["big"]["n"] == len(corpus) - 12


def test_params_refuse_inconsistent_target_settings():
    with pytest.raises(ValueError, match="needs model selection"):
        Params.model_validate({"select": {"enabled": False}, "train": {"target_weight": [1, 5]}})
    with pytest.raises(ValueError, match="not supported with mode streaming"):
        TrainParams(mode="streaming", target_domain="real")

import pandas as pd
import pytest

from stance.config import Candidate, SelectParams, TrainParams
from stance.stages.select import expand, select_model
from tests.conftest import small_corpus


@pytest.fixture
def corpus() -> pd.DataFrame:
    return small_corpus()


def test_grid_expands_to_validated_params():
    candidates = (Candidate(name="c", grid={"classifier": ["logreg", "sgd"], "C": [0.5, 2.0]}),)
    points = expand(candidates, TrainParams())
    assert len(points) == 4 and {p[3].classifier for p in points} == {"logreg", "sgd"}


def test_unknown_grid_key_is_refused():
    with pytest.raises(ValueError, match="unknown train key"):
        Candidate(name="bad", grid={"clasifier": ["logreg"]})


def test_best_eligible_candidate_is_chosen_reproducibly(corpus):
    params = SelectParams(
        folds=3,
        candidates=(
            Candidate(name="reference", eligible=False, grid={"features": [["word"]], "min_df": [1]}),
            Candidate(name="mix", grid={"features": [["word", "cues"]], "min_df": [1], "C": [0.1, 10.0]}),
        ),
    )
    table, chosen, oof = select_model(corpus, params, TrainParams())
    again = select_model(corpus, params, TrainParams())
    assert chosen == again[1] and table.equals(again[0]) and oof.equals(again[2])
    assert oof["statement_id"].tolist() == corpus["statement_id"].tolist()
    assert chosen["candidate"] == "mix"
    assert len(table) == 3 and set(table["eligible"]) == {True, False}
    best = table[table["eligible"]]["cv_macro_f1_mean"].max()
    assert chosen["cv_macro_f1_mean"] == best


def test_shared_blocks_give_what_each_pipeline_gives_on_its_own(corpus):
    """fit_predict_many must equal build_pipeline(recipe).fit(...).predict/predict_proba(...) for every combination."""
    import numpy as np

    from stance.models import build_pipeline, fit_predict_many

    recipes = [
        TrainParams(min_df=1, combine=combine, classifier=classifier, features=features, cue_weight=weight)
        for combine in ("vote", "concat")
        for classifier in ("logreg", "linear_svc", "complement_nb", "sgd")
        for features, weight in ((("word", "char", "cues"), 1.0), (("word", "cues"), 2.0), (("cues",), 0.5))
    ]
    fit, score = corpus.iloc[::2], corpus.iloc[1::2]
    shared = fit_predict_many(recipes, fit["text"].tolist(), fit["label"], score["text"].tolist())
    for recipe, found in zip(recipes, shared, strict=True):
        alone = build_pipeline(recipe).fit(fit["text"].tolist(), fit["label"])
        assert found.labels.tolist() == alone.predict(score["text"].tolist()).tolist(), recipe
        assert np.allclose(found.probabilities, alone.predict_proba(score["text"].tolist())), recipe

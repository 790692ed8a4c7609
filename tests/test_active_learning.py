"""Active learning: each strategy's ranking on hand-made probabilities, the replayed rounds, and their summary."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import get_args

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from stance import paths
from stance.active_learning import (
    STRATEGIES,
    capped_sample,
    curves_figure,
    entropies,
    learning_curves,
    margins,
    rank_pool,
    simulate,
    summarise,
    t_interval,
    view_disagreement,
    view_probabilities,
)
from stance.config import SimulateParams, Strategy, TrainParams
from stance.errors import StanceError
from stance.models import fit_recipe
from stance.stages import simulate as stage
from tests.conftest import small_corpus


class FixedModel:
    """predict_proba gives each text the probabilities it was given: no fitting, no features."""

    def __init__(self, table: dict[str, list[float]]):
        self.table = table

    def predict_proba(self, texts):
        return np.array([self.table[t] for t in texts])


class FixedVote(FixedModel):
    """A soft vote of two fixed views, laid out like a fitted VotingClassifier."""

    def __init__(self, ngrams: dict, cues: dict, weights=(1.0, 1.0)):
        self.estimators = [("ngrams", None), ("cues", None)]
        self.weights = list(weights)
        self.named_estimators_ = {"ngrams": FixedModel(ngrams), "cues": FixedModel(cues)}
        vote = {t: list(np.average([ngrams[t], cues[t]], axis=0, weights=weights)) for t in ngrams}
        super().__init__(vote)


# a: a coin toss between two classes; b: flattest over three; c: sure
PROBABILITIES = {"a": [0.5, 0.5, 0.0], "b": [0.4, 0.3, 0.3], "c": [0.9, 0.05, 0.05]}


def test_strategy_names_agree_with_the_params_type():
    assert set(get_args(Strategy)) == set(STRATEGIES)


def test_margin_picks_the_smallest_gap_between_the_top_two():
    model = FixedModel(PROBABILITIES)
    assert rank_pool(model, ["c", "b", "a"], "margin", 3, seed=0).tolist() == [2, 1, 0]
    assert margins(np.array([PROBABILITIES["a"]])).tolist() == [0.0]


def test_entropy_picks_the_flattest_distribution():
    model = FixedModel(PROBABILITIES)
    assert rank_pool(model, ["c", "a", "b"], "entropy", 1, seed=0).tolist() == [2]
    assert entropies(np.array([[1.0, 0.0, 0.0]])).tolist() == [0.0]  # 0·log 0 counts as 0


def test_disagreement_picks_views_that_contradict_each_other_not_views_that_are_both_unsure():
    unsure = [0.34, 0.33, 0.33]
    ngrams = {"unsure": unsure, "contradict": [0.9, 0.05, 0.05], "agree": [0.8, 0.1, 0.1]}
    cues = {"unsure": unsure, "contradict": [0.05, 0.9, 0.05], "agree": [0.8, 0.1, 0.1]}
    model = FixedVote(ngrams, cues)
    texts = ["unsure", "agree", "contradict"]
    assert rank_pool(model, texts, "disagreement", 1, seed=0).tolist() == [2]
    assert rank_pool(model, texts, "entropy", 1, seed=0).tolist() == [0]  # the vote alone cannot tell them apart
    divergence = view_disagreement([np.array([unsure]), np.array([unsure])], np.array([1.0, 1.0]))
    assert divergence.tolist() == pytest.approx([0.0])


def test_disagreement_without_views_falls_back_to_margin():
    model = FixedModel(PROBABILITIES)
    texts = ["c", "b", "a"]
    assert rank_pool(model, texts, "disagreement", 3, 0).tolist() == rank_pool(model, texts, "margin", 3, 0).tolist()


def test_the_views_of_a_fitted_soft_vote_average_to_its_probabilities():
    corpus = small_corpus()
    texts = corpus["text"].tolist()
    vote = fit_recipe(
        TrainParams(features=("word", "cues"), combine="vote", cue_weight=2.0, min_df=1), texts, corpus["label"]
    )
    views, weights = view_probabilities(vote, texts)
    assert weights.tolist() == [1.0, 2.0]
    assert np.average(views, axis=0, weights=weights) == pytest.approx(vote.predict_proba(texts))
    concat = fit_recipe(TrainParams(features=("word", "cues"), combine="concat", min_df=1), texts, corpus["label"])
    assert view_probabilities(concat, texts) is None


def test_diverse_margin_spreads_a_round_over_clusters():
    # the five lowest margins are paraphrases of one statement; one other topic comes next
    drills = [f"The drills near the border will continue until day {d}." for d in range(5)]
    quotas = ["Talks on fishing quotas resumed on Tuesday in the capital."]
    others = [f"The minister will attend summit number {d} next week." for d in range(6)]
    texts = drills + quotas + others
    gaps = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, *[0.5 + d / 100 for d in range(6)]]
    model = FixedModel({t: [0.5 + g / 2, 0.5 - g / 2, 0.0] for t, g in zip(texts, gaps, strict=True)})
    assert rank_pool(model, texts, "margin", 2, seed=0).tolist() == [0, 1]
    picked = rank_pool(model, texts, "diverse-margin", 2, seed=0).tolist()
    assert picked[0] == 0 and 5 in picked  # the most uncertain, and the best of the other cluster


def test_random_is_seeded_and_needs_no_model():
    texts = [str(i) for i in range(50)]
    first = rank_pool(None, texts, "random", 10, seed=3)
    assert first.tolist() == rank_pool(None, texts, "random", 10, seed=3).tolist()
    assert first.tolist() != rank_pool(None, texts, "random", 10, seed=4).tolist()
    assert len(set(first.tolist())) == 10


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_returns_distinct_positions_and_never_more_than_the_pool(strategy):
    model = FixedModel(PROBABILITIES)
    picked = rank_pool(model, ["a", "b", "c"], strategy, 10, seed=0)
    assert sorted(picked.tolist()) == [0, 1, 2]
    assert rank_pool(model, ["a", "b", "c"], strategy, 0, seed=0).tolist() == []


def test_an_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="unknown strategy"):
        rank_pool(FixedModel(PROBABILITIES), ["a"], "smallest", 1, seed=0)


# --- the replay -------------------------------------------------------------------------------------------------

RECIPE = TrainParams(features=("word", "cues"), combine="vote", min_df=1)
PLAN = {"seed_size": 6, "round_size": 4, "rounds": 3}


@pytest.fixture(scope="module")
def runs() -> pd.DataFrame:
    corpus = small_corpus()
    return simulate(corpus, corpus, RECIPE, list(STRATEGIES), [0, 1], **PLAN)


def test_one_row_per_strategy_seed_and_round_with_labels_growing_by_round_size(runs):
    assert list(runs.columns) == ["strategy", "seed", "round", "labelled", "macro_f1"]
    assert len(runs) == len(STRATEGIES) * 2 * (PLAN["rounds"] + 1)
    assert runs.groupby(["strategy", "seed", "round"]).size().eq(1).all()
    expected = [PLAN["seed_size"] + r * PLAN["round_size"] for r in range(PLAN["rounds"] + 1)]
    for _, curve in runs.groupby(["strategy", "seed"]):
        assert curve.sort_values("round")["labelled"].tolist() == expected
    assert runs["macro_f1"].between(0, 1).all()


def test_every_strategy_starts_from_the_same_seed_set(runs):
    first = runs[runs["round"] == 0].groupby("seed")["macro_f1"].nunique()
    assert first.eq(1).all()


def test_the_same_seeds_give_the_same_curves_in_parallel_too(runs):
    corpus = small_corpus()
    again = simulate(corpus, corpus, RECIPE, list(STRATEGIES), [0, 1], **PLAN, n_jobs=2)
    pd.testing.assert_frame_equal(runs, again)


def test_a_plan_larger_than_the_training_split_is_refused():
    corpus = small_corpus()
    with pytest.raises(StanceError, match="needs 46 training statements"):
        simulate(corpus, corpus, RECIPE, ["random"], [0], seed_size=6, round_size=10, rounds=4)
    with pytest.raises(StanceError, match="unknown active-learning strategy"):
        simulate(corpus, corpus, RECIPE, ["smallest"], [0], **PLAN)


# --- the summary -------------------------------------------------------------------------------------------------


def hand_made_runs() -> pd.DataFrame:
    """Two seeds; random ends at 0.70 with 40 labels; margin gets there with 20, entropy with 30, density never."""
    curves = {
        "random": [[0.50, 0.60, 0.65, 0.70], [0.50, 0.58, 0.66, 0.70]],
        "margin": [[0.50, 0.66, 0.71, 0.74], [0.50, 0.64, 0.69, 0.72]],  # mean 0.70 at 30
        "entropy": [[0.50, 0.72, 0.74, 0.74], [0.50, 0.68, 0.70, 0.72]],  # mean 0.70 at 20
        "diverse-margin": [[0.50, 0.70, 0.70, 0.70], [0.50, 0.70, 0.70, 0.70]],  # 0.70 at 20, less area
        "disagreement": [[0.50, 0.55, 0.60, 0.65], [0.50, 0.55, 0.60, 0.65]],  # never
    }
    return pd.DataFrame(
        [
            {"strategy": s, "seed": seed, "round": r, "labelled": 10 + 10 * r, "macro_f1": f1}
            for s, per_seed in curves.items()
            for seed, values in enumerate(per_seed)
            for r, f1 in enumerate(values)
        ]
    )


def test_labels_needed_share_and_winner_on_a_hand_made_table():
    summary = summarise(learning_curves(hand_made_runs()), target_share=0.6)
    needed = {s: v["labels_needed"] for s, v in summary["strategies"].items()}
    assert needed == {"random": 40, "margin": 30, "entropy": 20, "diverse-margin": 20, "disagreement": None}
    assert summary["strategies"]["entropy"]["share_of_random"] == 0.5
    assert summary["strategies"]["disagreement"]["share_of_random"] is None
    assert summary["target_macro_f1"] == pytest.approx(0.70) and summary["random_final_labelled"] == 40
    # entropy and diverse-margin both need 20 labels: the larger area under the curve wins
    assert summary["winner"] == "entropy" and summary["target_met"] is True
    json.dumps(summary)  # it goes to reports/active_learning.json as is


def test_the_target_is_not_met_when_the_winner_needs_more_than_the_share():
    summary = summarise(learning_curves(hand_made_runs()), target_share=0.4)
    assert summary["winner_share"] == 0.5 and summary["target_met"] is False


def test_curves_carry_a_t_interval_over_seeds_and_the_paired_gain_over_random():
    curves = learning_curves(hand_made_runs())
    margin = curves[(curves["strategy"] == "margin") & (curves["round"] == 1)].iloc[0]
    assert margin["macro_f1_mean"] == pytest.approx(0.65)
    assert margin["macro_f1_ci_low"] < 0.65 < margin["macro_f1_ci_high"]
    assert margin["gain_vs_random"] == pytest.approx(0.06)  # (0.66 - 0.60 + 0.64 - 0.58) / 2
    low, high = t_interval(np.array([1.0, 2.0, 3.0]))
    assert (low, high) == pytest.approx((2 - 4.3027 / np.sqrt(3), 2 + 4.3027 / np.sqrt(3)), abs=1e-3)
    assert all(np.isnan(t_interval(np.array([1.0]))))  # one seed: no interval, not a zero-width one


def test_the_summary_needs_the_random_baseline():
    runs = hand_made_runs()
    with pytest.raises(ValueError, match="random"):
        summarise(learning_curves(runs[runs["strategy"] != "random"]))


def test_the_figure_draws_one_band_per_strategy():
    curves = learning_curves(hand_made_runs())
    figure = curves_figure(curves, summarise(curves))
    assert len(figure.axes[0].collections) == curves["strategy"].nunique()


# --- params and the stage ------------------------------------------------------------------------------------------


def test_params_refuse_a_bad_recipe_and_a_plan_without_random():
    with pytest.raises(ValidationError, match="unknown train key"):
        SimulateParams(recipe={"clasifier": "logreg"})
    with pytest.raises(ValidationError, match="classifier"):
        SimulateParams(recipe={"classifier": "forest"})
    with pytest.raises(ValidationError, match="must include random"):
        SimulateParams(strategies=("margin", "entropy"))
    assert stage.simulation_recipe(SimulateParams()).combine == "vote"


def test_the_stage_writes_table_runs_summary_and_figure(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    split = tmp_path / "data" / "split"
    split.mkdir(parents=True)
    small_corpus().to_csv(split / "train.csv", index=False)
    small_corpus().to_csv(split / "test.csv", index=False)
    settings = SimulateParams(strategies=("random", "margin"), seeds=(0,), n_jobs=1, recipe={"min_df": 1}, **PLAN)
    stage.run(SimpleNamespace(train=RECIPE, simulate=settings))
    summary = json.loads(paths.ACTIVE_LEARNING_SUMMARY.read_text(encoding="utf-8"))
    assert set(summary["strategies"]) == {"random", "margin"} and summary["settings"]["rounds"] == 3
    assert len(pd.read_csv(paths.ACTIVE_LEARNING)) == 2 * (PLAN["rounds"] + 1)
    assert len(pd.read_csv(paths.ACTIVE_LEARNING_RUNS)) == 2 * (PLAN["rounds"] + 1)
    assert paths.ACTIVE_LEARNING_FIGURE.read_bytes()[:4] == b"\x89PNG"


# --- the pool and scoring set above simulate.max_pool / max_test ------------------------------------------------


def test_the_cap_never_bites_at_or_below_its_size():
    labels = np.array(["a", "b", "c"] * 10)
    assert np.array_equal(capped_sample(labels, 30, seed=0), np.arange(30))
    assert np.array_equal(capped_sample(labels, 1000, seed=0), np.arange(30))


def test_the_capped_sample_is_seeded_stratified_and_in_pool_order():
    labels = np.array(["neutral"] * 6000 + ["warning"] * 3000 + ["threat"] * 1000)
    chosen = capped_sample(labels, 1000, seed=3)
    assert len(chosen) == 1000 and len(set(chosen)) == 1000 and np.all(np.diff(chosen) > 0)
    assert np.array_equal(chosen, capped_sample(labels, 1000, seed=3))
    assert not np.array_equal(chosen, capped_sample(labels, 1000, seed=4))
    shares = pd.Series(labels[chosen]).value_counts().to_dict()
    assert shares == {"neutral": 600, "warning": 300, "threat": 100}  # the shares of the whole, exactly


def test_a_class_too_small_to_stratify_still_gets_a_sample():
    labels = np.array(["a"] * 50 + ["b"] * 49 + ["c"])
    assert len(capped_sample(labels, 20, seed=0)) == 20


def test_the_stage_samples_above_the_caps_and_says_so(tmp_path):
    corpus = small_corpus()
    settings = SimulateParams(strategies=("random",), seeds=(0,), n_jobs=1, recipe={"min_df": 1}, **PLAN)
    _, _, whole = stage.simulate_strategies(corpus, corpus, RECIPE, settings)
    assert "sampled" not in whole and "max_pool" not in whole["settings"]
    capped = settings.model_copy(update={"max_pool": 30, "max_test": 20})
    runs, _, summary = stage.simulate_strategies(corpus, corpus, RECIPE, capped)
    assert summary["sampled"] == {"training": [30, len(corpus)], "test": [20, len(corpus)]}
    assert runs["labelled"].max() == PLAN["seed_size"] + PLAN["rounds"] * PLAN["round_size"]
    from stance.stages.report import sampled_line

    line = sampled_line(summary["sampled"])
    assert line.startswith(f"Sampled 30 of {len(corpus)} training statements and 20 of {len(corpus)} test statements")
    assert sampled_line({"training": [10, 10], "test": [5, 5]}) == ""


def test_max_pool_must_hold_the_labels_the_plan_spends():
    with pytest.raises(ValidationError, match="max_pool"):
        SimulateParams(seed_size=100, round_size=50, rounds=10, max_pool=599)
    assert SimulateParams(seed_size=100, round_size=50, rounds=10, max_pool=600).max_pool == 600

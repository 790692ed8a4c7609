"""simulate: replayed annotation rounds on the labelled splits — which queue strategy earns most per label.

The labels of the training split are hidden and revealed round by round as each strategy asks
for them (stance.active_learning.simulate); every round is scored on the fixed test split. The
recipe is train.* with simulate.recipe's overrides: word n-grams and cues in a soft vote of two
logistic regressions costs about a third of the CPU of the shipped recipe (char n-grams, a calibrated
SVM), which keeps the stage near half a minute on two idle cores. It ranks the strategies as the
shipped recipe does, bar one adjacent swap, with the same winner (benchmarks/bench_active_learning.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator

from stance import paths
from stance.config import Params, Section, Seed, TrainParams
from stance.io import read_frame, write_csv, write_json

# Move to paths.py (the stage then uses paths.ACTIVE_LEARNING…).
ACTIVE_LEARNING = Path("reports/active_learning.csv")
ACTIVE_LEARNING_RUNS = Path("reports/active_learning_runs.csv")
ACTIVE_LEARNING_SUMMARY = Path("reports/active_learning.json")
ACTIVE_LEARNING_FIGURE = Path("reports/plots/active_learning.png")

# Move to config.py with SimulateParams (QueueParams.strategy uses it too); stance.active_learning.STRATEGIES
# lists the same names (tests/test_active_learning.py checks they agree).
Strategy = Literal["random", "margin", "entropy", "disagreement", "diverse-margin"]


class SimulateParams(Section):
    """Active learning replayed on the labelled training split, scored on the test split after every round.

    strategies: the rankings compared; random is the baseline the others must beat.
    seeds: one stratified seed set per seed, shared by every strategy (the interval is over seeds).
    seed_size, round_size, rounds: labels at the start, added per round, and rounds after the seed set.
    recipe: overrides of train.* for the refits (a cheaper recipe than the shipped one, for speed).
    target_share: the share of random's final label count at which a strategy must reach random's
        final macro-F1 to meet the target.
    n_jobs: parallel (strategy, seed) runs.
    """

    strategies: tuple[Strategy, ...] = ("random", "margin", "entropy", "disagreement", "diverse-margin")
    seeds: tuple[Seed, ...] = (0, 1, 2)
    seed_size: int = Field(default=100, ge=3)
    round_size: int = Field(default=50, ge=1)
    rounds: int = Field(default=10, ge=1)
    recipe: dict[str, Any] = Field(
        default_factory=lambda: {"features": ["word", "cues"], "combine": "vote", "classifier": "logreg"}
    )
    target_share: Annotated[float, Field(gt=0.0, le=1.0)] = 0.6
    n_jobs: int = Field(default=2, ge=1)

    @field_validator("strategies")
    @classmethod
    def _random_included(cls, strategies: tuple[str, ...]) -> tuple[str, ...]:
        if "random" not in strategies:
            raise ValueError("strategies must include random: the others are measured against it")
        if len(set(strategies)) != len(strategies):
            raise ValueError("strategies lists a strategy more than once")
        return strategies

    @field_validator("recipe")
    @classmethod
    def _recipe_names_train_keys(cls, recipe: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(recipe) - set(TrainParams.model_fields))
        if unknown:
            raise ValueError(f"unknown train key(s) {unknown}; allowed: {', '.join(TrainParams.model_fields)}")
        try:
            TrainParams.model_validate(recipe)
        except ValidationError as exc:
            problem = exc.errors()[0]
            raise ValueError(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}") from None
        return recipe


def simulation_recipe(train: TrainParams, settings: SimulateParams) -> TrainParams:
    """train.* with the simulation's overrides."""
    return train.model_validate({**train.model_dump(), **settings.recipe})


def simulate_strategies(train, test, recipe: TrainParams, settings: SimulateParams) -> tuple:
    """The per-seed runs, their learning curves and the summary (winner, labels needed, target met)."""
    from stance.active_learning import learning_curves, simulate, summarise

    runs = simulate(
        train,
        test,
        recipe,
        list(settings.strategies),
        list(settings.seeds),
        settings.seed_size,
        settings.round_size,
        settings.rounds,
        n_jobs=settings.n_jobs,
    )
    curves = learning_curves(runs)
    summary = summarise(curves, settings.target_share)
    summary["settings"] = settings.model_dump(mode="json", exclude={"n_jobs"})
    summary["interval"] = "95% Student-t interval of the mean over seeds"
    return runs, curves, summary


def run(params: Params, args=None) -> None:
    """data/split/{train,test}.csv → reports/active_learning.{csv,json}, the per-seed runs and the figure."""
    import time

    from stance.active_learning import curves_figure
    from stance.plots import save_figure

    settings = getattr(params, "simulate", None) or SimulateParams()  # until config.py carries the section
    recipe = simulation_recipe(params.train, settings)
    started = time.perf_counter()
    runs, curves, summary = simulate_strategies(read_frame(paths.TRAIN), read_frame(paths.TEST), recipe, settings)
    write_csv(runs, ACTIVE_LEARNING_RUNS)
    write_csv(curves, ACTIVE_LEARNING)
    write_json(summary, ACTIVE_LEARNING_SUMMARY)
    save_figure(curves_figure(curves, summary), ACTIVE_LEARNING_FIGURE)
    needed = ", ".join(
        f"{name} {s['labels_needed'] if s['labels_needed'] is not None else '—'}"
        for name, s in summary["strategies"].items()
    )
    verdict = "met" if summary["target_met"] else "not met"
    share, budget = summary["winner_share"], summary["random_final_labelled"]
    print(
        f"simulate: winner {summary['winner']} ({share} of random's {budget} labels; target ≤ "
        f"{settings.target_share}: {verdict}); labels needed: {needed} [{time.perf_counter() - started:.0f} s]"
    )

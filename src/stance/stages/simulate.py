"""simulate: replayed annotation rounds on the labelled splits — which queue strategy earns most per label.

The labels of the training split are hidden and revealed round by round as each strategy asks
for them (stance.active_learning.simulate); every round is scored on the fixed test split. The
recipe is the default train.* recipe with simulate.recipe's overrides — not params.train, so that
tuning a train knob does not rerun this stage: word n-grams and cues in a soft vote of two
logistic regressions costs about a third of the CPU of the shipped recipe (char n-grams, a calibrated
SVM), which keeps the stage near half a minute on two idle cores. It ranks the strategies as the
shipped recipe does, bar one adjacent swap, with the same winner (benchmarks/bench_active_learning.py).
"""

from __future__ import annotations

import pandas as pd

from stance import paths
from stance.config import Params, SimulateParams, TrainParams
from stance.io import read_frame, write_csv, write_json


def simulation_recipe(settings: SimulateParams) -> TrainParams:
    """The default recipe with the simulation's overrides (a fixed yardstick for comparing strategies)."""
    return TrainParams.model_validate({**TrainParams().model_dump(), **settings.recipe})


def capped(frame: pd.DataFrame, size: int, seed: int) -> tuple[pd.DataFrame, list[int] | None]:
    """`frame`, or a seeded sample of `size` of its rows stratified by label when it has more;
    with [kept, of] in the second place when it was sampled (None when not)."""
    from stance.active_learning import capped_sample

    if len(frame) <= size:
        return frame, None
    kept = capped_sample(frame["label"].to_numpy(), size, seed)
    return frame.iloc[kept].reset_index(drop=True), [len(kept), len(frame)]


def simulate_strategies(train, test, recipe: TrainParams, settings: SimulateParams) -> tuple:
    """The per-seed runs, their learning curves and the summary (winner, labels needed, target met).

    Above simulate.max_pool training (simulate.max_test test) statements, the pool (scoring set) is a
    sample of that size, seeded with the first of simulate.seeds; the summary says so under "sampled".
    """
    from stance.active_learning import learning_curves, simulate, summarise

    seed = settings.seeds[0]
    (train, pool_sampled), (test, test_sampled) = (
        capped(train, settings.max_pool, seed),
        capped(test, settings.max_test, seed),
    )
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
    # the caps are left out of the settings recorded (the summary is unchanged while they do not bite)
    summary["settings"] = settings.model_dump(mode="json", exclude={"n_jobs", "max_pool", "max_test"})
    summary["interval"] = "95% Student-t interval of the mean over seeds"
    if pool_sampled or test_sampled:
        summary["sampled"] = {"training": pool_sampled or [len(train)] * 2, "test": test_sampled or [len(test)] * 2}
    return runs, curves, summary


def run(params: Params, args=None) -> None:
    """data/split/{train,test}.csv → reports/active_learning.{csv,json}, the per-seed runs and the figure."""
    import time

    from stance.active_learning import curves_figure
    from stance.plots import save_figure

    settings = params.simulate
    recipe = simulation_recipe(settings)
    started = time.perf_counter()
    train, test = (read_frame(path, columns=("text", "label")) for path in (paths.TRAIN, paths.TEST))
    runs, curves, summary = simulate_strategies(train, test, recipe, settings)
    write_csv(runs, paths.ACTIVE_LEARNING_RUNS)
    write_csv(curves, paths.ACTIVE_LEARNING)
    write_json(summary, paths.ACTIVE_LEARNING_SUMMARY)
    save_figure(curves_figure(curves, summary), paths.ACTIVE_LEARNING_FIGURE)
    needed = ", ".join(
        f"{name} {s['labels_needed'] if s['labels_needed'] is not None else '—'}"
        for name, s in summary["strategies"].items()
    )
    verdict = "met" if summary["target_met"] else "not met"
    share, budget = summary["winner_share"], summary["random_final_labelled"]
    for name, (kept, total) in summary.get("sampled", {}).items():
        if kept < total:
            print(f"simulate: sampled {kept:,} of {total:,} {name} statements (simulate.max_pool, simulate.max_test)")
    print(
        f"simulate: winner {summary['winner']} ({share} of random's {budget} labels; target ≤ "
        f"{settings.target_share}: {verdict}); labels needed: {needed} [{time.perf_counter() - started:.0f} s]"
    )

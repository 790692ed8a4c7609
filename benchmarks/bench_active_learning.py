"""Is the simulation's cheap recipe a fair stand-in for the shipped one, and how long does the stage take?

    python benchmarks/bench_active_learning.py                       # both recipes, seed 0, all strategies
    python benchmarks/bench_active_learning.py --recipes cheap --seeds 0 1 2 3 4 5
    python benchmarks/bench_active_learning.py --out /tmp/al          # also keep each recipe's runs as CSV

For each recipe — `cheap` (train.* with simulate.recipe's overrides, what the stage runs) and
`shipped` (train.* with reports/selection.json's overrides, what `train` fits) — it replays the
annotation rounds on data/split/ and prints each strategy's labels needed to reach random's final
macro-F1, its area under the curve, the ranking, and whether both recipes rank the strategies
alike (Spearman ρ of the areas). Wall seconds depend on what else the machine runs; CPU seconds
(summed over the worker processes) do not, and wall ≈ CPU / workers on an idle machine.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import pandas as pd
from scipy.stats import spearmanr

from stance import paths
from stance.active_learning import STRATEGIES, learning_curves, simulate, summarise
from stance.config import load_params
from stance.io import read_frame, read_json
from stance.models import chosen_recipe
from stance.stages.simulate import simulation_recipe


def children_cpu() -> float:
    """CPU seconds of this process and of its worker processes (shut down first, so that they are counted)."""
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def ranking(summary: dict) -> list[str]:
    """Strategies best first, by the summary's own rule (labels needed, then area under the curve)."""
    items = summary["strategies"]
    return sorted(items, key=lambda s: (items[s]["labels_needed"] or float("inf"), -items[s]["area_under_curve"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", nargs="+", default=["cheap", "shipped"], choices=["cheap", "shipped"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=STRATEGIES)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, default=None, help="folder for <recipe>_runs.csv")
    args = parser.parse_args(argv)

    params = load_params()
    settings = params.simulate
    recipes = {
        "cheap": simulation_recipe(settings),
        "shipped": chosen_recipe(params.train, read_json(paths.SELECTION)),
    }
    train, test = read_frame(paths.TRAIN), read_frame(paths.TEST)
    areas = {}
    for name in args.recipes:
        started, cpu = time.perf_counter(), children_cpu()
        runs = simulate(
            train,
            test,
            recipes[name],
            args.strategies,
            args.seeds,
            settings.seed_size,
            settings.round_size,
            settings.rounds,
            n_jobs=args.n_jobs,
        )
        wall = time.perf_counter() - started
        summary = summarise(learning_curves(runs), settings.target_share)
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            runs.to_csv(args.out / f"{name}_runs.csv", index=False)
        print(f"\n{name}: {recipes[name].model_dump(include={'features', 'combine', 'classifier'})}")
        print(f"  seeds {args.seeds}; wall {wall:.1f} s; CPU {children_cpu() - cpu:.1f} s")
        table = pd.DataFrame(summary["strategies"]).T[
            ["labels_needed", "share_of_random", "final_macro_f1", "area_under_curve"]
        ]
        print(table.to_string())
        print(
            f"  ranking: {' > '.join(ranking(summary))}; winner {summary['winner']}, target met {summary['target_met']}"
        )
        areas[name] = {s: v["area_under_curve"] for s, v in summary["strategies"].items()}
    if len(areas) == 2:
        cheap, shipped = (pd.Series(areas[n]) for n in ("cheap", "shipped"))
        rho = spearmanr(cheap, shipped[cheap.index]).statistic
        print(f"\nSpearman ρ of the strategies' areas, cheap vs shipped: {rho:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

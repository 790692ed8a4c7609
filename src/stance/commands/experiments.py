"""`stance experiments queue|collect SWEEP`: queue a sweep of `dvc exp run`s, and collect their results.

collect reads `dvc.api.exp_show` records: one row per experiment with the swept params, the
headline metrics and its state. An experiment that failed (or is still queued or running)
is marked so and shows no metric: it never borrows its parent commit's numbers.
"""

from __future__ import annotations

import subprocess

import pandas as pd
import yaml

from stance import paths
from stance.config import Params
from stance.errors import StanceError
from stance.io import write_csv

METRICS = {
    "test.macro_f1": "reports/metrics.json",
    "test.macro_f1_ci_low": "reports/metrics.json",
    "test.macro_f1_ci_high": "reports/metrics.json",
    "baselines.cue_rules.macro_f1": "reports/metrics.json",
    "mft.pass_rate": "reports/behaviour.json",
}


def read_sweep(text: str, source: str) -> list[dict]:
    """The sweep's experiments: each a name and a mapping of params to set."""
    try:
        sweep = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise StanceError(
            f"{source}{line}: not valid YAML ({getattr(exc, 'problem', None) or type(exc).__name__})"
        ) from None
    if not isinstance(sweep, dict) or not isinstance(sweep.get("experiments"), list):
        raise StanceError(f"{source}: expected a list under 'experiments:'")
    for number, experiment in enumerate(sweep["experiments"], start=1):
        if not isinstance(experiment, dict) or "name" not in experiment or not isinstance(experiment.get("set"), dict):
            raise StanceError(f"{source}: experiment {number} needs a name and a 'set' mapping")
    return sweep["experiments"]


def sweep_commands(experiments: list[dict]) -> list[list[str]]:
    """`dvc exp run --queue -S ...` argument lists, one per experiment."""
    return [
        [
            "dvc",
            "exp",
            "run",
            "--queue",
            "--name",
            str(experiment["name"]),
            *[arg for key, value in experiment["set"].items() for arg in ("-S", f"{key}={_yaml_value(value)}")],
        ]
        for experiment in experiments
    ]


def _yaml_value(value) -> str:
    """A value as `-S key=value` wants it: flow-style YAML, without the document-end marker."""
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def collect(records: list[dict], experiments: list[dict]) -> pd.DataFrame:
    """One row per experiment of the sweep found in `records` (dvc.api.exp_show), newest record first."""
    names = [str(e["name"]) for e in experiments]
    keys = sorted({key for e in experiments for key in e["set"]})
    rows = []
    for record in records:
        name = record.get("Experiment")
        if name not in names or any(row["experiment"] == name for row in rows):
            continue
        state = record.get("State") or ""
        metrics = {metric: _field(record, metric, path) for metric, path in METRICS.items()}
        failed = state != "Success" or metrics["test.macro_f1"] is None
        rows.append(
            {
                "experiment": name,
                "state": state or "unknown",
                "failed": failed,
                **{key: _field(record, key, "params.yaml") for key in keys},
                **{metric: (None if failed else value) for metric, value in metrics.items()},
            }
        )
    order = {name: i for i, name in enumerate(names)}
    return pd.DataFrame(rows).sort_values("experiment", key=lambda s: s.map(order)).reset_index(drop=True)


def _field(record: dict, key: str, path: str):
    """exp_show prefixes a column with its file only where two files share the name."""
    for candidate in (f"{path}:{key}", key):
        if candidate in record:
            return record[candidate]
    return None


def run(params: Params, args) -> None:
    """queue: one `dvc exp run --queue` per experiment; collect: reports/experiments.csv and its figure."""
    from pathlib import Path

    source = Path(args.sweep)
    if not source.is_file():
        raise StanceError(f"{source}: sweep file not found")
    try:
        text = source.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise StanceError(f"{source}: not UTF-8 (byte 0x{exc.object[exc.start]:02x}); re-save it as UTF-8") from None
    experiments = read_sweep(text, str(source))
    if args.action == "queue":
        for command in sweep_commands(experiments):
            result = subprocess.run(command, capture_output=True, text=True)
            if result.returncode != 0:
                last = (result.stderr.strip().splitlines() or ["?"])[-1]
                raise StanceError(f"{source}: could not queue {command[5]!r}: {last}")
            print("queued:", " ".join(command[4:]))
        return
    import dvc.api

    try:
        records = dvc.api.exp_show(repo=".")
    except Exception as exc:  # dvc raises its own types (NotDvcRepoError, SCMError, ...)
        raise StanceError(
            f"{source}: cannot read DVC's experiments here ({type(exc).__name__}); run from the project root"
        ) from None
    table = collect(records, experiments)
    if table.empty:
        raise StanceError(f"{source}: none of its experiments is known to DVC yet (queue and run them first)")
    write_csv(table, paths.EXPERIMENTS, for_people=True)
    _figure(table)
    failed = int(table["failed"].sum())
    print(f"experiments: {len(table)} rows ({failed} failed) → {paths.EXPERIMENTS}")


def _figure(table: pd.DataFrame) -> None:
    from stance.plots import bars_figure, message_figure, save_figure

    scored = table[~table["failed"]]
    if scored.empty:
        save_figure(message_figure("experiments", "no experiment of the sweep has succeeded"), paths.EXPERIMENTS_FIGURE)
        return
    failed = table.loc[table["failed"], "experiment"].tolist()
    figure = bars_figure(
        scored["experiment"].tolist(),
        scored["test.macro_f1"].tolist(),
        "experiments: test macro-F1 with 95% CI" + (f" (failed: {', '.join(failed)})" if failed else ""),
        errors=list(zip(scored["test.macro_f1_ci_low"], scored["test.macro_f1_ci_high"], strict=True)),
        xlabel="macro-F1",
        zoom=True,
    )
    save_figure(figure, paths.EXPERIMENTS_FIGURE)

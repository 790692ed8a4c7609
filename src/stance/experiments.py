"""Sweeps: queue experiments from a sweep file, and collect `dvc exp show --json` into one table."""

from __future__ import annotations

import subprocess

import pandas as pd
import yaml

from stance.errors import StanceError

METRIC_COLUMNS = {
    "reports/metrics.json": ["test.macro_f1", "test.macro_f1_ci95", "test.accuracy", "baselines.cue_rules.macro_f1"],
    "reports/behaviour.json": ["mft.pass_rate", "invariance_names.pass_rate", "directional_negation.pass_rate"],
}


def sweep_commands(sweep_text: str, source: str) -> list[list[str]]:
    """`dvc exp run --queue -S ...` argument lists, one per experiment in a sweep file."""
    sweep = yaml.safe_load(sweep_text) or {}
    if not isinstance(sweep.get("experiments"), list):
        raise StanceError(f"{source}: expected a list under 'experiments:'")
    commands = []
    for number, experiment in enumerate(sweep["experiments"], start=1):
        if not isinstance(experiment, dict) or "name" not in experiment or "set" not in experiment:
            raise StanceError(f"{source}: experiment {number} needs a name and a 'set' mapping")
        settings = [f"{key}={_yaml_value(value)}" for key, value in experiment["set"].items()]
        commands.append(
            [
                "dvc",
                "exp",
                "run",
                "--queue",
                "--name",
                experiment["name"],
                *[arg for setting in settings for arg in ("-S", setting)],
            ]
        )
    return commands


def _yaml_value(value) -> str:
    """A value as `-S key=value` wants it: flow-style YAML, without the document-end marker."""
    return yaml.safe_dump(value, default_flow_style=True).strip().removesuffix("...").strip()


def flatten_experiments(shown: list[dict], sweep_keys: list[str]) -> pd.DataFrame:
    """One row per workspace, commit and experiment: its params of interest and headline metrics."""
    rows = []
    for node in _nodes(shown):
        data = node.get("data") or {}
        params = (data.get("params") or {}).get("params.yaml", {}).get("data", {})
        rev = node.get("rev", "")
        row = {"experiment": node.get("name") or (rev[:7] if len(rev) == 40 else rev), "rev": rev}
        row |= {key: _dig(params, key) for key in sweep_keys}
        for path, keys in METRIC_COLUMNS.items():
            metrics = (data.get("metrics") or {}).get(path, {}).get("data", {})
            row |= {f"{path.split('/')[-1].removesuffix('.json')}.{key}": _dig(metrics, key) for key in keys}
        rows.append(row)
    return pd.DataFrame(rows)


def run_dvc_exp_show() -> list[dict]:
    import json

    result = subprocess.run(["dvc", "exp", "show", "--json"], capture_output=True, text=True)
    if result.returncode != 0:
        raise StanceError(f"dvc exp show failed: {result.stderr.strip().splitlines()[-1] if result.stderr else '?'}")
    return json.loads(result.stdout)


def _nodes(shown: list[dict]):
    for node in shown:
        yield node
        for experiment in node.get("experiments") or []:
            for revision in experiment.get("revs") or []:
                yield {**revision, "name": experiment.get("name") or revision.get("name")}


def _dig(tree: dict, dotted: str):
    for part in dotted.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return None
        tree = tree[part]
    return tree

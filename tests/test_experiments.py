from pathlib import Path

import pandas as pd
import pytest

from stance.commands.experiments import collect, read_sweep, sweep_commands
from stance.config import Params
from stance.errors import StanceError

ROOT = Path(__file__).resolve().parents[1]
SWEEP = ROOT / "experiments/feature_sets.yaml"


def test_shipped_sweep_becomes_queued_dvc_experiments():
    commands = sweep_commands(read_sweep(SWEEP.read_text(), "feature_sets.yaml"))
    assert len(commands) >= 5
    first = commands[0]
    assert first[:4] == ["dvc", "exp", "run", "--queue"] and first[4:6] == ["--name", "ngrams-only"]
    assert "train.features=[word, char]" in first and "select.enabled=false" in first


def test_every_setting_of_the_shipped_sweep_is_a_valid_param():
    base = Params().model_dump()
    for experiment in read_sweep(SWEEP.read_text(), "feature_sets.yaml"):
        params = {section: dict(values) for section, values in base.items()}
        for key, value in experiment["set"].items():
            section, name = key.split(".", 1)
            assert name in params[section], f"{experiment['name']}: {key} is not in params"
            params[section][name] = value
        Params.model_validate(params)


def test_malformed_sweep_is_named():
    with pytest.raises(StanceError, match="sweep.yaml: experiment 1 needs a name"):
        read_sweep("experiments:\n  - {set: {train.C: 1}}\n", "sweep.yaml")


def test_collect_marks_failures_and_never_borrows_the_parents_numbers():
    experiments = [{"name": "a", "set": {"train.C": 0.5}}, {"name": "b", "set": {"train.C": 2.0}}]
    records = [
        {"Experiment": None, "rev": "workspace", "State": None, "reports/metrics.json:test.macro_f1": 0.8},
        {"Experiment": "b", "State": "Failed", "train.C": 2.0, "reports/metrics.json:test.macro_f1": 0.8},
        {"Experiment": "a", "State": "Success", "train.C": 0.5, "test.macro_f1": 0.71, "test.macro_f1_ci_low": 0.6},
    ]
    table = collect(records, experiments)
    assert table["experiment"].tolist() == ["a", "b"]
    assert table["failed"].tolist() == [False, True]
    assert table.loc[0, "test.macro_f1"] == 0.71 and table.loc[0, "train.C"] == 0.5
    assert pd.isna(table.loc[1, "test.macro_f1"]) and table.loc[1, "state"] == "Failed"

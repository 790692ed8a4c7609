import json
from pathlib import Path

import pytest

from stance.errors import StanceError
from stance.experiments import flatten_experiments, sweep_commands

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_sweep_becomes_queued_dvc_experiments():
    commands = sweep_commands((ROOT / "experiments/feature_sets.yaml").read_text(), "feature_sets.yaml")
    assert len(commands) >= 5
    first = commands[0]
    assert first[:4] == ["dvc", "exp", "run", "--queue"] and first[4:6] == ["--name", "ngrams-only"]
    assert "train.features=[word, char]" in first and "select.enabled=false" in first


def test_malformed_sweep_is_named():
    with pytest.raises(StanceError, match="sweep.yaml: experiment 1 needs a name"):
        sweep_commands("experiments:\n  - {set: {train.C: 1}}\n", "sweep.yaml")


def test_exp_show_json_is_flattened_per_experiment():
    def node(rev, name, features, f1):
        return {
            "rev": rev,
            "name": name,
            "data": {
                "params": {"params.yaml": {"data": {"train": {"features": features}}}},
                "metrics": {"reports/metrics.json": {"data": {"test": {"macro_f1": f1}}}},
            },
        }

    shown = [
        {**node("workspace", None, ["word"], 0.8), "experiments": None},
        {
            **node("abc1234def", "main", ["word"], 0.8),
            "experiments": [{"name": "cues-only", "revs": [node("fff0000aaa", "cues-only", ["cues"], 0.7)]}],
        },
    ]
    table = flatten_experiments(json.loads(json.dumps(shown)), ["train.features"])
    assert table["experiment"].tolist() == ["workspace", "main", "cues-only"]
    assert table["metrics.test.macro_f1"].tolist() == [0.8, 0.8, 0.7]
    assert table["train.features"].tolist()[-1] == ["cues"]

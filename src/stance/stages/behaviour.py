"""behaviour: CheckList tests of the shipped model — minimum functionality, invariance, direction."""

from __future__ import annotations

from stance import paths
from stance.config import Params
from stance.io import write_json


def run(params: Params, args=None) -> None:
    """models/model.skops → reports/behaviour.json (pass rates; failures in reports/behaviour_failures.json)."""
    from stance.checklist.suite import run_suite
    from stance.persist import load_model

    result = run_suite(load_model(paths.MODEL, expected_labels=params.clean.labels), seed=params.evaluate.seed)
    rates = {
        name: value["pass_rate"] for name, value in result.items() if isinstance(value, dict) and "pass_rate" in value
    }
    write_json({name: {"pass_rate": rate} for name, rate in rates.items()}, paths.BEHAVIOUR)
    write_json(result, paths.BEHAVIOUR_DETAILS)
    print("behaviour: " + ", ".join(f"{name} {rate:.2f}" for name, rate in rates.items()))

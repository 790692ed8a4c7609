"""Experiments as the README runs them: queue a sweep, run it, collect one row per experiment."""

import csv

from tests.e2e.conftest import run

SWEEP = """experiments:
  - name: cues-only
    set: {select.enabled: false, train.features: [cues]}
  - name: fixed-recipe
    set: {select.enabled: false, train.C: 0.5}
"""


def test_a_sweep_queues_runs_and_collects_each_experiments_own_results(project):
    (project / "sweep.yaml").write_text(SWEEP)
    queued = run(project, "stance", "experiments", "queue", "sweep.yaml")
    assert queued.stdout.count("queued:") == 2
    run(project, "dvc", "exp", "run", "--run-all", "--jobs", "1")
    run(project, "stance", "experiments", "collect", "sweep.yaml")
    rows = list(csv.DictReader((project / "reports/experiments.csv").open()))
    assert [r["experiment"] for r in rows] == ["cues-only", "fixed-recipe"]
    assert all(r["failed"] == "False" and r["state"] == "Success" for r in rows)
    scores = [float(r["test.macro_f1"]) for r in rows]
    parent = float(run(project, "dvc", "metrics", "show", "--json").stdout.split('"macro_f1": ')[1].split(",")[0])
    assert scores[0] != scores[1] and scores[0] != parent  # each row carries its own experiment's numbers
    assert (project / "reports/plots/experiments.png").read_bytes().startswith(b"\x89PNG")
    run(project, "git", "checkout", "--", ".")
    (project / "sweep.yaml").unlink()
    (project / "reports/experiments.csv").unlink()
    (project / "reports/plots/experiments.png").unlink()

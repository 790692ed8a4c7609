"""A target domain through the real `dvc repro`: the news-register round stands in for the users' real labels."""

import json

import yaml

from tests.e2e.conftest import make_project, run


def test_a_target_domain_is_weighted_selected_on_and_reported_first(tmp_path):
    repo = make_project(tmp_path / "domains")
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["clean"]["domains"] = {"batch-008-*.csv": "real"}
    params["train"]["target_domain"] = "real"
    params["train"]["target_weight"] = [1.0, 3.0]
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(repo, "dvc", "repro")
    metrics = json.loads((repo / "reports/metrics.json").read_text())
    real = metrics["test_by_domain"]["real"]
    assert real["n"] >= 20 and real["macro_f1_ci_low"] <= real["macro_f1"] <= real["macro_f1_ci_high"]
    assert "written" in metrics["test_by_domain"]
    selection = json.loads((repo / "reports/selection.json").read_text())
    assert selection["scored_on"] == "domain real" and selection["overrides"]["target_weight"] in (1.0, 3.0)
    summary = (repo / "reports/report.md").read_text().split("\n## ")[1]
    assert summary.splitlines()[2].startswith("Target domain 'real': test macro-F1")
    shown = run(repo, "dvc", "metrics", "show").stdout
    assert "test_by_domain.real.macro_f1" in shown

"""A second fresh clone: determinism across clones, then a new annotation round."""

import csv
import json

import pytest

from tests.e2e.conftest import make_project, run

DETERMINISTIC = [
    "reports/metrics.json",
    "reports/predictions.csv",
    "reports/clean.json",
    "reports/slices.csv",
    "reports/model_selection.csv",
    "reports/agreement.json",
    "reports/ablation.csv",
    "data/README.md",
]


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    repo = make_project(tmp_path_factory.mktemp("second"))
    run(repo, "dvc", "repro")
    return repo


@pytest.mark.parametrize("path", DETERMINISTIC)
def test_two_fresh_clones_give_identical_outputs(project, second, path):
    first = run(project, "git", "show", f"first-run:{path}").stdout
    assert (second / path).read_text() == first


def write_round(repo):
    """A new batch: two new statements, two re-labels, one duplicate, one unknown label."""
    statements = {r["statement_id"]: r for r in csv.DictReader((repo / "data/clean/statements.csv").open())}
    votes = list(csv.DictReader((repo / "data/clean/votes.csv").open()))
    single = [v for v in votes if sum(w["statement_id"] == v["statement_id"] for w in votes) == 1][:3]
    relabel = {"threat": "warning", "warning": "neutral", "neutral": "threat"}
    rows = [
        {
            "statement_id": "new-1",
            "text": "Ulmara will expel the Karsk trade attaché unless the raids stop.",
            "label": "threat",
            "annotator": "ana",
        },
        {
            "statement_id": "new-2",
            "text": "The Ulmaran delegation arrived in Port Elsin for the fisheries talks.",
            "label": "neutral",
            "annotator": "ana",
        },
        *[
            {
                "statement_id": v["statement_id"],
                "text": statements[v["statement_id"]]["text"],
                "label": relabel[v["label"]],
                "annotator": v["annotator"],
            }
            for v in single[:2]
        ],
        {
            "statement_id": "",
            "text": statements[single[2]["statement_id"]]["text"],
            "label": single[2]["label"],
            "annotator": "zoe",
        },
        {
            "statement_id": "new-3",
            "text": "We shall see what happens next week.",
            "label": "menacing",
            "annotator": "ana",
        },
    ]
    with (repo / "data/raw/batch-999-new-round.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["statement_id", "text", "label", "annotator"])
        writer.writeheader()
        writer.writerows(rows)
    return [v["statement_id"] for v in single[:2]]


def side_ids(repo, side: str) -> set[str]:
    return {r["statement_id"] for r in csv.DictReader((repo / f"data/split/{side}.csv").open())}


def test_a_new_round_flows_through_every_stage(second):
    run(second, "git", "add", "-A")
    run(second, "git", "commit", "-q", "-m", "round 1")
    old_test, old_train = side_ids(second, "test"), side_ids(second, "train")
    relabelled = write_round(second)
    result = run(second, "dvc", "repro")
    # the split stays put: every old test statement still in test, no old training statement moved there
    assert old_test <= side_ids(second, "test") and old_train <= side_ids(second, "train")
    for stage in ("clean", "split", "select", "train", "evaluate", "report"):
        assert f"Running stage '{stage}" in result.stdout
    ledger = json.loads((second / "reports/clean.json").read_text())
    new = ledger["files"]["batch-999-new-round.csv"]
    assert new == {"read": 6, "kept": 2, "merged": 3, "rejected": 1}
    assert ledger["total"]["read"] == sum(f["read"] for f in ledger["files"].values())
    rejects = list(csv.DictReader((second / "data/clean/rejects.csv").open()))
    unknown = [r for r in rejects if r["file"] == "batch-999-new-round.csv"]
    assert unknown == [
        {
            "file": "batch-999-new-round.csv",
            "line": "7",
            "text": "We shall see what happens next week.",
            "reason": "unknown label: 'menacing' (allowed: threat, warning, neutral)",
        }
    ]
    changes = [
        r
        for r in csv.DictReader((second / "reports/label_changes.csv").open())
        if r["batch"] == "batch-999-new-round.csv"
    ]
    assert sorted(r["statement_id"] for r in changes if r["change"] == "relabelled") == sorted(relabelled)
    assert {r["statement_id"] for r in changes if r["change"] == "added"} == {"new-1", "new-2"}
    assert json.loads((second / "reports/agreement.json").read_text())["alpha"]["alpha"] is not None
    queue = list(csv.DictReader((second / "reports/annotation_queue.csv").open()))
    assert len(queue) == 50
    report = (second / "reports/report.md").read_text()
    this_round = report.split("\n## ")[2]
    assert this_round.startswith("This round") and "batch-999-new-round.csv: 2 added" in this_round
    diff = run(second, "dvc", "metrics", "diff", "HEAD").stdout
    assert "macro_f1" in diff and len(diff.splitlines()) < 40
    run(second, "git", "add", "-A")
    run(second, "git", "commit", "-q", "-m", "round 2")
    compared = run(second, "stance", "compare", "HEAD~1", "HEAD").stdout
    assert compared.splitlines()[-1].startswith("verdict: ") and "warning:" not in compared

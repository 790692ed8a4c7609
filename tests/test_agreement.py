import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from stance.agreement import agreement

LABELS = ["threat", "warning", "neutral"]


def votes(pairs: list[tuple[str, str]], annotators=("ana", "ben"), file="b1.csv") -> pd.DataFrame:
    rows = []
    for i, pair in enumerate(pairs):
        rows += [
            {"statement_id": f"s{i}", "annotator": who, "label": lab, "file": file}
            for who, lab in zip(annotators, pair, strict=True)
        ]
    return pd.DataFrame(rows)


def test_perfect_agreement_gives_alpha_one_and_kappa_one():
    data = votes([(lab, lab) for lab in LABELS * 10])
    result = agreement(data, LABELS)
    assert result["alpha"] == {"alpha": 1.0, "statements": 30, "votes": 60}
    assert result["kappa_pairs"][0]["kappa"] == 1.0


def test_kappa_matches_sklearn_and_counts_its_statements():
    pairs = (
        [("threat", "threat")] * 8
        + [("warning", "warning")] * 7
        + [("neutral", "neutral")] * 6
        + [("threat", "warning"), ("warning", "neutral"), ("neutral", "threat")]
    )
    result = agreement(votes(pairs), LABELS)
    pair = result["kappa_pairs"][0]
    assert pair["statements"] == 24
    assert pair["kappa"] == pytest.approx(cohen_kappa_score([a for a, _ in pairs], [b for _, b in pairs]), abs=1e-4)
    assert 0 < result["alpha"]["alpha"] < 1


def test_pairs_with_too_few_shared_statements_are_left_out():
    result = agreement(votes([("threat", "threat")] * 5 + [("neutral", "neutral")] * 5), LABELS)
    assert result["kappa_pairs"] == []


def test_single_annotator_statements_do_not_count():
    single = pd.DataFrame([{"statement_id": "z", "annotator": "ana", "label": "threat", "file": "b2.csv"}])
    result = agreement(pd.concat([votes([("threat", "warning"), ("neutral", "neutral")]), single]), LABELS)
    assert result["alpha"]["statements"] == 2
    assert result["alpha_per_batch"]["b2.csv"]["statements"] == 0
    assert set(result["alpha_per_class"]) == set(LABELS)

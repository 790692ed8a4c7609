import pandas as pd
import pytest

from stance.config import SplitParams
from stance.errors import StanceError
from stance.stages.split import split_statements


def corpus(n_per_class: int = 20) -> pd.DataFrame:
    labels = ["threat", "warning", "neutral"] * n_per_class
    return pd.DataFrame(
        {
            "statement_id": [f"s{i}" for i in range(len(labels))],
            "text": [f"statement number {i}" for i in range(len(labels))],
            "label": labels,
            "source_id": [f"doc{i // 3}" for i in range(len(labels))],
        }
    )


def test_no_source_document_is_on_both_sides():
    train, test, _ = split_statements(corpus(), SplitParams(seed=1, test_size=0.2))
    assert set(train["source_id"]).isdisjoint(test["source_id"])
    assert len(train) + len(test) == 60


def test_split_is_stratified_and_reproducible():
    first = split_statements(corpus(), SplitParams(seed=7))
    second = split_statements(corpus(), SplitParams(seed=7))
    assert first[1]["statement_id"].tolist() == second[1]["statement_id"].tolist() and first[2] == second[2]
    assert first[1]["label"].value_counts().to_dict() == {"threat": 4, "warning": 4, "neutral": 4}


def test_too_small_class_is_named_with_its_count():
    data = corpus()
    data = pd.concat([data[data["label"] != "threat"], data[data["label"] == "threat"].head(3)])
    with pytest.raises(StanceError, match="class 'threat' has 3 statement"):
        split_statements(data, SplitParams())


def test_single_class_is_refused():
    data = corpus().assign(label="neutral")
    with pytest.raises(StanceError, match="only one class in the data \\('neutral'\\)"):
        split_statements(data, SplitParams())


def test_near_duplicates_of_training_statements_leave_the_test_set():
    data = corpus()
    data["text"] = [f"the ministry said on day {i} that talks about fish quotas would go on" for i in range(len(data))]
    train, test, summary = split_statements(data, SplitParams(seed=1, near_duplicate_threshold=0.8))
    assert test.empty and len(train) == len(data)
    assert summary["near_duplicates_found"] > 0 and summary["statements_moved_to_train"] == 12

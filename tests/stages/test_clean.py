import pytest

from stance.config import CleanParams
from stance.errors import StanceError
from stance.stages.clean import clean_batches
from tests.conftest import make_batch


def balanced(ledger: dict) -> bool:
    return all(
        c["read"] == c["kept"] + c["merged"] + c["rejected"] for c in [ledger["total"], *ledger["files"].values()]
    )


def test_rows_are_normalised_and_synonyms_mapped(clean_params):
    batch = make_batch(
        "b1.csv",
        [
            {"text": "  \u201cWe will  answer in kind.\u201d ", "label": "Threatening"},
            {"text": "Talks resumed.", "label": "NEUTRAL"},
        ],
    )
    result = clean_batches([batch], clean_params)
    assert result.statements.set_index("label")["text"].to_dict() == {
        "threat": "We will answer in kind.",
        "neutral": "Talks resumed.",
    }
    assert result.ledger["total"] == {"read": 2, "kept": 2, "merged": 0, "rejected": 0}


def test_bad_rows_are_rejected_with_file_line_and_reason(clean_params):
    batch = make_batch(
        "b1.csv",
        [
            {"text": "Fine statement here.", "label": "neutral"},
            {"text": "   ", "label": "neutral"},
            {"text": "Something odd.", "label": "menacing"},
            {"text": "x" * 3000, "label": "threat"},
            {"text": "No label given.", "label": ""},
        ],
    )
    result = clean_batches([batch], clean_params)
    rejects = result.rejects.set_index("line")["reason"].to_dict()
    assert rejects[3] == "empty text"
    assert rejects[4].startswith("unknown label: 'menacing' (allowed: threat, warning, neutral)")
    assert rejects[5].startswith("text too long: 3000 characters")
    assert rejects[6] == "missing label"
    assert result.ledger["reasons"] == {"empty text": 1, "missing label": 1, "text too long": 1, "unknown label": 1}
    assert balanced(result.ledger)


def test_on_error_fail_stops_at_the_first_bad_row():
    batch = make_batch("b1.csv", [{"text": "ok ok ok", "label": "neutral"}, {"text": "zz zz", "label": "bad"}])
    with pytest.raises(StanceError, match=r"b1.csv:3: unknown label: 'bad'"):
        clean_batches([batch], CleanParams(on_error="fail"))


def test_same_text_across_batches_is_merged_as_votes(clean_params):
    b1 = make_batch("b1.csv", [{"text": "They are playing with fire.", "label": "warning", "annotator": "ana"}])
    b2 = make_batch(
        "b2.csv",
        [
            {"text": "they are playing  with fire.", "label": "warning", "annotator": "ben"},
            {"text": "New one here.", "label": "neutral", "annotator": "ben"},
        ],
    )
    result = clean_batches([b1, b2], clean_params)
    assert len(result.statements) == 2
    merged = result.statements.set_index("text").loc["They are playing with fire."]
    assert (merged["n_votes"], merged["first_batch"]) == (2, "b1.csv")
    assert result.ledger["files"]["b2.csv"] == {"read": 2, "kept": 1, "merged": 1, "rejected": 0}


def test_majority_tie_is_disputed_and_every_vote_listed(clean_params):
    rows = [
        {"statement_id": "x1", "text": "We will draw conclusions.", "label": "threat", "annotator": "ana"},
        {"statement_id": "x1", "text": "We will draw conclusions.", "label": "warning", "annotator": "ben"},
    ]
    result = clean_batches([make_batch("b1.csv", rows)], clean_params)
    assert result.statements.empty
    assert "ana=threat" in result.disputed.loc[0, "votes"] and "ben=warning" in result.disputed.loc[0, "votes"]
    assert set(result.rejects["reason"]) == {"disputed: votes threat 1, warning 1"}
    assert balanced(result.ledger)


def test_majority_of_three_wins(clean_params):
    rows = [
        {"statement_id": "x1", "text": "We will draw conclusions.", "label": lab, "annotator": who}
        for lab, who in [("threat", "ana"), ("warning", "ben"), ("threat", "cy")]
    ]
    result = clean_batches([make_batch("b1.csv", rows)], clean_params)
    assert result.statements.loc[0, ["label", "n_votes", "votes"]].tolist() == ["threat", 3, "threat 2, warning 1"]


def test_relabel_by_same_annotator_replaces_the_vote_and_is_logged(clean_params):
    b1 = make_batch(
        "b1.csv", [{"statement_id": "q", "text": "Measures will follow.", "label": "warning", "annotator": "ana"}]
    )
    b2 = make_batch(
        "b2.csv", [{"statement_id": "q", "text": "Measures will follow.", "label": "threat", "annotator": "ana"}]
    )
    result = clean_batches([b1, b2], clean_params)
    assert result.statements.loc[0, ["label", "first_batch", "label_batch"]].tolist() == ["threat", "b1.csv", "b2.csv"]
    assert result.label_changes[["batch", "change", "old", "new"]].values.tolist() == [
        ["b1.csv", "added", "", "warning"],
        ["b2.csv", "relabelled", "warning", "threat"],
    ]


@pytest.mark.parametrize("rule, expected", [("latest", "threat"), ("drop_disputed", None)])
def test_other_adjudication_rules(rule, expected):
    rows = [
        {"statement_id": "x", "text": "Adequate steps will follow.", "label": lab, "annotator": who}
        for lab, who in [("warning", "ana"), ("warning", "ben"), ("threat", "cy")]
    ]
    result = clean_batches([make_batch("b1.csv", rows)], CleanParams(adjudication=rule))
    labels = result.statements["label"].tolist() if not result.statements.empty else []
    assert labels == ([expected] if expected else [])


def test_missing_required_column_is_a_file_error(clean_params):
    with pytest.raises(StanceError, match=r"b1.csv:1: missing column 'label' \(columns found: text\)"):
        clean_batches([make_batch("b1.csv", [{"text": "hello there"}])], clean_params)


def test_header_only_batch_is_a_file_error(clean_params):
    batch = make_batch("b1.csv", [])
    batch.rows["text"], batch.rows["label"] = [], []
    with pytest.raises(StanceError, match="b1.csv: header only"):
        clean_batches([batch], clean_params)


def test_markup_and_formulas_are_kept_verbatim(clean_params):
    texts = ["<script>alert(1)</script> said the envoy.", '=HYPERLINK("http://x","click") now']
    batch = make_batch("b1.csv", [{"text": t, "label": "neutral"} for t in texts])
    assert sorted(clean_batches([batch], clean_params).statements["text"]) == sorted(texts)

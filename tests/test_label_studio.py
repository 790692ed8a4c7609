import json

import pytest

from stance.errors import StanceError
from stance.io import read_batch

EXPORT = [
    {
        "id": 7,
        "data": {"text": "We will answer in kind.", "speaker_state": "Borovia"},
        "annotations": [
            {
                "completed_by": {"id": 1, "email": "ana@lab.org"},
                "result": [
                    {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": ["Threat"]}},
                    {"from_name": "tone", "to_name": "text", "type": "choices", "value": {"choices": ["neutral"]}},
                ],
            },
            {
                "completed_by": 2,
                "result": [
                    {"from_name": "stance", "to_name": "text", "type": "choices", "value": {"choices": ["Warning"]}}
                ],
            },
        ],
    },
    {"id": 8, "data": {"text": "Talks resumed.", "statement_id": "x-8"}, "annotations": []},
]


def test_each_annotation_becomes_a_vote(tmp_path):
    path = tmp_path / "round.json"
    path.write_text(json.dumps(EXPORT))
    rows = read_batch(path, label_studio=("stance", "tone")).rows
    assert rows[["statement_id", "label", "tone", "annotator", "line"]].values.tolist() == [
        ["ls-7", "Threat", "neutral", "ana@lab.org", 1],
        ["ls-7", "Warning", "", "2", 1],
        ["x-8", "", "", "", 2],
    ]
    assert rows.loc[0, "speaker_state"] == "Borovia"


def test_task_without_text_is_named(tmp_path):
    path = tmp_path / "round.json"
    path.write_text(json.dumps([{"id": 1, "data": {"body": "no text"}}]))
    with pytest.raises(StanceError, match=r"round.json:1: Label Studio task without data.text"):
        read_batch(path)

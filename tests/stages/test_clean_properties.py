"""Property test: whatever the batches hold, every row read is kept, merged or rejected — once."""

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stance.config import CleanParams
from stance.io import Batch
from stance.stages.clean import clean_batches

TEXTS = [
    "We will answer in kind.",
    "we will answer  in kind.",
    "They are playing with fire.",
    "Talks resumed.",
    "",
    "   ",
    "x",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "y" * 2500,
]
LABELS = ["threat", "warning", "neutral", "THREAT", "threatening", "menacing", "", "Neutral "]
row = st.fixed_dictionaries(
    {
        "text": st.sampled_from(TEXTS) | st.text(max_size=40),
        "label": st.sampled_from(LABELS),
        "annotator": st.sampled_from(["ana", "ben", "cy", ""]),
        "statement_id": st.sampled_from(["", "", "s1", "s2"]),
        "tone": st.sampled_from(["", "hostile", "neutral", "friendly", "angry"]),
    }
)
batches = st.lists(st.lists(row, min_size=1, max_size=12), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches, st.sampled_from(["majority", "latest", "drop_disputed"]))
def test_ledger_always_balances(generated, rule):
    frames = []
    for number, rows in enumerate(generated):
        frame = pd.DataFrame(rows, dtype=str)
        frame.insert(0, "line", range(2, len(rows) + 2))
        frames.append(Batch(name=f"b{number}.csv", rows=frame))
    result = clean_batches(
        frames, CleanParams(adjudication=rule, synonyms={"threatening": "threat", "friendly": "conciliatory"})
    )
    ledger = result.ledger
    for counts in [ledger["total"], *ledger["files"].values()]:
        assert counts["read"] == counts["kept"] + counts["merged"] + counts["rejected"]
    assert ledger["total"]["read"] == sum(len(rows) for rows in generated)
    assert ledger["total"]["kept"] == len(result.statements)
    assert ledger["total"]["rejected"] == len(result.rejects) == sum(ledger["reasons"].values())
    assert result.statements["statement_id"].is_unique if len(result.statements) else True

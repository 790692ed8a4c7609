"""The shortcuts that let clean take a million rows must not change what it writes.

A statement with one vote goes to the tables straight from its row, without the full rules;
normalise skips work on texts that are clean already; the key of a normalised text skips a
second normalise. Each is checked here against the long way round.
"""

import re
import unicodedata

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stance.config import CleanParams
from stance.io import Batch
from stance.stages import clean
from stance.text import _QUOTES, match_key, normal_key, normalise
from tests.conftest import make_batch

WHITESPACE = [chr(c) for c in range(0x3000 + 1) if chr(c).isspace()]
texts = st.text(alphabet=st.sampled_from([*WHITESPACE, "a", "B", "'", '"', "\u201c", "\u201d", "\u200b", "\u0301"]))


def reference_normalise(text: str) -> str:
    """normalise as first written: every step on every text, whitespace by regex."""
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text).translate(_QUOTES)).strip()
    wrapped = re.match(r'^(["\'])(.*)\1$', text, re.DOTALL)
    if wrapped and wrapped.group(1) not in wrapped.group(2):
        text = wrapped.group(2).strip()
    return text


@given(st.one_of(texts, st.text()))
@settings(max_examples=500)
def test_normalise_equals_the_long_way(text):
    assert normalise(text) == reference_normalise(text)


@given(st.one_of(texts, st.text()))
@settings(max_examples=500)
def test_key_of_a_normalised_text_equals_match_key(text):
    normal = normalise(text)
    assert normal_key(normal) == match_key(normal)


def test_every_whitespace_character_is_collapsed():
    for space in WHITESPACE:
        assert normalise(f"{space}a{space}{space}b{space}") == "a b", repr(space)


row = st.fixed_dictionaries(
    {
        "label": st.sampled_from(["threat", "warning", "neutral", "Threatening"]),
        "tone": st.sampled_from(["", "hostile", "neutral", "friendly"]),
        "annotator": st.sampled_from(["ana", "", " ben "]),
        "statement_id": st.sampled_from(["", "N/A", "given"]),
        "source_id": st.sampled_from(["", "doc1", " "]),
        "domain": st.sampled_from(["", "real"]),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=15), st.sampled_from(["majority", "latest", "drop_disputed"]))
def test_a_single_vote_is_written_as_the_full_rules_decide_it(rows, rule):
    rows = [
        {**r, "text": f"Statement number {i} here.", "statement_id": r["statement_id"] and f"{r['statement_id']}{i}"}
        for i, r in enumerate(rows)
    ]
    params = CleanParams(adjudication=rule, synonyms={"threatening": "threat", "friendly": "conciliatory"})
    batch = make_batch("b1.csv", rows)
    result = clean.clean_batches([batch], params)
    votes, rejects = clean._Votes(), clean._Rejects()
    clean._read_rows(0, batch, params, votes, rejects, {})
    statements = result.statements.set_index("statement_id")
    for i in range(len(votes.text)):
        verdict = clean._verdict([votes.vote(i, [batch])], rule, [batch])
        assert statements.loc[verdict.statement_id].to_dict() == {
            k: v for k, v in verdict.record.items() if k != "statement_id"
        }
        changes = result.label_changes[result.label_changes["statement_id"] == verdict.statement_id]
        assert changes.to_dict("records") == verdict.history
        assert verdict.standing == [True]


def test_many_statements_keep_their_order_and_balance(clean_params):
    """20,000 rows, 5,000 texts voted on twice: statements by id, votes statement by statement
    in order of first appearance, each statement's votes in the order they came."""
    rows = [
        {
            "text": f"Statement {i % 15000} of the ministry.",
            "label": "warning" if i % 15000 % 7 == 0 else "threat",
            "annotator": "ana" if i < 15000 else "ben",
        }
        for i in range(20000)
    ]
    frame = pd.DataFrame(rows, dtype=str)
    frame.insert(0, "line", range(2, len(rows) + 2))
    result = clean.clean_batches([Batch("big.csv", frame)], clean_params)
    assert result.ledger["total"] == {"read": 20000, "kept": 15000, "merged": 5000, "rejected": 0}
    assert result.statements["statement_id"].is_monotonic_increasing
    assert result.statements["n_votes"].value_counts().to_dict() == {1: 10000, 2: 5000}
    assert len(result.votes) == 20000 and result.votes["standing"].all()
    assert result.votes.drop_duplicates("statement_id")["line"].is_monotonic_increasing
    assert (
        result.votes.groupby("statement_id", sort=False)["annotator"]
        .agg(list)
        .map(tuple)
        .isin({("ana",), ("ana", "ben")})
        .all()
    )

"""Checks on the shipped corpus in data/raw (issue: a realistic annotated corpus)."""

from pathlib import Path

import pytest

from stance.config import load_params
from stance.io import list_batches, read_batch
from stance.stages.clean import clean_batches
from stance.stages.datacard import difficulty, diversity_checks

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cleaned():
    params = load_params(ROOT / "params.yaml").clean
    return clean_batches([read_batch(p, params.columns) for p in list_batches(ROOT / "data/raw")], params)


def test_corpus_is_large_and_balanced_like_analysts_see_it(cleaned):
    statements = cleaned.statements
    assert len(statements) >= 2000
    share = statements["label"].value_counts(normalize=True)
    assert 0.40 <= share["neutral"] <= 0.50
    assert 0.25 <= share["warning"] <= 0.30 and 0.25 <= share["threat"] <= 0.30
    assert set(statements["tone"]) == {"hostile", "neutral", "conciliatory"}


def test_speakers_topics_and_documents_are_varied(cleaned):
    statements = cleaned.statements
    assert statements["speaker_state"].nunique() >= 30
    assert statements["topic"].nunique() >= 12
    per_source = statements.groupby("source_id").size()
    assert per_source.max() <= 8 and (per_source > 1).sum() >= 300


def test_no_near_duplicates_and_no_dominant_opening(cleaned):
    checks = diversity_checks(cleaned.statements)
    assert checks["max_jaccard"] <= 0.8, checks["max_pair"]
    assert checks["top_opening_share"] <= 0.02
    assert checks["marked_duplicates"] >= 3


def test_reliability_sample_has_several_annotators(cleaned):
    votes = cleaned.votes.drop_duplicates(["statement_id", "annotator"])
    annotators_per_statement = votes.groupby("statement_id")["annotator"].nunique()
    assert (annotators_per_statement >= 2).sum() >= 400
    assert (annotators_per_statement >= 3).sum() >= 100


def test_rounds_revise_and_the_clean_stage_has_real_work(cleaned):
    changes = cleaned.label_changes
    assert (changes["change"] == "relabelled").sum() >= 2
    assert cleaned.ledger["total"]["merged"] > 0
    assert {"empty text", "unknown label"} <= set(cleaned.ledger["reasons"])


def test_corpus_is_not_too_easy(cleaned):
    assert difficulty(cleaned.statements, seed=42) < 0.95


def test_the_vocabulary_size_is_countvectorizers_without_its_matrix():
    import pandas as pd
    from sklearn.feature_extraction.text import CountVectorizer

    from stance.stages.datacard import vocabulary_size

    texts = pd.Series(["We WILL respond, if needed.", "They warn: we will not.", "", "Ça va? 2024 a-b"])
    assert vocabulary_size(texts) == len(CountVectorizer(lowercase=True).fit(texts).vocabulary_)

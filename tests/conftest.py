"""Shared builders for small, hand-made batches."""

from __future__ import annotations

import pandas as pd
import pytest

from stance.config import CleanParams
from stance.io import Batch


def make_batch(name: str, rows: list[dict]) -> Batch:
    frame = pd.DataFrame(rows, dtype=str).fillna("")
    frame.insert(0, "line", range(2, len(rows) + 2))
    return Batch(name=name, rows=frame)


@pytest.fixture
def clean_params() -> CleanParams:
    return CleanParams(synonyms={"threatening": "threat"})


THREATS = [
    "We reserve the right to respond to any incursion.",
    "The ministry said it would expel the envoy if the drills continue.",
    "Our forces stand ready to answer in kind.",
    "Any new tariff will be met with mirror measures.",
    "We will cut gas deliveries unless payments resume.",
    "The response will be swift and proportionate, the navy said.",
]
WARNINGS = [
    "Such drills are fraught with risks for regional stability.",
    "This policy could lead to a dangerous escalation.",
    "They are playing with fire.",
    "The deployment would only inflame tensions in the region.",
    "Any miscalculation could spiral out of control.",
    "Those who stoke this conflict will bear the consequences.",
]
NEUTRALS = [
    "The minister will attend the summit next week.",
    "We are following the preparations closely.",
    "The spokesperson declined to comment on the report.",
    "Talks on fishing quotas resumed on Tuesday.",
    "The embassy said two diplomats left the country last month.",
    "We threaten no one and have no plans to retaliate.",
]


@pytest.fixture
def labelled() -> pd.DataFrame:
    """A tiny corpus, three sources per class, enough to fit and score a model."""
    rows = [(t, "threat") for t in THREATS] + [(t, "warning") for t in WARNINGS] + [(t, "neutral") for t in NEUTRALS]
    return pd.DataFrame(
        {
            "statement_id": [f"s{i:02d}" for i in range(len(rows))],
            "text": [t for t, _ in rows],
            "label": [label for _, label in rows],
            "source_id": [f"doc{i // 2}" for i in range(len(rows))],
        }
    )


def small_corpus() -> pd.DataFrame:
    """The tiny corpus twice over, twelve source documents: enough for a 3-fold grouped CV."""
    rows = [(t, "threat") for t in THREATS] + [(t, "warning") for t in WARNINGS] + [(t, "neutral") for t in NEUTRALS]
    rows = rows * 2
    return pd.DataFrame(
        {
            "statement_id": [f"s{i}" for i in range(len(rows))],
            "text": [t for t, _ in rows],
            "label": [label for _, label in rows],
            "source_id": [f"d{i % 12}" for i in range(len(rows))],
        }
    )

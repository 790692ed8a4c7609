"""The CheckList-style behavioural suite: its cases, its report, and the shipped model's scores."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from stance.checklist import suite
from stance.checklist.suite import load_mft, run_suite
from stance.config import TrainParams, load_params
from stance.io import list_batches, read_batch
from stance.models import build_pipeline
from stance.stages.clean import clean_batches

ROOT = Path(__file__).resolve().parents[1]
TESTS = (
    "mft",
    "invariance_names",
    "invariance_dates",
    "invariance_numbers",
    "directional_negation",
    "directional_agentless",
)
TINY = [
    ("We will expel their diplomats if the arrests continue.", "threat"),
    ("Our navy stands ready to strike the launch sites.", "threat"),
    ("Any new tariff will be met with mirror measures.", "threat"),
    ("We reserve the right to respond with force.", "threat"),
    ("Such drills could lead to a dangerous escalation.", "warning"),
    ("They are playing with fire by arming the rebels.", "warning"),
    ("The blockade risks a humanitarian disaster.", "warning"),
    ("This decision will have grave consequences for the region.", "warning"),
    ("The minister will attend the summit next week.", "neutral"),
    ("We are following the exercises closely.", "neutral"),
    ("The spokesperson declined to comment.", "neutral"),
    ("We have no plans to retaliate against the tariffs.", "neutral"),
]


@pytest.fixture(scope="module")
def tiny_model():
    texts, labels = zip(*TINY, strict=True)
    return build_pipeline(TrainParams(min_df=1)).fit(list(texts), list(labels))


@pytest.fixture(scope="module")
def tiny_report(tiny_model):
    return run_suite(tiny_model, seed=0)


def test_mft_cases_parse_and_are_balanced():
    mft = load_mft()
    assert list(mft.columns) == ["family", "text", "label", "note"]
    assert len(mft) == 210 and set(mft["family"]) == {"mft"}
    assert Counter(mft["label"]) == {"threat": 70, "warning": 70, "neutral": 70}
    assert mft["text"].str.strip().ne("").all() and not mft["text"].duplicated().any()


def test_every_family_has_enough_distinct_cases():
    for groups in (suite.name_groups(0), suite.date_groups(), suite.number_groups()):
        assert sum(len(g) - 1 for g in groups) >= 500
        for group in groups:
            assert len(set(group)) == len(group), group
            assert not any("{" in text for text in group), group
    assert 70 <= len(suite.negation_pairs()) <= 90
    assert 35 <= len(suite.agentless_pairs()) <= 45
    for original, changed in suite.negation_pairs() + suite.agentless_pairs():
        assert original != changed


def test_name_swaps_cover_mft_statements_and_follow_the_seed():
    groups = suite.name_groups(0)
    from_mft = groups[len(suite.NAME_TEMPLATES) :]
    assert len(from_mft) >= 30
    assert all(g[0] in set(load_mft()["text"]) for g in from_mft)
    real = {text for group in groups for text in group if any(name in text for name in suite.REAL_NAMES)}
    assert len(real) >= 300
    assert suite.name_groups(0) == groups
    assert suite.name_groups(1) != groups


def test_only_name_fill_ins_use_real_country_names():
    other = [t for g in suite.date_groups() + suite.number_groups() for t in g]
    other += [t for pair in suite.negation_pairs() + suite.agentless_pairs() for t in pair]
    other += list(suite.NAME_TEMPLATES)
    for name in suite.REAL_NAMES:
        assert not any(re.search(rf"\b{name}\b", text) for text in other), name


def test_report_has_the_documented_shape(tiny_report):
    assert set(TESTS) <= set(tiny_report)
    assert tiny_report["mft"]["n"] == 210
    assert {label: v["n"] for label, v in tiny_report["mft"]["per_class"].items()} == {
        "threat": 70,
        "warning": 70,
        "neutral": 70,
    }
    assert tiny_report["invariance_names"]["n"] >= 500
    for test in TESTS:
        assert 0.0 <= tiny_report[test]["pass_rate"] <= 1.0
        assert tiny_report[test]["n"] > 0
    shown = Counter(f["test"] for f in tiny_report["failures"])
    assert set(shown) <= set(TESTS) and max(shown.values(), default=0) <= suite.MAX_FAILURES
    assert all({"test", "text", "expected", "got"} <= set(f) for f in tiny_report["failures"])
    assert json.loads(json.dumps(tiny_report)) == tiny_report


def test_report_is_deterministic(tiny_model, tiny_report):
    assert run_suite(tiny_model, seed=0) == tiny_report
    assert run_suite(tiny_model, seed=3) == run_suite(tiny_model, seed=3)


def test_any_sklearn_text_classifier_works():
    texts, labels = zip(*TINY, strict=True)
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(list(texts), list(labels))
    report = run_suite(model)
    assert all(0.0 <= report[test]["pass_rate"] <= 1.0 for test in TESTS)


def test_a_constant_model_is_invariant_but_never_moves():
    texts, labels = zip(*TINY, strict=True)
    model = DummyClassifier(strategy="prior").fit(list(texts), list(labels))
    report = run_suite(model)
    assert report["invariance_names"]["pass_rate"] == 1.0
    assert report["invariance_numbers"]["pass_rate"] == 1.0
    assert report["directional_negation"]["pass_rate"] == 0.0
    assert report["directional_agentless"]["pass_rate"] == 0.0
    assert report["mft"]["pass_rate"] == pytest.approx(1 / 3, abs=1e-3)


def test_directional_tests_need_threat_and_warning_classes():
    model = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(
        ["talks resume", "we strike"], ["neutral", "threat"]
    )
    with pytest.raises(ValueError, match="warning"):
        run_suite(model)


# --- the model trained on the shipped corpus -----------------------------------------------


@pytest.fixture(scope="module")
def corpus_report():
    params = load_params(ROOT / "params.yaml").clean
    statements = clean_batches(
        [read_batch(p, params.columns) for p in list_batches(ROOT / "data/raw")], params
    ).statements
    model = build_pipeline(TrainParams()).fit(statements["text"].tolist(), statements["label"].to_numpy())
    return run_suite(model, seed=0)


def _failures(report: dict, test: str) -> list[str]:
    return [f"{f['text']} (expected {f['expected']}, got {f['got']})" for f in report["failures"] if f["test"] == test]


def test_corpus_model_passes_minimum_functionality(corpus_report):
    assert corpus_report["mft"]["pass_rate"] >= 0.75, _failures(corpus_report, "mft")


def test_corpus_model_is_invariant_to_names(corpus_report):
    assert corpus_report["invariance_names"]["pass_rate"] >= 0.99, _failures(corpus_report, "invariance_names")


def test_corpus_model_lowers_threat_under_negation(corpus_report):
    assert corpus_report["directional_negation"]["pass_rate"] >= 0.8, _failures(corpus_report, "directional_negation")


def test_corpus_model_moves_agentless_consequences_toward_warning(corpus_report):
    assert corpus_report["directional_agentless"]["pass_rate"] >= 0.6, _failures(corpus_report, "directional_agentless")

"""datacard: the corpus → data/README.md, every figure computed from the files.

The prose lives in docs/data_card_template.md; `{{ name }}` placeholders there are
filled with the tables below, so the card cannot drift from the data.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from stance.config import TrainParams
from stance.models import build_pipeline
from stance.stages.report import markdown_table
from stance.stages.split import source_groups

CUE_WORDS = {
    "will": r"\bwill\b",
    "would": r"\bwould\b",
    "if / unless": r"\b(?:if|unless)\b",
    "could / may / might": r"\b(?:could|may|might)\b",
    "risk / danger": r"\b(?:risk|danger)\w*",
    "threat*": r"\bthreat\w*",
    "warn*": r"\bwarn\w*",
    "we / our": r"\b(?:we|our)\b",
    "respond*": r"\brespon\w*",
}
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def render_card(template: str, statements: pd.DataFrame, agreement: dict, ledger: dict, seed: int) -> str:
    """Fill the template's placeholders with figures computed from the corpus."""
    figures = corpus_figures(statements, agreement, ledger, seed)
    missing = sorted(set(_PLACEHOLDER.findall(template)) - set(figures))
    if missing:
        raise KeyError(f"data card template names unknown figures: {', '.join(missing)}")
    return _PLACEHOLDER.sub(lambda m: figures[m.group(1)], template)


def corpus_figures(statements: pd.DataFrame, agreement: dict, ledger: dict, seed: int) -> dict[str, str]:
    words = statements["text"].str.split().str.len()
    diversity = diversity_checks(statements)
    return {
        "n_statements": str(len(statements)),
        "n_states": str(statements["speaker_state"].nunique()),
        "n_topics": str(statements["topic"].nunique()),
        "n_sources": str(statements["source_id"].nunique()),
        "label_tone": _crosstab(statements, "label", "tone"),
        "per_topic": _crosstab(statements, "topic", "label"),
        "per_state": _crosstab(statements, "speaker_state", "label"),
        "per_role": _crosstab(statements, "speaker_role", "label"),
        "per_batch": _ledger_table(ledger),
        "agreement": _agreement_table(agreement),
        "kappa_pairs": _kappa_table(agreement),
        "length": f"mean {words.mean():.1f} words (median {words.median():.0f}, min {words.min()}, "
        f"max {words.max()}); {(words <= 10).mean():.0%} have at most 10 words, {(words >= 30).mean():.0%} at least 30",
        "vocabulary": str(len(CountVectorizer(lowercase=True).fit(statements["text"]).vocabulary_)),
        "max_jaccard": f"{diversity['max_jaccard']:.2f}",
        "top_opening": f"{diversity['top_opening']!r} ({diversity['top_opening_share']:.1%})",
        "cue_shares": _cue_shares(statements),
        "cv_macro_f1": f"{difficulty(statements, seed):.3f}",
    }


def diversity_checks(statements: pd.DataFrame) -> dict:
    """Largest word-set Jaccard between distinct, unmarked statements; most common 4-word opening."""
    vectoriser = CountVectorizer(binary=True, token_pattern=r"[a-z']+")
    matrix = vectoriser.fit_transform(statements["text"].str.lower()).astype(np.float32)
    intersection = (matrix @ matrix.T).toarray()
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    jaccard = intersection / np.maximum(sizes[:, None] + sizes[None, :] - intersection, 1)
    np.fill_diagonal(jaccard, 0)
    marked = _marked_pairs(statements)
    for i, j in marked:
        jaccard[i, j] = jaccard[j, i] = 0
    openings = statements["text"].str.lower().str.findall(r"[a-z']+").str[:4].str.join(" ")
    top = openings.value_counts()
    i, j = np.unravel_index(jaccard.argmax(), jaccard.shape)
    return {
        "max_jaccard": float(jaccard.max()),
        "max_pair": (int(i), int(j)),
        "top_opening": top.index[0],
        "top_opening_share": float(top.iloc[0] / len(statements)),
        "marked_duplicates": len(marked),
    }


def difficulty(statements: pd.DataFrame, seed: int) -> float:
    """10-fold grouped CV macro-F1 of a plain word+char TF-IDF linear SVM (no name masking, no cues)."""
    features = build_pipeline(TrainParams(features=("word", "char"), mask_names=False, combine="concat"))
    plain = make_pipeline(features.named_steps["features"], LinearSVC(class_weight="balanced", random_state=seed))
    folds = StratifiedGroupKFold(n_splits=10, shuffle=True, random_state=seed)
    predicted = cross_val_predict(
        plain, statements["text"].tolist(), statements["label"], cv=folds, groups=source_groups(statements)
    )
    return float(f1_score(statements["label"], predicted, average="macro"))


def _marked_pairs(statements: pd.DataFrame) -> list[tuple[int, int]]:
    if "duplicate_of" not in statements:
        return []
    index = {sid: i for i, sid in enumerate(statements["statement_id"])}
    return [
        (i, index[original]) for i, original in enumerate(statements["duplicate_of"].fillna("")) if original in index
    ]


def _crosstab(statements: pd.DataFrame, rows: str, columns: str) -> str:
    table = pd.crosstab(statements[rows], statements[columns], margins=True, margins_name="total")
    return markdown_table(table.reset_index())


def _ledger_table(ledger: dict) -> str:
    return markdown_table(pd.DataFrame([{"batch": name, **counts} for name, counts in ledger["files"].items()]))


def _agreement_table(agreement: dict) -> str:
    rows = [{"scope": "all multiply-annotated statements", **agreement["alpha"]}]
    rows += [{"scope": f"batch {name}", **value} for name, value in agreement["alpha_per_batch"].items()]
    rows += [{"scope": f"class {name} (one vs rest)", **value} for name, value in agreement["alpha_per_class"].items()]
    return markdown_table(pd.DataFrame(rows).rename(columns={"alpha": "Krippendorff's α"}))


def _kappa_table(agreement: dict) -> str:
    rows = [
        {
            "annotators": " / ".join(p["annotators"]),
            "Cohen's κ": p["kappa"],
            "raw agreement": p["raw_agreement"],
            "shared statements": p["statements"],
        }
        for p in agreement["kappa_pairs"]
    ]
    return markdown_table(pd.DataFrame(rows)) if rows else "(no pair shares 20 statements)"


def _cue_shares(statements: pd.DataFrame) -> str:
    rows = []
    for name, pattern in CUE_WORDS.items():
        has = statements["text"].str.contains(pattern, case=False, regex=True)
        rows.append(
            {
                "cue": name,
                **{
                    label: f"{has[statements['label'] == label].mean():.0%}"
                    for label in sorted(statements["label"].unique())
                },
            }
        )
    return markdown_table(pd.DataFrame(rows))

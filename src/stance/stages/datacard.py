"""datacard: the corpus → data/README.md, every figure computed from the files.

The prose lives in docs/data_card_template.md; `{{ name }}` placeholders there are
filled with the tables below, so the card cannot drift from the data.
"""

from __future__ import annotations

import itertools
import re

import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from stance import paths
from stance.config import Params, TrainParams
from stance.corpus import source_groups
from stance.io import read_frame, read_json, write_text
from stance.markdown import agreement_table, kappa_table, markdown_table
from stance.models import build_pipeline
from stance.similarity import max_jaccard

# The 10-fold difficulty figure is for corpora that fit a quick CV: at 99,743 statements its ten
# word + char TF-IDF fits made the stage take 8.5 minutes and 2.7 GiB (benchmarks/bench_repro.py).
# Above this the card says "not computed (above 20000 statements)".
DIFFICULTY_LIMIT = 20_000
# The columns of data/clean/statements.csv the card reads (not text_original, votes, …: a million rows of them).
STATEMENT_COLUMNS = (
    *("statement_id", "text", "label", "tone", "source_id", "speaker_state", "speaker_role", "topic"),
    *("domain", "duplicate_of"),
)
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


def render_card(template: str, statements: pd.DataFrame, agreement: dict, ledger: dict, seed: int) -> str:
    """Fill the template's placeholders with figures computed from the corpus (a name it lacks is an error)."""
    import jinja2

    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    try:
        return environment.from_string(template).render(corpus_figures(statements, agreement, ledger, seed))
    except jinja2.UndefinedError as exc:
        raise KeyError(f"data card template names an unknown figure: {exc.message}") from None


def corpus_figures(statements: pd.DataFrame, agreement: dict, ledger: dict, seed: int) -> dict[str, str]:
    words = statements["text"].str.count(r"\S+")  # str.split().str.len(), without a list per statement
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
        "per_domain": _crosstab(statements, "domain", "label") if "domain" in statements else "(no domain column)",
        "per_batch": _ledger_table(ledger),
        "agreement": markdown_table(agreement_table(agreement)),
        "kappa_pairs": markdown_table(kappa_table(agreement))
        if agreement["kappa_pairs"]
        else "(no pair shares 20 statements)",
        "length": f"mean {words.mean():.1f} words (median {words.median():.0f}, min {words.min()}, "
        f"max {words.max()}); {(words <= 10).mean():.0%} have at most 10 words, {(words >= 30).mean():.0%} at least 30",
        "vocabulary": str(vocabulary_size(statements["text"])),
        "max_jaccard": f"{diversity['max_jaccard']:.2f}",
        "top_opening": f"{diversity['top_opening']!r} ({diversity['top_opening_share']:.1%})",
        "cue_shares": _cue_shares(statements),
        "cv_macro_f1": f"{difficulty(statements, seed):.3f}"
        if len(statements) <= DIFFICULTY_LIMIT
        else f"not computed (above {DIFFICULTY_LIMIT} statements)",
    }


def vocabulary_size(texts: pd.Series) -> int:
    """Distinct lowercased word tokens (CountVectorizer's): the len of its fitted vocabulary_, without the
    document-term matrix it builds on the way (hundreds of MB at a million statements)."""
    analyse, seen = CountVectorizer(lowercase=True).build_analyzer(), set()
    for text in texts:
        seen.update(analyse(text))
    return len(seen)


def diversity_checks(statements: pd.DataFrame) -> dict:
    """Largest word-set Jaccard between distinct, unmarked statements; most common 4-word opening."""
    marked = {tuple(sorted(pair)) for pair in _marked_pairs(statements)}
    largest, pair = max_jaccard(statements["text"].tolist(), exclude=marked)
    openings = pd.Series([_opening(text) for text in statements["text"]], dtype=object)
    top = openings.value_counts()
    return {
        "max_jaccard": largest,
        "max_pair": pair,
        "top_opening": top.index[0],
        "top_opening_share": float(top.iloc[0] / len(statements)),
        "marked_duplicates": len(marked),
    }


_WORD = re.compile(r"[a-z']+")


def _opening(text: str, words: int = 4) -> str:
    """The first `words` lowercase words of a text, joined by spaces (no list of all its words)."""
    return " ".join(match.group() for match in itertools.islice(_WORD.finditer(text.lower()), words))


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


def run(params: Params, args=None) -> None:
    """The statements, agreement and ledger → data/README.md."""
    card = render_card(
        paths.DATA_CARD_TEMPLATE.read_text(encoding="utf-8"),
        read_frame(paths.STATEMENTS, columns=STATEMENT_COLUMNS),
        read_json(paths.AGREEMENT),
        read_json(paths.CLEAN_LEDGER),
        params.split.seed,
    )
    write_text(card, paths.DATA_CARD)
    print(f"datacard: {paths.DATA_CARD}")

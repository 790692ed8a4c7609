"""Labelling statements with a fitted model: the table in, the table with labels and probabilities out.

predict_frame labels every row of a table the pipeline built itself (evaluate, queue), whose
texts clean has already checked. A user's file (`stance predict`) may hold rows with nothing
to label: text_problems names them, and with_predictions keeps them with empty labels and
probabilities and says why in a `problem` column, so that no such row is labelled silently.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import numpy as np
import pandas as pd

from stance.errors import StanceError
from stance.text import normalise

PREDICTED = "predicted_label"
PROBLEM = "problem"
NO_TEXT = "no text"
# Texts vectorised at once by predict_frame: all 281,062 of a test split at 1M statements took 5.7 GB
# more (hashed char n-grams); one chunk, as before, up to this size.
PREDICT_CHUNK = 20_000


def predict_frame(model, table: pd.DataFrame, source: str = "input") -> pd.DataFrame:
    """The input columns, then predicted_label and one p_<class> column per class."""
    check_text_column(table.columns, source)
    texts = [normalise("" if pd.isna(t) else str(t)) for t in table["text"]]
    classes = list(model.classes_)
    # predict_proba refuses an empty batch; an empty table still gets its prediction columns.
    probabilities = (
        np.concatenate([model.predict_proba(texts[i : i + PREDICT_CHUNK]) for i in range(0, len(texts), PREDICT_CHUNK)])
        if texts
        else np.zeros((0, len(classes)))
    )
    return with_predictions(table, classes, probabilities, probabilities.argmax(axis=1))


def check_text_column(columns, source: str) -> None:
    """Refuse a table without a `text` column, naming the columns it has."""
    if "text" not in columns:
        found = ", ".join(map(shown, columns)) or "none"
        raise StanceError(f"{source}: missing column 'text' (columns found: {found})")


def shown(column) -> str:
    """A column name as a message shows it: as it is, or quoted with escapes if it holds a line
    break or another unprintable character (a message is one line)."""
    name = str(column)
    return name if name.isprintable() else repr(name)


def replaced_columns(columns) -> list[str]:
    """Input columns named like the ones a prediction adds: the output replaces them, so that
    old and new labels or probabilities (say, of a model with other classes) never mix."""
    return [c for c in columns if c in (PREDICTED, PROBLEM) or str(c).startswith("p_")]


def text_problems(texts: Sequence[str], max_chars: int, kinds: Sequence[str | None] | None = None) -> list[str]:
    """Why each normalised text cannot be labelled; "" where it can.

    "no text": nothing but whitespace and invisible format characters (Unicode category Cf,
    such as a zero-width space). "text is not a string (number)": kinds names the JSON type
    of a text that was not a string. "text too long (N characters; …)": over max_chars,
    counted as clean counts them (after normalisation), so predict and clean agree.
    """
    kinds = kinds if kinds else [None] * len(texts)
    return [_problem(text, kind, max_chars) for text, kind in zip(texts, kinds, strict=True)]


def _problem(text: str, kind: str | None, max_chars: int) -> str:
    if kind is not None:
        return f"text is not a string ({kind})"
    if not _has_content(text):
        return NO_TEXT
    if len(text) > max_chars:
        return f"text too long ({len(text)} characters; clean.max_chars is {max_chars})"
    return ""


def _has_content(text: str) -> bool:
    # Stops at the first visible character: one step for almost every text, linear at worst.
    return any(not c.isspace() and unicodedata.category(c) != "Cf" for c in text)


def with_predictions(
    chunk: pd.DataFrame,
    classes: list,
    probabilities: np.ndarray,
    best: np.ndarray,
    problems: Sequence[str] | None = None,
) -> pd.DataFrame:
    """chunk's columns (less those replaced_columns names), then predicted_label and p_<class>.

    probabilities and best (the index of the predicted class) hold one row per row to label.
    With problems, only the rows whose problem is "" were labelled; the others keep empty
    cells, and a final `problem` column gives each row's problem.
    """
    out = chunk.drop(columns=replaced_columns(chunk.columns))
    labelled = np.ones(len(out), dtype=bool) if problems is None else np.asarray([not p for p in problems], bool)
    labels = np.full(len(out), "", dtype=object)
    labels[labelled] = np.asarray(classes, dtype=object)[best]
    out[PREDICTED] = labels
    for i, label in enumerate(classes):
        column = np.full(len(out), np.nan)
        column[labelled] = probabilities[:, i].round(6)
        out[f"p_{label}"] = column
    if problems is not None:
        out[PROBLEM] = list(problems)
    return out

"""Labelling statements with a fitted model: the table in, the table with labels and probabilities out."""

from __future__ import annotations

import pandas as pd

from stance.errors import StanceError
from stance.text import normalise


def predict_frame(model, table: pd.DataFrame, source: str = "input") -> pd.DataFrame:
    """The input columns, then predicted_label and one p_<class> column per class."""
    if "text" not in table.columns:
        found = ", ".join(table.columns) or "none"
        raise StanceError(f"{source}: missing column 'text' (columns found: {found})")
    texts = [normalise("" if pd.isna(t) else str(t)) for t in table["text"]]
    probabilities = model.predict_proba(texts)
    classes = list(model.classes_)
    out = table.copy()
    out["predicted_label"] = [classes[i] for i in probabilities.argmax(axis=1)]
    for i, label in enumerate(classes):
        out[f"p_{label}"] = probabilities[:, i].round(6)
    return out

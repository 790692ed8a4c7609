"""Facts about a table of labelled statements that several stages rely on."""

from __future__ import annotations

import pandas as pd

from stance.errors import StanceError


def source_groups(statements: pd.DataFrame) -> pd.Series:
    """The document each statement came from; a statement without one is its own document."""
    if "source_id" not in statements:
        return statements["statement_id"]
    source = statements["source_id"].fillna("").astype(str).str.strip()
    return source.where(source != "", "statement:" + statements["statement_id"])


def check_class_sizes(labels: pd.Series, minimum: int, purpose: str) -> None:
    """Raise StanceError unless at least two classes each have `minimum` statements."""
    counts = labels.value_counts()
    if len(counts) < 2:
        only = counts.index[0] if len(counts) else "none"
        raise StanceError(f"only one class in the data ({only!r}); at least two are needed to {purpose}")
    small = counts[counts < minimum]
    if not small.empty:
        label, count = small.index[0], int(small.iloc[0])
        raise StanceError(f"class {label!r} has {count} statement(s); at least {minimum} are needed to {purpose}")


def check_labels_present(labels: pd.Series, expected: tuple[str, ...]) -> None:
    """Every label params name must have statements: a class with none cannot be learned or scored."""
    absent = [label for label in expected if label not in set(labels)]
    if absent:
        raise StanceError(
            f"label {absent[0]!r} (in params clean.labels) has no statements in the data; "
            "label some, or remove it from clean.labels"
        )

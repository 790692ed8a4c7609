"""split: statements → train and test sets, stratified by label, grouped by source document.

No source document contributes to both sides, so the test score is not inflated by
sentences that share a press release with training sentences.
"""

from __future__ import annotations

import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from stance.config import SplitParams
from stance.errors import StanceError


def split_statements(statements: pd.DataFrame, params: SplitParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (train, test); raise StanceError when a class is too small to split."""
    n_folds = max(2, round(1 / params.test_size))
    check_class_sizes(statements["label"], minimum=n_folds, purpose=f"split with test_size={params.test_size}")
    folds = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=params.seed)
    train_index, test_index = next(folds.split(statements, statements["label"], source_groups(statements)))
    return statements.iloc[train_index].reset_index(drop=True), statements.iloc[test_index].reset_index(drop=True)


def source_groups(statements: pd.DataFrame) -> pd.Series:
    """The document each statement came from; a statement without one is its own document."""
    if "source_id" not in statements:
        return statements["statement_id"]
    source = statements["source_id"].fillna("").astype(str).str.strip()
    return source.where(source != "", "statement:" + statements["statement_id"])


def check_class_sizes(labels: pd.Series, minimum: int, purpose: str) -> None:
    counts = labels.value_counts()
    if len(counts) < 2:
        only = counts.index[0] if len(counts) else "none"
        raise StanceError(f"only one class in the data ({only!r}); at least two are needed to {purpose}")
    small = counts[counts < minimum]
    if not small.empty:
        label, count = small.index[0], int(small.iloc[0])
        raise StanceError(f"class {label!r} has {count} statement(s); at least {minimum} are needed to {purpose}")

"""split: statements → train and test sets, stratified by label, grouped by source document.

No source document contributes to both sides, so the test score is not inflated by
sentences that share a press release with training sentences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import StratifiedGroupKFold

from stance.config import SplitParams
from stance.errors import StanceError


def split_statements(statements: pd.DataFrame, params: SplitParams) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Return (train, test, summary); raise StanceError when a class is too small to split.

    After the grouped split, any test statement whose word set is near-identical to a
    training statement's (Jaccard above the threshold) moves to training with its whole
    source document, so the test score is not flattered by near-copies.
    """
    n_folds = max(2, round(1 / params.test_size))
    check_class_sizes(statements["label"], minimum=n_folds, purpose=f"split with test_size={params.test_size}")
    folds = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=params.seed)
    groups = source_groups(statements)
    _, test_index = next(folds.split(statements, statements["label"], groups))
    in_test = np.zeros(len(statements), dtype=bool)
    in_test[test_index] = True
    near = near_duplicates(statements["text"][in_test], statements["text"][~in_test], params.near_duplicate_threshold)
    moved_groups = set(groups[in_test][near])
    in_test &= ~groups.isin(moved_groups).to_numpy()
    summary = {
        "train": int((~in_test).sum()),
        "test": int(in_test.sum()),
        "near_duplicate_threshold": params.near_duplicate_threshold,
        "near_duplicates_found": int(near.sum()),
        "statements_moved_to_train": int(len(test_index) - in_test.sum()),
    }
    return (statements[~in_test].reset_index(drop=True), statements[in_test].reset_index(drop=True), summary)


def near_duplicates(candidates: pd.Series, reference: pd.Series, threshold: float) -> np.ndarray:
    """For each candidate text, whether some reference text shares more than `threshold` of its word set."""
    if candidates.empty or reference.empty:
        return np.zeros(len(candidates), dtype=bool)
    vectoriser = CountVectorizer(binary=True, token_pattern=r"[a-z0-9']+").fit(
        pd.concat([candidates, reference]).str.lower()
    )
    a, b = vectoriser.transform(candidates.str.lower()), vectoriser.transform(reference.str.lower())
    shared = (a @ b.T).toarray()
    union = np.asarray(a.sum(axis=1)) + np.asarray(b.sum(axis=1)).T - shared
    return (shared / np.maximum(union, 1)).max(axis=1) > threshold


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


def check_labels_present(labels: pd.Series, expected: tuple[str, ...]) -> None:
    """Every label params name must have statements: a class with none cannot be learned or scored."""
    absent = [label for label in expected if label not in set(labels)]
    if absent:
        raise StanceError(
            f"label {absent[0]!r} (in params clean.labels) has no statements in the data; "
            "label some, or remove it from clean.labels"
        )

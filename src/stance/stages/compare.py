"""compare: are two revisions' test predictions really different, or is it noise?"""

from __future__ import annotations

import pandas as pd

from stance.errors import StanceError
from stance.metrics import paired_comparison


def compare_predictions(
    first: pd.DataFrame, second: pd.DataFrame, labels: list[str], resamples: int, seed: int
) -> dict:
    """Paired comparison on the statements both revisions predicted, with the same gold label."""
    shared = first.merge(second, on=["statement_id", "actual"], suffixes=("_first", "_second"))
    if shared.empty:
        raise StanceError("the two revisions share no test statement with the same gold label; nothing to compare")
    result = paired_comparison(
        shared["actual"], shared["predicted_first"], shared["predicted_second"], labels, resamples, seed
    )
    result["only_in_first"] = int(len(first) - len(shared))
    result["only_in_second"] = int(len(second) - len(shared))
    return result

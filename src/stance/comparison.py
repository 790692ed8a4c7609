"""Is the difference between two revisions' test predictions real, or noise?

Both the report (this run against the previous commit) and `stance compare REV_A REV_B`
use these functions, so they cannot disagree.
"""

from __future__ import annotations

import pandas as pd

from stance.errors import StanceError
from stance.metrics import paired_comparison

MIN_SHARED = 0.8  # below this share of either side's test statements, a comparison says little


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
    result["first_total"], result["second_total"] = len(first), len(second)
    result["shared_share_first"] = round(len(shared) / len(first), 4)
    result["shared_share_second"] = round(len(shared) / len(second), 4)
    result["verdict"] = verdict(result)
    return result


def verdict(result: dict) -> str:
    """ "significant gain", "significant loss" or "within noise", from the paired-bootstrap CI of the difference."""
    low, high = result["macro_f1_difference_ci95"]
    if low > 0:
        return "significant gain"
    if high < 0:
        return "significant loss"
    return "within noise"


def warnings(result: dict) -> list[str]:
    """What makes a comparison weak: too few shared statements on either side."""
    out = []
    for side in ("first", "second"):
        share = result[f"shared_share_{side}"]
        if share < MIN_SHARED:
            out.append(
                f"only {share:.0%} of the {side} revision's {result[f'{side}_total']} test statements are shared; "
                "the two test sets differ, so the comparison covers part of each"
            )
    return out


def summary_line(result: dict, first: str, second: str) -> str:
    """One sentence a reader can cite."""
    low, high = result["macro_f1_difference_ci95"]
    return (
        f"{first} → {second}: macro-F1 {result['macro_f1_difference']:+.4f} (95% paired-bootstrap CI "
        f"[{low:+.4f}, {high:+.4f}]) on {result['n']} shared test statements; McNemar exact p = "
        f"{result['mcnemar']['p_value']} ({result['mcnemar']['only_first_correct']} right only before, "
        f"{result['mcnemar']['only_second_correct']} right only after)"
    )

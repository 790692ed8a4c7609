"""`stance compare REV_A REV_B`: is the change in test predictions between two revisions real or noise?"""

from __future__ import annotations

import json

from stance import paths
from stance.comparison import compare_predictions, summary_line, warnings
from stance.config import Params
from stance.errors import StanceError
from stance.revisions import read_at_revision

COLUMNS = ("statement_id", "actual", "predicted")


def run(params: Params, args) -> None:
    """Print a small table and a `verdict:` line (or the whole result as JSON with --json)."""
    first, second = (_predictions(rev) for rev in (args.rev_a, args.rev_b))
    labels = list(params.clean.labels)
    result = compare_predictions(first, second, labels, params.evaluate.bootstrap, params.evaluate.seed)
    problems = warnings(result)
    if args.json:
        print(json.dumps({"first": args.rev_a, "second": args.rev_b, **result, "warnings": problems}, indent=2))
        return
    rows = [
        ("test statements", result["first_total"], result["second_total"]),
        (
            "shared",
            f"{result['n']} ({result['shared_share_first']:.0%})",
            f"{result['n']} ({result['shared_share_second']:.0%})",
        ),
        ("right only here", result["mcnemar"]["only_first_correct"], result["mcnemar"]["only_second_correct"]),
    ]
    width = max(len(args.rev_a), len(args.rev_b), 12)
    print(f"{'':<18}{args.rev_a:>{width}}  {args.rev_b:>{width}}")
    for name, a, b in rows:
        print(f"{name:<18}{a!s:>{width}}  {b!s:>{width}}")
    print(summary_line(result, args.rev_a, args.rev_b))
    for problem in problems:
        print(f"warning: {problem}")
    print(f"verdict: {result['verdict']}")


def _predictions(rev: str):
    """The test predictions at `rev`, refused if a column compare needs is missing."""
    table = read_at_revision(paths.PREDICTIONS, rev, required=True)
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        found = ", ".join(map(repr, table.columns)) or "none"
        raise StanceError(
            f"{paths.PREDICTIONS} at revision {rev!r}: missing column {missing[0]!r} (columns found: {found})"
        )
    return table

"""agreement: the votes → Krippendorff's α (overall, per batch, per class) and Cohen's κ per annotator pair."""

from __future__ import annotations

from stance import paths
from stance.agreement import agreement
from stance.config import Params
from stance.io import read_frame, write_json


def run(params: Params, args=None) -> None:
    """data/clean/votes.csv → reports/agreement.json."""
    result = agreement(read_frame(paths.VOTES), list(params.clean.labels))
    write_json(result, paths.AGREEMENT)
    print(f"agreement: Krippendorff's alpha {result['alpha']['alpha']} over {result['alpha']['statements']} statements")

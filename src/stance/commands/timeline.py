"""`stance timeline`: stance over time — per speaker and period, the share of threats and of warnings."""

from __future__ import annotations

from pathlib import Path

from stance.config import Params
from stance.errors import StanceError
from stance.io import read_table, write_csv
from stance.timeline import stance_over_time, timeline_figure


def run(params: Params, args) -> None:
    """Predictions (predicted_label) or labels (label) with `speaker` and `date` → a table and a figure."""
    from stance.plots import save_figure

    rows = read_table(args.input)
    label = "predicted_label" if "predicted_label" in rows else "label"
    missing = [c for c in ("speaker", "date", label) if c not in rows]
    if missing:
        raise StanceError(f"{args.input}: missing column {missing[0]!r} (need speaker, date and a label)")
    settings = params.timeline
    table, skipped = stance_over_time(
        rows, label, period=settings.period, min_count=settings.min_count, resamples=settings.resamples
    )
    write_csv(table, Path(args.output))
    if args.figure:
        save_figure(timeline_figure(table), Path(args.figure))
    print(f"timeline: {len(table)} speaker-period cells ({skipped} rows without a usable date) → {args.output}")

"""Stance over time: per speaker and period, the share of threats and warnings with bootstrap intervals.

`stance_over_time` builds the table; `timeline_figure` draws threat share per speaker. Both are pure: they
take and return frames and figures, and write nothing.

Why the choices:
- A cell (speaker × period) is a sample of that speaker's statements, so its 95% interval is a percentile
  bootstrap over those statements. Resampling n labels with replacement is a multinomial draw of the label
  counts, so the counts are drawn directly: the same distribution, in O(resamples) per cell instead of
  O(resamples × n), and threat and warning shares come from the same resamples.
- Each cell gets its own random stream derived from (seed, speaker, period), so a cell's interval does not
  change when other speakers or periods are added to the input.
- Cells with fewer than `min_count` statements are kept and flagged (enough=False) rather than dropped, so
  a reader can see that the speaker spoke, and the figure marks them without presenting them as facts.
"""

from __future__ import annotations

import re
import zlib
from typing import NamedTuple

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from stance.errors import StanceError

LABELS = ("threat", "warning", "neutral")
COLUMNS = [
    "speaker",
    "period",
    "n",
    "threat_share",
    "threat_low",
    "threat_high",
    "warning_share",
    "warning_low",
    "warning_high",
    "enough",
]
_ISO_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ][0-9:.+\-Z]*)?\s*$")


class Timeline(NamedTuple):
    """The per-speaker, per-period table and how many rows were left out for a missing or bad date."""

    table: pd.DataFrame
    skipped: int


def stance_over_time(
    rows: pd.DataFrame,
    label_column: str,
    period: str = "M",
    min_count: int = 5,
    resamples: int = 1000,
    seed: int = 42,
) -> Timeline:
    """Threat and warning shares per speaker and period, each with a percentile bootstrap 95% interval.

    rows: columns speaker, date (ISO date strings; a time after the date is ignored) and `label_column`
    (threat / warning / neutral, any case). Rows whose date is empty or not a valid ISO date are left out
    and counted in `skipped`. period: a pandas period alias ("M" month, "Q" quarter, "W" week, …). The table
    has one row per speaker and period with statements, sorted by speaker then period; `enough` is
    n >= min_count.
    """
    _check_arguments(rows, label_column, period, resamples)
    dates = parse_dates(rows["date"])
    kept = dates.notna().to_numpy()
    frame = pd.DataFrame(
        {
            "speaker": rows["speaker"][kept].fillna("").astype(str).str.strip(),
            "period": dates[kept].dt.to_period(period),
            "label": _labels(rows[label_column][kept]),  # a row left out for its date is not judged on its label
        }
    )
    cells = [
        _cell(speaker, when, group["label"], min_count, resamples, seed)
        for (speaker, when), group in frame.groupby(["speaker", "period"], sort=True)
    ]
    table = pd.DataFrame(cells, columns=COLUMNS)
    if table.empty:
        table = table.astype({"period": pd.PeriodDtype(period), "n": "int64", "enough": "bool"})
    return Timeline(table=table.reset_index(drop=True), skipped=int((~kept).sum()))


def parse_dates(values: pd.Series) -> pd.Series:
    """Datetimes for ISO dates (YYYY-MM-DD, optionally followed by a time); NaT for anything else."""
    text = values.fillna("").astype(str).str.extract(_ISO_DATE, expand=False)
    return pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")


def _check_arguments(rows: pd.DataFrame, label_column: str, period: str, resamples: int) -> None:
    missing = [c for c in ("speaker", "date", label_column) if c not in rows.columns]
    if missing:
        raise StanceError(f"stance over time: missing column {missing[0]!r} (need speaker, date, {label_column})")
    if resamples < 1:
        raise StanceError(f"stance over time: resamples must be at least 1 (got {resamples})")
    try:
        pd.Period("2000-01-01", freq=period)
    except (ValueError, TypeError):
        raise StanceError(f"stance over time: unknown period {period!r} (use a pandas period alias: M, Q, W)") from None


def _labels(values: pd.Series) -> pd.Series:
    labels = values.fillna("").astype(str).str.strip().str.lower()
    unknown = labels[~labels.isin(LABELS)]
    if not unknown.empty:
        raise StanceError(
            f"stance over time: unknown label {values[unknown.index[0]]!r} in row {unknown.index[0]} "
            f"(expected {', '.join(LABELS)})"
        )
    return labels


def _cell(
    speaker: str, when: pd.Period, labels: pd.Series, min_count: int, resamples: int, seed: int
) -> dict[str, object]:
    counts = np.array([(labels == label).sum() for label in LABELS])
    n = int(counts.sum())
    shares = counts / n
    # counts of a resample of n statements drawn with replacement from this cell
    draws = _cell_rng(seed, speaker, when).multinomial(n, shares, size=resamples) / n
    low, high = np.percentile(draws[:, :2], [2.5, 97.5], axis=0)
    return {
        "speaker": speaker,
        "period": when,
        "n": n,
        "threat_share": float(shares[0]),
        "threat_low": float(low[0]),
        "threat_high": float(high[0]),
        "warning_share": float(shares[1]),
        "warning_low": float(low[1]),
        "warning_high": float(high[1]),
        "enough": n >= min_count,
    }


def _cell_rng(seed: int, speaker: str, when: pd.Period) -> np.random.Generator:
    """A generator for one cell: fixed by the seed and the cell, whatever else is in the data."""
    key = zlib.crc32(f"{speaker}\x00{when}".encode())
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(key,)))


# --------------------------------------------------------------------------------------------------
# Figure
# --------------------------------------------------------------------------------------------------


def timeline_figure(table: pd.DataFrame, top: int = 6, title: str = "Threat share over time") -> Figure:
    """Threat share per period, one line with a 95% band per speaker (the `top` speakers with most statements).

    Periods with too few statements (enough=False) are hollow markers that no line or band passes through:
    they are marked, not plotted as facts. Built without pyplot, so no GUI backend or global state is
    involved; Figure.savefig renders PNG with Agg.
    """
    figure = Figure(figsize=(8.0, 4.5), dpi=100)
    axes = figure.subplots()
    speakers = _top_speakers(table, top)
    if not speakers:
        axes.text(0.5, 0.5, "no dated statements", ha="center", va="center", transform=axes.transAxes)
        axes.set_title(title)
        return figure
    chosen = table[table["speaker"].isin(speakers)]
    periods = pd.period_range(chosen["period"].min(), chosen["period"].max())
    position = {p: i for i, p in enumerate(periods)}
    colours = [f"C{i}" for i in range(len(speakers))]
    for speaker, colour in zip(speakers, colours, strict=True):
        cells = chosen[chosen["speaker"] == speaker]
        _draw_speaker(axes, cells, position, len(periods), speaker or "(no speaker)", colour)
    ticks, labels = _ticks(periods)
    axes.set_xticks(ticks, labels, rotation=45, ha="right")
    axes.set_ylim(-0.02, 1.02)
    axes.set_xlim(-0.5, len(periods) - 0.5)
    axes.set_ylabel("threat share (95% bootstrap interval)")
    axes.set_xlabel("period")
    total = table["speaker"].nunique()
    shown = f"{len(speakers)} of {total} speakers, those with most statements" if total > len(speakers) else ""
    axes.set_title(f"{title} ({shown})" if shown else title)
    handles, _ = axes.get_legend_handles_labels()
    hollow = Line2D([], [], marker="o", linestyle="none", markerfacecolor="none", color="grey")
    axes.legend(
        [*handles, hollow],
        [*(s or "(no speaker)" for s in speakers), "too few statements (not joined)"],
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    figure.tight_layout()
    return figure


def _top_speakers(table: pd.DataFrame, top: int) -> list[str]:
    totals = table.groupby("speaker")["n"].sum().reset_index()
    totals = totals.sort_values(["n", "speaker"], ascending=[False, True])  # ties: by name, for stable output
    return totals["speaker"].head(top).tolist()


def _draw_speaker(axes, cells: pd.DataFrame, position: dict, length: int, name: str, colour: str) -> None:
    """A line and band over the periods with enough statements; NaN elsewhere breaks both."""
    share, low, high = (np.full(length, np.nan) for _ in range(3))
    solid = cells[cells["enough"]]
    index = [position[p] for p in solid["period"]]
    share[index], low[index], high[index] = solid["threat_share"], solid["threat_low"], solid["threat_high"]
    x = np.arange(length)
    axes.plot(x, share, marker="o", color=colour, label=name)
    axes.fill_between(x, low, high, color=colour, alpha=0.15, linewidth=0)
    # a run of one period has no width to fill: show its interval as a bar
    alone = _isolated(index)
    axes.vlines(alone, low[alone], high[alone], color=colour, alpha=0.4, linewidth=3)
    sparse = cells[~cells["enough"]]
    axes.plot(
        [position[p] for p in sparse["period"]],
        sparse["threat_share"],
        marker="o",
        linestyle="none",
        markerfacecolor="none",
        color=colour,
    )


def _isolated(index: list[int]) -> list[int]:
    """Positions with no neighbour in `index`."""
    taken = set(index)
    return [i for i in index if i - 1 not in taken and i + 1 not in taken]


def _ticks(periods: pd.PeriodIndex) -> tuple[list[int], list[str]]:
    """At most about twelve labelled periods, so labels stay readable on long ranges."""
    step = max(1, int(np.ceil(len(periods) / 12)))
    return list(range(0, len(periods), step)), [str(p) for p in periods[::step]]

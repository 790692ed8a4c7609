"""Figures for the reports, drawn with matplotlib's non-interactive backend."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.metrics import confusion_matrix

from stance.io import atomic_path


def confusion_figure(actual, predicted, labels: list[str], title: str):
    """A labelled confusion-matrix heat map (rows: gold, columns: predicted)."""
    matrix = confusion_matrix(actual, predicted, labels=labels)
    figure, axes = plt.subplots(figsize=(4.8, 4.2), dpi=100)
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels)
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("gold")
    axes.set_title(title)
    for (row, col), count in pd.DataFrame(matrix).stack().items():
        colour = "white" if count > matrix.max() / 2 else "black"
        axes.text(col, row, str(count), ha="center", va="center", color=colour)
    figure.tight_layout()
    return figure


def save_figure(figure, path: Path) -> None:
    """Save a PNG atomically, without timestamps, so reruns give identical bytes."""
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", metadata={"Software": None})
    plt.close(figure)


def line_figure(frame: pd.DataFrame, x: str, y: str, title: str, group: str | None = None, diagonal: bool = False):
    """A line chart of y against x, one line per value of `group`."""
    figure, axes = plt.subplots(figsize=(5.2, 4.0), dpi=100)
    groups = frame.groupby(group, sort=False) if group else [(None, frame)]
    for name, part in groups:
        axes.plot(part[x], part[y], marker="o" if len(part) < 30 else None, markersize=3, label=name)
    if diagonal:
        axes.plot([0, 1], [0, 1], linestyle=":", color="grey")
    axes.set_xlabel(x.replace("_", " "))
    axes.set_ylabel(y.replace("_", " "))
    axes.set_title(title)
    if group:
        axes.legend()
    figure.tight_layout()
    return figure


def bars_figure(
    labels: list[str],
    values: list[float],
    title: str,
    errors: list[float] | list[tuple[float, float]] | None = None,
    xlabel: str = "",
    highlight: list[bool] | None = None,
    zoom: bool = False,
):
    """Horizontal bars, top to bottom in the given order, optionally with error bars.

    zoom: draw points with their intervals on an axis fitted to the data instead of bars
    from zero, so that differences of 0.01 stay visible (bars would then mislead).
    errors: symmetric half-widths, or (low, high) interval ends.
    """
    figure, axes = plt.subplots(figsize=(7.2, 0.3 * len(labels) + 1.3), dpi=100)
    colours = ["#1f77b4" if not highlight or h else "#b0b0b0" for h in (highlight or [True] * len(labels))]
    positions = list(range(len(labels)))
    spans = _error_spans(values, errors)
    if zoom:
        for y, value, (low, high), colour in zip(positions, values, spans, colours, strict=True):
            axes.errorbar(value, y, xerr=[[value - low], [high - value]], fmt="o", color=colour, capsize=3)
        lowest, highest = min(low for low, _ in spans), max(high for _, high in spans)
        margin = max((highest - lowest) * 0.08, 0.005)
        axes.set_xlim(lowest - margin, highest + margin)
        axes.grid(axis="x", linestyle=":", alpha=0.6)
    else:
        xerr = (
            None
            if errors is None
            else [
                [v - low for v, (low, _) in zip(values, spans, strict=True)],
                [high - v for v, (_, high) in zip(values, spans, strict=True)],
            ]
        )
        axes.barh(positions, values, xerr=xerr, color=colours, capsize=2)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.set_title(title, fontsize=10, loc="left")
    figure.tight_layout()
    return figure


def _error_spans(values: list[float], errors) -> list[tuple[float, float]]:
    if errors is None:
        return [(v, v) for v in values]
    return [
        (e[0], e[1]) if isinstance(e, (tuple, list)) else (v - e, v + e) for v, e in zip(values, errors, strict=True)
    ]


def message_figure(title: str, message: str):
    """A small figure that says why there is nothing to draw (a stage still writes every output)."""
    figure, axes = plt.subplots(figsize=(7.2, 1.2), dpi=100)
    axes.axis("off")
    axes.set_title(title, fontsize=10, loc="left")
    axes.text(0.0, 0.4, message, fontsize=9, transform=axes.transAxes)
    return figure


def short_overrides(overrides: dict) -> str:
    """{"classifier": "logreg", "combine": "vote", "features": ["word", "cues"]} → "logreg · vote · word+cues"."""
    return (
        " · ".join("+".join(v) if isinstance(v, list) else str(v) for _, v in sorted(overrides.items())) or "as given"
    )


def selection_figure(table: pd.DataFrame):
    """Grouped-CV macro-F1 (mean ± std) per candidate; reference candidates in grey."""
    if table.empty:
        return message_figure("model selection", "select.enabled is false: the recipe in train.* is trained as given.")
    import json

    labels = [short_overrides(json.loads(p)) for p in table["params"]]
    return bars_figure(
        labels,
        table["cv_macro_f1_mean"].tolist(),
        "model selection: grouped-CV macro-F1, mean ± std (grey: reference only)",
        errors=table["cv_macro_f1_std"].tolist(),
        xlabel="macro-F1",
        highlight=[str(e) in ("True", "true") for e in table["eligible"]],
        zoom=True,
    )

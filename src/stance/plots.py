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
    errors: list[float] | None = None,
    xlabel: str = "",
    highlight: list[bool] | None = None,
):
    """Horizontal bars, top to bottom in the given order, optionally with error bars."""
    figure, axes = plt.subplots(figsize=(6.4, 0.28 * len(labels) + 1.2), dpi=100)
    colours = ["#1f77b4" if not highlight or h else "#b0b0b0" for h in (highlight or [True] * len(labels))]
    axes.barh(range(len(labels)), values, xerr=errors, color=colours, capsize=2)
    axes.set_yticks(range(len(labels)), labels, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlabel(xlabel)
    axes.set_title(title)
    figure.tight_layout()
    return figure

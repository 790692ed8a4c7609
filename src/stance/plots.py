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

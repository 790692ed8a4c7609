"""report: corpus summary, cleaning ledger and metrics → reports/report.md."""

from __future__ import annotations

import pandas as pd


def render_report(statements: pd.DataFrame, ledger: dict, metrics: dict, confusion_png: str) -> str:
    """The Markdown report; figures are referenced relative to the report's folder."""
    sections = [
        "# Stance model report",
        _corpus(statements),
        _cleaning(ledger),
        _metrics(metrics["test"]),
        f"## Confusion matrix (test)\n\n![confusion matrix]({confusion_png})",
        _per_class(metrics["test"]),
    ]
    return "\n\n".join(sections) + "\n"


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table, with pipes in cells escaped."""

    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def _counts(series: pd.Series, name: str) -> pd.DataFrame:
    counts = series.value_counts().sort_index()
    share = (counts / counts.sum() * 100).round(1)
    return pd.DataFrame({name: counts.index, "statements": counts.values, "share %": share.values})


def _corpus(statements: pd.DataFrame) -> str:
    parts = [
        f"## Corpus\n\n{len(statements)} adjudicated statements.",
        "### Per label\n\n" + markdown_table(_counts(statements["label"], "label")),
        "### Per batch (where each statement was first labelled)\n\n"
        + markdown_table(_counts(statements["first_batch"], "batch")),
    ]
    if "tone" in statements and statements["tone"].fillna("").ne("").any():
        table = pd.crosstab(statements["label"], statements["tone"].fillna("").replace("", "(none)"))
        parts.append("### Label × tone\n\n" + markdown_table(table.reset_index()))
    return "\n\n".join(parts)


def _cleaning(ledger: dict) -> str:
    files = pd.DataFrame([{"file": name, **counts} for name, counts in ledger["files"].items()])
    total = pd.DataFrame([{"file": "**total**", **ledger["total"]}])
    reasons = pd.DataFrame(list(ledger["reasons"].items()), columns=["reason", "rows"])
    text = "## Cleaning\n\nEvery row read is kept, merged into another statement, or rejected.\n\n"
    text += markdown_table(pd.concat([files, total], ignore_index=True))
    if not reasons.empty:
        text += "\n\n### Rejected rows by reason\n\n" + markdown_table(reasons)
    return text


def _metrics(test: dict) -> str:
    table = pd.DataFrame([{"statements": test["n"], "macro-F1": test["macro_f1"], "accuracy": test["accuracy"]}])
    return "## Metrics (held-out test split)\n\n" + markdown_table(table)


def _per_class(test: dict) -> str:
    table = pd.DataFrame([{"class": label, **scores} for label, scores in test["per_class"].items()])
    return "## Per class (test)\n\n" + markdown_table(table)

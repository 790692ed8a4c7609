"""Tables as Markdown, and the agreement table, shared by the data card and the report."""

from __future__ import annotations

import html

import pandas as pd


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table: pipes escaped, HTML in cells neutralised."""

    def cell(value) -> str:
        return html.escape(str(value), quote=False).replace("|", "\\|").replace("\n", " ").replace("\r", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def agreement_table(agreement: dict) -> pd.DataFrame:
    """Krippendorff's α overall, per batch and per class (one vs rest); scopes with no α are left out."""
    rows = [{"scope": "all multiply-annotated statements", **agreement["alpha"]}]
    rows += [{"scope": f"batch {name}", **value} for name, value in agreement["alpha_per_batch"].items()]
    rows += [{"scope": f"class {name} (one vs rest)", **value} for name, value in agreement["alpha_per_class"].items()]
    table = pd.DataFrame(rows)
    return table[table["alpha"].notna()].rename(columns={"alpha": "Krippendorff's α"}).reset_index(drop=True)


def kappa_table(agreement: dict) -> pd.DataFrame:
    """Cohen's κ per annotator pair with their raw agreement and the statements they share."""
    return pd.DataFrame(
        [
            {
                "annotators": " / ".join(p["annotators"]),
                "Cohen's κ": p["kappa"],
                "raw agreement": p["raw_agreement"],
                "shared statements": p["statements"],
            }
            for p in agreement["kappa_pairs"]
        ],
        columns=["annotators", "Cohen's κ", "raw agreement", "shared statements"],
    )

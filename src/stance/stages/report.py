"""report: everything a researcher cites → reports/report.md and a self-contained reports/report.html.

Both files come from one list of sections, so they cannot disagree. The HTML embeds its
figures as data URIs, escapes every piece of text, and carries a Content-Security-Policy
that forbids loading anything, so it opens offline and nothing in it can call out.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


@dataclass(frozen=True)
class Figure:
    path: Path  # relative to the report's folder
    caption: str


@dataclass(frozen=True)
class Section:
    title: str
    blocks: list = field(default_factory=list)  # str (a paragraph), pd.DataFrame, or Figure


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table, with pipes in cells escaped."""

    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])


def to_markdown(title: str, sections: list[Section]) -> str:
    parts = [f"# {title}"]
    for section in sections:
        parts.append(f"## {section.title}")
        for block in section.blocks:
            if isinstance(block, pd.DataFrame):
                parts.append(markdown_table(block) if not block.empty else "(none)")
            elif isinstance(block, Figure):
                parts.append(f"![{block.caption}]({block.path.as_posix()})")
            else:
                parts.append(block)
    return "\n\n".join(parts) + "\n"


_STYLE = (
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}td,th{border:1px solid #ccc;padding:.2rem .5rem}"
    "th{background:#f3f3f3}img{max-width:100%}figcaption{font-size:.85rem;color:#555}"
)
_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def to_html(title: str, sections: list[Section], root: Path) -> str:
    """One HTML file; figures read from `root`/path and embedded; all text escaped."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    for section in sections:
        body.append(f"<h2>{html.escape(section.title)}</h2>")
        for block in section.blocks:
            if isinstance(block, pd.DataFrame):
                body.append(_html_table(block))
            elif isinstance(block, Figure):
                data = base64.b64encode((root / block.path).read_bytes()).decode("ascii")
                caption = html.escape(block.caption)
                body.append(
                    f'<figure><img alt="{caption}" src="data:image/png;base64,{data}">'
                    f"<figcaption>{caption}</figcaption></figure>"
                )
            else:
                body.append(f"<p>{html.escape(block)}</p>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _html_table(frame: pd.DataFrame) -> str:
    if frame.empty:
        return "<p>(none)</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


@dataclass(frozen=True)
class ReportInputs:
    statements: pd.DataFrame
    ledger: dict
    split: dict
    agreement: dict
    label_changes: pd.DataFrame
    disputed: pd.DataFrame
    selection: pd.DataFrame
    chosen: dict
    metrics: dict
    tone_metrics: dict
    slices: pd.DataFrame
    top_features: pd.DataFrame
    errors: pd.DataFrame
    ablation: pd.DataFrame
    suspects: pd.DataFrame
    queue: pd.DataFrame
    behaviour: dict | None = None
    comparison: dict | None = None
    figures: dict[str, Path] = field(default_factory=dict)


def build_sections(r: ReportInputs) -> list[Section]:
    """Every section of the report, in reading order."""
    fig = r.figures
    return [
        Section(
            "Corpus",
            [
                f"{len(r.statements)} adjudicated statements.",
                _counts(r.statements["label"], "label"),
                _counts(r.statements["first_batch"], "batch (first labelled)"),
                *(
                    [pd.crosstab(r.statements["label"], r.statements["tone"]).reset_index()]
                    if "tone" in r.statements and r.statements["tone"].ne("").any()
                    else []
                ),
            ],
        ),
        Section(
            "Cleaning ledger",
            [
                "Every row read is kept, merged into another statement as a vote, or rejected with its reason "
                "(data/clean/rejects.csv).",
                pd.DataFrame(
                    [{"file": name, **counts} for name, counts in r.ledger["files"].items()]
                    + [{"file": "total", **r.ledger["total"]}]
                ),
                pd.DataFrame(list(r.ledger["reasons"].items()), columns=["reason", "rows"]),
            ],
        ),
        Section(
            "Split",
            [
                f"{r.split['train']} training and {r.split['test']} test statements, stratified by label and "
                f"grouped by source document. {r.split['near_duplicates_found']} test statement(s) were "
                f"near-duplicates of training statements (word-set Jaccard > "
                f"{r.split['near_duplicate_threshold']}); they and their documents "
                f"({r.split['statements_moved_to_train']} statement(s)) were moved to training."
            ],
        ),
        Section("Annotator agreement", _agreement_blocks(r.agreement)),
        Section("What the new labels changed", _change_blocks(r.label_changes, r.disputed)),
        Section(
            "Model selection",
            [
                f"Grouped {r.chosen.get('folds', '?')}-fold cross-validation on the training split; chosen: "
                f"{r.chosen.get('candidate', 'none')} {r.chosen.get('overrides', {})} "
                f"(CV macro-F1 {r.chosen.get('cv_macro_f1_mean', float('nan')):.3f} ± "
                f"{r.chosen.get('cv_macro_f1_std', float('nan')):.3f}). Candidates marked not eligible are "
                "shown for reference only.",
                r.selection,
                *(
                    [Figure(fig["selection"], "cross-validated macro-F1 per candidate (mean ± std)")]
                    if "selection" in fig
                    else []
                ),
            ],
        ),
        Section("Metrics (held-out test split)", [_metrics_table(r.metrics), _per_class(r.metrics["test"])]),
        Section(
            "Tone (second task, same split)",
            [
                "Tone (hostile / neutral / conciliatory) is trained by the same stages on the n-gram blocks of the "
                "stance recipe.",
                _metrics_table({"test": r.tone_metrics["test"]}),
                _per_class(r.tone_metrics["test"]),
                *([Figure(fig["tone_confusion"], "tone confusion matrix (test)")] if "tone_confusion" in fig else []),
            ],
        ),
        Section(
            "Baselines (same test split)",
            [
                pd.DataFrame(
                    [
                        {"model": name, "macro-F1": m["macro_f1"], "accuracy": m["accuracy"]}
                        for name, m in r.metrics["baselines"].items()
                    ]
                )
            ],
        ),
        *([Section("Comparison with the previous revision", [_comparison_text(r.comparison)])] if r.comparison else []),
        *([Section("Behavioural tests", [_behaviour_table(r.behaviour)])] if r.behaviour else []),
        Section(
            "Confusion and curves",
            [
                Figure(fig[k], caption)
                for k, caption in [
                    ("confusion", "confusion matrix (test)"),
                    ("precision_recall", "precision–recall per class (test)"),
                    ("calibration", "reliability of the top-class probability (test)"),
                    ("learning_curve", "test macro-F1 against training size"),
                ]
                if k in fig
            ],
        ),
        Section("Slices (test)", [r.slices]),
        Section(
            "Cue-family ablation",
            [
                "macro-F1 with each codebook cue family removed (refitted on the training split).",
                r.ablation,
                *([Figure(fig["ablation"], "ablation")] if "ablation" in fig else []),
            ],
        ),
        Section(
            "Top features per class",
            [r.top_features, *([Figure(fig["top_features"], "top features")] if "top_features" in fig else [])],
        ),
        Section("Most confident errors (test)", [r.errors.head(25)]),
        Section(
            "Suspect labels (re-check these first)",
            [
                f"{len(r.suspects)} training statements whose given label is unlikely under out-of-fold probabilities "
                "(confident learning); the 20 most suspect:",
                r.suspects.head(20),
            ],
        ),
        Section(
            "Annotation queue (next round)",
            [
                f"{len(r.queue)} unlabelled statements chosen by margin sampling, spread across predicted classes "
                "(reports/annotation_queue.csv; Label Studio import: reports/annotation_queue_labelstudio.json).",
                r.queue["predicted_label"].value_counts().sort_index().rename_axis("predicted").reset_index()
                if not r.queue.empty
                else r.queue,
            ],
        ),
    ]


def _counts(series: pd.Series, name: str) -> pd.DataFrame:
    counts = series.value_counts().sort_index()
    return pd.DataFrame(
        {name: counts.index, "statements": counts.values, "share %": (counts / counts.sum() * 100).round(1).values}
    )


def _agreement_blocks(agreement: dict) -> list:
    rows = [{"scope": "all", **agreement["alpha"]}]
    rows += [{"scope": f"batch {k}", **v} for k, v in agreement["alpha_per_batch"].items()]
    rows += [{"scope": f"class {k}", **v} for k, v in agreement["alpha_per_class"].items()]
    kappas = pd.DataFrame(
        [
            {"annotators": " / ".join(p["annotators"]), "kappa": p["kappa"], "statements": p["statements"]}
            for p in agreement["kappa_pairs"]
        ]
    )
    return [
        "Krippendorff's α (nominal) over multiply-annotated statements, each annotator's first vote; "
        "Cohen's κ for annotator pairs sharing at least 20 statements.",
        pd.DataFrame(rows).rename(columns={"alpha": "alpha"}),
        kappas,
    ]


def _change_blocks(changes: pd.DataFrame, disputed: pd.DataFrame) -> list:
    if changes.empty:
        return ["No labels yet."]
    summary = pd.crosstab(changes["batch"], changes["change"]).reset_index()
    changed = changes[changes["change"] != "added"]
    return [
        "Per batch: statements it added, labels it changed, disputes it created or resolved.",
        summary,
        changed,
        f"{len(disputed)} statement(s) disputed and left out of training (reports/disputed.csv).",
    ]


def _metrics_table(metrics: dict) -> pd.DataFrame:
    rows = [("test split", metrics["test"])] + [(f"external: {k}", v) for k, v in metrics.get("external", {}).items()]
    return pd.DataFrame(
        [
            {
                "data": name,
                "n": m["n"],
                "macro-F1": m["macro_f1"],
                "macro-F1 95% CI": m["macro_f1_ci95"],
                "accuracy": m["accuracy"],
                "accuracy 95% CI": m["accuracy_ci95"],
                "weighted F1": m["weighted_f1"],
                "kappa": m["kappa"],
            }
            for name, m in rows
        ]
    )


def _per_class(test: dict) -> pd.DataFrame:
    return pd.DataFrame([{"class": label, **scores} for label, scores in test["per_class"].items()])


def _comparison_text(c: dict) -> str:
    return (
        f"{c['first']} → {c['second']} on {c['n']} shared test statements: macro-F1 difference "
        f"{c['macro_f1_difference']:+.4f} (95% paired-bootstrap CI {c['macro_f1_difference_ci95']}); "
        f"McNemar exact p = {c['mcnemar']['p_value']} ({c['mcnemar']['only_first_correct']} statements right "
        f"only before, {c['mcnemar']['only_second_correct']} right only after)."
    )


def _behaviour_table(behaviour: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"test": name, "pass rate": v["pass_rate"], "n": v["n"]}
            for name, v in behaviour.items()
            if isinstance(v, dict) and "pass_rate" in v
        ]
    )

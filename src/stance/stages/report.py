"""report: everything a researcher cites → reports/report.md and a self-contained reports/report.html.

It leads with the answer — the test macro-F1 with its interval, the baselines, and whether
this run differs from the previous commit by more than noise — then what this round of labels
changed, then the details. Both files come from one list of sections, so they cannot disagree. The HTML embeds its
figures as data URIs, escapes every piece of text, and carries a Content-Security-Policy
that forbids loading anything, so it opens offline and nothing in it can call out.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stance import paths
from stance.comparison import compare_predictions, summary_line, warnings
from stance.config import Params
from stance.errors import StanceError
from stance.io import read_frame, read_json, write_csv, write_text
from stance.markdown import agreement_table, kappa_table, markdown_table

MAX_LISTED = 100  # label changes listed per table; reports/label_changes.csv has every one
# The columns of data/clean/statements.csv the report reads (the texts of a million statements are not needed).
STATEMENT_COLUMNS = ("label", "tone", "first_batch", "domain", "speaker_state", "date")


@dataclass(frozen=True)
class Figure:
    path: Path  # relative to the report's folder
    caption: str


@dataclass(frozen=True)
class Section:
    title: str
    blocks: list = field(default_factory=list)  # str (a paragraph), pd.DataFrame, or Figure


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
    details: dict
    tone_metrics: dict
    slices: pd.DataFrame
    top_features: pd.DataFrame
    errors: pd.DataFrame
    ablation: pd.DataFrame
    suspects: pd.DataFrame
    queue: pd.DataFrame
    behaviour: dict
    comparison: dict | None = None
    timeline: pd.DataFrame | None = None
    target_domain: str | None = None
    queue_strategy: str = "margin"
    active_learning: dict | None = None  # reports/active_learning.json (the simulate stage)
    skipped: str | None = None  # why the diagnostic refits were skipped (above evaluate.refit_limit), or None
    figures: dict[str, Path] = field(default_factory=dict)


def build_sections(r: ReportInputs) -> list[Section]:
    """Every section of the report, in reading order: the answer first."""
    fig = r.figures
    return [
        Section("Summary", _summary_blocks(r)),
        Section("This round", _round_blocks(r.label_changes, r.disputed)),
        Section("Metrics (held-out test split)", [_metrics_table(r.details), _per_class(r.details["test"])]),
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
            ]
            + ([f"Learning curve {r.skipped}."] if r.skipped else []),
        ),
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
        Section("Behavioural tests", [_behaviour_table(r.behaviour)]),
        Section(
            "Model selection",
            [
                _selection_text(r.chosen),
                r.selection,
                *(
                    [Figure(fig["selection"], "grouped-CV macro-F1 per candidate (mean ± std)")]
                    if "selection" in fig
                    else []
                ),
            ],
        ),
        Section("Corpus", _corpus_blocks(r.statements)),
        Section("Split", [_split_text(r.split), _split_shares(r.split)]),
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
            "Annotator agreement",
            [
                "Krippendorff's α (nominal) over multiply-annotated statements, each annotator's first vote "
                "(scopes with fewer than two such statements have no α and are not listed); Cohen's κ for annotator "
                "pairs sharing at least 20 statements.",
                agreement_table(r.agreement),
                kappa_table(r.agreement),
            ],
        ),
        Section("Slices (test)", [r.slices]),
        Section(
            "Cue-family ablation",
            [
                "macro-F1 with each codebook cue family removed (refitted on the training split).",
                *([f"Ablation {r.skipped}."] if r.skipped else [r.ablation]),
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
                *(
                    [f"Suspect labels {r.skipped} (with select.enabled they reuse its out-of-fold probabilities)."]
                    if r.skipped and not r.chosen.get("folds")
                    else [
                        f"{len(r.suspects)} training statements whose given label is unlikely under out-of-fold "
                        "probabilities (confident learning); the 20 most suspect:",
                        r.suspects.head(20),
                    ]
                ),
            ],
        ),
        Section(
            "Annotation queue (next round)",
            [
                f"{len(r.queue)} unlabelled statements ranked by {r.queue_strategy} (queue.strategy), near-duplicates "
                "skipped (reports/annotation_queue.csv; Label Studio: reports/annotation_queue_labelstudio.json).",
                r.queue["predicted_label"].value_counts().sort_index().rename_axis("predicted").reset_index()
                if not r.queue.empty
                else r.queue,
            ],
        ),
        *(
            [Section("Which queue strategy learns most per label (simulated rounds)", _active_learning_blocks(r, fig))]
            if r.active_learning is not None
            else []
        ),
        *([Section("Stance over time", _timeline_blocks(r.timeline, fig))] if r.timeline is not None else []),
        Section("Label history (every batch)", _history_blocks(r.label_changes)),
    ]


def _active_learning_blocks(r: ReportInputs, fig: dict) -> list:
    summary, settings = r.active_learning, r.active_learning["settings"]
    share = summary["winner_share"]
    reached = f"with {share:.0%} of random's labels" if share is not None else "never (no strategy reached it)"
    verdict = "met" if summary["target_met"] else "not met"
    table = pd.DataFrame(
        [
            {
                "strategy": name,
                "labels to reach random's final": "not reached" if s["labels_needed"] is None else s["labels_needed"],
                "share of random's labels": s["share_of_random"],
                "final macro-F1": s["final_macro_f1"],
                "95% CI": "–".join(f"{end:.3f}" if end is not None else "n/a" for end in s["final_ci95"]),
                "area under curve": s["area_under_curve"],
            }
            for name, s in summary["strategies"].items()
        ]
    )
    return [
        "Annotation rounds replayed on the training split with its labels hidden: "
        f"{settings['seed_size']} seed labels, then {settings['rounds']} rounds of {settings['round_size']}, from "
        f"{len(settings['seeds'])} seed sets, refitting train.* with {settings['recipe']} and scoring the test split "
        f"after every round. Random sampling ends at macro-F1 {summary['target_macro_f1']:.3f} with "
        f"{summary['random_final_labelled']} labels; {summary['winner']} gets there first, {reached}: the target "
        f"(at most {summary['target_share']:.0%}) is {verdict}. The queue ranks by {r.queue_strategy}. Intervals are "
        "95% Student-t over seeds (reports/active_learning.csv).",
        *([sampled] if (sampled := sampled_line(summary.get("sampled", {}))) else []),
        table,
        *([Figure(fig["active_learning"], "learning curves per strategy")] if "active_learning" in fig else []),
    ]


def sampled_line(sampled: dict) -> str:
    """What the simulation sampled (reports/active_learning.json's "sampled": name → [kept, of]), or ""."""
    parts = [f"{kept:,} of {total:,} {name} statements" for name, (kept, total) in sampled.items() if kept < total]
    if not parts:
        return ""
    return (
        f"Sampled {' and '.join(parts)} (seeded, stratified by label; above simulate.max_pool training and "
        "simulate.max_test test statements): every round ranks the whole pool and scores the whole test split."
    )


def _timeline_blocks(table: pd.DataFrame, fig: dict) -> list:
    sparse = int((~table["enough"].astype(str).isin(["True", "true"])).sum())
    return [
        "Share of threats and of warnings among the labelled statements per speaker and period, with bootstrap 95% "
        f"CIs (reports/timeline.csv). {sparse} of {len(table)} speaker-period cells have too few statements: they are "
        "drawn as hollow markers, not joined, and should not be read as facts.",
        *(
            [Figure(fig["timeline"], "threat share over time (six most frequent speakers)")]
            if "timeline" in fig
            else []
        ),
    ]


def _summary_blocks(r: ReportInputs) -> list:
    test = r.metrics["test"]
    labels = [key.removeprefix("f1_") for key in test if key.startswith("f1_")]
    tone = r.tone_metrics["test"]
    by_domain = r.metrics.get("test_by_domain", {})
    target = by_domain.get(r.target_domain) if r.target_domain else None
    lead = (
        [
            f"Target domain {r.target_domain!r}: test macro-F1 {target['macro_f1']:.3f} (95% CI "
            f"{target['macro_f1_ci_low']:.3f}–{target['macro_f1_ci_high']:.3f}) on {target['n']} statements."
        ]
        if target
        else []
    )
    if r.target_domain and not target:
        lead = [f"Target domain {r.target_domain!r}: fewer than 20 test statements, so no figure of its own."]
    blocks = [
        *lead,
        f"Stance: test macro-F1 {test['macro_f1']:.3f} (95% bootstrap CI {test['macro_f1_ci_low']:.3f}–"
        f"{test['macro_f1_ci_high']:.3f}) on {test['n']} held-out statements; accuracy {test['accuracy']:.3f}, "
        f"Cohen's κ against gold {test['kappa']}. Tone: macro-F1 {tone['macro_f1']:.3f} "
        f"({tone['macro_f1_ci95'][0]:.3f}–{tone['macro_f1_ci95'][1]:.3f}).",
        pd.DataFrame(
            [{"model": "this model", "macro-F1": test["macro_f1"]}]
            + [{"model": f"baseline: {name}", "macro-F1": m["macro_f1"]} for name, m in r.metrics["baselines"].items()]
        ),
        pd.DataFrame([{"class": label, "F1": test[f"f1_{label}"]} for label in labels]),
    ]
    if by_domain:
        blocks.append(
            pd.DataFrame(
                [
                    {
                        "domain": d,
                        "n": m["n"],
                        "macro-F1": m["macro_f1"],
                        "95% CI": f"{m['macro_f1_ci_low']}–{m['macro_f1_ci_high']}",
                    }
                    for d, m in by_domain.items()
                ]
            )
        )
    return [*blocks, _comparison_text(r.comparison)]


def _comparison_text(c: dict | None) -> str:
    if c is None or c.get("commit") is None:
        return "Change since the previous commit: none to compare with (no earlier committed test predictions)."
    where = f"commit {c['commit'][:7]} ({c['subject']})"
    if c.get("reset"):
        return (
            f"Change since the previous commit: not comparable — the split was reset since {where} "
            f"({c['reset']}), so the test sets differ by design."
        )
    text = f"Change since the previous commit ({where}): " + summary_line(c, "before", "now") + "."
    for problem in warnings(c):
        text += f" Warning: {problem}."
    return text + f" Verdict: {c['verdict']}."


def _round_blocks(changes: pd.DataFrame, disputed: pd.DataFrame) -> list:
    if changes.empty:
        return ["No labels yet."]
    latest = sorted(changes["batch"].unique())[-1]
    this_round = changes[changes["batch"] == latest]
    counts = this_round["change"].value_counts().sort_index()
    changed = this_round[this_round["change"] != "added"]
    return [
        f"The latest batch, {latest}: "
        + ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in counts.items())
        + f". {len(disputed)} statement(s) are disputed in all and left out of training (reports/disputed.csv).",
        *(_listed(changed, "label changes in this batch") if not changed.empty else []),
        *(["No label of an earlier statement changed in this batch."] if changed.empty else []),
    ]


def _history_blocks(changes: pd.DataFrame) -> list:
    if changes.empty:
        return ["No labels yet."]
    return [
        "Per batch: statements it added, labels it changed, disputes it created or resolved.",
        pd.crosstab(changes["batch"], changes["change"]).reset_index(),
        *_listed(changes[changes["change"] != "added"], "label changes"),
    ]


def _listed(changes: pd.DataFrame, what: str) -> list:
    """The table of label changes, or its first MAX_LISTED rows and a line saying so (a corpus of millions
    can change thousands of labels in one batch; reports/label_changes.csv has them all)."""
    if len(changes) <= MAX_LISTED:
        return [changes]
    return [
        f"The first {MAX_LISTED} of {len(changes):,} {what} (all of them: reports/label_changes.csv).",
        changes.head(MAX_LISTED),
    ]


def _corpus_blocks(statements: pd.DataFrame) -> list:
    blocks = [
        f"{len(statements)} adjudicated statements.",
        _counts(statements["label"], "label"),
        _counts(statements["first_batch"], "batch (first labelled)"),
    ]
    if "domain" in statements:
        blocks.append(_counts(statements["domain"], "domain"))
    if "tone" in statements and statements["tone"].ne("").any():
        blocks.append(pd.crosstab(statements["label"], statements["tone"]).reset_index())
    return blocks


def _selection_text(chosen: dict) -> str:
    if not chosen.get("folds"):
        return "Model selection is off (select.enabled: false): the recipe in train.* is trained as given."
    return (
        f"Grouped {chosen['folds']}-fold cross-validation on the training split; chosen: {chosen['candidate']} "
        f"{chosen['overrides']} (CV macro-F1 {chosen['cv_macro_f1_mean']:.3f} ± {chosen['cv_macro_f1_std']:.3f}). "
        "Candidates marked not eligible are shown for reference only."
    )


def _split_text(split: dict) -> str:
    return (
        f"{split['train']} training and {split['test']} test statements (split.seed {split['seed']}, test_size "
        f"{split['test_size']}). Each source document's side is fixed when it first appears, so new batches only add "
        f"to either side. {split['documents_following_a_near_duplicate']} document(s) joined the side of an earlier "
        f"near-duplicate (word-set Jaccard > {split['near_duplicate_threshold']}), "
        f"{split['documents_bridging_both_sides']} near-duplicated both sides and went to training; "
        f"{split['near_duplicate_pairs_across_sides']} near-duplicate pair(s) remain across sides."
    )


def _split_shares(split: dict) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"label": label, "share of corpus": share, "share of test": split["label_share_test"].get(label, 0.0)}
            for label, share in split["label_share_all"].items()
        ]
    )


def _counts(series: pd.Series, name: str) -> pd.DataFrame:
    counts = series.value_counts().sort_index()
    return pd.DataFrame(
        {name: counts.index, "statements": counts.values, "share %": (counts / counts.sum() * 100).round(1).values}
    )


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


def _behaviour_table(behaviour: dict) -> pd.DataFrame:
    return pd.DataFrame([{"test": name, "pass rate": v["pass_rate"]} for name, v in behaviour.items()])


def previous_comparison(params: Params, current: pd.DataFrame, split: dict) -> dict | None:
    """This run against the previous committed predictions (reports/previous/), or None when there are none."""
    revision = read_json(paths.PREVIOUS_REVISION)
    if revision.get("commit") is None:
        return None
    settings = {k: split.get(k) for k in ("seed", "test_size")}
    before = revision.get("split") or {}
    if before and before != settings:
        changed = ", ".join(f"split.{k} {before.get(k)} → {v}" for k, v in settings.items() if before.get(k) != v)
        return {**revision, "reset": changed}
    previous = read_frame(paths.PREVIOUS_PREDICTIONS)
    try:
        result = compare_predictions(
            previous, current, list(params.clean.labels), params.evaluate.bootstrap, params.evaluate.seed
        )
    except StanceError as exc:
        return {**revision, "reset": str(exc)}
    return {**revision, **result}


def refits_skipped(n_train: int, limit: int) -> str | None:
    """The line the stages print when they skip their refits above evaluate.refit_limit (stance.models), or None."""
    if n_train > limit:
        return f"skipped: {n_train} training statements is above evaluate.refit_limit ({limit})"
    return None


def write_timeline(statements: pd.DataFrame, params: Params) -> pd.DataFrame | None:
    """Stance over time of the labelled statements (speaker_state, date) → reports/timeline.csv and its figure."""
    from stance.plots import save_figure
    from stance.timeline import stance_over_time, timeline_figure

    if not {"speaker_state", "date"} <= set(statements) or not statements["date"].ne("").any():
        return None
    rows = statements.rename(columns={"speaker_state": "speaker"})
    settings = params.timeline
    table, _ = stance_over_time(
        rows, "label", period=settings.period, min_count=settings.min_count, resamples=settings.resamples
    )
    write_csv(table, paths.TIMELINE)
    save_figure(timeline_figure(table), paths.TIMELINE_FIGURE)
    return table


def run(params: Params, args=None) -> None:
    """Every report input → reports/report.md and reports/report.html."""
    stance, tone = paths.task_outputs("stance"), paths.task_outputs("tone")
    figures = {
        name: stance.figure(name)
        for name in ("confusion", "precision_recall", "calibration", "learning_curve", "top_features")
    }
    figures |= {
        "selection": paths.SELECTION_FIGURE,
        "ablation": paths.ABLATION_FIGURE,
        "active_learning": paths.ACTIVE_LEARNING_FIGURE,
    }
    statements = read_frame(paths.STATEMENTS, columns=STATEMENT_COLUMNS)
    timeline = write_timeline(statements, params)
    if timeline is not None:
        figures["timeline"] = paths.TIMELINE_FIGURE
    figures["tone_confusion"] = tone.figure("confusion")
    split = read_json(paths.SPLIT_SUMMARY)
    inputs = ReportInputs(
        statements=statements,
        ledger=read_json(paths.CLEAN_LEDGER),
        split=split,
        agreement=read_json(paths.AGREEMENT),
        label_changes=read_frame(paths.LABEL_CHANGES),
        disputed=read_frame(paths.DISPUTED),
        selection=read_frame(paths.SELECTION_TABLE),
        chosen=read_json(paths.SELECTION),
        metrics=read_json(stance.metrics),
        details=read_json(stance.details),
        tone_metrics=read_json(tone.details),
        slices=read_frame(stance.slices),
        top_features=read_frame(stance.top_features),
        errors=read_frame(stance.errors),
        ablation=read_frame(paths.ABLATION),
        suspects=read_frame(paths.SUSPECTS),
        queue=read_frame(paths.QUEUE),
        behaviour=read_json(paths.BEHAVIOUR),
        comparison=previous_comparison(params, read_frame(paths.PREDICTIONS), split),
        timeline=timeline,
        target_domain=params.train.target_domain,
        queue_strategy=params.queue.strategy,
        active_learning=read_json(paths.ACTIVE_LEARNING_SUMMARY),
        skipped=refits_skipped(split["train"], params.evaluate.refit_limit),
        figures={k: v.relative_to(paths.REPORTS) for k, v in figures.items() if v.is_file()},
    )
    sections = build_sections(inputs)
    write_text(to_markdown("Stance model report", sections), paths.REPORT_MD)
    write_text(to_html("Stance model report", sections, paths.REPORTS), paths.REPORT_HTML)
    print(f"report: {paths.REPORT_MD}, {paths.REPORT_HTML}")

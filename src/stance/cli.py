"""`stance <stage>`: parse arguments, load params, call the stage core, write its outputs.

All file reading and writing of the pipeline happens here or in stance.io; errors a
user can cause become one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import pandas as pd

from stance import paths
from stance.agreement import agreement
from stance.checklist.suite import run_suite
from stance.cluster import search_backend
from stance.config import Params, load_params
from stance.errors import StanceError
from stance.explain import top_features
from stance.io import list_batches, read_batch, read_external, read_table, write_csv, write_json, write_text
from stance.persist import load_model, save_model
from stance.plots import bars_figure, confusion_figure, line_figure, save_figure
from stance.revisions import read_at_revision
from stance.stages.ablation import ablate
from stance.stages.clean import clean_batches
from stance.stages.compare import compare_predictions
from stance.stages.datacard import render_card
from stance.stages.evaluate import evaluate_model, learning_curve
from stance.stages.predict import predict_frame
from stance.stages.report import ReportInputs, build_sections, to_html, to_markdown
from stance.stages.select import select_model
from stance.stages.split import split_statements
from stance.stages.train import train_model


def read_frame(path: Path) -> pd.DataFrame:
    """A table this pipeline wrote earlier, every cell as text."""
    if not path.is_file():
        raise StanceError(f"{path}: not found (run the earlier stages: `dvc repro`)")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_json(path: Path) -> dict:
    if not path.is_file():
        raise StanceError(f"{path}: not found (run the earlier stages: `dvc repro`)")
    return json.loads(path.read_text(encoding="utf-8"))


def chosen_train_params(params: Params):
    """train.* with the overrides model selection chose (when selection is enabled)."""
    if not params.select.enabled:
        return params.train
    overrides = read_json(paths.SELECTION)["overrides"]
    return params.train.model_validate({**params.train.model_dump(), **overrides})


def external_sets(params: Params) -> dict[str, pd.DataFrame]:
    return {Path(p).stem: read_external(Path(p), params.clean) for p in params.evaluate.external}


def run_clean(params: Params, args) -> None:
    batches = [read_batch(path, params.clean.columns) for path in list_batches(paths.RAW_DIR)]
    result = clean_batches(batches, params.clean)
    write_csv(result.statements, paths.STATEMENTS)
    write_csv(result.rejects, paths.REJECTS)
    write_csv(result.disputed, paths.DISPUTED)
    write_csv(result.label_changes, paths.LABEL_CHANGES)
    write_csv(result.votes, paths.VOTES)
    write_json(result.ledger, paths.CLEAN_LEDGER)
    total = result.ledger["total"]
    print(
        f"clean: read {total['read']}, kept {total['kept']}, merged {total['merged']}, "
        f"rejected {total['rejected']} → {paths.STATEMENTS}"
    )


def run_agreement(params: Params, args) -> None:
    result = agreement(read_frame(paths.VOTES), list(params.clean.labels))
    write_json(result, paths.AGREEMENT)
    print(f"agreement: Krippendorff's alpha {result['alpha']['alpha']} over {result['alpha']['statements']} statements")


def run_datacard(params: Params, args) -> None:
    template = paths.DATA_CARD_TEMPLATE.read_text(encoding="utf-8")
    card = render_card(
        template,
        read_frame(paths.STATEMENTS),
        read_json(paths.AGREEMENT),
        read_json(paths.CLEAN_LEDGER),
        params.split.seed,
    )
    write_text(card, paths.DATA_CARD)
    print(f"datacard: {paths.DATA_CARD}")


def run_split(params: Params, args) -> None:
    train, test = split_statements(read_frame(paths.STATEMENTS), params.split)
    write_csv(train, paths.TRAIN)
    write_csv(test, paths.TEST)
    print(f"split: {len(train)} train, {len(test)} test")


def run_select(params: Params, args) -> None:
    if not params.select.enabled or not params.select.candidates:
        table, chosen = pd.DataFrame(), {"candidate": "train.* as given", "overrides": {}, "folds": 0}
    else:
        with search_backend(params.select) as n_jobs:
            table, chosen = select_model(
                read_frame(paths.TRAIN), params.select.model_copy(update={"n_jobs": n_jobs}), params.train
            )
        figure = bars_figure(
            [f"{r.candidate} {r.params}" for r in table.itertuples()],
            table["cv_macro_f1_mean"].tolist(),
            "model selection (grouped CV)",
            errors=table["cv_macro_f1_std"].tolist(),
            xlabel="macro-F1",
            highlight=table["eligible"].tolist(),
        )
        save_figure(figure, paths.FIGURES["selection"])
    write_csv(table, paths.SELECTION_TABLE)
    write_json(chosen, paths.SELECTION)
    print(f"select: {chosen['candidate']} {chosen['overrides']}")


def run_train(params: Params, args) -> None:
    train_params = chosen_train_params(params)
    save_model(train_model(read_frame(paths.TRAIN), train_params), paths.MODEL)
    print(f"train: {'+'.join(train_params.features)} {train_params.combine} {train_params.classifier} → {paths.MODEL}")


def run_evaluate(params: Params, args) -> None:
    labels = list(params.clean.labels)
    model, train, test = load_model(paths.MODEL), read_frame(paths.TRAIN), read_frame(paths.TEST)
    result = evaluate_model(model, test, train, labels, params.evaluate, external_sets(params))
    write_json(result.metrics, paths.METRICS)
    write_csv(result.predictions.drop(columns="text"), paths.PREDICTIONS)
    write_csv(result.predictions[["actual", "predicted"]], paths.CONFUSION_CSV)
    for label in labels:
        write_csv(result.precision_recall[result.precision_recall["class"] == label], paths.PR_DIR / f"{label}.csv")
    write_csv(result.calibration, paths.CALIBRATION_CSV)
    write_csv(result.slices, paths.SLICES)
    write_csv(result.errors, paths.ERRORS)
    write_csv(top_features(model), paths.TOP_FEATURES)
    curve = learning_curve(
        train, test, chosen_train_params(params), labels, params.evaluate.learning_curve, params.evaluate.seed
    )
    write_csv(curve, paths.LEARNING_CURVE_CSV)
    _evaluation_figures(result, curve, labels)
    test_scores = result.metrics["test"]
    print(
        f"evaluate: macro-F1 {test_scores['macro_f1']:.4f} {test_scores['macro_f1_ci95']}, "
        f"accuracy {test_scores['accuracy']:.4f}"
    )


def _evaluation_figures(result, curve: pd.DataFrame, labels: list[str]) -> None:
    test = result.metrics["test"]
    save_figure(
        confusion_figure(
            result.predictions["actual"],
            result.predictions["predicted"],
            labels,
            title=f"test, macro-F1 {test['macro_f1']:.3f}",
        ),
        paths.FIGURES["confusion"],
    )
    save_figure(
        line_figure(result.precision_recall, "recall", "precision", "precision–recall (test)", group="class"),
        paths.FIGURES["precision_recall"],
    )
    save_figure(
        line_figure(result.calibration, "confidence", "accuracy", "reliability (test)", diagonal=True),
        paths.FIGURES["calibration"],
    )
    save_figure(line_figure(curve, "train_size", "macro_f1", "learning curve"), paths.FIGURES["learning_curve"])
    features = pd.read_csv(paths.TOP_FEATURES)
    top = features.groupby(["class", "view"], sort=False).head(5)
    save_figure(
        bars_figure(
            [f"{r['class']} · {r.view} · {r.feature}" for _, r in top.iterrows()],
            top["weight"].tolist(),
            "top features per class",
            xlabel="weight",
        ),
        paths.FIGURES["top_features"],
    )


def run_ablation(params: Params, args) -> None:
    datasets = {"test": read_frame(paths.TEST), **external_sets(params)}
    table = ablate(read_frame(paths.TRAIN), datasets, chosen_train_params(params), list(params.clean.labels))
    write_csv(table, paths.ABLATION)
    test = table[table["dataset"] == "test"]
    save_figure(
        bars_figure(test["variant"].tolist(), test["macro_f1"].tolist(), "ablation (test macro-F1)", xlabel="macro-F1"),
        paths.FIGURES["ablation"],
    )
    print(f"ablation: {len(table)} rows → {paths.ABLATION}")


def run_behaviour(params: Params, args) -> None:
    result = run_suite(load_model(paths.MODEL), seed=params.evaluate.seed)
    write_json(result, paths.BEHAVIOUR)
    rates = ", ".join(
        f"{k} {v['pass_rate']:.2f}" for k, v in result.items() if isinstance(v, dict) and "pass_rate" in v
    )
    print(f"behaviour: {rates}")


def run_report(params: Params, args) -> None:
    labels = list(params.clean.labels)
    comparison = None
    previous = read_at_revision(paths.PREDICTIONS, "HEAD")
    if previous is not None:
        comparison = {
            "first": "HEAD",
            "second": "working tree",
            **compare_predictions(
                previous, read_frame(paths.PREDICTIONS), labels, params.evaluate.bootstrap, params.evaluate.seed
            ),
        }
    inputs = ReportInputs(
        statements=read_frame(paths.STATEMENTS),
        ledger=read_json(paths.CLEAN_LEDGER),
        agreement=read_json(paths.AGREEMENT),
        label_changes=read_frame(paths.LABEL_CHANGES),
        disputed=read_frame(paths.DISPUTED),
        selection=read_frame(paths.SELECTION_TABLE),
        chosen=read_json(paths.SELECTION),
        metrics=read_json(paths.METRICS),
        slices=read_frame(paths.SLICES),
        top_features=read_frame(paths.TOP_FEATURES),
        errors=read_frame(paths.ERRORS),
        ablation=read_frame(paths.ABLATION),
        behaviour=read_json(paths.BEHAVIOUR),
        comparison=comparison,
        figures={k: v.relative_to(paths.REPORTS) for k, v in paths.FIGURES.items() if v.is_file()},
    )
    sections = build_sections(inputs)
    write_text(to_markdown("Stance model report", sections), paths.REPORT_MD)
    write_text(to_html("Stance model report", sections, paths.REPORTS), paths.REPORT_HTML)
    print(f"report: {paths.REPORT_MD}, {paths.REPORT_HTML}")


def run_compare(params: Params, args) -> None:
    first, second = (read_at_revision(paths.PREDICTIONS, rev, required=True) for rev in (args.rev_a, args.rev_b))
    result = {
        "first": args.rev_a,
        "second": args.rev_b,
        **compare_predictions(
            first, second, list(params.clean.labels), params.evaluate.bootstrap, params.evaluate.seed
        ),
    }
    print(json.dumps(result, indent=2))


def run_predict(params: Params, args) -> None:
    model = load_model(Path(args.model))
    predicted = predict_frame(model, read_table(args.input), source=args.input)
    if args.output == "-":
        predicted.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        write_csv(predicted, Path(args.output))


STAGES = [
    ("clean", run_clean, "merge and adjudicate the batches in data/raw/"),
    ("agreement", run_agreement, "inter-annotator agreement of the votes"),
    ("datacard", run_datacard, "write the corpus data card data/README.md"),
    ("split", run_split, "divide statements into train and test sets"),
    ("select", run_select, "cross-validate candidate pipelines on the training set"),
    ("train", run_train, "fit the chosen pipeline on the training set"),
    ("evaluate", run_evaluate, "score the model on the test set and external sets"),
    ("ablation", run_ablation, "macro-F1 with each cue family removed"),
    ("behaviour", run_behaviour, "CheckList behavioural tests of the model"),
    ("report", run_report, "write reports/report.md and reports/report.html"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stance", description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=str(paths.PARAMS), help="params file (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, run, text in STAGES:
        commands.add_parser(name, help=text).set_defaults(run=run)
    compare = commands.add_parser("compare", help="is the change between two revisions real or noise?")
    compare.add_argument("rev_a")
    compare.add_argument("rev_b")
    compare.set_defaults(run=run_compare)
    predict = commands.add_parser("predict", help="label new statements with a trained model")
    predict.add_argument("--model", default=str(paths.MODEL))
    predict.add_argument("--input", required=True, help="CSV or JSONL with a text column; - for stdin")
    predict.add_argument("--output", default="-", help="CSV to write; - for stdout (default)")
    predict.set_defaults(run=run_predict)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        params = load_params(args.params) if args.command != "predict" or Path(args.params).is_file() else Params()
        args.run(params, args)
    except StanceError as exc:
        print(f"stance {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"stance {args.command}: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 2
    except Exception as exc:
        if os.environ.get("STANCE_DEBUG"):
            raise
        print(
            f"stance {args.command}: internal error: {type(exc).__name__}: {exc} "
            "(set STANCE_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`stance <stage>`: parse arguments, load params, call the stage core, write its outputs.

All file reading and writing of the pipeline happens here or in stance.io; errors a
user can cause become one line on stderr and exit code 2, never a traceback. Each
command imports the heavy libraries it needs (skops, matplotlib, dask, ...) itself:
DVC starts one process per stage, and most stages need only a few of them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

from stance import paths
from stance.card import card_path, check_card, model_card, read_card
from stance.config import Params, load_params
from stance.errors import StanceError
from stance.io import (
    atomic_path,
    list_batches,
    read_batch,
    read_external,
    read_table,
    write_csv,
    write_json,
    write_text,
)
from stance.revisions import read_at_revision
from stance.stages.clean import clean_batches
from stance.stages.predict import predict_frame
from stance.stages.split import check_labels_present, split_statements
from stance.stages.train import train_model
from stance.tasks import TASKS, task_labels, task_recipe, task_rows


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
    studio = (params.clean.label_studio.get("label", "label"), params.clean.label_studio.get("tone", "tone"))
    batches = [read_batch(path, params.clean.columns, studio) for path in list_batches(paths.RAW_DIR)]
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
    from stance.agreement import agreement

    result = agreement(read_frame(paths.VOTES), list(params.clean.labels))
    write_json(result, paths.AGREEMENT)
    print(f"agreement: Krippendorff's alpha {result['alpha']['alpha']} over {result['alpha']['statements']} statements")


def run_datacard(params: Params, args) -> None:
    from stance.stages.datacard import render_card

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
    statements = read_frame(paths.STATEMENTS)
    train, test, summary = split_statements(statements, params.split)
    check_labels_present(statements["label"], params.clean.labels)
    write_csv(train, paths.TRAIN)
    write_csv(test, paths.TEST)
    write_json(summary, paths.SPLIT_SUMMARY)
    print(
        f"split: {len(train)} train, {len(test)} test, {summary['statements_moved_to_train']} moved to train "
        f"(near-duplicates of training statements and their documents)"
    )


def run_select(params: Params, args) -> None:
    from stance.cluster import search_backend
    from stance.plots import bars_figure, save_figure
    from stance.stages.select import select_model

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
        save_figure(figure, paths.SELECTION_FIGURE)
    write_csv(table, paths.SELECTION_TABLE)
    write_json(chosen, paths.SELECTION)
    print(f"select: {chosen['candidate']} {chosen['overrides']}")


def run_train(params: Params, args) -> None:
    from stance.persist import save_model

    recipe, out = task_recipe(args.task, chosen_train_params(params)), paths.task_outputs(args.task)
    if recipe.mode == "streaming":
        model, n_rows = _train_streaming(recipe, args.task, params)
    else:
        rows = task_rows(read_frame(paths.TRAIN), args.task)
        model, n_rows = train_model(rows, recipe), len(rows)
    save_model(model, out.model)
    selection = read_json(paths.SELECTION) if params.select.enabled else {}
    card = model_card(
        args.task, task_labels(args.task, params), paths.TRAIN, n_rows, recipe.model_dump(mode="json"), selection
    )
    write_json(card, card_path(out.model))
    print(f"train {args.task}: {'+'.join(recipe.features)} {recipe.combine} {recipe.classifier} → {out.model}")


def _train_streaming(recipe, task: str, params: Params):
    """Out of core: hashed n-grams, partial_fit over chunks of the training CSV (never all in memory)."""
    from stance.streaming import StreamingParams, fit_streaming, read_chunks

    settings = StreamingParams(seed=recipe.seed, **recipe.streaming.model_dump())
    counted = [0]

    def chunks():
        counted[0] = 0
        for chunk in read_chunks(paths.TRAIN, settings.chunk_size):
            rows = task_rows(chunk, task)[["text", "label"]]
            counted[0] += len(rows)
            yield rows

    model = fit_streaming(chunks, task_labels(task, params), settings)
    return model, counted[0]


def run_evaluate(params: Params, args) -> None:
    from stance.explain import top_features
    from stance.persist import load_model
    from stance.stages.evaluate import evaluate_model, learning_curve

    labels, out = task_labels(args.task, params), paths.task_outputs(args.task)
    model = load_model(out.model)
    train, test = (task_rows(read_frame(p), args.task) for p in (paths.TRAIN, paths.TEST))
    external = external_sets(params) if args.task == "stance" else {}
    result = evaluate_model(model, test, train, labels, params.evaluate, external, rules=args.task == "stance")
    write_json(result.metrics, out.metrics)
    write_csv(result.predictions.drop(columns="text"), out.predictions)
    write_csv(result.predictions[["actual", "predicted"]], out.plots / "confusion.csv")
    for label in labels:
        part = result.precision_recall[result.precision_recall["class"] == label]
        write_csv(part, out.plots / "precision_recall" / f"{label}.csv")
    write_csv(result.calibration, out.plots / "calibration.csv")
    write_csv(result.slices, out.slices)
    write_csv(result.errors, out.errors)
    features = top_features(model)
    write_csv(features, out.top_features)
    recipe = task_recipe(args.task, chosen_train_params(params))
    curve = learning_curve(train, test, recipe, labels, params.evaluate.learning_curve, params.evaluate.seed)
    write_csv(curve, out.plots / "learning_curve.csv")
    _evaluation_figures(result, curve, features, labels, out)
    scores = result.metrics["test"]
    print(
        f"evaluate {args.task}: macro-F1 {scores['macro_f1']:.4f} {scores['macro_f1_ci95']}, "
        f"accuracy {scores['accuracy']:.4f}"
    )


def _evaluation_figures(
    result, curve: pd.DataFrame, features: pd.DataFrame, labels: list[str], out: paths.TaskOutputs
) -> None:
    from stance.plots import bars_figure, confusion_figure, line_figure, save_figure

    title = f"test, macro-F1 {result.metrics['test']['macro_f1']:.3f}"
    predictions = result.predictions
    save_figure(
        confusion_figure(predictions["actual"], predictions["predicted"], labels, title=title), out.figure("confusion")
    )
    save_figure(
        line_figure(result.precision_recall, "recall", "precision", "precision–recall (test)", group="class"),
        out.figure("precision_recall"),
    )
    save_figure(
        line_figure(result.calibration, "confidence", "accuracy", "reliability (test)", diagonal=True),
        out.figure("calibration"),
    )
    save_figure(line_figure(curve, "train_size", "macro_f1", "learning curve"), out.figure("learning_curve"))
    top = features.groupby(["class", "view"], sort=False).head(5)
    labels_ = [f"{r['class']} · {r.view} · {r.feature}" for _, r in top.iterrows()]
    save_figure(
        bars_figure(labels_, top["weight"].tolist(), "top features per class", xlabel="weight"),
        out.figure("top_features"),
    )


def run_ablation(params: Params, args) -> None:
    from stance.plots import bars_figure, save_figure
    from stance.stages.ablation import ablate

    datasets = {"test": read_frame(paths.TEST), **external_sets(params)}
    table = ablate(read_frame(paths.TRAIN), datasets, chosen_train_params(params), list(params.clean.labels))
    write_csv(table, paths.ABLATION)
    test = table[table["dataset"] == "test"]
    save_figure(
        bars_figure(test["variant"].tolist(), test["macro_f1"].tolist(), "ablation (test macro-F1)", xlabel="macro-F1"),
        paths.ABLATION_FIGURE,
    )
    print(f"ablation: {len(table)} rows → {paths.ABLATION}")


def run_suspects(params: Params, args) -> None:
    from stance.stages.suspects import suspect_labels

    q = params.queue
    table = suspect_labels(read_frame(paths.TRAIN), chosen_train_params(params), q.suspect_folds, q.seed)
    write_csv(table, paths.SUSPECTS)
    print(f"suspects: {len(table)} training labels to re-check → {paths.SUSPECTS}")


def run_queue(params: Params, args) -> None:
    from stance.persist import load_model
    from stance.stages.queue import annotation_queue, label_studio_tasks

    pool = pd.concat([read_table(str(p)) for p in list_batches(paths.UNLABELED_DIR)], ignore_index=True)
    queue = annotation_queue(
        load_model(paths.MODEL),
        pool,
        read_frame(paths.STATEMENTS),
        params.queue.size,
        params.queue.near_duplicate_threshold,
    )
    write_csv(queue, paths.QUEUE)
    write_json(label_studio_tasks(queue), paths.QUEUE_LABEL_STUDIO)
    print(f"queue: {len(queue)} of {len(pool)} unlabelled statements → {paths.QUEUE}")


def run_behaviour(params: Params, args) -> None:
    from stance.checklist.suite import run_suite
    from stance.persist import load_model

    result = run_suite(load_model(paths.MODEL), seed=params.evaluate.seed)
    write_json(result, paths.BEHAVIOUR)
    rates = ", ".join(
        f"{k} {v['pass_rate']:.2f}" for k, v in result.items() if isinstance(v, dict) and "pass_rate" in v
    )
    print(f"behaviour: {rates}")


def run_report(params: Params, args) -> None:
    from stance.stages.compare import compare_predictions
    from stance.stages.report import ReportInputs, build_sections, to_html, to_markdown

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
    stance, tone = paths.task_outputs("stance"), paths.task_outputs("tone")
    figures = {
        name: stance.figure(name)
        for name in ("confusion", "precision_recall", "calibration", "learning_curve", "top_features")
    }
    figures |= {
        "selection": paths.SELECTION_FIGURE,
        "ablation": paths.ABLATION_FIGURE,
        "tone_confusion": tone.figure("confusion"),
    }
    inputs = ReportInputs(
        statements=read_frame(paths.STATEMENTS),
        ledger=read_json(paths.CLEAN_LEDGER),
        split=read_json(paths.SPLIT_SUMMARY),
        agreement=read_json(paths.AGREEMENT),
        label_changes=read_frame(paths.LABEL_CHANGES),
        disputed=read_frame(paths.DISPUTED),
        selection=read_frame(paths.SELECTION_TABLE),
        chosen=read_json(paths.SELECTION),
        metrics=read_json(stance.metrics),
        tone_metrics=read_json(tone.metrics),
        slices=read_frame(stance.slices),
        top_features=read_frame(stance.top_features),
        errors=read_frame(stance.errors),
        ablation=read_frame(paths.ABLATION),
        suspects=read_frame(paths.SUSPECTS),
        queue=read_frame(paths.QUEUE),
        behaviour=read_json(paths.BEHAVIOUR),
        comparison=comparison,
        figures={k: v.relative_to(paths.REPORTS) for k, v in figures.items() if v.is_file()},
    )
    sections = build_sections(inputs)
    write_text(to_markdown("Stance model report", sections), paths.REPORT_MD)
    write_text(to_html("Stance model report", sections, paths.REPORTS), paths.REPORT_HTML)
    print(f"report: {paths.REPORT_MD}, {paths.REPORT_HTML}")


def run_compare(params: Params, args) -> None:
    from stance.stages.compare import compare_predictions

    first, second = (read_at_revision(paths.PREDICTIONS, rev, required=True) for rev in (args.rev_a, args.rev_b))
    result = {
        "first": args.rev_a,
        "second": args.rev_b,
        **compare_predictions(
            first, second, list(params.clean.labels), params.evaluate.bootstrap, params.evaluate.seed
        ),
    }
    print(json.dumps(result, indent=2))


def run_experiments(params: Params, args) -> None:
    from stance.experiments import flatten_experiments, run_dvc_exp_show, sweep_commands
    from stance.plots import bars_figure, save_figure

    sweep_path = Path(args.sweep)
    text = sweep_path.read_text(encoding="utf-8")
    if args.action == "queue":
        for command in sweep_commands(text, args.sweep):
            subprocess.run(command, check=True)
            print("queued:", " ".join(command[4:]))
        return
    keys = sorted(
        {
            key
            for command in sweep_commands(text, args.sweep)
            for key in (arg.split("=", 1)[0] for arg in command[command.index("-S") :] if "=" in arg)
        }
    )
    table = flatten_experiments(run_dvc_exp_show(), keys)
    write_csv(table, paths.EXPERIMENTS)
    scored = table.dropna(subset=["metrics.test.macro_f1"])
    save_figure(
        bars_figure(
            scored["experiment"].tolist(),
            scored["metrics.test.macro_f1"].tolist(),
            "experiments: test macro-F1",
            xlabel="macro-F1",
        ),
        paths.EXPERIMENTS_FIGURE,
    )
    print(f"experiments: {len(table)} rows → {paths.EXPERIMENTS}")


def _predict_in_chunks(model, args) -> None:
    """Large CSVs: read, classify and write chunk by chunk, so memory stays flat."""
    from stance.streaming import predict_streaming, read_chunks

    target = Path(args.output)
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        first = [True]

        def write(chunk: pd.DataFrame) -> None:
            chunk.to_csv(handle, index=False, header=first[0], lineterminator="\n")
            first[0] = False

        predict_streaming(model, read_chunks(args.input, args.chunk_size), write)


def run_predict(params: Params, args) -> None:
    from stance.persist import load_model

    card = read_card(Path(args.model))
    expected = task_labels(card["task"], params) if card and card.get("task") in TASKS else None
    check_card(card, Path(args.model), expected if Path(args.params).is_file() else None)
    model = load_model(Path(args.model))
    if args.chunk_size and args.input != "-" and args.output != "-" and not args.input.endswith(".jsonl"):
        _predict_in_chunks(model, args)
        return
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
    ("suspects", run_suspects, "training labels the model finds unlikely"),
    ("queue", run_queue, "unlabelled statements to annotate next"),
    ("behaviour", run_behaviour, "CheckList behavioural tests of the model"),
    ("report", run_report, "write reports/report.md and reports/report.html"),
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stance", description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=str(paths.PARAMS), help="params file (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, run, text in STAGES:
        stage = commands.add_parser(name, help=text)
        stage.set_defaults(run=run)
        if name in ("train", "evaluate"):
            stage.add_argument("--task", choices=TASKS, default="stance", help="stance (default) or tone")
    compare = commands.add_parser("compare", help="is the change between two revisions real or noise?")
    compare.add_argument("rev_a")
    compare.add_argument("rev_b")
    compare.set_defaults(run=run_compare)
    experiments = commands.add_parser("experiments", help="queue a sweep, or collect dvc exp show into a table")
    experiments.add_argument("action", choices=["queue", "collect"])
    experiments.add_argument("sweep", help="sweep file, e.g. experiments/feature_sets.yaml")
    experiments.set_defaults(run=run_experiments)
    predict = commands.add_parser("predict", help="label new statements with a trained model")
    predict.add_argument("--model", default=str(paths.MODEL))
    predict.add_argument("--input", required=True, help="CSV or JSONL with a text column; - for stdin")
    predict.add_argument("--output", default="-", help="CSV to write; - for stdout (default)")
    predict.add_argument(
        "--chunk-size", type=int, default=0, help="classify a large CSV in chunks of this many rows (file to file)"
    )
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

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
from stance.config import load_params
from stance.errors import StanceError
from stance.io import list_batches, read_batch, read_table, write_csv, write_json, write_text
from stance.persist import load_model, save_model
from stance.plots import confusion_figure, save_figure
from stance.stages.clean import clean_batches
from stance.stages.datacard import render_card
from stance.stages.evaluate import evaluate_model
from stance.stages.predict import predict_frame
from stance.stages.report import render_report
from stance.stages.split import split_statements
from stance.stages.train import train_model


def read_frame(path: Path) -> pd.DataFrame:
    """A table this pipeline wrote earlier, every cell as text."""
    if not path.is_file():
        raise StanceError(f"{path}: not found (run the earlier stages: `dvc repro`)")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def run_clean(args) -> None:
    params = load_params(args.params).clean
    batches = [read_batch(path, params.columns) for path in list_batches(paths.RAW_DIR)]
    result = clean_batches(batches, params)
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


def run_agreement(args) -> None:
    labels = list(load_params(args.params).clean.labels)
    result = agreement(read_frame(paths.VOTES), labels)
    write_json(result, paths.AGREEMENT)
    print(f"agreement: Krippendorff's alpha {result['alpha']['alpha']} over {result['alpha']['statements']} statements")


def run_datacard(args) -> None:
    seed = load_params(args.params).split.seed
    template = paths.DATA_CARD_TEMPLATE.read_text(encoding="utf-8")
    agreement_ = json.loads(paths.AGREEMENT.read_text(encoding="utf-8"))
    ledger = json.loads(paths.CLEAN_LEDGER.read_text(encoding="utf-8"))
    write_text(render_card(template, read_frame(paths.STATEMENTS), agreement_, ledger, seed), paths.DATA_CARD)
    print(f"datacard: {paths.DATA_CARD}")


def run_split(args) -> None:
    params = load_params(args.params).split
    train, test = split_statements(read_frame(paths.STATEMENTS), params)
    write_csv(train, paths.TRAIN)
    write_csv(test, paths.TEST)
    print(f"split: {len(train)} train, {len(test)} test")


def run_train(args) -> None:
    params = load_params(args.params).train
    model = train_model(read_frame(paths.TRAIN), params)
    save_model(model, paths.MODEL)
    print(f"train: {'+'.join(params.features)} + {params.classifier} → {paths.MODEL}")


def run_evaluate(args) -> None:
    labels = list(load_params(args.params).clean.labels)
    metrics, predictions = evaluate_model(load_model(paths.MODEL), read_frame(paths.TEST), labels)
    write_json(metrics, paths.METRICS)
    write_csv(predictions[["actual", "predicted"]], paths.CONFUSION_CSV)
    figure = confusion_figure(
        predictions["actual"],
        predictions["predicted"],
        labels,
        title=f"test, macro-F1 {metrics['test']['macro_f1']:.3f}",
    )
    save_figure(figure, paths.CONFUSION_PNG)
    print(f"evaluate: macro-F1 {metrics['test']['macro_f1']:.4f}, accuracy {metrics['test']['accuracy']:.4f}")


def run_report(args) -> None:
    ledger = json.loads(paths.CLEAN_LEDGER.read_text(encoding="utf-8"))
    metrics = json.loads(paths.METRICS.read_text(encoding="utf-8"))
    confusion = paths.CONFUSION_PNG.relative_to(paths.REPORT_MD.parent).as_posix()
    write_text(render_report(read_frame(paths.STATEMENTS), ledger, metrics, confusion), paths.REPORT_MD)
    print(f"report: {paths.REPORT_MD}")


def run_predict(args) -> None:
    model = load_model(Path(args.model))
    table = read_table(args.input)
    predicted = predict_frame(model, table, source=args.input)
    if args.output == "-":
        predicted.to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        write_csv(predicted, Path(args.output))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stance", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, run, text in [
        ("clean", run_clean, "merge and adjudicate the batches in data/raw/"),
        ("agreement", run_agreement, "inter-annotator agreement of the votes"),
        ("datacard", run_datacard, "write the corpus data card data/README.md"),
        ("split", run_split, "divide statements into train and test sets"),
        ("train", run_train, "fit the model on the training set"),
        ("evaluate", run_evaluate, "score the model on the test set"),
        ("report", run_report, "write reports/report.md"),
    ]:
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--params", default=str(paths.PARAMS), help="params file (default: %(default)s)")
        sub.set_defaults(run=run)
    predict = commands.add_parser("predict", help="label new statements with a trained model")
    predict.add_argument("--model", default=str(paths.MODEL))
    predict.add_argument("--input", required=True, help="CSV or JSONL with a text column; - for stdin")
    predict.add_argument("--output", default="-", help="CSV to write; - for stdout (default)")
    predict.set_defaults(run=run_predict)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
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

"""`stance <command>`: parse arguments, load params, hand over to the stage or command module.

Each pipeline stage is one module in stance.stages (mirroring dvc.yaml), each other command
one module in stance.commands; every one exposes run(params, args). Nothing heavy is
imported here: DVC starts one process per stage, and each imports only what it needs.
Errors a user can cause become one line on stderr and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from pathlib import Path

from stance import paths
from stance.errors import StanceError

STAGES = {
    "clean": "merge and adjudicate the batches in data/raw/",
    "agreement": "inter-annotator agreement of the votes",
    "datacard": "write the corpus data card data/README.md",
    "documents": "extract statements from data/documents/ for the annotation queue",
    "split": "divide statements into train and test sets (stable across rounds)",
    "select": "cross-validate candidate pipelines on the training set",
    "train": "fit the chosen pipeline on the training set",
    "evaluate": "score the model on the test set and external sets",
    "ablation": "macro-F1 with each cue family removed",
    "suspects": "training labels the model finds unlikely",
    "queue": "unlabelled statements to annotate next",
    "simulate": "replay annotation rounds: which queue strategy learns most per label",
    "behaviour": "CheckList behavioural tests of the model",
    "previous": "the last committed test predictions, for the report's comparison",
    "report": "write reports/report.md and reports/report.html",
}
TASKS = paths.TASKS


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stance", description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=str(paths.PARAMS), help="params file (default: %(default)s)")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in STAGES.items():
        stage = commands.add_parser(name, help=text)
        stage.set_defaults(module=f"stance.stages.{name}")
        if name in ("train", "evaluate"):
            stage.add_argument("--task", choices=TASKS, default="stance", help="stance (default) or tone")
    compare = commands.add_parser("compare", help="is the change between two revisions real or noise?")
    compare.add_argument("rev_a")
    compare.add_argument("rev_b")
    compare.add_argument("--json", action="store_true", help="the whole result as JSON")
    experiments = commands.add_parser("experiments", help="queue a sweep, or collect its results into a table")
    experiments.add_argument("action", choices=["queue", "collect"])
    experiments.add_argument("sweep", help="sweep file, e.g. experiments/feature_sets.yaml")
    predict = commands.add_parser("predict", help="label new statements with a trained model")
    predict.add_argument("--model", default=str(paths.MODEL))
    predict.add_argument("--input", required=True, help="CSV or JSONL with a text column; - for stdin")
    predict.add_argument("--output", default="-", help="CSV to write; - for stdout (default)")
    predict.add_argument(
        "--chunk-size",
        type=int,
        default=None,
        help="classify a CSV in chunks of this many rows, in two worker processes (file to file); "
        "0 reads the input at once; default: chunks of 20000 for CSV files over 8 MB",
    )
    predict.add_argument(
        "--documents",
        action="store_true",
        help="the input is articles (a .txt/.md file, a folder, or JSONL): extract their statements first",
    )
    extract = commands.add_parser("extract", help="articles or transcripts → one row per statement, with its speaker")
    extract.add_argument("--input", required=True, help="a .txt/.md file, a folder of them, or JSONL with text")
    extract.add_argument("--output", default="-", help="CSV to write; - for stdout (default)")
    timeline = commands.add_parser("timeline", help="stance over time per speaker: threat and warning shares")
    timeline.add_argument("--input", required=True, help="CSV/JSONL with speaker, date and predicted_label or label")
    timeline.add_argument("--output", required=True, help="CSV to write")
    timeline.add_argument("--figure", default=None, help="also draw the threat share over time to this PNG")
    for name in ("compare", "experiments", "predict", "extract", "timeline"):
        commands.choices[name].set_defaults(module=f"stance.commands.{name}")
    return parser


def load(args):
    """The validated params; predict runs without a params file (then it cannot check labels)."""
    from stance.config import Params, load_params

    if args.command in ("predict", "extract", "timeline") and not Path(args.params).is_file():
        return Params()
    return load_params(args.params)


LINE_BREAKS = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")


def one_line(message: str) -> str:
    """The message with every character a terminal or splitlines() breaks on shown escaped."""
    return LINE_BREAKS.sub(lambda match: repr(match.group())[1:-1], message)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        importlib.import_module(args.module).run(load(args), args)
    except StanceError as exc:
        print(f"stance {args.command}: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except MemoryError:
        print(f"stance {args.command}: error: out of memory (the input is too large for this machine)", file=sys.stderr)
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

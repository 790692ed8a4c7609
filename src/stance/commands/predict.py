"""`stance predict`: label new statements with a trained model (CSV or JSONL in, CSV out)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from stance.card import check_card, read_card
from stance.config import Params
from stance.io import atomic_path, read_table, write_csv
from stance.paths import TASKS
from stance.prediction import predict_frame
from stance.tasks import task_labels


def run(params: Params, args) -> None:
    """Check the model card against params, load the model, and label the input."""
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


def _predict_in_chunks(model, args) -> None:
    """Large CSVs: read, classify and write chunk by chunk, so memory stays flat."""
    from stance.streaming import predict_streaming, read_chunks

    with atomic_path(Path(args.output)) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        first = [True]

        def write(chunk: pd.DataFrame) -> None:
            chunk.to_csv(handle, index=False, header=first[0], lineterminator="\n")
            first[0] = False

        predict_streaming(model, read_chunks(args.input, args.chunk_size), write)

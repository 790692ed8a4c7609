"""`stance predict`: label new statements with a trained model (CSV or JSONL in, CSV out).

Every input row is kept. A row with nothing to label (no text, a JSON text that is not a
string, a text over clean.max_chars) keeps empty predicted_label and p_* cells, and the
`problem` column (empty for labelled rows) says why: a bad row is never labelled silently.
A file read at once and one read in chunks (--chunk-size) go through the same code,
stance.streaming.predict_streaming, so their outputs agree.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path

import pandas as pd

from stance.card import card_path, check_card, read_card
from stance.config import Params
from stance.errors import StanceError
from stance.io import atomic_path, read_table_chunks, read_table_with_kinds, reads_as_jsonl, write_csv, write_csv_to
from stance.paths import TASKS
from stance.prediction import check_text_column, replaced_columns, shown, text_problems
from stance.tasks import task_labels


def run(params: Params, args) -> None:
    """Check the arguments and the model card, load the model, and label the input."""
    _check_arguments(args)
    model = _load_model(params, args)
    flag = partial(text_problems, max_chars=params.clean.max_chars)
    if args.documents:
        from stance.documents import extract_statements, read_documents

        table, kinds = extract_statements(read_documents(Path(args.input))), None
    elif _chunk_size(args) and args.input != "-" and args.output != "-" and not reads_as_jsonl(args.input):
        _predict_in_chunks(model, args, flag)
        return
    else:
        table, kinds = read_table_with_kinds(args.input)
    predicted = _predict_table(model, table, args.input, partial(flag, kinds=kinds))
    if args.output == "-":
        write_csv_to(predicted, sys.stdout)
    else:
        write_csv(predicted, Path(args.output), for_people=True)


AUTO_CHUNK_BYTES = 8 * 2**20  # ~50,000 statements: from here on, two workers repay their start-up
AUTO_CHUNK_ROWS = 20_000


def _chunk_size(args) -> int:
    """--chunk-size as given; by default, chunks (and worker processes) only for large input files."""
    if args.chunk_size is not None:
        return args.chunk_size
    large = args.input != "-" and Path(args.input).is_file() and Path(args.input).stat().st_size > AUTO_CHUNK_BYTES
    return AUTO_CHUNK_ROWS if large else 0


def _check_arguments(args) -> None:
    """Refuse what would fail late or harm: a negative chunk size, an output that is a folder,
    sits under a file, or is the input itself (the input would be gone once the output
    replaced it). An output in a folder that does not exist yet is fine: it is created."""
    if args.chunk_size is not None and args.chunk_size < 0:
        raise StanceError(f"--chunk-size {args.chunk_size}: expected a number of rows (0 reads the input at once)")
    if args.output == "-":
        return
    output = Path(args.output)
    if output.is_dir():
        raise StanceError(f"{args.output}: is a folder; --output needs a file name")
    blocking = next((parent for parent in output.parents if parent.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise StanceError(f"{args.output}: {blocking} is a file, so it cannot hold the output")
    if args.input != "-" and _same_file(Path(args.input), output):
        raise StanceError(f"{args.output}: would overwrite the input; write the predictions to another file")


def _same_file(a: Path, b: Path) -> bool:
    # resolve() sees through symbolic links and "..", samefile through hard links.
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


def _load_model(params: Params, args):
    """The model, after its card is checked against params; refuses a file that holds no classifier."""
    from stance.persist import load_model

    path = Path(args.model)
    card = read_card(path)
    if card is not None and not isinstance(card, dict):
        raise StanceError(f"{card_path(path)}: model card is not a JSON object (got {type(card).__name__})")
    expected = task_labels(card["task"], params) if card and card.get("task") in TASKS else None
    expected = expected if Path(args.params).is_file() else None
    check_card(card, path, expected)
    model = load_model(path, expected)  # the model's own classes_ too: a card may sit beside the wrong model
    if not (hasattr(model, "predict_proba") and hasattr(model, "classes_")):
        raise StanceError(f"{path}: holds no fitted classifier (train one with `dvc repro`)")
    return model


def _predict_table(model, table: pd.DataFrame, source: str, flag) -> pd.DataFrame:
    """The whole table labelled at once: one chunk, classified in this process."""
    from stance.streaming import predict_streaming

    _check_columns(table.columns, source)
    out = []
    predict_streaming(model, [table], out.append, n_jobs=1, progress=False, flag=flag)
    return out[0]


def _predict_in_chunks(model, args, flag) -> None:
    """Large CSVs: read, classify and write chunk by chunk, so memory stays flat."""
    from stance.streaming import predict_streaming

    chunks = _checked_first(read_table_chunks(args.input, _chunk_size(args)), args.input)
    with atomic_path(Path(args.output)) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        first = [True]

        def write(chunk: pd.DataFrame) -> None:
            write_csv_to(chunk, handle, header=first[0], for_people=True)
            first[0] = False

        predict_streaming(model, chunks, write, flag=flag)


def _checked_first(chunks: Iterable[pd.DataFrame], source: str) -> Iterator[pd.DataFrame]:
    """The chunks, the first checked by _check_columns (every chunk has the same columns)."""
    for number, chunk in enumerate(chunks):
        if number == 0:
            _check_columns(chunk.columns, source)
        yield chunk


def _check_columns(columns, source: str) -> None:
    """A text column is needed; prediction columns already in the input are replaced, with a warning."""
    check_text_column(columns, source)
    replaced = replaced_columns(columns)
    if replaced:
        print(
            f"warning: {source}: its columns {', '.join(map(shown, replaced))} are replaced by this prediction",
            file=sys.stderr,
        )

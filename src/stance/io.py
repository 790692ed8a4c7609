"""Reading annotation batches and writing outputs atomically.

All disk access of the pipeline goes through here, so the stage cores stay pure.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stance.errors import StanceError, located

BATCH_SUFFIXES = (".csv", ".jsonl", ".json")


@dataclass(frozen=True)
class Batch:
    """One annotation file: its rows as strings, each with the line it started on."""

    name: str
    rows: pd.DataFrame  # all cells str; column "line" holds the source line number


def list_batches(raw_dir: Path) -> list[Path]:
    """Batch files in a stable order (by name); anything else in the folder is an error."""
    if not raw_dir.is_dir():
        raise StanceError(f"{raw_dir}: folder not found")
    files = sorted(p for p in raw_dir.iterdir() if not p.name.startswith("."))
    strangers = [p.name for p in files if p.suffix.lower() not in BATCH_SUFFIXES or p.is_dir()]
    if strangers:
        raise StanceError(
            f"{raw_dir}/{strangers[0]}: not a batch file "
            f"(expected {' or '.join(BATCH_SUFFIXES)}; move it out of {raw_dir})"
        )
    if not files:
        raise StanceError(f"{raw_dir}: no batch files (expected *.csv, *.jsonl or Label Studio *.json)")
    return files


def read_batch(
    path: Path, columns: dict[str, str] | None = None, label_studio: tuple[str, str] = ("label", "tone")
) -> Batch:
    """Parse one CSV, JSONL or Label Studio JSON batch; raise StanceError naming the file and line on bad input.

    label_studio: the names (from_name) of the stance and tone choice controls in a Label Studio export.
    """
    text = _decode(path, path.read_bytes())
    suffix = path.suffix.lower()
    if suffix == ".json":
        frame = _parse_label_studio(path, text, *label_studio)
    else:
        frame = (_parse_jsonl if suffix == ".jsonl" else _parse_csv)(path, text)
    if columns:
        frame = frame.rename(columns={source: target for target, source in columns.items()})
    return Batch(name=path.name, rows=frame)


def read_table(source: str, lines: bool = False) -> pd.DataFrame:
    """Read a CSV or JSONL table from a path, or from stdin when source is '-' (with a line column if asked)."""
    if source == "-":
        name, data = "<stdin>", sys.stdin.buffer.read()
    else:
        path = Path(source)
        try:
            name, data = source, path.read_bytes()
        except OSError as exc:
            raise StanceError(f"{source}: cannot read ({exc.strerror})") from None
    text = _decode(name, data)
    parse = _parse_jsonl if name.endswith(".jsonl") or text.lstrip().startswith("{") else _parse_csv
    table = parse(name, text)
    return table if lines else table.drop(columns="line")


def _decode(name, data: bytes) -> str:
    if not data.strip():
        raise located(name, None, "empty file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise located(
            name,
            line,
            f"not UTF-8 (byte 0x{data[exc.start]:02x}; likely Latin-1 or Windows-1252: re-save the file as UTF-8)",
        ) from None


def _parse_csv(name, text: str) -> pd.DataFrame:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        records, starts, last = [], [], reader.line_num
        for record in reader:
            starts.append(last + 1)
            last = reader.line_num
            if not any(cell.strip() for cell in record):
                records.append(None)
                continue
            if len(record) != len(header):
                raise located(name, starts[-1], f"{len(record)} fields, header has {len(header)}")
            records.append(record)
    except csv.Error as exc:
        raise located(name, reader.line_num, f"malformed CSV ({exc}; unbalanced quotes?)") from None
    header = [column.strip() for column in header]
    _check_header(name, header)
    kept = [(line, rec) for line, rec in zip(starts, records, strict=True) if rec is not None]
    frame = pd.DataFrame([rec for _, rec in kept], columns=header, dtype=str)
    frame.insert(0, "line", [line for line, _ in kept])
    return frame


def _parse_jsonl(name, text: str) -> pd.DataFrame:
    rows, lines = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise located(name, number, f"not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise located(name, number, "each line must be a JSON object")
        rows.append({k: "" if v is None else str(v) for k, v in obj.items()})
        lines.append(number)
    frame = pd.DataFrame(rows, dtype=str).fillna("")
    frame.insert(0, "line", lines)
    return frame


def _check_header(name, header: list[str]) -> None:
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in header[0])
        shown = {"\t": "tab", ";": "semicolon", "|": "pipe"}[sep]
        raise located(name, 1, f"{shown}-separated header; expected a comma-separated CSV")
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if duplicated:
        raise located(name, 1, f"duplicate column(s) {', '.join(duplicated)}")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table that reads back exactly: a lone carriage return inside a cell is not a
    line break to the csv writer (the line terminator is LF), so such a table is fully quoted."""
    texts = frame.select_dtypes(include=["object", "string"])
    has_cr = any(texts[c].astype(str).str.contains("\r", regex=False).any() for c in texts)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n", quoting=csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL)


def read_frame(path: Path) -> pd.DataFrame:
    """A table this pipeline wrote earlier, every cell as text."""
    if not Path(path).is_file():
        raise StanceError(f"{path}: not found (run the earlier stages: `dvc repro`)")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_json(path: Path) -> dict:
    """A JSON file this pipeline wrote earlier."""
    if not Path(path).is_file():
        raise StanceError(f"{path}: not found (run the earlier stages: `dvc repro`)")
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_json(obj, path: Path) -> None:
    write_text(json.dumps(obj, indent=2, sort_keys=False, ensure_ascii=False) + "\n", path)


def write_text(text: str, path: Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def read_external(path: Path, params) -> pd.DataFrame:
    """A labelled CSV/JSONL outside the corpus (text, label), labels checked against params."""
    table = read_table(str(path), lines=True)
    missing = [c for c in ("text", "label") if c not in table.columns]
    if missing:
        raise located(path, 1, f"missing column {missing[0]!r} (an external set needs text and label)")
    lowered = {k.casefold(): v for k, v in params.synonyms.items()}
    labels = table["label"].fillna("").str.strip().map(lambda v: lowered.get(v.casefold(), v.casefold()))
    unknown = labels[~labels.isin(params.labels)]
    if not unknown.empty:
        row = unknown.index[0]
        raise located(
            path, table["line"][row], f"unknown label {table['label'][row]!r} (allowed: {', '.join(params.labels)})"
        )
    return table.drop(columns="line").assign(label=labels, text=table["text"].fillna("").astype(str))


def _parse_label_studio(name, text: str, label_from: str, tone_from: str) -> pd.DataFrame:
    """A Label Studio "Export → JSON" file: one row per (task, annotation); `line` is the task's position."""
    try:
        tasks = json.loads(text)
    except json.JSONDecodeError as exc:
        raise located(name, exc.lineno, f"not valid JSON ({exc.msg})") from None
    if not isinstance(tasks, list):
        raise located(name, None, "a Label Studio export is a JSON list of tasks")
    rows = []
    for position, task in enumerate(tasks, start=1):
        data = task.get("data", {}) if isinstance(task, dict) else {}
        if "text" not in data:
            raise located(name, position, "Label Studio task without data.text")
        base = {k: "" if v is None else str(v) for k, v in data.items()}
        base.setdefault("statement_id", f"ls-{task.get('id', position)}")
        for annotation in task.get("annotations", []) or [{}]:
            choices = {
                r.get("from_name"): (r.get("value", {}).get("choices") or [""])[0]
                for r in annotation.get("result", [])
                if isinstance(r, dict)
            }
            who = annotation.get("completed_by", "")
            who = who.get("email", who.get("id", "")) if isinstance(who, dict) else who
            rows.append(
                {
                    "line": position,
                    **base,
                    "label": choices.get(label_from, ""),
                    "tone": choices.get(tone_from, base.get("tone", "")),
                    "annotator": str(who),
                }
            )
    return pd.DataFrame(rows).fillna("")

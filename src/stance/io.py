"""Reading annotation batches and writing outputs atomically.

All disk access of the pipeline goes through here, so the stage cores stay pure.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stance.errors import StanceError, located

BATCH_SUFFIXES = (".csv", ".jsonl", ".json")
# Columns the readers add to every table; a file bringing its own would be overwritten or
# crash the reader, so it is refused with the reason.
REJECT_REASON = "_reject"  # set by a reader when a row can only be rejected (clean rejects it with this reason)
RESERVED_COLUMNS = {
    "line": "the reader numbers the rows in it",
    REJECT_REASON: "the reader uses it for rows it cannot turn into votes",
}
# Python's csv refuses fields over 128 KiB and stops the whole read; a long cell should instead
# reach clean and be rejected as too long. 2**31 - 1 is the largest bound every platform accepts.
CSV_FIELD_LIMIT = 2**31 - 1
# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Batch:
    """One annotation file: its rows as strings, each with the line it started on."""

    name: str
    rows: pd.DataFrame  # all cells str; column "line" holds the source line number


def list_batches(raw_dir: Path) -> list[Path]:
    """Batch files in a stable order (by name); anything else in the folder is an error.

    Hidden files are skipped with one line each on stderr: a batch hidden by a leading dot
    must not drop out of the corpus without a word.
    """
    if not raw_dir.is_dir():
        raise StanceError(f"{raw_dir}: folder not found")
    entries = sorted(raw_dir.iterdir())
    for hidden in (p for p in entries if p.name.startswith(".")):
        print(f"warning: skipping hidden {'folder' if hidden.is_dir() else 'file'} {hidden}", file=sys.stderr)
    files = [p for p in entries if not p.name.startswith(".")]
    strangers = [p.name for p in files if p.suffix.lower() not in BATCH_SUFFIXES or p.is_dir()]
    if strangers:
        raise StanceError(
            f"{raw_dir}/{strangers[0]}: not a batch file "
            f"(expected {' or '.join(BATCH_SUFFIXES)}; move it out of {raw_dir})"
        )
    for path in files:
        _check_regular(path)
    if not files:
        raise StanceError(f"{raw_dir}: no batch files (expected *.csv, *.jsonl or Label Studio *.json)")
    return files


def read_batch(
    path: Path, columns: dict[str, str] | None = None, label_studio: tuple[str, str] = ("label", "tone")
) -> Batch:
    """Parse one CSV, JSONL or Label Studio JSON batch; raise StanceError naming the file and line on bad input.

    label_studio: the names (from_name) of the stance and tone choice controls in a Label Studio export.
    """
    _check_regular(path)
    text = _decode(path, path.read_bytes())
    suffix = path.suffix.lower()
    if suffix == ".json":
        frame = _parse_label_studio(path, text, *label_studio)
    else:
        frame = (_parse_jsonl if suffix == ".jsonl" else _parse_csv)(path, text)
    if columns:
        frame = _rename(path, frame, columns)
    return Batch(name=path.name, rows=frame)


def _check_regular(path: Path) -> None:
    """Refuse anything but a regular file: reading a named pipe waits for a writer forever."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise StanceError(f"{path}: a link to a file that does not exist") from None
    if stat.S_ISREG(mode):
        return
    kind = "a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device or folder"
    raise StanceError(f"{path}: not a regular file ({kind}); a batch must be an ordinary file")


def _rename(name, frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Apply clean.columns ({canonical name: name in the file}).

    Renaming onto a column the file already has would leave two columns of one name, and
    clean would silently read one of them: refused.
    """
    moved = {source for source in columns.values() if source in frame.columns}
    for target, source in columns.items():
        if source in moved and source != target and target in frame.columns and target not in moved:
            raise StanceError(f"{name}: column mapping {target} ← {source} collides with an existing column {target!r}")
    return frame.rename(columns={source: target for target, source in columns.items()})


def read_table(source: str, lines: bool = False) -> pd.DataFrame:
    """Read a CSV or JSONL table from a path, or from stdin when source is '-' (with a line column if asked).

    UTF-8 (with or without BOM), or UTF-16/UTF-32 with their byte-order mark. A binary file
    (an image, a zip such as a .skops model) or text holding NUL characters is refused with
    a one-line error, as is a JSON array (predict reads JSONL: one object a line).
    """
    table, _ = _read_table(source, with_kinds=False)
    return table if lines else table.drop(columns="line")


def read_table_with_kinds(source: str) -> tuple[pd.DataFrame, list[str | None]]:
    """read_table, and for each row the JSON type of its `text` where that is not a string
    ("number", "boolean", "list" or "object"; None for strings, nulls and every CSV row).

    The JSONL reader turns every value into a string (5 becomes "5"), so here is the last
    place where a number given as a text can still be told from a text.
    """
    table, kinds = _read_table(source, with_kinds=True)
    return table.drop(columns="line"), kinds


# Byte-order marks of the encodings read besides UTF-8 (whose own mark _decode drops).
# UTF-32 comes first: its little-endian mark starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# How common binary files begin. They are named in the error: "not UTF-8, re-save it"
# would send the user re-saving a file that never was text.
_SIGNATURES = (
    (b"PK\x03\x04", "a zip archive (a .skops model? an .xlsx workbook?)"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office file (.xls or .doc)"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "a program"),
)
_NOT_A_TABLE = "not a CSV or JSONL table"
# Control bytes no text editor or spreadsheet writes; plentiful in binary data.
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\v\f\r\x1b")
_NUL = "NUL character (binary data, or UTF-16 without a byte-order mark?); expected a UTF-8 CSV or JSONL table"
_HEAD = 1 << 16  # bytes sniffed for binary data and byte-order marks
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# What str() makes of a JSON number, true/false, list or object: only a text cell of this
# shape can hide a value that was not a string, so only its line is parsed again.
_STRINGIFIED = re.compile(r"-?(?:\d+(?:\.\d*)?(?:e[+-]?\d+)?|inf|nan)|True|False|[\[{].*", re.DOTALL)


def _read_table(source: str, with_kinds: bool) -> tuple[pd.DataFrame, list[str | None]]:
    """The table with its line column, and the text kinds (empty unless asked for)."""
    name, data = _read_source(source)
    text = _decode_input(name, data)
    start = text.lstrip()[:1]
    if name.lower().endswith(".json") and start == "[":
        raise located(name, None, "a JSON array; expected a CSV, or JSONL (one JSON object a line)")
    if not _is_jsonl(name, start):
        table = _parse_csv(name, text)
        return table, [None] * len(table) if with_kinds else []
    table = _parse_jsonl(name, text)
    if _SURROGATE_ESCAPE.search(text):
        _check_encodable(name, table)
    return table, _text_kinds(text, table) if with_kinds else []


def reads_as_jsonl(source: str) -> bool:
    """Whether read_table takes the file `source` for JSONL (stdin: False, it cannot be peeked at)."""
    if source.endswith(".jsonl"):
        return True
    if source == "-" or source.lower().endswith(".csv"):
        return False
    head = _read_head(source, Path(source))[:1024]
    encoding = next((encoding for mark, encoding in _BOMS if head.startswith(mark)), "utf-8-sig")
    return _is_jsonl(source, head.decode(encoding, errors="ignore").lstrip()[:1])


def _is_jsonl(name: str, start: str) -> bool:
    """JSONL by its name; a name other than .csv (stdin, .txt) by its first character."""
    return name.endswith(".jsonl") or (start == "{" and not name.lower().endswith(".csv"))


def _read_source(source: str) -> tuple[str, bytes]:
    """(name for messages, bytes) of a path, or of stdin for '-'."""
    if source == "-":
        return "<stdin>", sys.stdin.buffer.read()
    try:
        return source, Path(source).read_bytes()
    except OSError as exc:
        raise StanceError(f"{source}: cannot read ({exc.strerror})") from None


def _decode_input(name, data: bytes) -> str:
    """The text of an input table: UTF-8, or UTF-16/UTF-32 by their byte-order mark.

    Binary data and NUL characters are refused: no spreadsheet or editor writes them into
    a CSV, and a NUL in a cell would reach the output unseen.
    """
    encoding = _encoding_of(name, data[:_HEAD], complete=len(data) <= _HEAD)
    text = _decode(name, data) if encoding == "utf-8" else _decode_marked(name, data, encoding)
    if not text.strip():  # _decode looks at the bytes: a byte-order mark alone is not a table
        raise located(name, None, "empty file")
    at = text.find("\x00")
    if at >= 0:
        raise located(name, text.count("\n", 0, at) + 1, _NUL)
    return text


def _encoding_of(name, head: bytes, complete: bool) -> str:
    """The encoding ("utf-8", "utf-16" or "utf-32") by the first bytes; a known binary
    format, or bytes that look binary, raise. complete: head is the whole file."""
    for mark, encoding in _BOMS:
        if head.startswith(mark):
            return encoding
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise located(name, None, f"{what}, {_NOT_A_TABLE}")
    if _looks_binary(head, complete):
        raise located(name, None, f"binary data, {_NOT_A_TABLE}")
    return "utf-8"


def _looks_binary(head: bytes, complete: bool) -> bool:
    """Not UTF-8, and more than 1% control bytes: a Latin-1 or Windows-1252 text has none,
    so it still gets the "not UTF-8 (byte …)" message that says how to fix it."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
        return False
    except UnicodeDecodeError:
        controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
        return controls * 100 > len(head)


def _decode_marked(name, data: bytes, encoding: str) -> str:
    """Text with a UTF-16 or UTF-32 byte-order mark (the codec reads the mark and drops it)."""
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise located(name, line, f"not valid {encoding.upper()} ({exc.reason}); re-save the file as UTF-8") from None
    return text


def _check_encodable(name, table: pd.DataFrame) -> None:
    """Refuse a lone surrogate escape ("\\ud800"): JSON lets it through, but it is half a
    character and no output file can hold it."""
    problem = "holds a lone surrogate escape (\\ud800-\\udfff), half of a character; fix or remove it"
    for column in table.columns:
        if _SURROGATE.search(str(column)):
            raise located(name, None, f"a key {problem}")
        if column == "line" or table.empty:
            continue
        hits = table[column].astype(str).str.contains(_SURROGATE).to_numpy()
        if hits.any():
            raise located(name, int(table["line"].iloc[hits.argmax()]), f"{column!r} {problem}")


def _text_kinds(text: str, table: pd.DataFrame) -> list[str | None]:
    """The JSON type of each row's text where it is not a string (see read_table_with_kinds)."""
    if "text" not in table.columns:
        return [None] * len(table)
    lines = text.split("\n")
    return [
        _kind_at(lines, line, cell) if _STRINGIFIED.fullmatch(cell) else None
        for line, cell in zip(table["line"], table["text"], strict=True)
    ]


def _kind_at(lines: list[str], line: int, cell: str) -> str | None:
    """The JSON type of "text" on that line, if it is not a string and is what the cell shows."""
    try:
        value = json.loads(lines[line - 1]).get("text")
    except (ValueError, IndexError, AttributeError, RecursionError):
        return None  # the reader numbered its lines otherwise: leave the cell as the text it shows
    if isinstance(value, str) or value is None or str(value) != cell:
        return None
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "list" if isinstance(value, list) else "object"


def read_table_chunks(source: str, chunk_size: int) -> Iterator[pd.DataFrame]:
    """A CSV file as DataFrames of up to chunk_size rows (every cell text), read as consumed.

    The same encodings, checks and one-line errors as read_table, so that a file is read or
    refused alike whether it is predicted in chunks or at once; a file with a header and no
    rows gives one empty chunk that carries its columns.
    """
    path = Path(source)
    head = _read_head(source, path)
    encoding = _encoding_of(source, head, complete=len(head) < _HEAD)
    if len(head) < _HEAD:
        _decode_input(source, head)  # a small file: every check at once, before any output
    with path.open(encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline="") as handle:
        reader = csv.reader(_lines_without_nul(source, handle), strict=True)
        try:
            yield from _csv_chunks(source, reader, chunk_size)
        except UnicodeDecodeError as exc:
            raise _undecodable(source, path, encoding, exc) from None
        except csv.Error as exc:
            raise located(source, reader.line_num, f"malformed CSV ({exc}; unbalanced quotes?)") from None


def _read_head(source: str, path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(_HEAD)
    except OSError as exc:
        raise StanceError(f"{source}: cannot read ({exc.strerror})") from None


def _lines_without_nul(source: str, handle) -> Iterator[str]:
    """The lines of handle, refusing a NUL character as _decode_input does."""
    for number, line in enumerate(handle, start=1):
        if "\x00" in line:
            raise located(source, number, _NUL)
        yield line


def _csv_chunks(source: str, reader, chunk_size: int) -> Iterator[pd.DataFrame]:
    """Rows of reader in chunks, checked as _parse_csv checks them (blank rows skipped)."""
    csv.field_size_limit(2**31 - 1)  # as _parse_csv: a long text is flagged later, not a parse error
    header = [column.strip() for column in next(reader, [])]
    _check_header(source, header)
    rows, last, yielded = [], reader.line_num, False
    for record in reader:
        start, last = last + 1, reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            raise located(source, start, f"{len(record)} fields, header has {len(header)}")
        rows.append(record)
        if len(rows) == chunk_size:
            yield pd.DataFrame(rows, columns=header, dtype=str)
            rows, yielded = [], True
    if rows or not yielded:
        yield pd.DataFrame(rows, columns=header, dtype=str)


def _undecodable(source: str, path: Path, encoding: str, exc: UnicodeDecodeError) -> StanceError:
    """The error for a file that stops decoding part-way; for UTF-8, names the line and byte
    as _decode does (found by a second pass: the decoder's own position is within a buffer)."""
    if encoding != "utf-8":
        return located(source, None, f"not valid {encoding.upper()} ({exc.reason}); re-save the file as UTF-8")
    decoder, line = codecs.getincrementaldecoder("utf-8")(), 1
    with path.open("rb") as handle:
        while True:
            block = handle.read(1 << 20)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as bad:
                # bad.object is the decoder's pending bytes (never a newline) + this block
                where = line + bad.object.count(b"\n", 0, bad.start)
                byte = bad.object[bad.start]
                return located(
                    source,
                    where,
                    f"not UTF-8 (byte 0x{byte:02x}; likely Latin-1 or Windows-1252: re-save the file as UTF-8)",
                )
            if not block:
                break
            line += block.count(b"\n")
    return located(source, None, f"not UTF-8 ({exc.reason}); re-save the file as UTF-8")


def write_csv_to(frame: pd.DataFrame, handle, header: bool = True, for_people: bool = False) -> None:
    """Write frame to an open text handle (stdout, or a file written chunk by chunk), quoted
    as write_csv quotes: every cell, when one holds a lone carriage return (see write_csv)."""
    if for_people:
        frame = _defuse_formulas(frame)
    texts = frame.select_dtypes(include=["object", "string"])
    has_cr = any(texts[c].astype(str).str.contains("\r", regex=False).any() for c in texts)
    quoting = csv.QUOTE_ALL if has_cr else csv.QUOTE_MINIMAL
    frame.to_csv(handle, index=False, header=header, lineterminator="\n", quoting=quoting)


def _decode(name, data: bytes) -> str:
    if not data.strip():
        raise located(name, None, "empty file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise located(
            name,
            line,
            f"not UTF-8 (byte 0x{data[exc.start]:02x}; likely Latin-1 or Windows-1252: re-save the file as UTF-8)",
        ) from None
    if not text.strip():  # a byte-order mark alone is not a table
        raise located(name, None, "empty file")
    return text


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def lines_of(text: str) -> Iterator[str]:
    """The lines of text as io.StringIO(text, newline="") yields them (ending at \\n, \\r\\n or \\r, kept).

    StringIO holds its text as 4 bytes a character: a 270 MB batch took another 1 GB there.
    """
    return (match.group() for match in _LINE.finditer(text))


def _parse_csv(name, text: str) -> pd.DataFrame:
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(lines_of(text), strict=True)
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
    # Only "\n" ends a record: str.splitlines also splits on U+2028, U+2029, "\x85" and a lone
    # "\r", all of which JSON allows inside a string. A CRLF line keeps its "\r", which JSON
    # reads as whitespace.
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise located(name, number, f"not valid JSON ({exc.msg})") from None
        except (RecursionError, ValueError) as exc:  # nesting too deep, an integer of thousands of digits
            raise located(name, number, f"JSON this reader refuses ({type(exc).__name__}: {str(exc)[:80]})") from None
        if not isinstance(obj, dict):
            raise located(name, number, "each line must be a JSON object")
        _check_reserved(name, number, obj)
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
        raise located(
            name,
            1,
            f"duplicate column(s) {', '.join(repr(c) if chr(10) in c or chr(13) in c else c for c in duplicated)}",
        )
    _check_reserved(name, 1, header)


def _check_reserved(name, line: int, columns) -> None:
    """Refuse a column named like one the readers add (RESERVED_COLUMNS)."""
    clash = next((c for c in columns if c in RESERVED_COLUMNS), None)
    if clash is not None:
        raise located(name, line, f"column {clash!r} is reserved ({RESERVED_COLUMNS[clash]}): rename it in the file")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; it replaces `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp creates the file 0600 whatever the umask; an output is meant to be as
        # readable as any other file the user creates.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    """The process umask. Linux shows it in /proc; elsewhere reading it means setting it, and
    it is set back at once."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(next(line for line in status.splitlines() if line.startswith("Umask:")).split()[1], 8)
    except (OSError, StopIteration, ValueError, IndexError):
        mask = os.umask(0o022)
        os.umask(mask)
        return mask


def write_csv(frame: pd.DataFrame, path: Path, for_people: bool = False) -> None:
    """Write a table that reads back exactly: a lone carriage return inside a cell is not a
    line break to the csv writer (the line terminator is LF), so such a table is fully quoted.

    for_people: the table is for people to open in a spreadsheet and no stage reads it back;
    a text cell starting with = + - @ TAB or CR then gets a leading apostrophe, so that a
    spreadsheet shows it rather than running it as a formula. Never for data tables the
    pipeline reads back: they must stay raw.
    """
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as handle:
        write_csv_to(frame, handle, for_people=for_people)


def _defuse_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` where every text cell a spreadsheet would run as a formula starts with an apostrophe."""
    frame = frame.copy()
    for column in frame.select_dtypes(include=["object", "string"]):
        frame[column] = frame[column].map(_defuse)
    return frame


def _defuse(value):
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def read_frame(path: Path, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A table this pipeline wrote earlier, every cell as text; only those of `columns` it has, if given
    (a stage that needs a few columns of a million-row table does not hold the rest)."""
    if not Path(path).is_file():
        raise StanceError(f"{path}: not found (run the earlier stages: `dvc repro`)")
    wanted = None if columns is None else set(columns).__contains__
    return pd.read_csv(path, dtype=str, keep_default_na=False, usecols=wanted)


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
        rows.extend(_task_rows(name, position, task, label_from, tone_from))
    return pd.DataFrame(rows).fillna("")


def _task_rows(name, position: int, task, label_from: str, tone_from: str) -> list[dict]:
    """One row per vote of a Label Studio task, or one row saying why it has none.

    Cancelled annotations are not votes. A task left without any still gives a row (carrying
    its reason in REJECT_REASON), so that clean rejects and counts it. A shape Label Studio
    never writes is an error naming the task: guessing would turn it into a wrong vote.
    """
    if not isinstance(task, dict):
        raise located(name, position, f"Label Studio task is not an object (got {_json_kind(task)})")
    where = f"Label Studio task {task.get('id', position)}"
    data = task.get("data", {})
    if not isinstance(data, dict):
        raise located(name, position, f"{where}: data is not an object (got {_json_kind(data)})")
    if "text" not in data:
        raise located(name, position, "Label Studio task without data.text")
    _check_reserved(name, position, data)
    base = {"line": position, **{k: "" if v is None else str(v) for k, v in data.items()}}
    base.setdefault("statement_id", f"ls-{task.get('id', position)}")
    annotations = task.get("annotations")
    annotations = [] if annotations is None else annotations  # an export may leave the key out or null
    if not isinstance(annotations, list):
        raise located(name, position, f"{where}: annotations is not a list (got {_json_kind(annotations)})")
    for annotation in annotations:
        if not isinstance(annotation, dict):
            raise located(name, position, f"{where}: an annotation is not an object (got {_json_kind(annotation)})")
    live = [a for a in annotations if a.get("was_cancelled") is not True]
    if not live:
        reason = "no annotation (all cancelled)" if annotations else "no annotation"
        return [{**base, "label": "", "tone": base.get("tone", ""), "annotator": "", REJECT_REASON: reason}]
    rows = []
    for annotation in live:
        choices = _choices(name, position, where, annotation.get("result", []))
        who = annotation.get("completed_by", "")
        who = who.get("email", who.get("id", "")) if isinstance(who, dict) else who
        label, tone = choices.get(label_from, ""), choices.get(tone_from, base.get("tone", ""))
        rows.append({**base, "label": label, "tone": tone, "annotator": str(who)})
    return rows


def _choices(name, position: int, where: str, result) -> dict[str, str]:
    """{control name: its choice} of one annotation's result.

    Several choices ticked in one control are joined, so that clean rejects them as an
    unknown label instead of the first being taken for the annotator's answer.
    """
    if not isinstance(result, list):
        raise located(name, position, f"{where}: annotation result is not a list (got {_json_kind(result)})")
    picked = {}
    for entry in result:
        if not isinstance(entry, dict):
            raise located(name, position, f"{where}: a result entry is not an object (got {_json_kind(entry)})")
        control, value = entry.get("from_name"), entry.get("value")
        if not isinstance(value, dict):
            raise located(name, position, f"{where}: value of {control!r} is not an object (got {_json_kind(value)})")
        if "choices" not in value:
            continue  # another kind of control (a text area, a rating): not a stance or tone vote
        choices = value["choices"]
        if not isinstance(choices, list) or not all(isinstance(c, str) for c in choices):
            got = "a list holding something else" if isinstance(choices, list) else _json_kind(choices)
            raise located(name, position, f"{where}: choices of {control!r} is not a list of strings (got {got})")
        picked[control] = ", ".join(choices)
    return picked


def _json_kind(value) -> str:
    """The JSON name of a parsed value's type, for error messages."""
    kinds = {type(None): "null", bool: "true/false", str: "a string", int: "a number", float: "a number"}
    return kinds.get(type(value), "a list" if isinstance(value, list) else "an object")

"""`stance extract`: articles, press releases or transcripts → one row per statement, with its speaker."""

from __future__ import annotations

import sys
from pathlib import Path

from stance.config import Params
from stance.documents import extract_statements, read_documents
from stance.io import write_csv


def run(params: Params, args) -> None:
    """A .txt/.md file, a folder of them, or JSONL documents → a statements CSV."""
    statements = extract_statements(read_documents(Path(args.input)))
    if args.output == "-":
        statements.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    write_csv(statements, Path(args.output))
    print(
        f"extract: {len(statements)} statements from {statements['document_id'].nunique()} document(s) → {args.output}"
    )

"""documents: articles in data/documents/ → statements for the annotation queue's pool.

Extracted statements that are already labelled (same normalised text) are left out, so the
queue never proposes a statement the corpus already has.
"""

from __future__ import annotations

import pandas as pd

from stance import paths
from stance.config import Params
from stance.documents import extract_statements, read_documents
from stance.io import read_frame, write_csv
from stance.text import match_key


def unlabelled_statements(extracted: pd.DataFrame, labelled: pd.DataFrame) -> pd.DataFrame:
    """The extracted statements whose text is not labelled yet, each text once."""
    keys = extracted["text"].map(match_key)
    fresh = ~keys.isin(set(labelled["text"].map(match_key))) & ~keys.duplicated()
    return extracted[fresh].reset_index(drop=True)


def run(params: Params, args=None) -> None:
    """data/documents/ + data/clean/statements.csv → data/extracted/statements.csv."""
    if paths.DOCUMENTS_DIR.is_dir() and any(p for p in paths.DOCUMENTS_DIR.iterdir() if not p.name.startswith(".")):
        extracted = extract_statements(read_documents(paths.DOCUMENTS_DIR))
    else:
        extracted = pd.DataFrame(columns=["document_id", "sentence", "text", "speaker", "quote", "date", "source"])
    pool = unlabelled_statements(extracted, read_frame(paths.STATEMENTS, columns=("text",)))
    write_csv(pool, paths.EXTRACTED)
    print(f"documents: {len(extracted)} statements extracted, {len(pool)} not yet labelled → {paths.EXTRACTED}")

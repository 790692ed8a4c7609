"""Pipeline outputs as they were at another git revision, read through dvc.api."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from stance.errors import StanceError


def read_at_revision(path: Path, rev: str, required: bool = False) -> pd.DataFrame | None:
    """The CSV at `path` in revision `rev`; None (or an error, when required) if it is not there."""
    import dvc.api  # imported here: it is slow to import and only compare/report need it

    try:
        text = dvc.api.read(path.as_posix(), repo=".", rev=rev, mode="r")
    except Exception as exc:
        if required:
            raise StanceError(f"{path} at revision {rev!r}: cannot read it ({type(exc).__name__}: {exc})") from None
        return None
    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        if not required:
            return None
        problem = "empty file" if isinstance(exc, pd.errors.EmptyDataError) else f"malformed CSV ({exc})"
        raise StanceError(f"{path} at revision {rev!r}: {problem}") from None

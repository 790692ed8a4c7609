"""Model cards: what a saved model was trained on and with, kept beside the model file."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from importlib.metadata import version
from pathlib import Path

from stance.errors import StanceError

LIBRARIES = ("scikit-learn", "skops", "numpy", "scipy", "pandas", "stance")


def card_path(model_path: Path) -> Path:
    """models/model.skops → models/model_card.json."""
    return model_path.with_name(f"{model_path.stem}_card.json")


def model_card(
    task: str, labels: list[str], training_file: Path, n_statements: int, recipe: dict, selection: dict
) -> dict:
    """The card's content: no creation time, so the same inputs give the same bytes (git dates the file)."""
    return {
        "task": task,
        "labels": labels,
        "training_data": {
            "path": training_file.as_posix(),
            "sha256": _sha256(training_file),
            "statements": n_statements,
        },
        "params": recipe,
        "metrics": {
            key: selection[key] for key in ("cv_macro_f1_mean", "cv_macro_f1_std", "folds") if key in selection
        },
        "libraries": {"python": platform.python_version(), **{name: version(name) for name in LIBRARIES}},
    }


def check_card(card: dict | None, model_path: Path, expected_labels: list[str] | None) -> None:
    """Warn about a library mismatch; refuse a model whose label set differs from the one expected."""
    if card is None:
        print(f"warning: {model_path}: no model card beside it; versions and labels cannot be checked", file=sys.stderr)
        return
    libraries = card.get("libraries", {})
    if not isinstance(libraries, dict) or not isinstance(card.get("labels", []), list):
        raise StanceError(
            f"{card_path(model_path)}: model card is malformed (libraries must be an object, labels a list)"
        )
    trained_with = libraries.get("scikit-learn")
    if trained_with and trained_with != version("scikit-learn"):
        print(
            f"warning: {model_path} was trained with scikit-learn {trained_with}; this is "
            f"{version('scikit-learn')} — predictions may differ",
            file=sys.stderr,
        )
    if expected_labels is not None and sorted(card.get("labels", [])) != sorted(expected_labels):
        raise StanceError(
            f"{model_path}: its labels {card.get('labels')} differ from params {expected_labels}; "
            "retrain it (`dvc repro`) or use the params it was trained with"
        )


def read_card(model_path: Path) -> dict | None:
    path = card_path(model_path)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StanceError(f"{path}:{exc.lineno}: model card is not valid JSON ({exc.msg})") from None


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

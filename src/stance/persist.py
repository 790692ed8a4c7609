"""Saving and loading models with skops, refusing any type not on the allow-list.

A skops file is inspected before anything in it is built: a file naming any other
type (os.system, say) or one that is not a skops archive at all is refused, so
nothing it carries ever runs.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import skops.io as sio

from stance.errors import StanceError
from stance.io import atomic_path

# Types our pipelines need beyond those skops already trusts (scikit-learn's estimators,
# numpy and scipy containers). Anything else in a model file is refused.
ALLOWED_TYPES = frozenset(
    {
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "stance.features.CodebookCues",
        "stance.features.NameMasker",
        "stance.streaming.BatchHashingVectorizer",
        "sklearn.utils._bunch.Bunch",
    }
)


def save_model(model, path: Path) -> None:
    """Write `model` to `path` as a skops file, atomically."""
    with atomic_path(path) as tmp:
        sio.dump(model, tmp, compression=zipfile.ZIP_DEFLATED)


def load_model(path: Path):
    """Load a skops model, refusing files that are not skops or name unknown types."""
    path = Path(path)
    if not path.is_file():
        raise StanceError(f"{path}: model file not found (run `dvc repro` to train one)")
    if not zipfile.is_zipfile(path):
        raise StanceError(f"{path}: not a skops model file (refusing to load it)")
    try:
        untrusted = set(sio.get_untrusted_types(file=path))
    except Exception as exc:
        raise StanceError(f"{path}: unreadable skops model ({exc})") from None
    refused = sorted(untrusted - ALLOWED_TYPES)
    if refused:
        raise StanceError(f"{path}: refusing to load: it names types outside the allow-list: {', '.join(refused)}")
    return sio.load(path, trusted=sorted(untrusted))

"""Saving and loading models with skops, refusing any type not on the allow-list.

A skops file is inspected before anything in it is built: a file naming any other
type (os.system, say) or one that is not a skops archive at all is refused, so
nothing it carries ever runs.
"""

from __future__ import annotations

import re
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
        "stance.models.TfidfNgrams",
        "stance.models.WeightedPipeline",
        "stance.streaming.BatchHashingVectorizer",
        "sklearn.utils._bunch.Bunch",
    }
)


_OBJECT_ID = re.compile(rb'("__id__": |"file": ")(\d+)')


def save_model(model, path: Path) -> None:
    """Write `model` to `path` as a skops file, atomically, with the same bytes for the same model.

    skops names members and memo entries after Python object ids and stamps the zip entries
    with the time of writing; both are renumbered / fixed here so that an unchanged model
    leaves an unchanged file (and DVC does not rerun what depends on it).
    """
    with atomic_path(path) as tmp:
        sio.dump(model, tmp, compression=zipfile.ZIP_DEFLATED)
        _make_deterministic(tmp)


def _make_deterministic(path: Path) -> None:
    with zipfile.ZipFile(path) as archive:
        members = [(info.filename, archive.read(info)) for info in archive.infolist()]
    numbers: dict[bytes, bytes] = {}

    def renumber(match: re.Match) -> bytes:
        return match.group(1) + numbers.setdefault(match.group(2), str(len(numbers)).encode())

    schema = dict(members)["schema.json"]
    schema = _OBJECT_ID.sub(renumber, schema)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            if name == "schema.json":
                data = schema
            else:
                stem, dot, suffix = name.partition(".")
                name = numbers.get(stem.encode(), stem.encode()).decode() + dot + suffix
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)


def load_model(path: Path, expected_labels=None):
    """Load a skops model, refusing files that are not skops or name unknown types.

    expected_labels: when given, the labels the model must predict (in any order). The model's
    own classes_ are checked, not its card: a card copied beside the wrong model (the stance
    card beside the tone model) would otherwise vouch for it.
    """
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
    model = sio.load(path, trusted=sorted(untrusted))
    if expected_labels is not None:
        _check_labels(path, model, expected_labels)
    return model


def _check_labels(path: Path, model, expected_labels) -> None:
    """Refuse a model whose classes_ are not exactly `expected_labels`."""
    expected = sorted({str(label) for label in expected_labels})
    classes = getattr(model, "classes_", None)
    if classes is None:
        raise StanceError(f"{path}: the model does not say which labels it predicts; [{', '.join(expected)}] expected")
    predicted = sorted({str(c) for c in classes})
    if predicted != expected:
        raise StanceError(
            f"{path}: the model predicts [{', '.join(predicted)}] but [{', '.join(expected)}] were expected"
        )

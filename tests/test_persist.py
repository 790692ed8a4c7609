import pickle
import zipfile

import pytest

from stance.config import TrainParams
from stance.errors import StanceError
from stance.persist import load_model, save_model
from stance.stages.train import train_model


def test_round_trip_gives_the_same_predictions(tmp_path, labelled):
    model = train_model(labelled, TrainParams(min_df=1, classifier="linear_svc"))
    save_model(model, tmp_path / "m.skops")
    loaded = load_model(tmp_path / "m.skops")
    assert (loaded.predict_proba(labelled["text"]) == model.predict_proba(labelled["text"])).all()


class Boom:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned > marker.txt",))


def test_pickle_renamed_skops_is_refused_without_running(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evil.skops").write_bytes(pickle.dumps(Boom()))
    with pytest.raises(StanceError, match="not a skops model file"):
        load_model(tmp_path / "evil.skops")
    assert not (tmp_path / "marker.txt").exists()


def test_skops_file_naming_os_system_is_refused_without_running(tmp_path, monkeypatch, labelled):
    monkeypatch.chdir(tmp_path)
    save_model(train_model(labelled, TrainParams(min_df=1)), tmp_path / "good.skops")
    with zipfile.ZipFile(tmp_path / "good.skops") as source, zipfile.ZipFile(tmp_path / "evil.skops", "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "schema.json":
                data = data.replace(b'"__class__": "WeightedPipeline"', b'"__class__": "system"')
                data = data.replace(b'"__module__": "stance.models"', b'"__module__": "os"')
            target.writestr(item, data)
    with pytest.raises(StanceError, match=r"outside the allow-list: .*\bos\.system\b"):
        load_model(tmp_path / "evil.skops")
    assert not (tmp_path / "marker.txt").exists()


def test_missing_model_file_is_a_clear_error(tmp_path):
    with pytest.raises(StanceError, match="model file not found"):
        load_model(tmp_path / "nope.skops")


def test_saving_the_same_model_twice_gives_the_same_bytes(tmp_path, labelled):
    """skops names members after object ids and stamps times; save_model renumbers and fixes them."""
    first = train_model(labelled, TrainParams(min_df=1))
    second = train_model(labelled, TrainParams(min_df=1))  # a separate fit: other objects, other ids
    save_model(first, tmp_path / "a.skops")
    save_model(second, tmp_path / "b.skops")
    assert (tmp_path / "a.skops").read_bytes() == (tmp_path / "b.skops").read_bytes()

import pytest

from stance.config import load_params
from stance.errors import StanceError


def write(tmp_path, text: str):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return path


def test_defaults_fill_missing_sections(tmp_path):
    params = load_params(write(tmp_path, "train:\n  C: 0.5\n"))
    assert params.train.C == 0.5
    assert params.split.test_size == 0.2
    assert params.clean.labels == ("threat", "warning", "neutral")


def test_misspelt_key_is_named_with_a_suggestion(tmp_path):
    with pytest.raises(StanceError, match=r"unknown key 'train.clasifier' \(did you mean 'classifier'\?\)"):
        load_params(write(tmp_path, "train:\n  clasifier: logreg\n"))


def test_unknown_section_lists_allowed_sections(tmp_path):
    allowed = "allowed: clean, evaluate, queue, select, simulate, split, timeline, train"
    with pytest.raises(StanceError, match=f"unknown key .trian.*{allowed}"):
        load_params(write(tmp_path, "trian:\n  C: 1\n"))


def test_wrong_type_names_key_and_value(tmp_path):
    with pytest.raises(StanceError, match=r"split.test_size: .*number.*'a fifth'"):
        load_params(write(tmp_path, "split:\n  test_size: a fifth\n"))


def test_unknown_choice_lists_the_allowed_ones(tmp_path):
    with pytest.raises(StanceError, match="train.classifier: .*'logreg'.*'forest'"):
        load_params(write(tmp_path, "train:\n  classifier: forest\n"))


def test_synonym_must_map_to_a_known_label(tmp_path):
    with pytest.raises(StanceError, match="synonym 'menace' maps to 'danger'"):
        load_params(write(tmp_path, "clean:\n  synonyms: {menace: danger}\n"))


def test_invalid_yaml_names_the_line(tmp_path):
    with pytest.raises(StanceError, match=r"params.yaml:3: not valid YAML"):
        load_params(write(tmp_path, "train:\n  C: [1\nsplit: {}\n"))

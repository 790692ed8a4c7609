import numpy as np
import pytest

from stance.features import FAMILIES, FEATURES, CodebookCues, NameMasker, load_lexicon


def cues(text: str, **kwargs) -> set[str]:
    transformer = CodebookCues(**kwargs).fit()
    row = transformer.transform([text]).toarray()[0]
    return {
        name.removeprefix("cue:") for name, value in zip(transformer.get_feature_names_out(), row, strict=True) if value
    }


@pytest.mark.parametrize(
    "text, expected",
    [
        ("We reserve the right to respond if the drills continue.", {"agent:speaker_harm", "condition:with_harm"}),
        ("The ministry said it would expel two diplomats.", {"agent:speaker_harm", "agent:reported_speech"}),
        ("Countermeasures will be taken.", {"agent:passive_harm"}),
        ("Any aggression will not go unanswered.", {"commitment:idiom"}),
        ("We will resolutely safeguard our sovereignty.", {"agent:speaker_harm", "commitment:idiom"}),
        ("Such steps could lead to a dangerous escalation.", {"consequence:modal"}),
        ("They are playing with fire.", {"consequence:idiom"}),
        ("We urge them to refrain from steps that would only destabilise the region.", {"urging:with_danger"}),
        ("We will not retaliate.", {"negation:negated_harm"}),
        ("We threaten no one.", {"negation:denial"}),
        ("Arvandia expelled three diplomats last week.", {"past:action"}),
        ("The ministry is following the preparations closely.", {"monitoring:any"}),
        ("Who gave them the right to lecture us?", {"monitoring:question"}),
    ],
)
def test_codebook_distinctions_are_detected(text, expected):
    assert expected <= cues(text)


@pytest.mark.parametrize(
    "text, absent",
    [
        ("We will not retaliate.", "commitment:harm"),
        ("We have no plans to impose sanctions.", "commitment:harm"),
        ("Such steps could lead to a dangerous escalation.", "agent:speaker_harm"),
        ("The minister will attend the summit next week.", "commitment:harm"),
        ("We are following the preparations closely.", "consequence:any"),
    ],
)
def test_cues_stay_silent_where_the_codebook_says_no(text, absent):
    assert absent not in cues(text)


def test_dropping_a_family_drops_its_columns():
    transformer = CodebookCues(families=tuple(f for f in FAMILIES if f != "agent")).fit()
    names = transformer.get_feature_names_out()
    assert not any(name.startswith("cue:agent:") for name in names)
    assert transformer.transform(["We will respond."]).shape == (1, len(names))


def test_unknown_family_is_refused():
    with pytest.raises(ValueError, match="unknown cue families"):
        CodebookCues(families=("commitment", "vibes")).fit()


def test_extended_lexicon_changes_the_features(tmp_path):
    lexicon = load_lexicon()
    lexicon["warning_idiom"].append("skating on thin ice")
    path = tmp_path / "cues.yaml"
    import yaml

    path.write_text(yaml.safe_dump(lexicon))
    text = "They are skating on thin ice."
    assert "consequence:idiom" not in cues(text)
    assert "consequence:idiom" in cues(text, lexicon_path=str(path))


def test_values_are_bounded_and_shape_matches():
    matrix = CodebookCues().fit().transform(["risk risk risk risk danger danger escalation", ""]).toarray()
    assert matrix.shape == (2, len(FEATURES))
    assert np.all((matrix >= 0) & (matrix <= 1))


def test_name_masker_hides_names_and_numbers_it_never_saw_in_lower_case():
    masker = NameMasker().fit(["the ministry said it will respond on monday"])
    assert masker.transform(["Borovia said on 12 May the Ministry will respond."]) == [
        "Xname said on 0 Xname the Ministry will respond."
    ]

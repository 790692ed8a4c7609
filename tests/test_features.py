import functools
import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from stance import features
from stance.features import FAMILIES, FEATURES, CodebookCues, NameMasker, load_lexicon
from stance.persist import load_model, save_model


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


# -- the fast transform against the implementation it replaced ------------------------------------
#
# tests/data/cue_features_reference.npz holds the cue matrices that CodebookCues produced before
# it was made fast and linear (git 3fc6b7e): for the shipped corpus (its texts are stored with
# them, so that a change of data/ does not move the test) and for the texts of
# tests/data/cue_features_texts.json: hand-written tricky cases (nested clauses, negations,
# conditions, punctuation only, unicode quotes and spaces, "U.S.", dashes, very long texts) and
# seeded random mixtures of lexicon phrases. The new transform must give the same floats, bit
# for bit.

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def reference():
    with np.load(DATA / "cue_features_reference.npz") as stored:
        return {name: stored[name] for name in stored.files}


@pytest.fixture(scope="module")
def tricky_texts() -> list[str]:
    return json.loads((DATA / "cue_features_texts.json").read_text(encoding="utf-8"))


def assert_same_floats(new: np.ndarray, old: np.ndarray, texts: list[str]) -> None:
    assert new.dtype == old.dtype == np.float64 and new.shape == old.shape
    differ = np.nonzero((new != old).any(axis=1))[0]
    detail = [(texts[i][:80], [FEATURES[j] for j in np.nonzero(new[i] != old[i])[0]]) for i in differ[:5]]
    assert not len(differ), f"{len(differ)} rows differ, e.g. {detail}"
    assert new.tobytes() == old.tobytes()


def test_reference_covers_every_feature(reference, tricky_texts):
    assert list(reference["features"]) == list(FEATURES)
    assert len(reference["corpus_texts"]) == len(reference["corpus"]) > 2000
    assert len(tricky_texts) == len(reference["tricky"])
    fired = (reference["corpus"] != 0).any(axis=0) & (reference["tricky"] != 0).any(axis=0)
    assert fired.all(), [name for name, on in zip(FEATURES, fired, strict=True) if not on]


def test_transform_is_unchanged_on_the_corpus(reference):
    texts = [str(text) for text in reference["corpus_texts"]]
    matrix = CodebookCues().fit().transform(texts)
    assert sparse.isspmatrix_csr(matrix)
    assert_same_floats(matrix.toarray(), reference["corpus"], texts)


def test_transform_is_unchanged_on_tricky_texts(reference, tricky_texts):
    assert_same_floats(CodebookCues().fit().transform(tricky_texts).toarray(), reference["tricky"], tricky_texts)


def test_transform_does_not_depend_on_the_batch(reference, tricky_texts):
    cues = CodebookCues().fit()
    texts = tricky_texts[:120]
    alone = np.vstack([cues.transform([text]).toarray() for text in reversed(texts)])[::-1]
    assert_same_floats(alone, reference["tricky"][:120], texts)


def test_dropped_families_leave_the_other_columns_unchanged(reference):
    texts = [str(text) for text in reference["corpus_texts"][:500]]
    families = ("commitment", "condition", "hedge")
    cues = CodebookCues(families=families).fit()
    columns = [i for i, name in enumerate(FEATURES) if name.split(":")[0] in families]
    assert_same_floats(cues.transform(texts).toarray(), reference["corpus"][:500, columns], texts)


def test_a_saved_transformer_holds_plain_data_and_transforms_the_same(tmp_path, tricky_texts):
    cues = CodebookCues().fit()
    assert {type(value) for value in vars(cues).values()} <= {tuple, type(None), dict, list}
    save_model(cues, tmp_path / "cues.skops")
    loaded = load_model(tmp_path / "cues.skops")
    assert (loaded.transform(tricky_texts) != cues.transform(tricky_texts)).nnz == 0


def long_sentence(texts, chars: int) -> str:
    """One sentence of `chars` characters: statements joined with commas, "it would ..." included."""
    paragraph = ", ".join(text.rstrip(".") for text in texts[:60]) + ", it would strike back, "
    paragraph = paragraph.translate(str.maketrans(".;!?", ",,,,"))
    return (paragraph * (chars // len(paragraph) + 1))[:chars]


def unattributed(texts, chars: int) -> str:
    """One sentence of markers after "it" with no attribution verb: each asks about all before it."""
    paragraph = "it will strike the depots, and it would respond in kind - "
    return (paragraph * (chars // len(paragraph) + 1))[:chars]


@pytest.mark.parametrize("make", [long_sentence, unattributed])
def test_transform_time_grows_linearly_with_text_length(reference, make):
    texts = [str(text) for text in reference["corpus_texts"]]
    cues = CodebookCues().fit()
    cues.transform([make(texts, 2_000)])  # compile outside the timings

    def seconds(text: str) -> float:
        """CPU seconds (not wall time: other work on the machine must not make this flaky), best of 5."""
        timings = []
        for _ in range(5):
            start = time.process_time()
            cues.transform([text])
            timings.append(time.process_time() - start)
        return min(timings)

    short, long = seconds(make(texts, 20_000)), seconds(make(texts, 200_000))
    assert long / short < 20, f"20k chars: {short:.3f}s, 200k chars: {long:.3f}s"


# -- the pieces that keep it fast, against the plain computations they replace ------------------

WORDS = [
    "we", "it", "its", "they", "will", "would", "not", "no", "said", "made it clear", "according to", "strike",
    "respond", "if", "and", "that", "as", "but", "because", "whereas", "u.s.", "-", " - ", ",", ";", ":", "(", ")",
    "\u2014", "\u2013", ".", "?", "'", "'ll", "n't", " ", "  ", "\n", "\t", "\u00a0", "x", "sanctions", "playing",
    "with fire", "on the table", "all options", "risk", "danger", "urge", "refrain", "monitoring", "closely", "ago",
]  # fmt: skip
SENTENCES = st.lists(st.sampled_from(WORDS), max_size=40).map("".join)


def compiled(lexicon: dict[str, list[str]]) -> dict[str, re.Pattern]:
    return features._compile(tuple((k, tuple(v)) for k, v in sorted(lexicon.items())))


@functools.cache
def shipped() -> dict[str, re.Pattern]:
    return compiled(load_lexicon())


@settings(max_examples=300, deadline=None)
@given(SENTENCES)
def test_clause_starts_by_bisection_match_a_scan_of_each_prefix(sentence):
    clauses = features._Clauses(sentence)  # asked for ends in order, as markers do
    for end in range(len(sentence) + 1):
        if end == 0 or not re.match(r"[\w']", sentence[end - 1]):  # where a marker can start
            marks = [m.end() for m in features._CLAUSE_START.finditer(sentence[:end])]
            assert clauses.start_before(end) == (marks[-1] if marks else 0)


@settings(max_examples=300, deadline=None)
@given(SENTENCES, st.integers(0, 40), st.integers(1, 9))
def test_words_around_an_offset_match_splitting_the_whole_text(sentence, offset, n):
    offset = min(offset, len(sentence))
    assert features._words_after(sentence, offset, n) == sentence[offset:].split()[:n]
    assert features._words_before(sentence, 0, offset, n) == sentence[:offset].split()[-n:]


@settings(max_examples=300, deadline=None)
@given(SENTENCES)
def test_prefix_search_answers_as_a_search_of_each_prefix(sentence):
    pattern = shipped()["attribution"]
    search = features._PrefixSearch(pattern, sentence, features._prefix_reach(pattern))
    for end in range(len(sentence) + 1):
        assert search(end) == (pattern.search(sentence[:end]) is not None)


# Fragments a researcher might add, each its own family, so that one the prefilter cannot follow
# (it searches such a family always) does not hide the others.
ODD = [
    r"\w+ed", r"(?:a |the )?(?:road|path) to (?:ruin|war)", r"tit[- ]for[- ]tat", r"(?:is|are) (?=ready)\w+",
    r"x{0,2}y", r"i", r"(?i:caps)", r"'ll", r"(?:|it) will", r"n't", r"\d+ days", r"[^a] red", r"q.{0,9}?z",
    r"not (?:\w+ ){0,2}(?:immediate )?(?:details|comment)", r"(?:be )?ruled out", r"s(?:ai|ay)[ds]?",
    r"x (ab)?cd", r"(?:un|re)?(sign|seal)(?:ed)? (?:the )?deal", r"(?:grave|serious|(?:very )+) ?harm",
]  # fmt: skip
ODD_WORDS = [
    *WORDS, "ruin", "the road", "a path to war", "tit-for-tat", "tit for tat", "ready", "is ", "xy", "xxy", "y",
    "caps", "12 days", "red", "qaz", "q z", "details", "immediate", "comment", "be ", "ruled out", "says", "sad",
    "x ", "ab", "cd", "un", "re", "sign", "sealed", "the ", "deal", "grave", "serious", "very ", "harm",
]  # fmt: skip


@functools.cache
def with_odd_families() -> tuple[dict[str, re.Pattern], features._Prefilter]:
    patterns = compiled({**load_lexicon(), **{f"odd{i}": [fragment] for i, fragment in enumerate(ODD)}})
    return patterns, features._Prefilter({name: features._requirements_of(p) for name, p in patterns.items()})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ODD_WORDS), max_size=30).map("".join))
def test_the_prefilter_never_skips_a_family_that_matches(sentence):
    patterns, prefilter = with_odd_families()
    present = prefilter.families(sentence)
    assert {name for name, pattern in patterns.items() if pattern.search(sentence)} <= present


@pytest.mark.parametrize(
    "fragment, text",
    [
        (r"zq (ab)?cdefg", "zq abcdefg"),  # a group may end inside a token
        (r"zq(?: ?)+cdefg", "zqcdefg"),  # a round may match nothing
        (r"zq(?: )?cdefg", "zqcdefg"),  # an optional part may be skipped
        (r"-(?:a|b)", "-a"),  # no token starts at a hyphen
        (r"(?:be )?ruled out", "it was ruled out"),
        (r"strik\w*", "strikes"),
        (r"(?:vow|warn)(?:s|ed|ing)?", "warning"),
        (r"tit[- ]for[- ]tat", "tit-for-tat"),
        (r"q.{0,9}?z", "q 1 z"),
        (r"(?:is|are) (?=ready)\w+", "are readying"),
        (r"'ll", "they 'll"),
        (r"\d+ days", "within 48 days"),
        (r"(?:grave|serious|(?:very )+) ?harm", "very very harm"),
        (r"reserv(?:e|es|ed|ing) (?:\w+ ){0,2}the right to", "reserves fully the right to"),
    ],
)
def test_the_prefilter_keeps_a_family_in_a_text_it_matches(fragment, text):
    pattern = compiled({"family": [fragment]})["family"]
    assert pattern.search(text)
    assert "family" in features._Prefilter({"family": features._requirements_of(pattern)}).families(text)


def test_the_prefilter_follows_most_of_the_shipped_lexicon():
    requirements = {name: features._requirements_of(pattern) for name, pattern in shipped().items()}
    assert all(requirements[name] is not None for name in features._SENTENCE_FAMILIES)


def test_remembered_cue_vectors_equal_fresh_ones_and_memory_stays_bounded(monkeypatch):
    monkeypatch.setattr(features, "_MEMORY", 3)
    texts = [f"We will respond with force if the drills near Post {n} continue." for n in range(5)] * 2
    texts += ["The ministry is following the preparations closely.", ""]
    cues = CodebookCues().fit()
    patterns = features._compile(tuple((k, tuple(v)) for k, v in sorted(cues.lexicon_.items())))
    fresh = np.array([features._Analyser(dict(patterns)).cues(text) for text in texts])
    assert np.array_equal(cues.transform(texts).toarray(), fresh)
    assert np.array_equal(cues.transform(texts[::-1]).toarray(), fresh[::-1])
    assert len(features._analyser(tuple(patterns.items()))._memory) <= 3


def test_remembered_masks_follow_each_vocabulary(monkeypatch):
    monkeypatch.setattr(features, "_MEMORY", 2)
    texts = ["Borovia said 12 ships left Velmar.", "The Ministry of Borovia spoke.", "Velmar waits."]
    broad = NameMasker().fit(["the ministry of borovia", "velmar"])
    narrow = NameMasker().fit(["the ministry"])
    expected_broad = ["Borovia said 0 ships left Velmar.", "The Ministry of Borovia spoke.", "Velmar waits."]
    expected_narrow = ["Xname said 0 ships left Xname.", "The Ministry of Xname spoke.", "Xname waits."]
    for _ in range(2):  # alternating vocabularies, then again from memory
        assert broad.transform(texts) == expected_broad
        assert narrow.transform(texts) == expected_narrow
        assert NameMasker().fit(["the ministry"]).transform(texts[::-1]) == expected_narrow[::-1]


def test_name_masker_saves_its_words_as_one_array_and_loads_them_as_a_list(tmp_path):
    masker = NameMasker().fit(["the ministry of borovia", "velmar"])
    save_model(masker, tmp_path / "m.skops")
    loaded = load_model(tmp_path / "m.skops", None)
    assert loaded.vocabulary_ == masker.vocabulary_ == ["borovia", "ministry", "of", "the", "velmar"]
    empty = NameMasker().fit(["ONLY CAPITALS"])
    save_model(empty, tmp_path / "e.skops")
    assert load_model(tmp_path / "e.skops", None).vocabulary_ == []

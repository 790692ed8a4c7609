"""The anchored cue analysis against a frozen copy of the implementation it replaced.

tests/tools/cues_reference.py is src/stance/features.py as it was before families were matched
only where their first token starts (git 0c2bcd0), kept verbatim. Its transform is the
reference: the current one must give the same sparse matrix (data, indices, indptr, dtype,
shape) for any input, here generated texts mixing lexicon phrases, corpus words, punctuation,
quotes, capitals, newlines and non-ASCII characters.
"""

import functools
import importlib.util
import random
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stance import features
from stance.features import CodebookCues, load_lexicon

REFERENCE = Path(__file__).parent / "tools" / "cues_reference.py"
DATA = Path(__file__).parent / "data"


@functools.cache
def reference_module():
    spec = importlib.util.spec_from_file_location("cues_reference", REFERENCE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # NamedTuple looks its module up by name
    spec.loader.exec_module(module)
    return module


@functools.cache
def transformers() -> tuple:
    return reference_module().CodebookCues().fit(), CodebookCues().fit()


def assert_same_matrix(texts: list) -> None:
    old, new = (cues.transform(texts) for cues in transformers())
    assert new.shape == old.shape and new.dtype == old.dtype == np.float64
    assert new.indptr.tolist() == old.indptr.tolist()
    assert new.indices.tolist() == old.indices.tolist()
    assert new.data.tobytes() == old.data.tobytes()


@functools.cache
def corpus_texts() -> list[str]:
    with np.load(DATA / "cue_features_reference.npz") as stored:
        return [str(text) for text in stored["corpus_texts"]]


@functools.cache
def lexicon_phrases() -> list[str]:
    """Lexicon fragments that are plain phrases (no regex syntax), as a text would hold them."""
    return sorted({item for items in load_lexicon().values() for item in items if re.fullmatch(r"[a-z' -]+", item)})


@functools.cache
def corpus_words() -> list[str]:
    return sorted({word for text in corpus_texts()[:400] for word in text.split()})


SEPARATORS = [
    " ", " ", " ", "  ", ", ", ". ", "; ", "? ", "! ", " - ", " -- ", "\n", "\n\n", "\t", "(", ")", '"', "'",
    "\u2019", "\u201c", "\u2014", "\u2013", "\u00a0", ":", ".", "...", "U.S.", "É", "ß", "İ", "\u3000", "'s", "n't",
]  # fmt: skip
PIECES = st.one_of(
    st.sampled_from(SEPARATORS),
    st.builds(lambda i: lexicon_phrases()[i % len(lexicon_phrases())], st.integers(0, 10**6)),
    st.builds(lambda i: corpus_words()[i % len(corpus_words())], st.integers(0, 10**6)),
    st.text(max_size=3),
)
TEXTS = (
    st.lists(PIECES, max_size=60)
    .map("".join)
    .map(lambda text: text.upper() if len(text) % 7 == 0 else text.title() if len(text) % 7 == 1 else text)
)


@settings(max_examples=300, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=6))
def test_generated_texts_give_the_reference_matrix(texts):
    assert_same_matrix(texts)


def test_recombined_corpus_sentences_give_the_reference_matrix():
    """Corpus statements cut at sentence stops and commas, shuffled and joined again."""
    rng = random.Random(7)
    pieces = [piece for text in corpus_texts() for piece in re.split(r"(?<=[.,;?!]) ", text)]
    texts = [" ".join(rng.sample(pieces, rng.randint(1, 6))) for _ in range(1500)]
    assert_same_matrix(texts)


def test_edge_cases_give_the_reference_matrix():
    texts = corpus_texts()
    long_text = " ".join(texts[:200])
    assert_same_matrix(
        [
            "",
            " ",
            ".",
            "?",
            "\n\n",
            "x" * 5000,
            long_text,
            long_text.replace(".", ","),  # one long sentence
            long_text.upper(),
            "We will respond. We will respond. we will respond",
        ]
    )


def test_repeated_and_non_string_inputs_give_the_reference_matrix():
    texts = corpus_texts()[:50]
    assert_same_matrix([*texts, *reversed(texts), None, 3, float("nan"), "None", "3", *texts[:5]])


def test_an_empty_batch_gives_the_reference_shape():
    assert_same_matrix([])


# -- anchored matching: a family is tried only at the tokens where it may start ----------------

WORDS = [
    "we", "it", "they", "will", "would", "not", "no", "said", "made it clear", "strike", "respond", "if", "and",
    "that", "as", "u.s.", "-", " - ", ",", ";", ":", "(", ")", "\u2014", ".", "?", "'", "'ll", "n't", " ", "  ",
    "\n", "\u00a0", "x", "sanctions", "playing", "with fire", "on the table", "all options", "risk", "danger",
    "urge", "refrain", "monitoring", "closely", "ago", "answer", "in kind", "consequences", "is ready to",
]  # fmt: skip
ODD = [r"\w+ed", r"(?i:caps)", r"-(?:a|b)", r"(?:|it) will", r"[^a] red", r"q.{0,9}?z", r"tit[- ]for[- ]tat"]


@functools.cache
def analyser_with_odd_families() -> features._Analyser:
    """An analyser whose prefilter also holds families it cannot follow (searched in full)."""
    lexicon = {**load_lexicon(), **{f"odd{i}": [fragment] for i, fragment in enumerate(ODD)}}
    patterns = features._compile(tuple((k, tuple(v)) for k, v in sorted(lexicon.items())))
    analyser = features._Analyser(patterns)
    analyser.prefilter = features._Prefilter({name: features._requirements_of(p) for name, p in patterns.items()})
    analyser.unfiltered = analyser.prefilter.unfiltered
    return analyser


def test_odd_families_include_some_the_prefilter_cannot_follow():
    unfiltered = analyser_with_odd_families().unfiltered
    assert {"odd0", "odd1", "odd2"} <= unfiltered and "odd6" not in unfiltered


ODD_WORDS = [*WORDS, "red", "qaz", "caps", "tit-for-tat", "-a", "armed"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(ODD_WORDS), max_size=40).map("".join))
def test_anchored_matching_finds_what_a_search_finds(sentence):
    analyser = analyser_with_odd_families()
    starts = analyser.prefilter.starts(sentence)
    for family, pattern in analyser.patterns.items():
        spans = [match.span() for match in analyser._finditer(family, sentence, starts)]
        assert spans == [match.span() for match in pattern.finditer(sentence)], family
        assert analyser._search(family, sentence, starts) == (pattern.search(sentence) is not None), family


@pytest.mark.parametrize("family", features._SENTENCE_FAMILIES)
def test_every_sentence_family_is_anchored_in_the_shipped_lexicon(family):
    patterns = features._compile(tuple((k, tuple(v)) for k, v in sorted(load_lexicon().items())))
    assert family not in features._analyser(tuple(patterns.items())).unfiltered


# -- clause marks read back from a marker ---------------------------------------------------------

CLAUSE_PIECES = [
    " ", "-", " - ", "--", "\u2014", "\u2013", ",", ":", ";", "(", ")", ".", "'", "\n", "\t", "\u00a0", "\u3000", "_",
    "x", "9", "that", "as", "has", "whereas", "was", "and", "band", "but", "because", "while", "é", "will",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(CLAUSE_PIECES), max_size=50).map("".join), st.randoms(use_true_random=False))
def test_clause_starts_read_back_match_a_forward_scan_of_the_whole_sentence(sentence, rng):
    ends = [mark.end() for mark in features._CLAUSE_START.finditer(sentence)]
    offsets = list(range(len(sentence) + 1))
    shuffled = rng.sample(offsets, len(offsets))  # in any order: each answer stands alone
    ascending = sorted(rng.sample(offsets, rng.randint(0, len(offsets))))  # as markers ask, read back less
    for order in (offsets, shuffled, ascending):
        clauses = features._Clauses(sentence)
        for end in order:
            expected = max((mark for mark in ends if mark <= end), default=0)
            assert clauses.start_before(end) == expected, end


def test_clause_starts_in_long_dash_chains():
    for sentence in [" - " * 7, " -" * 9 + " ", "a" + " -" * 8 + " will", "x - - - y, - - - z -  - - w"]:
        ends = [mark.end() for mark in features._CLAUSE_START.finditer(sentence)]
        for order in (range(len(sentence) + 1), reversed(range(len(sentence) + 1))):
            clauses = features._Clauses(sentence)
            for end in order:
                assert clauses.start_before(end) == max((m for m in ends if m <= end), default=0), (sentence, end)

"""NameMasker.transform against a copy of the transform it replaced (a regex callback per word)."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from stance import features
from stance.features import NameMasker

_CAPITALISED = re.compile(r"\b[A-Z][\w'\-]*")
_DIGITS = re.compile(r"\d+")


def reference_transform(masker: NameMasker, texts) -> list[str]:
    """NameMasker.transform before words were masked through split (git 5d1464e), without memory."""
    known = frozenset(masker.vocabulary_)

    def mask(match: re.Match) -> str:
        word = match.group(0)
        return word if word.lower() in known else masker.placeholder

    return [_DIGITS.sub("0", _CAPITALISED.sub(mask, text)) for text in map(str, texts)]


PIECES = st.one_of(
    st.sampled_from(
        [
            " ",
            "  ",
            ", ",
            ". ",
            "-",
            "'",
            "\u2019",
            "\n",
            "\u00a0",
            "_",
            "3",
            "42",
            "1.5",
            "É",
            "é",
            "ß",
            "İ",
            "ǅ",
            "Ⅻ",
            "\u0663",
            "\u00b2",
            "\uff11",
        ]
    ),
    st.sampled_from(["Borovia", "borovia", "Velmar", "The", "the", "Ministry", "B52", "O'Neil", "Anti-Tank", "X2y"]),
    st.text(max_size=4),
    st.text(alphabet="AaBbZz09_'-É ", max_size=8),
)
TEXTS = st.lists(PIECES, max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(TEXTS, max_size=5),
    st.lists(TEXTS, min_size=1, max_size=8),
    st.sampled_from(["Xname", "X1", "", "Name9 "]),
)
def test_transform_gives_the_reference_texts(train, texts, placeholder):
    masker = NameMasker(placeholder=placeholder).fit(train)
    expected = reference_transform(masker, texts)
    assert masker.transform(texts) == expected
    assert masker.transform([*texts, None, 12]) == [*expected, *reference_transform(masker, [None, 12])]


def test_transform_gives_the_reference_after_the_memory_fills(monkeypatch):
    monkeypatch.setattr(features, "_MEMORY", 2)
    masker = NameMasker().fit(["the ministry of borovia"])
    texts = ["Borovia and Velmar met 3 times.", "The Ministry spoke", "Velmar", "Ölberg 12 Ölberg", "Borovia"]
    for _ in range(2):
        assert masker.transform(texts) == reference_transform(masker, texts)

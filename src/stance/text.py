"""Text normalisation shared by cleaning, splitting and prediction."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2032": "'",
        "\u2033": '"',
    }
)
_SPACE = re.compile(r"\s+")
_WRAPPED = re.compile(r'^(["\'])(.*)\1$', re.DOTALL)


def normalise(text: str) -> str:
    """NFC, straight quotes, single spaces, and no quotation marks wrapping the whole text."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES)
    text = _SPACE.sub(" ", text).strip()
    wrapped = _WRAPPED.match(text)
    if wrapped and wrapped.group(1) not in wrapped.group(2):
        text = wrapped.group(2).strip()
    return text


def match_key(text: str) -> str:
    """The key under which two statements count as the same: normalised, case-folded."""
    return normalise(text).casefold()


def statement_id(text: str) -> str:
    """A stable identifier for a statement that came without one."""
    return "s" + hashlib.sha1(match_key(text).encode("utf-8")).hexdigest()[:12]

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


class _FormatTable(dict):
    """str.translate table deleting format characters (Unicode category Cf: zero-width space
    and joiners, BOM, word joiner, soft hyphen, bidi marks), filled as characters are met.

    They are invisible: left in, a text of nothing but them passes as non-empty, and two texts
    that look the same get different keys. Building the table for all of Unicode up front
    would cost 0.2 s on every import.
    """

    def __missing__(self, code: int) -> int | None:
        self[code] = None if unicodedata.category(chr(code)) == "Cf" else code
        return self[code]


_FORMAT = _FormatTable()
_WRAPPED = re.compile(r'^(["\'])(.*)\1$', re.DOTALL)


def normalise(text: str) -> str:
    """NFC, no format characters, straight quotes, single spaces, no quotation marks wrapping the whole text."""
    # ASCII holds no format characters and no typographic quotes, and is already NFC: most
    # texts skip straight to the spacing, which is most of the cost on a million rows.
    if not text.isascii():
        text = unicodedata.normalize("NFC", text.translate(_FORMAT)).translate(_QUOTES)
    text = _single_spaced(text)
    if len(text) >= 2 and text[0] in "\"'" and text[-1] == text[0]:  # only then can _WRAPPED match
        wrapped = _WRAPPED.match(text)
        if wrapped and wrapped.group(1) not in wrapped.group(2):
            text = wrapped.group(2).strip()
    return text


def _single_spaced(text: str) -> str:
    """`text` with each run of whitespace made one space, and none at either end.

    str.split() splits on exactly the characters that the regex \\s matches (str.isspace), so
    this is re.sub(r"\\s+", " ", text).strip(). A text that is so already comes back as the
    same object, without a copy: a million clean texts are then not held twice.
    """
    # Every whitespace character but the space is unprintable, so this finds most texts clean
    # in half the time of splitting and joining them.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    spaced = " ".join(text.split())
    return text if spaced == text else spaced


def match_key(text: str) -> str:
    """The key under which two statements count as the same: normalised, case-folded."""
    return normalise(text).casefold()


def normal_key(text: str) -> str:
    """match_key(text) for a text that normalise returned.

    Normalising such a text again leaves it as it is when it is ASCII and not wrapped in quotes
    (the unwrapping may have bared another pair), so its key is then just case-folded; that
    spares a second normalise per row on a million rows.
    """
    if text.isascii() and not (len(text) >= 2 and text[0] in "\"'" and text[-1] == text[0]):
        return text.casefold()
    return match_key(text)


def statement_id(text: str) -> str:
    """A stable identifier for a statement that came without one."""
    return key_id(match_key(text))


def key_id(key: str) -> str:
    """statement_id of a text whose match_key is `key` (for a caller that has the key already)."""
    return "s" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]

"""Exact n-gram counts for the TF-IDF blocks, built with numpy instead of a Python loop per n-gram.

scikit-learn's CountVectorizer walks every n-gram of every text in Python: a 140-character
statement has ~550 character 2–5-grams, each a string slice and a dictionary lookup, and that
loop was 70% of `stance predict`. Here a chunk of texts becomes one array of code points (or
of token ids), every n-gram occurrence gets an int64 code in a few whole-array operations, and
only the chunk's distinct codes are looked up in the vocabulary. The result is the matrix
CountVectorizer builds, entry for entry and in the same index order: same analyser rules, same
vocabulary (numbered in the order its loop meets the terms), same counts.

Codes: a character n-gram packs 12 bits per character (n <= 5) under a length tag; an n-gram
with a character beyond U+0FFF (CJK, emoji), which 12 bits cannot hold, or with U+0000,
which unpacking would take for padding, is coded by a table of its strings instead. A word
n-gram packs the ids of its tokens, 20 bits each (n <= 3).
Whatever this does not cover (longer n-grams, more than a million distinct tokens, texts that
are not strings, lone surrogates, tokens holding spaces) raises Unsupported, and the caller
falls back to scikit-learn's own loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain, repeat

import numpy as np
import pandas as pd
from scipy import sparse

CHUNK = 2_000  # texts per pass: temporary arrays stay small enough to be reused, not freshly paged in
_CHAR_BITS, _TOKEN_BITS = 12, 20
_PACKABLE = 1 << _CHAR_BITS  # characters below U+1000: Latin, Greek, Cyrillic, Arabic, Hebrew, Indic...
_MAX_CHARS, _MAX_TOKENS = 5, 3  # n-gram lengths whose codes fit in 63 bits
_UNKNOWN = (1 << _TOKEN_BITS) - 1  # the id of every token outside the vocabulary: its n-grams match nothing


class Unsupported(Exception):
    """The input or the settings are outside what this module reproduces exactly."""


@dataclass(frozen=True)
class Grams:
    """The n-gram occurrences of a chunk of texts."""

    rows: np.ndarray  # int64: the text of each occurrence
    codes: np.ndarray  # int64: equal exactly when the n-grams are equal
    order: Callable[[np.ndarray], tuple]  # occurrence indices → sort keys in the order sklearn's loop meets them


class CharWbCodes:
    """analyzer="char_wb", lowercase: n-grams within words padded by one space."""

    def __init__(self, ngram_range: tuple[int, int]):
        if ngram_range[1] > _MAX_CHARS:
            raise Unsupported(f"character n-grams longer than {_MAX_CHARS}")
        self.ngram_range = ngram_range
        self._odd: dict[str, int] = {}  # unpackable n-grams → codes -2, -3, ...
        self._odd_terms: list[str] = []

    def grams(self, texts: list[str], grow: bool) -> Grams:
        """sklearn's rule, per padded word of length L and each n: the L - n + 1 windows while n <= L;
        a word shorter than the smallest n counts once, whole."""
        low, high = self.ngram_range
        words, counts = _split(texts, str.split)
        padded = " " + "  ".join(words) + " " if words else ""
        try:
            points = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        except UnicodeEncodeError as error:  # a lone surrogate
            raise Unsupported(str(error)) from error
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2
        starts = np.cumsum(lengths) - lengths
        word_rows = np.repeat(np.arange(len(texts)), counts)
        room = np.repeat(starts + lengths, lengths) - np.arange(len(points))  # characters left in the word
        codes, places = [], []
        packed = points.copy()
        for n in range(1, high + 1):
            if n > 1:  # packed[p]: the n characters from p on
                packed = (packed[:-1] << _CHAR_BITS) | points[n - 1 :]
            if n >= low:
                where = np.flatnonzero(room[: len(packed)] >= n)
                codes.append(packed[where] | (n << 60))
                places.append(where)
        short = np.flatnonzero(lengths < low)  # counted once, whole
        for length in np.unique(lengths[short]).tolist():
            these = starts[short[lengths[short] == length]]
            code = np.zeros(len(these), dtype=np.int64)
            for offset in range(length):
                code = (code << _CHAR_BITS) | points[these + offset]
            codes.append(code | (length << 60))
            places.append(these)
        codes, places = _joined(codes), _joined(places)
        sizes = codes >> 60
        unpackable = (points >= _PACKABLE) | (points == 0)
        if unpackable.any():
            self._recode_unpackable(codes, places, sizes, unpackable, padded, grow)
        rows = np.repeat(word_rows, lengths)[places]

        def order(at: np.ndarray) -> tuple:  # word by word; within a word by n, then by offset
            return np.searchsorted(starts, places[at], side="right"), sizes[at], places[at]

        return Grams(rows, codes, order)

    def _recode_unpackable(self, codes, places, sizes, unpackable, padded: str, grow: bool) -> None:
        """Give n-grams holding a character beyond U+0FFF, or U+0000 (which decoding would drop as
        padding), their code from the string table."""
        wide = np.concatenate(([0], np.cumsum(unpackable)))
        odd = np.flatnonzero(wide[places + sizes] > wide[places])
        for at, start, size in zip(odd.tolist(), places[odd].tolist(), sizes[odd].tolist(), strict=True):
            codes[at] = self._odd_code(padded[start : start + size], grow)

    def _odd_code(self, term: str, grow: bool) -> int:
        if grow and term not in self._odd:
            self._odd[term] = -2 - len(self._odd_terms)
            self._odd_terms.append(term)
        return self._odd.get(term, -1)

    def codes_of(self, terms: list[str]) -> np.ndarray:
        """The code of each term (a vocabulary's), as grams() would give its occurrences."""
        codes = np.empty(len(terms), dtype=np.int64)
        for at, term in enumerate(terms):
            if len(term) <= _MAX_CHARS and all(0 < ord(char) < _PACKABLE for char in term):
                codes[at] = _pack(map(ord, term), _CHAR_BITS) | (len(term) << 60)
            else:
                codes[at] = self._odd_code(term, grow=True)
        return codes

    def terms(self, codes: np.ndarray) -> list[str]:
        """The n-grams the codes stand for (vectorised: each length's characters viewed as strings)."""
        terms = np.empty(len(codes), dtype=object)
        odd = codes < 0
        terms[odd] = [self._odd_terms[-2 - code] for code in codes[odd].tolist()]
        sizes = np.where(odd, 0, codes >> 60)
        for size in np.unique(sizes[~odd]).tolist():
            at = np.flatnonzero(sizes == size)
            shifts = _CHAR_BITS * np.arange(size - 1, -1, -1)
            chars = ((codes[at, None] >> shifts) & (_PACKABLE - 1)).astype(np.uint32)
            terms[at] = np.ascontiguousarray(chars).view(f"<U{size}").ravel().tolist()
        return terms.tolist()


class WordCodes:
    """analyzer="word", lowercase: token_pattern tokens, n-grams joined by one space."""

    def __init__(self, token_pattern: str, ngram_range: tuple[int, int]):
        if ngram_range[1] > _MAX_TOKENS:
            raise Unsupported(f"word n-grams longer than {_MAX_TOKENS}")
        self.ngram_range = ngram_range
        self._findall = re.compile(token_pattern).findall
        self._ids: dict[str, int] = {}  # token → id from 1; _UNKNOWN for a token no vocabulary term holds
        self._tokens: list[str] = [""]

    def grams(self, texts: list[str], grow: bool) -> Grams:
        low, high = self.ngram_range
        tokens, counts = _split(texts, self._findall)
        local, uniques = pd.factorize(np.array(tokens, dtype=object))
        digits = self._token_ids(uniques.tolist(), grow)[local]
        token_rows = np.repeat(np.arange(len(texts)), counts)
        codes, places, sizes = [], [], []
        code = np.zeros(len(digits), dtype=np.int64)
        for n in range(1, high + 1):
            code = (code[: len(digits) - n + 1] << _TOKEN_BITS) | digits[n - 1 :]
            if n >= low:
                where = np.flatnonzero(token_rows[: len(code)] == token_rows[n - 1 :])  # n tokens of one text
                codes.append(code[where])
                places.append(where)
                sizes.append(np.full(len(where), n))
        places, sizes = _joined(places), _joined(sizes)
        rows = token_rows[places]
        return Grams(rows, _joined(codes), lambda at: (rows[at], sizes[at], places[at]))

    def _token_ids(self, tokens: list[str], grow: bool) -> np.ndarray:
        if any(" " in token for token in tokens):
            raise Unsupported("a token holds a space, so its joined n-grams would be ambiguous")
        if grow:
            for token in tokens:
                if token not in self._ids:
                    self._ids[token] = len(self._tokens)
                    self._tokens.append(token)
            if len(self._tokens) > _UNKNOWN:
                raise Unsupported("more distinct tokens than 20-bit ids hold")
        return np.fromiter(map(self._ids.get, tokens, repeat(_UNKNOWN)), dtype=np.int64, count=len(tokens))

    def codes_of(self, terms: list[str]) -> np.ndarray:
        codes = np.empty(len(terms), dtype=np.int64)
        for at, term in enumerate(terms):
            parts = term.split(" ")
            codes[at] = _pack(self._token_ids(parts, grow=True).tolist(), _TOKEN_BITS)
        return codes

    def terms(self, codes: np.ndarray) -> list[str]:
        """The n-grams the codes stand for: their tokens joined by one space."""
        tokens = np.array(self._tokens, dtype=object)
        mask = (1 << _TOKEN_BITS) - 1
        terms = tokens[codes & mask]
        codes = codes >> _TOKEN_BITS
        while codes.any():
            longer = codes > 0
            terms[longer] = tokens[codes[longer] & mask] + " " + terms[longer]
            codes = codes >> _TOKEN_BITS
        return terms.tolist()


class NgramCounter:
    """Counts n-grams into CountVectorizer's matrix, over a fixed vocabulary or one that grows.

    Its state is the code of each column; a fixed vocabulary is coded once (from the codes a
    fit found, when it has them) and the counter reused for every batch.
    """

    def __init__(
        self,
        analyzer: CharWbCodes | WordCodes,
        vocabulary: dict[str, int] | None = None,
        known: dict[str, int] | None = None,
    ):
        self.analyzer = analyzer
        self.fixed = vocabulary is not None
        self._codes = np.zeros(0, dtype=np.int64)  # the code of each column
        if vocabulary is not None:
            terms = list(vocabulary)
            coded = [known.get(term) for term in terms] if known else [None]
            if None in coded:
                coded = analyzer.codes_of(terms)
            self._codes = np.empty(len(terms), dtype=np.int64)
            self._codes[np.fromiter(vocabulary.values(), dtype=np.int64, count=len(terms))] = coded
        self._index = pd.Index(self._codes)

    def count(self, texts: list[str], dtype) -> sparse.csr_array:
        """The texts × vocabulary count matrix; a growing vocabulary first takes the texts' new n-grams."""
        if not all(type(text) is str for text in texts):
            raise Unsupported("a document is not a string")
        parts = [self._chunk(texts[start : start + CHUNK]) for start in range(0, len(texts), CHUNK)]
        width = len(self._codes)
        per_row = np.concatenate([[0], *(np.diff(indptr) for indptr, _, _ in parts)])
        index_type = np.int32 if max(int(per_row.sum()), width) < 2**31 else np.int64
        data = np.concatenate([np.zeros(0, dtype=dtype), *(data for _, _, data in parts)], dtype=dtype)
        indices = np.concatenate([np.zeros(0, dtype=index_type), *(part[1] for part in parts)], dtype=index_type)
        indptr = np.cumsum(per_row).astype(index_type, copy=False)
        return sparse.csr_array((data, indices, indptr), shape=(len(texts), width))

    def terms(self) -> list[str]:
        """The grown vocabulary's terms, by column (the order they were first met)."""
        if not len(self._codes):
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        return self.analyzer.terms(self._codes)

    def codes(self) -> np.ndarray:
        return self._codes

    def _chunk(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, indices, data) of one chunk's counts, indices sorted within each row."""
        grams = self.analyzer.grams(texts, grow=not self.fixed)
        local, distinct = pd.factorize(grams.codes)
        column_of = self._index.get_indexer(distinct)
        if not self.fixed:
            column_of = self._number_new_terms(distinct, local, grams, column_of)
        features = column_of[local]
        known = features >= 0
        return _cell_counts(grams.rows[known], features[known], len(texts), max(len(self._codes), 1))

    def _number_new_terms(self, distinct: np.ndarray, local: np.ndarray, grams: Grams, column_of) -> np.ndarray:
        """Give the chunk's new n-grams the next columns, in the order sklearn's loop first meets them."""
        new = np.flatnonzero(column_of < 0)
        first = np.empty(len(distinct), dtype=np.int64)
        first[local[::-1]] = np.arange(len(local))[::-1]
        new = new[np.lexsort(grams.order(first[new])[::-1])]
        column_of[new] = len(self._codes) + np.arange(len(new))
        self._codes = np.concatenate((self._codes, distinct[new]))
        self._index = pd.Index(self._codes)
        return column_of


def _cell_counts(rows: np.ndarray, columns: np.ndarray, n_rows: int, width: int) -> tuple:
    """(indptr, indices, data) counting each (row, column) pair, columns ascending within a row.

    No comparison sort: occurrences are grouped by row (a radix sort on 16-bit rows), and
    converting to column-major and back lays every row out in column order with its
    duplicates side by side, which are then summed: linear steps, ~2× faster than sorting keys.
    """
    order = np.argsort(rows.astype(np.uint16) if n_rows <= 2**16 else rows, kind="stable")
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows, minlength=n_rows))))
    by_row = sparse.csr_array((np.ones(len(order)), columns[order], indptr), shape=(n_rows, width))
    counts = by_row.tocsc().tocsr()
    counts.sum_duplicates()
    return counts.indptr, counts.indices, counts.data


def _split(texts: list[str], split) -> tuple[list[str], np.ndarray]:
    """The pieces of every lowercased text in one list, and how many each text gave."""
    pieces = [split(text.lower()) for text in texts]
    counts = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    return list(chain.from_iterable(pieces)), counts


def _pack(values, bits: int) -> int:
    code = 0
    for value in values:
        code = (code << bits) | value
    return code


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.int64, copy=False) if parts else np.zeros(0, dtype=np.int64)

"""Near-duplicate detection by word-set Jaccard, exact and fast enough for a million statements.

The rule: two texts are near-duplicates when the Jaccard similarity of their word sets is
strictly greater than a threshold. Words are the runs of ``[a-z0-9']`` in the lowercased text;
a text with no words is a near-duplicate of nothing.

Comparing every pair is quadratic, so the pair-finding functions use *prefix filtering*, the
classic exact set-similarity join:

* every word gets an integer rank by global rarity (rarest first) and each set is stored as
  its ranks in ascending order;
* a pair can only match if it shares at least ``alpha(|s|)`` words, where ``alpha`` is the
  smallest overlap ``o`` with ``o / |s| > threshold`` (a union is never smaller than either set);
* then the two sets' first shared words lie in short prefixes of both, so only pairs that share
  a prefix key are ever compared, and those are verified exactly.

With a vocabulary of common words, even the rarest word of a short statement appears in
hundreds of others, so a single shared prefix word would leave too many candidates. The keys
are therefore *pairs* of prefix words (AdaptJoin's 2-prefix): a pair sharing ``o >= 2`` words
shares its first two in prefixes ``|s| - max(alpha, 2) + 2`` long, and two random statements
rarely share two rare words. Pairs that can match on one shared word (possible only for sets
smaller than ``1 / threshold``) use single-word keys as well. Candidates then pass a size filter
(``min / max > threshold``) before the exact overlap count.

Template text defeats two-word keys: the two rarest words of thousands of statements can both
belong to one stock phrase ("the expulsion of two diplomats"). A run of more than _REFINE_RUN
rows sharing a key is therefore split further, word by word: a pair whose first k shared words
are the key's and that needs more shares its (k+1)-th word within a short window after the
key's last word, so the run's rows are grouped by each word of their window, then again, until
the groups are short; a group whose rows all hold one earlier word is dropped (its pairs belong
to that word's group), and pairs of a short group that could not reach the threshold even by
sharing every word after the key's last one are left out (the positional filter). This needs
the key's words, so keys are kept unhashed when they fit beside the row number in an int64
(vocabularies up to about two million words for a million rows).

Identical word sets are merged first, so boilerplate repeated thousands of times does not turn
into millions of candidates; near_duplicate_sets keeps its result at that level, so copies do
not turn into millions of pairs either. Every comparison with the threshold is made on the same
float64 quotient ``overlap / union`` as the brute-force rule (the filters compare an upper
bound of it), so verdicts are identical to it. Hashes are used only to group work (equal keys
always hash alike; a collision merely adds candidates that verification rejects), never to
decide a verdict.

Limits: the work is proportional to the words plus the candidate pairs plus, for template
text, the rows of long runs times the words they share. For ordinary text there are fewer
candidates than statements (0.66 per statement for near_duplicate_pairs on bench_similarity's
synthetic million at 0.8); on benchmarks/synth.py's template text about 12 (1M rows). A
hashed key (a vocabulary too large to fit) cannot be split, so a run of distinct statements
sharing it is paired in full: memory stays bounded (pairs are made and checked in batches),
time does not. The output itself is quadratic in a cluster of k near-copies that are not
identical. Prefixes lengthen as the threshold falls, so max_jaccard, which may search down to 0
(every pair sharing a word), is meant for collections of thousands, not millions.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

TOKEN_PATTERN = r"[a-z0-9']+"
_TOKEN = re.compile(TOKEN_PATTERN)

_CHUNK = 50_000  # texts tokenised at a time: bounds the temporary arrays to a few tens of MiB
_VERIFY_CHUNK = 200_000  # candidate pairs verified at a time, for the same reason
_BLOCK = 100_000  # rows whose prefix keys are made at a time, for the same reason
_PAIR_BATCH = 2_000_000  # candidate pairs made at a time, for the same reason
_LONG_RUN = 1_000  # rows sharing one key beyond which their pairs are made block by block
_REFINE_RUN = 16  # rows sharing a pair key beyond which the run is split by the words they share next
_MAX_SEARCH_STEPS = 6  # max_jaccard: thresholds 0.9, 0.45, ... tried before falling back to 0

_TOKEN_BYTES = b"abcdefghijklmnopqrstuvwxyz0123456789'"
_SPACE = ord(" ")
# Every byte that cannot be part of a word becomes a space, so words are the runs of non-spaces.
_ONLY_TOKEN_BYTES = bytes(byte if byte in _TOKEN_BYTES else _SPACE for byte in range(256))
# _HIGH_BYTES[k] keeps the first k bytes of a big-endian 8-byte word and zeroes the rest.
_HIGH_BYTES = np.array([((1 << 64) - 1) ^ ((1 << (64 - 8 * k)) - 1) for k in range(9)], dtype=np.uint64)


# -- the rule ---------------------------------------------------------------------------------------


def word_sets(texts: Iterable[str]) -> list[frozenset[str]]:
    """The set of words of each text: runs of ``[a-z0-9']`` in the lowercased text."""
    return [frozenset(_TOKEN.findall(text.lower())) for text in texts]


def jaccard(a: frozenset, b: frozenset) -> float:
    """|a ∩ b| / |a ∪ b|, and 0.0 for two empty sets (as the dense rule divides by max(union, 1))."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


# -- public joins ------------------------------------------------------------------------------------


def near_duplicate_pairs(texts: Sequence[str], threshold: float) -> list[tuple[int, int]]:
    """All index pairs (i, j), i < j, whose word sets have Jaccard > threshold, sorted.

    Texts with the same word set pair up whenever threshold < 1; texts without words pair with
    nothing. A threshold of 1 or more finds nothing; a negative one is a ValueError. Time and
    memory grow with the number of words plus the number of candidate pairs, which is close to
    the number of near-duplicate pairs for ordinary text (but see the module notes).
    """
    _check_threshold(threshold)
    (sets,) = _encode(texts)
    first, second, _ = _self_join(sets, threshold)
    return list(zip(first.tolist(), second.tolist(), strict=True))


@dataclass(frozen=True)
class NearDuplicateSets:
    """The near-duplicate pairs of a collection, stated between its distinct word sets.

    Texts with the same word set share every link of that set and, unless it is empty or the
    threshold is 1 or more, are near-duplicates of each other. Stated this way, k copies of one
    text cost k entries rather than k (k - 1) / 2 pairs, which is what lets a consumer that only
    needs who links to what (stages/split.py) stay linear in boilerplate repeated k times.
    """

    set_of: np.ndarray  # per text, its distinct word set (numbered in order of first occurrence)
    first: np.ndarray  # pairs of distinct sets with J > threshold, first < second, sorted
    second: np.ndarray
    copies_match: np.ndarray  # per distinct set, whether two texts with that set are near-duplicates

    def neighbours(self) -> sparse.csr_matrix:
        """Symmetric boolean adjacency of the distinct sets (row g lists the sets linked to g)."""
        size = len(self.copies_match)
        ones = np.ones(2 * len(self.first), dtype=bool)
        rows, columns = np.concatenate((self.first, self.second)), np.concatenate((self.second, self.first))
        return sparse.csr_matrix((ones, (rows, columns)), shape=(size, size))


def near_duplicate_sets(texts: Sequence[str], threshold: float) -> NearDuplicateSets:
    """near_duplicate_pairs(texts, threshold), without expanding copies of one word set into pairs.

    The text pairs are exactly: the pairs of texts of two linked sets, and the pairs of texts
    of one set whose copies match. Time and memory as for near_duplicate_pairs, minus the pairs.
    """
    _check_threshold(threshold)
    (sets,) = _encode(texts)
    unique, copy_of, first, second, _ = _distinct_join(sets, threshold)
    return NearDuplicateSets(copy_of, first, second, (unique.sizes > 0) & (threshold < 1))


def near_duplicates(candidates: Sequence[str], reference: Sequence[str], threshold: float) -> np.ndarray:
    """For each candidate text, whether some reference text has word-set Jaccard > threshold with it.

    The verdicts of the dense rule this replaces (binary CountVectorizer with token_pattern
    ``[a-z0-9']+`` on lowercased text, shared / max(union, 1) > threshold), also when no text
    has a word at all, where that rule raised "empty vocabulary". Returns a bool array.
    """
    _check_threshold(threshold)
    if len(candidates) == 0 or len(reference) == 0 or threshold >= 1:
        return np.zeros(len(candidates), dtype=bool)
    cand, ref = _encode(candidates, reference)
    cand, cand_copy_of = _merge_identical(cand)
    ref, _ = _merge_identical(ref)  # which copy of a reference text matches does not matter
    # A word missing from either side cannot be shared, so it takes no prefix slot.
    shareable = (_word_counts(cand) > 0) & (_word_counts(ref) > 0)
    matched = np.zeros(len(cand), dtype=bool)
    for first, second in _cross_candidates(cand, ref, shareable, threshold):
        unknown = ~matched[first]  # one match is enough: skip candidates already matched
        matched[_verify(cand, first[unknown], ref, second[unknown], threshold)[0]] = True
    return matched[cand_copy_of]


def max_jaccard(
    texts: Sequence[str], exclude: Iterable[tuple[int, int]] = frozenset()
) -> tuple[float, tuple[int, int] | None]:
    """The largest Jaccard between two distinct texts and that pair (i < j), ignoring pairs in `exclude`.

    Ties go to the smallest (i, j); (0.0, None) when no counted pair shares a word. Searches
    with falling thresholds: the join at t finds every pair with J > t, so as soon as it finds
    a counted one, the best of them is the maximum.
    """
    (sets,) = _encode(texts)
    n = len(sets)
    excluded = np.array([min(i, j) * n + max(i, j) for i, j in exclude if i != j], dtype=np.int64)
    for threshold in [0.9 / 2**step for step in range(_MAX_SEARCH_STEPS)] + [0.0]:
        first, second, overlaps = _self_join(sets, threshold)
        counted = ~np.isin(first * n + second, excluded)
        if counted.any():
            return _best_pair(sets, first[counted], second[counted], overlaps[counted])
    return 0.0, None


def _best_pair(sets: _Sets, first: np.ndarray, second: np.ndarray, overlaps: np.ndarray) -> tuple[float, tuple]:
    scores = overlaps / (sets.sizes[first] + sets.sizes[second] - overlaps)
    best = np.flatnonzero(scores == scores.max())
    winner = best[np.lexsort((second[best], first[best]))[0]]
    return float(scores[winner]), (int(first[winner]), int(second[winner]))


def _check_threshold(threshold: float) -> None:
    if not threshold >= 0:  # also rejects NaN
        raise ValueError(f"threshold must be a number >= 0, got {threshold!r}")


# -- encoding: texts → rows of word ranks -----------------------------------------------------------


@dataclass(frozen=True)
class _Sets:
    """Word sets as CSR rows of word ranks, each row ascending (rarest word first)."""

    indptr: np.ndarray  # int64, one more than the number of sets
    tokens: np.ndarray  # int32 ranks
    vocabulary: int  # number of distinct words over all encoded collections

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @functools.cached_property
    def sizes(self) -> np.ndarray:
        return np.diff(self.indptr)

    def matrix(self) -> sparse.csr_matrix:
        """Binary rows × words matrix (the arrays are shared, not copied)."""
        ones = np.ones(len(self.tokens), dtype=np.int8)
        return sparse.csr_matrix((ones, self.tokens, self.indptr), shape=(len(self), max(self.vocabulary, 1)))


class _Vocabulary(dict):
    """Word bytes → id, numbering new words as they come."""

    def __missing__(self, word: bytes) -> int:
        self[word] = len(self)
        return self[word]


def _encode(*collections: Sequence[str]) -> list[_Sets]:
    """Each collection as _Sets over one shared vocabulary ranked by rarity."""
    vocabulary = _Vocabulary()
    tokenised = [[_tokenise(chunk, vocabulary) for chunk in _chunks(texts, _CHUNK)] for texts in collections]
    occurrences = np.zeros(len(vocabulary), dtype=np.int64)
    for _, ids in itertools.chain.from_iterable(tokenised):
        occurrences += np.bincount(ids, minlength=len(vocabulary))
    # Any fixed order keeps the join exact; rarest-first makes prefixes selective.
    rank = np.empty(len(vocabulary), dtype=np.int32)
    rank[np.argsort(occurrences, kind="stable")] = np.arange(len(vocabulary), dtype=np.int32)
    return [_sorted_rows(chunks, rank) for chunks in tokenised]


def _chunks(texts: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(texts)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _tokenise(texts: list[str], vocabulary: _Vocabulary) -> tuple[np.ndarray, np.ndarray]:
    """Number of word occurrences per text and the id of each occurrence, in text order.

    Equivalent to ``re.findall(r"[a-z0-9']+", text.lower())`` but done on bytes in numpy, since a
    Python-level loop over tens of millions of words would dominate the run time. Non-ASCII
    characters become '?' (never part of a word, like any character outside [a-z0-9']).
    """
    parts = [text.lower().encode("ascii", "replace") for text in texts]
    raw = b" ".join(parts).translate(_ONLY_TOKEN_BYTES)
    in_word = np.concatenate(([False], np.frombuffer(raw, dtype=np.uint8) != _SPACE, [False]))
    edges = np.flatnonzero(in_word[1:] != in_word[:-1])
    starts, lengths = edges[::2], edges[1::2] - edges[::2]
    text_starts = np.cumsum([0] + [len(part) + 1 for part in parts[:-1]])
    counts = np.bincount(np.searchsorted(text_starts, starts, side="right") - 1, minlength=len(texts))
    codes = _exact_codes(raw, starts, lengths)
    first = np.full(codes.max(initial=-1) + 1, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes))[::-1]  # first occurrence of each code in use
    used = np.flatnonzero(first >= 0)
    ends = starts + lengths
    words = [
        raw[start:end] for start, end in zip(starts[first[used]].tolist(), ends[first[used]].tolist(), strict=True)
    ]
    ids = np.zeros(len(first), dtype=np.int32)
    ids[used] = np.fromiter(map(vocabulary.__getitem__, words), dtype=np.int32, count=len(words))
    return counts, ids[codes]


def _exact_codes(raw: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A non-negative code per word of `raw`, equal for two words exactly when their bytes are equal.

    Words are read 8 bytes at a time as big-endian integers, zero-padded (words hold no zero
    bytes, so padding cannot make two words equal): a word of up to 8 bytes is its own code, and
    longer words are refined 8 bytes at a time. A hash would be simpler but could merge two words.
    """
    eight_bytes_at = np.ndarray(len(raw), dtype=">u8", buffer=raw + bytes(8), strides=(1,))

    def next_eight(words: np.ndarray, offset: int) -> np.ndarray:
        taken = np.minimum(lengths[words] - offset, 8)
        return eight_bytes_at[starts[words] + offset].astype(np.uint64) & _HIGH_BYTES[taken]

    codes, distinct = pd.factorize(next_eight(np.arange(len(starts)), 0))
    next_code, offset = len(distinct), 8
    active = np.flatnonzero(lengths > offset)  # words with bytes left to read
    while active.size:
        prefix = codes[active] if offset == 8 else pd.factorize(codes[active])[0]  # < len(active), no overflow
        piece, pieces = pd.factorize(next_eight(active, offset))
        refined, distinct = pd.factorize(prefix * len(pieces) + piece)
        # A fresh code range per round, so a word that ended earlier never shares a code with a longer one.
        codes[active] = next_code + refined
        next_code, offset = next_code + len(distinct), offset + 8
        active = active[lengths[active] > offset]
    return codes


def _sorted_rows(chunks: list[tuple[np.ndarray, np.ndarray]], rank: np.ndarray) -> _Sets:
    """Rows of distinct word ranks in ascending order, from per-chunk (words per text, word ids)."""
    vocabulary = len(rank)
    sizes, tokens = [], []
    for counts, ids in chunks:
        indptr = np.concatenate(([0], np.cumsum(counts)))
        ones = np.ones(len(ids), dtype=bool)
        rows = sparse.csr_matrix((ones, rank[ids], indptr), shape=(len(counts), max(vocabulary, 1)))
        rows.sum_duplicates()  # sorts each row and drops repeated words
        sizes.append(np.diff(rows.indptr))
        tokens.append(rows.indices.astype(np.int32, copy=False))
    all_sizes = np.concatenate([np.zeros(0, dtype=np.int64), *sizes])
    indptr = np.concatenate(([0], np.cumsum(all_sizes))).astype(np.int64)
    return _Sets(indptr, np.concatenate([np.zeros(0, dtype=np.int32), *tokens]), vocabulary)


def _merge_identical(sets: _Sets) -> tuple[_Sets, np.ndarray]:
    """One row per distinct set (first occurrences, in order) and the index of each row's copy there.

    Rows are grouped by a random sum hash, then checked word by word against their group's
    first row; a row that differs (a hash collision) simply stays unmerged, which only costs time.
    """
    n = len(sets)
    group, _ = pd.factorize(_set_hashes(sets))
    first = np.zeros(group.max(initial=-1) + 1, dtype=np.int64)
    first[group[::-1]] = np.arange(n)[::-1]
    leader = first[group]
    copies = np.flatnonzero((leader != np.arange(n)) & (sets.sizes == sets.sizes[leader]))
    mine, theirs = _row_positions(sets, copies), _row_positions(sets, leader[copies])
    differs = np.repeat(np.arange(len(copies)), sets.sizes[copies])[sets.tokens[mine] != sets.tokens[theirs]]
    confirmed = np.delete(copies, differs)
    leader = np.arange(n)
    leader[confirmed] = first[group[confirmed]]
    keep = leader == np.arange(n)
    if keep.all():
        return sets, leader
    position = np.cumsum(keep) - 1  # a kept row's place among the kept rows
    return _take_rows(sets, keep), position[leader]


def _set_hashes(sets: _Sets) -> np.ndarray:
    """A 64-bit hash per row: the wrapping sum of a fixed random number per word, mixed with the size."""
    weights = np.random.default_rng(0).integers(0, 2**63, size=max(sets.vocabulary, 1), dtype=np.uint64)
    hashes = sets.sizes.astype(np.uint64)
    for start in range(0, len(sets), _BLOCK):  # blocks of rows: no temporaries the size of all words
        offsets = sets.indptr[start : start + _BLOCK + 1]
        words = sets.tokens[offsets[0] : offsets[-1]]
        summed = np.concatenate(([np.uint64(0)], np.cumsum(weights[words], dtype=np.uint64)))
        hashes[start : start + _BLOCK] ^= np.diff(summed[offsets - offsets[0]])
    return hashes


def _take_rows(sets: _Sets, keep: np.ndarray) -> _Sets:
    """The rows where `keep` is true, in order."""
    indptr = np.concatenate(([0], np.cumsum(sets.sizes[keep]))).astype(np.int64)
    return _Sets(indptr, sets.tokens[np.repeat(keep, sets.sizes)], sets.vocabulary)


# -- prefix filtering -------------------------------------------------------------------------------


def _min_overlap(sizes: np.ndarray, threshold: float) -> np.ndarray:
    """Per set size s, the smallest overlap o with o / s > threshold in float64 (1 for empty sets).

    A union is at least as large as either set and float division is monotone, so a pair
    involving a set of size s with fewer shared words than this cannot have J > threshold.
    (Empty sets get no keys, so theirs does not matter.)
    """
    s = np.maximum(sizes, 1).astype(np.float64)
    alpha = np.maximum(np.floor(threshold * s) - 1, 0)  # just below the answer, despite rounding
    while (short := alpha / s <= threshold).any():
        alpha[short] += 1
    return np.where(sizes == 0, 1, alpha.astype(np.int64))


_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: its products' top bits spread keys evenly


@dataclass(frozen=True)
class _Prefixes:
    """Which prefix keys each row of a collection gets.

    A pair key is ``a * vocabulary + b`` for two words a < b among the row's first ``length``
    shareable words; rows that can match on a single shared word also get ``a * vocabulary + a``
    for each of their shareable words. Keys are packed with their row into one int64,
    ``key << row_bits | row`` (a hash of the key when the key does not fit), so one in-place
    sort groups equal keys with rows ascending. A hash collision only adds candidates, which
    verification then rejects.
    """

    words: _Sets  # each row's shareable words, rarest first
    length: np.ndarray  # pair-key prefix length per row; 0 when the row gets no pair keys
    single: np.ndarray  # bool per row: also a key per shareable word
    alpha: np.ndarray  # per row, the fewest shared words a match needs
    sizes: np.ndarray  # per row, the number of words (shareable or not)
    threshold: float

    @classmethod
    def of(cls, sets: _Sets, shareable: np.ndarray, threshold: float) -> _Prefixes:
        """The prefixes at `threshold`, counting only `shareable` words.

        A word no other row can contain never starts a shared prefix, so dropping it before
        measuring prefixes keeps the join exact. The prefix bounds use the full set size.
        """
        alpha = _min_overlap(sets.sizes, threshold)
        keep = shareable[sets.tokens]
        words = _Sets(np.concatenate(([0], np.cumsum(keep)))[sets.indptr], sets.tokens[keep], sets.vocabulary)
        length = np.clip(words.sizes - np.maximum(alpha, 2) + 2, 0, words.sizes)
        # With J > threshold and one shared word, 1 / |s| > threshold: only then is a single word enough.
        return cls(words, np.where(length >= 2, length, 0), alpha == 1, alpha, sets.sizes, threshold)

    def counts(self) -> np.ndarray:
        """Number of keys per row."""
        return self.length * (self.length - 1) // 2 + np.where(self.single, self.words.sizes, 0)

    def keys(self, rows: np.ndarray, row_bits: int) -> np.ndarray:
        """The packed keys of the given rows, unsorted."""
        keys, owners = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
        for prefix in np.unique(self.length[rows]):
            if prefix < 2:
                continue
            members = rows[self.length[rows] == prefix]
            words = self.words.tokens[self.words.indptr[members][:, None] + np.arange(prefix)].astype(np.int64)
            a, b = np.triu_indices(prefix, k=1)
            keys.append((words[:, a] * self.words.vocabulary + words[:, b]).ravel())
            owners.append(np.repeat(members, len(a)))
        members = rows[self.single[rows]]
        words = self.words.tokens[_row_positions(self.words, members)].astype(np.int64)
        keys.append(words * self.words.vocabulary + words)
        owners.append(np.repeat(members, self.words.sizes[members]))
        keys = np.concatenate(keys)
        if not _exact_keys(self.words.vocabulary, row_bits):
            keys = _hash_keys(keys, 63 - row_bits)
        return (keys << row_bits) | np.concatenate(owners)

    def all_keys(self, row_bits: int) -> np.ndarray:
        """The packed keys of every row, unsorted, built a block of rows at a time into one array."""
        packed = np.empty(int(self.counts().sum()), dtype=np.int64)
        filled = 0
        for start in range(0, len(self.length), _BLOCK):
            block = self.keys(np.arange(start, min(start + _BLOCK, len(self.length))), row_bits)
            packed[filled : filled + len(block)] = block
            filled += len(block)
        return packed


def _exact_keys(vocabulary: int, row_bits: int) -> bool:
    """Whether keys ``a * vocabulary + b`` fit beside a row number in an int64, unhashed.

    They do up to about two million words for a million rows; exact keys let a long run of
    rows sharing one key be split further (_refined_candidates), since its words are known.
    """
    return vocabulary**2 <= 2 ** (63 - row_bits)


def _hash_keys(keys: np.ndarray, bits: int) -> np.ndarray:
    """Multiplicative hash of non-negative int64 keys to `bits` bits (equal keys, equal hashes)."""
    return ((keys.astype(np.uint64) * _MULTIPLIER) >> np.uint64(64 - bits)).astype(np.int64)


def _row_positions(sets: _Sets, rows: np.ndarray) -> np.ndarray:
    """Positions in sets.tokens of every word of the given rows."""
    sizes = sets.sizes[rows]
    return np.repeat(sets.indptr[rows], sizes) + _ranges(sizes)


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in `lengths`, concatenated."""
    ends = np.cumsum(lengths)
    return np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - lengths, lengths)


def _row_bits(*sizes: int) -> int:
    """Bits needed to store a row number of any of these collections."""
    return max(max(sizes) - 1, 1).bit_length()


# -- candidates and verification --------------------------------------------------------------------


def _self_join(sets: _Sets, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs i < j with J > threshold, sorted, and their overlaps."""
    none = np.zeros(0, dtype=np.int64)
    if threshold >= 1 or len(sets) < 2:
        return none, none, none
    _, copy_of, first, second, overlaps = _distinct_join(sets, threshold)
    return _expand_copies(sets, copy_of, first, second, overlaps)


def _distinct_join(sets: _Sets, threshold: float) -> tuple[_Sets, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct sets, each row's index there, and their pairs i < j with J > threshold (sorted, with overlaps)."""
    unique, copy_of = _merge_identical(sets)
    none = np.zeros(0, dtype=np.int64)
    if threshold >= 1 or len(unique) < 2:
        return unique, copy_of, none, none, none
    prefixes = _Prefixes.of(unique, _word_counts(unique) >= 2, threshold)
    row_bits = _row_bits(len(unique))
    found = [(none, none, none)]
    for first, second in _gathered(_self_candidates(prefixes.all_keys(row_bits), prefixes, row_bits)):
        found.append(_verify(unique, first, unique, second, threshold))
    first, second, overlaps = (np.concatenate(parts) for parts in zip(*found, strict=True))
    # A pair can come up in more than one batch; keep it once.
    packed = (first << row_bits) | second
    order = np.argsort(packed, kind="stable")
    once = order[_run_starts(packed[order])]
    return unique, copy_of, first[once], second[once], overlaps[once]


def _gathered(batches: Iterable[tuple[np.ndarray, np.ndarray]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The same pairs in batches of about _PAIR_BATCH: verifying many small batches costs more."""
    pending: list[tuple[np.ndarray, np.ndarray]] = []
    size = 0
    for first, second in batches:
        pending.append((first, second))
        size += len(first)
        if size >= _PAIR_BATCH:
            yield np.concatenate([f for f, _ in pending]), np.concatenate([g for _, g in pending])
            pending, size = [], 0
    if pending:
        yield np.concatenate([f for f, _ in pending]), np.concatenate([g for _, g in pending])


def _word_counts(sets: _Sets) -> np.ndarray:
    """Number of rows containing each word."""
    return np.bincount(sets.tokens, minlength=sets.vocabulary)


def _self_candidates(packed: np.ndarray, prefixes: _Prefixes, row_bits: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Row pairs i < j with a common key, in batches of bounded size. Sorts `packed` in place."""
    packed.sort()
    shared = packed[_has_equal_neighbour(packed, row_bits)]  # on template text, most of the keys
    del packed  # when the caller kept no reference, its memory is free before the pairs are made
    starts, lengths = _runs(shared >> row_bits)
    keys = shared[starts] >> row_bits
    rows = shared
    rows &= (1 << row_bits) - 1  # in place; ascending within each run
    vocabulary = prefixes.words.vocabulary
    # A long run of a known pair of words is split by the words its rows share next.
    refine = (lengths > _REFINE_RUN) & _exact_keys(vocabulary, row_bits) & (keys // vocabulary != keys % vocabulary)
    for runs in _batches(lengths[refine], _BLOCK):  # bounds the refinement's arrays
        yield from _refined_candidates(
            prefixes, starts[refine][runs], lengths[refine][runs], rows, keys[refine][runs], row_bits
        )
    short = (lengths <= _LONG_RUN) & ~refine
    for runs in _batches(lengths[short] * (lengths[short] - 1) // 2, _PAIR_BATCH):
        p, q = _pairs_within_runs(starts[short][runs], lengths[short][runs])
        yield _distinct_pairs(rows[p], rows[q], row_bits)
    # A key many rows share: all its pairs at once might not fit in memory, so go block by block.
    long = (lengths > _LONG_RUN) & ~refine
    for start, length in zip(starts[long].tolist(), lengths[long].tolist(), strict=True):
        members = rows[start : start + length]
        for i in range(0, length, _LONG_RUN):
            for j in range(i, length, _LONG_RUN):
                first, second = members[i : i + _LONG_RUN], members[j : j + _LONG_RUN]
                if i == j:
                    p, q = np.triu_indices(len(first), k=1)
                else:
                    p, q = np.divmod(np.arange(len(first) * len(second)), len(second))
                yield _distinct_pairs(first[p], second[q], row_bits)


def _refined_candidates(
    prefixes: _Prefixes,
    starts: np.ndarray,
    lengths: np.ndarray,
    rows: np.ndarray,
    keys: np.ndarray,
    row_bits: int,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs of long runs of pair keys that can still match, found by extending the keys word by word.

    Template text makes long runs: two common words of one stock phrase are in the prefixes of
    thousands of rows, and pairing them all is quadratic. But a pair whose first k shared words
    are a run's key words and that shares more than k words shares its (k+1)-th word too, and
    that word lies after the key's last word and among the row's first ``size - alpha + k``
    shareable words (at least ``alpha - k - 1`` shared words follow it). So each run is split
    by that next word, level by level, until its groups are short; rows with ``alpha <= k``,
    which can match on the k key words alone, are also paired within their group directly.
    A run whose rows all hold one same word before the key's last one (other than the first)
    is dropped: its pairs' first two shared words are not the key's, so another run has them.
    """
    words = prefixes.words
    group = np.repeat(np.arange(len(starts)), lengths)
    member = rows[np.repeat(starts, lengths) + _ranges(lengths)]
    vocabulary = words.vocabulary
    first = _positions(words, member, prefixes.length[member], np.repeat(keys // vocabulary, lengths))
    position = _positions(words, member, prefixes.length[member], np.repeat(keys % vocabulary, lengths))
    starts_at = words.indptr[member]
    before_first = np.where(first > 0, words.tokens[starts_at + np.maximum(first - 1, 0)], -1)
    between = np.where(position - 1 > first, words.tokens[starts_at + position - 1], -1)
    keep = ~(_held_by_all(group, before_first) | _held_by_all(group, between))
    group, member, position = group[keep], member[keep], position[keep]
    level = 2
    while len(member):
        direct = prefixes.alpha[member] <= level
        yield from _group_pairs(prefixes, group[direct], member[direct], position[direct], level, row_bits)
        group, member, position = _next_word(prefixes, group, member, position, level)
        level += 1
        starts, lengths = _runs(group)
        short = np.repeat(lengths <= _REFINE_RUN, lengths)
        yield from _group_pairs(prefixes, group[short], member[short], position[short], level, row_bits)
        group, member, position = group[~short], member[~short], position[~short]


def _next_word(
    prefixes: _Prefixes, group: np.ndarray, member: np.ndarray, position: np.ndarray, level: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each member under each word that may be its (level+1)-th shared word, as new groups sorted by (group, row).

    A new group whose members all hold one same word between the key's last word and the
    group's word is dropped: any pair in it shares that earlier word, so its (level+1)-th shared
    word is not this one, and the pair is in that word's group. Without this, members sharing a
    stock phrase would meet again under every later word of the phrase.
    """
    words = prefixes.words
    end = np.minimum(words.sizes[member] - prefixes.alpha[member] + level, words.sizes[member] - 1)
    count = np.maximum(end - position, 0)
    step = _ranges(count)
    next_position = np.repeat(position, count) + 1 + step
    member = np.repeat(member, count)
    at = words.indptr[member] + next_position
    # The member's word just before this one, when it is after the key's last word (-1 when not).
    before = np.where(step > 0, words.tokens[at - 1], -1)
    keys = np.repeat(group, count) * words.vocabulary + words.tokens[at]
    order = np.argsort(keys, kind="stable")  # stable: members stay ascending within a group
    new_group = np.cumsum(_run_starts(keys[order])) - 1
    keep = ~_held_by_all(new_group, before[order])
    return new_group[keep], member[order][keep], next_position[order][keep]


def _positions(words: _Sets, rows: np.ndarray, span: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where each row holds its wanted word, which is among its first `span` words."""
    at = np.repeat(words.indptr[rows], span) + _ranges(span)
    found = words.tokens[at] == np.repeat(wanted, span)
    return (at - np.repeat(words.indptr[rows], span))[found]


def _held_by_all(group: np.ndarray, word: np.ndarray) -> np.ndarray:
    """Per row, whether all rows of its group (`group` sorted) have the same `word`, and not -1."""
    starts, lengths = _runs(group)
    if not len(starts):
        return np.zeros(0, dtype=bool)
    same = (np.minimum.reduceat(word, starts) == np.maximum.reduceat(word, starts)) & (word[starts] >= 0)
    return np.repeat(same, lengths)


def _group_pairs(
    prefixes: _Prefixes, group: np.ndarray, member: np.ndarray, position: np.ndarray, level: int, row_bits: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The pairs within each group (`group` sorted, members ascending in it) that may match, in batches.

    A pair is only looked for in the group of its first `level` shared words, the last of
    which each member holds at `position`: so besides those, it can share at most the words
    after them (the positional filter), and a pair that could not reach J > threshold even then
    is left out here; if those were not its first shared words, another group has it.
    """
    starts, lengths = _runs(group)
    words = prefixes.words
    for runs in _batches(lengths * (lengths - 1) // 2, _PAIR_BATCH):
        p, q = _pairs_within_runs(starts[runs], lengths[runs])
        first, second = member[p], member[q]
        rest = np.minimum(words.sizes[first] - position[p], words.sizes[second] - position[q]) - 1
        most = level + rest
        possible = most / (prefixes.sizes[first] + prefixes.sizes[second] - most) > prefixes.threshold
        yield _distinct_pairs(first[possible], second[possible], row_bits)


def _distinct_pairs(first: np.ndarray, second: np.ndarray, row_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct pairs among (first, second) with first < second (first <= second on input).

    Equal rows come from two keys of one row whose hashes collided.
    """
    different = first != second
    pairs = _sorted_unique((first[different] << row_bits) | second[different])
    return pairs >> row_bits, pairs & ((1 << row_bits) - 1)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique for int64, by sorting: several times faster than its hash table on many repeats."""
    values = np.sort(values)
    return values[_run_starts(values)]


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Whether each element of a sorted array differs from the one before it (the first always does)."""
    return np.concatenate(([True], values[1:] != values[:-1]))[: len(values)]


def _has_equal_neighbour(packed: np.ndarray, row_bits: int) -> np.ndarray:
    """For sorted packed keys, whether the key (without its row) equals the previous or next one."""
    same_as_next = np.zeros(len(packed), dtype=bool)
    window = 16 * _BLOCK
    for start in range(0, max(len(packed) - 1, 0), window):  # windows: no full-size temporaries
        keys = packed[start : start + window + 1] >> row_bits
        same_as_next[start : start + len(keys) - 1] = keys[1:] == keys[:-1]
    same_as_previous = np.concatenate(([False], same_as_next[:-1]))
    return same_as_next | same_as_previous


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each run of equal values in a sorted array."""
    starts = np.flatnonzero(_run_starts(values))
    return starts, np.diff(np.append(starts, len(values)))


def _pairs_within_runs(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every position pair p < q inside the same run, for runs given by start and length."""
    starts, lengths = starts[lengths >= 2], lengths[lengths >= 2]
    # The k-th position of a run pairs with the length - k - 1 positions after it.
    position = np.repeat(starts, lengths) + _ranges(lengths)
    after = np.repeat(lengths, lengths) - _ranges(lengths) - 1
    return np.repeat(position, after), np.repeat(position, after) + 1 + _ranges(after)


def _batches(weights: np.ndarray, limit: int) -> Iterator[slice]:
    """Consecutive slices of `weights` each summing to at most `limit` (or holding a single item)."""
    ends = np.cumsum(weights)
    start = 0
    while start < len(weights):
        stop = int(np.searchsorted(ends, ends[start] - weights[start] + limit, side="right"))
        yield slice(start, max(stop, start + 1))
        start = max(stop, start + 1)


def _cross_candidates(
    a: _Sets, b: _Sets, shareable: np.ndarray, threshold: float
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(a row, b row) pairs with a common prefix key, in batches of bounded size.

    The side with fewer rows is indexed (its keys sorted); the other side's keys are made a
    block of rows at a time and looked up, so they never all exist at once. Most of them match
    nothing, and a bitmap of the indexed keys' low bits rules those out with one memory access
    each, before the binary search.
    """
    if len(b) > len(a):
        for second, first in _cross_candidates(b, a, shareable, threshold):
            yield first, second
        return
    row_bits = _row_bits(len(a), len(b))
    row_mask = (1 << row_bits) - 1
    index = _Prefixes.of(b, shareable, threshold).all_keys(row_bits)
    index.sort()
    index_keys, index_rows = index >> row_bits, index & row_mask
    del index
    bitmap_mask = min(1 << (8 * len(index_keys)).bit_length(), 1 << 27) - 1
    in_index = np.zeros(bitmap_mask + 1, dtype=bool)
    in_index[index_keys & bitmap_mask] = True
    probes = _Prefixes.of(a, shareable, threshold)
    for start in range(0, len(a), _BLOCK):
        probe = probes.keys(np.arange(start, min(start + _BLOCK, len(a))), row_bits)
        probe = np.sort(probe[in_index[(probe >> row_bits) & bitmap_mask]])  # sorted needles search faster
        low = np.searchsorted(index_keys, probe >> row_bits, side="left")
        count = np.searchsorted(index_keys, probe >> row_bits, side="right") - low
        for part in _batches(count, _PAIR_BATCH):
            first = np.repeat(probe[part] & row_mask, count[part])
            second = index_rows[np.repeat(low[part], count[part]) + _ranges(count[part])]
            pairs = _sorted_unique((first << row_bits) | second)
            yield pairs >> row_bits, pairs & row_mask


def _verify(
    a: _Sets, first: np.ndarray, b: _Sets, second: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The candidate pairs (a row, b row) with J > threshold, and their overlaps."""
    sizes_a, sizes_b = a.sizes[first], b.sizes[second]
    # Size filter: J <= min / max (overlap <= min, union >= max), computed as the rule would.
    possible = np.minimum(sizes_a, sizes_b) / np.maximum(np.maximum(sizes_a, sizes_b), 1) > threshold
    first, second = first[possible], second[possible]
    overlaps = np.zeros(len(first), dtype=np.int64)
    matrix_a, matrix_b = a.matrix(), b.matrix()
    for start in range(0, len(first), _VERIFY_CHUNK):  # bounds the sliced matrices' size
        rows = slice(start, start + _VERIFY_CHUNK)
        overlaps[rows] = np.diff(matrix_a[first[rows]].multiply(matrix_b[second[rows]]).indptr)
    match = overlaps / (a.sizes[first] + b.sizes[second] - overlaps) > threshold
    return first[match], second[match], overlaps[match]


def _expand_copies(
    sets: _Sets, copy_of: np.ndarray, first: np.ndarray, second: np.ndarray, overlaps: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Matches between distinct sets → matches between the original rows, sorted.

    Rows that are copies of one non-empty set match each other (J = 1) and every match of it.
    """
    order = np.argsort(copy_of, kind="stable")  # rows grouped by their distinct set, ascending
    group_size = np.bincount(copy_of, minlength=int(copy_of.max(initial=-1)) + 1)
    group_start = np.concatenate(([0], np.cumsum(group_size)[:-1]))
    # Between groups: every member of one with every member of the other.
    count = group_size[first] * group_size[second]
    pair = np.repeat(np.arange(len(first)), count)
    k = _ranges(count)
    x = order[group_start[first][pair] + k // group_size[second][pair]]
    y = order[group_start[second][pair] + k % group_size[second][pair]]
    between_overlaps = overlaps[pair]
    # Within a group of copies of a non-empty set.
    sizes = sets.sizes[order[group_start]]
    p, q = _pairs_within_runs(group_start, np.where(sizes > 0, group_size, 0))
    x, y = np.concatenate((x, order[p])), np.concatenate((y, order[q]))
    overlaps = np.concatenate((between_overlaps, sets.sizes[order[p]]))
    low, high = np.minimum(x, y), np.maximum(x, y)
    ranked = np.lexsort((high, low))
    return low[ranked], high[ranked], overlaps[ranked]

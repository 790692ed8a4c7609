"""Codebook-grounded cue features: who commits to what harm, on what condition.

`CodebookCues` turns each statement into a small vector of interpretable features, one
family per distinction the codebook draws (docs/cue_features.md has examples):

- commitment: a future, modal or "reserve the right"/"ready to" marker followed, within
  the same clause, by a harmful or retaliatory act; set phrases of threat.
- agent: who would carry the act out — the speaker ("we", "our forces", "the ministry said
  it would"), a named party, another party ("they"), a passive with no agent, or a
  consequence noun ("this will lead to ...").
- condition: "if", "unless", "should they ...", ultimatums, alone and joined to a commitment.
- consequence: agentless consequence framing ("will bear the consequences", "could lead to
  escalation") and warning idioms ("playing with fire").
- urging: calls to stop or refrain, alone and framed by danger.
- negation: negated commitments ("will not retaliate") and denials ("we threaten no one").
- past: reports of past or ongoing actions.
- hedge: tentative modality, alone and on a committed harm.
- monitoring: monitoring, concern, declining to comment, process words, questions.

The lexicons are YAML data (stance/lexicons/cues.yaml) that a researcher can extend.

The time to transform a statement grows linearly with its length (see _Analyser), and a family
is only tried at the tokens of a sentence where one of its matches can start (see _Prefilter).
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from re import _constants as _sre
from re import _parser as _sre_parse
from typing import NamedTuple

import numpy as np
import yaml
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from stance.cue_families import FAMILIES

FEATURES = (
    "commitment:harm",
    "commitment:idiom",
    "commitment:reserve_or_ready",
    "commitment:action",
    "agent:speaker_harm",
    "agent:named_harm",
    "agent:other_harm",
    "agent:passive_harm",
    "agent:agentless_harm",
    "agent:first_person",
    "agent:reported_speech",
    "condition:any",
    "condition:with_harm",
    "condition:with_action",
    "consequence:any",
    "consequence:modal",
    "consequence:idiom",
    "consequence:danger_words",
    "urging:any",
    "urging:with_danger",
    "negation:negated_harm",
    "negation:denial",
    "past:action",
    "hedge:any",
    "hedge:hedged_harm",
    "monitoring:any",
    "monitoring:question",
)
_WINDOW_WORDS = 8
_SENTENCE_END = re.compile(r"[.;!?]\s|[.;!?]$")
_CLAUSE_START = re.compile(r"[,:;()\u2014\u2013]|\s-\s|\b(?:that|but|while|whereas|and|because|as)\b")
# _CLAUSE_START for the reversed sentence: each alternative (and its words) reversed; see _Clauses.
_CLAUSE_START_REVERSED = re.compile(r"[,:;()\u2014\u2013]|\s-\s|\b(?:taht|tub|elihw|saerehw|dna|esuaceb|sa)\b")
_DASH_MARK = re.compile(r"\s-\s")
_MARK_LENGTH = 7  # the longest match of _CLAUSE_START ("whereas")
_OTHER_PARTY = re.compile(r"\b(?:they|them|their|you|your|he|she|his|her|those|whoever|anyone)\b")
_AGENTLESS = re.compile(
    r"\b(?:this|that|such|these|those|which|it|consequences?|escalation|steps?|moves?|actions?|policy|"
    r"policies|decision|course|situation|deployment|drills?|exercises?|plans?)\b"
)
_MODAL_CONSEQUENCE = re.compile(r"\b(?:will|would|could|may|might|can|shall)\b")
_COUNTERFACTUAL = re.compile(r"\s*(?:not\s+)?have\s+(?:been\s+)?\w+(?:ed|en)\b")
_READINESS = re.compile(r"reserv|ready|prepared|stands? by|orders|instruct|authori")
_PASSIVE_MARKER = re.compile(r"\b(?:being|to be)\b")
_PASSIVE = re.compile(r"^\s*(?:not\s+)?(?:be|been|get|are being|is being)\b")
# _PASSIVE without its anchor, for match(sentence, pos): the same test on the text after a
# marker, without copying that text for every marker (which made long sentences quadratic).
_PASSIVE_AFTER = re.compile(_PASSIVE.pattern.removeprefix("^"))
_WORD = re.compile(r"[a-z][a-z'-]*")
# Every lexicon pattern is one alternation between these word-edge guards: a match starts and
# ends a run of [\w'] characters (a "token").
_LEFT, _RIGHT = r"(?<![\w'])(?:", r")(?![\w'])"
_TOKEN = re.compile(r"[\w']+")
_TOKEN_CHAR = re.compile(r"[\w']")
# The families searched in every sentence, which the prefilter may spare (see _Prefilter).
_SENTENCE_FAMILIES = (
    "threat_idiom",
    "denial",
    "speaker_first_person",
    "attribution",
    "commitment",
    "condition",
    "consequence",
    "danger",
    "warning_idiom",
    "urge",
    "past_action",
    "hedge",
    "monitoring",
)


def default_lexicon_path() -> Path:
    return Path(str(resources.files("stance") / "lexicons" / "cues.yaml"))


def load_lexicon(path: str | Path | None = None) -> dict[str, list[str]]:
    """The lexicon as plain lists of regex fragments (what a fitted transformer stores)."""
    parsed = _parse_lexicon(Path(path or default_lexicon_path()).read_text(encoding="utf-8"))
    return {name: list(items) for name, items in parsed}


@functools.lru_cache(maxsize=8)
def _parse_lexicon(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    # Every fit loads the lexicon, and the simulated annotation rounds fit ~130 models: parse each text once.
    return tuple((name, tuple(str(item) for item in items)) for name, items in yaml.safe_load(text).items())


@functools.lru_cache(maxsize=8)
def _compile(frozen: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, re.Pattern]:
    return {name: re.compile(_LEFT + "|".join(items) + _RIGHT) for name, items in frozen}


# Cues set by the first sentence whose family matches (feature → family).
_ONCE_A_TEXT = {
    "agent:first_person": "speaker_first_person",
    "agent:reported_speech": "attribution",
    "past:action": "past_action",
    "hedge:any": "hedge",
    "monitoring:any": "monitoring",
}
_MEMORY = 50_000  # cue vectors an analyser keeps (~30 MB)


@functools.lru_cache(maxsize=8)
def _analyser(patterns: tuple[tuple[str, re.Pattern], ...]) -> _Analyser:
    # Keyed by the compiled patterns, themselves cached by lexicon content: a fitted transformer
    # holds only plain data (skops), so what is derived from it is rebuilt here, once.
    return _Analyser(dict(patterns))


class CodebookCues(TransformerMixin, BaseEstimator):
    """Statements → interpretable cue features (see module docstring).

    Parameters
    ----------
    families : tuple of family names to output (default: all); dropping one is an ablation.
    lexicon_path : YAML lexicon file; None uses the packaged one. Its content is stored in
        the fitted transformer, so a saved model does not depend on the file.
    """

    def __init__(self, families: tuple[str, ...] = FAMILIES, lexicon_path: str | None = None):
        self.families = families
        self.lexicon_path = lexicon_path

    def fit(self, texts=None, y=None):
        unknown = sorted(set(self.families) - set(FAMILIES))
        if unknown:
            raise ValueError(f"unknown cue families {unknown}; known: {', '.join(FAMILIES)}")
        self.lexicon_ = load_lexicon(self.lexicon_path)
        self.feature_names_ = [name for name in FEATURES if name.split(":")[0] in self.families]
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        patterns = _compile(tuple((k, tuple(v)) for k, v in sorted(self.lexicon_.items())))
        analyser = _analyser(tuple(patterns.items()))
        columns = [FEATURES.index(name) for name in self.feature_names_]
        rows = [analyser.remembered(text) for text in map(str, texts)]
        return sparse.csr_matrix(np.array(rows)[:, columns] if rows else np.zeros((0, len(columns))))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array([f"cue:{name}" for name in self.feature_names_], dtype=object)


def analyse(text: str, patterns: dict[str, re.Pattern]) -> np.ndarray:
    """The full cue vector (in FEATURES order) of one statement."""
    return np.array(_analyser(tuple(patterns.items())).cues(text))


class Commitment(NamedTuple):
    """A commitment marker and what follows it: a harmful act, or some other action."""

    kind: str  # "harm" | "action"
    agent: str
    negated: bool
    hedged: bool
    readiness: bool
    span: tuple[int, int]


class _Analyser:
    """The cue analysis of statements with one compiled lexicon.

    Three things keep it fast, none changing a feature:
    - a family is tried only at the tokens where one of its matches can start (see _Prefilter),
      not at every character, and not at all in a sentence without such a token;
    - work shared by the commitment markers of a sentence (its clause marks, the search for an
      attribution verb before a marker) is done once per sentence;
    - each marker reads only the few words around it, by offset, never a copy of the text
      before or after it: the cost grows linearly with the length of a sentence, where
      per-marker copies and rescans made it quadratic.
    """

    def __init__(self, patterns: dict[str, re.Pattern]):
        self.patterns = patterns
        self.prefilter = _Prefilter({name: _requirements_of(patterns[name]) for name in _SENTENCE_FAMILIES})
        self.unfiltered = self.prefilter.unfiltered
        self.attribution_reach = _prefix_reach(patterns["attribution"])
        self._memory: dict[str, list[float]] = {}
        self._markers: dict[str, tuple[bool, bool, bool]] = {}  # see _marker

    def remembered(self, text: str) -> list[float]:
        """cues(text), computed once per distinct text while it stays in memory.

        Model selection, the learning curve, ablation and the simulated annotation rounds
        transform the same statements again and again (a simulation replays ~130 rounds over
        one corpus); a batch to predict repeats boilerplate. Up to _MEMORY texts are kept, then
        the memory starts afresh, so a million distinct statements cost no more than a few.
        """
        row = self._memory.get(text)
        if row is None:
            if len(self._memory) >= _MEMORY:
                self._memory.clear()
            row = self._memory[text] = self.cues(text)
        return row

    def cues(self, text) -> list[float]:
        """The full cue vector (in FEATURES order) of one statement."""
        lowered = str(text).lower().replace("\u2019", "'")
        found = dict.fromkeys(FEATURES, 0.0)
        sentences = _sentences(lowered)
        if sentences:
            starts = self.prefilter.starts
            consequences = sum(self._sentence(sentence, found, starts(sentence)) for sentence in sentences)
            found["consequence:any"] = min(consequences, 3) / 3.0
        return list(found.values())

    def _search(self, family: str, sentence: str, starts: dict[str, list[int]]) -> bool:
        """Whether the family's pattern matches the sentence, tried only where it may start."""
        offsets = starts.get(family)
        if offsets is None:  # no token to start at, or a family the prefilter cannot follow
            return family in self.unfiltered and self.patterns[family].search(sentence) is not None
        # match(sentence, pos) is the attempt search makes at pos: its lookbehind sees sentence[pos - 1].
        match = self.patterns[family].match
        for start in offsets:  # noqa: SIM110 (any() over a generator costs more, ~10 times a statement)
            if match(sentence, start):
                return True
        return False

    def _finditer(self, family: str, sentence: str, starts: dict[str, list[int]]) -> Iterator[re.Match]:
        """pattern.finditer(sentence) of a family, tried only where it may start."""
        offsets = starts.get(family)
        if offsets is None:
            if family in self.unfiltered:
                yield from self.patterns[family].finditer(sentence)
            return
        match, end = self.patterns[family].match, 0
        for start in offsets:
            # finditer looks for the next match from the end of the last (none is empty).
            if start >= end and (found := match(sentence, start)):
                end = found.end()
                yield found

    def _sentence(self, sentence: str, found: dict[str, float], starts: dict[str, list[int]]) -> int:
        """Set the cues of one sentence in `found`; return its number of consequence phrases.

        `starts`: where in the sentence each family may start a match (see _Prefilter.starts).
        """
        p, search = self.patterns, self._search
        idioms = [m.span() for m in self._finditer("threat_idiom", sentence, starts)]
        masked = _mask(sentence, idioms)
        denial = search("denial", sentence, starts)
        if idioms:
            found["commitment:idiom"] = 1.0
        # A cue that only says "some sentence has X" needs no search once a sentence had it.
        for cue, family in _ONCE_A_TEXT.items():
            if not found[cue] and search(family, sentence, starts):
                found[cue] = 1.0
        committed = acting = bool(idioms) and not denial
        events = self._commitments(sentence, idioms, starts)
        for event in events:
            if event.negated or denial:
                if event.kind == "harm":
                    found["negation:negated_harm"] = 1.0
                continue
            if event.kind == "action":
                found["commitment:action"] = 1.0
                acting = acting or event.agent in ("speaker", "named")
                continue
            found["commitment:harm"] = 1.0
            found[f"agent:{event.agent}_harm"] = 1.0
            if event.readiness:
                found["commitment:reserve_or_ready"] = 1.0
            if event.hedged:
                found["hedge:hedged_harm"] = 1.0
            committed = committed or event.agent in ("speaker", "named", "passive")
        if search("condition", sentence, starts):
            found["condition:any"] = 1.0
            if committed:
                found["condition:with_harm"] = 1.0
            elif acting:
                found["condition:with_action"] = 1.0
        if not idioms:
            consequences = sum(1 for _ in self._finditer("consequence", sentence, starts))
        elif "consequence" in starts or "consequence" in self.unfiltered:
            consequences = len(p["consequence"].findall(masked))
        else:  # the tokens of the masked sentence are those of the sentence: none starts a match
            consequences = 0
        # Unmasked, the count already tells whether the sentence has a consequence phrase.
        consequence = search("consequence", sentence, starts) if idioms else consequences > 0
        danger = search("danger", sentence, starts)
        if (consequence or danger) and not found["consequence:modal"] and self._modal_consequence(masked):
            found["consequence:modal"] = 1.0
        warning = search("warning_idiom", sentence, starts)
        if warning:
            found["consequence:idiom"] = 1.0
        if danger:
            found["consequence:danger_words"] = 1.0
        if search("urge", sentence, starts):
            found["urging:any"] = 1.0
            if consequence or danger or warning:
                found["urging:with_danger"] = 1.0
        if denial:
            found["negation:denial"] = 1.0
        if "?" in sentence:
            found["monitoring:question"] = 1.0
        return consequences

    def _commitments(self, sentence: str, idioms: list[tuple[int, int]], starts: dict[str, list[int]]):
        """Yield a Commitment per commitment marker followed by an act (harmful or other)."""
        p = self.patterns
        clauses = attributed = None
        markers = self._markers
        idiom_starts, idiom_ends = [a for a, _ in idioms], [b for _, b in idioms]
        for marker in self._finditer("commitment", sentence, starts):
            start, end = marker.span()
            if _COUNTERFACTUAL.match(sentence, end):
                continue  # "would have suspended": a past that did not happen
            said = marker.group(0)
            marked = markers.get(said) or self._marker(said)
            window = " ".join(_words_after(sentence, end, _WINDOW_WORDS))
            harm = p["harm_action"].search(window)
            gap = window[: harm.start()] if harm else ""
            if harm and p["procedural"].search(gap):
                continue  # "will discuss possible measures"
            clauses = clauses or _Clauses(sentence)
            subject = _words_before(sentence, clauses.start_before(start), start, 6)
            if harm:
                kind = "harm"
            elif (_PASSIVE_AFTER.match(sentence, end) or marked[2]) and p["harm_action"].search(" ".join(subject)):
                kind, gap, agent = "harm", window[:12], "passive"  # "countermeasures will be taken"
            else:
                verb = _main_verb(window, p["skip_word"])
                if not verb or p["benign_action"].fullmatch(verb) or p["procedural"].fullmatch(verb):
                    continue
                kind, gap = "action", window[: window.find(verb)]
            if harm or kind == "action":
                attributed = attributed or _PrefixSearch(p["attribution"], sentence, self.attribution_reach)
                agent = self._agent(" ".join(subject), sentence, start, end, attributed)
            span = (start, end + len(window))
            negated = bool(p["negation"].search(said + " " + gap + " " + " ".join(subject[-3:])))
            # An idiom over the marker ("will not go unanswered") is a threat, not a negation.
            overlapped = bisect.bisect_left(idiom_starts, span[1])
            if negated and overlapped and idiom_ends[overlapped - 1] > start:
                negated = False
            yield Commitment(
                kind=kind,
                agent=agent,
                negated=negated,
                hedged=marked[0],
                readiness=marked[1],
                span=span,
            )

    def _marker(self, said: str) -> tuple[bool, bool, bool]:
        """Whether a marker's own text is hedged, tells readiness, marks a passive (markers repeat)."""
        if len(self._markers) >= _Prefilter._MEMORY:
            self._markers.clear()
        self._markers[said] = found = (
            self.patterns["hedge"].search(said) is not None,
            _READINESS.search(said) is not None,
            _PASSIVE_MARKER.search(said) is not None,
        )
        return found

    def _agent(self, subject: str, sentence: str, start: int, end: int, attributed: _PrefixSearch) -> str:
        """Who carries out the act of the marker at sentence[start:end], by the clause's last words."""
        p = self.patterns
        if p["speaker_first_person"].search(subject):
            return "speaker"
        if p["speaker_reported"].search(subject) and attributed(start):
            return "speaker"
        if _PASSIVE_AFTER.match(sentence, end):
            return "passive"
        if _OTHER_PARTY.search(subject):
            return "other"
        if not subject.strip() or _AGENTLESS.search(subject):
            return "agentless"
        return "named"

    def _modal_consequence(self, sentence: str, words: int = 5) -> bool:
        """Whether a modal is followed by a consequence verb within a few words."""
        verb = self.patterns["consequence_verb"]
        return any(
            verb.search(" ".join(_words_after(sentence, modal.end(), words)))
            for modal in _MODAL_CONSEQUENCE.finditer(sentence)
        )


def _sentences(text: str) -> list[str]:
    parts, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        parts.append(text[start : end.end()])
        start = end.end()
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _mask(sentence: str, spans: list[tuple[int, int]]) -> str:
    """The sentence with each span replaced by a space (pattern.sub(" ", ...) from its matches)."""
    if not spans:
        return sentence
    pieces, last = [], 0
    for start, end in spans:
        pieces.append(sentence[last:start])
        last = end
    pieces.append(sentence[last:])
    return " ".join(pieces)


def _words_after(text: str, start: int, n: int) -> list[str]:
    """text[start:].split()[:n], reading only as far as the n-th word."""
    size = 16 * n
    while True:
        words = text[start : start + size].split()
        # With an (n+1)-th word in the piece, the n-th is whole.
        if len(words) > n or start + size >= len(text):
            return words[:n]
        size *= 4


def _words_before(text: str, start: int, end: int, n: int) -> list[str]:
    """text[start:end].split()[-n:], reading back only as far as the n-th last word."""
    size = 16 * n
    while True:
        low = max(start, end - size)
        words = text[low:end].split()
        if len(words) > n or low == start:
            return words[-n:]
        size *= 4


def _main_verb(window: str, skip: re.Pattern) -> str | None:
    """The first word after a commitment marker that is not an adverb, auxiliary or negator."""
    return next((word for word in _WORD.findall(window) if not skip.fullmatch(word)), None)


class _Clauses:
    """The clause marks of a sentence, read back from each marker to the mark before it.

    The marks are those _CLAUSE_START.finditer(sentence) finds. A search of the reversed
    sentence (_CLAUSE_START_REVERSED) from a marker finds the candidate mark that ends last
    before it, without scanning the sentence from its start. Each punctuation mark and each word
    mark is one of the scan's marks (no other mark can cover its characters). Of a chain of
    overlapping " - " candidates (" - - - "), the forward scan takes the first, then every other
    one: the candidate found is taken by the scan when an even number of candidates come before
    it in its chain, otherwise the one before it is, which ends two characters earlier.

    Asked for ends that do not decrease (as markers come), the search reads back only to the
    last end asked (and a mark's length past it), so that each part of a long sentence is read
    about once.
    """

    def __init__(self, sentence: str):
        self.sentence, self.reversed = sentence, sentence[::-1]
        self.taken: dict[int, bool] = {}  # whether the scan takes the " - " starting here
        self.asked, self.answer = -1, 0  # the last end asked (-1: none) and its clause start

    def start_before(self, end: int) -> int:
        """Where the clause ending at `end` starts: after the last mark of the sentence that ends by `end`.

        For an `end` not preceded by a word character (a marker's start), that is after the last
        mark a scan of sentence[:end] finds: a word mark can neither end at `end` nor straddle it,
        and when " - " does, the prefix has nothing after its start to find.
        """
        length = len(self.sentence)
        if 0 <= self.asked <= end:
            # A mark ending after the last end asked starts at most _MARK_LENGTH before it:
            # searched up to one character further (what its closing \b looks at), it is found
            # as in the whole sentence. Without one, the answer is the one for that end.
            endpos, after, otherwise = length - self.asked + _MARK_LENGTH + 1, self.asked, self.answer
        else:
            endpos, after, otherwise = length, -1, 0
        mark = _CLAUSE_START_REVERSED.search(self.reversed, length - end, endpos)
        if mark is None or length - mark.start() <= after:
            found = otherwise
        else:
            start, found = length - mark.end(), length - mark.start()
            if found - start == 3 and self.sentence[start + 1] == "-" and not self._taken(start):
                found = start + 1  # the scan took the " - " two characters before
        self.asked, self.answer = end, found
        return found

    def _taken(self, start: int) -> bool:
        """Whether the scan takes the " - " candidate at `start` (see the class docstring)."""
        taken = self.taken.get(start)
        if taken is None:
            first = start
            while first >= 2 and first - 2 not in self.taken and _DASH_MARK.match(self.sentence, first - 2):
                first -= 2
            if first >= 2 and first - 2 in self.taken:  # a known candidate of the same chain
                taken = self.taken[first - 2] == ((start - first) % 4 == 2)
            else:
                taken = (start - first) % 4 == 0
            self.taken[start] = taken
        return taken


class _PrefixSearch:
    """pattern.search(sentence[:end]) is not None, for ends that never decrease.

    Asked once per marker, a plain search rescans the sentence from its start each time. For a
    lexicon pattern that tests nothing past the end of its match (see _prefix_reach), a match
    in a prefix ending before it stays a match of every longer prefix, and once a prefix has
    none, a match of a longer prefix starts at most `width` characters before the old end: so
    each part of the sentence is searched about once.
    """

    def __init__(self, pattern: re.Pattern, sentence: str, reach: tuple[bool, int | None]):
        self.pattern, self.sentence = pattern, sentence
        self.monotone, self.width = reach
        self.start = 0  # no match of a prefix still to be asked starts before this
        self.true_from = None  # every prefix at least this long has a match

    def __call__(self, end: int) -> bool:
        if self.true_from is not None and end >= self.true_from:
            return True
        match = self.pattern.search(self.sentence, self.start, end)  # endpos: as if cut at `end`
        if not self.monotone:
            return match is not None
        if match is None:
            if self.width is not None:
                self.start = max(self.start, end + 1 - self.width)
            return False
        if match.end() < end:
            self.true_from = end
        return True


# Constructs that may test text past the end of a match: with one, a match of a short prefix
# of a sentence need not be a match of a longer prefix.
_LOOKS_AHEAD = ("(?=", "(?!", "$", "\\Z", "\\b", "\\B")
_MAX_WIDTH = 1000


def _prefix_reach(pattern: re.Pattern) -> tuple[bool, int | None]:
    """(monotone, width) of a lexicon pattern, for _PrefixSearch.

    monotone: its fragments test nothing past the end of a match (only the closing guard does);
    width: its longest match, or None when unbounded, very long or unknown.
    """
    source = pattern.pattern
    if not (source.startswith(_LEFT) and source.endswith(_RIGHT)):
        return False, None
    if any(token in source[len(_LEFT) : -len(_RIGHT)] for token in _LOOKS_AHEAD):
        return False, None
    try:
        width = _sre_parse.parse(source).getwidth()[1]
    except Exception:  # a private module of re: without it, search whole prefixes
        return True, None
    return True, width if width <= _MAX_WIDTH else None


# -- prefilter: where a lexicon pattern can start a match ------------------------------------------
#
# Searching a sentence for a family pattern tries a match at every character, though most
# sentences hold none of its phrases and the pattern can only start at a few tokens. From the
# parsed pattern, _requirements_of derives words such that the first token (a run of [\w']
# characters) of every match is equal to one of them, or begins with one. One scan of a sentence
# finds the tokens meeting them (see _Prefilter); a family is then matched only where one of its
# tokens starts, and not at all in a sentence with none. This only spares attempts that would
# find nothing, so it never changes a feature; a pattern the analysis does not follow gets no
# words and is searched in full.

_WORD_LIMIT = 12  # characters of a word followed into a pattern
_BUDGET = 4000  # steps of the analysis of a pattern


class _Opaque(Exception):
    """A part of a pattern the analysis does not follow."""


class _Prefilter:
    """Where in a sentence each family may start a match, from one scan of its tokens.

    A token is looked up by its first 8, 5, 4 and 3 characters (the whole token when shorter).
    A requirement (word, whole) is filed under its first 8 characters when whole or at least 8
    long (a whole word shorter than 8 is then met by that token alone), else under the first
    5, 4 or 3: a token meeting it begins with that key. The scan returns only the tokens that
    begin with a filed key, and the families of each are remembered (statements share words).
    """

    _MEMORY = 20_000  # tokens remembered, at most

    def __init__(self, requirements: dict[str, set[tuple[str, bool]] | None]):
        self.unfiltered = frozenset(name for name, found in requirements.items() if found is None)
        self.tables: dict[int, dict[str, set[str]]] = {8: {}, 5: {}, 4: {}, 3: {}}
        for name, found in requirements.items():
            for word, whole in found or ():
                size = 8 if whole else max(size for size in self.tables if size <= len(word))
                self.tables[size].setdefault(word[:size], set()).add(name)
        keys = sorted({key for table in self.tables.values() for key in table})
        self.finder = re.compile(r"(?<![\w'])(?=" + _prefix_trie(keys) + r")[\w']{1,8}") if keys else None
        self.known = _Known(self.tables, self._MEMORY)

    def starts(self, text: str) -> dict[str, list[int]]:
        """The offsets, in order, of the tokens of `text` where each filtered family may start a match.

        A filtered family with no such token is left out: it cannot match `text`.
        """
        found: dict[str, list[int]] = {}
        if self.finder:
            known = self.known
            for token in self.finder.finditer(text):
                families = known[token.group()]
                if families:
                    start = token.start()
                    for family in families:
                        offsets = found.get(family)
                        if offsets is None:
                            found[family] = [start]
                        else:
                            offsets.append(start)
        return found

    def families(self, text: str) -> frozenset[str]:
        """The families `text` may match (all others cannot)."""
        return self.unfiltered.union(self.starts(text))


class _Known(dict):
    """Families by token beginning (its first 8 characters), looked up in the tables once."""

    def __init__(self, tables: dict[int, dict[str, set[str]]], memory: int):
        super().__init__()
        self.tables, self.memory = tables, memory
        self.shared: dict[frozenset[str], frozenset[str]] = {}  # one copy of each set of families

    def __missing__(self, start: str) -> frozenset[str]:
        found = frozenset().union(*(table.get(start[:size], ()) for size, table in self.tables.items()))
        if len(self) >= self.memory:
            self.clear()
        self[start] = found = self.shared.setdefault(found, found)
        return found


def _prefix_trie(words: list[str]) -> str:
    """A regex matching any text that begins with one of `words` (plain strings), as a trie."""
    branches: dict[str, list[str]] = {}
    for word in words:
        if not word:
            return ""  # this word is a prefix of the others: it alone decides
        branches.setdefault(word[0], []).append(word[1:])
    alternatives = [re.escape(char) + _prefix_trie(rest) for char, rest in branches.items()]
    return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def _requirements_of(pattern: re.Pattern) -> set[tuple[str, bool]] | None:
    """(word, whole) pairs the first token of every match of a lexicon pattern meets one of, or None.

    A token meets (word, True) when equal to `word`, (word, False) when it begins with `word`.
    """
    source = pattern.pattern
    if pattern.flags & re.IGNORECASE or not (source.startswith(_LEFT) and source.endswith(_RIGHT)):
        return None
    try:
        items = list(_sre_parse.parse(source).data)
    except Exception:  # a private module of re: without it, no prefilter
        return None
    guarded = len(items) >= 2 and all(
        op is _sre.ASSERT_NOT and av[0] == direction for (op, av), direction in ((items[0], -1), (items[-1], 1))
    )
    if not guarded:
        return None
    found: set[tuple[str, bool]] = set()
    try:
        _first_words(items[1:-1], "", found, [_BUDGET])
    except (_Opaque, RecursionError):
        return None
    # _Prefilter files a beginning under its first 3 characters at least: a shorter one cannot be.
    return found if all(whole or len(word) >= 3 for word, whole in found) else None


def _first_words(items: list, word: str, found: set[tuple[str, bool]], budget: list[int]) -> None:
    """Add to `found` the (word, whole) a token starting where `items` start can have.

    `items` run to the end of the pattern, where the closing guard ends the token: there, and at
    a non-token character, the token is whole; past _WORD_LIMIT characters, or at a part that
    could be anything, only its beginning is known. Raises _Opaque when no word can be told.
    """
    budget[0] -= 1
    if budget[0] < 0:
        raise _Opaque
    if len(word) == _WORD_LIMIT:
        found.add((word, False))
        return
    if not items:
        if not word:
            raise _Opaque  # an empty match: no token at all
        found.add((word, True))
        return
    (op, av), rest = items[0], items[1:]
    if op is _sre.LITERAL:
        if _is_token_char(av):
            _first_words(rest, word + chr(av), found, budget)
        elif word:
            found.add((word, True))
        else:
            raise _Opaque  # not a token start after all
    elif op is _sre.IN and (chars := _literal_chars(av)) is not None:
        for char in chars:
            _first_words([(_sre.LITERAL, ord(char)), *rest], word, found, budget)
    elif op is _sre.SUBPATTERN and not av[1] and not av[2]:
        _first_words([*av[3].data, *rest], word, found, budget)
    elif op is _sre.BRANCH:
        for alternative in av[1]:
            _first_words([*alternative.data, *rest], word, found, budget)
    elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
        low, high, body = av
        if low == 0:
            _first_words(rest, word, found, budget)
        if high > 0:
            again = [] if high == 1 else [(op, (max(low - 1, 0), high if high == _sre.MAXREPEAT else high - 1, body))]
            _first_words([*body.data, *again, *rest], word, found, budget)
    elif op in (_sre.ASSERT, _sre.ASSERT_NOT, _sre.AT):
        _first_words(rest, word, found, budget)  # consumes nothing; skipping a test only widens
    elif word:
        found.add((word, False))  # anything may follow: only the beginning is known
    else:
        raise _Opaque


def _literal_chars(charset: list) -> list[str] | None:
    """The characters of a small set of literals and ranges, or None (classes, negation)."""
    chars = []
    for op, av in charset:
        if op is _sre.LITERAL:
            chars.append(chr(av))
        elif op is _sre.RANGE and av[1] - av[0] < 64:
            chars.extend(chr(code) for code in range(av[0], av[1] + 1))
        else:
            return None
    return chars


def _is_token_char(code: int) -> bool:
    return _TOKEN_CHAR.fullmatch(chr(code)) is not None


_CAPITALISED = re.compile(r"\b[A-Z][\w'\-]*")
# _CAPITALISED for split, which keeps each word. "\b" before a capital (a word character) says
# the character before it is none: tested after the capital, a search skips to capitals fast.
_CAPITALISED_SPLIT = re.compile(r"([A-Z](?<!\w.)[\w'\-]*)")
# Whether _DIGITS may match: one digit, and for ASCII text the same test on a plain range (faster).
_DIGIT, _ASCII_DIGIT = re.compile(r"\d"), re.compile(r"[0-9]")
_DIGITS = re.compile(r"\d+")
_LOWER_WORD = re.compile(r"\b[a-z][\w'\-]*")


_NO_WORDS = np.array([], dtype="<U1")


@functools.lru_cache(maxsize=1)
def _masked_texts(placeholder: str, vocabulary: tuple[str, ...]) -> dict[str, str]:
    """The masked texts of one fitted vocabulary: a model's word and char blocks mask the same
    statements with equal vocabularies (both fitted on the training texts), so the second finds
    them done. One vocabulary is kept at a time, up to _MEMORY texts."""
    return {}


class _WordMasks(dict):
    """A capitalised word -> itself when its lower-case form is known, else the placeholder."""

    def __init__(self, placeholder: str, vocabulary: tuple[str, ...]):
        super().__init__()
        self.placeholder, self.known = placeholder, frozenset(vocabulary)

    def __missing__(self, word: str) -> str:
        self[word] = masked = word if word.lower() in self.known else self.placeholder
        return masked


@functools.lru_cache(maxsize=1)
def _masked_words(placeholder: str, vocabulary: tuple[str, ...]) -> _WordMasks:
    """The mask of each capitalised word seen with one fitted vocabulary (see _masked_texts)."""
    return _WordMasks(placeholder, vocabulary)


class NameMasker(TransformerMixin, BaseEstimator):
    """Replace names and numbers with placeholders before n-gram features are built.

    A capitalised word counts as a name when its lower-case form never occurs in the
    training texts (so "Borovia" and "Borovian" are masked, "Ministry" and "The" are not).
    The n-gram blocks then cannot learn which fictional state tends to threaten, and a
    prediction does not move when a name, date or number is swapped.
    """

    def __init__(self, placeholder: str = "Xname"):
        self.placeholder = placeholder

    def fit(self, texts, y=None):
        words = {word for text in texts for word in _LOWER_WORD.findall(str(text))}
        self.vocabulary_ = sorted(words)
        return self

    def __getstate__(self):
        # skops writes a list as one JSON node per item; as an array the words are one .npy member.
        state = dict(super().__getstate__())
        if isinstance(state.get("vocabulary_"), list):
            state["vocabulary_"] = np.array(state["vocabulary_"], dtype=str) if state["vocabulary_"] else _NO_WORDS
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if isinstance(getattr(self, "vocabulary_", None), np.ndarray):
            self.vocabulary_ = [str(word) for word in self.vocabulary_]

    def transform(self, texts) -> list[str]:
        vocabulary = tuple(self.vocabulary_)
        masked = _masked_texts(self.placeholder, vocabulary)
        if len(masked) >= _MEMORY:
            masked.clear()
        words = _masked_words(self.placeholder, vocabulary)
        if len(words) >= _MEMORY:
            words.clear()
        split, sub, lookup = _CAPITALISED_SPLIT.split, _DIGITS.sub, words.__getitem__
        digit, ascii_digit = _DIGIT.search, _ASCII_DIGIT.search
        out = []
        for text in map(str, texts):
            done = masked.get(text)
            if done is None:
                # _CAPITALISED.sub(mask, text) without a call per word: split keeps the words at
                # the odd places, each replaced by its remembered mask.
                parts = split(text)
                if len(parts) > 1:
                    parts[1::2] = map(lookup, parts[1::2])
                    done = "".join(parts)
                else:
                    done = text
                if (ascii_digit if done.isascii() else digit)(done):
                    done = sub("0", done)
                masked[text] = done
            out.append(done)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(input_features if input_features is not None else ["text"], dtype=object)

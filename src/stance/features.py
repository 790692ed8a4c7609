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
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

import numpy as np
import yaml
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

FAMILIES = ("commitment", "agent", "condition", "consequence", "urging", "negation", "past", "hedge", "monitoring")
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


def default_lexicon_path() -> Path:
    return Path(str(resources.files("stance") / "lexicons" / "cues.yaml"))


def load_lexicon(path: str | Path | None = None) -> dict[str, list[str]]:
    """The lexicon as plain lists of regex fragments (what a fitted transformer stores)."""
    text = Path(path or default_lexicon_path()).read_text(encoding="utf-8")
    return {name: [str(item) for item in items] for name, items in yaml.safe_load(text).items()}


@functools.lru_cache(maxsize=8)
def _compile(frozen: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, re.Pattern]:
    return {name: re.compile(r"(?<![\w'])(?:" + "|".join(items) + r")(?![\w'])") for name, items in frozen}


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
        columns = [FEATURES.index(name) for name in self.feature_names_]
        rows = [analyse(text, patterns)[columns] for text in texts]
        return sparse.csr_matrix(np.vstack(rows) if rows else np.zeros((0, len(columns))))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array([f"cue:{name}" for name in self.feature_names_], dtype=object)


def analyse(text: str, patterns: dict[str, re.Pattern]) -> np.ndarray:
    """The full cue vector (in FEATURES order) of one statement."""
    lowered = str(text).lower().replace("\u2019", "'")
    found = dict.fromkeys(FEATURES, 0.0)
    for sentence in _sentences(lowered):
        _analyse_sentence(sentence, patterns, found)
    return np.array([min(found[name], 3.0) / (3.0 if name == "consequence:any" else 1.0) for name in FEATURES])


def _sentences(text: str) -> list[str]:
    parts, start = [], 0
    for end in _SENTENCE_END.finditer(text):
        parts.append(text[start : end.end()])
        start = end.end()
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


def _analyse_sentence(sentence: str, patterns: dict[str, re.Pattern], found: dict[str, float]) -> None:
    has = {name: bool(pattern.search(sentence)) for name, pattern in patterns.items()}
    idioms = [m.span() for m in patterns["threat_idiom"].finditer(sentence)]
    idiom = bool(idioms)
    masked = patterns["threat_idiom"].sub(" ", sentence)
    denial = has["denial"]
    found["commitment:idiom"] = max(found["commitment:idiom"], float(bool(idiom)))
    found["agent:first_person"] = max(found["agent:first_person"], float(has["speaker_first_person"]))
    found["agent:reported_speech"] = max(found["agent:reported_speech"], float(has["attribution"]))
    events = [
        replace(event, negated=event.negated and not any(a < event.span[1] and event.span[0] < b for a, b in idioms))
        for event in _commitments(sentence, patterns)
    ]
    committed = acting = bool(idioms) and not denial
    for event in events:
        if event.negated or denial:
            found["negation:negated_harm"] = max(found["negation:negated_harm"], float(event.kind == "harm"))
            continue
        if event.kind == "action":
            found["commitment:action"] = 1.0
            acting = acting or event.agent in ("speaker", "named")
            continue
        found["commitment:harm"] = 1.0
        found[f"agent:{event.agent}_harm"] = 1.0
        found["commitment:reserve_or_ready"] = max(found["commitment:reserve_or_ready"], float(event.readiness))
        found["hedge:hedged_harm"] = max(found["hedge:hedged_harm"], float(event.hedged))
        committed = committed or event.agent in ("speaker", "named", "passive")
    found["condition:any"] = max(found["condition:any"], float(has["condition"]))
    if has["condition"] and committed:
        found["condition:with_harm"] = 1.0
    elif has["condition"] and acting:
        found["condition:with_action"] = 1.0
    found["consequence:any"] += len(patterns["consequence"].findall(masked))
    if (has["consequence"] or has["danger"]) and _followed_by(masked, _MODAL_CONSEQUENCE, patterns["consequence_verb"]):
        found["consequence:modal"] = 1.0
    found["consequence:idiom"] = max(found["consequence:idiom"], float(has["warning_idiom"]))
    found["consequence:danger_words"] = max(found["consequence:danger_words"], float(has["danger"]))
    found["urging:any"] = max(found["urging:any"], float(has["urge"]))
    if has["urge"] and (has["consequence"] or has["danger"] or has["warning_idiom"]):
        found["urging:with_danger"] = 1.0
    found["negation:denial"] = max(found["negation:denial"], float(denial))
    found["past:action"] = max(found["past:action"], float(has["past_action"]))
    found["hedge:any"] = max(found["hedge:any"], float(has["hedge"]))
    found["monitoring:any"] = max(found["monitoring:any"], float(has["monitoring"]))
    found["monitoring:question"] = max(found["monitoring:question"], float("?" in sentence))


@dataclass(frozen=True)
class Commitment:
    """A commitment marker and what follows it: a harmful act, or some other action."""

    kind: str  # "harm" | "action"
    agent: str
    negated: bool
    hedged: bool
    readiness: bool
    span: tuple[int, int]


def _commitments(sentence: str, patterns: dict[str, re.Pattern]):
    """Yield a Commitment per commitment marker followed by an act (harmful or other)."""
    for marker in patterns["commitment"].finditer(sentence):
        following = sentence[marker.end() :]
        window = " ".join(following.split()[:_WINDOW_WORDS])
        clause = _clause_before(sentence[: marker.start()])
        if _COUNTERFACTUAL.match(following):
            continue  # "would have suspended": a past that did not happen
        harm = patterns["harm_action"].search(window)
        kind, gap, agent = "harm", window[: harm.start()] if harm else "", None
        if harm and patterns["procedural"].search(gap):
            continue  # "will discuss possible measures"
        if harm:
            agent = _agent(clause, following, sentence[: marker.start()], patterns)
        elif (_PASSIVE.search(following) or _PASSIVE_MARKER.search(marker.group(0))) and patterns["harm_action"].search(
            _last_words(clause, 6)
        ):
            gap, agent = window[:12], "passive"  # "countermeasures will be taken"
        else:
            verb = _main_verb(window, patterns["skip_word"])
            if not verb or patterns["benign_action"].fullmatch(verb) or patterns["procedural"].fullmatch(verb):
                continue
            kind, gap, agent = (
                "action",
                window[: window.find(verb)],
                _agent(clause, following, sentence[: marker.start()], patterns),
            )
        yield Commitment(
            kind=kind,
            agent=agent,
            negated=bool(patterns["negation"].search(marker.group(0) + " " + gap + " " + _last_words(clause, 3))),
            hedged=bool(patterns["hedge"].search(marker.group(0))),
            readiness=bool(_READINESS.search(marker.group(0))),
            span=(marker.start(), marker.end() + len(window)),
        )


def _main_verb(window: str, skip: re.Pattern) -> str | None:
    """The first word after a commitment marker that is not an adverb, auxiliary or negator."""
    return next((word for word in re.findall(r"[a-z][a-z'-]*", window) if not skip.fullmatch(word)), None)


def _followed_by(sentence: str, first: re.Pattern, second: re.Pattern, words: int = 5) -> bool:
    """Whether a match of `first` is followed by one of `second` within a few words."""
    return any(second.search(" ".join(sentence[match.end() :].split()[:words])) for match in first.finditer(sentence))


def _clause_before(prefix: str) -> str:
    starts = [m.end() for m in _CLAUSE_START.finditer(prefix)]
    return prefix[starts[-1] :] if starts else prefix


def _last_words(text: str, n: int) -> str:
    return " ".join(text.split()[-n:])


def _agent(clause: str, following: str, before: str, patterns: dict[str, re.Pattern]) -> str:
    subject = _last_words(clause, 6)
    if patterns["speaker_first_person"].search(subject):
        return "speaker"
    if patterns["speaker_reported"].search(subject) and patterns["attribution"].search(before):
        return "speaker"
    if _PASSIVE.search(following):
        return "passive"
    if _OTHER_PARTY.search(subject):
        return "other"
    if not subject.strip() or _AGENTLESS.search(subject):
        return "agentless"
    return "named"


_CAPITALISED = re.compile(r"\b[A-Z][\w'\-]*")
_DIGITS = re.compile(r"\d+")
_LOWER_WORD = re.compile(r"\b[a-z][\w'\-]*")


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

    def transform(self, texts) -> list[str]:
        known = frozenset(self.vocabulary_)

        def mask(match: re.Match) -> str:
            word = match.group(0)
            return word if word.lower() in known else self.placeholder

        return [_DIGITS.sub("0", _CAPITALISED.sub(mask, str(text))) for text in texts]

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(input_features if input_features is not None else ["text"], dtype=object)

"""params.yaml → typed, validated settings, parsed once.

Every stage reads its own section; unknown or misspelt keys and wrong types are
rejected on load with a message that names the key and what is allowed.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from stance.cue_families import FAMILIES
from stance.errors import StanceError
from stance.io import RESERVED_COLUMNS

CueFamily = Literal[FAMILIES]

Label = Annotated[str, Field(min_length=1, pattern=r"^\S(.*\S)?$")]
STANCE_LABELS = ("threat", "warning", "neutral")
TONE_LABELS = ("hostile", "neutral", "conciliatory")


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CleanParams(Section):
    """How annotation batches become one table of adjudicated statements."""

    labels: tuple[Label, ...] = STANCE_LABELS
    tones: tuple[Label, ...] = TONE_LABELS
    synonyms: dict[str, str] = Field(default_factory=dict)
    adjudication: Literal["majority", "latest", "drop_disputed"] = "majority"
    min_chars: int = Field(default=3, ge=1)
    max_chars: int = Field(default=2000, ge=10)
    columns: dict[str, str] = Field(default_factory=dict)
    label_studio: dict[Literal["label", "tone"], str] = Field(
        default_factory=lambda: {"label": "label", "tone": "tone"}
    )
    on_error: Literal["reject", "fail"] = "reject"
    default_domain: Label = "written"  # the domain of statements whose batch names none
    domains: dict[str, Label] = Field(default_factory=dict)  # batch-file glob → domain, e.g. {"real-*.csv": real}

    @model_validator(mode="after")
    def _synonyms_name_known_labels(self) -> CleanParams:
        for key in ("labels", "tones"):
            values = getattr(self, key)
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise ValueError(f"{key} lists {repeated[0]!r} more than once")
            if len(values) < 2:
                raise ValueError(f"{key} needs at least two values")
        known = set(self.labels) | set(self.tones)
        for synonym, target in self.synonyms.items():
            if target not in known:
                raise ValueError(f"synonym {synonym!r} maps to {target!r}, which is not one of {sorted(known)}")
        self._columns_rename_cleanly()
        return self

    def _columns_rename_cleanly(self) -> None:
        """One file column feeds one name, and the readers' own columns are never renamed:
        either would drop or overwrite data without a word."""
        sources = list(self.columns.values())
        repeated = sorted({s for s in sources if sources.count(s) > 1})
        if repeated:
            targets = sorted(t for t, s in self.columns.items() if s == repeated[0])
            raise ValueError(f"columns maps {repeated[0]!r} to more than one name ({', '.join(targets)})")
        reserved = sorted(set(RESERVED_COLUMNS) & (set(self.columns) | set(sources)))
        if reserved:
            raise ValueError(f"columns names {reserved[0]!r}, a column the readers add themselves")


Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]  # numpy and scikit-learn accept 0 to 2**32 - 1


class SplitParams(Section):
    """How statements are divided into training and test sets.

    A document's side is a seeded hash of its source_id, so new batches only add: changing
    seed or test_size is a deliberate reset of the test set.
    """

    seed: Seed = 42
    test_size: float = Field(default=0.2, gt=0.0, lt=0.5)
    near_duplicate_threshold: float = Field(default=0.8, gt=0.0, le=1.0)


class StreamingParams(Section):
    """Out-of-core training for corpora that do not fit in memory (train.mode: streaming).

    chunk_size: rows per partial_fit / predict step; memory grows linearly with it.
    epochs: passes over the data (rows are reshuffled within each chunk every epoch).
    n_features: hashing space of each block (word, char); the model holds
        2 × n_features × classes weights whatever the corpus size.
    classifier: sgd (SGDClassifier with `loss`) or complement_nb.
    loss: log_loss (logistic) or modified_huber; both give predict_proba.
    alpha: SGD regularisation, or ComplementNB smoothing.
    class_weight: balanced (weights from one extra pass counting labels) or none.
    n_jobs: 1 vectorises inline; 2 or more adds one thread that vectorises the next chunk
        while partial_fit runs on this one.
    seed: shuffling and SGD seed (the train stage passes train.seed).
    """

    chunk_size: int = Field(default=10_000, ge=1)
    epochs: int = Field(default=1, ge=1)
    n_features: int = Field(default=2**19, ge=2)
    word_ngram_max: int = Field(default=2, ge=1, le=4)
    char_ngram_min: int = Field(default=2, ge=1, le=8)
    char_ngram_max: int = Field(default=5, ge=1, le=8)
    classifier: Literal["sgd", "complement_nb"] = "sgd"
    loss: Literal["log_loss", "modified_huber"] = "log_loss"
    alpha: float = Field(default=3e-5, gt=0.0)
    class_weight: Literal["balanced", "none"] = "none"
    n_jobs: int = Field(default=2, ge=1)
    seed: Seed = 42

    @model_validator(mode="after")
    def _char_range(self) -> StreamingParams:
        if self.char_ngram_min > self.char_ngram_max:
            raise ValueError("char_ngram_min must not exceed char_ngram_max")
        return self


class TrainParams(Section):
    """Which pipeline is fitted, and its knobs."""

    seed: Seed = 42
    mode: Literal["in_memory", "streaming"] = "in_memory"
    streaming: StreamingParams = StreamingParams()
    features: tuple[Literal["word", "char", "cues"], ...] = ("word", "char", "cues")
    mask_names: bool = True
    combine: Literal["concat", "vote"] = "vote"
    cue_weight: float = Field(default=1.0, ge=0.0)
    cue_families: tuple[CueFamily, ...] = FAMILIES
    word_ngram_max: int = Field(default=2, ge=1, le=4)
    char_ngram_min: int = Field(default=2, ge=1, le=6)
    char_ngram_max: int = Field(default=5, ge=1, le=8)
    min_df: int = Field(default=2, ge=1)
    sublinear_tf: bool = True
    classifier: Literal["logreg", "linear_svc", "complement_nb", "sgd"] = "logreg"
    C: float = Field(default=1.0, gt=0.0)
    alpha: float = Field(default=1e-4, gt=0.0)
    class_weight: Literal["balanced", "none"] = "balanced"
    target_domain: str | None = None  # e.g. real: up-weight, select on and report this domain first
    target_weight: float | tuple[Annotated[float, Field(gt=0.0)], ...] = Field(default=1.0)

    @model_validator(mode="after")
    def _consistent(self) -> TrainParams:
        weights = self.target_weight if isinstance(self.target_weight, tuple) else (self.target_weight,)
        if not weights or any(w <= 0 for w in weights):
            raise ValueError("target_weight must be a positive number or a non-empty list of them")
        if self.target_domain is not None and self.mode == "streaming":
            raise ValueError("target_domain is not supported with mode streaming (partial_fit sees no weights)")
        if self.char_ngram_min > self.char_ngram_max:
            raise ValueError("char_ngram_min must not exceed char_ngram_max")
        if not self.features:
            raise ValueError("features must name at least one of word, char, cues")
        return self


class Candidate(Section):
    """One family of pipelines for model selection: a grid over train.* keys."""

    name: str
    eligible: bool = True
    grid: dict[str, list] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _grid_names_train_keys(self) -> Candidate:
        unknown = sorted(set(self.grid) - set(TrainParams.model_fields))
        if unknown:
            raise ValueError(
                f"candidate {self.name!r}: unknown train key(s) {unknown}; "
                f"allowed: {', '.join(TrainParams.model_fields)}"
            )
        for key, values in self.grid.items():
            if not isinstance(values, list) or not values:
                raise ValueError(f"candidate {self.name!r}: grid key {key!r} needs a non-empty list of values")
            for value in values:
                try:
                    TrainParams.model_validate({key: value})
                except ValidationError as exc:
                    problem = exc.errors()[0]["msg"]
                    raise ValueError(f"candidate {self.name!r}: {key}={value!r} is not valid ({problem})") from None
        return self


class SelectParams(Section):
    """Model selection: grouped cross-validation over candidate pipelines on the training set."""

    enabled: bool = True
    folds: int = Field(default=5, ge=2)
    seed: Seed = 42
    n_jobs: int = 1
    backend: Literal["loky", "dask"] = "loky"
    scheduler: str = "local"
    candidates: tuple[Candidate, ...] = ()


class EvaluateParams(Section):
    """How the model is scored on held-out data."""

    external: tuple[str, ...] = ()
    bootstrap: int = Field(default=1000, ge=100)
    seed: Seed = 42
    calibration_bins: int = Field(default=10, ge=2)
    learning_curve: tuple[Annotated[float, Field(gt=0.0, le=1.0)], ...] = (0.1, 0.25, 0.5, 0.75, 1.0)
    # Diagnostic refits (learning curve, ablation, suspects' own cross-validation) are skipped, with
    # one line in the report, above this many training statements: they explain a corpus of
    # thousands, and would cost hours on millions.
    refit_limit: int = Field(default=100_000, ge=1)


# How a pool is ranked for annotation (stance.active_learning.rank_pool; its STRATEGIES lists the same names).
Strategy = Literal["random", "margin", "entropy", "disagreement", "diverse-margin"]


class QueueParams(Section):
    """Active learning: which unlabelled statements to annotate next, and which labels to re-check.

    strategy: how the pool is ranked; the `simulate` stage measures each on replayed rounds
        (reports/active_learning.json names the winner).
    """

    size: int = Field(default=50, ge=1)
    near_duplicate_threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    suspect_folds: int = Field(default=5, ge=2)
    seed: Seed = 42
    strategy: Strategy = "diverse-margin"


class SimulateParams(Section):
    """Active learning replayed on the labelled training split, scored on the test split after every round.

    strategies: the rankings compared; random is the baseline the others must beat.
    seeds: one stratified seed set per seed, shared by every strategy (the interval is over seeds).
    seed_size, round_size, rounds: labels at the start, added per round, and rounds after the seed set.
    recipe: overrides of train.* for the refits (a cheaper recipe than the shipped one, for speed).
    target_share: the share of random's final label count at which a strategy must reach random's
        final macro-F1 to meet the target.
    n_jobs: parallel (strategy, seed) runs.
    max_pool, max_test: above this many training (test) statements, the pool (the scoring set) is a
        seeded sample stratified by label, of this size, shared by every strategy and seed: every
        round ranks the whole pool and scores the whole scoring set, so the stage's cost grows with
        them (hours at a million statements), and a few thousand already rank the strategies.
    """

    strategies: tuple[Strategy, ...] = ("random", "margin", "entropy", "disagreement", "diverse-margin")
    seeds: tuple[Seed, ...] = (0, 1, 2)
    seed_size: int = Field(default=100, ge=3)
    round_size: int = Field(default=50, ge=1)
    rounds: int = Field(default=10, ge=1)
    recipe: dict[str, Any] = Field(
        default_factory=lambda: {"features": ["word", "cues"], "combine": "vote", "classifier": "logreg"}
    )
    target_share: Annotated[float, Field(gt=0.0, le=1.0)] = 0.6
    n_jobs: int = Field(default=2, ge=1)
    max_pool: int = Field(default=20_000, ge=1)
    max_test: int = Field(default=5_000, ge=1)

    @model_validator(mode="after")
    def _pool_holds_the_plan(self) -> SimulateParams:
        needed = self.seed_size + self.rounds * self.round_size
        if self.max_pool < needed:
            raise ValueError(
                f"max_pool ({self.max_pool}) is below the labels the plan spends (seed_size {self.seed_size} + "
                f"rounds {self.rounds} × round_size {self.round_size} = {needed})"
            )
        return self

    @field_validator("strategies")
    @classmethod
    def _random_included(cls, strategies: tuple[str, ...]) -> tuple[str, ...]:
        if "random" not in strategies:
            raise ValueError("strategies must include random: the others are measured against it")
        if len(set(strategies)) != len(strategies):
            raise ValueError("strategies lists a strategy more than once")
        return strategies

    @field_validator("recipe")
    @classmethod
    def _recipe_names_train_keys(cls, recipe: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(recipe) - set(TrainParams.model_fields))
        if unknown:
            raise ValueError(f"unknown train key(s) {unknown}; allowed: {', '.join(TrainParams.model_fields)}")
        try:
            TrainParams.model_validate(recipe)
        except ValidationError as exc:
            problem = exc.errors()[0]
            raise ValueError(f"{'.'.join(map(str, problem['loc']))}: {problem['msg']}") from None
        return recipe


class TimelineParams(Section):
    """Stance over time in the report and `stance timeline`: per speaker and period, threat and warning shares."""

    period: Literal["W", "M", "Q", "Y"] = "M"
    min_count: int = Field(default=5, ge=1)  # periods with fewer statements are marked, not plotted as facts
    resamples: int = Field(default=1000, ge=100)


class Params(Section):
    clean: CleanParams = CleanParams()
    split: SplitParams = SplitParams()
    train: TrainParams = TrainParams()
    select: SelectParams = SelectParams()
    evaluate: EvaluateParams = EvaluateParams()
    queue: QueueParams = QueueParams()
    simulate: SimulateParams = SimulateParams()
    timeline: TimelineParams = TimelineParams()

    @model_validator(mode="after")
    def _consistent(self) -> Params:
        if self.train.mode == "streaming" and self.select.enabled:
            raise ValueError(
                "train.mode streaming needs select.enabled: false (model selection cross-validates in memory)"
            )
        if isinstance(self.train.target_weight, tuple) and not (self.select.enabled and self.select.candidates):
            raise ValueError("train.target_weight as a list needs model selection (select.enabled) to choose from it")
        if self.select.enabled and self.select.candidates and not any(c.eligible for c in self.select.candidates):
            raise ValueError("select.candidates has no eligible candidate (mark one `eligible: true`)")
        return self


class _AliasRefused(yaml.YAMLError):
    """An anchor or alias in a params file: the line it is on, and which."""

    def __init__(self, line: int, what: str):
        super().__init__(what)
        self.line, self.what = line, what


class _NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader that stops at the first anchor or alias, before composing it.

    A few lines of nested aliases (an "alias bomb") expand to billions of nodes; params need
    neither, so nothing is ever expanded.
    """

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise _AliasRefused(event.start_mark.line + 1, f"*{event.anchor}")
        if getattr(event, "anchor", None):
            raise _AliasRefused(event.start_mark.line + 1, f"anchor &{event.anchor}")
        return super().compose_node(parent, index)


def load_params(path: str | Path = "params.yaml") -> Params:
    """Read and validate params.yaml; raise StanceError naming every bad key."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_NoAliasLoader) or {}  # a SafeLoader
    except FileNotFoundError:
        raise StanceError(f"{path}: file not found (run from the project root)") from None
    except _AliasRefused as exc:
        raise StanceError(f"{path}:{exc.line}: YAML aliases are not allowed ({exc.what}: write values out)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise StanceError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(raw, dict):
        raise StanceError(f"{path}: expected a mapping of sections, got {type(raw).__name__}")
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        raise StanceError(f"{path}: " + "; ".join(_describe(err) for err in exc.errors())) from None


def _describe(err: dict) -> str:
    """One readable phrase for one pydantic error, naming the dotted key."""
    loc = [str(part) for part in err["loc"]]
    key = ".".join(loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        allowed = sorted(_model_at(loc[:-1]).model_fields)
        hint = difflib.get_close_matches(loc[-1], allowed, n=1)
        suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
        return f"unknown key {key!r}{suggestion}; allowed: {', '.join(allowed)}"
    return f"{key}: {err['msg']} (got {err.get('input')!r})"


def _model_at(loc: list[str]) -> type[BaseModel]:
    model: type[BaseModel] = Params
    for part in loc:
        field = model.model_fields.get(part)
        if field is None or not isinstance(field.annotation, type):
            break
        model = field.annotation
    return model

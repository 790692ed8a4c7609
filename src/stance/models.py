"""The catalogue of text pipelines that params.yaml can name, and the one factory that fits them.

Every fit of the pipeline (train, and the refits behind the learning curve, ablation and
suspect labels) goes through `fit_recipe`, so each is the saved model's recipe in the
saved model's mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from stance.config import TrainParams
from stance.features import CodebookCues, NameMasker
from stance.ngram_counts import CharWbCodes, NgramCounter, Unsupported, WordCodes


class TfidfNgrams(TfidfVectorizer):
    """TfidfVectorizer whose vocabulary is saved as an array of terms instead of a dict.

    skops writes a dict as one JSON node per entry: ~100k n-grams made model files slow to
    write (5 s) and read (2 s). As a sorted array of terms the vocabulary is one .npy member;
    the indices are the positions, which is how TfidfVectorizer numbers its features anyway.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns the live __dict__
        state.pop("_fixed_counter", None)
        state.pop("_fitted_codes", None)
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = sorted(vocabulary, key=vocabulary.__getitem__)
            state["vocabulary_terms_"] = np.array(terms, dtype=str) if terms else np.array([], dtype="<U1")
        return state

    def __setstate__(self, state):
        terms = state.pop("vocabulary_terms_", None)
        super().__setstate__(state)
        if terms is not None:
            self.vocabulary_ = {str(term): index for index, term in enumerate(terms)}

    def _count_vocab(self, raw_documents, fixed_vocab):
        """CountVectorizer's counts, from stance.ngram_counts where it reproduces them exactly (~5× faster)."""
        texts = list(raw_documents)
        try:
            if fixed_vocab:
                return self.vocabulary_, self._counter().count(texts, self.dtype)
            counter = NgramCounter(self._codes())
            counts = counter.count(texts, self.dtype)
            terms = counter.terms()
            # The fit prunes and sorts this vocabulary next; its codes let transform skip coding it again.
            self.__dict__["_fitted_codes"] = (counter.analyzer, dict(zip(terms, counter.codes().tolist(), strict=True)))
            return dict(zip(terms, range(len(terms)), strict=True)), counts
        except Unsupported:
            return super()._count_vocab(texts, fixed_vocab)

    def _counter(self) -> NgramCounter:
        """The counter of the fitted vocabulary, coded once and kept (never saved: see __getstate__)."""
        cached = self.__dict__.get("_fixed_counter")
        if cached is None or cached[0] is not self.vocabulary_:
            analyzer, known = self.__dict__.pop("_fitted_codes", (None, None))
            counter = NgramCounter(analyzer or self._codes(), self.vocabulary_, known)
            cached = self.__dict__["_fixed_counter"] = (self.vocabulary_, counter)
        return cached[1]

    def _codes(self) -> CharWbCodes | WordCodes:
        plain = (
            self.input == "content"
            and self.lowercase
            and not self.strip_accents
            and self.preprocessor is None
            and self.tokenizer is None
            and self.stop_words is None
        )
        if plain and self.analyzer == "char_wb":
            return CharWbCodes(self.ngram_range)
        if plain and self.analyzer == "word":
            return WordCodes(self.token_pattern, self.ngram_range)
        raise Unsupported(f"analyzer {self.analyzer!r} with these settings")


def chosen_recipe(train: TrainParams, selection: dict) -> TrainParams:
    """train.* with the overrides model selection chose (none when selection is off)."""
    return train.model_validate({**train.model_dump(), **selection.get("overrides", {})})


def sample_weights(domains, recipe: TrainParams) -> np.ndarray | None:
    """train.target_weight for statements of train.target_domain, 1 for the rest; None when no target is set."""
    if recipe.target_domain is None or domains is None:
        return None
    return np.where(np.asarray(domains) == recipe.target_domain, float(recipe.target_weight), 1.0)


def fit_recipe(recipe: TrainParams, texts: list[str], labels, sample_weight=None) -> object:
    """The model `recipe` describes, fitted on in-memory texts and labels, in the recipe's mode."""
    if recipe.mode == "streaming":
        from stance.streaming import fit_streaming

        frame = pd.DataFrame({"text": list(texts), "label": list(labels)})
        size = recipe.streaming.chunk_size

        def chunks():
            return (frame.iloc[start : start + size] for start in range(0, len(frame), size))

        settings = recipe.streaming.model_copy(update={"seed": recipe.seed})
        return fit_streaming(chunks, sorted(set(frame["label"])), settings, progress=False)
    return build_pipeline(recipe).fit(list(texts), labels, sample_weight=sample_weight)


# The train.* keys each block's vectoriser depends on: recipes that agree on them share it.
BLOCK_KEYS = {
    "word": ("word_ngram_max", "min_df", "sublinear_tf", "mask_names"),
    "char": ("char_ngram_min", "char_ngram_max", "min_df", "sublinear_tf", "mask_names"),
    "cues": ("cue_families",),
}


@dataclass(frozen=True)
class Prediction:
    labels: np.ndarray  # what the fitted pipeline's predict() returns
    probabilities: np.ndarray  # its predict_proba(), columns in `classes` order
    classes: np.ndarray


def fit_predict_many(
    recipes: list[TrainParams], fit_texts: list[str], fit_labels, score_texts: list[str], fit_domains=None
) -> list:
    """For each in-memory recipe, what `build_pipeline(recipe).fit(fit).predict/predict_proba(score)` gives.

    Each distinct feature block is vectorised once and shared by every recipe that uses it, so
    a grid of classifiers over the same blocks (model selection, ablation) costs one vectorisation.
    """
    fit_labels = np.asarray(fit_labels)
    cache: dict[tuple, tuple] = {}

    def block(name: str, recipe: TrainParams, transformer):
        key = (name, *(getattr(recipe, k) for k in BLOCK_KEYS[name]))
        if key not in cache:
            fitted = clone(transformer)  # fit_transform, as a Pipeline does: same matrix, same index order
            cache[key] = (fitted.fit_transform(fit_texts, fit_labels), fitted.transform(score_texts))
        return cache[key]

    return [_fit_predict_blocks(recipe, block, fit_labels, sample_weights(fit_domains, recipe)) for recipe in recipes]


def _fit_predict_blocks(recipe: TrainParams, block, fit_labels, weights) -> Prediction:
    blocks = feature_blocks(recipe)
    views = feature_views(blocks)
    concat = recipe.combine == "concat" or len(views) == 1
    if concat:
        views = {"all": list(blocks.items())}
    probabilities, classifier = [], None
    for parts in views.values():
        fit_parts, score_parts = [], []
        for name, transformer in parts:
            fit_block, score_block = block(name, recipe, transformer)
            scale = recipe.cue_weight if concat and name == "cues" else 1.0
            fit_parts.append(fit_block * scale)
            score_parts.append(score_block * scale)
        classifier = build_classifier(recipe).fit(sparse.hstack(fit_parts).tocsr(), fit_labels, sample_weight=weights)
        score_matrix = sparse.hstack(score_parts).tocsr()
        probabilities.append(classifier.predict_proba(score_matrix))
        if concat:  # predict, not the probability argmax: SGD's modified-Huber probabilities tie
            return Prediction(classifier.predict(score_matrix), probabilities[0], classifier.classes_)
    view_weights = [recipe.cue_weight if name == "cues" else 1.0 for name in views]
    average = np.average(probabilities, axis=0, weights=view_weights)
    return Prediction(classifier.classes_[average.argmax(axis=1)], average, classifier.classes_)


def refits_skipped(recipe: TrainParams, n_statements: int, limit: int) -> str | None:
    """Why refitting the recipe for a diagnostic is skipped (one line for the report), or None to go ahead."""
    if n_statements > limit:
        return f"skipped: {n_statements} training statements is above evaluate.refit_limit ({limit})"
    return None


def describe_recipe(recipe: TrainParams) -> dict:
    """What a model of this recipe is, for its card: the streaming recipe has hashed n-grams only."""
    if recipe.mode == "streaming":
        return {
            "mode": "streaming",
            "features": ["word (hashed)", "char (hashed)"],
            "seed": recipe.seed,
            "streaming": recipe.streaming.model_dump(mode="json", exclude={"seed", "n_jobs"}),
        }
    return recipe.model_dump(mode="json", exclude={"streaming"})


def build_pipeline(params: TrainParams):
    """An unfitted text classifier, as params describe it.

    combine=concat: one linear model over the union of the feature blocks (cues scaled by
    cue_weight). combine=vote: one linear model per view (n-grams, cues), their probabilities
    averaged with weights 1 and cue_weight, so that neither view can drown the other.
    """
    blocks = feature_blocks(params)
    if params.combine == "concat" or len(feature_views(blocks)) == 1:
        weights = {"cues": params.cue_weight} if "cues" in blocks else None
        return _view(list(blocks.items()), params, weights)
    views = feature_views(blocks)
    return VotingClassifier(
        [(name, _view(parts, params)) for name, parts in views.items()],
        voting="soft",
        weights=[params.cue_weight if name == "cues" else 1.0 for name in views],
    )


def feature_blocks(params: TrainParams) -> dict:
    """The unfitted feature blocks (word, char, cues) the recipe names, in union order."""
    blocks = {}
    if "word" in params.features:
        blocks["word"] = _masked(
            TfidfNgrams(
                analyzer="word",
                ngram_range=(1, params.word_ngram_max),
                min_df=params.min_df,
                sublinear_tf=params.sublinear_tf,
                token_pattern=r"(?u)\b\w[\w']*\b",
            ),
            params,
        )
    if "char" in params.features:
        blocks["char"] = _masked(
            TfidfNgrams(
                analyzer="char_wb",
                ngram_range=(params.char_ngram_min, params.char_ngram_max),
                min_df=params.min_df,
                sublinear_tf=params.sublinear_tf,
            ),
            params,
        )
    if "cues" in params.features:
        blocks["cues"] = CodebookCues(families=tuple(params.cue_families))
    return blocks


def feature_views(blocks: dict) -> dict[str, list]:
    """The blocks grouped into the views a soft vote combines: n-grams, cues."""
    ngrams = [(name, block) for name, block in blocks.items() if name != "cues"]
    views = {"ngrams": ngrams} if ngrams else {}
    if "cues" in blocks:
        views["cues"] = [("cues", blocks["cues"])]
    return views


class WeightedPipeline(Pipeline):
    """A Pipeline whose fit takes sample_weight and hands it to its classifier.

    A VotingClassifier passes sample_weight to each member's fit; a plain Pipeline would
    refuse it without metadata routing. Statements of a target domain are up-weighted this way.
    """

    def fit(self, X, y=None, sample_weight=None, **params):
        if sample_weight is not None:
            params[f"{self.steps[-1][0]}__sample_weight"] = sample_weight
        return super().fit(X, y, **params)


def _view(parts: list, params: TrainParams, weights: dict | None = None) -> Pipeline:
    return WeightedPipeline(
        [("features", FeatureUnion(parts, transformer_weights=weights)), ("classifier", build_classifier(params))]
    )


def _masked(vectoriser: TfidfVectorizer, params: TrainParams):
    return Pipeline([("names", NameMasker()), ("tfidf", vectoriser)]) if params.mask_names else vectoriser


def build_classifier(params: TrainParams):
    class_weight = None if params.class_weight == "none" else params.class_weight
    if params.classifier == "logreg":
        return LogisticRegression(C=params.C, class_weight=class_weight, max_iter=2000, random_state=params.seed)
    if params.classifier == "linear_svc":
        svc = LinearSVC(C=params.C, class_weight=class_weight, random_state=params.seed)
        return CalibratedClassifierCV(svc, cv=3)
    if params.classifier == "complement_nb":
        return ComplementNB(alpha=params.alpha)
    return SGDClassifier(
        loss="modified_huber",
        alpha=params.alpha,
        class_weight=class_weight,
        random_state=params.seed,
        max_iter=50,
        tol=None,
    )

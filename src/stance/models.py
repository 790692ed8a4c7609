"""The catalogue of text pipelines that params.yaml can name, and the one factory that fits them.

Every fit of the pipeline (train, and the refits behind the learning curve, ablation and
suspect labels) goes through `fit_recipe`, so each is the saved model's recipe in the
saved model's mode.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from stance.config import TrainParams
from stance.features import CodebookCues, NameMasker


class TfidfNgrams(TfidfVectorizer):
    """TfidfVectorizer whose vocabulary is saved as an array of terms instead of a dict.

    skops writes a dict as one JSON node per entry: ~100k n-grams made model files slow to
    write (5 s) and read (2 s). As a sorted array of terms the vocabulary is one .npy member;
    the indices are the positions, which is how TfidfVectorizer numbers its features anyway.
    """

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns the live __dict__
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


def chosen_recipe(train: TrainParams, selection: dict) -> TrainParams:
    """train.* with the overrides model selection chose (none when selection is off)."""
    return train.model_validate({**train.model_dump(), **selection.get("overrides", {})})


def fit_recipe(recipe: TrainParams, texts: list[str], labels) -> object:
    """The model `recipe` describes, fitted on in-memory texts and labels, in the recipe's mode."""
    if recipe.mode == "streaming":
        from stance.streaming import fit_streaming

        frame = pd.DataFrame({"text": list(texts), "label": list(labels)})
        size = recipe.streaming.chunk_size

        def chunks():
            return (frame.iloc[start : start + size] for start in range(0, len(frame), size))

        settings = recipe.streaming.model_copy(update={"seed": recipe.seed})
        return fit_streaming(chunks, sorted(set(frame["label"])), settings, progress=False)
    return build_pipeline(recipe).fit(list(texts), labels)


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


def _view(parts: list, params: TrainParams, weights: dict | None = None) -> Pipeline:
    return Pipeline(
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

"""The catalogue of text pipelines that params.yaml can name."""

from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from stance.config import TrainParams
from stance.features import CodebookCues, NameMasker


def build_pipeline(params: TrainParams):
    """An unfitted text classifier, as params describe it.

    combine=concat: one linear model over the union of the feature blocks (cues scaled by
    cue_weight). combine=vote: one linear model per view (n-grams, cues), their probabilities
    averaged with weights 1 and cue_weight, so that neither view can drown the other.
    """
    blocks = _blocks(params)
    if params.combine == "concat" or len(_views(blocks)) == 1:
        weights = {"cues": params.cue_weight} if "cues" in blocks else None
        return _view(list(blocks.items()), params, weights)
    views = _views(blocks)
    return VotingClassifier(
        [(name, _view(parts, params)) for name, parts in views.items()],
        voting="soft",
        weights=[params.cue_weight if name == "cues" else 1.0 for name in views],
    )


def _blocks(params: TrainParams) -> dict:
    blocks = {}
    if "word" in params.features:
        blocks["word"] = _masked(
            TfidfVectorizer(
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
            TfidfVectorizer(
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


def _views(blocks: dict) -> dict[str, list]:
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

"""The catalogue of text pipelines that params.yaml can name."""

from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from stance.config import TrainParams
from stance.features import CodebookCues, NameMasker


def build_pipeline(params: TrainParams) -> Pipeline:
    """An unfitted vectoriser + linear classifier, as params describe it."""
    return Pipeline([("features", build_features(params)), ("classifier", build_classifier(params))])


def build_features(params: TrainParams) -> FeatureUnion:
    """The union of the feature blocks params name; cue features weighted by cue_weight."""
    parts, weights = [], {}
    if "word" in params.features:
        vectoriser = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, params.word_ngram_max),
            min_df=params.min_df,
            sublinear_tf=params.sublinear_tf,
            token_pattern=r"(?u)\b\w[\w']*\b",
        )
        parts.append(("word", _masked(vectoriser, params)))
    if "char" in params.features:
        vectoriser = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(params.char_ngram_min, params.char_ngram_max),
            min_df=params.min_df,
            sublinear_tf=params.sublinear_tf,
        )
        parts.append(("char", _masked(vectoriser, params)))
    if "cues" in params.features:
        parts.append(("cues", CodebookCues(families=tuple(params.cue_families))))
        weights["cues"] = params.cue_weight
    return FeatureUnion(parts, transformer_weights=weights or None)


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

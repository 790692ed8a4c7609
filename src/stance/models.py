"""The catalogue of text pipelines that params.yaml can name."""

from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from stance.config import TrainParams


def build_pipeline(params: TrainParams) -> Pipeline:
    """An unfitted vectoriser + linear classifier, as params describe it."""
    return Pipeline([("features", build_features(params)), ("classifier", build_classifier(params))])


def build_features(params: TrainParams) -> FeatureUnion:
    parts = []
    if params.features in ("word", "word_char"):
        parts.append(
            (
                "word",
                TfidfVectorizer(
                    analyzer="word",
                    ngram_range=(1, params.word_ngram_max),
                    min_df=params.min_df,
                    sublinear_tf=params.sublinear_tf,
                    lowercase=True,
                    token_pattern=r"(?u)\b\w[\w']*\b",
                ),
            )
        )
    if params.features in ("char", "word_char"):
        parts.append(
            (
                "char",
                TfidfVectorizer(
                    analyzer="char_wb",
                    ngram_range=(params.char_ngram_min, params.char_ngram_max),
                    min_df=params.min_df,
                    sublinear_tf=params.sublinear_tf,
                    lowercase=True,
                ),
            )
        )
    return FeatureUnion(parts)


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

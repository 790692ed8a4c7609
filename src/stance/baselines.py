"""Reference classifiers every model is measured against on the same test set."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier

from stance.features import CodebookCues

_THREAT_CUES = ("agent:speaker_harm", "agent:named_harm", "agent:passive_harm", "commitment:idiom")
_WARNING_CUES = ("consequence:modal", "consequence:idiom", "urging:with_danger", "agent:agentless_harm")


class CueRules(ClassifierMixin, BaseEstimator):
    """The codebook as rules over the cue features: a committed harm by the speaker → threat;
    consequence framing, warning idioms or danger-framed urging → warning; else neutral.

    Needs no training; `fit` only records the label set.
    """

    def fit(self, texts, y):
        self.classes_ = np.array(sorted(set(y)))
        self.cues_ = CodebookCues().fit()
        return self

    def predict(self, texts) -> np.ndarray:
        names = [name.removeprefix("cue:") for name in self.cues_.get_feature_names_out()]
        values = self.cues_.transform(texts).toarray()
        threat = values[:, [names.index(n) for n in _THREAT_CUES]].any(axis=1)
        warning = values[:, [names.index(n) for n in _WARNING_CUES]].any(axis=1)
        return np.where(threat, "threat", np.where(warning, "warning", "neutral"))


def baselines() -> dict:
    """The reference models by name, unfitted."""
    return {"majority": DummyClassifier(strategy="most_frequent"), "cue_rules": CueRules()}

"""train: training statements → a fitted scikit-learn Pipeline."""

from __future__ import annotations

import pandas as pd
from sklearn.pipeline import Pipeline

from stance.config import TrainParams
from stance.models import build_pipeline
from stance.stages.split import check_class_sizes


def train_model(train: pd.DataFrame, params: TrainParams) -> Pipeline:
    """Fit the pipeline that params describe on the statements' text and label."""
    check_class_sizes(train["label"], minimum=3 if params.classifier == "linear_svc" else 1, purpose="train")
    return build_pipeline(params).fit(train["text"].tolist(), train["label"].to_numpy())

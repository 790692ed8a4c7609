"""suspects: training labels the model finds unlikely — the list an annotator re-checks first.

Out-of-fold probabilities (grouped cross-validation, so no statement is scored by a model
that saw it or its document) feed a confident-learning rule (Northcutt et al. 2021): a
statement is suspect when the probability of its given label falls below that class's
average self-confidence while another class reaches its own threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

from stance.config import TrainParams
from stance.models import build_pipeline
from stance.stages.split import source_groups


def suspect_labels(train: pd.DataFrame, params: TrainParams, folds: int, seed: int) -> pd.DataFrame:
    """Suspect statements ranked by how unlikely their given label is, most suspect first."""
    model = build_pipeline(params)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    probabilities = cross_val_predict(
        model, train["text"].tolist(), train["label"], cv=splitter, groups=source_groups(train), method="predict_proba"
    )
    classes = np.array(sorted(train["label"].unique()))
    given = np.searchsorted(classes, train["label"].to_numpy())
    self_confidence = probabilities[np.arange(len(train)), given]
    thresholds = np.array([probabilities[given == k, k].mean() for k in range(len(classes))])
    above = probabilities >= thresholds
    above[np.arange(len(train)), given] = False
    suspect = (self_confidence < thresholds[given]) & above.any(axis=1)
    best_other = np.where(above, probabilities, -1).argmax(axis=1)
    table = pd.DataFrame(
        {
            "statement_id": train["statement_id"],
            "text": train["text"],
            "given_label": train["label"],
            "predicted_label": classes[best_other],
            "p_given": self_confidence.round(4),
            "p_predicted": probabilities[np.arange(len(train)), best_other].round(4),
        }
    )[suspect]
    table = table.sort_values(["p_given", "statement_id"], kind="stable").reset_index(drop=True)
    table.insert(0, "rank", range(1, len(table) + 1))
    return table

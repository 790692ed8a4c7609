"""suspects: training labels the model finds unlikely — the list an annotator re-checks first.

Out-of-fold probabilities (grouped cross-validation, so no statement is scored by a model
that saw it or its document) feed a confident-learning rule (Northcutt et al. 2021): a
statement is suspect when the probability of its given label falls below that class's
average self-confidence while another class reaches its own threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold

from stance import paths
from stance.config import Params, TrainParams
from stance.corpus import source_groups
from stance.io import read_frame, read_json, write_csv
from stance.models import chosen_recipe, fit_recipe, refits_skipped, sample_weights


def suspect_labels(train: pd.DataFrame, probabilities: np.ndarray, classes: np.ndarray) -> pd.DataFrame:
    """Suspect statements ranked by how unlikely their given label is, most suspect first.

    probabilities: out-of-fold class probabilities per statement, columns in `classes` order.
    """
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


def out_of_fold_probabilities(
    train: pd.DataFrame, params: TrainParams, folds: int, seed: int, classes: np.ndarray
) -> np.ndarray:
    """Each statement's class probabilities from the recipe fitted without its document's fold."""
    texts, labels = np.asarray(train["text"].tolist(), dtype=object), train["label"].to_numpy()
    probabilities = np.zeros((len(train), len(classes)))
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_index, score_index in splitter.split(texts, labels, source_groups(train)):
        weights = sample_weights(train["domain"].to_numpy()[fit_index] if "domain" in train else None, params)
        model = fit_recipe(params, list(texts[fit_index]), labels[fit_index], sample_weight=weights)
        columns = np.searchsorted(classes, model.classes_)
        probabilities[np.ix_(score_index, columns)] = model.predict_proba(list(texts[score_index]))
    return probabilities


def run(params: Params, args=None) -> None:
    """The training split + out-of-fold probabilities → reports/suspect_labels.csv.

    Model selection already scored the chosen recipe out of fold on grouped folds; those
    probabilities are reused. With selection off they are computed here (queue.suspect_folds).
    """
    train = read_frame(paths.TRAIN, columns=("statement_id", "text", "label", "domain", "source_id"))
    classes = np.array(sorted(train["label"].unique()))
    selected = read_frame(paths.SELECTION_OUT_OF_FOLD)
    if len(selected) == len(train) and (selected["statement_id"] == train["statement_id"]).all():
        probabilities = selected[[f"p_{c}" for c in classes]].astype(float).to_numpy()
    else:
        recipe = chosen_recipe(params.train, read_json(paths.SELECTION))
        skipped = refits_skipped(recipe, len(train), params.evaluate.refit_limit)
        if skipped:
            write_csv(pd.DataFrame(columns=["rank", "statement_id", "text", "given_label"]), paths.SUSPECTS)
            print(f"suspects: {skipped}")
            return
        probabilities = out_of_fold_probabilities(train, recipe, params.queue.suspect_folds, params.queue.seed, classes)
    table = suspect_labels(train, probabilities, classes)
    write_csv(table, paths.SUSPECTS, for_people=True)
    print(f"suspects: {len(table)} training labels to re-check → {paths.SUSPECTS}")

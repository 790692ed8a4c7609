"""The two labelling tasks: stance (the codebook's threat / warning / neutral) and tone."""

from __future__ import annotations

import pandas as pd

from stance.config import Params, TrainParams


def task_labels(task: str, params: Params) -> list[str]:
    return list(params.clean.labels if task == "stance" else params.clean.tones)


def task_rows(frame: pd.DataFrame, task: str) -> pd.DataFrame:
    """The statements labelled for `task`, with that task's label in the `label` column."""
    if task == "stance":
        return frame
    labelled = frame[frame[task].fillna("").ne("")]
    return labelled.assign(label=labelled[task]).reset_index(drop=True)


def task_recipe(task: str, recipe: TrainParams) -> TrainParams:
    """Tone uses the n-gram blocks of the stance recipe: the cue features encode the stance codebook."""
    if task == "stance":
        return recipe
    ngrams = tuple(f for f in recipe.features if f != "cues") or ("word", "char")
    return recipe.model_copy(update={"features": ngrams})

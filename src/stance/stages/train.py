"""train: the training split + the chosen recipe → a fitted model and its card, for one task.

In memory the recipe is fitted by the model factory (stance.models.fit_recipe); with
train.mode: streaming the training CSV is read in chunks and never held whole.
"""

from __future__ import annotations

import pandas as pd

from stance import paths
from stance.card import card_path, model_card
from stance.config import Params, TrainParams
from stance.corpus import check_class_sizes
from stance.io import read_frame, read_json, write_json
from stance.models import chosen_recipe, describe_recipe, fit_recipe, sample_weights
from stance.tasks import task_labels, task_recipe, task_rows


def train_model(train: pd.DataFrame, recipe: TrainParams):
    """Fit the pipeline that the recipe describes on the statements' text and label."""
    check_class_sizes(train["label"], minimum=3 if recipe.classifier == "linear_svc" else 1, purpose="train")
    weights = sample_weights(train.get("domain"), recipe)
    return fit_recipe(recipe, train["text"].tolist(), train["label"].to_numpy(), sample_weight=weights)


def train_streaming(recipe: TrainParams, task: str, labels: list[str]):
    """Out of core: partial_fit over chunks of the training CSV; returns (model, statements seen)."""
    from stance.streaming import fit_streaming, read_chunks

    settings = recipe.streaming.model_copy(update={"seed": recipe.seed})
    counted = [0]

    def chunks():
        counted[0] = 0
        for chunk in read_chunks(paths.TRAIN, settings.chunk_size):
            rows = task_rows(chunk, task)[["text", "label"]]
            counted[0] += len(rows)
            yield rows

    return fit_streaming(chunks, labels, settings), counted[0]


def run(params: Params, args) -> None:
    """data/split/train.csv + reports/selection.json → models/<task>.skops and its card."""
    from stance.persist import save_model

    selection = read_json(paths.SELECTION)
    recipe, out = task_recipe(args.task, chosen_recipe(params.train, selection)), paths.task_outputs(args.task)
    labels = task_labels(args.task, params)
    if recipe.mode == "streaming":
        model, n_rows = train_streaming(recipe, args.task, labels)
    else:
        rows = task_rows(read_frame(paths.TRAIN), args.task)
        model, n_rows = train_model(rows, recipe), len(rows)
    save_model(model, out.model)
    card = model_card(args.task, labels, paths.TRAIN, n_rows, describe_recipe(recipe), selection)
    write_json(card, card_path(out.model))
    print(f"train {args.task}: {describe_recipe(recipe).get('features')} → {out.model}")

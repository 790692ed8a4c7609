"""ablation: which cue families carry the model — macro-F1 with each one removed.

Every variant is the shipped recipe refitted on the training split with one change,
and scored on the test split and on every external set configured.
"""

from __future__ import annotations

import pandas as pd
from sklearn.metrics import f1_score

from stance import paths
from stance.config import Params, TrainParams
from stance.io import read_external, read_frame, read_json, write_csv
from stance.models import chosen_recipe, fit_recipe


def variants(params: TrainParams) -> list[tuple[str, TrainParams]]:
    """The full recipe, the recipe without each cue family, without cues, and cues alone."""
    out = [("full model", params)]
    if "cues" in params.features:
        for family in params.cue_families:
            kept = tuple(f for f in params.cue_families if f != family)
            if kept:
                out.append((f"without {family}", params.model_copy(update={"cue_families": kept})))
        without = tuple(f for f in params.features if f != "cues")
        if without:
            out.append(("without cues", params.model_copy(update={"features": without})))
    out.append(("cues only", params.model_copy(update={"features": ("cues",), "cue_families": params.cue_families})))
    return out


def ablate(
    train: pd.DataFrame, datasets: dict[str, pd.DataFrame], params: TrainParams, labels: list[str]
) -> pd.DataFrame:
    """macro-F1 of every variant on every dataset, and its difference from the full model."""
    rows = []
    for name, variant in variants(params):
        model = fit_recipe(variant, train["text"].tolist(), train["label"])
        for dataset, table in datasets.items():
            predicted = model.predict(table["text"].tolist())
            rows.append(
                {
                    "variant": name,
                    "dataset": dataset,
                    "n": len(table),
                    "macro_f1": round(
                        float(f1_score(table["label"], predicted, labels=labels, average="macro", zero_division=0)), 4
                    ),
                }
            )
    frame = pd.DataFrame(rows)
    full = frame[frame["variant"] == "full model"].set_index("dataset")["macro_f1"]
    frame["delta"] = (frame["macro_f1"] - frame["dataset"].map(full)).round(4)
    return frame


def run(params: Params, args=None) -> None:
    """The splits + the chosen recipe → reports/ablation.csv and its figure."""
    from pathlib import Path

    from stance.plots import bars_figure, save_figure

    external = {Path(p).stem: read_external(Path(p), params.clean) for p in params.evaluate.external}
    datasets = {"test": read_frame(paths.TEST), **external}
    recipe = chosen_recipe(params.train, read_json(paths.SELECTION))
    table = ablate(read_frame(paths.TRAIN), datasets, recipe, list(params.clean.labels))
    write_csv(table, paths.ABLATION)
    test = table[table["dataset"] == "test"]
    figure = bars_figure(
        test["variant"].tolist(),
        test["macro_f1"].tolist(),
        "ablation: test macro-F1 with each cue family removed",
        xlabel="macro-F1",
        zoom=True,
    )
    save_figure(figure, paths.ABLATION_FIGURE)
    print(f"ablation: {len(table)} rows → {paths.ABLATION}")

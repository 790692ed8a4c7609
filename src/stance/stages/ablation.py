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
from stance.models import chosen_recipe, fit_predict_many, fit_recipe, refits_skipped


def variants(params: TrainParams) -> list[tuple[str, TrainParams]]:
    """The full recipe, the recipe without each cue family, without cues, and cues alone.

    The streaming recipe has hashed n-grams only: nothing to ablate, so just the full model.
    """
    out = [("full model", params)]
    if params.mode == "streaming":
        return out
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
    named = variants(params)
    texts = [text for table in datasets.values() for text in table["text"]]
    domains = train.get("domain")
    if params.mode == "streaming":
        fitted = [fit_recipe(v, train["text"].tolist(), train["label"]) for _, v in named]
        predictions = [model.predict(texts) for model in fitted]
    else:  # the variants share their n-gram blocks: vectorise them once
        found = fit_predict_many([v for _, v in named], train["text"].tolist(), train["label"], texts, domains)
        predictions = [p.labels for p in found]
    rows = []
    for (name, _), predicted_all in zip(named, predictions, strict=True):
        start = 0
        for dataset, table in datasets.items():
            predicted, start = predicted_all[start : start + len(table)], start + len(table)
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

    from stance.plots import bars_figure, message_figure, save_figure

    external = {Path(p).stem: read_external(Path(p), params.clean) for p in params.evaluate.external}
    datasets = {"test": read_frame(paths.TEST, columns=("text", "label")), **external}
    recipe = chosen_recipe(params.train, read_json(paths.SELECTION))
    train = read_frame(paths.TRAIN, columns=("text", "label", "domain"))
    skipped = refits_skipped(recipe, len(train), params.evaluate.refit_limit)
    if skipped:
        write_csv(pd.DataFrame(columns=["variant", "dataset", "n", "macro_f1", "delta"]), paths.ABLATION)
        save_figure(message_figure("ablation", skipped), paths.ABLATION_FIGURE)
        print(f"ablation: {skipped}")
        return
    table = ablate(train, datasets, recipe, list(params.clean.labels))
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

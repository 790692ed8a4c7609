"""queue: unlabelled statements → the most informative ones to annotate next (active learning).

The pool is ranked by queue.strategy (stance.active_learning.rank_pool, the same ranking the
`simulate` stage measures on replayed rounds), skipping near-duplicates of labelled statements
and of statements already queued.
"""

from __future__ import annotations

import pandas as pd

from stance import paths
from stance.active_learning import margins, rank_pool
from stance.config import Params
from stance.io import list_batches, read_frame, read_table, write_csv, write_json
from stance.prediction import predict_frame
from stance.similarity import near_duplicates
from stance.text import normalise


def annotation_queue(
    model, pool: pd.DataFrame, labelled: pd.DataFrame, size: int, threshold: float, strategy: str, seed: int
) -> pd.DataFrame:
    """The `size` statements of `pool` to label next, in the order `strategy` ranks them."""
    scored = predict_frame(model, pool, source="unlabelled pool")
    scored["margin"] = margins(scored[[f"p_{c}" for c in model.classes_]].to_numpy()).round(6)
    candidates = scored[~near_duplicates(scored["text"], labelled["text"], threshold)].reset_index(drop=True)
    chosen, taken = [], []
    while len(chosen) < size and len(candidates):
        # a pick that near-duplicates an earlier one is dropped, and the rest ranked again for the places left
        ranked = rank_pool(model, [normalise(t) for t in candidates["text"]], strategy, size - len(chosen), seed)
        for _, row in candidates.iloc[ranked].iterrows():
            if not taken or not near_duplicates(pd.Series([row["text"]]), pd.Series(taken), threshold)[0]:
                chosen.append(row)
                taken.append(row["text"])
        candidates = candidates.drop(index=ranked).reset_index(drop=True)
    queue = pd.DataFrame(chosen).reset_index(drop=True)
    queue.insert(0, "queue_rank", range(1, len(queue) + 1))
    return queue


def label_studio_tasks(queue: pd.DataFrame) -> list[dict]:
    """The queue as a Label Studio import file: one task per statement, model guess as a pre-annotation."""
    meta = [c for c in queue.columns if c not in ("queue_rank", "predicted_label", "margin") and not c.startswith("p_")]
    return [
        {
            "data": {c: str(row[c]) for c in meta},
            "predictions": [
                {
                    "model_version": "stance",
                    "score": float(1 - row["margin"]),
                    "result": [
                        {
                            "from_name": "label",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": [row["predicted_label"]]},
                        }
                    ],
                }
            ],
        }
        for _, row in queue.iterrows()
    ]


def run(params: Params, args=None) -> None:
    """models/model.skops + data/unlabeled/ → reports/annotation_queue.csv and its Label Studio import file."""
    from stance.persist import load_model

    tables = [read_table(str(p)) for p in list_batches(paths.UNLABELED_DIR)] + [read_frame(paths.EXTRACTED)]
    pool = pd.concat([t for t in tables if not t.empty], ignore_index=True)
    queue = annotation_queue(
        load_model(paths.MODEL, expected_labels=params.clean.labels),
        pool,
        read_frame(paths.STATEMENTS, columns=("text",)),
        params.queue.size,
        params.queue.near_duplicate_threshold,
        params.queue.strategy,
        params.queue.seed,
    )
    write_csv(queue, paths.QUEUE, for_people=True)
    write_json(label_studio_tasks(queue), paths.QUEUE_LABEL_STUDIO)
    print(f"queue: {len(queue)} of {len(pool)} unlabelled statements ({params.queue.strategy}) → {paths.QUEUE}")

"""split: statements → train and test sets that stay put from one annotation round to the next.

A source document's side is decided once, when it first appears, and never changes while it
is in the corpus: documents are taken in batch order, and a new document goes

1. to the side of any earlier document one of its statements near-duplicates (word-set
   Jaccard above the threshold) — to train if it near-duplicates both sides — so a near-copy
   of a training statement never sits in test;
2. otherwise to the side a seeded hash of its source_id picks (test with probability
   test_size).

Statements added later to a known document take its side. Nothing about a new batch can move
an earlier statement, so a metric diff between rounds compares like with like on the old test
statements; changing split.seed or split.test_size is a deliberate reset.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from stance import paths
from stance.config import Params, SplitParams
from stance.corpus import check_class_sizes, check_labels_present, source_groups
from stance.errors import StanceError
from stance.io import read_frame, write_csv, write_json
from stance.similarity import near_duplicate_pairs


def split_statements(statements: pd.DataFrame, params: SplitParams) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Return (train, test, summary); raise StanceError when a class cannot be both trained and tested."""
    check_class_sizes(statements["label"], minimum=2, purpose="split into train and test")
    documents = source_groups(statements).to_numpy()
    arrival = statements["first_batch"].to_numpy() if "first_batch" in statements else np.zeros(len(statements))
    in_test, summary = assign_sides(
        documents, arrival, near_duplicate_pairs(statements["text"].tolist(), params.near_duplicate_threshold), params
    )
    train, test = statements[~in_test].reset_index(drop=True), statements[in_test].reset_index(drop=True)
    missing = sorted(set(statements["label"]) - set(test["label"]))
    if missing:
        count = int((statements["label"] == missing[0]).sum())
        raise StanceError(
            f"class {missing[0]!r} has no statement in the test split ({count} in all); "
            "label more statements of it, or choose another split.seed"
        )
    summary |= {
        "train": len(train),
        "test": len(test),
        "seed": params.seed,
        "test_size": params.test_size,
        "label_share_all": _shares(statements["label"]),
        "label_share_test": _shares(test["label"]),
    }
    return train, test, summary


def assign_sides(
    documents: np.ndarray, arrival: np.ndarray, pairs: list[tuple[int, int]], params: SplitParams
) -> tuple[np.ndarray, dict]:
    """Whether each statement is in test, and counts of how the near-duplicate rule decided."""
    keys = {doc: hashed_fraction(doc, params.seed) for doc in set(documents)}
    first_arrival: dict = {}
    for doc, batch in zip(documents, arrival, strict=True):
        first_arrival[doc] = min(first_arrival.get(doc, batch), batch)
    order = sorted(first_arrival, key=lambda doc: (first_arrival[doc], keys[doc], doc))
    rank = {doc: position for position, doc in enumerate(order)}
    # Links that count for a document: from its founding statements to documents placed before it.
    earlier_links: dict = {}
    for i, j in pairs:
        for a, b in ((i, j), (j, i)):
            doc, other = documents[a], documents[b]
            if arrival[a] == first_arrival[doc] and rank[other] < rank[doc]:
                earlier_links.setdefault(doc, set()).add(other)
    side: dict = {}
    counts = {"documents_by_hash": 0, "documents_following_a_near_duplicate": 0, "documents_bridging_both_sides": 0}
    for doc in order:
        linked = {side[other] for other in earlier_links.get(doc, ())}
        if not linked:
            side[doc] = keys[doc] < params.test_size
            counts["documents_by_hash"] += 1
        elif len(linked) == 1:
            side[doc] = linked.pop()
            counts["documents_following_a_near_duplicate"] += 1
        else:
            side[doc] = False
            counts["documents_bridging_both_sides"] += 1
    in_test = np.array([side[doc] for doc in documents], dtype=bool)
    across = sum(1 for i, j in pairs if in_test[i] != in_test[j])
    return in_test, {
        "near_duplicate_threshold": params.near_duplicate_threshold,
        "near_duplicate_pairs": len(pairs),
        "near_duplicate_pairs_across_sides": across,
        **counts,
    }


def hashed_fraction(document: str, seed: int) -> float:
    """A uniform number in [0, 1) fixed by the document id and the seed (stable across runs and machines)."""
    digest = hashlib.blake2b(f"{seed}\x00{document}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _shares(labels: pd.Series) -> dict[str, float]:
    return {label: round(float(share), 4) for label, share in labels.value_counts(normalize=True).sort_index().items()}


def run(params: Params, args=None) -> None:
    """data/clean/statements.csv → data/split/{train,test}.csv and reports/split.json."""
    statements = read_frame(paths.STATEMENTS)
    check_class_sizes(statements["label"], minimum=2, purpose="split into train and test")
    check_labels_present(statements["label"], params.clean.labels)
    train, test, summary = split_statements(statements, params.split)
    write_csv(train, paths.TRAIN)
    write_csv(test, paths.TEST)
    write_json(summary, paths.SPLIT_SUMMARY)
    print(
        f"split: {len(train)} train, {len(test)} test; {summary['documents_following_a_near_duplicate']} document(s) "
        f"placed beside a near-duplicate, {summary['near_duplicate_pairs_across_sides']} near-duplicate pair(s) "
        "across sides"
    )

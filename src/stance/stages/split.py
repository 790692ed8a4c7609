"""split: statements → train and test sets that stay put from one annotation round to the next.

A source document's side is decided once, when it first appears, and never changes while it
is in the corpus: documents are taken in batch order (within a batch, in the order of a
second seeded hash, independent of the one that picks sides), and a new document goes

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
from stance.similarity import NearDuplicateSets, near_duplicate_sets

_TRAIN, _TEST = 1, 2  # the sides as bit flags, so a set of sides is an int


def split_statements(statements: pd.DataFrame, params: SplitParams) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Return (train, test, summary); raise StanceError when a class cannot be both trained and tested."""
    check_class_sizes(statements["label"], minimum=2, purpose="split into train and test")
    documents = source_groups(statements).to_numpy()
    arrival = statements["first_batch"].to_numpy() if "first_batch" in statements else np.zeros(len(statements))
    links = near_duplicate_sets(statements["text"].tolist(), params.near_duplicate_threshold)
    in_test, summary = assign_sides(documents, arrival, links, params)
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
    documents: np.ndarray, arrival: np.ndarray, links: NearDuplicateSets, params: SplitParams
) -> tuple[np.ndarray, dict]:
    """Whether each statement is in test, and counts of how the near-duplicate rule decided.

    A document's links are those of its founding statements (of its first batch) to any
    statement of a document placed before it. Documents without a statement that could link
    to another (most of them) are decided by their hash at once; only the others are placed
    one by one, in the rule's order.
    """
    codes, names = pd.factorize(pd.Series(documents, dtype=object))
    batches = pd.factorize(pd.Series(arrival, dtype=object), sort=True)[0]  # numbered in sorted order
    first_batch = np.full(len(names), len(batches))
    np.minimum.at(first_batch, codes, batches)
    founding = (batches == first_batch[codes]).tolist()
    test = np.array([hashed_fraction(doc, params.seed) for doc in names]) < params.test_size
    turns = [placing_turn(doc, params.seed) for doc in names]
    statements_of: dict[int, list[int]] = {}
    linkable = np.flatnonzero(_linkable(links))
    for statement, doc in zip(linkable.tolist(), codes[linkable].tolist(), strict=True):
        statements_of.setdefault(doc, []).append(statement)
    first_batch, names = first_batch.tolist(), names.tolist()
    placed = _PlacedSides(links)
    counts = {
        "documents_by_hash": len(names),
        "documents_following_a_near_duplicate": 0,
        "documents_bridging_both_sides": 0,
    }
    for doc in sorted(statements_of, key=lambda doc: (first_batch[doc], turns[doc], names[doc])):
        linked = placed.linked([a for a in statements_of[doc] if founding[a]])
        if linked == _TRAIN | _TEST:
            test[doc] = False
            counts["documents_bridging_both_sides"] += 1
        elif linked:
            test[doc] = linked == _TEST
            counts["documents_following_a_near_duplicate"] += 1
        counts["documents_by_hash"] -= bool(linked)
        placed.place(statements_of[doc], _TEST if test[doc] else _TRAIN)
    in_test = test[codes]
    return in_test, {
        "near_duplicate_threshold": params.near_duplicate_threshold,
        **_pair_counts(links, in_test),
        **counts,
    }


class _PlacedSides:
    """The sides of the statements placed so far, as seen from each word set.

    Rather than walking the near-duplicate pairs, each word set records the sides its placed
    statements took and, the first time it takes a side, passes that side on to the sets linked
    to it. The work is then linear in the statements plus the links between distinct sets,
    however many pairs k copies of one text would make.
    """

    def __init__(self, links: NearDuplicateSets):
        self.set_of, self.copies_match = links.set_of.tolist(), links.copies_match.tolist()
        neighbours = links.neighbours()
        self.indptr, self.indices = neighbours.indptr.tolist(), neighbours.indices.tolist()
        self.own = [0] * len(self.copies_match)  # per set: sides of placed statements with it
        self.near = [0] * len(self.copies_match)  # per set: sides of placed statements with a set linked to it

    def linked(self, statements: list[int]) -> int:
        """The sides of the placed statements that some of `statements` near-duplicate."""
        sides = 0
        for statement in statements:
            group = self.set_of[statement]
            sides |= self.near[group] | (self.own[group] if self.copies_match[group] else 0)
        return sides

    def place(self, statements: list[int], side: int) -> None:
        """Record that `statements` went to `side`."""
        for statement in statements:
            group = self.set_of[statement]
            if not self.own[group] & side:
                self.own[group] |= side
                for other in self.indices[self.indptr[group] : self.indptr[group + 1]]:
                    self.near[other] |= side


def _linkable(links: NearDuplicateSets) -> np.ndarray:
    """Per statement, whether it may near-duplicate another: its word set has links, or copies that match."""
    copies = np.bincount(links.set_of, minlength=len(links.copies_match)) > 1
    linked = np.bincount(np.concatenate((links.first, links.second)), minlength=len(links.copies_match)) > 0
    return (linked | (copies & links.copies_match))[links.set_of]


def _pair_counts(links: NearDuplicateSets, in_test: np.ndarray) -> dict[str, int]:
    """The number of near-duplicate statement pairs, and of those with one statement on each side.

    Counted from the statements per word set and side, without listing the pairs.
    """
    size = len(links.copies_match)
    total = np.bincount(links.set_of, minlength=size)
    test = np.bincount(links.set_of[in_test], minlength=size)
    train = total - test
    first, second, match = links.first, links.second, links.copies_match
    pairs = (total[first] * total[second]).sum() + (match * total * (total - 1) // 2).sum()
    across = (train[first] * test[second] + test[first] * train[second]).sum() + (match * train * test).sum()
    return {"near_duplicate_pairs": int(pairs), "near_duplicate_pairs_across_sides": int(across)}


def hashed_fraction(document: str, seed: int, purpose: str = "") -> float:
    """A uniform number in [0, 1) fixed by the document id and the seed (stable across runs and machines)."""
    digest = hashlib.blake2b(f"{seed}\x00{document}".encode(), digest_size=8, person=purpose.encode()).digest()
    return int.from_bytes(digest, "big") / 2**64


def placing_turn(document: str, seed: int) -> float:
    """Where a document comes in its batch's placing order.

    Not its side's hash: ordered by that, test documents (the low values) would be placed first
    and near-duplicates placed after them would follow them into test — 36% of linked pairs
    instead of test_size's 20%.
    """
    return hashed_fraction(document, seed, purpose="turn")


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

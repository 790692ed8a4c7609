import random

import numpy as np
import pandas as pd
import pytest

from stance.config import SplitParams
from stance.errors import StanceError
from stance.similarity import near_duplicate_pairs, near_duplicate_sets
from stance.stages.split import assign_sides, hashed_fraction, placing_turn, split_statements

WORDS = [f"w{i}" for i in range(3000)]


def corpus(n_docs: int = 200, batch: str = "batch-001.csv", start: int = 0) -> pd.DataFrame:
    """Three statements per document (one per label), every text distinct enough to be no near-duplicate."""
    rows = []
    for d in range(start, start + n_docs):
        for k, label in enumerate(("threat", "warning", "neutral")):
            words = random.Random(d * 10 + k).sample(WORDS, 10)
            rows.append(
                {
                    "statement_id": f"s{d}-{k}",
                    "text": " ".join(words),
                    "label": label,
                    "source_id": f"doc{d}",
                    "first_batch": batch,
                }
            )
    return pd.DataFrame(rows)


def test_no_source_document_is_on_both_sides():
    train, test, _ = split_statements(corpus(), SplitParams(seed=1, test_size=0.2))
    assert set(train["source_id"]).isdisjoint(test["source_id"])
    assert len(train) + len(test) == 600


def test_split_is_reproducible_and_near_the_test_size():
    first = split_statements(corpus(), SplitParams(seed=7))
    second = split_statements(corpus(), SplitParams(seed=7))
    assert first[1]["statement_id"].tolist() == second[1]["statement_id"].tolist() and first[2] == second[2]
    assert 0.14 < len(first[1]) / 600 < 0.26
    other_seed = split_statements(corpus(), SplitParams(seed=8))
    assert other_seed[1]["statement_id"].tolist() != first[1]["statement_id"].tolist()


def test_a_new_batch_only_adds_old_statements_keep_their_side():
    old = corpus(150)
    new = corpus(40, batch="batch-002.csv", start=150)
    # the new batch also brings a near-copy of an old test statement and one of an old training statement
    _, old_test, _ = split_statements(old, SplitParams(seed=3))
    old_train_ids = set(old["statement_id"]) - set(old_test["statement_id"])
    test_row = old[old["statement_id"] == old_test["statement_id"].iloc[0]].iloc[0]
    train_row = old[old["statement_id"] == sorted(old_train_ids)[0]].iloc[0]
    copies = pd.DataFrame(
        [
            {
                **test_row.to_dict(),
                "statement_id": "copy-of-test",
                "source_id": "new-doc-a",
                "first_batch": "batch-002.csv",
            },
            {
                **train_row.to_dict(),
                "statement_id": "copy-of-train",
                "source_id": "new-doc-b",
                "first_batch": "batch-002.csv",
            },
        ]
    )
    train, test, summary = split_statements(pd.concat([old, new, copies], ignore_index=True), SplitParams(seed=3))
    assert set(old_test["statement_id"]) <= set(test["statement_id"])
    assert old_train_ids <= set(train["statement_id"])
    assert "copy-of-test" in set(test["statement_id"]) and "copy-of-train" in set(train["statement_id"])
    assert summary["documents_following_a_near_duplicate"] == 2
    assert summary["near_duplicate_pairs_across_sides"] == 0


def test_hashed_fraction_is_uniform_and_stable():
    values = [hashed_fraction(f"doc{i}", 42) for i in range(5000)]
    assert values[:2] == [hashed_fraction("doc0", 42), hashed_fraction("doc1", 42)]
    assert 0.18 < sum(v < 0.2 for v in values) / len(values) < 0.22


def test_too_small_class_is_named_with_its_count():
    data = corpus(30)
    data = pd.concat([data[data["label"] != "threat"], data[data["label"] == "threat"].head(1)])
    with pytest.raises(StanceError, match="class 'threat' has 1 statement"):
        split_statements(data, SplitParams())


def test_a_class_missing_from_test_is_named():
    data = corpus(30)
    data = pd.concat([data[data["label"] != "threat"], data[data["label"] == "threat"].head(2)])
    _, test, _ = split_statements(data, SplitParams(seed=0))
    assert set(test["label"]) == {"warning", "neutral"} or "threat" in set(test["label"])
    for seed in range(50):
        try:
            _, test, _ = split_statements(data, SplitParams(seed=seed))
        except StanceError as exc:
            assert "class 'threat' has no statement in the test split (2 in all)" in str(exc)
            return
    pytest.fail("no seed put both threat documents in train")


def test_single_class_is_refused():
    data = corpus(10).assign(label="neutral")
    with pytest.raises(StanceError, match="only one class in the data \\('neutral'\\)"):
        split_statements(data, SplitParams())


# -- assign_sides against the rule it replaced, which walked every near-duplicate pair -------------------


def assign_sides_by_pairs(
    documents: np.ndarray, arrival: np.ndarray, pairs: list[tuple[int, int]], params: SplitParams
) -> tuple[np.ndarray, dict]:
    """The former assign_sides (its placing order now by placing_turn): the reference for the linear one."""
    keys = {doc: hashed_fraction(doc, params.seed) for doc in set(documents)}
    first_arrival: dict = {}
    for doc, batch in zip(documents, arrival, strict=True):
        first_arrival[doc] = min(first_arrival.get(doc, batch), batch)
    order = sorted(first_arrival, key=lambda doc: (first_arrival[doc], placing_turn(doc, params.seed), doc))
    rank = {doc: position for position, doc in enumerate(order)}
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


def templated(rng: random.Random, n: int) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Texts, documents and batches dense in copies and near-copies, as template text is.

    Short texts over a few words, a third of them a copy of an earlier text with up to two
    words changed, some without words; documents of 1-4 statements over three batches, with
    later statements added to documents first seen earlier.
    """
    words = [f"w{i}" for i in range(rng.randint(4, 12))]
    texts: list[str] = []
    for _ in range(n):
        if texts and rng.random() < 0.35:
            copy = rng.choice(texts).split()
            for _ in range(rng.randint(0, 2)):
                if copy:
                    copy[rng.randrange(len(copy))] = rng.choice(words)
            texts.append(" ".join(copy))
        else:
            texts.append(" ".join(rng.choice(words) for _ in range(rng.randint(0, 7))))
    documents = np.array([f"doc{rng.randint(0, max(n // 2, 1))}" for _ in range(n)], dtype=object)
    batches = np.array([f"batch-00{rng.randint(1, 3)}.csv" for _ in range(n)], dtype=object)
    return texts, documents, batches


@pytest.mark.parametrize("seed", range(60))
def test_assign_sides_equals_the_pairwise_rule_on_templated_text(seed):
    rng = random.Random(seed)
    texts, documents, batches = templated(rng, rng.randint(1, 120))
    for threshold in (0.3, 0.5, 0.8, 1.0):
        params = SplitParams(seed=seed, test_size=rng.choice([0.2, 0.45]), near_duplicate_threshold=threshold)
        expected = assign_sides_by_pairs(documents, batches, near_duplicate_pairs(texts, threshold), params)
        in_test, summary = assign_sides(documents, batches, near_duplicate_sets(texts, threshold), params)
        assert in_test.tolist() == expected[0].tolist() and summary == expected[1], threshold


def test_the_pairwise_comparison_is_not_vacuous():
    decided = {"documents_following_a_near_duplicate": 0, "documents_bridging_both_sides": 0}
    for seed in range(60):
        rng = random.Random(seed)
        texts, documents, batches = templated(rng, rng.randint(1, 120))
        links = near_duplicate_sets(texts, 0.5)
        _, summary = assign_sides(documents, batches, links, SplitParams(seed=seed, near_duplicate_threshold=0.5))
        decided = {key: count + summary[key] for key, count in decided.items()}
    assert min(decided.values()) >= 10, decided


def test_copies_cost_no_pairs():
    """30,000 copies of one text are 450 million pairs, counted but never listed: all follow the first document."""
    n = 30_000
    texts = ["we will respond with force"] * (n - 3) + ["unrelated words here"] * 3
    documents = np.array([f"doc{i // 3}" for i in range(n)], dtype=object)
    links = near_duplicate_sets(texts, 0.8)
    in_test, summary = assign_sides(documents, np.zeros(n), links, SplitParams(seed=1))
    assert summary["near_duplicate_pairs"] == (n - 3) * (n - 4) // 2 + 3
    assert summary["near_duplicate_pairs_across_sides"] == 0
    assert summary["documents_following_a_near_duplicate"] == n // 3 - 2
    assert len(set(in_test[: n - 3])) == 1


def test_near_duplicates_follow_earlier_documents_into_test_at_the_test_size_rate():
    """Placing order is independent of sides, so a linked pair lands in test with probability test_size."""
    n = 3000
    texts = [f"statement {i} about topic {i} in round {i}" for i in range(n)] * 2
    documents = np.array([f"doc{i}" for i in range(2 * n)], dtype=object)
    in_test, summary = assign_sides(documents, np.zeros(2 * n), near_duplicate_sets(texts, 0.8), SplitParams(seed=3))
    assert summary["documents_following_a_near_duplicate"] == n
    assert np.array_equal(in_test[:n], in_test[n:])
    assert abs(in_test.mean() - 0.2) < 0.03, in_test.mean()

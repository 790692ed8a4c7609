"""Active learning: which unlabelled statements to annotate next, and evidence for the choice.

`rank_pool` orders a pool by what a label would teach the model; the queue stage and the
simulation both call it, so the strategy the simulation measures is the one the queue runs.

`simulate` replays annotation rounds on statements that are already labelled, with the labels
hidden: a stratified seed set, then round after round the recipe is fitted on what is labelled,
`round_size` statements are picked from the rest by a strategy and their labels revealed.
Every round is scored on the fixed test split, so strategies compare on learning curves:
macro-F1 against the number of labels spent.

Strategies
----------
random          a seeded shuffle: the baseline every other strategy must beat.
margin          smallest gap between the two most probable classes.
entropy         largest predictive entropy (flattest distribution over the classes).
disagreement    the n-gram view and the cue view of the soft-vote model disagree most
                (weighted Jensen–Shannon divergence of their probabilities, the vote weights
                as the mixture weights); margin when the model is not a vote of those views.
diverse-margin  the CANDIDATE_FACTOR × size lowest-margin statements, clustered by TF-IDF with
                seeded k-means into `size` clusters; the lowest-margin statement of each cluster.
                Margin alone spends a round on near-paraphrases of one confusing case.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits

from stance.config import TrainParams
from stance.errors import StanceError
from stance.models import fit_recipe

STRATEGIES = ("random", "margin", "entropy", "disagreement", "diverse-margin")
BASELINE = "random"
CANDIDATE_FACTOR = 5  # diverse-margin clusters this many times `size` of the lowest-margin statements
VIEWS = ("ngrams", "cues")  # the named estimators of a soft-vote model (models.feature_views)


# --- ranking a pool ---------------------------------------------------------------------------------


def rank_pool(model, texts, strategy: str, size: int, seed: int) -> np.ndarray:
    """Positions in `texts` of the `size` statements to label next, most informative first.

    `model` needs predict_proba (and, for disagreement, the named_estimators_ of a soft vote);
    random never calls it. Ties keep the pool's order, so the same inputs give the same ranking.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; known: {', '.join(STRATEGIES)}")
    texts = list(texts)
    size = min(int(size), len(texts))
    if size <= 0:
        return np.array([], dtype=int)
    if strategy == "random":
        return np.random.default_rng(seed).permutation(len(texts))[:size]
    if strategy == "disagreement":
        views = view_probabilities(model, texts)
        if views is not None:
            return lowest(-view_disagreement(*views), size)
    probabilities = np.asarray(model.predict_proba(texts))
    if strategy == "entropy":
        return lowest(-entropies(probabilities), size)
    if strategy == "diverse-margin":
        return diverse_lowest(margins(probabilities), texts, size, seed)
    return lowest(margins(probabilities), size)  # margin, and disagreement without views


def margins(probabilities: np.ndarray) -> np.ndarray:
    """Gap between the two most probable classes of each row (0: a coin toss between them)."""
    top_two = np.sort(probabilities, axis=1)[:, -2:]
    return top_two[:, 1] - top_two[:, 0]


def entropies(probabilities: np.ndarray) -> np.ndarray:
    """Shannon entropy (nats) of each row; 0·log 0 counts as 0."""
    p = np.clip(probabilities, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(p), 0.0)
    return -terms.sum(axis=1)


def view_probabilities(model, texts: list[str]) -> tuple[list[np.ndarray], np.ndarray] | None:
    """Each view's class probabilities and the vote weights, or None when the model is no vote of VIEWS."""
    fitted = getattr(model, "named_estimators_", None)
    if fitted is None or not all(name in fitted for name in VIEWS):
        return None
    names = [name for name, _ in model.estimators]
    weights = dict(zip(names, model.weights or [1.0] * len(names), strict=True))
    return [np.asarray(fitted[name].predict_proba(texts)) for name in VIEWS], np.array([weights[n] for n in VIEWS])


def view_disagreement(probabilities: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """Weighted Jensen–Shannon divergence of the views: entropy of the vote minus the views' mean entropy.

    0 when the views agree whatever their confidence, unlike entropy of the vote, which cannot
    tell two unsure views from two sure views that contradict each other.
    """
    weights = np.asarray(weights, dtype=float) / np.sum(weights)
    vote = np.tensordot(weights, np.stack(probabilities), axes=1)
    own = sum(w * entropies(p) for w, p in zip(weights, probabilities, strict=True))
    return np.maximum(entropies(vote) - own, 0.0)  # clip float noise below 0


def lowest(scores: np.ndarray, size: int) -> np.ndarray:
    """Positions of the `size` smallest scores, ties in pool order."""
    return np.argsort(scores, kind="stable")[:size]


def diverse_lowest(scores: np.ndarray, texts: list[str], size: int, seed: int) -> np.ndarray:
    """The lowest-scoring statement of each of `size` TF-IDF clusters of the lowest-scoring candidates."""
    from sklearn.cluster import KMeans

    candidates = lowest(scores, min(len(texts), CANDIDATE_FACTOR * size))
    if len(candidates) <= size:
        return candidates
    vectors = candidate_vectors([texts[i] for i in candidates])
    clusters = KMeans(n_clusters=size, n_init=1, random_state=seed).fit_predict(vectors)
    # candidates are in score order, so the first member of each cluster is its lowest-scoring one
    _, first = np.unique(clusters, return_index=True)
    chosen = candidates[np.sort(first)]
    if len(chosen) < size:  # identical candidates can leave clusters empty: top up in score order
        rest = candidates[~np.isin(candidates, chosen)]
        chosen = np.concatenate([chosen, rest[: size - len(chosen)]])
    return chosen


def candidate_vectors(texts: list[str]):
    """Word TF-IDF of the candidates, names masked, so clusters group what is said, not who says it."""
    from stance.features import NameMasker

    masked = NameMasker().fit_transform(texts)
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(masked)


# --- replaying annotation rounds ----------------------------------------------------------------------


def simulate(
    train: pd.DataFrame,
    test: pd.DataFrame,
    recipe: TrainParams,
    strategies: list[str],
    seeds: list[int],
    seed_size: int,
    round_size: int,
    rounds: int,
    *,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Learning curves of each strategy from each seed set: strategy, seed, round, labelled, macro_f1.

    Round 0 is the seed set alone; round r has seed_size + r × round_size labels. Every strategy
    starts from the same seed set for a given seed, so their curves differ only by what they picked.
    """
    check_plan(train, strategies, seed_size, round_size, rounds)
    labels = sorted(set(train["label"]) | set(test["label"]))
    data = (train["text"].tolist(), train["label"].to_numpy(), test["text"].tolist(), test["label"].to_numpy())
    # costly strategies first, so the cheap random runs fill in the idle worker at the end
    tasks = sorted(((s, seed) for seed in seeds for s in strategies), key=lambda t: t[0] == BASELINE)
    curves = Parallel(n_jobs=n_jobs)(
        delayed(replay)(*data, recipe, strategy, seed, seed_size, round_size, rounds, labels)
        for strategy, seed in tasks
    )
    table = pd.DataFrame([row for curve in curves for row in curve])
    order = {s: i for i, s in enumerate(strategies)}
    table = table.sort_values(["strategy", "seed", "round"], key=lambda c: c.map(order) if c.name == "strategy" else c)
    return table.reset_index(drop=True)


def capped_sample(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Positions (in order) of a seeded sample of `size` statements, stratified by label; all of them
    when there are no more than `size`, so below the cap nothing changes.

    Stratified when every label has two statements or more (train_test_split needs that), else plain.
    """
    labels = np.asarray(labels)
    if len(labels) <= size:
        return np.arange(len(labels))
    counts = pd.Series(labels).value_counts()
    stratify = labels if counts.min() >= 2 and size >= len(counts) else None
    chosen, _ = train_test_split(np.arange(len(labels)), train_size=size, stratify=stratify, random_state=seed)
    return np.sort(chosen)


def check_plan(train: pd.DataFrame, strategies: list[str], seed_size: int, round_size: int, rounds: int) -> None:
    """Refuse a plan the training split cannot carry out, before any model is fitted."""
    unknown = sorted(set(strategies) - set(STRATEGIES))
    if unknown:
        raise StanceError(f"unknown active-learning strategy {unknown[0]!r}; known: {', '.join(STRATEGIES)}")
    needed = seed_size + rounds * round_size
    if needed > len(train):
        raise StanceError(
            f"the simulation needs {needed} training statements (seed_size {seed_size} + rounds {rounds} × "
            f"round_size {round_size}); the training split has {len(train)}"
        )
    classes = train["label"].value_counts()
    if seed_size < len(classes) or classes.min() < 2:
        raise StanceError(
            f"a stratified seed set of {seed_size} needs at least one statement per class ({len(classes)}) "
            f"and two statements of each class in the training split (fewest: {int(classes.min())})"
        )


def replay(
    texts: list[str],
    labels: np.ndarray,
    test_texts: list[str],
    test_labels: np.ndarray,
    recipe: TrainParams,
    strategy: str,
    seed: int,
    seed_size: int,
    round_size: int,
    rounds: int,
    classes: list[str],
) -> list[dict]:
    """One learning curve: the rounds of one strategy from one seed set."""
    labelled = seed_set(labels, seed_size, seed)
    pool = np.setdiff1d(np.arange(len(texts)), labelled)
    scores = []
    # One BLAS thread: these small linear fits gain nothing from more, and on a busy two-core machine
    # OpenBLAS threads spinning against each other made each fit ten times slower.
    with threadpool_limits(1):
        for number in range(rounds + 1):
            model = fit_recipe(recipe, [texts[i] for i in labelled], labels[labelled])
            scores.append((len(labelled), macro_f1(model, test_texts, test_labels, classes)))
            if number < rounds:
                ranked = rank_pool(model, [texts[i] for i in pool], strategy, round_size, round_seed(seed, number))
                labelled, pool = np.concatenate([labelled, pool[ranked]]), np.delete(pool, ranked)
    return [
        {"strategy": strategy, "seed": seed, "round": number, "labelled": count, "macro_f1": score}
        for number, (count, score) in enumerate(scores)
    ]


def macro_f1(model, texts: list[str], labels: np.ndarray, classes: list[str]) -> float:
    """Test macro-F1 over every class, a class never predicted counting as 0."""
    predicted = model.predict(texts)
    return float(f1_score(labels, predicted, labels=classes, average="macro", zero_division=0))


def seed_set(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Positions of a stratified random sample of `size` statements: the labels annotators start from."""
    chosen, _ = train_test_split(np.arange(len(labels)), train_size=size, stratify=labels, random_state=seed)
    return np.sort(chosen)


def round_seed(seed: int, number: int) -> int:
    """An independent seed for round `number` of a run (random picks, k-means)."""
    return int(np.random.SeedSequence([seed, number]).generate_state(1)[0])


# --- summarising the curves ---------------------------------------------------------------------------


def learning_curves(results: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean macro-F1 per strategy and round over seeds, with a Student-t interval, and the paired gain over random.

    With three seeds a percentile interval (or a bootstrap) over seeds cannot reach beyond the
    three values seen, so it is too narrow; mean ± t(n−1) · s/√n is wide with few seeds, and says
    so. The gain is paired: each seed's strategy minus random from the same seed set, which
    removes the luck of the seed set shared by both.
    """
    keyed = results.set_index(["strategy", "seed", "round"])["macro_f1"]
    baseline = keyed.xs(BASELINE, level="strategy") if BASELINE in results["strategy"].values else None
    rows = []
    for (strategy, number), part in results.groupby(["strategy", "round"], sort=False):
        low, high = t_interval(part["macro_f1"].to_numpy(), confidence)
        row = {
            "strategy": strategy,
            "round": int(number),
            "labelled": int(part["labelled"].iloc[0]),
            "seeds": len(part),
            "macro_f1_mean": float(part["macro_f1"].mean()),
            "macro_f1_ci_low": low,
            "macro_f1_ci_high": high,
        }
        if baseline is not None:
            gains = part.set_index("seed")["macro_f1"] - baseline.xs(number, level="round")
            gains = gains.dropna().to_numpy()
            low, high = t_interval(gains, confidence)
            row |= {"gain_vs_random": float(gains.mean()), "gain_ci_low": low, "gain_ci_high": high}
        rows.append(row)
    return pd.DataFrame(rows).round(4)


def t_interval(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Student-t interval of the mean; NaN ends with fewer than two values (no spread to go on)."""
    if len(values) < 2:
        return float("nan"), float("nan")
    half = stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * np.std(values, ddof=1) / np.sqrt(len(values))
    return float(np.mean(values) - half), float(np.mean(values) + half)


def summarise(curves: pd.DataFrame, target_share: float = 0.6) -> dict:
    """Labels each strategy needs to reach random's final mean macro-F1, the winner, and whether it met the target.

    labels_needed: the smallest labelled count at which the strategy's mean curve reaches random's
    final mean (None if it never does); share: that count over random's final labelled count.
    The winner needs the fewest labels; ties (and strategies that never get there) go to the larger
    area under the mean curve.
    """
    random_curve = curves[curves["strategy"] == BASELINE].sort_values("round")
    if random_curve.empty:
        raise ValueError("the summary compares against the random strategy: simulate it too")
    target = float(random_curve["macro_f1_mean"].iloc[-1])
    budget = int(random_curve["labelled"].iloc[-1])
    strategies = {}
    for strategy, curve in curves.groupby("strategy", sort=False):
        curve = curve.sort_values("round")
        reached = curve[curve["macro_f1_mean"] >= target]
        needed = int(reached["labelled"].iloc[0]) if not reached.empty else None
        final = curve.iloc[-1]
        strategies[strategy] = {
            "labels_needed": needed,
            "share_of_random": round(needed / budget, 4) if needed is not None else None,
            "final_macro_f1": float(final["macro_f1_mean"]),
            "final_ci95": [_json_float(final["macro_f1_ci_low"]), _json_float(final["macro_f1_ci_high"])],
            "area_under_curve": area_under_curve(curve),
        }
    winner = min(
        strategies,
        key=lambda s: (strategies[s]["labels_needed"] or float("inf"), -strategies[s]["area_under_curve"]),
    )
    share = strategies[winner]["share_of_random"]
    return {
        "target_macro_f1": target,
        "random_final_labelled": budget,
        "target_share": target_share,
        "winner": winner,
        "winner_share": share,
        "target_met": share is not None and share <= target_share,
        "strategies": strategies,
    }


def area_under_curve(curve: pd.DataFrame) -> float:
    """Mean macro-F1 over the labelling budget: the trapezoid area under the mean curve over its width."""
    x, y = curve["labelled"].to_numpy(dtype=float), curve["macro_f1_mean"].to_numpy(dtype=float)
    if len(x) < 2:
        return round(float(y[0]), 4) if len(y) else 0.0
    return round(float(np.sum((y[1:] + y[:-1]) / 2 * np.diff(x)) / (x[-1] - x[0])), 4)


def _json_float(value) -> float | None:
    return None if pd.isna(value) else float(value)


def curves_figure(curves: pd.DataFrame, summary: dict):
    """Left: learning curves with 95% bands, random's final score, where each curve reaches it.
    Right: each strategy's paired gain over random — the seed-set luck both share cancels, so
    differences the overlapping bands on the left hide can show here."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11.0, 4.4), dpi=100)
    for strategy, curve in curves.groupby("strategy", sort=False):
        curve = curve.sort_values("round")
        needed = summary["strategies"][strategy]["labels_needed"]
        name = f"{strategy} ({needed} labels)" if needed is not None else f"{strategy} (not reached)"
        (line,) = left.plot(curve["labelled"], curve["macro_f1_mean"], marker="o", markersize=3, label=name)
        colour = line.get_color()
        left.fill_between(
            curve["labelled"], curve["macro_f1_ci_low"], curve["macro_f1_ci_high"], color=colour, alpha=0.12
        )
        if needed is not None:
            left.axvline(needed, color=colour, linestyle=":", linewidth=0.8)
        if strategy != BASELINE and "gain_vs_random" in curve:
            right.plot(
                curve["labelled"], curve["gain_vs_random"], marker="o", markersize=3, color=colour, label=strategy
            )
            right.fill_between(curve["labelled"], curve["gain_ci_low"], curve["gain_ci_high"], color=colour, alpha=0.12)
    left.axhline(summary["target_macro_f1"], color="grey", linestyle="--", linewidth=0.8, label="random's final")
    left.set_xlabel("labelled statements")
    left.set_ylabel("test macro-F1")
    left.set_title(f"Mean over seeds, 95% t-interval — winner: {summary['winner']}", fontsize=10)
    left.legend(fontsize=8, loc="lower right")
    right.axhline(0.0, color="grey", linewidth=0.8)
    right.set_xlabel("labelled statements")
    right.set_ylabel("macro-F1 minus random's (same seed set)")
    right.set_title("Paired gain over random, 95% t-interval", fontsize=10)
    right.legend(fontsize=8, loc="upper left")
    figure.tight_layout()
    return figure

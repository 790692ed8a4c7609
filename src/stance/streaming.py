"""Out-of-core training and prediction: a million statements in bounded memory.

The in-memory pipelines (stance.models) learn a TF-IDF vocabulary, so the whole corpus
must be in memory and the saved model grows with it. Here the features are hashed
instead: a stateless `HashingVectorizer` union (word n-grams + char_wb n-grams, no
vocabulary, no IDF) feeds a linear model updated by `partial_fit` one chunk at a time.
Memory is bounded by the chunk size, and the model has the same size whether it saw a
thousand statements or a million (n_features × classes weights).

Everything here is a pure function over iterables of DataFrame chunks (columns `text`,
`label`); nothing reads params.yaml.

- `build_streaming_pipeline(params)`: the unfitted Pipeline.
- `fit_streaming(chunks_factory, classes, params)`: epochs × chunks of `partial_fit`.
- `predict_streaming(model, chunks, write_chunk)`: chunk in, chunk with predicted_label
  and p_<class> columns out.
- `read_chunks(path, chunk_size)`: a CSV as DataFrame chunks.

Vectorising is the cost (≈ 90% of the CPU time), and it is pure Python that holds the
GIL, so threads do not help: with `n_jobs > 1` chunks are vectorised (and, when
predicting, classified) in worker processes while the parent reads, fits and writes.
Results are consumed in chunk order, so a fit is identical for any n_jobs.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize
from tqdm.auto import tqdm

from stance.text import normalise

WORD_TOKEN_PATTERN = r"(?u)\b\w[\w']*\b"  # the in-memory word block's pattern (keeps "don't")


@dataclass(frozen=True)
class StreamingParams:
    """The knobs of the streaming recipe (proposed as train.* keys for mode: streaming).

    chunk_size: rows per partial_fit / predict step; memory grows linearly with it.
    epochs: passes over the data (rows are reshuffled within each chunk every epoch).
    n_features: hashing space of each block (word, char); the model holds
        2 × n_features × classes weights whatever the corpus size.
    classifier: sgd (SGDClassifier with `loss`) or complement_nb.
    loss: log_loss (calibrated-ish probabilities) or modified_huber; both give predict_proba.
    alpha: SGD regularisation, or ComplementNB smoothing.
    class_weight: balanced (weights from one extra pass counting labels) or none.
    n_jobs: worker processes that vectorise chunks (1: all in this process).
    """

    chunk_size: int = 20_000
    epochs: int = 1
    seed: int = 42
    n_features: int = 2**20
    word_ngram_max: int = 2
    char_ngram_min: int = 2
    char_ngram_max: int = 5
    classifier: Literal["sgd", "complement_nb"] = "sgd"
    loss: Literal["log_loss", "modified_huber"] = "modified_huber"
    alpha: float = 1e-5
    class_weight: Literal["balanced", "none"] = "none"
    n_jobs: int = 2

    def __post_init__(self):
        checks = {
            "chunk_size must be ≥ 1": self.chunk_size >= 1,
            "epochs must be ≥ 1": self.epochs >= 1,
            "n_features must be ≥ 2": self.n_features >= 2,
            "word_ngram_max must be 1..4": 1 <= self.word_ngram_max <= 4,
            "char n-gram range must satisfy 1 ≤ min ≤ max ≤ 8": 1 <= self.char_ngram_min <= self.char_ngram_max <= 8,
            "classifier must be sgd or complement_nb": self.classifier in ("sgd", "complement_nb"),
            "loss must be log_loss or modified_huber": self.loss in ("log_loss", "modified_huber"),
            "alpha must be > 0": self.alpha > 0,
            "class_weight must be balanced or none": self.class_weight in ("balanced", "none"),
            "n_jobs must be ≥ 1": self.n_jobs >= 1,
        }
        failed = [message for message, ok in checks.items() if not ok]
        if failed:
            raise ValueError("; ".join(failed))


class BatchHashingVectorizer(HashingVectorizer):
    """A HashingVectorizer that hashes each distinct word (or n-gram) of a batch once.

    Same parameters, same output matrix as `sklearn.feature_extraction.text.HashingVectorizer`
    (tests compare them entry for entry; column indices within a row may come unsorted,
    and entries that cancel out under alternate_sign are dropped rather than kept as
    explicit zeros), and as stateless. `HashingVectorizer` analyses every document in pure Python, which
    for char_wb n-grams costs ~160 µs per statement; here:

    - char_wb: a document's char_wb n-grams are the concatenation of its words' n-grams,
      so the distinct words of the batch are hashed once (a words × features matrix W)
      and the batch is (documents × word counts) @ W.
    - word: tokens are factorised to integer codes; n-grams are built from code windows
      with numpy, and only the distinct n-grams are turned into strings and hashed.

    Any other setting (analyzer "char" or a callable, a custom preprocessor, tokenizer,
    callable strip_accents, input other than "content", binary with alternate_sign,
    non-str documents) falls back to
    `HashingVectorizer.transform` unchanged.
    """

    def transform(self, X):
        if isinstance(X, str):
            return super().transform(X)  # raises sklearn's own error
        docs = X if isinstance(X, list) else list(X)
        if not docs or not self._fast_path_applies() or not all(type(doc) is str for doc in docs):
            return super().transform(docs)
        self._validate_ngram_range()
        with _gc_paused():
            matrix = self._char_wb_matrix(docs) if self.analyzer == "char_wb" else self._word_matrix(docs)
        if self.binary:
            matrix.data.fill(1)
        if self.norm is not None:
            matrix = normalize(matrix, norm=self.norm, copy=False)
        return matrix

    def _fast_path_applies(self) -> bool:
        return (
            self.analyzer in ("word", "char_wb")
            and self.input == "content"
            and self.preprocessor is None
            and not callable(self.strip_accents)
            and (self.analyzer != "word" or self.tokenizer is None)
            and not (self.binary and self.alternate_sign)  # sklearn sets cancelled collisions to 1 there
        )

    def _hash(self, features: Iterable[Iterable[str]]) -> sparse.csr_matrix:
        hasher = FeatureHasher(
            n_features=self.n_features, input_type="string", dtype=self.dtype, alternate_sign=self.alternate_sign
        )
        return sparse.csr_matrix(hasher.transform(features))

    def _char_wb_matrix(self, docs: list[str]) -> sparse.csr_matrix:
        preprocess = self.build_preprocessor()
        sentinel = "\x00"
        joined = preprocess(f" {sentinel} ".join(docs))
        tokens = joined.split()
        codes, words = pd.factorize(np.asarray(tokens, dtype=object))
        sentinel_code = np.flatnonzero(words == sentinel)
        is_boundary = codes == sentinel_code[0] if len(sentinel_code) else np.zeros(len(codes), dtype=bool)
        if int(is_boundary.sum()) != len(docs) - 1:  # a document contains the sentinel itself
            return self._char_wb_matrix_per_document(docs, preprocess)
        rows = np.cumsum(is_boundary)[~is_boundary]
        columns = codes[~is_boundary]
        per_word = self._hash(self._char_wb_ngrams(str(word)) for word in words)
        counts = sparse.csr_matrix(
            (np.ones(len(columns), dtype=self.dtype), (rows, columns)), shape=(len(docs), len(words))
        )
        return sparse.csr_matrix(counts @ per_word)

    def _char_wb_matrix_per_document(self, docs: list[str], preprocess) -> sparse.csr_matrix:
        split = [preprocess(doc).split() for doc in docs]
        lengths = np.fromiter((len(tokens) for tokens in split), dtype=np.int64, count=len(split))
        codes, words = pd.factorize(np.asarray(list(itertools.chain.from_iterable(split)), dtype=object))
        rows = np.repeat(np.arange(len(docs)), lengths)
        per_word = self._hash(self._char_wb_ngrams(str(word)) for word in words)
        counts = sparse.csr_matrix(
            (np.ones(len(codes), dtype=self.dtype), (rows, codes)), shape=(len(docs), len(words))
        )
        return sparse.csr_matrix(counts @ per_word)

    def _word_matrix(self, docs: list[str]) -> sparse.csr_matrix:
        preprocess, tokenize = self.build_preprocessor(), self.build_tokenizer()
        stop_words = self.get_stop_words()
        self._check_stop_words_consistency(stop_words, preprocess, tokenize)
        split = [tokenize(preprocess(doc)) for doc in docs]
        if stop_words is not None:
            split = [[token for token in tokens if token not in stop_words] for tokens in split]
        lengths = np.fromiter((len(tokens) for tokens in split), dtype=np.int64, count=len(split))
        codes, unigrams = pd.factorize(np.asarray(list(itertools.chain.from_iterable(split)), dtype=object))
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        min_n, max_n = self.ngram_range
        rows, ids, strings = [], [], []  # per n: occurrence rows, n-gram ids, n-gram strings
        previous = codes.astype(np.int64)  # id of the (n-1)-gram starting at each position, -1 if none
        previous_strings = np.asarray(unigrams, dtype=object)
        if min_n == 1:
            rows.append(doc_of)
            ids.append(previous)
            strings.append(previous_strings)
        n_tokens, n_unigrams = len(codes), max(len(unigrams), 1)
        for n in range(2, max_n + 1):
            starts = np.arange(max(n_tokens - n + 1, 0))
            valid = starts[(previous[starts] >= 0) & (doc_of[starts] == doc_of[starts + n - 1])]
            keys = previous[valid] * n_unigrams + codes[valid + n - 1]
            inverse, distinct = pd.factorize(keys)  # hash-based: no sort
            prefixes = previous_strings[distinct // n_unigrams]
            lasts = np.asarray(unigrams, dtype=object)[distinct % n_unigrams]
            gram_strings = np.asarray([f"{a} {b}" for a, b in zip(prefixes, lasts, strict=True)], dtype=object)
            current = np.full(n_tokens, -1, dtype=np.int64)
            current[valid] = inverse
            if n >= min_n:
                rows.append(doc_of[valid])
                ids.append(inverse)
                strings.append(gram_strings)
            previous, previous_strings = current, gram_strings
        offsets = np.cumsum([0] + [len(s) for s in strings])
        all_strings = np.concatenate(strings) if strings else np.empty(0, dtype=object)
        hashed = self._hash([s] for s in all_strings) if len(all_strings) else None
        columns = hashed.indices if hashed is not None else np.empty(0, dtype=np.int32)
        signs = hashed.data if hashed is not None else np.empty(0, dtype=self.dtype)
        occurrence_ids = np.concatenate([i + offsets[k] for k, i in enumerate(ids)]) if ids else np.empty(0, int)
        matrix = sparse.csr_matrix(
            (
                signs[occurrence_ids].astype(self.dtype, copy=False),
                (np.concatenate(rows) if rows else np.empty(0, int), columns[occurrence_ids]),
            ),
            shape=(len(docs), self.n_features),
        )
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return matrix


@contextmanager
def _gc_paused():
    """Pause the cyclic GC while millions of short-lived strings are made (it only slows that down)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_streaming_pipeline(params: StreamingParams = StreamingParams()) -> Pipeline:
    """The unfitted streaming model: hashed word + char_wb n-grams → SGD or ComplementNB.

    alternate_sign=False keeps every feature non-negative, which ComplementNB requires
    (and costs SGD nothing measurable at 2**20 features per block).
    """
    common = {"n_features": params.n_features, "alternate_sign": False, "lowercase": True, "norm": "l2"}
    features = FeatureUnion(
        [
            (
                "word",
                BatchHashingVectorizer(
                    analyzer="word",
                    ngram_range=(1, params.word_ngram_max),
                    token_pattern=WORD_TOKEN_PATTERN,
                    **common,
                ),
            ),
            (
                "char",
                BatchHashingVectorizer(
                    analyzer="char_wb", ngram_range=(params.char_ngram_min, params.char_ngram_max), **common
                ),
            ),
        ]
    )
    if params.classifier == "complement_nb":
        classifier = ComplementNB(alpha=params.alpha)
    else:
        classifier = SGDClassifier(
            loss=params.loss,
            alpha=params.alpha,
            random_state=params.seed,
            average=False,
            learning_rate="optimal",
        )
    return Pipeline([("features", features), ("classifier", classifier)])


ChunksFactory = Callable[[], Iterable[pd.DataFrame]]


def fit_streaming(
    chunks_factory: ChunksFactory,
    classes: Iterable[str],
    params: StreamingParams = StreamingParams(),
    *,
    progress: bool | None = None,
    total_rows: int | None = None,
) -> Pipeline:
    """Fit the streaming pipeline by partial_fit over `params.epochs` passes of the chunks.

    chunks_factory() must return a fresh iterable of DataFrames with `text` and `label`
    each time it is called (once per epoch, plus once to count labels when
    class_weight is balanced). Rows are shuffled within each chunk by a generator seeded
    with (seed, epoch, chunk number), so the fit depends only on the data and the seed.
    progress: tqdm bar on stderr; None shows it only when stderr is a terminal.
    """
    classes = np.asarray(sorted(classes), dtype=object)
    model = build_streaming_pipeline(params)
    features, classifier = model.named_steps["features"], model.named_steps["classifier"]
    if params.class_weight == "balanced" and params.classifier == "sgd":
        classifier.set_params(class_weight=_balanced_weights(chunks_factory, classes))
    features.fit([""])
    disable = _progress_disabled(progress)
    with _vectorising_pool(features, params.n_jobs) as pool:
        for epoch in range(params.epochs):
            bar = tqdm(
                total=total_rows, unit="rows", desc=f"fit epoch {epoch + 1}/{params.epochs}", disable=disable
            )
            batches = (_shuffled(chunk, params.seed, epoch, i) for i, chunk in enumerate(chunks_factory()))
            for (texts, labels), matrix in _vectorised(batches, features, pool, params.n_jobs):
                if len(labels):
                    classifier.partial_fit(matrix, labels, classes=classes)
                bar.update(len(labels))
            bar.close()
    if not hasattr(classifier, "classes_"):
        raise ValueError("fit_streaming: the chunks held no rows")
    return model


def predict_streaming(
    model: Pipeline,
    chunks: Iterable[pd.DataFrame],
    write_chunk: Callable[[pd.DataFrame], None],
    *,
    n_jobs: int = 2,
    progress: bool | None = None,
    total_rows: int | None = None,
) -> int:
    """Classify chunk by chunk; call write_chunk(chunk + predicted_label + p_<class>) for each.

    Texts are normalised as `stance predict` does (stance.text.normalise); probabilities
    are rounded to 6 decimals like predict_frame's. Returns the number of rows written.
    """
    written = 0
    bar = tqdm(total=total_rows, unit="rows", desc="predict", disable=_progress_disabled(progress))
    classes = list(model.classes_)
    pending = ((chunk, _texts_of(chunk)) for chunk in chunks)
    with _predicting_pool(model, n_jobs) as pool:
        for (chunk, _), probabilities in _in_order(
            pending, lambda item: _submit(pool, _predict_proba, item[1]), n_jobs
        ):
            out = chunk.copy()
            out["predicted_label"] = np.asarray(classes, dtype=object)[probabilities.argmax(axis=1)]
            for i, label in enumerate(classes):
                out[f"p_{label}"] = probabilities[:, i].round(6)
            write_chunk(out)
            written += len(out)
            bar.update(len(out))
    bar.close()
    return written


def read_chunks(path: str | Path, chunk_size: int = 20_000, columns: Iterable[str] | None = None) -> Iterator[pd.DataFrame]:
    """A CSV (with at least `text`; `label` too for training) as DataFrames of chunk_size rows."""
    usecols = list(columns) if columns is not None else None
    with pd.read_csv(
        path, chunksize=chunk_size, dtype=str, keep_default_na=False, usecols=usecols, encoding="utf-8"
    ) as reader:
        yield from reader


# -- internals -----------------------------------------------------------------------------------


def _progress_disabled(progress: bool | None) -> bool:
    if progress is None:
        return not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty())
    return not progress


def _texts_of(chunk: pd.DataFrame) -> list[str]:
    if "text" not in chunk.columns:
        raise ValueError(f"chunk has no 'text' column (columns: {', '.join(map(str, chunk.columns)) or 'none'})")
    return ["" if isinstance(t, float) and np.isnan(t) else str(t) for t in chunk["text"].tolist()]


def _shuffled(chunk: pd.DataFrame, seed: int, epoch: int, index: int) -> tuple[list[str], np.ndarray]:
    order = np.random.default_rng([seed, epoch, index]).permutation(len(chunk))
    texts = _texts_of(chunk)
    labels = chunk["label"].to_numpy(dtype=object)
    return [texts[i] for i in order], labels[order]


def _balanced_weights(chunks_factory: ChunksFactory, classes: np.ndarray) -> dict[str, float]:
    """n_samples / (n_classes × count), as class_weight='balanced' computes it."""
    counts = pd.Series(0, index=list(classes), dtype=np.int64)
    for chunk in chunks_factory():
        counts = counts.add(chunk["label"].value_counts(), fill_value=0)
    unknown = sorted(set(counts.index) - set(classes))
    if unknown:
        raise ValueError(f"labels {unknown} are not among the classes {list(classes)}")
    if (counts == 0).any():
        raise ValueError(f"no rows for class(es) {list(counts[counts == 0].index)}")
    return {label: float(counts.sum() / (len(classes) * counts[label])) for label in classes}


# A worker process keeps the transformer (or model) it was started with, so each task
# ships only texts in and a matrix (or probabilities) out.
_WORKER_STATE: dict[str, object] = {}


def _init_worker(name: str, obj) -> None:
    _WORKER_STATE[name] = obj


def _vectorise(texts: list[str]):
    return _WORKER_STATE["features"].transform(texts)


def _predict_proba(texts: list[str]) -> np.ndarray:
    model = _WORKER_STATE["model"]
    with _gc_paused():
        cleaned = [normalise(t) for t in texts]
    return model.predict_proba(cleaned) if cleaned else np.zeros((0, len(model.classes_)))


@contextmanager
def _pool(name: str, obj, n_jobs: int) -> Iterator[Executor | None]:
    if n_jobs <= 1:
        _WORKER_STATE[name] = obj
        try:
            yield None
        finally:
            _WORKER_STATE.pop(name, None)
        return
    # forkserver: safe in a parent that runs threads (pytest, dask) and starts quickly.
    context = multiprocessing.get_context("forkserver" if sys.platform != "win32" else "spawn")
    pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=context, initializer=_init_worker, initargs=(name, obj))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _vectorising_pool(features, n_jobs: int):
    return _pool("features", features, n_jobs)


def _predicting_pool(model, n_jobs: int):
    return _pool("model", model, n_jobs)


class _Done:
    """A finished result, shaped like a Future (for the n_jobs=1 path)."""

    def __init__(self, value):
        self._value = value

    def result(self):
        return self._value


def _submit(pool: Executor | None, function, argument):
    return _Done(function(argument)) if pool is None else pool.submit(function, argument)


def _in_order(items: Iterable, submit: Callable, n_jobs: int) -> Iterator[tuple]:
    """(item, result) in input order, keeping at most n_jobs + 1 tasks in flight."""
    window: deque = deque()
    for item in items:
        window.append((item, submit(item)))
        if len(window) > n_jobs:
            done_item, future = window.popleft()
            yield done_item, future.result()
    while window:
        done_item, future = window.popleft()
        yield done_item, future.result()


def _vectorised(batches: Iterable[tuple[list[str], np.ndarray]], features, pool, n_jobs: int):
    return _in_order(batches, lambda batch: _submit(pool, _vectorise, batch[0]), n_jobs)

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
  and p_<class> columns out (and, with flag=, rows with nothing to label left unlabelled
  and named in a `problem` column).
- `read_chunks(path, chunk_size)`: a CSV as DataFrame chunks.

Where the time goes (benchmarks/README.md has the figures): vectorising is most of it,
so `BatchHashingVectorizer` computes exactly what `HashingVectorizer` does, faster (~2x on
the shipped corpus with cold caches, ~10x once its word caches are warm).
Parallelism was measured and placed where it pays:
- predict: worker processes normalise, vectorise and classify (texts in, probabilities
  out: little to pickle) while the parent reads and writes; ~1.5x with 2 workers.
- fit: vectorised in this process. Shipping a chunk's matrix back from a worker
  process (~5.6 KB a statement) cost more than vectorising it; a background thread
  (n_jobs=2) overlaps vectorising with partial_fit, but the analyser holds the GIL and
  it measured no faster on 2 vCPUs, so n_jobs defaults to 1.
Results are consumed in chunk order, so a fit is identical for any n_jobs.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32
from tqdm.auto import tqdm

from stance.config import StreamingParams
from stance.prediction import with_predictions
from stance.text import normalise

DEFAULT_PARAMS = StreamingParams(n_jobs=1)
WORD_TOKEN_PATTERN = r"(?u)\b\w[\w']*\b"  # the in-memory word block's pattern (keeps "don't")


class BatchHashingVectorizer(HashingVectorizer):
    """A HashingVectorizer that hashes each distinct word (or n-gram) of a batch once.

    Same parameters, same output matrix as `sklearn.feature_extraction.text.HashingVectorizer`
    (tests compare them entry for entry; column indices within a row may come unsorted,
    and entries that cancel out under alternate_sign are dropped rather than kept as
    explicit zeros), and as stateless. `HashingVectorizer` analyses every document in
    pure Python, which for char_wb n-grams costs ~160 µs per statement; here:

    - char_wb: a document's char_wb n-grams are the concatenation of its words' n-grams,
      so each distinct word is hashed once into a row of a words × features matrix W
      (rows are memoised across batches, up to CACHE_WORDS words per setting) and
      the batch is (documents × word counts) @ W.
    - word: with a token pattern that cannot match across whitespace (sklearn's default,
      WORD_TOKEN_PATTERN), the regex runs once per distinct whitespace-separated piece
      (memoised too); tokens become integer codes, n-grams are built from code windows
      with numpy, and only the distinct n-grams of the batch become strings and hashes.
    - both split the batch once, joined by a sentinel; the word and char_wb blocks of a
      FeatureUnion reuse one split of the same texts.

    Any other setting (analyzer "char" or a callable, a custom preprocessor or tokenizer,
    callable strip_accents, input other than "content", binary with alternate_sign,
    non-str documents) falls back to `HashingVectorizer.transform` unchanged.
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

    def _hashed(self, strings: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Column and sign of each string, exactly as FeatureHasher computes them."""
        hashes = np.fromiter((murmurhash3_32(s, seed=0) for s in strings), dtype=np.int64, count=len(strings))
        columns = (np.abs(hashes) % self.n_features).astype(np.int32)
        signs = np.where(hashes >= 0, 1.0, -1.0) if self.alternate_sign else np.ones(len(strings))
        return columns, signs.astype(self.dtype, copy=False)

    # -- char_wb ---------------------------------------------------------------------------------

    def _char_wb_matrix(self, docs: list[str]) -> sparse.csr_matrix:
        rows, columns, words = _split_batch_once(self, docs)
        counts = sparse.csr_matrix(
            (np.ones(len(columns), dtype=self.dtype), (rows, columns)), shape=(len(docs), len(words))
        )
        return sparse.csr_matrix(counts @ self._word_rows(words))

    def _word_rows(self, words: list[str]) -> sparse.csr_matrix:
        """W: one row per word holding the hashed counts of its char_wb n-grams (memoised)."""
        key = (self.ngram_range, self.n_features, self.alternate_sign, self.lowercase, np.dtype(self.dtype).str)
        cache = _CHAR_CACHE.setdefault(key, {})
        missing = [w for w in words if w not in cache]
        fresh = {}
        if missing:
            hasher = FeatureHasher(
                n_features=self.n_features, input_type="string", dtype=self.dtype, alternate_sign=self.alternate_sign
            )
            block = sparse.csr_matrix(hasher.transform(self._char_wb_ngrams(w) for w in missing))
            room = CACHE_WORDS - len(cache)
            for i, word in enumerate(missing):
                span = slice(block.indptr[i], block.indptr[i + 1])
                fresh[word] = (block.indices[span].copy(), block.data[span].copy())
                if i < room:
                    cache[word] = fresh[word]
        entries = [cache.get(w) or fresh[w] for w in words]
        lengths = np.fromiter((len(e[0]) for e in entries), dtype=np.int64, count=len(entries))
        indptr = np.zeros(len(entries) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.concatenate([e[0] for e in entries]) if entries else np.empty(0, np.int32)
        data = np.concatenate([e[1] for e in entries]) if entries else np.empty(0, self.dtype)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(entries), self.n_features))

    # -- word ------------------------------------------------------------------------------------

    def _tokens(self, docs: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(document of each token, code of each token, distinct tokens) of the batch.

        With a token pattern whose tokens never contain whitespace and whose boundaries
        only look at word characters (_SEPARABLE_PATTERNS), the tokens of a text are the
        tokens of its whitespace-separated pieces in order; the distinct pieces of a batch
        are few, so the regex runs once per distinct piece (memoised across batches).
        """
        preprocess, tokenize = self.build_preprocessor(), self.build_tokenizer()
        stop_words = self.get_stop_words()
        self._check_stop_words_consistency(stop_words, preprocess, tokenize)
        if self.token_pattern in _SEPARABLE_PATTERNS:
            piece_rows, piece_codes, pieces = _split_batch_once(self, docs)
            cache = _TOKEN_CACHE.setdefault(self.token_pattern, {})
            room = CACHE_WORDS - len(cache)
            split = []
            for piece in pieces:
                tokens = cache.get(piece)
                if tokens is None:
                    tokens = tuple(tokenize(piece))
                    if room > 0:
                        cache[piece], room = tokens, room - 1
                split.append(tokens)
            per_piece = np.fromiter((len(t) for t in split), dtype=np.int64, count=len(split))
            piece_tokens, unique = pd.factorize(np.asarray(list(itertools.chain.from_iterable(split)), dtype=object))
            first = np.zeros(len(split), dtype=np.int64)
            np.cumsum(per_piece[:-1], out=first[1:])
            lengths = per_piece[piece_codes]
            skipped = np.cumsum(lengths) - lengths  # tokens before each piece, in batch order
            gather = np.repeat(first[piece_codes] - skipped, lengths) + np.arange(int(lengths.sum()))
            doc_of, codes = np.repeat(piece_rows, lengths), piece_tokens[gather].astype(np.int64)
            unique = unique.tolist()
            if stop_words is not None:
                keep = ~np.isin(codes, [i for i, token in enumerate(unique) if token in stop_words])
                doc_of, codes = doc_of[keep], codes[keep]
            return doc_of, codes, unique
        split = [tokenize(preprocess(doc)) for doc in docs]
        if stop_words is not None:
            split = [[token for token in tokens if token not in stop_words] for tokens in split]
        lengths = np.fromiter((len(tokens) for tokens in split), dtype=np.int64, count=len(split))
        codes, unique = pd.factorize(np.asarray(list(itertools.chain.from_iterable(split)), dtype=object))
        return np.repeat(np.arange(len(docs)), lengths), codes.astype(np.int64), unique.tolist()

    def _word_matrix(self, docs: list[str]) -> sparse.csr_matrix:
        doc_of, codes, unigrams = self._tokens(docs)
        min_n, max_n = self.ngram_range
        rows, ids, strings = [], [], []  # per n: occurrence rows, n-gram ids, distinct n-gram strings
        previous, previous_strings = codes, unigrams  # (n-1)-gram id at each start position, -1 if none
        if min_n == 1:
            rows.append(doc_of)
            ids.append(codes)
            strings.append(unigrams)
        n_tokens, n_unigrams = len(codes), max(len(unigrams), 1)
        for n in range(2, max_n + 1):
            starts = np.arange(max(n_tokens - n + 1, 0))
            valid = starts[(previous[starts] >= 0) & (doc_of[starts] == doc_of[starts + n - 1])]
            inverse, distinct = pd.factorize(previous[valid] * n_unigrams + codes[valid + n - 1])
            grams = [f"{previous_strings[k // n_unigrams]} {unigrams[k % n_unigrams]}" for k in distinct.tolist()]
            current = np.full(n_tokens, -1, dtype=np.int64)
            current[valid] = inverse
            if n >= min_n:
                rows.append(doc_of[valid])
                ids.append(inverse.astype(np.int64))
                strings.append(grams)
            previous, previous_strings = current, grams
        offsets = np.cumsum([0] + [len(s) for s in strings])
        columns, signs = self._hashed(list(itertools.chain.from_iterable(strings)))
        occurrences = np.concatenate([i + offsets[k] for k, i in enumerate(ids)])
        matrix = sparse.csr_matrix(
            (signs[occurrences], (np.concatenate(rows), columns[occurrences])), shape=(len(docs), self.n_features)
        )
        matrix.sum_duplicates()
        matrix.eliminate_zeros()
        return matrix


CACHE_WORDS = 200_000  # memoised words per setting (char_wb: ~0.5 KB a word; word: ~0.1 KB)
_CHAR_CACHE: dict[tuple, dict[str, tuple[np.ndarray, np.ndarray]]] = {}
_TOKEN_CACHE: dict[str, dict[str, tuple[str, ...]]] = {}
_SENTINEL = "\x00"  # separates documents in a joined batch: a whitespace-delimited piece of its own
_SEPARABLE_PATTERNS = frozenset({r"(?u)\b\w\w+\b", WORD_TOKEN_PATTERN})  # sklearn's default and ours


_LAST_SPLIT = threading.local()  # the word and char_wb blocks of a union split the same batch


def _split_batch_once(vectoriser: HashingVectorizer, docs: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """_split_batch, reusing the previous result when the same texts come again with the same
    preprocessing (the second block of a FeatureUnion). The texts are compared, not just
    the list's identity (~0.01 µs a text: equal strings are usually the same objects)."""
    key = (vectoriser.lowercase, vectoriser.strip_accents)
    last = getattr(_LAST_SPLIT, "value", None)
    if last is not None and last[0] == key and last[1] == docs:
        return last[2]
    result = _split_batch(docs, vectoriser.build_preprocessor())
    _LAST_SPLIT.value = (key, list(docs), result)
    return result


def _split_batch(docs: list[str], preprocess) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(document of each whitespace-separated piece, its code, the distinct pieces) of a batch.

    One preprocess + split over the batch joined by a sentinel piece (which also opens it,
    so that it gets code 0); document by document if a document holds the sentinel itself.
    """
    pieces = preprocess(f" {_SENTINEL} ".join(["", *docs])).split()
    codes, distinct = pd.factorize(np.asarray(pieces, dtype=object))
    is_boundary = codes == 0
    if int(is_boundary.sum()) == len(docs):
        rows = np.cumsum(is_boundary)[~is_boundary] - 1
        return rows, (codes[~is_boundary] - 1).astype(np.int64), distinct[1:].tolist()
    split = [preprocess(doc).split() for doc in docs]
    lengths = np.fromiter((len(t) for t in split), dtype=np.int64, count=len(split))
    codes, distinct = pd.factorize(np.asarray(list(itertools.chain.from_iterable(split)), dtype=object))
    return np.repeat(np.arange(len(docs)), lengths), codes.astype(np.int64), distinct.tolist()


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


def build_streaming_pipeline(params: StreamingParams = DEFAULT_PARAMS) -> Pipeline:
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
            learning_rate="optimal",
        )
    return Pipeline([("features", features), ("classifier", classifier)])


ChunksFactory = Callable[[], Iterable[pd.DataFrame]]


def fit_streaming(
    chunks_factory: ChunksFactory,
    classes: Iterable[str],
    params: StreamingParams = DEFAULT_PARAMS,
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
    with _vectorising_pool(params.n_jobs) as pool:

        def vectorise(batch: tuple[list[str], np.ndarray]):
            return _submit(pool, features.transform, batch[0])

        for epoch in range(params.epochs):
            bar = tqdm(total=total_rows, unit="rows", desc=f"fit epoch {epoch + 1}/{params.epochs}", disable=disable)
            batches = (_shuffled(chunk, params.seed, epoch, i) for i, chunk in enumerate(chunks_factory()))
            for (_, labels), matrix in _in_order(batches, vectorise, ahead=1 if pool is not None else 0):
                if len(labels):
                    classifier.partial_fit(matrix, labels, classes=classes)
                bar.update(len(labels))
            bar.close()
    if not hasattr(classifier, "classes_"):
        raise ValueError("fit_streaming: the chunks held no rows")
    if hasattr(classifier, "coef_"):
        # Column-major weights make coef_.T C-contiguous, so predict_proba stops copying the
        # whole weight matrix on every call (~15 ms a call at 2 x 2**20 features).
        # To resume partial_fit on this model, first set coef_ = np.ascontiguousarray(coef_).
        classifier.coef_ = np.asfortranarray(classifier.coef_)
    return model


def predict_streaming(
    model: Pipeline,
    chunks: Iterable[pd.DataFrame],
    write_chunk: Callable[[pd.DataFrame], None],
    *,
    n_jobs: int = 2,
    progress: bool | None = None,
    total_rows: int | None = None,
    flag: Callable[[list[str]], list[str]] | None = None,
) -> int:
    """Classify chunk by chunk; call write_chunk(chunk + predicted_label + p_<class>) for each.

    Texts are normalised as `stance predict` does (stance.text.normalise); probabilities
    are rounded to 6 decimals like predict_frame's; predicted_label is model.predict's
    label (the probability argmax, with ties broken by the decision scores). With
    n_jobs > 1, worker processes normalise, vectorise and classify while this process
    reads and writes; the model is sent to each worker once. Returns the rows written.

    flag: given a chunk's normalised texts, each one's problem ("" if none), e.g.
    partial(stance.prediction.text_problems, max_chars=...). Rows with a problem are not
    classified: their predicted_label and p_* cells stay empty, and a `problem` column
    says why (stance.prediction.with_predictions). It runs where the texts are normalised
    (in the workers), so it must pickle. Without flag every row is labelled.
    """
    written = 0
    bar = tqdm(total=total_rows, unit="rows", desc="predict", disable=_progress_disabled(progress))
    classes = list(model.classes_)
    pending = ((chunk, _texts_of(chunk)) for chunk in chunks)
    with _predicting_pool(model, n_jobs) as pool:

        def classify(item: tuple[pd.DataFrame, list[str]]):
            if pool is None:
                return _Done(_labels_and_probabilities(model, item[1], flag))
            return pool.submit(_predict_in_worker, item[1], flag)

        for (chunk, _), (probabilities, best, problems) in _in_order(pending, classify, ahead=n_jobs if pool else 0):
            out = with_predictions(chunk, classes, probabilities, best, problems)
            write_chunk(out)
            written += len(out)
            bar.update(len(out))
    bar.close()
    return written


def read_chunks(
    path: str | Path, chunk_size: int = 10_000, columns: Iterable[str] | None = None
) -> Iterator[pd.DataFrame]:
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
    return chunk["text"].fillna("").astype(str).tolist()


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


def _labels_and_probabilities(
    model, texts: list[str], flag: Callable[[list[str]], list[str]] | None = None
) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """(probabilities, index of the predicted class, problems) of texts, normalised first.

    The predicted class is the argmax of the probabilities, except where several classes
    tie for the maximum (modified_huber clips scores, so two classes can both reach
    p = 0.5): there model.predict, i.e. the argmax of the raw decision scores, decides.
    With flag, problems holds each text's problem and only the texts without one are
    classified (one row of probabilities each); without, problems is None.
    """
    with _gc_paused():
        cleaned = normalise_batch(texts)
    problems = flag(cleaned) if flag is not None else None
    if problems is not None:
        cleaned = [text for text, problem in zip(cleaned, problems, strict=True) if not problem]
    if not cleaned:
        return np.zeros((0, len(model.classes_))), np.zeros(0, dtype=np.int64), problems
    probabilities = model.predict_proba(cleaned)
    best = probabilities.argmax(axis=1)
    tied = np.flatnonzero((probabilities == probabilities.max(axis=1, keepdims=True)).sum(axis=1) > 1)
    if len(tied):
        index = {label: i for i, label in enumerate(model.classes_)}
        best[tied] = [index[label] for label in model.predict([cleaned[i] for i in tied])]
    return probabilities, best, problems


# A prediction worker process holds the model it was started with, so each task ships
# only texts in and probabilities out.
_WORKER_MODEL: list = []


def _init_worker(model) -> None:
    _WORKER_MODEL[:] = [model]


def _predict_in_worker(texts: list[str], flag=None) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    return _labels_and_probabilities(_WORKER_MODEL[0], texts, flag)


def normalise_batch(texts: list[str]) -> list[str]:
    """[stance.text.normalise(t) for t in texts], skipping texts that are already normal.

    normalise folds typographic quotes (all non-ASCII), applies NFC (a no-op on ASCII),
    collapses whitespace and strips, and unwraps a quotation wrapping the whole text. So
    an ASCII text with single spaces only, no edge space and no wrapping quotes is
    returned as is (about 1 µs instead of 6); every other text goes through normalise.
    tests/test_streaming.py checks the equivalence on tricky inputs.
    """
    out = []
    for text in texts:
        if not (text.isascii() and " ".join(text.split()) == text) or (
            len(text) >= 2 and text[0] in "\"'" and text[-1] == text[0]
        ):
            text = normalise(text)
        out.append(text)
    return out


@contextmanager
def _predicting_pool(model, n_jobs: int) -> Iterator[Executor | None]:
    """None (classify inline) or n_jobs worker processes, each holding a copy of the model."""
    if n_jobs <= 1:
        yield None
        return
    # forkserver: safe in a parent that runs threads (pytest, dask, tqdm) and starts quickly.
    context = multiprocessing.get_context("forkserver" if sys.platform != "win32" else "spawn")
    if context.get_start_method() == "forkserver":
        context.set_forkserver_preload(["stance.streaming"])  # workers fork with the imports done
    pool = ProcessPoolExecutor(max_workers=n_jobs, mp_context=context, initializer=_init_worker, initargs=(model,))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def _vectorising_pool(n_jobs: int) -> Iterator[Executor | None]:
    """None (vectorise inline) or one thread that vectorises the next chunks during partial_fit."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stance-vectorise") if n_jobs > 1 else None
    try:
        yield pool
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class _Done:
    """A finished result, shaped like a Future (for the n_jobs=1 path)."""

    def __init__(self, value):
        self._value = value

    def result(self):
        return self._value


def _submit(pool: Executor | None, function, *arguments):
    return _Done(function(*arguments)) if pool is None else pool.submit(function, *arguments)


def _in_order(items: Iterable, submit: Callable, ahead: int) -> Iterator[tuple]:
    """(item, result) in input order, with up to `ahead` further items submitted meanwhile."""
    window: deque = deque()
    for item in items:
        window.append((item, submit(item)))
        if len(window) > ahead:
            done_item, future = window.popleft()
            yield done_item, future.result()
    while window:
        done_item, future = window.popleft()
        yield done_item, future.result()

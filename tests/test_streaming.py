"""Out-of-core training and prediction (issue: Scale)."""

from __future__ import annotations

import importlib.util
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion

from stance.config import TrainParams, load_params
from stance.io import list_batches, read_batch
from stance.models import build_pipeline
from stance.stages.clean import clean_batches
from stance.streaming import (
    WORD_TOKEN_PATTERN,
    BatchHashingVectorizer,
    StreamingParams,
    build_streaming_pipeline,
    fit_streaming,
    normalise_batch,
    predict_streaming,
    read_chunks,
)
from stance.text import normalise

ROOT = Path(__file__).resolve().parents[1]
CLASSES = ["neutral", "threat", "warning"]


def _load_synth():
    spec = importlib.util.spec_from_file_location("bench_synth", ROOT / "benchmarks" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


synth = _load_synth()


def chunked(frame: pd.DataFrame, size: int):
    return lambda: (frame.iloc[i : i + size] for i in range(0, len(frame), size))


@pytest.fixture(scope="module")
def synthetic() -> tuple[pd.DataFrame, pd.DataFrame]:
    table = synth.generate(5000, seed=3)
    return table.iloc[:4000].reset_index(drop=True), table.iloc[4000:].reset_index(drop=True)


@pytest.fixture(scope="module")
def fitted(synthetic):
    train, _ = synthetic
    return fit_streaming(chunked(train, 1000), CLASSES, StreamingParams(chunk_size=1000, epochs=2, n_jobs=1))


def test_synthetic_generator_is_seeded_and_shaped():
    first, again = synth.generate(2000, seed=5), synth.generate(2000, seed=5)
    assert first.equals(again) and not first.equals(synth.generate(2000, seed=6))
    words = first["text"].str.split().str.len()
    assert words.between(15, 35).all()
    share = first["label"].value_counts(normalize=True)
    assert abs(share["neutral"] - 0.45) < 0.04 and abs(share["warning"] - 0.27) < 0.04
    assert abs(share["threat"] - 0.28) < 0.04
    assert first["text"].nunique() > 1990


def test_streaming_fit_reaches_a_sane_macro_f1(fitted, synthetic):
    _, held_out = synthetic
    predicted = fitted.predict(held_out["text"].tolist())
    assert f1_score(held_out["label"], predicted, average="macro") > 0.8


def test_same_seed_gives_identical_probabilities_whatever_the_workers(synthetic):
    train, held_out = synthetic
    texts = held_out["text"].tolist()
    params = StreamingParams(chunk_size=800, epochs=1, seed=11, n_jobs=1)
    one = fit_streaming(chunked(train, 800), CLASSES, params).predict_proba(texts)
    again = fit_streaming(chunked(train, 800), CLASSES, params).predict_proba(texts)
    workers = fit_streaming(chunked(train, 800), CLASSES, params.model_copy(update={"n_jobs": 2}))
    assert np.array_equal(one, again)
    assert np.array_equal(one, workers.predict_proba(texts))
    other_seed = fit_streaming(chunked(train, 800), CLASSES, params.model_copy(update={"seed": 12}))
    assert not np.array_equal(one, other_seed.predict_proba(texts))


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_predict_streaming_writes_every_row_in_chunks(fitted, synthetic, n_jobs):
    _, held_out = synthetic
    written = []
    count = predict_streaming(fitted, chunked(held_out, 300)(), written.append, n_jobs=n_jobs)
    assert count == len(held_out) and [len(c) for c in written] == [300, 300, 300, 100]
    out = pd.concat(written)
    assert out["text"].tolist() == held_out["text"].tolist()
    probabilities = out[[f"p_{c}" for c in CLASSES]].to_numpy()
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    best = probabilities.max(axis=1)
    chosen = out[[f"p_{c}" for c in CLASSES]].to_numpy()[np.arange(len(out)), out["predicted_label"].map(CLASSES.index)]
    assert np.array_equal(chosen, best)  # the predicted label has the highest probability
    assert out["predicted_label"].tolist() == list(fitted.predict(held_out["text"].tolist()))


def test_predicted_label_is_models_prediction_even_when_probabilities_tie(synthetic):
    train, held_out = synthetic
    model = fit_streaming(chunked(train, 1000), CLASSES, StreamingParams(loss="modified_huber", alpha=1e-4))
    written = []
    predict_streaming(model, [held_out], written.append, n_jobs=1)
    probabilities = written[0][[f"p_{c}" for c in CLASSES]].to_numpy()
    ties = (probabilities == probabilities.max(axis=1, keepdims=True)).sum(axis=1) > 1
    assert ties.any()  # modified_huber clips scores, so some statements tie at the top
    assert written[0]["predicted_label"].tolist() == list(model.predict(held_out["text"].tolist()))


def test_read_chunks_yields_the_right_number_of_chunks(tmp_path):
    table = synth.generate(2500, seed=1)
    path = tmp_path / "statements.csv"
    table.to_csv(path, index=False)
    chunks = list(read_chunks(path, chunk_size=1000))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    assert pd.concat(chunks)["text"].tolist() == table["text"].tolist()


def test_complement_nb_streams_too(synthetic):
    train, held_out = synthetic
    model = fit_streaming(
        chunked(train, 1000), CLASSES, StreamingParams(classifier="complement_nb", alpha=0.001, n_jobs=1)
    )
    assert f1_score(held_out["label"], model.predict(held_out["text"].tolist()), average="macro") > 0.8


def test_balanced_class_weight_counts_labels_first(synthetic):
    train, _ = synthetic
    model = fit_streaming(chunked(train, 1000), CLASSES, StreamingParams(class_weight="balanced", n_jobs=1))
    weights = model.named_steps["classifier"].class_weight
    assert weights["neutral"] < 1 < weights["warning"]


def test_bad_params_are_refused():
    with pytest.raises(ValueError, match="chunk_size"):
        StreamingParams(chunk_size=0)
    with pytest.raises(ValueError, match="char_ngram_min"):
        StreamingParams(char_ngram_min=4, char_ngram_max=3)


TRICKY = [
    "",
    "  ",
    "Don't  stop\tthe   WAR!!",
    "a",
    "ΟΔΟΣ Σ",
    "x\x00y z",
    "über café naïve",
    "one two three four five",
    "zzstancedocumentbreakzz inside",
    "l'état c'est moi — n'est-ce pas?",
]


@pytest.mark.parametrize(
    "settings",
    [
        {"analyzer": "word", "ngram_range": (1, 2), "token_pattern": WORD_TOKEN_PATTERN},
        {"analyzer": "word", "ngram_range": (1, 1)},
        {"analyzer": "word", "ngram_range": (2, 3)},
        {"analyzer": "word", "ngram_range": (1, 4), "stop_words": "english"},
        {"analyzer": "char_wb", "ngram_range": (2, 5)},
        {"analyzer": "char_wb", "ngram_range": (1, 3), "strip_accents": "unicode", "lowercase": False},
        {"analyzer": "word", "alternate_sign": True, "n_features": 64},
        {"analyzer": "char_wb", "alternate_sign": True, "n_features": 64, "norm": "l1"},
        {"analyzer": "char", "ngram_range": (2, 3)},  # falls back to HashingVectorizer
    ],
)
def test_batch_hashing_equals_hashing_vectorizer(settings):
    texts = synth.generate(300, seed=2)["text"].tolist()
    for docs in (texts, TRICKY, texts[:5] + TRICKY):
        expected = HashingVectorizer(**settings).transform(docs)
        actual = BatchHashingVectorizer(**settings).transform(docs)
        assert actual.shape == expected.shape
        assert (actual != expected).nnz == 0


def test_union_blocks_share_one_split_but_never_a_stale_one():
    union = build_streaming_pipeline(StreamingParams(n_features=2**12)).named_steps["features"]
    reference = FeatureUnion(
        [(name, HashingVectorizer(**block.get_params())) for name, block in union.transformer_list]
    )
    docs = ["We will respond in kind.", "Talks resumed on Tuesday."]
    assert (union.transform(docs) != reference.transform(docs)).nnz == 0
    docs[0] = "They are playing with fire."  # the same list, changed in place
    assert (union.transform(docs) != reference.transform(docs)).nnz == 0
    shouting = BatchHashingVectorizer(analyzer="char_wb", lowercase=False, n_features=2**12)
    assert (shouting.transform(docs) != HashingVectorizer(**shouting.get_params()).transform(docs)).nnz == 0


def test_batch_hashing_is_stateless_and_clonable():
    vectoriser = BatchHashingVectorizer(analyzer="char_wb", ngram_range=(2, 4), n_features=2**10)
    first = vectoriser.transform(["one statement", "another"])
    vectoriser.transform(["some other words entirely"] * 3)
    assert (vectoriser.transform(["one statement", "another"]) != first).nnz == 0
    assert vectoriser.get_params()["ngram_range"] == (2, 4)


def test_normalise_batch_equals_normalise():
    texts = [
        '  "Hello"  ',
        "'a'",
        '"',
        '""',
        "\u201cquoted\u201d text",
        "x\u00a0\u2003y",
        "e\u0301",
        "\u0301start",
        "'it's'",
        "  ",
        "",
        "a\nb\t c",
        '"a" b "c"',
        "\u2018single\u2019",
        'nested "q" ',
        "a\x00b",
        "plain ascii text.",
        "\x1ctab\x1fsep",
    ]
    texts += synth.generate(200, seed=4)["text"].tolist()
    assert normalise_batch(texts) == [normalise(t) for t in texts]


def test_streaming_model_round_trips_through_skops(fitted, tmp_path):
    path = tmp_path / "model.skops"
    sio.dump(fitted, path, compression=zipfile.ZIP_DEFLATED)
    untrusted = sio.get_untrusted_types(file=path)
    assert untrusted == ["stance.streaming.BatchHashingVectorizer"]
    loaded = sio.load(path, trusted=untrusted)
    texts = ["We will respond with force if the drills continue.", "Talks resumed on Tuesday."]
    assert np.array_equal(loaded.predict_proba(texts), fitted.predict_proba(texts))


def test_streaming_prediction_csv_round_trip(fitted, tmp_path, synthetic):
    _, held_out = synthetic
    source = tmp_path / "in.csv"
    held_out.to_csv(source, index=False)
    buffer = io.StringIO()
    header = [True]

    def write(frame):
        frame.to_csv(buffer, index=False, header=header[0])
        header[0] = False

    predict_streaming(fitted, read_chunks(source, 256), write, n_jobs=1)
    back = pd.read_csv(io.StringIO(buffer.getvalue()))
    assert len(back) == len(held_out)
    assert list(back.columns) == ["text", "label", "predicted_label", "p_neutral", "p_threat", "p_warning"]


# The corpus recipe: ~2,000 training statements fit in one chunk, so SGD needs several passes
# (the in-memory SGD runs up to 50); at a million statements one epoch is enough.
CORPUS_RECIPE = StreamingParams(chunk_size=5000, epochs=10)


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    params = load_params(ROOT / "params.yaml").clean
    return clean_batches([read_batch(p, params.columns) for p in list_batches(ROOT / "data/raw")], params).statements


def test_streaming_features_equal_sklearn_hashing_on_the_shipped_corpus(corpus):
    union = build_streaming_pipeline(CORPUS_RECIPE).named_steps["features"]
    reference = FeatureUnion(
        [(name, HashingVectorizer(**block.get_params())) for name, block in union.transformer_list]
    )
    texts = corpus["text"].tolist()
    assert (union.transform(texts) != reference.transform(texts)).nnz == 0


def test_streaming_matches_in_memory_macro_f1_on_the_shipped_corpus(corpus):
    """Streaming (hashed, no IDF, SGD) vs the in-memory TF-IDF word+char concat model.

    One ~560-statement test set moves macro-F1 by ±0.02 from split to split, so the two
    are compared on the mean over three stratified 80/20 splits (over ten splits the
    streaming recipe trails by 0.011 on average, 0.024 at most).
    """
    reference, streaming = [], []
    for seed in (0, 1, 2):
        train, test = train_test_split(corpus, test_size=0.2, stratify=corpus["label"], random_state=seed)
        texts = test["text"].tolist()
        in_memory = build_pipeline(TrainParams(features=("word", "char"), combine="concat"))
        in_memory.fit(train["text"].tolist(), train["label"].to_numpy())
        reference.append(f1_score(test["label"], in_memory.predict(texts), average="macro"))
        model = fit_streaming(chunked(train, CORPUS_RECIPE.chunk_size), CLASSES, CORPUS_RECIPE)
        streaming.append(f1_score(test["label"], model.predict(texts), average="macro"))
    gap = float(np.mean(reference) - np.mean(streaming))
    print(f"in-memory {np.round(reference, 4)}, streaming {np.round(streaming, 4)}, mean gap {gap:+.4f}")
    assert abs(gap) <= 0.03

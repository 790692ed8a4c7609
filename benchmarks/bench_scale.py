"""Scale benchmark: streaming train/predict on synthetic statements vs bare scikit-learn.

    python benchmarks/bench_scale.py --n 1000000

generates (or reuses, under benchmarks/.cache/) a synthetic CSV of --n statements, then runs
each step in its own child process and prints one table:

  a. stream train     stance.streaming.fit_streaming over read_chunks(CSV)
  b. stream predict   stance.streaming.predict_streaming, CSV → CSV in chunks
  c. bare train/predict  the same work as a plain scikit-learn script (HashingVectorizer
                      union + SGDClassifier.partial_fit loop, predict loop), no stance imports
  d. in-memory train  stance's stage (train_model(build_pipeline(TrainParams(**chosen))))
                      on the shipped corpus vs the same pipeline objects built directly
  e. model files      skops size, save and load time: streaming model at 100k and --n rows,
                      and a TF-IDF (in-memory) model at 100k for contrast

wall s is the step's own work inside the child (interpreter start and imports excluded,
worker start-up included). Peak RSS is sampled every 20 ms over the child's whole process
tree (child + worker processes, RSS summed: shared pages count twice, so it errs high);
"max 1 proc" is ru_maxrss from os.wait4, the largest single process of the tree.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CACHE = HERE / ".cache"
CLASSES = ["neutral", "threat", "warning"]
CORPUS = ROOT / "data" / "clean" / "statements.csv"
SELECTION = ROOT / "reports" / "selection.json"


# -- parent: orchestration ------------------------------------------------------------------------


def synth_path(n: int, seed: int) -> Path:
    """The cached CSV for (n, seed), named after the generator's source so edits regenerate it."""
    version = hashlib.sha256((HERE / "synth.py").read_bytes()).hexdigest()[:10]
    return CACHE / f"synth-{n}-seed{seed}-{version}.csv"


def ensure_data(n: int, seed: int) -> Path:
    path = synth_path(n, seed)
    if not path.is_file():
        print(f"generating {n:,} synthetic statements → {path}", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, str(HERE / "synth.py"), "--n", str(n), "--seed", str(seed), "--out", str(path)],
            check=True,
        )
    return path


def run_child(step: str, config: dict) -> dict:
    """Run one step in a child process; return its JSON result plus peak RSS figures."""
    import psutil

    command = [sys.executable, str(Path(__file__).resolve()), "--child", step, "--config", json.dumps(config)]
    load_before = os.getloadavg()[0]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = {"rss": 0, "pss": 0}
    done = threading.Event()

    def sample():
        try:
            root = psutil.Process(process.pid)
        except psutil.Error:
            return
        while not done.is_set():
            rss = pss = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.Error:
                tree = []
            for proc in tree:
                with contextlib.suppress(psutil.Error, OSError):
                    rss += proc.memory_info().rss
                    pss += _pss(proc.pid)
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"step {step} failed (exit {process.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_rss_mib"] = max(peak["rss"], usage.ru_maxrss * 1024) / 2**20
    result["peak_pss_mib"] = peak["pss"] / 2**20
    result["max_proc_rss_mib"] = usage.ru_maxrss / 1024
    result["load_before"] = load_before
    return result


def _pss(pid: int) -> int:
    """Proportional set size in bytes (shared pages divided among the processes sharing them)."""
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic statements (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--chunk-size", type=int, default=None, help="default: StreamingParams().chunk_size")
    parser.add_argument("--n-features", type=int, default=None, help="per block; default: StreamingParams()")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--alpha", type=float, default=None)
    parser.add_argument("--fit-jobs", type=int, default=None, help="StreamingParams.n_jobs for training")
    parser.add_argument("--predict-jobs", type=int, default=2, help="worker processes for prediction")
    parser.add_argument("--skip", default="", help="comma-separated steps to skip: a,b,c,d,e")
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs of each side of step d (min kept)")
    parser.add_argument("--json", default=None, help="also write all results to this JSON file")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--config", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child, json.loads(args.config))

    from stance.streaming import StreamingParams

    skip = set(filter(None, args.skip.split(",")))
    data = ensure_data(args.n, args.seed)
    small = ensure_data(100_000, args.seed) if "e" not in skip else data
    given = {
        "chunk_size": args.chunk_size,
        "n_features": args.n_features,
        "epochs": args.epochs,
        "alpha": args.alpha,
        "n_jobs": args.fit_jobs,
    }
    overrides = {key: value for key, value in given.items() if value is not None}
    resolved = StreamingParams(**overrides).model_dump()
    common = {"params": overrides, "resolved": resolved, "rows": args.n, "predict_jobs": args.predict_jobs}
    CACHE.mkdir(exist_ok=True)
    model_big, model_small = CACHE / f"stream-{args.n}.skops", CACHE / "stream-100000.skops"
    predicted = CACHE / f"predicted-{args.n}.csv"
    results: dict[str, dict] = {}

    def step(name: str, child: str, config: dict) -> dict:
        print(f"running {name} …", file=sys.stderr, flush=True)
        results[name] = run_child(child, config)
        return results[name]

    print(f"streaming recipe: {resolved}; predict workers: {args.predict_jobs}", file=sys.stderr)
    if "a" not in skip:
        step("stream train", "stream_train", {**common, "data": str(data), "model": str(model_big)})
    if "b" not in skip:
        config = {**common, "data": str(data), "model": str(model_big), "out": str(predicted)}
        step("stream predict", "stream_predict", config)
    if "c" not in skip:
        step("bare train", "bare_train", {**common, "data": str(data)})
        step("bare predict", "bare_predict", {**common, "data": str(data), "out": f"{predicted}.bare"})
    if "d" not in skip:
        if CORPUS.is_file() and SELECTION.is_file():
            from stance.config import TrainParams

            chosen = json.loads(SELECTION.read_text(encoding="utf-8"))["overrides"]
            config = {"chosen": chosen, "resolved_train": TrainParams(**chosen).model_dump(mode="json")}
            runs: dict[str, list[dict]] = {"stance": [], "bare": []}
            for _ in range(args.repeats):  # alternate, so that drifting load hits both sides alike
                for kind in runs:
                    print(f"running in-memory {kind} …", file=sys.stderr, flush=True)
                    runs[kind].append(run_child(f"inmemory_{kind}", config))
            for kind, kind_runs in runs.items():
                best = min(kind_runs, key=lambda r: r["wall"])
                results[f"in-memory {kind}"] = {**best, "walls": [round(r["wall"], 2) for r in kind_runs]}
            step("vectorise corpus, stance", "corpus_vectorise", {**common, "kind": "stance"})
            step("vectorise corpus, sklearn", "corpus_vectorise", {**common, "kind": "sklearn"})
        else:
            print(f"step d skipped: {CORPUS} or {SELECTION} missing", file=sys.stderr)
    if "e" not in skip:
        config = {**common, "rows": 100_000, "data": str(small), "model": str(model_small)}
        step("stream train 100k", "stream_train", config)
        step("tfidf train 100k", "tfidf_train", {"data": str(small), "model": str(CACHE / "tfidf-100000.skops")})
        for label, path in (
            ("stream 100k", model_small),
            (f"stream {args.n:,}", model_big),
            ("tfidf 100k", CACHE / "tfidf-100000.skops"),
        ):
            if path.is_file():
                step(f"skops {label}", "skops_roundtrip", {"model": str(path)})
    print(render(results, args.n))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


BARE_OF = {
    "stream train": "bare train",
    "stream predict": "bare predict",
    "in-memory stance": "in-memory bare",
    "vectorise corpus, stance": "vectorise corpus, sklearn",
}


def render(results: dict[str, dict], n: int) -> str:
    """The results as Markdown: timings, model files, targets, notes."""
    out = [
        "| step | rows | wall s | statements/s | peak RSS MiB (tree) | peak PSS MiB (tree) | max 1 proc MiB "
        "| ratio to bare |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        if name.startswith("skops"):
            continue
        bare = results.get(BARE_OF.get(name, ""), {})
        ratio = f"{r['wall'] / bare['wall']:.2f}" if bare.get("wall") else ""
        out.append(
            f"| {name} | {r['rows']:,} | {r['wall']:.1f} | {r['rows'] / r['wall']:,.0f} | {r['peak_rss_mib']:.0f} "
            f"| {r['peak_pss_mib']:.0f} | {r['max_proc_rss_mib']:.0f} | {ratio} |"
        )
    files = [(name.removeprefix("skops "), r) for name, r in results.items() if name.startswith("skops")]
    if files:
        out += ["", "| model (skops, ZIP_DEFLATED) | file MiB | save s | load s | what it holds |"]
        out += ["|---|---:|---:|---:|---|"]
        out += [
            f"| {k} | {r['size_mib']:.2f} | {r['save_s']:.2f} | {r['load_s']:.2f} | {r['detail']} |" for k, r in files
        ]
    out += ["", "Targets:"]
    if train := results.get("stream train"):
        ok = train["wall"] <= 60 and train["peak_pss_mib"] <= 1024
        out.append(
            f"- train {n:,}: {train['wall']:.1f} s (≤ 60), peak {train['peak_rss_mib']:.0f} MiB RSS / "
            f"{train['peak_pss_mib']:.0f} MiB PSS (≤ 1024): {'met' if ok else 'MISSED'}"
        )
    if predict := results.get("stream predict"):
        rate = predict["rows"] / predict["wall"]
        out.append(f"- predict {n:,}: {rate:,.0f} statements/s (≥ 50,000): {'met' if rate >= 50_000 else 'MISSED'}")
    if "in-memory stance" in results and "in-memory bare" in results:
        ratio = results["in-memory stance"]["wall"] / results["in-memory bare"]["wall"]
        out.append(f"- in-memory stage overhead: ratio {ratio:.3f} (≤ 1.15): {'met' if ratio <= 1.15 else 'MISSED'}")
    out += ["", "Notes:"]
    for name, r in results.items():
        facts = [f"load average {r['load_before']:.2f} before"]
        if "macro_f1" in r:
            facts.append(f"macro-F1 {r['macro_f1']:.4f} on {r['f1_on']}")
        if "same_predictions" in r:
            facts.append(f"same predictions as stance's model: {r['same_predictions']}")
        if "walls" in r:
            facts.append(f"runs {r['walls']} s (min shown)")
        if "note" in r:
            facts.append(r["note"])
        out.append(f"- {name}: " + "; ".join(facts))
    return "\n".join(out)


# -- children: one step each ----------------------------------------------------------------------


def child_main(step: str, config: dict) -> int:
    result = STEPS[step](config)
    print(json.dumps(result))
    return 0


def _stream_params(config: dict):
    from stance.streaming import StreamingParams

    return StreamingParams(**config.get("params", {}))


def _limited_chunks(path: str, chunk_size: int, rows: int):
    from stance.streaming import read_chunks

    seen = 0
    for chunk in read_chunks(path, chunk_size):
        if seen >= rows:
            return
        yield chunk.iloc[: rows - seen]
        seen += len(chunk)


def stream_train(config: dict) -> dict:
    import skops.io as sio

    from stance.streaming import fit_streaming

    params = _stream_params(config)
    rows = config["rows"]
    start = time.perf_counter()
    model = fit_streaming(
        lambda: _limited_chunks(config["data"], params.chunk_size, rows), CLASSES, params, total_rows=rows
    )
    wall = time.perf_counter() - start
    sio.dump(model, config["model"], compression=zipfile.ZIP_DEFLATED)
    return {"wall": wall, "rows": rows, "params": str(params)}


def stream_predict(config: dict) -> dict:
    import skops.io as sio
    from sklearn.metrics import f1_score

    from stance.streaming import BatchHashingVectorizer, predict_streaming

    params = _stream_params(config)
    model = sio.load(config["model"], trusted=[f"{BatchHashingVectorizer.__module__}.BatchHashingVectorizer"])
    rows = config["rows"]
    start = time.perf_counter()
    with open(config["out"], "w", encoding="utf-8", newline="") as handle:
        header = [True]

        def write_chunk(frame):
            frame.to_csv(handle, index=False, header=header[0], lineterminator="\n")
            header[0] = False

        written = predict_streaming(
            model,
            _limited_chunks(config["data"], params.chunk_size, rows),
            write_chunk,
            n_jobs=config["predict_jobs"],
            total_rows=rows,
        )
    wall = time.perf_counter() - start
    import pandas as pd

    check = pd.read_csv(config["out"], usecols=["label", "predicted_label"], nrows=200_000)
    return {
        "wall": wall,
        "rows": written,
        "macro_f1": float(f1_score(check["label"], check["predicted_label"], average="macro")),
        "f1_on": "first 200k rows, seen in training (sanity check, not a score)",
    }


# The bare scikit-learn side: no stance imports, the textbook out-of-core loop.


def _bare_pipeline(config: dict):
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import FeatureUnion

    p = config["resolved"]
    common = {"n_features": p["n_features"], "alternate_sign": False, "norm": "l2"}
    union = FeatureUnion(
        [
            (
                "word",
                HashingVectorizer(
                    analyzer="word", ngram_range=(1, p["word_ngram_max"]), token_pattern=r"(?u)\b\w[\w']*\b", **common
                ),
            ),
            (
                "char",
                HashingVectorizer(analyzer="char_wb", ngram_range=(p["char_ngram_min"], p["char_ngram_max"]), **common),
            ),
        ]
    )
    return union, SGDClassifier(loss=p["loss"], alpha=p["alpha"], random_state=p["seed"])


def bare_train(config: dict) -> dict:
    import pandas as pd

    union, classifier = _bare_pipeline(config)
    p = config["resolved"]
    start = time.perf_counter()
    seen = 0
    for _ in range(p["epochs"]):
        for chunk in pd.read_csv(config["data"], chunksize=p["chunk_size"], dtype=str, keep_default_na=False):
            chunk = chunk.sample(frac=1.0, random_state=p["seed"])
            classifier.partial_fit(union.transform(chunk["text"].tolist()), chunk["label"], classes=CLASSES)
            seen += len(chunk)
    return {"wall": time.perf_counter() - start, "rows": seen}


def bare_predict(config: dict) -> dict:
    import pandas as pd

    union, classifier = _bare_pipeline(config)
    p = config["resolved"]
    # A model to predict with: fitted on one chunk (the cost of prediction does not depend on the weights).
    first = next(iter(pd.read_csv(config["data"], chunksize=p["chunk_size"], dtype=str, keep_default_na=False)))
    classifier.partial_fit(union.transform(first["text"].tolist()), first["label"], classes=CLASSES)
    start = time.perf_counter()
    written = 0
    with open(config["out"], "w", encoding="utf-8", newline="") as handle:
        for i, chunk in enumerate(
            pd.read_csv(config["data"], chunksize=p["chunk_size"], dtype=str, keep_default_na=False)
        ):
            probabilities = classifier.predict_proba(union.transform(chunk["text"].tolist()))
            chunk["predicted_label"] = classifier.classes_[probabilities.argmax(axis=1)]
            for j, label in enumerate(classifier.classes_):
                chunk[f"p_{label}"] = probabilities[:, j].round(6)
            chunk.to_csv(handle, index=False, header=i == 0, lineterminator="\n")
            written += len(chunk)
    return {"wall": time.perf_counter() - start, "rows": written}


def inmemory_stance(config: dict) -> dict:
    import pandas as pd

    from stance.config import TrainParams
    from stance.stages.train import train_model

    frame = pd.read_csv(CORPUS, dtype=str, keep_default_na=False)
    start = time.perf_counter()
    model = train_model(frame, TrainParams(**config["chosen"]))
    wall = time.perf_counter() - start
    predictions = model.predict(frame["text"].tolist())
    Path(CACHE / "inmemory-stance.txt").write_text("\n".join(predictions), encoding="utf-8")
    return {"wall": wall, "rows": len(frame)}


def inmemory_bare(config: dict) -> dict:
    """The chosen in-memory pipeline built from scikit-learn objects directly (only the two
    stance transformers it contains are imported), fitted the same way."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.ensemble import VotingClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.svm import LinearSVC

    from stance.features import CodebookCues, NameMasker  # the two non-sklearn parts of the pipeline

    p = argparse.Namespace(**config["resolved_train"])
    supported = set(p.features) == {"word", "char", "cues"} and p.combine == "vote" and p.mask_names
    if not supported or p.classifier not in ("linear_svc", "logreg"):
        raise SystemExit(f"bare in-memory builder covers word+char+cues vote with masking only, not {p}")
    class_weight = None if p.class_weight == "none" else p.class_weight

    def classifier():
        if p.classifier == "logreg":
            return LogisticRegression(C=p.C, class_weight=class_weight, max_iter=2000, random_state=p.seed)
        return CalibratedClassifierCV(LinearSVC(C=p.C, class_weight=class_weight, random_state=p.seed), cv=3)

    def build():
        word = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, p.word_ngram_max),
            min_df=p.min_df,
            sublinear_tf=p.sublinear_tf,
            token_pattern=r"(?u)\b\w[\w']*\b",
        )
        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(p.char_ngram_min, p.char_ngram_max),
            min_df=p.min_df,
            sublinear_tf=p.sublinear_tf,
        )
        ngrams = FeatureUnion(
            [
                ("word", Pipeline([("names", NameMasker()), ("tfidf", word)])),
                ("char", Pipeline([("names", NameMasker()), ("tfidf", char)])),
            ]
        )
        cues = FeatureUnion([("cues", CodebookCues(families=tuple(p.cue_families)))])
        return VotingClassifier(
            [
                ("ngrams", Pipeline([("features", ngrams), ("classifier", classifier())])),
                ("cues", Pipeline([("features", cues), ("classifier", classifier())])),
            ],
            voting="soft",
            weights=[1.0, p.cue_weight],
        )

    import pandas as pd

    frame = pd.read_csv(CORPUS, dtype=str, keep_default_na=False)
    start = time.perf_counter()
    model = build().fit(frame["text"].tolist(), frame["label"].to_numpy())
    wall = time.perf_counter() - start
    predictions = model.predict(frame["text"].tolist())
    stance_file = CACHE / "inmemory-stance.txt"
    same = stance_file.is_file() and stance_file.read_text(encoding="utf-8").split("\n") == list(predictions)
    return {"wall": wall, "rows": len(frame), "same_predictions": bool(same)}


def corpus_vectorise(config: dict) -> dict:
    """The streaming feature union on real text (the shipped corpus: a richer vocabulary than
    the synthetic one, and the per-word cache starts cold), vs sklearn's HashingVectorizer union."""
    import pandas as pd

    texts = pd.read_csv(CORPUS, dtype=str, keep_default_na=False)["text"].tolist()
    if config["kind"] == "stance":
        from stance.streaming import StreamingParams, build_streaming_pipeline

        union = build_streaming_pipeline(StreamingParams(**config["params"])).named_steps["features"]
    else:
        union, _ = _bare_pipeline(config)
    start = time.perf_counter()
    union.transform(texts)
    return {"wall": time.perf_counter() - start, "rows": len(texts), "note": "one batch, cold caches"}


def tfidf_train(config: dict) -> dict:
    import pandas as pd
    import skops.io as sio

    from stance.config import TrainParams
    from stance.models import build_pipeline

    table = pd.read_csv(config["data"], dtype=str, keep_default_na=False)
    start = time.perf_counter()
    model = build_pipeline(TrainParams(features=("word", "char"), combine="concat")).fit(
        table["text"].tolist(), table["label"].to_numpy()
    )
    wall = time.perf_counter() - start
    sio.dump(model, config["model"], compression=zipfile.ZIP_DEFLATED)
    return {"wall": wall, "rows": len(table)}


def skops_roundtrip(config: dict) -> dict:
    import skops.io as sio

    path = Path(config["model"])
    with open(path, "rb") as handle:
        untrusted = sio.get_untrusted_types(data=handle.read())
    expected = {"stance.streaming.BatchHashingVectorizer", "stance.features.NameMasker", "stance.features.CodebookCues"}
    unexpected = sorted(set(untrusted) - expected)
    if unexpected:
        raise SystemExit(f"{path}: unexpected types {unexpected}")
    start = time.perf_counter()
    model = sio.load(path, trusted=sorted(set(untrusted)))
    load_s = time.perf_counter() - start
    copy = path.with_suffix(".resaved.skops")
    start = time.perf_counter()
    sio.dump(model, copy, compression=zipfile.ZIP_DEFLATED)
    save_s = time.perf_counter() - start
    detail = _describe_model(model)
    copy.unlink()
    return {"size_mib": path.stat().st_size / 2**20, "save_s": save_s, "load_s": load_s, "detail": detail}


def _describe_model(model) -> str:
    steps = getattr(model, "named_steps", {})
    features = steps.get("features")
    vocabulary = 0
    if features is not None:
        for _, block in features.transformer_list:
            last = block.steps[-1][1] if hasattr(block, "steps") else block
            vocabulary += len(getattr(last, "vocabulary_", {}) or {})
    classifier = steps.get("classifier")
    weights = getattr(classifier, "coef_", getattr(classifier, "feature_count_", None))
    shape = "×".join(map(str, weights.shape)) if weights is not None else "?"
    return f"{type(classifier).__name__} weights {shape}" + (
        f", TF-IDF vocabulary {vocabulary:,} terms" if vocabulary else ", no vocabulary (hashed)"
    )


STEPS = {
    "stream_train": stream_train,
    "stream_predict": stream_predict,
    "bare_train": bare_train,
    "bare_predict": bare_predict,
    "inmemory_stance": inmemory_stance,
    "inmemory_bare": inmemory_bare,
    "tfidf_train": tfidf_train,
    "corpus_vectorise": corpus_vectorise,
    "skops_roundtrip": skops_roundtrip,
}


if __name__ == "__main__":
    sys.exit(main())

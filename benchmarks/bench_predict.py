"""`stance predict` with the shipped model: whole-command throughput, and where a statement's time goes.

    python benchmarks/bench_predict.py --n 100000 --n 1000000     # whole command, each N
    python benchmarks/bench_predict.py --profile 20000            # per block, on one core

Whole command: `/usr/bin/time -v stance predict --model models/model.skops --input synth.csv
--output out.csv` on --n synthetic statements (benchmarks/synth.py, cached under
benchmarks/.cache/): files over 8 MB go in chunks of 20,000 rows to two worker processes.
Prints wall seconds, statements/s, user+sys CPU seconds and the largest process's peak RSS.

Profile: the model's blocks timed one by one in this process on --profile statements (name
masking, word and char TF-IDF, codebook cues, the two classifiers), and the TF-IDF blocks again
with scikit-learn's own counting loop (what TfidfNgrams replaced), with their outputs compared.
These are measurements, not tests: quote medians from a quiet machine.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
MODEL = ROOT / "models" / "model.skops"


def whole_command(n: int) -> str:
    from bench_scale import ensure_data

    data = ensure_data(n, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        command = ["/usr/bin/time", "-v", "stance", "predict", "--model", str(MODEL), "--input", str(data)]
        done = subprocess.run([*command, "--output", f"{folder}/out.csv"], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    report = dict(re.findall(r"^\s*(.+?): (.+)$", done.stderr, flags=re.M))
    wall = _seconds(report["Elapsed (wall clock) time (h:mm:ss or m:ss)"])
    cpu = float(report["User time (seconds)"]) + float(report["System time (seconds)"])
    rss = int(report["Maximum resident set size (kbytes)"]) / 1024
    return f"| {n:,} | {wall:.1f} | {n / wall:,.0f} | {cpu:.1f} | {rss:.0f} |"


def _seconds(clock: str) -> float:
    total = 0.0
    for part in clock.split(":"):
        total = total * 60 + float(part)
    return total


def profile(n: int) -> None:
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer
    from synth import generate

    from stance.models import TfidfNgrams
    from stance.persist import load_model

    texts = generate(n, seed=7)["text"].tolist()
    model = load_model(MODEL, None)
    model.predict_proba(texts[:100])  # codes the vocabularies once, as a long run would

    def timed(label: str, work):
        _forget()  # masks and cue vectors remembered by an earlier block would flatter this one
        start = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - start
        print(f"| {label} | {seconds:.2f} | {seconds / n * 1e6:.1f} | {n / seconds:,.0f} |")
        return result

    print(f"{n:,} synthetic statements, one process\n")
    print("| block | s | µs/statement | statements/s |\n|---|---:|---:|---:|")
    expected = timed("whole model (predict_proba)", lambda: model.predict_proba(texts))
    for view_name, view in model.named_estimators_.items():
        features = view.named_steps["features"]
        for name, block in features.transformer_list:
            if hasattr(block, "named_steps"):
                masked = timed(f"{name}: name masking", lambda block=block: block.named_steps["names"].transform(texts))
                vectoriser = block.named_steps["tfidf"]
                fast = timed(f"{name}: TF-IDF", lambda v=vectoriser, m=masked: v.transform(m))
                loop = timed(f"{name}: TF-IDF, scikit-learn's loop", lambda v=vectoriser, m=masked: _loop(v, m))
                assert all(np.array_equal(getattr(fast, k), getattr(loop, k)) for k in ("indptr", "indices", "data"))
            else:
                timed(f"{name}", lambda block=block: block.transform(texts))
        matrix = features.transform(texts)
        timed(f"{view_name}: classifier", lambda v=view, x=matrix: v.named_steps["classifier"].predict_proba(x))
    assert np.array_equal(expected, model.predict_proba(texts))
    assert isinstance(vectoriser, TfidfNgrams) and issubclass(TfidfNgrams, CountVectorizer)


def _forget() -> None:
    """Empty the per-process memories of stance.features (masked texts, cue vectors)."""
    from stance import features

    features._analyser.cache_clear()
    features._masked_texts.cache_clear()


def _loop(vectoriser, texts):
    """The vectoriser's transform with scikit-learn's counting loop instead of stance.ngram_counts."""
    from sklearn.feature_extraction.text import CountVectorizer

    _, counts = CountVectorizer._count_vocab(vectoriser, texts, fixed_vocab=True)
    return vectoriser._tfidf.transform(counts, copy=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="statements for the whole command (repeatable)")
    parser.add_argument("--profile", type=int, default=0, help="statements for the per-block profile")
    args = parser.parse_args()
    if args.profile:
        profile(args.profile)
    if args.n:
        print("\n| statements | wall s | statements/s | CPU s | peak RSS MiB (largest process) |")
        print("|---:|---:|---:|---:|---:|")
        for n in args.n:
            print(whole_command(n), flush=True)


if __name__ == "__main__":
    main()

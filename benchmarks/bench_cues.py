"""Throughput of `CodebookCues.transform`: corpus-like statements/s and seconds on very long texts.

    python benchmarks/bench_cues.py                        # the checkout's stance.features
    git show 3fc6b7e:src/stance/features.py > /tmp/old_features.py   # before it was made fast
    python benchmarks/bench_cues.py --impl /tmp/old_features.py --sizes 100000
    python benchmarks/bench_cues.py --model models/model.skops      # also the whole model's predict
    git show 5d1464e:src/stance/features.py > /tmp/features_base.py  # old and new in turn, per statement
    python benchmarks/bench_cues.py --against /tmp/features_base.py --repeats 7

prints, for the implementation under test:

  rows         statements/s of transform on --rows statements: the shipped corpus
               (data/clean/statements.csv, column text) repeated, so rows look like real ones
               (a transform analyses each distinct text of a batch once: this counts repeats)
  unique rows  the same on the corpus statements once each (all distinct): the cost of analysis
  paragraph    seconds for one text of N characters: corpus statements joined into a paragraph
               and repeated (many short sentences)
  one sentence seconds for the same text with its sentence stops turned into commas: a single
               N-character sentence, the case where per-marker work used to be quadratic
  model        with --model: statements/s of the saved model's predict on the same rows, its
               CodebookCues running the implementation under test

  --against    µs per distinct statement of the cue analysis (_Analyser.cues) and of
               NameMasker.transform (fitted on the corpus), the implementation under test and the
               given features.py timed in turn in one process, on 20,000 synthetic statements
               (benchmarks/synth.py, seed 7) and on the corpus; it checks that both give the same
               cue vectors and masked texts first

The transforms remember what they computed per text: the unique-rows and long-text figures forget
it before each run (the rows figure counts on it).

--impl loads another copy of features.py (e.g. the implementation before an optimisation) in
place of the installed one, so that old and new are timed by the same script on the same data.
Each figure is the best of --repeats runs, in wall-clock and in CPU seconds of this process (the
CPU figure moves less when other work shares the machine). These are measurements, not tests.

Measured 2026-12-04 on this project's machine (2 cores), shared with other jobs (load average in
brackets), default arguments; "old" is 3fc6b7e, before the transform was made fast and linear:

  figure                      old (3fc6b7e)                  new
  rows, statements/s          4,632 wall [0.6]; 4,834 cpu    13,024 wall, 16,496 cpu [2.7]
  paragraph 1,000,000 chars   2.7 s wall, 1.3 s cpu [4.2]    1.3 s wall, 0.65 s cpu [2.7]
  one sentence 100,000 chars  1.7 s wall [0.6]               0.06 s wall, 0.04 s cpu [2.7]
  one sentence 1,000,000      about 10 minutes [4-6]         0.85 s wall, 0.42 s cpu [2.7]
  model (models/model.skops)  2,248/s cpu [4.2]              2,781/s cpu [2.7]

Old and new timed in alternation in one process (CPU time, best of 5 on 5,600 corpus rows):
167 µs and 55 µs a statement, 3.0 times faster. The shipped model's predict now spends about a
quarter of its time in the cues and most of the rest in its TF-IDF n-gram view.

Measured 2026-12-04 again, load average 2.0-2.5 (other jobs on both cores), default arguments;
"before" is 0c2bcd0, "after" matches each family only at the tokens where it can start and
analyses each distinct text of a batch once (git show 0c2bcd0:src/stance/features.py >
/tmp/cues_before.py; python benchmarks/bench_cues.py [--impl /tmp/cues_before.py]):

  figure                      before (0c2bcd0)               after
  rows, statements/s          11,144 wall; 16,356 cpu        158,605 wall; 217,736 cpu
  unique rows, statements/s   11,769 wall; 17,639 cpu        12,339 wall; 19,369 cpu
  paragraph 1,000,000 chars   0.79 s wall, 0.56 s cpu        0.32 s wall, 0.30 s cpu
  one sentence 1,000,000      0.53 s wall, 0.40 s cpu        0.34 s wall, 0.24 s cpu

The rows figure gains from the corpus being repeated (each statement 15 times in 50,000 rows):
distinct statements cost 49 µs each after, 60 µs before (CPU, best of 7 in alternation, 3,400
corpus statements, load average 2.9): 1.2 times faster. Of the 49 µs, about 10 go to the token
scan that places the families, 16 to the commitment markers (half of it the scan for clause
marks), 7 to the anchored family matches.

Measured 2026-12-04, load average 2.6-2.8, `--against` 5d1464e (before: clause marks scanned
forward from the sentence start, a masking callback per capitalised word), CPU, best of 7 in turn:

  µs a distinct statement     5d1464e    after
  cues, 20,000 synthetic      51.9       45.3  (1.15 times faster)
  cues, 3,400 corpus          45.1       38.9  (1.16)
  masking, 20,000 synthetic    8.0        5.2  (1.54)
  masking, 3,400 corpus        6.2        3.6  (1.72)

Of the cue analysis left (synthetic statements, one sentence each, ~0.9 commitment markers):
~11-14 µs the token scan, ~16 the commitment markers (a dozen small searches of 1-2 µs each
around every marker: harm act, negation, agent, attribution, main verb, clause start), ~6 the
anchored family matches, ~4 the modal consequences.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "clean" / "statements.csv"


def load_features(impl: str | None) -> ModuleType:
    """stance.features, or the features.py at `impl` loaded as a stand-alone module."""
    if impl is None:
        from stance import features

        return features
    spec = importlib.util.spec_from_file_location("features_under_test", impl)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def corpus_texts() -> list[str]:
    import pandas as pd

    return pd.read_csv(CORPUS)["text"].astype(str).tolist()


def long_text(texts: list[str], chars: int, *, one_sentence: bool) -> str:
    """A real-looking text of exactly `chars` characters; with one_sentence, no sentence stops."""
    paragraph = " ".join(texts[:40])
    if one_sentence:
        paragraph = paragraph.translate(str.maketrans(".;!?", ",,,,"))
    return (paragraph * (chars // len(paragraph) + 1))[:chars]


def best_time(function, repeats: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds of the fastest of `repeats` runs (the least disturbed)."""
    timings = []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        timings.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--impl", default=None, help="path of a features.py to time instead of stance.features")
    parser.add_argument("--rows", type=int, default=50_000, help="corpus-like statements (default: %(default)s)")
    parser.add_argument(
        "--sizes",
        default="100000,1000000",
        help="characters of the long texts, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure, best kept (default: %(default)s)")
    parser.add_argument("--model", default=None, help="a saved model (skops) whose predict to time as well")
    parser.add_argument(
        "--against",
        default=None,
        help="a features.py to compare with, in turn in this process, per distinct statement (see alternate)",
    )
    args = parser.parse_args(argv)

    features = load_features(args.impl)
    cues = features.CodebookCues().fit()
    texts = corpus_texts()
    rows = (texts * (args.rows // len(texts) + 1))[: args.rows]
    cues.transform(texts[:50])  # compile the lexicon outside the timings
    print(f"implementation: {args.impl or features.__file__}")
    print(f"load average before: {os.getloadavg()[0]:.2f}")

    print_rate("rows", rows, best_time(lambda: cues.transform(rows), args.repeats))
    print_rate("unique rows", texts, best_time(lambda: forgetful(features, cues.transform)(texts), args.repeats))
    for chars in (int(size) for size in args.sizes.split(",") if size):
        for label, one_sentence in (("paragraph", False), ("one sentence", True)):
            text = long_text(texts, chars, one_sentence=one_sentence)
            wall, cpu = best_time(lambda text=text: forgetful(features, cues.transform)([text]), args.repeats)
            print(f"{label:<13} {chars:>9,} chars  {wall:7.3f} s wall  {cpu:7.3f} s cpu")
    if args.model:
        model = load_model_with(features, args.model)
        print_rate("model", rows, best_time(lambda: model.predict(rows), args.repeats))
    if args.against:
        alternate(load_features(args.against), features, texts, args.repeats)
    return 0


def forgetful(features: ModuleType, function):
    """`function`, run with the remembered cue vectors and masked texts forgotten first."""

    def run(*args):
        for cached in ("_analyser", "_masked_texts", "_masked_words"):
            if hasattr(features, cached):
                getattr(features, cached).cache_clear()
        return function(*args)

    return run


def alternate(old: ModuleType, new: ModuleType, corpus: list[str], repeats: int) -> None:
    """µs a distinct statement in the cue analysis (_Analyser.cues) and NameMasker.transform,
    `old` and `new` timed in turn in this process (CPU time, best of `repeats` rounds)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import generate

    synthetic = [str(text) for text in generate(20_000, seed=7)["text"]]
    print(f"old: {old.__file__}\nnew: {new.__file__}")
    for label, texts in (("synthetic", synthetic), ("corpus", corpus)):
        analysers, maskers = [], []
        for features in (old, new):
            lexicon = features.load_lexicon()
            patterns = features._compile(tuple((k, tuple(v)) for k, v in sorted(lexicon.items())))
            analysers.append(features._Analyser(dict(patterns)))
            maskers.append(features.NameMasker().fit(corpus))
        if [analysers[0].cues(t) for t in texts] != [analysers[1].cues(t) for t in texts]:
            raise SystemExit(f"different cue vectors on the {label} texts")
        if maskers[0].transform(texts) != maskers[1].transform(texts):
            raise SystemExit(f"different masked texts on the {label} texts")
        for task in ("cues", "masking"):
            best = [float("inf"), float("inf")]
            for _ in range(repeats):
                for side, features in enumerate((old, new)):
                    if task == "cues":
                        cues = analysers[side].cues
                        run = lambda cues=cues, texts=texts: [cues(text) for text in texts]  # noqa: E731
                    else:
                        run = forgetful(features, lambda masker=maskers[side], texts=texts: masker.transform(texts))
                    best[side] = min(best[side], best_time(run, 1)[1])
            before, after = (1e6 * seconds / len(texts) for seconds in best)
            print(
                f"{label:<10} {task:<8} {len(texts):>6,} statements  old {before:6.2f} µs  new {after:6.2f} µs"
                f"  ({before / after:.2f} times faster)"
            )


def print_rate(label: str, rows: list[str], seconds: tuple[float, float]) -> None:
    wall, cpu = seconds
    print(
        f"{label:<13} {len(rows):>9,} rows   {wall:7.3f} s wall  {len(rows) / wall:>8,.0f} statements/s"
        f"  ({cpu:.3f} s cpu, {len(rows) / cpu:,.0f}/s)"
    )


def load_model_with(features: ModuleType, path: str):
    """The saved model, its CodebookCues transforming with `features` (a loaded model's class is stance's)."""
    from stance import features as installed
    from stance.persist import load_model

    installed.CodebookCues.transform = features.CodebookCues.transform
    return load_model(Path(path))


if __name__ == "__main__":
    raise SystemExit(main())

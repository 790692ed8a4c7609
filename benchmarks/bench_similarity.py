"""Scale benchmark: exact near-duplicate detection (stance.similarity) on synthetic statements.

    python benchmarks/bench_similarity.py --n 1000000
    python benchmarks/bench_similarity.py --n 100000 --steps near_duplicates

generates (or reuses, under benchmarks/.cache/) --n seeded synthetic statements: 10–60 words
each, drawn from a Zipfian vocabulary of 50,000 made-up words, with ~1% of rows near-copies
of another row with one or two words replaced. Then, each in its own child process (so each
peak RSS is that step's alone):

  near_duplicates        20% of the rows (seeded draw) as candidates against the other 80%
  near_duplicate_pairs   every pair of the whole collection

and prints wall and CPU seconds for the call alone, the child's peak RSS (resource.getrusage
ru_maxrss) and its peak just before the call (interpreter, libraries and the statements as
Python strings), so the difference is what the call itself added, and the 1-minute load
average before the step: the code is single-threaded, so on a machine busy with other work
the wall time stretches while the CPU time stays close to a quiet run's.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
STEPS = ("near_duplicates", "near_duplicate_pairs")
VOCABULARY = 50_000
MIN_WORDS, MAX_WORDS = 10, 60
COPY_SHARE = 0.01
CANDIDATE_SHARE = 0.2


# -- data ---------------------------------------------------------------------------------------------


def generate(n: int, seed: int) -> list[str]:
    """n statements; the same (n, seed) always gives the same list."""
    rng = np.random.default_rng(seed)
    words = _vocabulary(rng, VOCABULARY)
    # Zipf-Mandelbrot frequencies, the usual fit for word counts in running text.
    weights = 1.0 / (np.arange(VOCABULARY) + 2.7)
    cumulative = np.cumsum(weights / weights.sum())

    def draw(size: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cumulative, rng.random(size)), VOCABULARY - 1)

    lengths = rng.integers(MIN_WORDS, MAX_WORDS + 1, size=n)
    ends = np.cumsum(lengths)
    ids = draw(int(ends[-1]) if n else 0)
    rows = [ids[end - length : end].tolist() for end, length in zip(ends.tolist(), lengths.tolist(), strict=True)]
    for copy in np.flatnonzero(rng.random(n) < COPY_SHARE).tolist():
        row = list(rows[int(rng.integers(n))])
        changed = rng.choice(len(row), size=int(rng.integers(1, 3)), replace=False)
        for position, word in zip(changed.tolist(), draw(len(changed)).tolist(), strict=True):
            row[position] = word
        rows[copy] = row
    return [_sentence([words[i] for i in row]) for row in rows]


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    """`size` distinct pronounceable made-up words of 1–4 syllables, in a seeded order."""
    onsets = [*"bcdfghjklmnprstvwz", "br", "ch", "dr", "gr", "pl", "sh", "st", "th", "tr"]
    vowels = [*"aeiou", "ai", "ea", "ou"]
    codas = ["", "", "", *"nrst", "nd", "ng", "st"]
    words: set[str] = set()
    while len(words) < size:
        syllables = rng.integers(1, 5)
        words.add(
            "".join(
                onsets[rng.integers(len(onsets))] + vowels[rng.integers(len(vowels))] + codas[rng.integers(len(codas))]
                for _ in range(syllables)
            )
        )
    ordered = sorted(words)
    rng.shuffle(ordered)
    return ordered


def _sentence(words: list[str]) -> str:
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def data_path(n: int, seed: int) -> Path:
    """The cached statements for (n, seed), named after the generator's source so edits regenerate them."""
    source = "".join(inspect.getsource(f) for f in (generate, _vocabulary, _sentence))
    version = hashlib.sha256(source.encode()).hexdigest()[:10]
    return CACHE / f"similarity-{n}-seed{seed}-{version}.txt"


def ensure_data(n: int, seed: int) -> Path:
    """The cached statements, generated first in a child process when missing.

    In a child because ru_maxrss survives fork and exec: a parent that had held a million
    statements would pass that peak on to every later step's child.
    """
    path = data_path(n, seed)
    if not path.is_file():
        command = [sys.executable, str(Path(__file__).resolve()), "--child", "generate", "--n", str(n)]
        subprocess.run([*command, "--seed", str(seed)], check=True)
    return path


def write_data(n: int, seed: int) -> None:
    path = data_path(n, seed)
    started = time.perf_counter()
    texts = generate(n, seed)
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text("".join(text + "\n" for text in texts), encoding="utf-8")  # words hold no newline
    partial.replace(path)
    print(f"generated {n:,} statements in {time.perf_counter() - started:.1f} s → {path}", flush=True)


# -- child: one timed call ------------------------------------------------------------------------------


def child_main(step: str, path: Path, seed: int, threshold: float) -> int:
    from stance.similarity import near_duplicate_pairs, near_duplicates

    with path.open(encoding="utf-8") as lines:  # line by line: no whole-file copy to inflate the peak
        texts = [line.rstrip("\n") for line in lines]
    candidate = np.random.default_rng(seed + 1).random(len(texts)) < CANDIDATE_SHARE
    candidates = [text for text, chosen in zip(texts, candidate.tolist(), strict=True) if chosen]
    reference = [text for text, chosen in zip(texts, candidate.tolist(), strict=True) if not chosen]
    if step == "near_duplicate_pairs":
        del candidates, reference
    rss_before = _peak_rss_mib()
    cpu_before, started = _cpu_seconds(), time.perf_counter()
    if step == "near_duplicates":
        found = int(near_duplicates(candidates, reference, threshold).sum())
    else:
        found = len(near_duplicate_pairs(texts, threshold))
    wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu_before
    peak = _peak_rss_mib()
    print(
        json.dumps({"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": peak, "rss_before_mib": rss_before, "found": found})
    )
    return 0


def _cpu_seconds() -> float:
    """User + system CPU time of this process: on a busy machine, closer than wall time to a quiet run's."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mib() -> float:
    """This process's peak resident set size so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- parent ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="synthetic statements (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=0.8, help="Jaccard threshold (default: %(default)s)")
    parser.add_argument("--steps", default=",".join(STEPS), help="comma-separated, from: " + ", ".join(STEPS))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child == "generate":
        write_data(args.n, args.seed)
        return 0
    if args.child:
        return child_main(args.child, data_path(args.n, args.seed), args.seed, args.threshold)
    steps = [step for step in args.steps.split(",") if step]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown step {unknown[0]!r}")
    ensure_data(args.n, args.seed)
    print(f"{args.n:,} statements, threshold {args.threshold}, candidates {CANDIDATE_SHARE:.0%} of rows")
    print(
        f"{'step':<22} {'wall s':>7} {'CPU s':>7} {'peak RSS MiB':>13} {'RSS before MiB':>15} {'found':>8} {'load':>5}"
    )
    for step in steps:
        load = os.getloadavg()[0]
        command = [sys.executable, str(Path(__file__).resolve()), "--child", step]
        command += ["--n", str(args.n), "--seed", str(args.seed), "--threshold", str(args.threshold)]
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(
            f"{step:<22} {result['wall_s']:>7.1f} {result['cpu_s']:>7.1f} {result['peak_rss_mib']:>13,.0f} "
            f"{result['rss_before_mib']:>15,.0f} {result['found']:>8,} {load:>5.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

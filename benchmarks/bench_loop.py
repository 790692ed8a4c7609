"""The researcher's loop, timed: a full `dvc repro` on the shipped corpus, then one `train.*` knob changed.

    python benchmarks/bench_loop.py [--runs 3] [--knob "  C: 1.0=  C: 0.5"]

Each run copies the project (dvc.yaml, params.yaml, data/raw, data/unlabeled, data/documents,
docs, src) into a fresh git repository, runs `dvc repro` (every stage computes), then edits
one line of params.yaml and runs `dvc repro` again (DVC reruns what depends on it). Prints
each run's seconds and the stages each repro ran, then the median. Targets (issue #11): full
≤ 60 s, one knob ≤ 30 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = [
    "dvc.yaml",
    "params.yaml",
    ".dvcignore",
    ".dvc/config",
    ".gitignore",
    "data/raw",
    "data/unlabeled",
    "data/documents",
    "docs",
    "src",
]


def shell(cwd: Path, *command: str) -> str:
    env = {
        **os.environ,
        "DVC_NO_ANALYTICS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def copy_project(destination: Path) -> None:
    for name in FILES:
        source, target = ROOT / name, destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, target)
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=b", "-c", "user.email=b@x", "commit", "-q", "-m", "bench"],
    ):
        shell(destination, *command)


def timed_repro(repo: Path) -> tuple[float, list[str]]:
    start = time.perf_counter()
    output = shell(repo, "dvc", "repro")
    return time.perf_counter() - start, re.findall(r"Running stage '([^']+)'", output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--knob", default="  C: 1.0=  C: 0.5", help="OLD=NEW line edit of params.yaml")
    args = parser.parse_args()
    old, new = args.knob.split("=", 1)
    full, knob = [], []
    for run in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="stance-loop-") as folder:
            repo = Path(folder)
            copy_project(repo)
            seconds, stages = timed_repro(repo)
            full.append(seconds)
            print(f"run {run + 1}: full dvc repro {seconds:.1f} s ({len(stages)} stages)", flush=True)
            params = repo / "params.yaml"
            assert old in params.read_text(), f"{old!r} not in params.yaml"
            params.write_text(params.read_text().replace(old, new, 1))
            seconds, stages = timed_repro(repo)
            knob.append(seconds)
            print(f"run {run + 1}: after {new.strip()!r}: {seconds:.1f} s, reran {', '.join(stages)}", flush=True)
    print(f"full dvc repro: median {statistics.median(full):.1f} s (min {min(full):.1f}, max {max(full):.1f})")
    print(f"one knob:       median {statistics.median(knob):.1f} s (min {min(knob):.1f}, max {max(knob):.1f})")
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (2 cores)")


if __name__ == "__main__":
    main()

"""The pipeline at scale: N synthetic statements through clean → split → train (streaming), stage by stage.

    python benchmarks/bench_pipeline.py --n 100000 --n 1000000

For each N, a fresh project copy gets one batch of N synthetic statements (benchmarks/synth.py:
text, label, a source_id per 3 statements) in data/raw/, with train.mode streaming and
select.enabled false. Each stage runs through DVC, one at a time (`dvc repro -s clean`, then
split, select, train@stance), while a sampler records the peak RSS of the whole process tree
(DVC itself included, ~100 MiB) every 50 ms. Prints one row per stage and N, with the 1-minute
load average before it, and the growth factor from the smallest N to the largest (linear
scaling: about the ratio of the Ns).
Targets (issue #13): clean and split each ≤ 60 s and ≤ 2 GiB at 1M.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
FILES = ["dvc.yaml", "params.yaml", ".dvcignore", ".dvc/config", ".gitignore", "data/unlabeled", "docs", "src"]
STAGES = ["clean", "split", "select", "train@stance"]


def environment() -> dict:
    return {
        **os.environ,
        "DVC_NO_ANALYTICS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }


def make_project(folder: Path, n: int) -> None:
    from synth import iter_blocks

    for name in FILES:
        source, target = ROOT / name, folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    (folder / "data/documents").mkdir(parents=True, exist_ok=True)
    raw = folder / "data/raw/batch-001.csv"
    raw.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    for block in iter_blocks(n, seed=0):
        block = block.assign(source_id=[f"doc{(written + i) // 3}" for i in range(len(block))])
        block.to_csv(raw, mode="a", header=written == 0, index=False)
        written += len(block)
    use_streaming(folder)
    init_repo(folder)


def use_streaming(folder: Path) -> None:
    """params.yaml for a corpus too large to select on in memory: streaming train, select off."""
    params = yaml.safe_load((folder / "params.yaml").read_text())
    params["select"]["enabled"] = False
    params["train"]["mode"] = "streaming"
    (folder / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


def init_repo(folder: Path) -> None:
    """A git repository with DVC in it (the copied .dvc/config kept)."""
    for command in (["git", "init", "-q"], ["dvc", "init", "-q", "-f"] if not (folder / ".dvc").exists() else None):
        if command:
            subprocess.run(command, cwd=folder, check=True, env=environment())


@contextlib.contextmanager
def sampled_peak(pid: int):
    """A one-item list that holds the peak RSS (bytes) of the process tree of pid, sampled every 50 ms."""
    import psutil

    peak, done = [0], threading.Event()

    def sample():
        root = psutil.Process(pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            done.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        done.set()
        thread.join()


def timed(folder: Path, command: list[str]) -> tuple[float, float, str]:
    """Seconds, peak RSS (MiB) of the whole process tree, and the last line printed."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=folder, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    with sampled_peak(process.pid) as peak:
        output = process.communicate()[0]
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{output[-2000:]}")
    mine = [line for line in output.splitlines() if line.split(":")[0] in {"clean", "split", "select", "train stance"}]
    last = mine[-1:] or [""]
    return seconds, peak[0] / 2**20, last[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, action="append", help="statements (repeatable); default 100k and 1M")
    args = parser.parse_args()
    sizes = args.n or [100_000, 1_000_000]
    results: dict[int, dict[str, tuple[float, float]]] = {}
    print("| N | stage | seconds | peak RSS MiB | load | output |\n|---:|---|---:|---:|---:|---|")
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="stance-scale-") as folder:
            repo = Path(folder)
            make_project(repo, n)
            results[n] = {}
            for stage in STAGES:
                load = os.getloadavg()[0]  # other work on the machine stretches the wall time
                seconds, rss, last = timed(repo, ["dvc", "repro", "-s", stage])
                results[n][stage] = (seconds, rss)
                print(f"| {n:,} | {stage} | {seconds:.1f} | {rss:.0f} | {load:.1f} | {last[:70]} |", flush=True)
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        print(f"\ngrowth from {small:,} to {large:,} statements (x{large / small:.0f}):")
        for stage in STAGES:
            (s0, m0), (s1, m1) = results[small][stage], results[large][stage]
            print(f"- {stage}: time x{s1 / s0:.1f}, peak RSS x{m1 / m0:.1f}")


if __name__ == "__main__":
    main()

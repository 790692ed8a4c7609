"""The whole pipeline at scale: N synthetic statements through every stage of dvc.yaml, one at a time.

    python benchmarks/bench_repro.py --n 100000
    python benchmarks/bench_repro.py --n 1000000 --timeout 1200 > bench-1m.log 2>&1 &

A fresh project copy (bench_pipeline.make_project: train.mode streaming, select.enabled false)
gets one batch of N synthetic statements (benchmarks/synth.py) in data/raw/, with the metadata
the later stages read added in a seeded way: statement_id, tone (agreeing with the stance most
of the time), annotator, speaker_state, speaker_role, topic, date, and for 2% of the statements
a second annotator's vote (so `agreement` has pairs to compare). Then `dvc repro -s <stage>`
runs for every stage in dvc.yaml's order (foreach stages as name@item; disabled select skips
itself), each bounded by --timeout seconds, while bench_pipeline.timed samples the peak RSS of
the whole process tree (DVC included) every 50 ms. Prints one row per stage: seconds, peak
RSS MiB, the stage's last output line (or TIMEOUT / FAILED and the stage's last lines).

--real uses the project's own data/raw/ batches instead of synthetic ones (for checking that a
change leaves every output byte-identical on the shipped corpus; --keep keeps the copy).
--reuse DIR reruns --stages (forced) in a copy kept earlier. The stages run the `stance` of this
venv, i.e. the code of this checkout's src/ at the time each stage starts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_pipeline import FILES, environment, init_repo, sampled_peak, use_streaming  # noqa: E402

TONES = {"threat": "hostile", "warning": "hostile", "neutral": "neutral"}
ROLES = ("foreign ministry", "defence ministry", "president", "prime minister", "military", "ambassador")
TOPICS = ("military exercises", "border", "sanctions", "energy", "airspace", "shipping", "nuclear", "talks")
STATES = ("Borovia", "Hestria", "Zarovia", "Keldor", "Dunmark", "Varkesh", "Iskarra", "Quarran", "Gravonia")
ANNOTATORS = ("amara", "dana", "hana", "ivo", "lena")


def stage_names(folder: Path) -> list[str]:
    """Stage names in dvc.yaml's order, foreach stages as name@item."""
    stages = yaml.safe_load((folder / "dvc.yaml").read_text())["stages"]
    names = []
    for name, body in stages.items():
        if "foreach" in body:
            items = body["foreach"]
            names += [f"{name}@{item}" for item in (items if isinstance(items, list) else items.keys())]
        else:
            names.append(name)
    return names


def with_metadata(block, start: int, rng: np.random.Generator):
    """The synthetic block with the columns later stages read, and second votes on 2% of it."""
    n = len(block)
    tone = np.array([TONES[label] for label in block["label"]], dtype=object)
    flip = rng.random(n) < 0.15
    tone[flip] = rng.choice(["hostile", "neutral", "conciliatory"], size=int(flip.sum()))
    days = rng.integers(0, 5 * 365, size=n)
    frame = block.assign(
        statement_id=[f"st-{start + i:07d}" for i in range(n)],
        tone=tone,
        annotator=rng.choice(ANNOTATORS, size=n),
        source_id=[f"doc{(start + i) // 3}" for i in range(n)],
        speaker_state=rng.choice(STATES, size=n),
        speaker_role=rng.choice(ROLES, size=n),
        topic=rng.choice(TOPICS, size=n),
        date=(np.datetime64("2020-01-01") + days).astype(str),
    )
    second = frame[rng.random(n) < 0.02].copy()
    second["annotator"] = [ANNOTATORS[(ANNOTATORS.index(a) + 1) % len(ANNOTATORS)] for a in second["annotator"]]
    disagree = rng.random(len(second)) < 0.2
    second.loc[disagree, "label"] = rng.choice(["threat", "warning", "neutral"], size=int(disagree.sum()))
    return frame, second


def make_project(folder: Path, n: int, real: bool = False) -> None:
    for name in FILES:
        source, target = ROOT / name, folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    for name in ("data/documents", "data/raw"):
        (folder / name).mkdir(parents=True, exist_ok=True)
    if real:
        for batch in sorted((ROOT / "data/raw").iterdir()):
            shutil.copy2(batch, folder / "data/raw" / batch.name)
        if (ROOT / "data/documents").is_dir():
            shutil.rmtree(folder / "data/documents")
            shutil.copytree(ROOT / "data/documents", folder / "data/documents")
    else:
        from synth import iter_blocks

        raw, votes = folder / "data/raw/batch-001.csv", folder / "data/raw/batch-002-second-votes.csv"
        rng, written = np.random.default_rng(7), 0
        for block in iter_blocks(n, seed=0):
            frame, second = with_metadata(block, written, rng)
            frame.to_csv(raw, mode="a", header=written == 0, index=False)
            second.to_csv(votes, mode="a", header=written == 0, index=False)
            written += len(frame)
        use_streaming(folder)
    init_repo(folder)
    if real:  # `previous` reads the predictions of the last commit: give it one (none yet: it says so)
        subprocess.run(["git", "add", "-A"], cwd=folder, check=True, env=environment())
        subprocess.run(
            ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org", "commit", "-qm", "copy"],
            cwd=folder,
            check=True,
            env=environment(),
        )


def timed(folder: Path, command: list[str], timeout: float) -> tuple[float, float, str, str]:
    """Seconds, peak RSS (MiB) of the process tree, status (ok / TIMEOUT / FAILED) and the output."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=folder,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    status = "ok"
    with sampled_peak(process.pid) as peak:
        try:
            output = process.communicate(timeout=timeout)[0]
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)  # the stage's own session: DVC and the stage it started
            output, status = process.communicate()[0], "TIMEOUT"
    if status == "ok" and process.returncode != 0:
        status = "FAILED"
    return time.perf_counter() - start, peak[0] / 2**20, status, output


def last_line(stage: str, output: str) -> str:
    """The stage's own last line (`stance <stage>` prints one summary line starting with its name)."""
    name = stage.split("@")[0]
    lines = [line for line in output.splitlines() if line.strip()]
    mine = [line for line in lines if line.startswith(name) or line.startswith(stage.replace("@", " "))]
    if mine:
        return mine[-1]
    useful = [line for line in lines if not line.startswith(("Running stage", "Updating lock", "Use `dvc push`"))]
    return useful[-1] if useful else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic statements (default 100,000)")
    parser.add_argument("--real", action="store_true", help="the project's own data/raw/ instead of synthetic")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds before a stage is killed")
    parser.add_argument("--stages", help="comma-separated stages to run (default: all, in dvc.yaml's order)")
    parser.add_argument("--keep", type=Path, help="build the copy here and keep it (must not exist)")
    parser.add_argument("--reuse", type=Path, help="rerun stages (dvc repro -f -s) in a copy built and kept earlier")
    args = parser.parse_args()
    folder = args.reuse or args.keep or Path(tempfile.mkdtemp(prefix="stance-repro-"))
    try:
        if args.reuse:
            print(f"rerunning stages in {folder}", flush=True)
        else:
            started = time.perf_counter()
            make_project(folder, args.n, real=args.real)
            size = "the shipped corpus" if args.real else f"{args.n:,} synthetic statements"
            print(f"project with {size} in {folder} ({time.perf_counter() - started:.0f} s)", flush=True)
        print("| stage | seconds | peak RSS MiB | output |\n|---|---:|---:|---|", flush=True)
        stages = args.stages.split(",") if args.stages else stage_names(folder)
        for stage in stages:
            command = ["dvc", "repro", "-s", *(["-f"] if args.reuse else []), stage]
            seconds, rss, status, output = timed(folder, command, args.timeout)
            shown = last_line(stage, output) if status == "ok" else f"{status}: {' | '.join(output.splitlines()[-3:])}"
            print(f"| {stage} | {seconds:.1f} | {rss:.0f} | {shown[:160]} |", flush=True)
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    finally:
        if not (args.keep or args.reuse):
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

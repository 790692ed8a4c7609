"""A throw-away copy of the project in a fresh git repo, where the real `dvc repro` runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROJECT_FILES = [
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


def run(cwd: Path, *command: str, check: bool = True, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DVC_NO_ANALYTICS": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    result = subprocess.run(command, cwd=cwd, env=env, input=stdin, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


FAST_SELECTION = [
    {"name": "reference", "eligible": False, "grid": {"features": [["cues"]], "classifier": ["linear_svc"]}},
    {
        "name": "n-grams + cues",
        "grid": {"features": [["word", "char", "cues"]], "combine": ["vote"], "classifier": ["linear_svc"]},
    },
]


def make_project(destination: Path, fast: bool = True) -> Path:
    """Copy the project's pipeline into `destination` and commit it in a new git repo.

    fast: a two-candidate model-selection grid and a short annotation-round simulation, so that
    the real `dvc repro` stays quick.
    """
    for name in PROJECT_FILES:
        source, target = ROOT / name, destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target)
    if fast:
        params = yaml.safe_load((destination / "params.yaml").read_text())
        params["select"]["candidates"] = FAST_SELECTION
        params["select"]["folds"] = 3
        params["evaluate"]["bootstrap"] = 200
        params["evaluate"]["learning_curve"] = [0.5, 1.0]
        params["queue"]["suspect_folds"] = 2
        params["simulate"] |= {"strategies": ["random", "diverse-margin"], "seeds": [0, 1], "rounds": 3}
        (destination / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    run(destination, "git", "init", "-q", "-b", "main")
    run(destination, "git", "add", "-A")
    run(destination, "git", "commit", "-q", "-m", "project")
    return destination


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """A fresh copy of the project after one full `dvc repro`, committed (tag `first-run`)."""
    repo = make_project(tmp_path_factory.mktemp("project"))
    run(repo, "dvc", "repro")
    run(repo, "git", "add", "-A")
    run(repo, "git", "commit", "-q", "-m", "repro")
    run(repo, "git", "tag", "first-run")
    return repo


def pytest_collection_modifyitems(items):
    """Everything under tests/e2e is marked e2e, so `pytest -m "not e2e"` gives a quick inner loop."""
    for item in items:
        if "/e2e/" in str(item.path):
            item.add_marker(pytest.mark.e2e)

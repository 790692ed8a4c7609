"""previous: the last committed test predictions that differ from this run's → reports/previous/.

The report compares this run with them. Walking back to the last *different* version (not
simply HEAD's) keeps the comparison fixed once a run is committed: after `git commit`, HEAD
holds this run's predictions, so the previous version is still the one before, and
`dvc repro` finds the report up to date. DVC runs this stage every time (always_changed);
its outputs change only when the history does.
"""

from __future__ import annotations

import json
import subprocess

from stance import paths
from stance.config import Params
from stance.io import write_json, write_text

EMPTY_PREDICTIONS = "statement_id,actual,predicted\n"


def committed_versions(path: str) -> list[tuple[str, str]]:
    """(commit, subject) of every commit that changed `path`, newest first; [] outside a git repository."""
    try:
        log = subprocess.run(
            ["git", "log", "--format=%H%x09%s", "--", path], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return []
    return [tuple(line.split("\t", 1)) for line in log.splitlines() if "\t" in line]


def file_at(commit: str, path: str) -> str | None:
    result = subprocess.run(["git", "show", f"{commit}:{path}"], capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def previous_version(current: str, path: str) -> tuple[dict, str]:
    """The newest committed version of `path` whose content differs from `current`, and where it is from."""
    for commit, subject in committed_versions(path):
        text = file_at(commit, path)
        if text is not None and text != current:
            split = file_at(commit, paths.SPLIT_SUMMARY.as_posix())
            split_settings = {k: json.loads(split).get(k) for k in ("seed", "test_size")} if split else {}
            return {"commit": commit, "subject": subject, "split": split_settings}, text
    return {"commit": None, "subject": None, "split": {}}, EMPTY_PREDICTIONS


def run(params: Params, args=None) -> None:
    """reports/predictions.csv + git history → reports/previous/{predictions.csv,revision.json}."""
    current = paths.PREDICTIONS.read_text(encoding="utf-8") if paths.PREDICTIONS.is_file() else ""
    revision, text = previous_version(current, paths.PREDICTIONS.as_posix())
    write_text(text, paths.PREVIOUS_PREDICTIONS)
    write_json(revision, paths.PREVIOUS_REVISION)
    where = f"{revision['commit'][:7]} ({revision['subject']})" if revision["commit"] else "none committed yet"
    print(f"previous: test predictions to compare with: {where}")

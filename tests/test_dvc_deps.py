"""dvc.yaml's code deps cannot go stale: every module a stage runs is a declared dependency.

Each stage's command is `stance <stage>`, which runs stance.stages.<stage>.run. Its in-package
imports (module level and inside functions, followed transitively) must each be covered by a
dep of that stage — the file itself or a folder above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "stance"
# Data files a module reads at run time, which imports cannot reveal.
DATA = {"features.py": ["lexicons/cues.yaml"], "checklist/suite.py": ["checklist/mft.csv"]}


def module_file(name: str) -> Path | None:
    parts = name.split(".")[1:]
    for candidate in (PACKAGE.joinpath(*parts).with_suffix(".py"), PACKAGE.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "stance":
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.split(".")[0] == "stance")
    return names


def closure(module: str) -> set[Path]:
    """The package files `module` runs, itself included, and the data files they read."""
    seen: set[Path] = set()
    todo = [module]
    while todo:
        path = module_file(todo.pop())
        if path is None or path in seen:
            continue
        seen.add(path)
        todo.extend(imported_modules(path))
    data = {PACKAGE / extra for path in seen for extra in DATA.get(path.relative_to(PACKAGE).as_posix(), [])}
    return {p for p in seen if p.name != "__init__.py" or p.stat().st_size > 200} | data


def stage_deps(stage: dict) -> list[Path]:
    return [ROOT / (d if isinstance(d, str) else next(iter(d))) for d in stage.get("deps", [])]


def covered(path: Path, deps: list[Path]) -> bool:
    return any(path == dep or dep in path.parents for dep in deps)


def test_every_stage_declares_the_code_it_runs():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    missing = {}
    for name, stage in stages.items():
        body = stage.get("do", stage)
        command = body["cmd"].split()
        assert command[:2] == ["stance", name], f"stage {name} should run `stance {name}`"
        needed = closure(f"stance.stages.{name}")
        absent = sorted(p.relative_to(ROOT).as_posix() for p in needed if not covered(p, stage_deps(body)))
        if absent:
            missing[name] = absent
    assert not missing, f"dvc.yaml deps miss code the stages run: {missing}"


def test_the_closure_follows_imports_inside_functions():
    files = {p.relative_to(PACKAGE).as_posix() for p in closure("stance.stages.train")}
    assert {"stages/train.py", "models.py", "persist.py", "streaming.py", "config.py", "errors.py"} <= files
    assert "lexicons/cues.yaml" in files  # through features.py


def test_every_param_a_stage_declares_is_in_params_yaml():
    """DVC refuses to run a stage whose declared param key is missing from params.yaml."""
    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    missing = []
    for name, stage in stages.items():
        for key in stage.get("do", stage).get("params", []):
            node = params
            for part in key.split("."):
                if not isinstance(node, dict) or part not in node:
                    missing.append(f"{name}: {key}")
                    break
                node = node[part]
    assert not missing, missing


def test_params_yaml_spells_out_every_setting():
    """Every key the settings schema knows is written in params.yaml, so a user sees every knob."""
    from stance.config import Params

    def keys(model, prefix=""):
        for field, info in model.model_fields.items():
            annotation = info.annotation
            if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
                yield from keys(annotation, f"{prefix}{field}.")
            else:
                yield f"{prefix}{field}"

    params = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))

    def present(key):
        node = params
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    implied = {"train.streaming.seed"}  # the train stage passes train.seed
    absent = [key for key in keys(Params) if not present(key) and key not in implied]
    assert not absent, f"params.yaml lacks {absent}"

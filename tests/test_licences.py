"""The default install carries no copyleft licence: the package and every requirement it pulls in."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, distribution

# Reviewed: dependencies of dvc (a core library of the project) that are not plain copyleft.
REVIEWED = {
    "asyncssh": "EPL-2.0 OR GPL-2.0-or-later: taken under EPL-2.0",
    "grandalf": "GPLv2 | EPLv1: dual-licensed, taken under EPL-1.0",
    "pygit2": "GPLv2 with the linking exception: using it as a library imposes nothing on this project",
}
COPYLEFT = re.compile(r"\b(A|L)?GPL|GNU (Affero |Lesser )?General Public", re.IGNORECASE)


def licence_text(dist) -> str:
    meta = dist.metadata
    classifiers = [c for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return " ".join([meta.get("License-Expression") or "", (meta.get("License") or "")[:200], *classifiers])


def default_closure(name: str) -> dict[str, str]:
    """Every distribution the default install of `name` requires (extras not taken), with its licence text."""
    seen: dict[str, str] = {}
    todo = [name]
    while todo:
        current = todo.pop()
        key = current.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = distribution(current)
        except PackageNotFoundError:
            continue
        seen[key] = licence_text(dist)
        for requirement in dist.requires or []:
            spec, _, marker = requirement.partition(";")
            if "extra" in marker:
                continue
            todo.append(re.split(r"[\s<>=!~\[(]", spec.strip(), maxsplit=1)[0])
    return seen


def test_default_install_has_no_copyleft_dependency():
    closure = default_closure("stance")
    assert "stance" in closure and "scikit-learn" in closure and "dvc" in closure
    assert "krippendorff" not in closure and "distributed" not in closure
    # Dual-licensed packages that offer a permissive choice are fine ("MIT OR GPL", "LGPL or BSD").
    copyleft = {
        name: text
        for name, text in closure.items()
        if COPYLEFT.search(text) and not re.search(r"\b(MIT|BSD|Apache|MPL|PSF|ISC)\b", text) and name not in REVIEWED
    }
    assert not copyleft, f"copyleft licences in the default install: {copyleft}"


def test_the_project_declares_its_licence():
    assert distribution("stance").metadata.get("License-Expression") == "MIT"

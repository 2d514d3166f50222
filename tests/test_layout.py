"""The package's architecture, as its folders show it: imports go only downward.

    shared:     config, validation, deprecation, seeding, cache, download, plotting
    science:    estimators, nets, data, bottleneck   (each imports only itself and the shared modules)
    user API:   measure                       (the science and the shared modules: measure your own network)
    studies:    experiments                   (the science, measure and the shared modules)
    machinery:  book                          (anything: build, Sphinx extension, runner, CLI)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "ipcore"
SHARED = {"config", "validation", "deprecation", "seeding", "cache", "download", "plotting", ""}
SCIENCE = {"estimators", "nets", "data", "bottleneck"}
ALLOWED = {
    **{name: SHARED for name in SHARED},
    **{name: SHARED | {name} for name in SCIENCE},
    "measure": SHARED | SCIENCE | {"measure"},
    "experiments": SHARED | SCIENCE | {"measure", "experiments"},
    "book": SHARED | SCIENCE | {"measure", "experiments", "book"},
}


def part_of(module: str) -> str:
    """``ipcore.nets.training`` → ``nets``; ``ipcore`` → ``""``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def ipcore_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "ipcore"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "ipcore":
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_go_downward(path):
    module = ".".join(("ipcore",) + path.relative_to(PACKAGE).with_suffix("").parts).removesuffix(".__init__")
    own = part_of(module)
    assert own in ALLOWED, f"{module}: a new top-level part of ipcore; place it in the layers above"
    wrong = sorted(m for m in ipcore_imports(path) if part_of(m) not in ALLOWED[own])
    assert not wrong, f"{module} ({own or 'ipcore'}) imports {wrong}, above its layer"


def test_every_folder_is_one_concern():
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")}
    assert folders == SCIENCE | {"measure", "experiments", "book"}
    modules = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == SHARED - {""}

"""The risk and digest packages are domain code: they never reach up into the CLI, the web layer, the
channels or the agents, and their pure modules never touch the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = sorted([*(ROOT / "app/risk").glob("*.py"), *(ROOT / "app/digest").glob("*.py")])
OUTER = ("app.cli", "app.api", "app.channels", "app.main", "app.web", "agents")
PURE = [
    "history",
    "features",
    "dataset",
    "model",
    "evaluation",
    "scoring",
    "training",
    "outreach",
    "build",
    "email",
    "facts",
]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_does_not_import_the_outer_layers(path: Path) -> None:
    outer = sorted(i for i in _imports(path) if i.startswith(OUTER))
    assert outer == [], f"{path.name} imports {outer}"


def _reach(path: Path) -> set[str]:
    """Everything `path` imports, following imports of other app.risk and app.digest modules."""
    seen: set[str] = set()
    todo = [path]
    while todo:
        for name in _imports(todo.pop()):
            if name in seen:
                continue
            seen.add(name)
            if name.startswith(("app.risk.", "app.digest.")):
                todo.append(ROOT / (name.replace(".", "/") + ".py"))
    return seen


@pytest.mark.parametrize("path", [p for p in MODULES if p.stem in PURE], ids=lambda p: p.stem)
def test_pure_modules_use_no_database(path: Path) -> None:
    assert not [i for i in _reach(path) if i.startswith(("sqlalchemy", "app.db", "app.models"))]

"""The package's shape: domain modules never reach up into the CLI, the routers, the channels or agents."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = [
    "app/accounts.py",
    "app/audit.py",
    "app/conversations.py",
    "app/escalations.py",
    "app/leases.py",
    "app/payment_plans.py",
    *(str(p.relative_to(ROOT)) for p in sorted((ROOT / "app/ledger").glob("*.py"))),
]
OUTER = ("app.cli", "app.api", "app.channels", "app.main", "agents")


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("module", DOMAIN)
def test_domain_modules_do_not_import_the_outer_layers(module: str) -> None:
    outer = sorted(i for i in _imports(ROOT / module) if i.startswith(OUTER))
    assert outer == [], f"{module} imports {outer}"


def test_the_cli_is_a_package_without_import_cycles() -> None:
    """Command modules import `app.cli.common`, never the package that assembles them."""
    for path in sorted((ROOT / "app/cli").glob("*.py")):
        if path.name == "__init__.py":
            continue
        assert "app.cli" not in _imports(path), f"{path.name} imports app.cli (use app.cli.common)"

"""The `doorstep` command: database, demo data, ledgers, the assistant, the audit log, the server.

`common` holds what commands share; each other module adds its commands to the Typer apps there. The
`--json` outputs are an interface operators script against.

A command's modules are imported when it runs, not all of them every time: `doorstep ask` should not pay
for scikit-learn, PDF rendering and the collections engine it never uses (issue #11, start-up). Importing
`app` from here (tests, scripts) still gives the whole command with every module loaded.
"""

from __future__ import annotations

import gc
import importlib
import sys
from typing import Any

from app.config import get_settings

COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "ask": ("assistant",),
    "chat": ("assistant",),
    "audit": ("audit",),
    "collections": ("collections",),
    "db": ("db",),
    "demo": ("demo",),
    "digest": ("digest",),
    "eval": ("evaluate", "knowledge", "conversations"),
    "import": ("imports",),
    "ingest": ("knowledge",),
    "lease": ("ledger",),
    "ledger": ("ledger",),
    "outreach": ("outreach",),
    "risk": ("risk",),
    "serve": ("serve",),
    "staff": ("staff",),
    "token": ("token",),
}
"""Which modules add each top-level command (`knowledge` and `conversations` register functions)."""

_loaded: set[str] = set()


def _load(names: tuple[str, ...]) -> None:
    from app.cli.common import app, eval_app

    for name in names:
        if name in _loaded:
            continue
        _loaded.add(name)
        if name == "knowledge":
            from app.cli.knowledge import register

            register(app, eval_app, ask=False)
        elif name == "conversations":
            from evals.cli_conversations import register as register_conversations

            register_conversations(eval_app)
        else:
            importlib.import_module(f"app.cli.{name}")


def _load_all() -> None:
    _load(tuple(dict.fromkeys(name for names in COMMAND_MODULES.values() for name in names)))


def __getattr__(name: str) -> Any:
    if name == "app":
        from app.cli.common import app

        _load_all()
        return app
    raise AttributeError(name)


def main() -> None:
    # What a command's modules make as they load (for `doorstep ask` some 200,000-400,000 objects: code,
    # classes, schemas) lives until the process exits, yet the cyclic collector went over all of it again
    # each time it grew by a quarter: four or five full passes, 0.3-0.5 s of `doorstep ask`. So it waits
    # while they load and then leaves what they made out of its passes (`gc.freeze`); the command itself
    # runs with the collector as usual.
    gc.disable()
    try:
        from app.cli.common import app

        command = next((arg for arg in sys.argv[1:] if not arg.startswith("-")), None)
        if command in COMMAND_MODULES:
            _load(COMMAND_MODULES[command])
        else:
            _load_all()  # help, or a mistyped command: every command is listed
    finally:
        gc.freeze()
        gc.enable()
    app()


__all__ = ["COMMAND_MODULES", "app", "get_settings", "main"]

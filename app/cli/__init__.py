"""The `doorstep` command: database, demo data, ledgers, the assistant, the audit log, the server.

`common` holds what commands share; each other module adds its commands to the Typer apps there. The
`--json` outputs are an interface operators script against.
"""

from __future__ import annotations

from app.cli import assistant, audit, db, demo, ledger, serve, staff, token  # noqa: F401  (each adds its commands)
from app.cli import collections as _collections  # noqa: F401  (doorstep collections)
from app.cli import digest as _digest  # noqa: F401  (doorstep digest)
from app.cli import evaluate as _evaluate  # noqa: F401  (doorstep eval documents)
from app.cli import imports as _imports  # noqa: F401  (doorstep import)
from app.cli import risk as _risk  # noqa: F401  (doorstep risk)
from app.cli.common import app, eval_app
from app.cli.knowledge import register as _register_knowledge
from app.config import get_settings
from evals.cli_conversations import register as _register_conversations

_register_knowledge(app, eval_app, ask=False)
_register_conversations(eval_app)


def main() -> None:
    app()


__all__ = ["app", "main", "get_settings"]

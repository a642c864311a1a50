"""`python -m evals.conversations`: the same as `doorstep eval conversations`."""

from __future__ import annotations

import typer

from evals.cli_conversations import register


def main() -> None:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(app)
    app()


if __name__ == "__main__":
    main()

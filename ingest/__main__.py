"""`python -m ingest PATH... [--property P] --type TYPE [--json]`: the same command as `doorstep ingest`."""

from __future__ import annotations

import typer

from app.cli.knowledge import ingest_command

app = typer.Typer(add_completion=False, help="Ingest documents into Doorstep's knowledge index.")
app.command()(ingest_command)

if __name__ == "__main__":
    app()

"""What an ingest run did, file by file, as a rich table or JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from rich.table import Table

FileStatus = Literal["ingested", "replaced", "skipped", "failed", "removed"]

UNCHANGED = "unchanged"
"""The reason of a row skipped because its file is as it was last ingested; any other skipped row
was refused (a symbolic link leading outside the folder given, a FIFO) and says why."""


def _shown(path: str) -> str:
    """A path as the operator typed it: relative to the working directory when it lies below it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


class FileRow(BaseModel):
    """One source file's outcome."""

    path: str
    status: FileStatus
    pages: int = 0
    chunks: int = 0
    tokens: int = 0
    reason: str | None = Field(default=None, description="Why a file failed or was skipped.")


class FailedFile(BaseModel):
    path: str
    reason: str


class IngestReport(BaseModel):
    """Totals cover the files written in this run (ingested or replaced); skipped files add nothing."""

    files: int = Field(description="Files whose chunks were written (new or changed).")
    pages: int
    chunks: int
    tokens: int = Field(description="cl100k tokens in the chunks written.")
    skipped: int = Field(description="Files unchanged since their last ingest.")
    refused: int = Field(
        default=0,
        description="Paths not read: links leading outside the folder given, FIFOs, devices (rows say why).",
    )
    removed: int = Field(description="Sources deleted from disk whose chunks were dropped.")
    failed: list[FailedFile]
    seconds: float
    embed_seconds: float = Field(description="Time spent in the embedding model alone.")
    rows: list[FileRow]

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    def to_table(self) -> Table:
        """Per-file rows, then a totals caption."""
        table = Table(title="Ingest", show_lines=False)
        table.add_column("file", overflow="fold")
        table.add_column("status")
        table.add_column("pages", justify="right")
        table.add_column("chunks", justify="right")
        table.add_column("note", overflow="fold")
        styles = {"failed": "red", "removed": "yellow", "skipped": "dim"}
        for row in self.rows:
            table.add_row(
                _shown(row.path),
                f"[{styles.get(row.status, 'green')}]{row.status}[/]",
                str(row.pages) if row.pages else "",
                str(row.chunks) if row.chunks else "",
                row.reason or "",
            )
        refused = f"{self.refused} refused, " if self.refused else ""
        table.caption = (
            f"{self.files} written, {self.skipped} unchanged, {self.removed} removed, {refused}"
            f"{len(self.failed)} failed; {self.pages} pages, {self.chunks} chunks in {self.seconds:.1f} s"
        )
        return table

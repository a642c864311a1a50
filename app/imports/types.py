"""The words an import speaks: the kinds of report, the kinds of flag, and the report it prints."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from app.errors import InvalidInput


class ImportKind(StrEnum):
    RENT_ROLL = "rent-roll"
    LEDGER = "ledger"
    AGED_RECEIVABLES = "aged-receivables"

    @property
    def section(self) -> str:
        """The kind's table in a mapping file (`[rent_roll]`, `[ledger]`, `[aged_receivables]`)."""
        return self.value.replace("-", "_")


class FlagKind(StrEnum):
    """Dirty data an import leaves for staff. These JSON values are an interface."""

    DUPLICATE_RESIDENT = "duplicate_resident"
    """The same person twice: on two rows of a report, or entered twice on the lease in Doorstep."""
    BALANCE_MISMATCH = "balance_mismatch"
    """A balance the report states disagrees with the ledger detail (its own, or Doorstep's)."""
    CHANGED = "changed"
    """Changed since the previous import of the same source: a new or different row, a backdated line."""
    CREDIT = "credit"
    """A credit, concession or prepayment applied or held."""
    DEPOSIT = "deposit"
    """A security deposit charged, applied or refunded through the receivable."""
    NO_LEASE = "no_lease"
    """No Doorstep lease matches the row (or more than one does)."""
    LEASE_MISMATCH = "lease_mismatch"
    """The report's rent, deposit or lease dates disagree with the Doorstep lease."""


class Flag(BaseModel):
    row: int = Field(description="The row as a spreadsheet numbers it (the header is row 1).")
    kind: FlagKind
    detail: str
    lease: str | None = Field(default=None, description="The Doorstep lease reference, when one matched.")


class ImportReport(BaseModel):
    """What `doorstep import` did (or, with --dry-run, would do). Printed as JSON by --json."""

    kind: ImportKind
    source: str
    file: str
    sha256: str
    as_of: date
    dry_run: bool
    batch_id: int | None = Field(description="The import batch written (or matched); null on a dry run.")
    already_imported: bool = Field(description="This very file was imported before and nothing is new.")
    rows: int = Field(description="Data rows read: created + unchanged + not_applied.")
    created: int = Field(description="Rows this import adds: ledger lines posted, or report rows recorded.")
    unchanged: int = Field(description="Rows an earlier import already brought.")
    not_applied: int = Field(description="Ledger rows flagged and left out: no lease, or changed in place.")
    skipped: int = Field(description="Rows the mapping's skip rules drop (totals) and zero-amount lines.")
    entries_posted: int = Field(description="Ledger lines posted (0 for the report kinds).")
    flags: list[Flag]
    flag_counts: dict[str, int]


class ImportRejected(InvalidInput):
    """A file that cannot be imported as a whole: nothing was written. The message names the row and
    column of the first problem."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None) -> None:
        super().__init__(message)
        self.row = row
        self.column = column

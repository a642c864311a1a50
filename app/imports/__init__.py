"""Importing what property managers already have: rent rolls, tenant ledgers and aged receivables,
exported as CSV from their PM system and read through a column mapping per source.

`import_file` is the one entry point (the CLI's `doorstep import` calls it). An import is all or nothing,
idempotent by natural key, audited, and flags dirty data for staff instead of fixing it.
"""

from app.imports.service import import_file
from app.imports.types import Flag, FlagKind, ImportKind, ImportRejected, ImportReport

__all__ = ["Flag", "FlagKind", "ImportKind", "ImportRejected", "ImportReport", "import_file"]

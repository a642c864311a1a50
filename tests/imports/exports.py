"""PM exports for tests, written the way AppFolio and Yardi write them, about the demo portfolio's leases."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from app.imports import ImportKind, ImportReport, import_file
from app.ledger.types import EntryKind
from app.models import (
    AuditRecord,
    ImportBatch,
    ImportFlag,
    ImportRow,
    Lease,
    LeaseResident,
    LedgerEntry,
    Property,
    Resident,
    Unit,
)
from tests.support.databases import DEMO_AS_OF, Database

TODAY = DEMO_AS_OF


@dataclass(frozen=True)
class Tenancy:
    lease_id: int
    lease: str
    property_code: str
    property_name: str
    unit: str
    first: str
    last: str
    rent_cents: int
    deposit_cents: int
    start_on: date
    end_on: date | None

    @property
    def appfolio_name(self) -> str:
        return f"{self.last}, {self.first}"

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


def tenancy(db: Database, resident_ref: str) -> Tenancy:
    """The resident's newest lease, as an export would describe it."""
    with db.sessions() as s:
        found = s.execute(
            select(Resident, Lease, Unit, Property)
            .join(LeaseResident, LeaseResident.resident_id == Resident.id)
            .join(Lease, Lease.id == LeaseResident.lease_id)
            .join(Unit, Unit.id == Lease.unit_id)
            .join(Property, Property.id == Unit.property_id)
            .where(Resident.ref == resident_ref)
            .order_by(Lease.start_on.desc())
        ).first()
        assert found is not None, resident_ref
        resident, lease, unit, prop = found
        return Tenancy(
            lease.id,
            lease.ref,
            prop.code,
            prop.name,
            unit.number,
            resident.first_name,
            resident.last_name,
            lease.rent_cents,
            lease.deposit_cents,
            lease.start_on,
            lease.end_on,
        )


def balance(db: Database, lease_id: int, on: date = DEMO_AS_OF) -> int:
    """What the lease owes on `on` by Doorstep's ledger detail (receivable lines, deposits apart)."""
    with db.sessions() as s:
        total = s.scalar(
            select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
                LedgerEntry.lease_id == lease_id,
                LedgerEntry.kind != EntryKind.DEPOSIT.value,
                LedgerEntry.effective_on <= on,
            )
        )
        return int(total or 0)


def money(cents: int | None) -> str:
    """Cents as PM exports print them: 1,295.00, and (50.00) for a negative."""
    if cents is None:
        return ""
    text = f"{abs(cents) / 100:,.2f}"
    return f"({text})" if cents < 0 else text


def us_date(day: date | None) -> str:
    return day.strftime("%m/%d/%Y") if day else ""


def csv_bytes(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, preamble: Sequence[str] = ()
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in preamble:
        writer.writerow([line])
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


Line = tuple[date, str, int | None, int | None]
"""(date, description, charge cents, payment cents) of one ledger line."""

APPFOLIO_LEDGER = [
    "Property",
    "Unit",
    "Tenant",
    "Date",
    "Payer",
    "Description",
    "Charges",
    "Payments",
    "Balance",
]
YARDI_LEDGER = [
    "Property",
    "Unit",
    "Resident",
    "Name",
    "Date",
    "Chg Code",
    "Description",
    "Charge",
    "Payment",
    "Balance",
    "Chg/Rec",
]


def appfolio_ledger_rows(t: Tenancy, lines: Sequence[Line], *, opening: int) -> list[list[str]]:
    rows, running = [], opening
    for day, description, charge, payment in lines:
        running += (charge or 0) - (payment or 0)
        payer = t.name if payment else ""
        rows.append(
            [
                t.property_name,
                t.unit,
                t.appfolio_name,
                us_date(day),
                payer,
                description,
                money(charge),
                money(payment),
                money(running),
            ]
        )
    return rows


def yardi_ledger_rows(
    t: Tenancy, lines: Sequence[tuple[date, str, str, int | None, int | None, str]], *, opening: int
) -> list[list[str]]:
    """Lines are (date, charge code, description, charge, payment, Chg/Rec number)."""
    rows, running = [], opening
    for day, code, description, charge, payment, number in lines:
        running += (charge or 0) - (payment or 0)
        rows.append(
            [
                t.property_code,
                t.unit,
                f"t{t.lease_id:07d}",
                t.name,
                us_date(day),
                code,
                description,
                money(charge),
                money(payment),
                money(running),
                number,
            ]
        )
    return rows


def run(
    db: Database,
    kind: ImportKind,
    source: str,
    data: bytes,
    *,
    as_of: date = DEMO_AS_OF,
    dry_run: bool = False,
    name: str = "export.csv",
) -> ImportReport:
    with db.sessions() as s, s.begin():
        return import_file(
            s,
            kind=kind,
            source=source,
            data=data,
            file_name=name,
            as_of=as_of,
            today=TODAY,
            actor="test",
            dry_run=dry_run,
        )


def counts(db: Database) -> dict[str, int]:
    """Rows in every table an import writes to."""
    with db.sessions() as s:
        return {
            model.__tablename__: int(s.scalar(select(func.count()).select_from(model)) or 0)
            for model in (LedgerEntry, AuditRecord, ImportBatch, ImportRow, ImportFlag)
        }


def flags_of(report: ImportReport, kind: str) -> list[tuple[int, str | None, str]]:
    return [(f.row, f.lease, f.detail) for f in report.flags if f.kind.value == kind]

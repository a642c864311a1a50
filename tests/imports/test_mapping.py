"""Column mappings: the shipped ones, an operator's own, and mappings that are refused before any import."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.errors import InvalidInput
from app.imports import ImportKind, import_file
from app.imports.mapping import FIELDS, load_mapping
from app.models import LedgerEntry
from tests.factories import make_household
from tests.support.databases import Database

RENT_MANAGER = """
name = "rentmgr"
title = "Rent Manager (Transactions report)"
date_formats = ["%Y-%m-%d"]

[ledger]
ignore = ["Posted By"]

[ledger.columns]
unit = "Unit"
resident = "Tenant"
date = "Date"
code = "Type"
description = "Memo"
amount = "Amount"

[ledger.classify]
payment = ['^pmt']
rent = ['^rent']
"""


@pytest.mark.parametrize("source", ["appfolio", "yardi"])
def test_the_shipped_mappings_read_every_kind_of_report(source: str) -> None:
    mapping = load_mapping(source)
    for kind in ImportKind:
        section = mapping.for_kind(kind)
        assert section is not None, kind
        assert set(section.columns) <= set(FIELDS[kind])


def test_an_unknown_source_names_the_ones_there_are(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"use one of appfolio, yardi or add .*/nope\.toml"):
        load_mapping("nope", operator_dir=tmp_path)
    with pytest.raises(InvalidInput, match="is not a source name"):
        load_mapping("../../etc/passwd", operator_dir=tmp_path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "rentmgr"', 'name = "other"'), "must match the file name"),
        (('amount = "Amount"', 'amount = "Amount"\ncost = "Cost"'), "maps unknown fields ['cost']"),
        (('amount = "Amount"', 'amount = "Amount"\ncharge = "Charge"'), "either `amount`"),
        (('date = "Date"\n', ""), "must map ['date']"),
        (("payment = ['^pmt']", "payment = ['^(pmt']"), "is not a regular expression"),
        (("payment = ['^pmt']", "refund = ['^ref']"), "classes are"),
        (('title = "Rent', "title = Rent"), "not valid TOML"),
        (('ignore = ["Posted By"]', 'ignore = ["Memo"]'), "names a column twice"),
    ],
)
def test_a_broken_operator_mapping_is_refused_with_the_reason(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    old, new = change
    assert old in RENT_MANAGER
    (tmp_path / "rentmgr.toml").write_text(RENT_MANAGER.replace(old, new))
    with pytest.raises(InvalidInput) as raised:
        load_mapping("rentmgr", operator_dir=tmp_path)
    assert message in str(raised.value)


def test_an_operator_mapping_cannot_take_a_shipped_name(tmp_path: Path) -> None:
    (tmp_path / "yardi.toml").write_text(RENT_MANAGER.replace('"rentmgr"', '"yardi"'))
    with pytest.raises(InvalidInput, match="has the name of a shipped mapping"):
        load_mapping("yardi", operator_dir=tmp_path)


def test_an_operator_mapping_with_one_signed_amount_column_imports_a_ledger(
    db: Database, tmp_path: Path
) -> None:
    """An export with no property column and one signed amount: payments told apart by their type."""
    (tmp_path / "rentmgr.toml").write_text(RENT_MANAGER)
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        lease_id = lease.id
    export = (
        b"Unit,Tenant,Date,Type,Memo,Amount,Posted By\n"
        b"101,Test Resident,2026-11-01,Rent,November rent,1500.00,system\n"
        b"101,Test Resident,2026-11-03,PMT,Check 1001,-1500.00,jo\n"
        b"101,Test Resident,2026-11-05,Adj,Fee waived,-25.00,jo\n"
    )

    with db.sessions.begin() as s:
        report = import_file(
            s,
            kind=ImportKind.LEDGER,
            source="rentmgr",
            data=export,
            file_name="transactions.csv",
            as_of=date(2026, 11, 30),
            today=date(2026, 11, 30),
            operator_dir=tmp_path,
        )

    assert (report.created, report.flag_counts) == (3, {"credit": 1})
    with db.sessions() as s:
        posted = s.execute(
            select(LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.charge_code, LedgerEntry.source)
            .where(LedgerEntry.lease_id == lease_id)
            .order_by(LedgerEntry.id)
        ).all()
    assert [tuple(p) for p in posted] == [
        ("rent", 150_000, "Rent", "import-rentmgr"),
        ("payment", -150_000, "PMT", "import-rentmgr"),
        ("credit", -2_500, "Adj", "import-rentmgr"),
    ]

"""Rent-roll and aged-receivables imports on SQLite and PostgreSQL, AppFolio-style and Yardi-style."""

from __future__ import annotations

from datetime import date

import pytest

from app.imports import ImportKind, ImportRejected
from tests.imports.exports import Tenancy, balance, counts, csv_bytes, flags_of, money, run, tenancy, us_date
from tests.support.databases import DEMO_AS_OF, Database

RENT_ROLL = ImportKind.RENT_ROLL
AGED = ImportKind.AGED_RECEIVABLES
APPFOLIO_RENT_ROLL = [
    "Property",
    "Unit",
    "BD/BA",
    "Tenant",
    "Status",
    "Rent",
    "Deposit",
    "Lease From",
    "Lease To",
    "Move-in",
    "Move-out",
    "Past Due",
]
YARDI_RENT_ROLL = [
    "Property",
    "Unit",
    "Unit Type",
    "Unit Sq Ft",
    "Resident",
    "Name",
    "Market Rent",
    "Actual Rent",
    "Resident Deposit",
    "Other Deposit",
    "Move In",
    "Lease Expiration",
    "Move Out",
    "Balance",
]
APPFOLIO_AGED = [
    "Property",
    "Unit",
    "Name",
    "Tenant Status",
    "Rent",
    "Amount Receivable",
    "0-30",
    "30-60",
    "60-90",
    "90+",
    "Last Payment",
    "Delinquency Notes",
]
YARDI_AGED = [
    "Property",
    "Unit",
    "Resident",
    "Name",
    "Total Unpaid",
    "0-30",
    "31-60",
    "61-90",
    "Over 90",
    "Prepays",
    "Balance",
]


def _people(db: Database, *names: str) -> list[Tenancy]:
    assert db.report is not None
    return [tenancy(db, db.report.personas[n].split(",")[0]) for n in names]


def _rent_roll_row(
    source: str, t: Tenancy, *, rent: int | None = None, unit: str | None = None, owed: int = 0
) -> list[str]:
    rent = t.rent_cents if rent is None else rent
    if source == "appfolio":
        return [
            t.property_name,
            unit or t.unit,
            "2/1.00",
            t.appfolio_name,
            "Current",
            money(rent),
            money(t.deposit_cents),
            us_date(t.start_on),
            us_date(t.end_on),
            us_date(t.start_on),
            "",
            money(max(owed, 0)),
        ]
    return [
        t.property_code,
        unit or t.unit,
        "ut000011",
        "850",
        f"t{t.lease_id:07d}",
        t.name,
        money(rent),
        money(rent),
        money(t.deposit_cents),
        "0.00",
        us_date(t.start_on),
        us_date(t.end_on),
        "",
        money(owed),
    ]


def _vacant_row(source: str, t: Tenancy, unit: str) -> list[str]:
    if source == "appfolio":
        return [t.property_name, unit, "1/1.00", "VACANT", "Vacant-Unrented", "", "", "", "", "", "", ""]
    return [
        t.property_code,
        unit,
        "ut000011",
        "850",
        "VACANT",
        "VACANT",
        "1,400.00",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
    ]


def _rent_roll(source: str, rows: list[list[str]]) -> bytes:
    header = APPFOLIO_RENT_ROLL if source == "appfolio" else YARDI_RENT_ROLL
    preamble = ["Rent Roll", f"As of: {us_date(DEMO_AS_OF)}"] if source == "appfolio" else []
    return csv_bytes(
        header,
        [*rows, ["Total"] + [""] * (len(header) - 1)] if source == "appfolio" else rows,
        preamble=preamble,
    )


@pytest.mark.parametrize("source", ["appfolio", "yardi"])
def test_a_rent_roll_is_recorded_once_and_what_disagrees_is_flagged(demo_db: Database, source: str) -> None:
    on_time, late, spare = _people(demo_db, "on_time", "delinquent", "partial")
    stranger = Tenancy(
        0,
        "",
        on_time.property_code,
        on_time.property_name,
        spare.unit,
        "Pat",
        "Nobody",
        1_000_00,
        0,
        date(2026, 1, 1),
        None,
    )
    rows = [
        _rent_roll_row(source, on_time, owed=balance(demo_db, on_time.lease_id)),
        _rent_roll_row(
            source, late, rent=late.rent_cents + 25_00, owed=balance(demo_db, late.lease_id) + 1_00
        ),
        _vacant_row(source, on_time, "Z-1"),
        _rent_roll_row(source, stranger),
        _rent_roll_row(source, on_time, unit=spare.unit),
    ]
    data = _rent_roll(source, rows)
    before = counts(demo_db)

    preview = run(demo_db, RENT_ROLL, source, data, dry_run=True)
    assert counts(demo_db) == before
    report = run(demo_db, RENT_ROLL, source, data)

    assert (report.rows, report.created, report.entries_posted) == (5, 5, 0)
    assert preview.flags == report.flags
    first = 4 if source == "appfolio" else 2  # AppFolio's export opens with a title and an "As of" line
    mismatch = flags_of(report, "lease_mismatch")
    assert [(r, lease) for r, lease, _ in mismatch] == [(first + 1, late.lease)]
    assert f"rent {money(late.rent_cents + 25_00)} here" in mismatch[0][2].replace("$", "")
    assert [r for r, _, _ in flags_of(report, "no_lease")] == [first + 3, first + 4]
    duplicates = flags_of(report, "duplicate_resident")
    assert [r for r, _, d in duplicates if "also on row" in d] == [first + 4]
    if source == "yardi":  # AppFolio's rent roll states what is past due, not the balance: not compared
        assert [(r, lease) for r, lease, _ in flags_of(report, "balance_mismatch")] == [
            (first + 1, late.lease)
        ]
    after = counts(demo_db)
    assert after["ledger_entries"] == before["ledger_entries"]
    assert after["import_rows"] == before["import_rows"] + 5

    again = run(demo_db, RENT_ROLL, source, data)

    assert again.already_imported and (again.created, again.unchanged) == (0, 5)
    assert counts(demo_db) == after


def test_a_later_rent_roll_flags_what_changed_since_the_previous_one(demo_db: Database) -> None:
    on_time, late = _people(demo_db, "on_time", "delinquent")
    run(
        demo_db,
        RENT_ROLL,
        "yardi",
        _rent_roll("yardi", [_rent_roll_row("yardi", on_time)]),
        as_of=date(2026, 11, 1),
    )

    report = run(
        demo_db,
        RENT_ROLL,
        "yardi",
        _rent_roll(
            "yardi",
            [
                _rent_roll_row("yardi", on_time, rent=on_time.rent_cents + 50_00),
                _rent_roll_row("yardi", late),
            ],
        ),
    )

    changed = {r: d for r, _, d in flags_of(report, "changed")}
    assert set(changed) == {2, 3}
    assert f"rent ${money(on_time.rent_cents)} -> ${money(on_time.rent_cents + 50_00)}" in changed[2]
    assert changed[3].startswith("not in import #")
    assert report.created == 2


@pytest.mark.parametrize("source", ["appfolio", "yardi"])
def test_aged_receivables_balances_are_read_against_the_ledger(demo_db: Database, source: str) -> None:
    behind, partial, credit = _people(demo_db, "delinquent", "partial", "credit")
    owed = {t.lease: balance(demo_db, t.lease_id) for t in (behind, partial, credit)}
    assert owed[behind.lease] > 0 and owed[credit.lease] < 0

    def row(t: Tenancy, stated: int, buckets: tuple[int, int, int, int] | None = None) -> list[str]:
        unpaid = max(stated, 0)
        b = buckets or (unpaid, 0, 0, 0)
        if source == "appfolio":
            return [
                t.property_name,
                t.unit,
                t.name,
                "Current",
                money(t.rent_cents),
                money(stated),
                *map(money, b),
                "11/20/2026",
                "called",
            ]
        prepaid = min(stated, 0)
        return [
            t.property_code,
            t.unit,
            f"t{t.lease_id:07d}",
            t.name,
            money(unpaid),
            *map(money, b),
            money(prepaid),
            money(stated),
        ]

    header = APPFOLIO_AGED if source == "appfolio" else YARDI_AGED
    rows = [
        row(behind, owed[behind.lease]),
        row(partial, owed[partial.lease] + 10_00),
        row(credit, owed[credit.lease] if source == "yardi" else 0),  # AppFolio lists no prepaid
    ]
    if source == "yardi":
        rows.append(
            [
                behind.property_code,
                "Z-404",
                "t9999999",
                "Pat Nobody",
                "10.00",
                "10.00",
                "0.00",
                "0.00",
                "0.00",
                "0.00",
                "10.00",
            ]
        )

    report = run(demo_db, AGED, source, csv_bytes(header, rows))

    mismatches = flags_of(report, "balance_mismatch")
    assert (3, partial.lease) in {(r, lease) for r, lease, _ in mismatches}
    assert 2 not in {r for r, _, _ in mismatches}  # the right balance is not flagged
    if source == "yardi":
        assert [(r, lease) for r, lease, _ in flags_of(report, "credit")] == [(4, credit.lease)]
        assert [r for r, _, _ in flags_of(report, "no_lease")] == [5]
    else:
        assert (4, credit.lease) in {(r, lease) for r, lease, _ in mismatches}  # it owes nothing: a credit
    assert report.created == len(rows)


def test_aging_buckets_that_do_not_add_up_are_flagged(demo_db: Database) -> None:
    (behind,) = _people(demo_db, "delinquent")
    owed = balance(demo_db, behind.lease_id)
    row = [
        behind.property_code,
        behind.unit,
        "t1",
        behind.name,
        money(owed),
        money(owed - 1_00),
        "1.00",
        "1.00",
        "0.00",
        "0.00",
        money(owed),
    ]

    report = run(demo_db, AGED, "yardi", csv_bytes(YARDI_AGED, [row]))

    (flag,) = flags_of(report, "balance_mismatch")
    assert flag[0] == 2 and "aging buckets add to" in flag[2]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("Prepays", "150.00", "must be zero or negative"),
        ("31-60", "(20.00)", "must not be negative"),
        ("Balance", "", "empty: every row needs it"),
    ],
)
def test_aged_receivables_refuses_amounts_of_the_wrong_sign(
    demo_db: Database, column: str, value: str, message: str
) -> None:
    (behind,) = _people(demo_db, "delinquent")
    row = [
        behind.property_code,
        behind.unit,
        "t1",
        behind.name,
        "10.00",
        "10.00",
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "10.00",
    ]
    row[YARDI_AGED.index(column)] = value
    before = counts(demo_db)

    with pytest.raises(ImportRejected, match=f"row 2, column '{column}': .*{message}"):
        run(demo_db, AGED, "yardi", csv_bytes(YARDI_AGED, [row]))

    assert counts(demo_db) == before

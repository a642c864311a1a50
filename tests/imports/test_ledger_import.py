"""Tenant-ledger imports on SQLite and PostgreSQL, from AppFolio-style and Yardi-style exports."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit import verify_chain
from app.imports import ImportKind, ImportRejected
from app.models import LedgerEntry
from tests.imports.exports import (
    APPFOLIO_LEDGER,
    YARDI_LEDGER,
    Tenancy,
    appfolio_ledger_rows,
    balance,
    counts,
    csv_bytes,
    flags_of,
    run,
    tenancy,
    yardi_ledger_rows,
)
from tests.support.databases import Database

LEDGER = ImportKind.LEDGER
DEC = date(2026, 12, 1)


def _december(t: Tenancy, *, late: bool = False) -> list[tuple[date, str, str, int | None, int | None, str]]:
    """(date, code, description, charge, payment, number): December's rent, maybe a late fee, payment."""
    lines = [(DEC, "rent", "Rent Income - December 2026", t.rent_cents, None, f"C-{t.lease_id}01")]
    if late:
        lines.append((date(2026, 12, 7), "late", "Late Fee", 75_00, None, f"C-{t.lease_id}02"))
    paid = t.rent_cents + (75_00 if late else 0)
    lines.append((date(2026, 12, 9), "", "Payment (ACH)", None, paid, f"R-{t.lease_id}03"))
    return lines


def _export(db: Database, source: str, tenancies: list[Tenancy], *, late: bool = False) -> bytes:
    rows: list[list[str]] = []
    for t in tenancies:
        lines = _december(t, late=late)
        opening = balance(db, t.lease_id)
        if source == "appfolio":
            rows += appfolio_ledger_rows(
                t, [(d, desc, c, p) for d, _, desc, c, p, _ in lines], opening=opening
            )
        else:
            rows += yardi_ledger_rows(t, lines, opening=opening)
    return csv_bytes(APPFOLIO_LEDGER if source == "appfolio" else YARDI_LEDGER, rows)


def _personas(db: Database, *names: str) -> list[Tenancy]:
    assert db.report is not None
    return [tenancy(db, db.report.personas[name].split(",")[0]) for name in names]


@pytest.mark.parametrize("source", ["appfolio", "yardi"])
def test_a_ledger_export_posts_each_line_once_and_importing_it_again_changes_nothing(
    demo_db: Database, source: str
) -> None:
    people = _personas(demo_db, "on_time", "delinquent")
    data = _export(demo_db, source, people, late=True)
    before = counts(demo_db)

    first = run(demo_db, LEDGER, source, data)

    assert (first.rows, first.created, first.entries_posted, first.unchanged) == (6, 6, 6, 0)
    assert first.batch_id is not None and not first.already_imported
    assert flags_of(first, "balance_mismatch") == []
    after = counts(demo_db)
    assert after["ledger_entries"] == before["ledger_entries"] + 6
    assert after["audit_log"] == before["audit_log"] + 1
    with demo_db.sessions() as s:
        posted = s.execute(
            select(LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.resident_id)
            .where(LedgerEntry.lease_id == people[0].lease_id, LedgerEntry.source == f"import-{source}")
            .order_by(LedgerEntry.id)
        ).all()
        assert [(k, a) for k, a, _ in posted] == [
            ("rent", people[0].rent_cents),
            ("late_fee", 75_00),
            ("payment", -(people[0].rent_cents + 75_00)),
        ]
        assert posted[2].resident_id is not None  # the payer, matched by name
        assert verify_chain(s).ok

    again = run(demo_db, LEDGER, source, data)

    assert again.already_imported and again.batch_id == first.batch_id
    assert (again.created, again.unchanged, again.entries_posted) == (0, 6, 0)
    assert counts(demo_db) == after


def test_the_same_lines_in_another_file_are_unchanged(demo_db: Database) -> None:
    people = _personas(demo_db, "on_time")
    data = _export(demo_db, "appfolio", people)
    run(demo_db, LEDGER, "appfolio", data)
    before = counts(demo_db)

    reexport = run(demo_db, LEDGER, "appfolio", data.replace(b"\r\n", b"\n"), name="again.csv")

    assert not reexport.already_imported
    assert (reexport.created, reexport.unchanged) == (0, 2)
    assert counts(demo_db)["ledger_entries"] == before["ledger_entries"]


@pytest.mark.parametrize("source", ["appfolio", "yardi"])
def test_a_dry_run_reports_what_would_change_and_writes_nothing(demo_db: Database, source: str) -> None:
    data = _export(demo_db, source, _personas(demo_db, "on_time", "partial"))
    before = counts(demo_db)

    preview = run(demo_db, LEDGER, source, data, dry_run=True)

    assert preview.dry_run and preview.batch_id is None
    assert (preview.created, preview.entries_posted) == (4, 4)
    assert counts(demo_db) == before
    real = run(demo_db, LEDGER, source, data)
    assert (real.created, real.flag_counts) == (preview.created, preview.flag_counts)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12.345", "more than two decimal places"),
        ("1.5e3", "is not an amount"),
        ("twelve", "is not an amount"),
        ("$-75.00", "is not an amount"),
    ],
)
def test_one_bad_amount_rejects_the_whole_file_naming_its_row_and_column(
    demo_db: Database, value: str, message: str
) -> None:
    people = _personas(demo_db, "on_time", "partial")
    rows = APPFOLIO_LEDGER
    body = appfolio_ledger_rows(
        people[0], [(DEC, "Rent Income", people[0].rent_cents, None)], opening=0
    ) + appfolio_ledger_rows(people[1], [(DEC, "Rent Income", people[1].rent_cents, None)] * 3, opening=0)
    body[2][6] = value  # row 4 of the sheet (the header is row 1)
    before = counts(demo_db)

    with pytest.raises(ImportRejected, match=message) as raised:
        run(demo_db, LEDGER, "appfolio", csv_bytes(rows, body))

    assert str(raised.value).startswith("row 4, column 'Charges': ")
    assert str(raised.value).endswith("nothing was imported")
    assert counts(demo_db) == before


def test_a_line_with_both_a_charge_and_a_payment_is_refused(demo_db: Database) -> None:
    t = _personas(demo_db, "on_time")[0]
    body = appfolio_ledger_rows(t, [(DEC, "Rent Income", 100_00, 100_00)], opening=0)
    with pytest.raises(ImportRejected, match="row 2, column 'Payments': a line with both"):
        run(demo_db, LEDGER, "appfolio", csv_bytes(APPFOLIO_LEDGER, body))


def test_lines_for_unknown_leases_are_flagged_and_left_out_and_the_rest_is_posted(demo_db: Database) -> None:
    t = _personas(demo_db, "on_time")[0]
    good = appfolio_ledger_rows(
        t, [(DEC, "Rent Income", t.rent_cents, None)], opening=balance(demo_db, t.lease_id)
    )
    nowhere = [t.property_name, "Z-999", t.appfolio_name, "12/01/2026", "", "Rent Income", "900.00", "", ""]
    stranger = [t.property_name, t.unit, "Nobody, Else", "12/01/2026", "", "Rent Income", "900.00", "", ""]
    before = counts(demo_db)

    report = run(demo_db, LEDGER, "appfolio", csv_bytes(APPFOLIO_LEDGER, [*good, nowhere, stranger]))

    assert (report.created, report.not_applied) == (1, 2)
    no_lease = flags_of(report, "no_lease")
    assert [row for row, _, _ in no_lease] == [3, 4]
    assert "no unit Maple Court Apartments unit Z-999" in no_lease[0][2]
    assert "lists a resident named 'Else Nobody'" in no_lease[1][2]
    assert counts(demo_db)["ledger_entries"] == before["ledger_entries"] + 1


def test_a_returned_payment_reverses_the_payment_it_returns(demo_db: Database) -> None:
    t = _personas(demo_db, "on_time")[0]
    opening = balance(demo_db, t.lease_id)
    lines = [
        (DEC, "Rent Income", t.rent_cents, None),
        (date(2026, 12, 2), "Payment (ACH)", None, t.rent_cents),
        (date(2026, 12, 6), "Payment returned: R01 insufficient funds", None, -t.rent_cents),
    ]

    report = run(
        demo_db,
        LEDGER,
        "appfolio",
        csv_bytes(APPFOLIO_LEDGER, appfolio_ledger_rows(t, lines, opening=opening)),
    )

    assert report.entries_posted == 3 and report.flag_counts.get("balance_mismatch") is None
    with demo_db.sessions() as s:
        payment, reversal = s.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.lease_id == t.lease_id, LedgerEntry.kind.in_(["payment", "reversal"]))
            .where(LedgerEntry.source == "import-appfolio")
            .order_by(LedgerEntry.id)
        ).all()
        assert reversal.reverses_id == payment.id and reversal.amount_cents == t.rent_cents
        assert verify_chain(s).ok


def test_an_export_sorted_newest_first_reads_the_same(demo_db: Database) -> None:
    t = _personas(demo_db, "on_time")[0]
    lines = [
        (DEC, "Rent Income", t.rent_cents, None),
        (date(2026, 12, 2), "Payment (ACH)", None, t.rent_cents),
        (date(2026, 12, 6), "Payment returned", None, -t.rent_cents),
    ]
    rows = appfolio_ledger_rows(t, lines, opening=balance(demo_db, t.lease_id))

    report = run(demo_db, LEDGER, "appfolio", csv_bytes(APPFOLIO_LEDGER, rows[::-1]))

    assert report.entries_posted == 3
    assert report.flag_counts == {}


def test_a_returned_payment_that_matches_no_payment_rejects_the_file(demo_db: Database) -> None:
    t = _personas(demo_db, "on_time")[0]
    lines = [(date(2026, 12, 6), "Payment returned", None, -123_45)]
    with pytest.raises(ImportRejected, match=r"row 2, column 'Payments': a returned payment of \$123.45"):
        run(
            demo_db, LEDGER, "appfolio", csv_bytes(APPFOLIO_LEDGER, appfolio_ledger_rows(t, lines, opening=0))
        )


def test_credits_deposits_duplicates_and_disagreeing_balances_are_flagged(demo_db: Database) -> None:
    t, dup = _personas(demo_db, "on_time", "duplicate")
    opening = balance(demo_db, t.lease_id)
    rows = appfolio_ledger_rows(
        t,
        [
            (DEC, "Rent Income", t.rent_cents, None),
            (date(2026, 12, 2), "Concession: December special", -100_00, None),
            (date(2026, 12, 3), "Security Deposit applied to balance", -50_00, None),
        ],
        opening=opening,
    )
    rows[2][8] = "1.00"  # the export's own running balance is off on its last line
    rows += appfolio_ledger_rows(
        dup, [(DEC, "Rent Income", dup.rent_cents, None)], opening=balance(demo_db, dup.lease_id)
    )

    report = run(demo_db, LEDGER, "appfolio", csv_bytes(APPFOLIO_LEDGER, rows))

    assert [(r, lease) for r, lease, _ in flags_of(report, "credit")] == [(3, t.lease)]
    assert [(r, lease) for r, lease, _ in flags_of(report, "deposit")] == [(4, t.lease)]
    mismatches = flags_of(report, "balance_mismatch")
    assert {(r, lease) for r, lease, _ in mismatches} == {(4, t.lease)}
    assert any("running balance" in d for _, _, d in mismatches)
    assert any("Doorstep's ledger detail" in d for _, _, d in mismatches)
    duplicates = flags_of(report, "duplicate_resident")
    assert [(r, lease) for r, lease, _ in duplicates] == [(5, dup.lease)]
    assert "same name and phone" in duplicates[0][2]
    assert report.entries_posted == 4  # flagged, not fixed: every line is in the ledger as the PM has it


def test_a_transaction_changed_in_the_pm_is_flagged_and_never_edited(demo_db: Database) -> None:
    t = _personas(demo_db, "on_time")[0]
    lines = _december(t)
    run(
        demo_db,
        LEDGER,
        "yardi",
        csv_bytes(YARDI_LEDGER, yardi_ledger_rows(t, lines, opening=0)),
        name="nov.csv",
    )
    edited = [(d, code, desc, (c or 0) + 10_00 if c else c, p, n) for d, code, desc, c, p, n in lines]
    before = counts(demo_db)

    report = run(demo_db, LEDGER, "yardi", csv_bytes(YARDI_LEDGER, yardi_ledger_rows(t, edited, opening=0)))

    assert (report.created, report.unchanged, report.not_applied) == (0, 1, 1)
    changed = flags_of(report, "changed")
    assert [(r, lease) for r, lease, _ in changed] == [(2, t.lease)]
    assert "post a correction" in changed[0][2]
    assert counts(demo_db)["ledger_entries"] == before["ledger_entries"]


def test_lines_backdated_since_the_previous_import_are_flagged_as_changed(demo_db: Database) -> None:
    t = _personas(demo_db, "on_time")[0]
    first = [(DEC, "Rent Income", t.rent_cents, None)]
    run(
        demo_db,
        LEDGER,
        "appfolio",
        csv_bytes(APPFOLIO_LEDGER, appfolio_ledger_rows(t, first, opening=0)),
        as_of=date(2026, 12, 5),
    )
    later = [
        *first,
        (date(2026, 12, 3), "Parking - December", 40_00, None),
        (date(2026, 12, 9), "Payment", None, t.rent_cents + 40_00),
    ]

    report = run(
        demo_db,
        LEDGER,
        "appfolio",
        csv_bytes(APPFOLIO_LEDGER, appfolio_ledger_rows(t, later, opening=0)),
        as_of=date(2026, 12, 10),
    )

    assert (report.created, report.unchanged) == (2, 1)
    changed = flags_of(report, "changed")
    assert [r for r, _, _ in changed] == [3]
    assert "on or before import #" in changed[0][2]


def test_a_failure_while_writing_leaves_nothing_half_imported(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ledger lines are in, then recording the rows fails: the whole import rolls back."""
    from app.imports import service

    data = _export(demo_db, "appfolio", _personas(demo_db, "on_time", "partial"))
    before = counts(demo_db)

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(service, "_record_rows", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        run(demo_db, LEDGER, "appfolio", data)

    assert counts(demo_db) == before
    monkeypatch.undo()
    assert run(demo_db, LEDGER, "appfolio", data).created == 4

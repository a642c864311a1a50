"""Reading exports: amounts as PM systems print them, and every kind of malformed file refused clearly."""

from __future__ import annotations

from datetime import date

import pytest

from app.imports import ImportKind, ImportRejected
from app.imports.mapping import load_mapping
from app.imports.reading import Sheet, parse_report_amount, read_sheet
from app.money import AmountError

HEADER = "Property,Unit,Tenant,Date,Payer,Description,Charges,Payments,Balance"
LINE = 'Maple Court Apartments,A-101,"Vargas, Nadia",12/01/2026,,Rent Income,"1,295.00",,"1,295.00"'


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1,234.50", 123_450),
        ("$1,234.50", 123_450),
        ("(150.00)", -15_000),
        ("($1,234.50)", -123_450),
        ("-75", -7_500),
        ("-$75.00", -7_500),
        ("0.5", 50),
        ("  12  ", 1_200),
        ("", None),
    ],
)
def test_amounts_as_pm_exports_print_them_are_exact_cents(text: str, cents: int | None) -> None:
    assert parse_report_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12.345", "more than two decimal places"),
        ("0.001", "more than two decimal places"),
        ("1.5e3", "is not an amount"),
        ("1.2.3", "is not an amount"),
        ("(-5.00)", "negative twice"),
        ("$-75", "is not an amount"),
        ("1,23", "is not an amount"),
        ("NaN", "is not an amount"),
        ("75.00 USD", "is not an amount"),
    ],
)
def test_inexact_or_unreadable_amounts_are_refused(text: str, message: str) -> None:
    with pytest.raises(AmountError, match=message):
        parse_report_amount(text)


def _read(text: str | bytes, kind: ImportKind = ImportKind.LEDGER, source: str = "appfolio") -> Sheet:
    mapping = load_mapping(source)
    section = mapping.for_kind(kind)
    assert section is not None
    data = text.encode() if isinstance(text, str) else text
    return read_sheet(data, kind=kind, mapping=section, date_formats=mapping.date_formats)


def test_a_clean_export_reads_into_typed_rows_past_its_title_lines_and_totals() -> None:
    text = "\ufeffTenant Ledger\r\nAs of: 12/05/2026\r\n\r\n" + "\r\n".join(
        [
            HEADER.lower().replace("date", "Date "),
            LINE,
            "",
            LINE.replace("12/01/2026", "2026-12-02"),
            "Total,,,,,,,,,",
        ]
    )

    sheet = _read(text)

    assert [r.number for r in sheet.rows] == [5, 7]
    assert sheet.skipped == 1
    first = sheet.rows[0].values
    assert first["date"] == date(2026, 12, 1) and sheet.rows[1].values["date"] == date(2026, 12, 2)
    assert (first["charge"], first["payment"], first["balance"]) == (129_500, None, 129_500)
    assert first["resident"] == "Vargas, Nadia"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (f'{HEADER}\r\n{LINE}\r\n"Maple Court,A-102,unterminated', "malformed CSV"),
        (f"{HEADER}\r\n{LINE}\r\nMaple\x00Court,A-102,,,,,,,", "row 3: a NUL byte"),
        ("Property,Unit".encode("utf-16-le"), "row 1: a NUL byte"),
        (
            f"{HEADER}\r\n{LINE}".encode() + b"\r\nMaple Court,A-1\xff02,,,,,,,",
            "row 3: the file is not UTF-8",
        ),
        ("", "no header row"),
        ("just,some,words\r\n1,2,3", "no header row"),
        (f"{HEADER},Memo\r\n{LINE},x", "row 1, column 'Memo': unknown column"),
        (HEADER.replace("Date,", "") + "\r\n" + LINE, "lacks required column(s) Date"),
        (
            HEADER.replace("Payer", "Charges") + "\r\n" + LINE,
            "row 1, column 'Charges': the header names this column twice",
        ),
        (f"{HEADER}\r\n{LINE}\r\nMaple Court,A-102,x,12/01/2026", "row 3: 4 fields where the header has 9"),
        (
            f"{HEADER}\r\n{LINE.replace('12/01/2026', '13/45/2026')}",
            "row 2, column 'Date': '13/45/2026' is not a date",
        ),
        (f"{HEADER}\r\n{LINE.replace('12/01/2026', '01/01/1900')}", "dates must lie between"),
        (
            HEADER + "\r\n" + LINE.replace("Rent Income", "Rent \x1b[31mIncome"),
            "control or formatting characters",
        ),
        (HEADER + "\r\n" + LINE.replace("Rent Income", "Rent \u202eIncome"), "U+202E"),
        (f"{HEADER},\r\n{LINE},oops", "row 2, column '#10': a value in a column with no header"),
        (f"{HEADER}\r\n{LINE},oops", "row 2: 10 fields where the header has 9"),
    ],
)
def test_a_malformed_export_is_refused_with_one_line_naming_where(data: str | bytes, message: str) -> None:
    with pytest.raises(ImportRejected, match="nothing was imported") as raised:
        _read(data)
    assert message in str(raised.value)


def test_the_first_problem_is_named_and_the_rest_counted() -> None:
    bad = [LINE.replace('"1,295.00",,', f'"{n}.001",,') for n in range(3)]
    with pytest.raises(ImportRejected) as raised:
        _read("\r\n".join([HEADER, LINE, *bad]))
    assert str(raised.value).startswith("row 3, column 'Charges': '0.001' has more than two decimal places")
    assert "; 2 more problems; nothing was imported" in str(raised.value)
    assert (raised.value.row, raised.value.column) == (3, "Charges")


def test_a_trailing_empty_cell_is_not_a_ragged_row() -> None:
    sheet = _read(f"{HEADER}\r\n{LINE},\r\n")
    assert len(sheet.rows) == 1


def test_a_rent_roll_refuses_a_negative_rent() -> None:
    header = "Property,Unit,Tenant,Status,Rent,Deposit,Lease From,Lease To,Move-in,Move-out"
    row = 'Maple Court Apartments,A-101,"Vargas, Nadia",Current,(1295.00),500,01/01/2026,12/31/2026,,'
    with pytest.raises(ImportRejected, match="row 2, column 'Rent': -\\$1,295.00 must not be negative"):
        _read(f"{header}\r\n{row}", ImportKind.RENT_ROLL)

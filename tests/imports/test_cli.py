"""`doorstep import`: the JSON an operator scripts against, and one-line errors that change nothing."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import app
from tests.imports.exports import APPFOLIO_LEDGER, appfolio_ledger_rows, balance, counts, csv_bytes, tenancy
from tests.support.databases import Database

runner = CliRunner()
KEYS = {
    "kind",
    "source",
    "file",
    "sha256",
    "as_of",
    "dry_run",
    "batch_id",
    "already_imported",
    "rows",
    "created",
    "unchanged",
    "not_applied",
    "skipped",
    "entries_posted",
    "flags",
    "flag_counts",
}


def _export(db: Database, path: Path, *, bad: bool = False) -> Path:
    assert db.report is not None
    t = tenancy(db, db.report.personas["on_time"])
    rows = appfolio_ledger_rows(
        t,
        [
            (date(2026, 12, 1), "Rent Income", t.rent_cents, None),
            (date(2026, 12, 2), "Payment", None, t.rent_cents),
        ],
        opening=balance(db, t.lease_id),
    )
    if bad:
        rows[1][7] = "1,295.001"
    path.write_bytes(csv_bytes(APPFOLIO_LEDGER, rows))
    return path


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_import_json_reports_the_documented_keys_and_a_second_run_changes_nothing(
    cli_db: Database, tmp_path: Path
) -> None:
    path = _export(cli_db, tmp_path / "ledger.csv")
    args = ["import", "ledger", str(path), "--source", "appfolio", "--as-of", "2026-12-05", "--json"]

    code, out, _ = _invoke(*args)

    assert code == 0
    body = json.loads(out)
    assert set(body) == KEYS
    assert body["kind"] == "ledger" and body["source"] == "appfolio" and body["file"] == "ledger.csv"
    assert (body["rows"], body["created"], body["entries_posted"], body["dry_run"]) == (2, 2, 2, False)
    assert all(set(flag) == {"row", "kind", "detail", "lease"} for flag in body["flags"])
    after = counts(cli_db)

    code, out, _ = _invoke(*args)

    again = json.loads(out)
    assert code == 0 and again["already_imported"] and again["batch_id"] == body["batch_id"]
    assert (again["created"], again["unchanged"]) == (0, 2)
    assert counts(cli_db) == after


def test_a_dry_run_prints_what_would_change_and_writes_nothing(cli_db: Database, tmp_path: Path) -> None:
    path = _export(cli_db, tmp_path / "ledger.csv")
    before = counts(cli_db)

    code, out, _ = _invoke("import", "ledger", str(path), "--source", "appfolio", "--dry-run")

    assert code == 0
    assert "dry run: nothing was written" in " ".join(out.split())
    assert counts(cli_db) == before
    code, out, _ = _invoke("import", "ledger", str(path), "--source", "appfolio", "--dry-run", "--json")
    body = json.loads(out)
    assert body["dry_run"] and body["batch_id"] is None and body["created"] == 2
    assert counts(cli_db) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ledger", "{bad}", "--source", "appfolio"], "error: row 3, column 'Payments': '1,295.001' has"),
        (["ledger", "{missing}", "--source", "appfolio"], "is not a file"),
        (["ledger", "{good}", "--source", "quickbooks"], "no mapping for --source 'quickbooks'"),
        (["ledger", "{good}", "--source", "yardi"], "unknown column"),
        (["ledger", "{good}", "--source", "appfolio", "--as-of", "2026-02-30"], "not a real date"),
    ],
)
def test_bad_input_is_one_clear_line_exit_2_and_writes_nothing(
    cli_db: Database, tmp_path: Path, args: list[str], message: str
) -> None:
    files = {
        "{good}": str(_export(cli_db, tmp_path / "good.csv")),
        "{bad}": str(_export(cli_db, tmp_path / "bad.csv", bad=True)),
        "{missing}": str(tmp_path / "missing.csv"),
    }
    before = counts(cli_db)

    code, out, err = _invoke("import", *(files.get(a, a) for a in args))

    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert counts(cli_db) == before

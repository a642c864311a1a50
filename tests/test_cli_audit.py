"""`doorstep audit verify`: passes on the demo data, fails naming the entry after a direct change."""

from __future__ import annotations

import json

from sqlalchemy import text
from typer.testing import CliRunner

from app.cli import app
from tests.support.databases import Database
from tests.support.tamper import without_append_only_guard

runner = CliRunner()


def test_verify_passes_on_the_demo_portfolio(cli_db: Database) -> None:
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["ok"] is True and body["first_bad"] is None
    assert body["entries"] == cli_db.report.entries  # type: ignore[union-attr]


def test_verify_names_a_ledger_entry_changed_in_the_database(cli_db: Database) -> None:
    with cli_db.engine.begin() as conn, without_append_only_guard(conn, "ledger_entries"):
        conn.execute(text("UPDATE ledger_entries SET amount_cents = amount_cents + 1 WHERE id = 2000"))
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 1
    bad = json.loads(result.stdout)["first_bad"]
    assert bad["table"] == "ledger_entries"
    assert bad["id"] <= 2000 and "does not match" in bad["reason"]
    # The human form says the same in one line.
    plain = runner.invoke(app, ["audit", "verify"])
    assert plain.exit_code == 1 and "ledger_entries" in plain.output


def test_verify_names_the_line_after_a_deleted_audit_line(cli_db: Database) -> None:
    ref = cli_db.report.personas["partial"]  # type: ignore[union-attr]
    posted = runner.invoke(app, ["ledger", "post", ref, "--kind", "charge", "--amount", "25.00", "-d", "Key"])
    assert posted.exit_code == 0, posted.output
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    with cli_db.engine.begin() as conn, without_append_only_guard(conn, "audit_log"):
        conn.execute(text("DELETE FROM audit_log WHERE id = 1"))
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 1
    bad = json.loads(result.stdout)["first_bad"]
    assert bad == {"table": "audit_log", "id": 2, "reason": bad["reason"]}
    assert "does not follow" in bad["reason"]

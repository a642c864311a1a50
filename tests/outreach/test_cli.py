"""`doorstep outreach run | list | approve | reject | config` against a database of its own."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from app.cli import app
from app.config import get_settings
from tests.outreach.test_outreach import AGENT, MANAGER, _ladder, _lease, _staff
from tests.support.databases import TEST_AUDIT_KEY, Database

runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr + repr(result.exception)


def test_run_list_approve_and_reject_from_the_command_line(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", db.settings.database_url)
    monkeypatch.setenv("DOORSTEP_AUDIT_KEY", TEST_AUDIT_KEY)
    get_settings.cache_clear()
    _staff(db)
    _lease(db, mode="shadow")
    _lease(db, mode="shadow")
    _ladder(db)
    code, out, err = _invoke(
        "outreach", "run", "--date", "2026-11-03", "--at", "2026-11-04T20:00:00+00:00", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["drafted"] == []  # the reminders fired on Nov 4
    code, out, err = _invoke("outreach", "run", "--at", "2026-11-04T20:00:00+00:00", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert len(report["drafted"]) == 2 and report["awaiting_approval"] == 2 and report["outbox"] == []
    first, second = (d["id"] for d in report["drafted"])
    code, out, err = _invoke("outreach", "approve", str(first), "--actor", AGENT, "--json")
    assert code == 0, err
    assert json.loads(out)["decided_by"] == AGENT
    code, _, err = _invoke(
        "outreach", "reject", str(second), "--actor", MANAGER, "--reason", "paid at the office"
    )
    assert code == 0, err
    code, _, err = _invoke("outreach", "approve", str(second), "--actor", MANAGER)
    assert code != 0 and "not awaiting approval" in err
    code, out, _ = _invoke("outreach", "list", "--status", "rejected", "--json")
    assert [d["id"] for d in json.loads(out)] == [second]
    code, _, err = _invoke("outreach", "list", "--status", "nonsense")
    assert code != 0 and "--status" in err
    code, out, err = _invoke("outreach", "run", "--at", "2026-11-04T20:00:00+00:00", "--json")
    assert code == 0, err
    assert json.loads(out)["outbox"] == [first]
    code, out, err = _invoke("outreach", "run", "--at", "2026-11-04T20:00:00+00:00", "--json")
    assert json.loads(out)["outbox"] == [] and json.loads(out)["drafted"] == []

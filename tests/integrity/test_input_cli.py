"""Numbers and moments typed on the command line are checked before anything runs: `outreach run --at`
stays inside the ledger's calendar and `collections steps --limit` inside its documented range, each
refused in one line on stderr with exit 2, and nothing is drafted, sent or changed."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.cli import app
from app.config import get_settings
from app.models import AuditRecord, CollectionStep, OutreachDraft
from tests.outreach.test_outreach import _ladder, _lease, _staff
from tests.support.databases import TEST_AUDIT_KEY, Database

runner = CliRunner()


@pytest.fixture
def ladder_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Two leases in shadow mode whose reminders fired on 2026-11-04: an outreach run drafts two messages."""
    monkeypatch.setenv("DATABASE_URL", db.settings.database_url)
    monkeypatch.setenv("DOORSTEP_AUDIT_KEY", TEST_AUDIT_KEY)
    get_settings.cache_clear()
    _staff(db)
    _lease(db, mode="shadow")
    _lease(db, mode="shadow")
    _ladder(db)
    return db


def _written(db: Database) -> tuple[int, int]:
    with db.sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(OutreachDraft)) or 0),
            int(s.scalar(select(func.count()).select_from(AuditRecord)) or 0),
        )


def _one_line_refusal(args: list[str]) -> str:
    result = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert result.exit_code == 2, (result.output, result.exception)
    assert result.stdout == "", result.stdout
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    return result.stderr.strip()


@pytest.mark.parametrize(
    "moment", ["9999-12-31T23:59:59", "0001-01-01T00:00:00", "2200-01-01T00:00:00+00:00", "1969-12-31T23:59"]
)
def test_outreach_run_at_a_moment_outside_the_calendar_is_one_line_and_drafts_nothing(
    ladder_db: Database, moment: str
) -> None:
    before = _written(ladder_db)

    line = _one_line_refusal(["outreach", "run", "--at", moment, "--json"])

    assert line == f"error: --at {moment}: dates must lie between 1970-01-01 and 2199-12-31"
    assert _written(ladder_db) == before


def test_outreach_run_at_a_moment_inside_the_calendar_still_drafts(ladder_db: Database) -> None:
    result = runner.invoke(app, ["outreach", "run", "--at", "2026-11-04T20:00:00", "--json"])

    assert result.exit_code == 0, result.output
    assert _written(ladder_db)[0] == 2


@pytest.mark.parametrize("limit", ["-1", "0", "5001", str(2**70)])
def test_collections_steps_limit_outside_its_range_is_one_line(ladder_db: Database, limit: str) -> None:
    line = _one_line_refusal(["collections", "steps", "--limit", limit])

    assert line == f"error: --limit {limit}: give a number from 1 to 5,000"


def test_collections_steps_lists_at_most_the_limit(ladder_db: Database) -> None:
    with ladder_db.sessions() as s:
        fired = int(s.scalar(select(func.count()).select_from(CollectionStep)) or 0)
    assert fired >= 2

    result = runner.invoke(app, ["collections", "steps", "--limit", "1", "--json"])

    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 1

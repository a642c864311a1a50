"""The audit key lives outside the database; a lost, wrong or broken key is said in one line, and no
line is ever chained under a key the log was not written with."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from app.audit import verify_chain
from app.config import get_settings
from app.models import AuditRecord, LedgerEntry
from tests.support.databases import TEST_AUDIT_KEY, Database

runner = CliRunner()


def _counts(db: Database) -> tuple[int, int]:
    with db.sessions() as s:
        return (
            int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0),
            int(s.scalar(select(func.count()).select_from(AuditRecord)) or 0),
        )


def _as_operator(monkeypatch: pytest.MonkeyPatch, db: Database, key: str | None) -> None:
    monkeypatch.setenv("DATABASE_URL", db.settings.database_url)
    if key is None:
        monkeypatch.delenv("DOORSTEP_AUDIT_KEY", raising=False)
    else:
        monkeypatch.setenv("DOORSTEP_AUDIT_KEY", key)
    get_settings.cache_clear()


def _invoke(*args: str) -> tuple[int, str, str]:
    from app.cli import app

    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.exit_code, result.stdout, result.stderr


def test_the_key_is_not_in_the_database(demo_db: Database) -> None:
    with demo_db.engine.connect() as conn:
        dumped = "".join(
            str(row)
            for table in ("audit_log", "ledger_entries")
            for row in conn.exec_driver_sql(f"SELECT * FROM {table}")  # noqa: S608
        )
    assert TEST_AUDIT_KEY not in dumped and len(dumped) > 10_000


@pytest.mark.parametrize("key", [None, "another-key-0123456789abcdef0123456789"], ids=["lost", "wrong"])
def test_a_lost_or_wrong_key_refuses_to_extend_the_log_and_verify_says_why(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    """Lost: the key was in DOORSTEP_AUDIT_KEY and is no longer set (a development install then makes a
    new key file). Either way a posting would be chained under a key the log was not written with."""
    _as_operator(monkeypatch, demo_db, key)
    before = _counts(demo_db)
    ref = demo_db.report.personas["partial"]  # type: ignore[union-attr]
    code, out, err = _invoke("ledger", "post", ref, "--kind", "charge", "--amount", "25.00", "-d", "Key")
    assert code == 2, out + err
    assert "not signed with this installation's audit key" in err and len(err.strip().splitlines()) == 1
    assert _counts(demo_db) == before  # nothing posted, nothing logged
    code, out, _ = _invoke("audit", "verify", "--json")
    bad = json.loads(out)["first_bad"]
    assert code == 1 and bad["table"] == "audit_log" and bad["id"] == 1
    assert "signed with another key" in bad["reason"]
    # With the right key back, the log verifies and postings resume.
    _as_operator(monkeypatch, demo_db, TEST_AUDIT_KEY)
    assert _invoke("audit", "verify")[0] == 0
    code, out, err = _invoke("ledger", "post", ref, "--kind", "charge", "--amount", "25.00", "-d", "Key")
    assert code == 0, out + err
    with demo_db.sessions() as s:
        assert verify_chain(s).ok


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
def test_a_broken_key_file_is_one_clear_line(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    _as_operator(monkeypatch, db, None)
    key_file = get_settings().data_dir / "audit.key"
    key_file.write_text("short\n")
    code, out, err = _invoke("audit", "verify")
    assert code == 2, out + err
    assert "holds no usable key" in err and str(key_file) in err and len(err.strip().splitlines()) == 1
    assert key_file.read_text() == "short\n"  # never replaced behind the operator's back

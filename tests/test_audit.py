from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from app import audit
from tests.factories import make_household
from tests.support.databases import Database
from tests.support.tamper import without_append_only_guard


def test_chain_detects_an_edited_line(db: Database) -> None:
    with db.sessions.begin() as s:
        for n in range(3):
            audit.record(s, actor="staff:1", action="plan.approve", subject=f"plan:{n}", data={"n": n})
    with db.sessions() as s:
        assert audit.verify_chain(s).ok
    # Someone with database access bypasses the append-only trigger and edits the middle line.
    with db.engine.begin() as conn:
        if db.backend == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET actor = 'staff:2' WHERE subject = 'plan:1'"))
    with db.sessions() as s:
        report = audit.verify_chain(s)
    assert not report.ok
    assert report.first_bad_id == 2
    assert report.reason == "line content does not match its hash"


def test_each_line_links_to_the_one_before(db: Database) -> None:
    with db.sessions.begin() as s:
        first = audit.record(s, actor="a", action="x", subject="s")
        second = audit.record(s, actor="a", action="y", subject="s")
    assert first.prev_hash == audit.GENESIS
    assert second.prev_hash == first.hash


def _post(s, lease_id: int, external_id: str, cents: int = 25_00) -> int:  # noqa: ANN001
    from datetime import date

    from app.ledger.posting import EntryCreate, post_entry
    from app.ledger.types import EntryKind

    new = EntryCreate(
        lease_id=lease_id,
        kind=EntryKind.CHARGE,
        amount_cents=cents,
        effective_on=date(2026, 11, 2),
        description="Key replacement",
        external_id=external_id,
    )
    return post_entry(s, new, today=date(2026, 11, 23)).entry.id


def test_a_tail_rewritten_with_recomputed_hashes_fails_without_the_key(db: Database) -> None:
    """An attacker who can write rows re-signs the tail with plain SHA-256 (the old scheme) and with
    a key of their own: neither passes, because the real key never leaves the settings."""
    import hashlib
    import hmac as hmac_module

    with db.sessions.begin() as s:
        for n in range(3):
            audit.record(s, actor="staff:1", action="plan.approve", subject=f"plan:{n}", data={"n": n})
    for forge in (
        lambda body: hashlib.sha256(body.encode()).hexdigest(),
        lambda body: hmac_module.new(b"attacker-key", body.encode(), hashlib.sha256).hexdigest(),
    ):
        with db.engine.begin() as conn, without_append_only_guard(conn, "audit_log"):
            prev, at = conn.execute(text("SELECT prev_hash, at FROM audit_log WHERE id = 3")).one()
            at = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
            at = at if at.tzinfo else at.replace(tzinfo=UTC)
            data = {"n": 99}
            body = audit._canonical(
                {
                    "prev": prev,
                    "at": at.astimezone(UTC).isoformat(),
                    "actor": "staff:1",
                    "action": "plan.approve",
                    "subject": "plan:2",
                    "data": data,
                }
            )
            conn.execute(
                text("UPDATE audit_log SET data = :d, hash = :h WHERE id = 3"),
                {"d": json.dumps(data), "h": forge(body)},
            )
        with db.sessions() as s:
            report = audit.verify_chain(s)
        assert not report.ok and report.first_bad_id == 3


def test_ledger_entries_are_in_the_chain(db: Database) -> None:
    with db.sessions.begin() as s:
        _, lease = make_household(s)
        first = _post(s, lease.id, "k-1")
        second = _post(s, lease.id, "k-2")
    with db.sessions() as s:
        report = audit.verify_chain(s)
    assert report.ok and report.entries == 2

    # A line written straight into the table, around the posting code, is named...
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO ledger_entries (id, lease_id, kind, amount_cents, effective_on, posted_on, "
                "description, source, created_by, created_at) SELECT 999, lease_id, kind, amount_cents, "
                f"effective_on, posted_on, description, source, created_by, created_at FROM ledger_entries "
                f"WHERE id = {first}"
            )
        )
    with db.sessions() as s:
        report = audit.verify_chain(s)
    assert report.first_bad_id == 999 and "without an audit line" in (report.reason or "")
    with db.engine.begin() as conn, without_append_only_guard(conn, "ledger_entries"):
        conn.execute(text("DELETE FROM ledger_entries WHERE id = 999"))

    # ...so is a changed description, though no audit line was touched...
    with db.engine.begin() as conn, without_append_only_guard(conn, "ledger_entries"):
        conn.execute(text(f"UPDATE ledger_entries SET description = 'Rent' WHERE id = {second}"))
    with db.sessions() as s:
        report = audit.verify_chain(s)
    assert report.problem is not None
    assert (report.problem.table, report.problem.id) == ("ledger_entries", second)
    assert "does not match" in report.problem.reason

    # ...and a line removed from the ledger.
    with db.engine.begin() as conn, without_append_only_guard(conn, "ledger_entries"):
        conn.execute(text(f"DELETE FROM ledger_entries WHERE id = {second}"))
    with db.sessions() as s:
        report = audit.verify_chain(s)
    assert report.first_bad_id == second and "removed" in (report.reason or "")


def test_without_a_configured_key_one_is_kept_outside_the_database(tmp_path: Path) -> None:
    from app.config import Settings
    from app.keys import audit_key

    settings = Settings(DOORSTEP_DATA_DIR=tmp_path / "data", ENVIRONMENT="test")
    key = audit_key(settings)
    path = tmp_path / "data" / "audit.key"
    assert path.exists() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert audit_key(settings) == key and len(key) >= 32
    assert audit_key(Settings(DOORSTEP_DATA_DIR=tmp_path / "other", ENVIRONMENT="test")) != key


def test_production_refuses_to_start_without_an_audit_key() -> None:
    from pydantic import ValidationError

    from app.config import Settings

    with pytest.raises(ValidationError, match="DOORSTEP_AUDIT_KEY"):
        Settings(
            ENVIRONMENT="production",
            DOORSTEP_API_TOKEN="a-long-random-api-token-0123456789",
            DATABASE_URL="postgresql://app@127.0.0.1/doorstep",
        )


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
def test_two_writers_chained_to_the_same_line_do_not_fork_the_log(db: Database) -> None:
    """B reads the last line while A's new line is not committed yet, so both chain to the same one: B's
    insert waits for A, finds the link taken, and chains to A's line instead. One chain, nothing lost."""
    import threading

    with db.sessions.begin() as s:
        audit.record(s, actor="test", action="start", subject="log")
    a = db.sessions()
    a.begin()
    first = audit.record(a, actor="a", action="write", subject="log")
    done: list[audit.Line] = []

    def write_b() -> None:
        with db.sessions.begin() as b:
            done.append(audit.record(b, actor="b", action="write", subject="log"))

    writer = threading.Thread(target=write_b)
    writer.start()
    writer.join(timeout=0.5)
    assert writer.is_alive(), "B should wait on A's uncommitted line"
    a.commit()
    a.close()
    writer.join(timeout=10)

    assert done and done[0].prev_hash == first.hash
    with db.sessions() as s:
        report = audit.verify_chain(s)
    assert report.ok and report.lines == 3

from __future__ import annotations

from sqlalchemy import text

from app import audit
from tests.support.databases import Database


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

"""`simulate_month`: November 2026 of the demo portfolio, replayed day by day, meets every goal."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import audit
from app.channels import sms
from app.collections.simulate import simulate_month
from app.db import transaction
from app.errors import Conflict
from app.models import CollectionRun, ProcessorIntent
from app.outreach import sending
from app.outreach.config import OutreachConfig
from tests.support.databases import Database


@pytest.mark.slow
def test_a_month_of_the_demo_meets_the_goals(db: Database, tmp_path: Path) -> None:
    result = simulate_month(db.sessions, month=date(2026, 11, 1), data_dir=tmp_path / "notices")
    f, d = result.figures, result.detail
    assert f.fees_eligible > 20
    assert f.fees_posted == f.fees_eligible, d.missed
    assert f.wrongful_fees == 0, d.wrongful
    assert f.notices_to_blocked == 0, d.blocked_steps
    assert (f.outside_quiet_hours, f.to_opted_out) == (0, 0)
    # Those two measure real sends: messages went, some waited for the window, one resident opted out.
    o = d.outreach
    assert o["sent"] > 50 and o["waited_for_window"] > 0 and o["refused:opted_out"] >= 1
    # The replay had what it is meant to test: ACH held then cleared, returns, a chargeback, a block.
    assert d.ach_cleared > 50 and d.ach_returned >= 3 and d.chargebacks == 1 and d.blocks == 1
    assert d.readiness_days["hold"] > 0 and d.readiness_days["payment_plan"] == 30
    # Every step of the ladder, pre-due reminders included (Nov 28-30, for households the model marks).
    assert set(d.steps) == {
        "pre_due",
        "reminder",
        "late_fee",
        "second_notice",
        "formal_notice",
        "legal_queue",
    }
    assert d.steps["pre_due"] > 0
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CollectionRun)) == 30
        assert (
            session.scalar(select(func.count()).select_from(ProcessorIntent))
            == d.card_payments + d.ach_payments
        )
        assert audit.verify_chain(session).problem is None


@pytest.mark.slow
def test_the_figures_catch_sends_in_quiet_hours_and_to_opted_out_residents(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the quiet-hours and opt-out checks switched off in the sending path, the same month sends in
    the night and to the resident who opted out, and the figures say so."""
    monkeypatch.setattr(OutreachConfig, "in_window", lambda *_args: True)
    monkeypatch.setattr(sending, "is_opted_out", lambda *_args, **_kwargs: False)
    monkeypatch.setattr(sms, "is_opted_out", lambda *_args, **_kwargs: False)

    result = simulate_month(db.sessions, month=date(2026, 11, 1), data_dir=tmp_path / "notices")

    f, o = result.figures, result.detail.outreach
    assert f.outside_quiet_hours > 0 and f.to_opted_out > 0
    assert "refused:opted_out" not in o and o["waited_for_window"] == 0
    # The ladder itself is unaffected: only the messages went wrong.
    assert f.wrongful_fees == 0 and f.notices_to_blocked == 0


def test_it_refuses_a_database_that_holds_anything(demo_db: Database, tmp_path: Path) -> None:
    with transaction(demo_db.sessions) as session:
        runs = session.scalar(select(func.count()).select_from(CollectionRun))
    with pytest.raises(Conflict, match="empty database"):
        simulate_month(demo_db.sessions, month=date(2026, 11, 1), data_dir=tmp_path)
    with demo_db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(CollectionRun)) == runs

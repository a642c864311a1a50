"""Readiness, pure: each class with its reasons, and the precedence between them."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pytest

from app.collections.config import DEFAULT
from app.collections.facts import FlagFact, HoldFact, ResidentFact
from app.collections.readiness import PRECEDENCE, Readiness, classify_readiness
from tests.collections.support import make_facts

R = Readiness
ME = ResidentFact(ref="R1", name="Ana Diaz", phone="+15125550100", do_not_contact=False, language="es")


def _hold(kind: Literal["hold", "legal", "bankruptcy"]) -> HoldFact:
    return HoldFact(id=1, kind=kind, reason="staff said so", placed_by="jo@example.com", until_on=None)


CASES = [
    (R.READY, {}, "owes"),
    (R.READY, {"short_cents": 0, "rent_short_cents": 0, "owed_cents": 0}, "not_yet_due"),
    (R.BLOCKED, {"holds": (_hold("bankruptcy"),)}, "bankruptcy"),
    (R.BLOCKED, {"holds": (_hold("legal"),)}, "legal_hold"),
    (R.BLOCKED, {"residents": (ME.model_copy(update={"do_not_contact": True}),)}, "do_not_contact"),
    (R.DISPUTED, {"open_disputes": ("dispute 4 opened 2026-11-03: the carpet",)}, "open_dispute"),
    (R.DISPUTED, {"open_chargebacks": ("chargeback open on payment pi_1 ($1,500.00)",)}, "open_chargeback"),
    (R.PAYMENT_PLAN, {"plan_status": "active", "plan_id": 3}, "active_plan"),
    (R.HOLD, {"holds": (_hold("hold"),)}, "staff_hold"),
    (R.HOLD, {"pending_cents": 1_500_00, "pending_payments": 1}, "pending_payment_covers"),
    (R.HOLD, {"plan_status": "proposed", "plan_id": 3}, "plan_pending"),
    (R.HOLD, {"open_escalations": ("escalation 9 (dispute, open)",)}, "open_escalation"),
    (R.HOLD, {"staff_conversations": 1}, "conversation_with_staff"),
    (
        R.DEPOSIT_CREDIT_AMBIGUITY,
        {"credits_applied": ("Concession (-$150.00, posted 2026-11-08)",)},
        "credit_applied",
    ),
    (
        R.DEPOSIT_CREDIT_AMBIGUITY,
        {"moved_out_on": date(2026, 10, 31), "deposit_held_cents": 500_00, "lease_status": "ended"},
        "deposit_held_after_move_out",
    ),
    (
        R.DEPOSIT_CREDIT_AMBIGUITY,
        {"import_flags": (FlagFact(kind="credit", detail="prepaid", batch_id=2),)},
        "import_credit",
    ),
    (
        R.DEPOSIT_CREDIT_AMBIGUITY,
        {"import_flags": (FlagFact(kind="deposit", detail="applied", batch_id=2),)},
        "import_deposit",
    ),
    (R.REVIEW, {"lease_status": "ended"}, "lease_not_active"),
    (R.REVIEW, {"residents": (ME, ME.model_copy(update={"ref": "R2", "phone": None}))}, "duplicate_resident"),
    (R.REVIEW, {"recent_changes": ("Key fob (+$45.00, posted 2026-11-09)",)}, "balance_changed"),
    (
        R.REVIEW,
        {"recent_returns": ("Returned ACH payment (R01) (+$1,500.00, posted 2026-11-09)",)},
        "payment_returned",
    ),
    (R.REVIEW, {"payment_exceptions": ("conflict: amounts disagree",)}, "payment_exception"),
    (
        R.REVIEW,
        {"import_flags": (FlagFact(kind="balance_mismatch", detail="PM says $0", batch_id=2),)},
        "import_balance_mismatch",
    ),
    (
        R.REVIEW,
        {"import_flags": (FlagFact(kind="changed", detail="backdated", batch_id=2),)},
        "import_changed",
    ),
    (R.RECENT_PAYMENT, {"last_paid_on": date(2026, 11, 9), "cleared_cents": 700_00}, "recent_payment"),
    (R.RECENT_PAYMENT, {"pending_cents": 700_00, "pending_payments": 1}, "pending_payment"),
]


@pytest.mark.parametrize(("status", "overrides", "code"), CASES, ids=[c[2] for c in CASES])
def test_each_class_comes_with_its_reason(status: Readiness, overrides: dict[str, object], code: str) -> None:
    result = classify_readiness(make_facts(**overrides), DEFAULT)
    assert result.status is status
    assert result.reasons[0].code == code and result.reasons[0].status is status
    assert result.reasons[0].detail


def test_every_class_is_reachable_and_the_json_values_are_exactly_these() -> None:
    assert {c[0] for c in CASES} == set(Readiness)
    assert [r.value for r in PRECEDENCE] == [
        "blocked",
        "disputed",
        "payment_plan",
        "hold",
        "deposit_credit_ambiguity",
        "review",
        "recent_payment",
        "ready",
    ]


def test_the_most_restrictive_class_wins_and_the_other_reasons_are_kept() -> None:
    facts = make_facts(
        open_disputes=("dispute 1 opened 2026-11-02: wrong charge",),
        plan_status="active",
        plan_id=2,
        holds=(_hold("bankruptcy"),),
        last_paid_on=date(2026, 11, 9),
    )
    result = classify_readiness(facts, DEFAULT)
    assert result.status is Readiness.BLOCKED
    assert [r.code for r in result.reasons] == ["bankruptcy", "open_dispute", "active_plan", "recent_payment"]


def test_a_pending_payment_that_would_not_cover_the_rent_is_not_a_hold() -> None:
    result = classify_readiness(make_facts(pending_cents=500_00, pending_payments=1), DEFAULT)
    assert result.status is Readiness.RECENT_PAYMENT


def test_a_payment_older_than_the_window_is_not_recent() -> None:
    facts = make_facts(last_paid_on=date(2026, 11, 7), as_of=date(2026, 11, 10))
    assert classify_readiness(facts, DEFAULT).status is Readiness.READY
    wider = DEFAULT.model_copy(update={"recent_payment_days": 5})
    assert classify_readiness(facts, wider).status is Readiness.RECENT_PAYMENT


def test_one_resident_of_two_on_do_not_contact_does_not_block_the_lease() -> None:
    other = ME.model_copy(update={"ref": "R2", "name": "Bo Diaz", "phone": None, "do_not_contact": True})
    assert classify_readiness(make_facts(residents=(ME, other)), DEFAULT).status is Readiness.READY

"""Readiness: every account that owes, sorted into exactly one class, with every reason found. Pure.

Precedence, most restrictive first; the first class with a reason is the account's class, and the reasons
of the later classes are kept beside it (staff see all of them):

| class | reason codes | the ladder may |
|---|---|---|
| blocked | bankruptcy, legal_hold, do_not_contact (every resident) | do nothing |
| disputed | open_dispute, open_chargeback | do nothing |
| payment_plan | active_plan (a plan stops standard outreach) | do nothing |
| hold | staff_hold, pending_payment_covers, plan_pending, open_escalation, | do nothing yet |
|      | conversation_with_staff | |
| deposit_credit_ambiguity | credit_applied, deposit_held_after_move_out, import_credit, | do nothing: |
|      | import_deposit | staff look |
| review | lease_not_active, duplicate_resident, balance_changed, payment_returned, | do nothing: |
|      | payment_exception, import_balance_mismatch, import_changed, | staff look |
|      | import_duplicate_resident, import_lease_mismatch | |
| recent_payment | recent_payment, pending_payment | post the late fee only |
| ready | owes, not_yet_due | fire every step |

The JSON values of the classes are exactly the names above.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from app.collections.config import LadderConfig
from app.collections.facts import AMBIGUITY_FLAGS, REVIEW_FLAGS, AccountFacts
from app.money import format_cents


class Readiness(StrEnum):
    READY = "ready"
    HOLD = "hold"
    REVIEW = "review"
    DISPUTED = "disputed"
    RECENT_PAYMENT = "recent_payment"
    PAYMENT_PLAN = "payment_plan"
    DEPOSIT_CREDIT_AMBIGUITY = "deposit_credit_ambiguity"
    BLOCKED = "blocked"


PRECEDENCE: tuple[Readiness, ...] = (
    Readiness.BLOCKED,
    Readiness.DISPUTED,
    Readiness.PAYMENT_PLAN,
    Readiness.HOLD,
    Readiness.DEPOSIT_CREDIT_AMBIGUITY,
    Readiness.REVIEW,
    Readiness.RECENT_PAYMENT,
    Readiness.READY,
)
FEES_ALLOWED = frozenset({Readiness.READY, Readiness.RECENT_PAYMENT})
"""Classes whose late fee may post: the cleared amount, re-checked just before, decides it."""
OUTREACH_ALLOWED = frozenset({Readiness.READY})
"""Classes that may get reminders, notices and the legal queue."""


class Reason(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    status: Readiness
    """The class this reason argues for."""
    detail: str


class Classification(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: Readiness
    reasons: tuple[Reason, ...]
    """Every reason found, the deciding class's first."""


def classify_readiness(facts: AccountFacts, config: LadderConfig) -> Classification:
    """The account's class and every reason for it (and for the classes it outranks)."""
    reasons = [
        *_blocked(facts),
        *_disputed(facts),
        *_plan(facts),
        *_hold(facts),
        *_ambiguity(facts),
        *_review(facts),
        *_recent_payment(facts, config),
    ]
    for status in PRECEDENCE[:-1]:
        if any(r.status is status for r in reasons):
            ordered = sorted(reasons, key=lambda r: PRECEDENCE.index(r.status))
            return Classification(status=status, reasons=tuple(ordered))
    return Classification(status=Readiness.READY, reasons=(_ready(facts),))


def _reason(code: str, status: Readiness, detail: str) -> Reason:
    return Reason(code=code, status=status, detail=detail)


def _blocked(f: AccountFacts) -> list[Reason]:
    out = [
        _reason(
            "bankruptcy" if h.kind == "bankruptcy" else "legal_hold",
            Readiness.BLOCKED,
            f"{h.kind} block {h.id} by {h.placed_by}: {h.reason}",
        )
        for h in f.holds
        if h.kind in ("bankruptcy", "legal")
    ]
    if f.residents and all(r.do_not_contact for r in f.residents):
        names = ", ".join(r.ref for r in f.residents)
        out.append(
            _reason(
                "do_not_contact",
                Readiness.BLOCKED,
                f"every resident on the lease is do-not-contact ({names})",
            )
        )
    return out


def _disputed(f: AccountFacts) -> list[Reason]:
    return [_reason("open_dispute", Readiness.DISPUTED, d) for d in f.open_disputes] + [
        _reason("open_chargeback", Readiness.DISPUTED, c) for c in f.open_chargebacks
    ]


def _plan(f: AccountFacts) -> list[Reason]:
    if f.plan_status == "active":
        return [_reason("active_plan", Readiness.PAYMENT_PLAN, f"payment plan {f.plan_id} is active")]
    return []


def _hold(f: AccountFacts) -> list[Reason]:
    out = [
        _reason(
            "staff_hold",
            Readiness.HOLD,
            f"hold {h.id} by {h.placed_by}"
            + (f" until {h.until_on}" if h.until_on else "")
            + f": {h.reason}",
        )
        for h in f.holds
        if h.kind == "hold"
    ]
    needed = f.rent_short_cents or f.short_cents
    if f.pending_cents and needed and f.pending_cents >= needed:
        out.append(
            _reason(
                "pending_payment_covers",
                Readiness.HOLD,
                f"{f.pending_payments} pending payment(s) of {format_cents(f.pending_cents)} would cover the "
                f"{format_cents(needed)} short once cleared: wait for them",
            )
        )
    if f.plan_status in ("proposed", "offered"):
        out.append(
            _reason(
                "plan_pending", Readiness.HOLD, f"payment plan {f.plan_id} is {f.plan_status}, not decided"
            )
        )
    out += [_reason("open_escalation", Readiness.HOLD, e) for e in f.open_escalations]
    if f.staff_conversations:
        out.append(
            _reason(
                "conversation_with_staff",
                Readiness.HOLD,
                f"{f.staff_conversations} conversation(s) taken over by or waiting for staff",
            )
        )
    return out


def _ambiguity(f: AccountFacts) -> list[Reason]:
    out = [_reason("credit_applied", Readiness.DEPOSIT_CREDIT_AMBIGUITY, c) for c in f.credits_applied]
    moved_out = f.moved_out_on is not None and f.moved_out_on <= f.as_of
    if moved_out and f.deposit_held_cents > 0:
        out.append(
            _reason(
                "deposit_held_after_move_out",
                Readiness.DEPOSIT_CREDIT_AMBIGUITY,
                f"moved out {f.moved_out_on} with {format_cents(f.deposit_held_cents)} of deposit still held",
            )
        )
    out += [
        _reason(
            f"import_{flag.kind}",
            Readiness.DEPOSIT_CREDIT_AMBIGUITY,
            f"import batch {flag.batch_id}: {flag.detail}",
        )
        for flag in f.import_flags
        if flag.kind in AMBIGUITY_FLAGS
    ]
    return out


def _review(f: AccountFacts) -> list[Reason]:
    out: list[Reason] = []
    if f.lease_status != "active" or (f.moved_out_on is not None and f.moved_out_on <= f.as_of):
        out.append(
            _reason(
                "lease_not_active",
                Readiness.REVIEW,
                f"lease is {f.lease_status}"
                + (f", moved out {f.moved_out_on}" if f.moved_out_on else "")
                + ": a final account, not the delinquency ladder",
            )
        )
    out += _duplicates(f)
    out += [_reason("balance_changed", Readiness.REVIEW, c) for c in f.recent_changes]
    out += [_reason("payment_returned", Readiness.REVIEW, c) for c in f.recent_returns]
    out += [_reason("payment_exception", Readiness.REVIEW, e) for e in f.payment_exceptions]
    out += [
        _reason(f"import_{flag.kind}", Readiness.REVIEW, f"import batch {flag.batch_id}: {flag.detail}")
        for flag in f.import_flags
        if flag.kind in REVIEW_FLAGS
    ]
    return out


def _duplicates(f: AccountFacts) -> list[Reason]:
    """Two residents on the lease with the same name or the same phone: one person entered twice."""
    out: list[Reason] = []
    seen_names: dict[str, str] = {}
    seen_phones: dict[str, str] = {}
    for r in f.residents:
        name = " ".join(r.name.lower().split())
        for key, seen, what in ((name, seen_names, "name"), (r.phone or "", seen_phones, "phone")):
            if not key:
                continue
            if key in seen:
                out.append(
                    _reason("duplicate_resident", Readiness.REVIEW, f"{seen[key]} and {r.ref} share a {what}")
                )
            else:
                seen[key] = r.ref
    return out


def _recent_payment(f: AccountFacts, config: LadderConfig) -> list[Reason]:
    out: list[Reason] = []
    if f.last_paid_on is not None and (f.as_of - f.last_paid_on).days < config.recent_payment_days:
        out.append(
            _reason(
                "recent_payment", Readiness.RECENT_PAYMENT, f"a payment was made or cleared {f.last_paid_on}"
            )
        )
    if f.pending_cents:
        out.append(
            _reason(
                "pending_payment",
                Readiness.RECENT_PAYMENT,
                f"{f.pending_payments} payment(s) of {format_cents(f.pending_cents)} pending, not cleared",
            )
        )
    return out


def _ready(f: AccountFacts) -> Reason:
    if f.short_cents:
        return _reason(
            "owes",
            Readiness.READY,
            f"cleared {format_cents(f.cleared_cents)} of {format_cents(f.owed_cents)} owed through "
            f"{f.period_on}: {format_cents(f.short_cents)} short",
        )
    return _reason(
        "not_yet_due",
        Readiness.READY,
        f"owes {format_cents(f.balance_cents)}, none of it due by {f.period_on}",
    )

"""A processor payment as a state machine whose facts only grow, and the ledger lines they call for.

Every event is read into an `Observation` of one payment (a Stripe PaymentIntent): what it says about the
amount, the charge that succeeded or failed, refunds, chargebacks. `merge` folds an observation into the
payment's `Facts` by rules that are commutative, associative and idempotent (earliest date, largest
cumulative refund, a chargeback's furthest state, the union of failures...), so the facts after a set of
events are the same whatever order they arrived in and however often each one came.

The ledger is append-only, so lines are derived from the facts, never edited: `plan_lines` lists the lines
the facts call for that are not posted yet. Facts only grow and every line is a function of them, so a
line once called for stays called for; an event that arrives late adds the lines it implies and nothing
else. `status` names the payment's latest state for people and for readiness.

Pure functions over plain data: no database, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal, TypeVar, cast

from app.ledger.types import EntryKind
from app.money import format_cents

Method = Literal["ach", "card"]
DisputeOutcome = Literal["open", "won", "lost"]
Status = Literal[
    "created",
    "failed",
    "processing",
    "succeeded",
    "partially_refunded",
    "refunded",
    "disputed",
    "dispute_lost",
    "returned",
]

RETURN_CODES = {
    "insufficient_funds": "R01",
    "account_closed": "R02",
    "no_account": "R03",
    "invalid_account_number": "R04",
    "debit_not_authorized": "R10",
    "bank_account_restricted": "R16",
}
"""Stripe's bank-debit failure codes as the NACHA return codes staff and residents know."""
RETURN_REASONS = {
    "R01": "insufficient funds",
    "R02": "account closed",
    "R03": "no account found",
    "R04": "invalid account number",
    "R10": "not authorized",
    "R16": "account frozen",
}
METHOD_LABELS = {"ach": "ACH", "card": "Card"}
_OUTCOME_RANK = {"open": 0, "won": 1, "lost": 2}


@dataclass(frozen=True, slots=True)
class Failure:
    """A charge of this payment failed: an attempt declined, or (for the charge that had succeeded) a
    bank debit returned."""

    on: date
    code: str | None = None


@dataclass(frozen=True, slots=True)
class DisputeFact:
    amount_cents: int
    outcome: DisputeOutcome
    opened_on: date
    reason: str = ""
    closed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Observation:
    """What one event says about one payment. Fields it does not speak to are None (or empty)."""

    intent_ref: str
    charge_ref: str | None = None
    """The charge the object is about (a charge, a dispute's charge, a PaymentIntent's latest charge)."""
    customer_ref: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    amount_cents: int | None = None
    currency: str | None = None
    method: Method | None = None
    initiated_on: date | None = None
    processing: bool = False
    succeeded: bool = False
    """`charge_ref` (or the payment, when no charge is named) took the money."""
    succeeded_on: date | None = None
    failure: Failure | None = None
    """`charge_ref` failed (keyed by "" when the event names no charge)."""
    refunded_cents: int | None = None
    """The charge's cumulative amount refunded."""
    refunded_on: date | None = None
    dispute_ref: str | None = None
    dispute: DisputeFact | None = None


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything known about one payment, merged from every event so far."""

    amount_cents: int | None = None
    currency: str | None = None
    method: Method | None = None
    initiated_on: date | None = None
    customer_ref: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    processing_charges: frozenset[str] = frozenset()
    """Charges seen processing ("" when the event named none): a bank debit on its way."""
    succeeded: bool = False
    succeeded_charge: str | None = None
    succeeded_on: date | None = None
    failures: Mapping[str, Failure] = field(default_factory=dict)
    refunded_cents: int = 0
    refunded_on: date | None = None
    disputes: Mapping[str, DisputeFact] = field(default_factory=dict)
    conflicts: tuple[str, ...] = ()
    """Things two events disagreed on (an amount, a currency...): staff look at these."""

    # -- derived --------------------------------------------------------------------------------------

    @property
    def return_failure(self) -> Failure | None:
        """The failure of the charge that had succeeded: a bank debit returned after it cleared."""
        if self.succeeded and self.succeeded_charge is not None:
            return self.failures.get(self.succeeded_charge)
        return None

    @property
    def return_code(self) -> str | None:
        failure = self.return_failure
        return None if failure is None else _r_code(failure.code)

    @property
    def attempt_failure(self) -> Failure | None:
        """The latest failed attempt, when nothing succeeded."""
        if self.succeeded or not self.failures:
            return None
        return max(self.failures.values(), key=lambda f: (f.on, f.code or ""))

    @property
    def processing(self) -> bool:
        """A charge is on its way and has not failed (one that no event named is settled by any
        failure)."""
        failed = set(self.failures)
        return any(c not in failed and not (c == "" and failed) for c in self.processing_charges)

    @property
    def status(self) -> Status:
        if self.return_failure is not None:
            return "returned"
        outcomes = {d.outcome for d in self.disputes.values()}
        if "lost" in outcomes:
            return "dispute_lost"
        if "open" in outcomes:
            return "disputed"
        if self.succeeded:
            if self.amount_cents and self.refunded_cents >= self.amount_cents:
                return "refunded"
            return "partially_refunded" if self.refunded_cents > 0 else "succeeded"
        if self.processing:
            return "processing"
        return "failed" if self.failures else "created"

    # -- storage --------------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "amount_cents": self.amount_cents,
            "currency": self.currency,
            "method": self.method,
            "initiated_on": _iso(self.initiated_on),
            "customer_ref": self.customer_ref,
            "metadata": dict(sorted(self.metadata.items())),
            "processing_charges": sorted(self.processing_charges),
            "succeeded": self.succeeded,
            "succeeded_charge": self.succeeded_charge,
            "succeeded_on": _iso(self.succeeded_on),
            "failures": {
                k: {"on": f.on.isoformat(), "code": f.code} for k, f in sorted(self.failures.items())
            },
            "refunded_cents": self.refunded_cents,
            "refunded_on": _iso(self.refunded_on),
            "disputes": {
                k: {
                    "amount_cents": d.amount_cents,
                    "outcome": d.outcome,
                    "opened_on": d.opened_on.isoformat(),
                    "reason": d.reason,
                    "closed_on": _iso(d.closed_on),
                }
                for k, d in sorted(self.disputes.items())
            },
            "conflicts": list(self.conflicts),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Facts:
        if not data:
            return cls()
        return cls(
            amount_cents=data.get("amount_cents"),
            currency=data.get("currency"),
            method=data.get("method"),
            initiated_on=_date(data.get("initiated_on")),
            customer_ref=data.get("customer_ref"),
            metadata=dict(data.get("metadata") or {}),
            processing_charges=frozenset(data.get("processing_charges") or ()),
            succeeded=bool(data.get("succeeded")),
            succeeded_charge=data.get("succeeded_charge"),
            succeeded_on=_date(data.get("succeeded_on")),
            failures={
                k: Failure(on=date.fromisoformat(v["on"]), code=v.get("code"))
                for k, v in (data.get("failures") or {}).items()
            },
            refunded_cents=int(data.get("refunded_cents") or 0),
            refunded_on=_date(data.get("refunded_on")),
            disputes={
                k: DisputeFact(
                    amount_cents=int(v["amount_cents"]),
                    outcome=v["outcome"],
                    opened_on=date.fromisoformat(v["opened_on"]),
                    reason=v.get("reason") or "",
                    closed_on=_date(v.get("closed_on")),
                )
                for k, v in (data.get("disputes") or {}).items()
            },
            conflicts=tuple(data.get("conflicts") or ()),
        )


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _date(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _r_code(code: str | None) -> str | None:
    if code is None:
        return None
    if len(code) == 3 and code[0] in "Rr" and code[1:].isdigit():
        return code.upper()
    return RETURN_CODES.get(code)


# -- merging --------------------------------------------------------------------------------------------


def _earliest(a: date | None, b: date | None) -> date | None:
    if a is None or b is None:
        return a or b
    return min(a, b)


T = TypeVar("T", str, int)


def _agree(name: str, a: T | None, b: T | None, conflicts: set[str]) -> T | None:
    """One value both sides must share: when they differ, the smaller is kept (so the result does not
    depend on order) and the disagreement is noted for staff."""
    if a is None or b is None:
        return b if a is None else a
    if a != b:
        conflicts.add(f"{name}: events disagree ({min(a, b)} / {max(a, b)})")
    return min(a, b)


def _merge_failure(a: Failure | None, b: Failure) -> Failure:
    if a is None:
        return b
    return min(a, b, key=lambda f: (f.on, f.code or ""))


def _merge_dispute(a: DisputeFact | None, b: DisputeFact, conflicts: set[str], ref: str) -> DisputeFact:
    if a is None:
        return b
    outcome = max(a.outcome, b.outcome, key=_OUTCOME_RANK.__getitem__)
    if {a.outcome, b.outcome} == {"won", "lost"}:
        conflicts.add(f"chargeback {ref}: reported both won and lost")
    return DisputeFact(
        amount_cents=max(a.amount_cents, b.amount_cents),
        outcome=outcome,
        opened_on=min(a.opened_on, b.opened_on),
        reason=min(a.reason, b.reason) if a.reason and b.reason else a.reason or b.reason,
        closed_on=_earliest(a.closed_on, b.closed_on),
    )


def merge(facts: Facts, seen: Observation) -> Facts:
    """The facts once `seen` is known too. Commutative, associative and idempotent."""
    conflicts = set(facts.conflicts)
    metadata = dict(facts.metadata)
    for key, value in seen.metadata.items():
        agreed = _agree(f"metadata {key}", metadata.get(key), value, conflicts)
        metadata[key] = value if agreed is None else agreed
    failures = dict(facts.failures)
    if seen.failure is not None:
        key = seen.charge_ref or ""
        failures[key] = _merge_failure(failures.get(key), seen.failure)
    disputes = dict(facts.disputes)
    if seen.dispute is not None and seen.dispute_ref is not None:
        disputes[seen.dispute_ref] = _merge_dispute(
            disputes.get(seen.dispute_ref), seen.dispute, conflicts, seen.dispute_ref
        )
    succeeded_charge = facts.succeeded_charge
    if seen.succeeded and seen.charge_ref is not None:
        succeeded_charge = _agree("charge that succeeded", succeeded_charge, seen.charge_ref, conflicts)
    refunded_cents, refunded_on = facts.refunded_cents, facts.refunded_on
    if seen.refunded_cents is not None and seen.refunded_cents > 0:
        if seen.refunded_cents > refunded_cents:
            refunded_cents, refunded_on = seen.refunded_cents, seen.refunded_on
        elif seen.refunded_cents == refunded_cents:
            refunded_on = _earliest(refunded_on, seen.refunded_on)
    method = facts.method
    if seen.method is not None:
        method = cast(Method, _agree("payment method", method, seen.method, conflicts))
    merged = replace(
        facts,
        amount_cents=_agree("amount", facts.amount_cents, seen.amount_cents, conflicts),
        currency=_agree("currency", facts.currency, seen.currency, conflicts),
        method=method,
        initiated_on=_earliest(facts.initiated_on, seen.initiated_on),
        customer_ref=_agree("customer", facts.customer_ref, seen.customer_ref, conflicts),
        metadata=metadata,
        processing_charges=facts.processing_charges | {seen.charge_ref or ""}
        if seen.processing
        else facts.processing_charges,
        succeeded=facts.succeeded or seen.succeeded,
        succeeded_charge=succeeded_charge,
        succeeded_on=_earliest(facts.succeeded_on, seen.succeeded_on if seen.succeeded else None),
        failures=failures,
        refunded_cents=refunded_cents,
        refunded_on=refunded_on,
        disputes=disputes,
    )
    return replace(merged, conflicts=tuple(sorted(conflicts)))


# -- the ledger lines the facts call for --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Posted:
    """A line already on the ledger for this payment, by its key."""

    kind: EntryKind
    amount_cents: int


@dataclass(frozen=True, slots=True)
class PlannedLine:
    key: str
    """Unique within the payment: payment, return, nsf, refund:<cumulative cents>, dispute:<id>. The
    ledger's external id is `<intent_ref>:<key>`, which makes posting it twice impossible."""
    kind: EntryKind
    amount_cents: int
    effective_on: date
    description: str
    reverses_payment: bool = False
    charge_code: str | None = None


def _gives_back(key: str) -> bool:
    return key == "return" or key.startswith(("refund:", "dispute:"))


def plan_lines(
    facts: Facts, posted: Mapping[str, Posted], *, nsf_fee_cents: int
) -> tuple[list[PlannedLine], list[str]]:
    """The lines the facts call for that are not in `posted`, in posting order, and what could not be
    posted (money given back twice over: staff look at it).

    - payment: once the money is in (succeeded), dated the day the resident paid;
    - return: a bank debit returned after it succeeded: a reversal, plus the lease's NSF fee;
    - dispute:<id>: a chargeback lost: a reversal (or a charge, for part of the payment);
    - refund:<cents>: money refunded, by cumulative amount: a reversal when the whole payment goes back
      at once, else a charge for the part refunded.
    Whatever gives money back never adds up to more than the payment.
    """
    amount, paid_on = facts.amount_cents, facts.initiated_on
    if not (facts.succeeded and amount and paid_on) or (facts.currency not in (None, "usd")):
        return [], []
    lines: list[PlannedLine] = []
    problems: list[str] = []
    label = METHOD_LABELS.get(facts.method or "", "Electronic")
    if "payment" not in posted:
        lines.append(PlannedLine("payment", EntryKind.PAYMENT, -amount, paid_on, f"Payment - {label}"))
    given_back = sum(p.amount_cents for key, p in posted.items() if _gives_back(key))
    reversed_already = any(p.kind is EntryKind.REVERSAL for p in posted.values())
    returned = facts.return_failure
    causes: list[tuple[str, int, date, str]] = []
    if returned is not None:
        code = _r_code(returned.code)
        why = (
            f"{code}: {RETURN_REASONS[code]}" if code in RETURN_REASONS else (code or "returned by the bank")
        )
        causes.append(("return", amount, returned.on, f"Returned {label} payment ({why})"))
    for ref, dispute in sorted(facts.disputes.items()):
        if dispute.outcome == "lost":
            on = dispute.closed_on or dispute.opened_on
            causes.append((f"dispute:{ref}", dispute.amount_cents, on, f"Chargeback lost ({ref})"))
    refunded_posted = sum(p.amount_cents for key, p in posted.items() if key.startswith("refund:"))
    if facts.refunded_cents > refunded_posted:
        on = facts.refunded_on or paid_on
        causes.append(
            (
                f"refund:{facts.refunded_cents}",
                facts.refunded_cents - refunded_posted,
                on,
                "Refund of payment",
            )
        )
    for key, cents, on, description in causes:
        if key in posted:
            continue
        take = min(cents, amount - given_back)
        if take <= 0:
            problems.append(f"{description}: not posted, the payment was already given back in full")
            continue
        whole = take == amount and not reversed_already
        if take < cents:
            problems.append(
                f"{description}: only {take} of {cents} cents posted (no more was left to give back)"
            )
        lines.append(
            PlannedLine(
                key,
                EntryKind.REVERSAL if whole else EntryKind.CHARGE,
                take,
                on,
                description if whole else f"{description}: part of the payment",
                reverses_payment=whole,
            )
        )
        given_back += take
        reversed_already = reversed_already or whole
    if returned is not None and nsf_fee_cents > 0 and "nsf" not in posted:
        lines.append(
            PlannedLine(
                "nsf",
                EntryKind.NSF_FEE,
                nsf_fee_cents,
                returned.on,
                "Returned payment (NSF) fee",
                charge_code="nsf",
            )
        )
    return lines, problems


# -- the payment record residents and readiness read ----------------------------------------------------

PaymentStatus = Literal["pending", "succeeded", "failed", "returned"]
_RECORD_STATUS: dict[Status, PaymentStatus] = {
    "created": "pending",
    "processing": "pending",
    "succeeded": "succeeded",
    "partially_refunded": "succeeded",
    "disputed": "succeeded",
    "failed": "failed",
    "refunded": "returned",
    "dispute_lost": "returned",
    "returned": "returned",
}


@dataclass(frozen=True, slots=True)
class PaymentRecord:
    """The `payments` row's view of the facts: pending until cleared (a pending ACH is not money),
    succeeded, failed, or returned (a bank return, a refund in full, a chargeback lost)."""

    status: PaymentStatus
    method: Method
    settled_on: date | None
    returned_on: date | None
    return_code: str | None
    failure_reason: str | None


def payment_record(facts: Facts) -> PaymentRecord:
    status = facts.status
    method: Method = facts.method or ("ach" if facts.processing_charges else "card")
    settled_on = (facts.succeeded_on or facts.initiated_on) if facts.succeeded else None
    returned_on: date | None = None
    reason: str | None = None
    if (returned := facts.return_failure) is not None:
        code = _r_code(returned.code)
        returned_on, reason = (
            returned.on,
            RETURN_REASONS.get(code or "", returned.code or "returned by the bank"),
        )
    elif status == "dispute_lost":
        lost = [d for d in facts.disputes.values() if d.outcome == "lost"]
        returned_on = min(d.closed_on or d.opened_on for d in lost)
        reason = "chargeback lost" + (f" ({lost[0].reason.replace('_', ' ')})" if lost[0].reason else "")
    elif status == "refunded":
        returned_on, reason = facts.refunded_on, "refunded in full"
    elif status == "partially_refunded":
        reason = f"{format_cents(facts.refunded_cents)} refunded"
    elif status == "disputed":
        reason = "chargeback open"
    elif (failed := facts.attempt_failure) is not None:
        reason = (failed.code or "declined").replace("_", " ")
    return PaymentRecord(
        status=_RECORD_STATUS[status],
        method=method,
        settled_on=settled_on,
        returned_on=returned_on,
        return_code=facts.return_code,
        failure_reason=reason[:200] if reason else None,
    )

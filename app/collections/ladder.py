"""The ladder: when each step of a period falls due, and whether it fires today. Pure.

Two clocks. The friendly clock counts from the due date: a reminder, the late fee (never before the
lease's first late day: its grace period, raised to the state's minimum), a second notice with the new
balance. The formal clock runs on the state's notice rules: the formal notice falls due on its day, and
the account enters the legal queue only once that notice's period has run out in full, counted from the
day the notice was actually generated (and never before the property's legal-queue day).

A step fires at most once per (lease, period, step). On the day it falls due, or on any later run of the
same period while it has not fired, it fires when:
- the account is short in cleared money (the fee and the formal clock: short on rent, fees aside);
- readiness allows it (`FEES_ALLOWED` for the fee, `OUTREACH_ALLOWED` for the rest);
- for a message (reminder, second notice), no later message of the period has fallen due: a run that
  catches up after days without one sends the latest, not all of them.
Every step that falls due and does not fire is skipped with a reason; it is tried again on the next run.

The pre-due reminder (`decide_pre_due`) looks ahead instead: on any run in the `pre_due_day` days before
the next due date, a household whose late-payment risk is at least the property's threshold gets one,
unless the upcoming charge is covered already (paid ahead, a credit) or readiness forbids a message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from app.collections.config import LadderConfig
from app.collections.facts import AccountFacts
from app.collections.notice_rules import NoticeRule
from app.collections.position import Period
from app.collections.readiness import FEES_ALLOWED, OUTREACH_ALLOWED, Classification, Readiness
from app.ledger.jurisdictions import Jurisdiction
from app.ledger.late_fees import effective_rule, first_late_day, late_fee_on
from app.ledger.types import LateFeeRule
from app.money import format_cents


class Step(StrEnum):
    PRE_DUE = "pre_due"
    REMINDER = "reminder"
    LATE_FEE = "late_fee"
    SECOND_NOTICE = "second_notice"
    FORMAL_NOTICE = "formal_notice"
    LEGAL_QUEUE = "legal_queue"


ORDER: tuple[Step, ...] = tuple(Step)
"""The order steps fire in within one run (the fee before the notice that shows it)."""
CLOCK: dict[Step, Literal["friendly", "formal"]] = {
    Step.PRE_DUE: "friendly",
    Step.REMINDER: "friendly",
    Step.LATE_FEE: "friendly",
    Step.SECOND_NOTICE: "friendly",
    Step.FORMAL_NOTICE: "formal",
    Step.LEGAL_QUEUE: "formal",
}
MESSAGES = (Step.REMINDER, Step.SECOND_NOTICE, Step.FORMAL_NOTICE)
"""The steps that say something to the resident, in order: an earlier one is superseded by a later."""
NOTICES = frozenset({Step.SECOND_NOTICE, Step.FORMAL_NOTICE})
"""The steps that generate a PDF."""


@dataclass(frozen=True, slots=True)
class FeeTerms:
    """The lease's late fee after the state's rules: the rule (cap lowered) and the grace (raised)."""

    rule: LateFeeRule
    grace_days: int
    note: str | None


def fee_terms(facts: AccountFacts, jurisdiction: Jurisdiction | None) -> FeeTerms:
    eff = effective_rule(
        facts.late_fee, grace_days=facts.grace_days, rent_cents=facts.rent_cents, jurisdiction=jurisdiction
    )
    return FeeTerms(eff.rule, eff.grace_days, eff.statutory_note)


def fee_cents(facts: AccountFacts, terms: FeeTerms, *, on: date) -> int:
    """The late fee for the period's rent as it stands on `on` (a daily fee has grown by then)."""
    return late_fee_on(
        terms.rule, rent_cents=facts.rent_cents, due_on=facts.period_on, grace_days=terms.grace_days, on=on
    )


def schedule(
    period: Period,
    *,
    config: LadderConfig,
    grace_days: int,
    rule: NoticeRule | None,
    formal_notice_on: date | None,
) -> dict[Step, date | None]:
    """The day each step of `period` falls due (None: not yet known, or never)."""
    due = period.due_on
    fee_day = max(due + timedelta(days=config.late_fee_day), first_late_day(due, grace_days))
    legal: date | None = None
    if formal_notice_on is not None and rule is not None:
        legal = max(
            due + timedelta(days=config.legal_queue_day),
            formal_notice_on + timedelta(days=rule.legal_after()),
        )
    return {
        Step.REMINDER: due + timedelta(days=config.reminder_day),
        Step.LATE_FEE: fee_day,
        Step.SECOND_NOTICE: max(due + timedelta(days=config.second_notice_day), fee_day),
        Step.FORMAL_NOTICE: max(
            due + timedelta(days=config.formal_notice_day), first_late_day(due, grace_days)
        )
        if rule is not None
        else due + timedelta(days=config.formal_notice_day),
        Step.LEGAL_QUEUE: legal,
    }


@dataclass(frozen=True, slots=True)
class Decision:
    step: Step
    period_on: date
    fire: bool
    reason: str
    """fire: why it fires; skip: a code (paid, disputed, superseded, already_charged, ...)."""
    detail: str
    amount_cents: int | None = None
    """The fee to post, or the rent a formal notice demands."""


def decide(
    facts: AccountFacts,
    readiness: Classification,
    *,
    config: LadderConfig,
    days: Mapping[Step, date | None],
    fired: Mapping[Step, date],
    fee: int,
    rule: NoticeRule | None,
    only: frozenset[Step] | None = None,
) -> list[Decision]:
    """What each step of the facts' period that has fallen due by `facts.as_of` and not fired does today,
    in `ORDER`. `fee` is the late fee as it stands today; `only` limits the steps looked at."""
    today = facts.as_of
    due = [s for s in ORDER if (d := days.get(s)) is not None and d <= today and s not in fired]
    if only is not None:
        due = [s for s in due if s in only]
    out: list[Decision] = []
    for step in due:
        skip = _why_not(step, facts, readiness, config=config, days=days, fired=fired, fee=fee, rule=rule)
        amount = (
            fee if step is Step.LATE_FEE else (facts.rent_short_cents if step is Step.FORMAL_NOTICE else None)
        )
        if skip is None:
            out.append(
                Decision(step, facts.period_on, True, "due", _fire_detail(step, facts, amount), amount)
            )
        else:
            out.append(Decision(step, facts.period_on, False, skip[0], skip[1], amount))
    return out


def _why_not(
    step: Step,
    f: AccountFacts,
    readiness: Classification,
    *,
    config: LadderConfig,
    days: Mapping[Step, date | None],
    fired: Mapping[Step, date],
    fee: int,
    rule: NoticeRule | None,
) -> tuple[str, str] | None:
    if not config.enabled:
        return "ladder_off", f"the ladder is turned off at {f.property_code}"
    if f.start_on > f.period_on:
        return "lease_not_started", f"the lease began {f.start_on}, after the due date {f.period_on}"
    if step in MESSAGES and step is not Step.FORMAL_NOTICE:
        later = [s for s in MESSAGES[MESSAGES.index(step) + 1 :] if s is not Step.FORMAL_NOTICE or rule]
        superseded_by = [s for s in later if s in fired or ((d := days.get(s)) is not None and d <= f.as_of)]
        if superseded_by:
            return "superseded", f"the {superseded_by[-1].value.replace('_', ' ')} has fallen due"
    money_short = f.short_cents if step in (Step.REMINDER, Step.SECOND_NOTICE) else f.rent_short_cents
    if money_short <= 0:
        owed = f.owed_cents if step in (Step.REMINDER, Step.SECOND_NOTICE) else f.rent_owed_cents
        if f.short_cents > 0:
            return (
                "only_fees_owed",
                f"rent through {f.period_on} is paid; only {format_cents(f.short_cents)} of fees is",
            )
        return (
            "paid",
            f"cleared {format_cents(f.cleared_cents)} covers the {format_cents(owed)} owed "
            f"through {f.period_on}",
        )
    allowed = FEES_ALLOWED if step is Step.LATE_FEE else OUTREACH_ALLOWED
    if readiness.status not in allowed:
        first = readiness.reasons[0]
        return readiness.status.value, f"{first.code}: {first.detail}"
    if step is Step.LATE_FEE:
        if not config.post_late_fees:
            return (
                "fees_not_approved",
                f"fees at {f.property_code} wait for a manager's standing approval "
                f"(collections config --property {f.property_code} --set post_late_fees=true --actor EMAIL)",
            )
        if f.late_fee_charged:
            return "already_charged", f"a late fee for {f.period_on} is on the ledger already"
        if f.pending_cents >= f.rent_short_cents:
            return (
                "pending_covers",
                f"pending payments of {format_cents(f.pending_cents)} would cover the rent",
            )
        if fee <= 0:
            return "no_fee", "the lease sets no late fee"
    if step in (Step.FORMAL_NOTICE, Step.LEGAL_QUEUE) and rule is None:
        return "no_notice_rules", f"no formal-notice rules for {f.state}: staff prepare the notice"
    return None


def _fire_detail(step: Step, f: AccountFacts, amount: int | None) -> str:
    short = format_cents(f.short_cents)
    if step is Step.LATE_FEE:
        rent = format_cents(f.rent_short_cents)
        return f"late fee {format_cents(amount or 0)}: rent through {f.period_on} short {rent}"
    if step is Step.FORMAL_NOTICE:
        return f"formal notice demanding {format_cents(amount or 0)} of rent"
    if step is Step.LEGAL_QUEUE:
        return f"notice period over, rent still short {format_cents(f.rent_short_cents)}"
    return f"{step.value.replace('_', ' ')}: {short} short through {f.period_on}"


def allowed_by(readiness: Readiness, step: Step) -> bool:
    return readiness in (FEES_ALLOWED if step is Step.LATE_FEE else OUTREACH_ALLOWED)


@dataclass(frozen=True, slots=True)
class PreDue:
    """A lease the risk score marks, with its next due date and what falls due on it."""

    lease_id: int
    due_on: date
    upcoming_cents: int
    """The charges the schedule sets for that date: rent plus the lease's recurring charges."""
    risk_bp: int


def pre_due_window(due_on: date, *, on: date, config: LadderConfig) -> bool:
    """Whether `on` falls in the pre-due days before `due_on` (the due date itself is the reminder's)."""
    return config.enabled and 0 < (due_on - on).days <= config.pre_due_day


def amount_due(facts: AccountFacts, upcoming_cents: int) -> int:
    """What the account will owe on the due date: today's balance (a credit lowers it) and the upcoming
    charge. 0 or less: paid ahead."""
    return facts.balance_cents + upcoming_cents


def decide_pre_due(
    facts: AccountFacts,
    readiness: Classification,
    pre: PreDue,
    *,
    config: LadderConfig,
    fired: bool,
) -> Decision | None:
    """The pre-due reminder for `pre` today: None when it is not in its window, below the property's risk
    threshold or fired already; else fire or skip (paid, a readiness class, lease_not_started)."""
    if fired or not pre_due_window(pre.due_on, on=facts.as_of, config=config):
        return None
    if pre.risk_bp < config.pre_due_min_risk_bp:
        return None
    due = amount_due(facts, pre.upcoming_cents)

    def skip(reason: str, detail: str) -> Decision:
        return Decision(Step.PRE_DUE, pre.due_on, False, reason, detail, max(due, 0))

    if facts.start_on > pre.due_on:
        return skip("lease_not_started", f"the lease begins {facts.start_on}, after {pre.due_on}")
    if due <= 0:
        return skip(
            "paid",
            f"the {format_cents(pre.upcoming_cents)} due {pre.due_on} is covered by payments and credits "
            f"already (balance {format_cents(facts.balance_cents, signed=True)})",
        )
    if readiness.status not in OUTREACH_ALLOWED:
        first = readiness.reasons[0]
        return skip(readiness.status.value, f"{first.code}: {first.detail}")
    return Decision(
        Step.PRE_DUE,
        pre.due_on,
        True,
        "due",
        f"pre-due reminder: {format_cents(due)} due {pre.due_on}, risk {pre.risk_bp / 100:.0f}%",
        due,
    )

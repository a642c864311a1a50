"""Late fees: what a lease's rule gives on a date, within the limits of the property's state law."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from app.ledger.jurisdictions import Jurisdiction
from app.ledger.types import LateFeeKind, LateFeeRule
from app.money import percent_of


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    """The lease's rule after the jurisdiction's floor on grace and ceiling on the fee."""

    rule: LateFeeRule
    grace_days: int
    statutory_note: str | None


def effective_rule(
    rule: LateFeeRule, *, grace_days: int, rent_cents: int, jurisdiction: Jurisdiction | None
) -> EffectiveRule:
    """The lease sets the fee; the law caps it. Grace is the longer of the two, the cap the lower."""
    if jurisdiction is None:
        return EffectiveRule(rule, grace_days, None)
    grace = max(grace_days, jurisdiction.min_grace_days)
    cap = rule.cap_cents
    statutory = jurisdiction.cap_cents(rent_cents)
    if statutory is not None:
        cap = statutory if cap is None else min(cap, statutory)
    return EffectiveRule(replace(rule, cap_cents=cap), grace, jurisdiction.note)


def first_late_day(due_on: date, grace_days: int) -> date:
    """Rent due on the 1st with 3 grace days is on time through the 4th and late on the 5th."""
    return due_on + timedelta(days=grace_days + 1)


def late_fee_on(rule: LateFeeRule, *, rent_cents: int, due_on: date, grace_days: int, on: date) -> int:
    """The total late fee for one month's unpaid rent as it stands on `on` (0 inside the grace period)."""
    start = first_late_day(due_on, grace_days)
    if on < start:
        return 0
    days_late = (on - start).days + 1
    if rule.kind is LateFeeKind.FLAT:
        fee = rule.amount_cents
    elif rule.kind is LateFeeKind.PERCENT:
        fee = percent_of(rent_cents, rule.percent_bp)
    else:
        fee = rule.amount_cents + rule.daily_cents * days_late
    if rule.cap_cents is not None:
        fee = min(fee, rule.cap_cents)
    return max(fee, 0)


RULE_WORDS = {
    "en": {
        "when": "if rent is not paid within {days} of the due date",
        "day": "day",
        "days": "days",
        "flat": "a {fee} late fee is charged {when}",
        "percent_capped": "a late fee of {pct} of monthly rent, at most {cap}, is charged {when} "
        "({cap} on this rent)",
        "percent": "a late fee of {pct} of monthly rent ({fee}) is charged {when}",
        "daily": "a late fee of {initial}{daily} per late day is charged {when}",
        "plus": "{amount} plus ",
        "cap": ", up to {cap} per month",
    },
    "es": {
        "when": "si la renta no se paga dentro de {days} después de la fecha de vencimiento",
        "day": "día",
        "days": "días",
        "flat": "se cobra un cargo por atraso de {fee} {when}",
        "percent_capped": "se cobra un cargo por atraso del {pct} de la renta mensual, con un máximo de "
        "{cap}, "
        "{when} ({cap} con esta renta)",
        "percent": "se cobra un cargo por atraso del {pct} de la renta mensual ({fee}) {when}",
        "daily": "se cobra un cargo por atraso de {initial}{daily} por cada día de atraso {when}",
        "plus": "{amount} más ",
        "cap": ", hasta {cap} por mes",
    },
}


def describe_rule(rule: LateFeeRule, *, grace_days: int, rent_cents: int, language: str = "en") -> str:
    """The rule in a sentence a resident understands (English or Spanish), from the numbers the ledger uses.

    A cap is mentioned only where it matters: when it limits this rent's fee, or when the fee grows daily.
    """
    from app.money import format_cents

    w = RULE_WORDS["es" if language == "es" else "en"]
    when = w["when"].format(days=f"{grace_days} {w['day'] if grace_days == 1 else w['days']}")
    cap = rule.cap_cents
    if rule.kind is LateFeeKind.FLAT:
        fee = rule.amount_cents if cap is None else min(rule.amount_cents, cap)
        return w["flat"].format(fee=format_cents(fee), when=when)
    if rule.kind is LateFeeKind.PERCENT:
        pct = f"{rule.percent_bp / 100:g}%"
        uncapped = percent_of(rent_cents, rule.percent_bp)
        if cap is not None and uncapped > cap:
            return w["percent_capped"].format(pct=pct, cap=format_cents(cap), when=when)
        return w["percent"].format(pct=pct, fee=format_cents(uncapped), when=when)
    initial = w["plus"].format(amount=format_cents(rule.amount_cents)) if rule.amount_cents else ""
    text = w["daily"].format(initial=initial, daily=format_cents(rule.daily_cents), when=when)
    return text + (w["cap"].format(cap=format_cents(cap)) if cap is not None else "")

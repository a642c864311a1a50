"""Slots: the concrete facts in a resident's message (amounts, dates, months, charges, methods, people).

`extract_slots(text, today=...)` is a pure function of the text and the day it was sent: regular
expressions over folded text, one parser per slot family in `agents.offline.slot_parsers`. Slots feed
tool arguments and clarifying questions; they never decide what the message means (the classifier
does) or what the resident may see (the tools do).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from agents.offline.slot_parsers.amounts import find_amounts
from agents.offline.slot_parsers.claims import (
    asks_refund,
    claims_paid,
    contests_ledger,
    is_confused,
    mentions_account_credit,
    mentions_deposit,
)
from agents.offline.slot_parsers.dates import find_dates_and_months
from agents.offline.slot_parsers.installments import find_installments, find_plan_terms
from agents.offline.slot_parsers.people import find_units, mentions_other_person
from agents.offline.slot_parsers.staff import asks_for_person
from agents.offline.slot_parsers.vocabulary import (
    ChargeKind,
    PaymentMethod,
    find_charge_kinds,
    find_payment_methods,
)
from agents.offline.text import MAX_CHARS, fold, strip_accents


class Slots(BaseModel):
    """What a message names, each list in order of first mention without repeats."""

    model_config = ConfigDict(frozen=True)

    amounts_cents: list[int] = Field(default_factory=list, description="Dollar amounts, in cents.")
    dates: list[date] = Field(
        default_factory=list, description="Calendar days named, resolved against the day of the message."
    )
    months: list[tuple[int, int]] = Field(
        default_factory=list, description="(year, month) pairs named without a day: 'October', 'last month'."
    )
    installments: int | None = Field(
        default=None, description="Parts a payment is to be split into ('in two parts', 'la mitad' = 2)."
    )
    charge_kinds: list[ChargeKind] = Field(default_factory=list)
    payment_methods: list[PaymentMethod] = Field(default_factory=list)
    other_person: bool = Field(
        default=False,
        description="The message asks about someone else's account or unit (roommates and spouses share the "
        "lease and do not count).",
    )
    unit_mentions: list[str] = Field(default_factory=list, description="Unit identifiers, e.g. '4B', '12'.")
    plan_terms: list[tuple[int | None, date | None]] = Field(
        default_factory=list,
        description="The payments the resident proposes, in order, as (cents, or None for a share of the "
        "rest; day or None): 'pay 500 now and the rest friday'.",
    )
    paid_claim: bool = Field(default=False, description="The resident says they (or their household) paid.")
    contests: bool = Field(default=False, description="The message says the ledger is wrong.")
    refund_request: bool = Field(default=False, description="The message asks for money back.")
    account_credit: bool = Field(default=False, description="The message is about credit on the account.")
    deposit: bool = Field(default=False, description="The message is about the security deposit.")
    confused: bool = Field(
        default=False, description="A short 'what?' ('wat', 'huh', '?', 'no entiendo'): say it another way."
    )
    wants_person: bool = Field(
        default=False,
        description="The message asks for a person ('get me a manager', 'call me'), not merely names one.",
    )


def extract_slots(text: str, *, today: date) -> Slots:
    """Every slot found in `text`; relative dates ("tomorrow", "friday", "the 15th") resolve to `today`."""
    folded = fold(text)
    dates, months = find_dates_and_months(folded, today=today)
    units = find_units(strip_accents(text[:MAX_CHARS]))
    return Slots(
        amounts_cents=find_amounts(folded),
        dates=dates,
        months=months,
        installments=find_installments(folded),
        charge_kinds=find_charge_kinds(folded),
        payment_methods=find_payment_methods(folded),
        other_person=mentions_other_person(folded),
        unit_mentions=units,
        plan_terms=find_plan_terms(folded, today=today),
        paid_claim=claims_paid(folded),
        contests=contests_ledger(folded),
        refund_request=asks_refund(folded),
        account_credit=mentions_account_credit(folded),
        deposit=mentions_deposit(folded),
        confused=is_confused(folded),
        wants_person=asks_for_person(folded),
    )

"""Words staff start from: a suggested reply for an escalation, canned replies with the account's facts
filled in, and a conversation written out as plain text. Pure functions over plain data.

The suggested reply is deterministic (no model): the escalation's reason picks the opening, and the
account's own figures (balance, next due, the charge in question) fill it. It never promises a waiver, a
refund or a plan, and never gives legal advice: staff decide those and edit the draft before sending.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.channels.inbox_models import ResidentCard, TranscriptEvent
from app.formatting import format_date, money
from app.schemas import BalancePublic, OpenChargePublic

_FEES = ("late_fee", "nsf_fee", "charge")
_NO_FIGURES = {"legal", "emergency", "abuse", "discrimination", "suspicious", "other_resident"}

OPENINGS: dict[str, str] = {
    "requested_person": "Thanks for reaching out, I'm here to help.",
    "dispute": "I'm looking into {charge_phrase} now and will get back to you with what I find.",
    "payment_not_found": (
        "I'm tracing the payment you mentioned. Could you send me the confirmation number, the amount "
        "and the date you paid?"
    ),
    "hardship_beyond_policy": (
        "I'm sorry things are hard right now. Let's find an arrangement that works: how much could you "
        "pay now, and when could you pay the rest?"
    ),
    "plan_review": "I'm reviewing the payment plan you asked for and will confirm the schedule shortly.",
    "refund_request": (
        "I'm checking the options for the credit on your account and will confirm them shortly."
    ),
    "legal": (
        "Thank you for your message. I've passed it to our property manager, who will follow up with you "
        "directly."
    ),
    "discrimination": (
        "Thank you for telling us. I've passed this to our property manager, who will follow up with you "
        "directly."
    ),
    "emergency": "If anyone is in danger, please call 911 now. I'm getting the right person on this.",
    "abuse": "I've read your message and passed it to our property manager.",
    "conflicting_documents": (
        "I'm checking the lease and our policy on your question and will confirm the answer."
    ),
    "unverified_answer": "I'm double-checking your account so you get an exact answer.",
    "misunderstood": "Sorry for the confusion earlier. I've read the conversation and I'm here to help.",
}
DEFAULT_OPENING = "Thanks for your patience. I've read the conversation and I'm looking into it."


def suggest_reply(
    *, reason: str | None, resident: ResidentCard | None, balance: BalancePublic | None, staff_name: str
) -> str:
    """A draft reply for this escalation's reason, with the account's figures where they help."""
    first = resident.name.split(" ")[0] if resident else "there"
    me = staff_name.split(" ")[0] if staff_name else "the office"
    opening = OPENINGS.get(reason or "", DEFAULT_OPENING)
    charge = _charge_in_question(balance)
    charge_phrase = (
        f"the {charge.description} of {money(charge.open_cents)} from {format_date(charge.date, year=True)}"
        if charge
        else "the charge you asked about"
    )
    lines = [f"Hi {first}, this is {me} from the office.", opening.format(charge_phrase=charge_phrase)]
    if balance is not None and reason not in _NO_FIGURES:
        lines.append(account_facts(balance))
    return " ".join(line for line in lines if line)


def account_facts(balance: BalancePublic) -> str:
    """One sentence of the account's figures: the balance (or credit) and the next amount due."""
    if balance.total_cents > 0:
        text = f"Your balance today is {money(balance.total_cents)}"
    elif balance.total_cents < 0:
        text = f"Your account has a credit of {money(-balance.total_cents)}"
    else:
        text = "Your account is paid up"
    if balance.pending_payments:
        pending = balance.pending_payments[-1]
        text += (
            f", with a payment of {money(pending.amount_cents)} from {format_date(pending.initiated_on)}"
            " still pending"
        )
    if balance.next_due is not None:
        due = balance.next_due
        text += f"; the next {money(due.amount_cents)} is due {format_date(due.due_on, year=True)}"
    return text + "."


def _charge_in_question(balance: BalancePublic | None) -> OpenChargePublic | None:
    """The newest open fee or one-off charge: what a resident disputing a charge most often means."""
    if balance is None:
        return None
    fees = [c for c in balance.open_charges if c.kind in _FEES]
    return max(fees, key=lambda c: (c.date, c.entry_id)) if fees else None


_PLACEHOLDER = re.compile(r"\{([a-z_]{1,40})\}")
PLACEHOLDERS = ("first_name", "balance", "next_due_date", "next_due_amount", "property", "staff_name")


def fill_placeholders(
    template: str, *, resident: ResidentCard | None, balance: BalancePublic | None, staff_name: str
) -> str:
    """A canned reply with `{first_name}`, `{balance}`, `{next_due_date}`, `{next_due_amount}`,
    `{property}` and `{staff_name}` filled in; an unknown or unavailable placeholder is left as written,
    for staff to see and fix before sending."""
    values: dict[str, str] = {"staff_name": staff_name}
    if resident is not None:
        values["first_name"] = resident.name.split(" ")[0]
    if balance is not None:
        values["balance"] = money(balance.total_cents)
        values["property"] = balance.property_code
        if balance.next_due is not None:
            values["next_due_date"] = format_date(balance.next_due.due_on, year=True)
            values["next_due_amount"] = money(balance.next_due.amount_cents)
    return _PLACEHOLDER.sub(lambda m: values.get(m[1], m[0]), template)


_SPEAKERS = {"resident": "Resident", "assistant": "Assistant", "system": "Doorstep"}


def transcript_text(
    *, conversation_id: str, channel: str, resident: ResidentCard | None, events: Sequence[TranscriptEvent]
) -> str:
    """The conversation as plain text, one event per paragraph, oldest first."""
    who = f"{resident.name} ({resident.ref})" if resident else "an unidentified resident"
    lines = [f"Conversation {conversation_id} ({channel}) with {who}", ""]
    for event in events:
        at = event.at.strftime("%Y-%m-%d %H:%M UTC")
        speaker = (
            f"Staff ({event.staff_name})"
            if event.role == "staff" and event.staff_name
            else _SPEAKERS.get(event.role, "Staff")
        )
        lines.append(f"[{at}] #{event.seq} {speaker}: {event.text}")
    return "\n".join(lines) + "\n"

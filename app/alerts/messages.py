"""The Slack messages (`{"text": ..., "blocks": [...]}`), from plain facts. Pure.

What staff need and nothing more: the property, the unit, the lease's reference, the amount short and
how many days late (both exactly as the ladder read them from the ledger when the step fired), an
escalation's reason, priority and how far past its SLA, and a link to the inbox. Never a resident's name,
phone number, email or what they wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.money import format_cents


@dataclass(frozen=True, slots=True)
class LegalQueueFact:
    step_id: int
    lease_id: int
    lease_ref: str
    property_id: int
    property_name: str
    unit: str
    period_on: date
    """The rent's due date."""
    fired_on: date
    """The day the account entered the legal queue."""
    short_cents: int
    """What the cleared payments fell short of what was owed, read from the ledger as the step fired."""


@dataclass(frozen=True, slots=True)
class SlaBreachFact:
    escalation_id: int
    reason: str
    priority: str
    sla_due_at: datetime
    property_id: int | None
    property_name: str | None
    unit: str | None
    lease_id: int | None


def inbox_url(public_url: str) -> str:
    return public_url.rstrip("/") + "/inbox"


def legal_queue_message(fact: LegalQueueFact, *, public_url: str) -> dict[str, Any]:
    days_late = (fact.fired_on - fact.period_on).days
    link = inbox_url(public_url)
    text = (
        f"Legal queue: unit {fact.unit} at {fact.property_name} (lease {fact.lease_ref}) is "
        f"{format_cents(fact.short_cents)} short, {days_late} days late on the rent due "
        f"{fact.period_on.isoformat()}. Review it in the inbox: {link}"
    )
    return _message(text, link)


def sla_breach_message(fact: SlaBreachFact, *, now: datetime, public_url: str) -> dict[str, Any]:
    late = max(0, int((now - fact.sla_due_at).total_seconds() // 60))
    where = (
        f" at {fact.property_name}" + (f", unit {fact.unit}" if fact.unit else "")
        if fact.property_name
        else ""
    )
    link = inbox_url(public_url)
    text = (
        f"SLA breached: escalation #{fact.escalation_id} ({fact.reason.replace('_', ' ')}, "
        f"{fact.priority} priority){where} has had no staff answer for {late} min past its SLA "
        f"(due {fact.sla_due_at.strftime('%Y-%m-%d %H:%M')} UTC). Answer it in the inbox: {link}"
    )
    return _message(text, link)


def _message(text: str, link: str) -> dict[str, Any]:
    return {
        "text": text,
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": text}},
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": {"type": "plain_text", "text": "Open the inbox"}, "url": link}
                ],
            },
        ],
    }

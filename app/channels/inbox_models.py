"""The staff inbox's shapes: what its pages are sent and what its forms send. Money is integer cents."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from app.bounds import DbId, LedgerDate, PlainText
from app.schemas import BalancePublic, LeasePublic

Priority = Literal["low", "normal", "high", "urgent"]
EscalationStatus = Literal["open", "claimed", "resolved"]
QueueFilter = Literal["active", "open", "claimed", "mine", "resolved"]
"""active: open or claimed (the default); mine: claimed by or assigned to me; the others by status."""
SlaState = Literal["ok", "due_soon", "breached", "met", "none"]
Owner = Literal["assistant", "waiting", "staff"]
MAX_MESSAGE_CHARS = 4000
_BIDI = {*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C}


def _message_text(value: str) -> str:
    """Several lines are fine; controls other than newline and tab, and bidi overrides, are not."""
    text = value.replace("\r\n", "\n").strip()
    if not text:
        raise ValueError("the text is empty")
    for ch in text:
        if ch not in "\n\t" and (unicodedata.category(ch) == "Cc" or ord(ch) in _BIDI):
            raise ValueError(
                f"text may not contain control or direction-override characters (U+{ord(ch):04X})"
            )
    return text


def _optional_message_text(value: str) -> str:
    """`_message_text`, where leaving the text out (empty or only spaces) is allowed."""
    return _message_text(value) if value.strip() else ""


MessageText = Annotated[str, Field(min_length=1, max_length=MAX_MESSAGE_CHARS), AfterValidator(_message_text)]
Note = Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_message_text)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    pass


# --- staff ---------------------------------------------------------------------------------------


class Login(_In):
    email: Annotated[str, Field(min_length=3, max_length=200)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class StaffPublic(_Out):
    id: int
    name: str
    role: str


class Me(_Out):
    staff: StaffPublic
    email: str
    csrf_token: str
    permissions: list[str]
    expires_at: datetime


class StaffCreate(_In):
    email: Annotated[str, Field(min_length=3, max_length=200)]
    name: Annotated[PlainText, Field(min_length=1, max_length=200)]
    role: Literal["agent", "manager", "admin"]
    password: Annotated[str, Field(min_length=12, max_length=256)]


# --- the queue -----------------------------------------------------------------------------------


class QueueItem(_Out):
    escalation_id: int
    conversation_id: str | None
    channel: str | None
    resident_ref: str | None
    resident_name: str | None
    property_code: str | None
    property_name: str | None
    reason: str
    priority: Priority
    status: EscalationStatus
    summary: str
    created_at: datetime
    age_seconds: int
    sla_due_at: datetime | None
    sla_state: SlaState
    sla_seconds_left: int | None
    """Negative once breached; None when there is no SLA or staff have already answered."""
    assigned_to: StaffPublic | None
    owner: Owner | None
    resolved_by: str | None = None
    resolution_note: str | None = None


class Queue(_Out):
    items: list[QueueItem]
    now: datetime
    properties: list[tuple[str, str]]
    """(code, name) of every property, for the filter."""
    approvals: int
    """Decisions waiting (payment plans, ...); 0 for staff who may not make them."""


class Assign(_In):
    staff_id: DbId


# --- a conversation ------------------------------------------------------------------------------


class TranscriptEvent(_Out):
    seq: int
    kind: Literal["message", "owner", "note"]
    role: Literal["resident", "assistant", "staff", "system"]
    text: str
    at: datetime
    staff_name: str | None = None
    owner: Owner | None = None


class ResidentCard(_Out):
    ref: str
    name: str
    email: str | None
    phone: str | None
    language: str
    preferred_channel: str
    do_not_contact: bool


class EscalationCard(_Out):
    id: int
    reason: str
    priority: Priority
    status: EscalationStatus
    summary: str
    created_at: datetime
    sla_due_at: datetime | None
    assigned_to: StaffPublic | None
    resolved_by: str | None
    resolution_note: str | None


class ConversationView(_Out):
    conversation_id: str
    channel: str
    owner: Owner
    owner_staff: StaffPublic | None
    last_seq: int
    resident: ResidentCard | None
    events: list[TranscriptEvent]
    balance: BalancePublic | None
    lease: LeasePublic | None
    escalations: list[EscalationCard]
    suggested_reply: str
    sms_bridge: bool
    """For an SMS conversation: whether a staff reply is texted (the SMS bridge is installed)."""


class Reply(_In):
    text: MessageText


class Resolve(_In):
    note: Note
    escalation_id: DbId | None = None
    """Which escalation; the conversation's open one when left out."""


class ActionResult(_Out):
    """What an action changed: the conversation's newest seq and, for a reply, the reply's seq."""

    conversation_id: str | None
    last_seq: int | None = None
    seq: int | None = None
    owner: Owner | None = None
    sms: str | None = None
    """For an SMS conversation: `queued` / `sent` by the SMS bridge, or `not_sent` when none is installed."""


# --- approvals -----------------------------------------------------------------------------------


class InstallmentIn(_In):
    due_on: LedgerDate
    amount_cents: Annotated[int, Field(gt=0, le=10_000_000_00)]


class InstallmentOut(_Out):
    due_on: date
    amount_cents: int


class ApprovalItem(_Out):
    """One decision waiting for a manager. `kind` says what is decided: a `payment_plan` the assistant
    proposed (its installments and totals), or an `outreach_draft` the collections ladder wrote and the
    property's rollout mode holds for a person (its channel, subject and text)."""

    kind: Literal["payment_plan", "outreach_draft"]
    id: int
    conversation_id: str | None
    resident_ref: str | None
    resident_name: str | None
    property_code: str | None
    created_on: date
    proposed_by: str
    title: str
    note: str
    total_cents: int | None
    balance_cents: int | None
    installments: list[InstallmentOut]
    channel: str | None = None
    """An outreach draft's channel: `sms` or `email`."""
    subject: str | None = None
    body: str | None = None
    """An outreach draft's text, as it would go."""


class ApprovalDecision(_In):
    action: Literal["approve", "edit", "reject"]
    installments: Annotated[list[InstallmentIn], Field(max_length=24)] | None = None
    message: Annotated[str, Field(max_length=2000), AfterValidator(_optional_message_text)] = ""
    """What the resident is told with the decision (a rejection needs one); empty for none."""


class ApprovalResult(_Out):
    kind: str
    id: int
    status: str
    decided_by: str
    resident_message: str | None
    conversation_id: str | None


# --- canned replies ------------------------------------------------------------------------------


class CannedReplyIn(_In):
    title: Annotated[PlainText, Field(min_length=1, max_length=100)]
    body: Annotated[str, Field(min_length=1, max_length=2000), AfterValidator(_message_text)]


class CannedReplyOut(_Out):
    id: int
    title: str
    body: str
    created_by: str


class Draft(_Out):
    text: str

"""The escalation tool: hand the conversation to staff with a reason, a priority and a summary for them."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from app.conversations import set_owner
from app.escalations import open_escalation
from app.models import Conversation
from tools.account import load_account
from tools.context import ResidentContext
from tools.results import ToolArgs, ToolResult


class EscalationReason(StrEnum):
    REQUESTED_PERSON = "requested_person"
    DISPUTE = "dispute"
    HARDSHIP_BEYOND_POLICY = "hardship_beyond_policy"
    PLAN_REVIEW = "plan_review"
    LEGAL = "legal"
    DISCRIMINATION = "discrimination"
    EMERGENCY = "emergency"
    ABUSE = "abuse"
    MISUNDERSTOOD = "misunderstood"
    CONFLICTING_DOCUMENTS = "conflicting_documents"
    ACCOUNT_RESTRICTED = "account_restricted"
    UNVERIFIED_ANSWER = "unverified_answer"
    OTHER_LANGUAGE = "other_language"
    OTHER_RESIDENT = "other_resident"
    SUSPICIOUS = "suspicious"
    PAYMENT_NOT_FOUND = "payment_not_found"
    """The resident says they paid and no matching payment is on the account: staff trace it."""
    REFUND_REQUEST = "refund_request"
    """A request to have money sent back (a credit, an overpayment): only staff move money."""


URGENT = {EscalationReason.EMERGENCY}
HIGH = {
    EscalationReason.LEGAL,
    EscalationReason.DISCRIMINATION,
    EscalationReason.ABUSE,
    EscalationReason.HARDSHIP_BEYOND_POLICY,
}


class EscalateArgs(ToolArgs):
    reason: EscalationReason
    summary: str = Field(
        min_length=1,
        max_length=2000,
        description="What staff need to know, in two or three "
        "sentences: what the resident asked and what the account shows.",
    )
    priority: Literal["low", "normal", "high", "urgent"] | None = None


class EscalationResult(ToolResult):
    escalation_id: int | None = None
    priority: str = "normal"
    office_phone: str | None = None
    office_email: str | None = None
    property_name: str | None = None


def escalate(ctx: ResidentContext, args: EscalateArgs) -> EscalationResult:
    """Hand the conversation to a person on staff. Use for requests for a person, disputes, refund requests,
    payments the resident made that are not on the account, legal or notice questions, hardship beyond the
    payment-plan policy, safety, discrimination or abuse."""
    priority = args.priority or (
        "urgent" if args.reason in URGENT else "high" if args.reason in HIGH else "normal"
    )
    with ctx.sessions.begin() as session:
        account = load_account(session, ctx)
        prop = account.property if account else None
        conversation = session.get(Conversation, ctx.conversation_id) if ctx.conversation_id else None
        if conversation is not None and conversation.owner != "staff":
            set_owner(session, conversation, "waiting")
        row = open_escalation(
            session,
            conversation_id=ctx.conversation_id,
            resident_id=ctx.resident_id,
            lease_id=account.lease.id if account else None,
            prop=prop,
            reason=args.reason.value,
            priority=priority,
            summary=args.summary,
            actor="assistant",
        )
        return EscalationResult(
            escalation_id=row.id,
            priority=priority,
            office_phone=prop.office_phone if prop else None,
            office_email=prop.office_email if prop else None,
            property_name=prop.name if prop else None,
        )

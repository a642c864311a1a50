"""The approvals queue: decisions only a manager may make, each waiting for approve, edit or reject.

Two kinds, one list of `ApprovalItem`s tagged by `kind`, the same three answers:
- `payment_plan`: plans the assistant proposed (`agents/plan_review`: each waits on `interrupt()` for a
  staff decision, which `app.payment_plans.decide` applies and audits with who decided: here always the
  signed-in staff member, `staff:<id>`);
- `outreach_draft`: the ladder's messages that wait for a person under the property's rollout mode
  (`app.outreach`): approve sends the text as drafted, edit sends the text given in `message` instead,
  reject keeps it from going, `message` being the reason. Decided by the signed-in staff member's email,
  kept on the draft and audited (`outreach.approved`, `outreach.edited`, `outreach.rejected`); the next
  `outreach run` (or sweep) sends it, within quiet hours and after the send-time checks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agents.plan_review.graph import Installment, ReviewGraph, StaffDecision
from agents.plan_review.service import pending_request, resume_review, start_review
from app.channels.inbox import require
from app.channels.inbox_models import ApprovalDecision, ApprovalItem, ApprovalResult, InstallmentOut
from app.errors import ConfigurationError, Conflict, InvalidInput, NotFound
from app.ledger.balance import summarize_balance
from app.ledger.queries import lease_entries
from app.models import Conversation, Lease, OutreachDraft, PaymentPlan, Property, Resident, Unit
from app.outreach import approvals as outreach_approvals
from app.staff import StaffIdentity

MAX_INSTALLMENTS = 24
_ACTIONS: dict[str, Literal["accept", "edit", "reject"]] = {
    "approve": "accept",
    "edit": "edit",
    "reject": "reject",
}


class Approvals:
    def __init__(
        self, *, sessions: sessionmaker[Session], today: Callable[[], date], review_graph: ReviewGraph | None
    ) -> None:
        self.sessions = sessions
        self.today = today
        self.review_graph = review_graph

    def pending(self, staff: StaffIdentity) -> list[ApprovalItem]:
        """Every decision waiting, oldest first."""
        require(staff, "approvals")
        today = self.today()
        with self.sessions() as session:
            rows = session.execute(
                select(PaymentPlan, Conversation, Resident, Property)
                .join(Lease, Lease.id == PaymentPlan.lease_id)
                .join(Unit, Unit.id == Lease.unit_id)
                .join(Property, Property.id == Unit.property_id)
                .outerjoin(Conversation, Conversation.id == PaymentPlan.conversation_id)
                .outerjoin(Resident, Resident.id == Conversation.resident_id)
                .where(PaymentPlan.status == "proposed")
                .order_by(PaymentPlan.created_on, PaymentPlan.id)
            )
            plans = [
                _plan_item(session, plan, resident, prop, today=today)
                for plan, _conversation, resident, prop in rows
            ]
            drafts = session.execute(
                select(OutreachDraft, Lease.ref, Unit.number, Resident, Property)
                .join(Lease, Lease.id == OutreachDraft.lease_id)
                .join(Unit, Unit.id == Lease.unit_id)
                .join(Property, Property.id == OutreachDraft.property_id)
                .outerjoin(Resident, Resident.id == OutreachDraft.resident_id)
                .where(OutreachDraft.status == "awaiting_approval")
                .order_by(OutreachDraft.created_at, OutreachDraft.id)
            )
            return plans + [_draft_item(*row) for row in drafts]

    def decide(
        self, staff: StaffIdentity, kind: str, item_id: int, decision: ApprovalDecision
    ) -> ApprovalResult:
        require(staff, "approvals")
        if kind == "payment_plan":
            return self._decide_plan(staff, item_id, decision)
        if kind == "outreach_draft":
            return self._decide_draft(staff, item_id, decision)
        raise NotFound(f"no approvals of kind {kind[:40]!r}")

    def _decide_draft(
        self, staff: StaffIdentity, draft_id: int, decision: ApprovalDecision
    ) -> ApprovalResult:
        if decision.installments:
            raise InvalidInput("an outreach draft has no installments: edit its text in message")
        text = decision.message.strip()
        with self.sessions.begin() as session:
            if decision.action == "reject":
                if not text:
                    raise InvalidInput("a rejection needs a reason (kept on the draft; nothing is sent)")
                decided = outreach_approvals.reject(
                    session, draft_id=draft_id, actor=staff.email, reason=text
                )
            elif decision.action == "edit":
                if not text:
                    raise InvalidInput("an edited message needs its text in message")
                decided = outreach_approvals.approve(session, draft_id=draft_id, actor=staff.email, body=text)
            else:
                decided = outreach_approvals.approve(session, draft_id=draft_id, actor=staff.email)
        return ApprovalResult(
            kind="outreach_draft",
            id=decided.id,
            status=decided.status,
            decided_by=decided.decided_by or staff.email,
            resident_message=decided.body if decided.status == "ready" else None,
            conversation_id=None,
        )

    def _decide_plan(self, staff: StaffIdentity, plan_id: int, decision: ApprovalDecision) -> ApprovalResult:
        graph = self.review_graph
        if graph is None:
            raise ConfigurationError(
                "payment-plan approvals need the assistant's review graph (app.state.review_graph)"
            )
        today = self.today()
        installments = _check(decision, today=today)
        with self.sessions() as session:
            plan = session.get(PaymentPlan, plan_id)
            if plan is None:
                raise NotFound(f"no payment plan {plan_id}")
            if plan.status != "proposed":
                raise Conflict(f"plan {plan_id} is already {plan.status}")
        # A proposal made before the review graph ran (or by an import) has no review yet: start it.
        if pending_request(graph, plan_id=plan_id) is None:
            start_review(graph, plan_id=plan_id, sessions=self.sessions, today=today)
        result = resume_review(
            graph,
            plan_id=plan_id,
            decision=StaffDecision(
                action=_ACTIONS[decision.action],
                staff=staff.actor,
                installments=installments,
                message=decision.message.strip(),
            ),
            sessions=self.sessions,
            today=today,
        )
        with self.sessions() as session:
            plan = session.get(PaymentPlan, plan_id)
            assert plan is not None
            return ApprovalResult(
                kind="payment_plan",
                id=plan.id,
                status=plan.status,
                decided_by=plan.decided_by or staff.actor,
                resident_message=result.get("resident_message"),
                conversation_id=plan.conversation_id,
            )


def _check(decision: ApprovalDecision, *, today: date) -> list[Installment] | None:
    if decision.action == "reject" and not decision.message.strip():
        raise InvalidInput("a rejection needs a reason: it is sent to the resident")
    if decision.action != "edit":
        if decision.installments:
            raise InvalidInput("installments are given only with edit")
        return None
    parts = decision.installments or []
    if not parts:
        raise InvalidInput("an edited plan needs its installments")
    if len(parts) > MAX_INSTALLMENTS:
        raise InvalidInput(f"a plan has at most {MAX_INSTALLMENTS} installments")
    days = [p.due_on for p in parts]
    if days[0] < today:
        raise InvalidInput("an installment cannot fall before today")
    if any(later <= earlier for earlier, later in zip(days, days[1:], strict=False)):
        raise InvalidInput("installments must fall on different days, in order")
    return [Installment(due_on=p.due_on, amount_cents=p.amount_cents) for p in parts]


def _plan_item(
    session: Session,
    plan: PaymentPlan,
    resident: Resident | None,
    prop: Property,
    *,
    today: date,
) -> ApprovalItem:
    balance = summarize_balance(lease_entries(session, plan.lease_id, as_of=today), today).total_cents
    count = len(plan.installments)
    return ApprovalItem(
        kind="payment_plan",
        id=plan.id,
        conversation_id=plan.conversation_id,
        resident_ref=resident.ref if resident else None,
        resident_name=resident.full_name if resident else None,
        property_code=prop.code,
        created_on=plan.created_on,
        proposed_by=plan.proposed_by,
        title=f"Payment plan: {count} installment{'s' if count != 1 else ''}",
        note=plan.note,
        total_cents=plan.total_cents,
        balance_cents=balance,
        installments=[
            InstallmentOut(due_on=i.due_on, amount_cents=i.amount_cents) for i in plan.installments
        ],
    )


_STEP_TITLES = {
    "pre_due": "Pre-due reminder",
    "reminder": "Reminder",
    "second_notice": "Second notice",
    "formal_notice": "Formal notice",
}


def _draft_item(
    draft: OutreachDraft, lease_ref: str, unit: str, resident: Resident | None, prop: Property
) -> ApprovalItem:
    step = _STEP_TITLES.get(draft.step, draft.step.replace("_", " ").capitalize())
    by = "text" if draft.channel == "sms" else "email"
    return ApprovalItem(
        kind="outreach_draft",
        id=draft.id,
        conversation_id=None,
        resident_ref=resident.ref if resident else None,
        resident_name=resident.full_name if resident else None,
        property_code=prop.code,
        created_on=draft.created_at.date(),
        proposed_by="collections ladder",
        title=f"{step} by {by}: {prop.code} unit {unit} (lease {lease_ref})",
        note=f"For the period of {draft.period_on.isoformat()}; the property's rollout mode is {draft.mode}.",
        total_cents=None,
        balance_cents=None,
        installments=[],
        channel=draft.channel,
        subject=draft.subject or None,
        body=draft.body,
    )

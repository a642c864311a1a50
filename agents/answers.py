"""Answers composed from this turn's tool results (the offline planner's voice), in English or Spanish.

Every amount and date printed here is formatted from a field of a tool result, so the checker can find
it there. Templates live in `prompts/answers.{en,es}.txt`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import phonenumbers

from agents.conflicts import Conflict, find_conflict, governs, polarity
from agents.intents import Intent
from agents.methods import AskedMethod, verdict
from agents.prompts import render
from app.formatting import format_date, money
from app.knowledge.reading import Similarity, Source, encoder_similarity, read
from app.knowledge.values import KIND_WORDS
from tools.escalation import EscalationReason, EscalationResult
from tools.lease import LeaseTermsResult
from tools.ledger import (
    ActivityResult,
    AppliedTo,
    BalanceResult,
    ChargeExplanation,
    DepositResult,
    NextDueResult,
    PaymentStatusResult,
)
from tools.plans import Installment, PlanProposal
from tools.policies import PolicySearchResult
from tools.results import Citation, LineItem, ToolResult

METHODS = {
    "en": {
        "ach": "bank transfer (ACH)",
        "card": "card",
        "check": "check",
        "money_order": "money order",
        "cash": "cash",
    },
    "es": {
        "ach": "transferencia bancaria (ACH)",
        "card": "tarjeta",
        "check": "cheque",
        "money_order": "giro postal",
        "cash": "efectivo",
    },
}
MAX_INLINE_CHARGES = 4
READ_DEPTH = 4
"""How many of the retrieved passages (best first, re-ranked by the reader) an answer quotes from. On the
development set, reading 4, 5, 6 or 8 answered 0.641, 0.630, 0.641 and 0.635 of the questions."""


@dataclass
class Composed:
    text: str
    citations: list[Citation] = field(default_factory=list)


@dataclass
class Voice:
    """Who is speaking to whom: the language, the resident's first name, the office's details."""

    language: str = "en"
    name: str | None = None
    property_name: str | None = None
    office_phone: str | None = None

    def t(self, key: str, /, **values: object) -> str:
        return render(f"answers.{'es' if self.language == 'es' else 'en'}", key, **values)

    def d(self, day: date) -> str:
        return format_date(day, self.language)

    def method(self, code: str) -> str:
        return METHODS["es" if self.language == "es" else "en"].get(code, code)


def _join(items: Sequence[str], language: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = " y " if language == "es" else " and "
    return ", ".join(items[:-1]) + last + items[-1]


# -- one composer per tool result -----------------------------------------------------------------------


def balance(v: Voice, r: BalanceResult, *, credit_from: bool = False, pending: bool = True) -> str:
    """What is owed. `credit_from`: say where a credit came from; `pending`: name pending payments (not
    when the reply has just listed them)."""
    assert r.as_of is not None
    parts: list[str] = []
    if r.total_cents == 0:
        parts.append(v.t("balance.zero", as_of=v.d(r.as_of)))
    elif r.total_cents < 0:
        key = "balance.credit_moved_out" if r.lease_ended else "balance.credit"
        parts.append(v.t(key, credit=money(r.unapplied_credit_cents), as_of=v.d(r.as_of)))
        if credit_from and r.credit_sources:
            parts.append(v.t("balance.credit_from", sources=_join(_credit_sources(v, r), v.language)))
    elif len(r.open_charges) <= MAX_INLINE_CHARGES:
        parts.append(
            v.t("balance.owed", total=money(r.total_cents), as_of=v.d(r.as_of), itemized=_itemized(v, r))
        )
    else:
        lines = "\n".join(f"- {_charge_line(v, c)}" for c in r.open_charges)
        parts.append(v.t("balance.owed_list", total=money(r.total_cents), as_of=v.d(r.as_of), lines=lines))
    for p in r.pending_payments if pending else []:
        parts.append(
            v.t("balance.pending", method=v.method(p.method), amount=money(p.amount_cents), date=v.d(p.date))
        )
    if r.open_dispute:
        parts.append(v.t("balance.disputed"))
    if r.on_payment_plan:
        parts.append(v.t("balance.plan"))
        if r.plan_installments:
            nxt = r.plan_installments[0]
            parts.append(v.t("balance.plan_next", amount=money(nxt.amount_cents), date=v.d(nxt.date)))
    return " ".join(parts)


def _credit_sources(v: Voice, r: BalanceResult) -> list[str]:
    """Where the credit comes from, from the ledger's own lines: an overpayment, a concession, a reversal."""
    out = []
    for c in r.credit_sources[:3]:
        values = {"amount": money(-c.amount_cents), "date": v.d(c.date), "description": c.description}
        if c.kind == "payment":
            out.append(v.t("credit.payment", unused=money(c.open_cents or 0), **values))
        elif c.kind == "reversal":
            out.append(v.t("credit.reversal", **values))
        else:
            out.append(v.t("credit.credit", **values))
    return out


def _applied_items(v: Voice, items: Sequence[AppliedTo]) -> str:
    return _join([f"{a.description} ({money(a.amount_cents)})" for a in items], v.language)


def deposit(v: Voice, r: DepositResult) -> str:
    """The security deposit: held; after a move-out, what it paid (itemised) and what is left either way."""
    if not r.received_cents:
        return r.note or ""
    if not r.lease_ended:
        return v.t("deposit.held", amount=money(r.received_cents))
    if not r.applied_cents or r.applied_on is None:
        return v.t("deposit.ended_unapplied", amount=money(r.received_cents), held=money(r.still_held_cents))
    parts = [
        v.t(
            "deposit.ended",
            amount=money(r.received_cents),
            date=v.d(r.applied_on),
            items=_applied_items(v, r.deductions),
        )
    ]
    if r.refundable_cents:
        parts.append(v.t("deposit.refundable", amount=money(r.refundable_cents)))
    elif r.still_owed_cents:
        parts.append(v.t("deposit.owed", amount=money(r.still_owed_cents)))
    else:
        parts.append(v.t("deposit.even"))
    return " ".join(parts)


def _charge_line(v: Voice, c: LineItem) -> str:
    label = f"{c.description} ({v.d(c.date)})"
    if c.open_cents is not None and c.open_cents != c.amount_cents:
        of = "de" if v.language == "es" else "of"
        left = "pendiente" if v.language == "es" else "still open"
        return f"{label}: {money(c.open_cents)} {of} {money(c.amount_cents)} {left}"
    return f"{label}: {money(c.amount_cents)}"


def _itemized(v: Voice, r: BalanceResult) -> str:
    """ "$1,850.00 Rent - November 2026 (Nov 1) + $75.00 Late fee (Nov 6) - $900.00 already paid"."""
    terms = [f"{money(c.amount_cents)} {c.description} ({v.d(c.date)})" for c in r.open_charges]
    text = " + ".join(terms)
    if r.paid_toward_open_cents:
        text += f" - {money(r.paid_toward_open_cents)} " + (
            "ya pagados" if v.language == "es" else "already paid"
        )
    return text


def next_due(v: Voice, r: NextDueResult) -> str:
    if r.ok and r.no_rent_after_end and r.lease_ends_on is not None:
        return v.t("due.after_lease_end", date=v.d(r.lease_ends_on))
    if not r.ok or r.due_on is None or r.late_after is None:
        return ""
    items = " + ".join(f"{i.description} {money(i.amount_cents)}" for i in r.items)
    growth = v.t("due.growth", cap=money(r.late_fee_max_cents)) if r.late_fee_max_cents else ""
    parts = [
        v.t("due.next", due_on=v.d(r.due_on), amount=money(r.amount_cents), items=items),
        *[
            v.t("balance.plan_next", amount=money(i.amount_cents), date=v.d(i.date))
            for i in r.plan_installments[:1]
        ],
        *([v.t("due.lease_end", date=v.d(r.lease_ends_on))] if r.lease_ends_on else []),
        v.t("due.late", late_after=v.d(r.late_after), fee=money(r.late_fee_cents), growth=growth),
    ]
    return " ".join(parts)


def lease_terms(v: Voice, r: LeaseTermsResult, *, rules: bool = True) -> str:
    parts = []
    if rules and (c := r.pay_on_check) is not None:  # "can i pay on the 6th": yes or no, then the rule
        dates = {"due_on": v.d(c.due_on), "late_after": v.d(c.late_after), "pay_on": v.d(c.pay_on)}
        if c.late and c.already_late:  # "paying by Nov 4 avoids it" on Nov 23 would help no one
            parts.append(v.t("rules.pay_on_already_late", fee=money(c.fee_cents), **dates))
        elif c.late:
            parts.append(
                v.t("rules.pay_on_late", fee=money(c.fee_cents), last_ok=v.d(c.last_on_time), **dates)
            )
        else:
            parts.append(v.t("rules.pay_on_ok", **dates))
        parts.append(v.t("rules.summary", rule=r.late_fee_rule_es if v.language == "es" else r.late_fee_rule))
        return " ".join(parts)
    if rules:
        parts.append(v.t("rules.summary", rule=r.late_fee_rule_es if v.language == "es" else r.late_fee_rule))
        if r.examples:
            e = r.examples[0]
            parts.append(
                v.t("rules.example", due_on=v.d(e.due_on), paid_on=v.d(e.paid_on), fee=money(e.fee_cents))
            )
        parts.append(
            v.t("rules.nsf", fee=money(r.nsf_fee_cents)) if r.nsf_fee_cents else v.t("rules.nsf_none")
        )
    return " ".join(parts)


def how_to_pay(
    v: Voice, r: LeaseTermsResult, *, card_fee: bool = True, asked: Sequence[AskedMethod] = ()
) -> str:
    """The ways the lease takes payment; first, for each way `asked` about, yes or no from those ways
    (neither for a way the lease has no code for: a person is offered)."""
    parts = [_method_answer(v, a, r.accepted_methods) for a in asked]
    parts.append(v.t("pay.methods", methods=_join([v.method(m) for m in r.accepted_methods], v.language)))
    if card_fee and r.card_fee_bp and "card" in r.accepted_methods:
        parts.append(v.t("pay.card_fee", percent=f"{r.card_fee_bp / 100:g}%"))
    return " ".join(parts)


def _method_answer(v: Voice, asked: AskedMethod, accepted: Sequence[str]) -> str:
    found = verdict(asked, accepted)
    if found == "unlisted":
        return v.t("pay.asked_unlisted", method=asked.words)
    if found == "cashiers_only":
        return v.t("pay.asked_cashiers_only")
    return v.t(f"pay.asked_{found}", method=v.t(f"pay.asked.{asked.kind}"))


def charge(v: Voice, r: ChargeExplanation) -> str:
    if r.charge is None:
        return r.note or ""
    c = r.charge
    amount, day = money(c.amount_cents), v.d(c.date)
    if c.kind == "late_fee" and r.due_on and r.late_after and r.rule:
        text = v.t(
            "charge.late_fee",
            amount=amount,
            date=day,
            reason=_reason(v, r.reason),
            due_on=v.d(r.due_on),
            late_after=v.d(r.late_after),
            rule=_rule(v, r),
        )
    elif c.kind == "nsf_fee" and r.rule:
        returned = [x for x in r.related if x.kind == "payment"]
        what = (
            v.t("charge.nsf_returned", amount=money(-returned[0].amount_cents), date=v.d(returned[0].date))
            if returned
            else ""
        )
        text = v.t("charge.nsf_fee", amount=amount, date=day, returned=what, rule=_rule(v, r))
    elif c.kind == "rent":
        text = v.t("charge.rent", amount=amount, date=day, description=c.description)
    elif r.reason == "recurring":
        text = v.t("charge.recurring", amount=amount, date=day, description=c.description)
    else:
        text = v.t("charge.other", amount=amount, date=day, description=c.description)
    if r.disputed:
        text += " " + v.t("charge.disputed")
    elif r.still_open_cents:
        text += " " + v.t("charge.open", open=money(r.still_open_cents))
    else:
        text += " " + v.t("charge.paid")
    return text


def _rule(v: Voice, r: ChargeExplanation) -> str:
    return (r.rule_es if v.language == "es" and r.rule_es else r.rule) or ""


def _reason(v: Voice, reason: str) -> str:
    return v.t(f"reason.{reason}")


def payment_status(
    v: Voice, r: PaymentStatusResult, *, claim: bool = False, owed: bool = True, offer: bool = True
) -> str:
    """Each payment with its status. `claim` (the resident says they paid): what each cleared payment
    paid, what is still owed (unless `owed` is False: the reply itemises the balance), and how to take
    it further (unless `offer` is False: it has gone to the office already)."""
    if not r.payments:
        return v.t("status.none")
    lines = []
    for p in r.payments[: 2 if claim else 3]:
        values = {"method": v.method(p.method), "amount": money(p.amount_cents), "date": v.d(p.date)}
        if p.status == "returned" and p.returned_on:
            lines.append(
                v.t("status.returned", returned_on=v.d(p.returned_on), reason=p.return_reason or "", **values)
            )
        else:
            lines.append(v.t(f"status.{p.status}", **values))
        if claim and p.applied_to:
            lines.append(v.t("status.applied", items=_applied_items(v, p.applied_to)))
    prefix = v.t("status.no_match") + " " if r.note and "no payment matches" in r.note else ""
    if claim:
        lines += [
            _still_owed(v, r.balance_cents) if owed else "",
            v.t("status.then_dispute") if offer else "",
        ]
    return prefix + " ".join(x for x in lines if x)


def _still_owed(v: Voice, cents: int | None) -> str:
    if cents is None:
        return ""
    if cents > 0:
        return v.t("status.owed", amount=money(cents))
    return v.t("status.credit", amount=money(-cents)) if cents < 0 else v.t("status.paid_up")


def _schedule(v: Voice, items: Sequence[Installment]) -> str:
    return _join([f"{money(i.amount_cents)} ({v.d(i.due_on)})" for i in items], v.language)


def plan(v: Voice, r: PlanProposal) -> str:
    schedule = _schedule(v, r.installments)
    if r.eligible and r.requested and r.as_requested:
        return v.t("plan.as_requested", schedule=schedule, balance=money(r.balance_cents))
    if r.eligible and r.requested:  # their terms break a rule: name it, offer the nearest allowed plan
        rules = {
            "max_installments": v.t("plan.rule.max_installments", max=r.max_installments),
            "min_down": v.t("plan.rule.min_down", down=money(r.min_down_cents)),
            "first_too_late": v.t(
                "plan.rule.first_too_late", latest=v.d(r.latest_first_on) if r.latest_first_on else ""
            ),
        }
        return v.t(
            "plan.adjusted",
            asked=_schedule(v, r.requested),
            rules=_join([rules[k] for k in r.policy_rules_broken if k in rules], v.language),
            schedule=schedule,
            balance=money(r.balance_cents),
        )
    if r.eligible and r.beyond_policy:
        return v.t("plan.beyond_policy", max=r.max_installments, schedule=schedule)
    if r.eligible:
        return v.t("plan.offer", schedule=schedule, balance=money(r.balance_cents))
    if r.reason == "below_minimum":
        return v.t("plan.below_minimum", minimum=money(r.min_balance_cents), balance=money(r.balance_cents))
    key = {
        "no_balance": "plan.no_balance",
        "already_active": "plan.already_active",
        "already_proposed": "plan.already_proposed",
        "open_dispute": "plan.open_dispute",
    }.get(r.reason)
    return v.t(key) if key else ""


def policy(
    v: Voice, r: PolicySearchResult, question: str, *, similarity: Similarity | None = None
) -> tuple[str, list[Citation]]:
    """Extractive: the whole sentence of the retrieved passages that says what the question asks (an
    amount, a day, a count, a rule, the steps), cited; both sides, each cited, when documents disagree on
    it; and plainly "not in your documents" (with a person offered) when no sentence answers.
    `similarity`: how sentences are compared with the question by meaning; the retriever's MiniLM by
    default (loaded already, since there are passages)."""
    if not r.passages:
        return v.t("policy.nothing"), []
    conflict = find_conflict(question, r.passages, precedence=r.precedence)
    if conflict is not None:
        return _conflict(v, conflict)
    sources = [Source(p.text, p.citation.section) for p in r.passages[:READ_DEPTH]]
    quote = read(question, sources, similarity=similarity or encoder_similarity(), gate=v.language != "es")
    if quote is None or not quote.answered:
        return v.t("policy.nothing"), []
    citation = r.passages[quote.passage].citation
    words = KIND_WORDS["es" if v.language == "es" else "en"]
    if quote.kind in words and not quote.states_kind:
        return v.t("policy.no_value", what=words[quote.kind], quote=quote.text), [citation]
    answer = polarity(question, quote.text)
    key = f"policy.{answer}" if answer else "policy.quote"
    return v.t(key, quote=quote.text), [citation]


def _conflict(v: Voice, conflict: Conflict) -> tuple[str, list[Citation]]:
    """Both documents' sentences, each with its source, and what the lease says governs where it says."""
    first, second = conflict.sides
    parts = [
        v.t(
            "policy.conflict",
            first=first.sentence,
            first_source=first.passage.citation.label(),
            second=second.sentence,
            second_source=second.passage.citation.label(),
        )
    ]
    citations = [first.passage.citation, second.passage.citation]
    if conflict.governing is not None:
        document = governs(conflict.governing)
        parts.append(
            v.t(
                "policy.conflict_governs" if document else "policy.conflict_precedence",
                document=document or "",
                sentence=conflict.governing.sentence,
                source=conflict.governing.passage.citation.label(),
            )
        )
        citations.append(conflict.governing.passage.citation)
    return " ".join(parts), citations


def escalation(v: Voice, reason: EscalationReason, r: EscalationResult | None) -> str:
    phone = (r.office_phone if r else None) or v.office_phone
    contact = " " + v.t("contact", phone=_phone(phone)) if phone else ""
    prop = (
        (r.property_name if r else None)
        or v.property_name
        or ("la oficina" if v.language == "es" else "the office")
    )
    return v.t(f"escalate.{reason.value}", property=prop, contact=contact)


def _phone(e164: str) -> str:
    """+15125550142 -> (512) 555-0142, as people write it."""
    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, "US"), phonenumbers.PhoneNumberFormat.NATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


def citations_of(results: Sequence[ToolResult]) -> list[Citation]:
    found: list[Citation] = []
    for r in results:
        citation = getattr(r, "citation", None)
        if isinstance(citation, Citation) and citation not in found:
            found.append(citation)
    return found


def with_citations(v: Voice, text: str, citations: Sequence[Citation]) -> str:
    """The text with its sources named at the end, but for those it already names inline."""
    labels = "; ".join(label for c in citations[:2] if (label := c.label()) not in text)
    return f"{text} {v.t('citation', label=labels)}" if labels else text


def clarify(v: Voice, first: Intent, second: Intent) -> str:
    return v.t("clarify", first=v.t(f"clarify.{first.value}"), second=v.t(f"clarify.{second.value}"))


def activity(v: Voice, r: ActivityResult) -> str:
    if r.start is None or r.end is None:
        return r.note or ""
    if not r.lines:
        return v.t("activity.none", start=v.d(r.start), end=v.d(r.end))
    lines = "; ".join(f"{e.description} {money(e.amount_cents)} ({v.d(e.date)})" for e in r.lines[:12])
    return v.t("activity.summary", start=v.d(r.start), end=v.d(r.end), lines=lines)

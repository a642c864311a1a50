"""The offline planner (the default): intent and slot recognition over the same tools, no model needed.

First visit of a turn: classify the message, extract slots, and choose tools (several for mixed messages),
a clarifying question, a direct reply, or an escalation. Only a payment-plan proposal brings the graph
back for a second visit, after the tools ran: escalate when the proposal calls for staff (a plan beyond
policy, a dispute on the account), else compose the answer. Other results go straight to the answer.

Classification is most of the planner's cost (a MiniLM pass) and needs only the message, so `begin`
starts it on the planner's own threads as soon as the runner has guarded the message; the model pass
releases the GIL, so it overlaps the turn's database work instead of following it.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from agents.assistant.context import AssistantContext
from agents.assistant.nodes import results_of
from agents.assistant.state import AssistantState
from agents.intents import ESCALATING, Intent
from agents.methods import methods_asked
from agents.offline import IntentClassifier, IntentPrediction, Slots, extract_slots
from agents.planners.base import PlanStep, ToolCall
from app.formatting import money
from tools.account import names_another_unit
from tools.escalation import EscalationReason
from tools.ledger import PaymentStatusResult
from tools.plans import PlanProposal

PLACEHOLDER = re.compile(r"\[(card number|bank number|SSN) removed\]")
"""What the guard left where a number was: not words the classifier should weigh."""
SECONDARY_MIN = 0.18
BOTH_MIN = 0.6
"""When the top two intents together hold this much probability, the message is about both."""
"""A second intent this likely is answered in the same reply (mixed messages)."""
FOLLOW_UP_MAX_WORDS = 7
LONG_MESSAGE = 400
WAIVER = re.compile(
    r"(?i)\b(waive[sd]?|waiver|forgive|forgiven|perd[oó]n\w*|condon\w*|"
    r"(?:remove|drop|take|taken|cancel|erase|delete|refund|quit\w*|borr\w*|elimin\w*|anul\w*)"
    r"(?:\s+\w+){0,3}\s+(?:late |nsf |returned )?(?:fees?|charges?|recargos?|cargos?)"
    r"|(?:fees?|charges?|recargos?|cargos?)(?:\s+\w+){0,2}\s+(?:be\s+)?"
    r"(?:taken off|removed|waived|dropped))\b"
)
"""A request to waive a fee: staff decide waivers, so these always go to a person."""
ESCALATION_FOR = {
    Intent.TALK_TO_PERSON: EscalationReason.REQUESTED_PERSON,
    Intent.DISPUTE: EscalationReason.DISPUTE,
    Intent.LEGAL: EscalationReason.LEGAL,
    Intent.EMERGENCY: EscalationReason.EMERGENCY,
    Intent.DISCRIMINATION: EscalationReason.DISCRIMINATION,
    Intent.ABUSE: EscalationReason.ABUSE,
}
SERIOUS = frozenset({Intent.LEGAL, Intent.EMERGENCY, Intent.DISCRIMINATION, Intent.ABUSE})
"""Readings that stay what they are whatever else the message says about money."""
SERIOUS_REASONS = frozenset(ESCALATION_FOR[i] for i in SERIOUS)
"""Escalation reasons for those readings: kept when the resident also asks for a person."""
REFUND_READINGS = frozenset(Intent) - SERIOUS
"""Readings under which a refund request goes to staff as one (not under legal, safety or abuse ones):
"can i get the 150 back" reads as a plan or a policy question as often as a refund."""
CLAIM_READINGS = frozenset(
    {Intent.DISPUTE, Intent.PAYMENT_STATUS, Intent.BALANCE, Intent.EXPLAIN_CHARGE, Intent.THANKS}
)
"""Readings of "I already paid" that the ledger can answer first: the payment, its status, what is owed."""
CREDIT_READINGS = frozenset(
    {
        Intent.OUT_OF_SCOPE,
        Intent.BALANCE,
        Intent.EXPLAIN_CHARGE,
        Intent.DISPUTE,
        Intent.POLICY_QUESTION,
        Intent.PAYMENT_STATUS,
        Intent.THANKS,
        Intent.GREETING,
    }
)
"""Readings of a question about credit on the account that the balance answers."""
DEPOSIT_READINGS = frozenset(
    {
        Intent.POLICY_QUESTION,
        Intent.BALANCE,
        Intent.PAYMENT_STATUS,
        Intent.EXPLAIN_CHARGE,
        Intent.DUE_DATE,
        Intent.OUT_OF_SCOPE,
    }
)
"""Readings of a deposit question that the ledger's deposit lines answer (beside any policy passage)."""
PET = re.compile(r"(?i)(?:pets?|dogs?|cats?|mascotas?|perros?|gatos?)")
"""A pet deposit is a policy question, not the resident's security deposit."""
ACTS = frozenset({Intent.PAYMENT_PLAN})
"""Intents whose tools do something (record a proposal): taken only when asked, never as a runner-up."""
COVERED_BY = {Intent.PAYMENT_PLAN: frozenset({Intent.PROMISE_TO_PAY})}
"""Runner-up readings the top one's answer already covers: a plan proposal states the balance it
covers and when each payment falls, so a promise-to-pay reading would only repeat it at length."""
PAY_ON = re.compile(
    r"(?i)\b(?:can|could|may|should)\s+(?:i|we)\s+pay\s+(?:it\s+|rent\s+|my\s+rent\s+|the\s+rent\s+)?"
    r"(?:on|by|until|till?|after)\b"
    r"|\b(?:is\s+it|it'?s|would\s+it\s+be)\s+(?:ok|okay|fine|alright|all\s+right)\s+(?:to|if\s+(?:i|we))\s+pay\b"
    r"|\bif\s+(?:i|we)\s+pay\s+(?:it\s+|rent\s+|my\s+rent\s+)?(?:on|by|after)\b"
    r"|\b(?:puedo|podemos)\s+pagar\s+(?:la\s+renta\s+)?(?:el|hasta\s+el|para\s+el)\b"
)
"""A question about paying rent on a given day: the lease says whether that day is on time."""
PAY_ON_READINGS = frozenset(
    {Intent.PROMISE_TO_PAY, Intent.DUE_DATE, Intent.LATE_FEE_RULES, Intent.PAYMENT_PLAN}
)
"""Readings of "can i pay on the 6th" that the lease's answer for that day replaces (a plan reading only
when no amount or split is named: "can i pay 500 on the 6th" may be one)."""
METHOD_READINGS = frozenset({Intent.HOW_TO_PAY, Intent.POLICY_QUESTION, Intent.OUT_OF_SCOPE})
"""Readings of "do u take checks" that the lease's accepted methods answer."""
PAY_BY = re.compile(
    r"(?i)\b(?:take|takes|taking|accept\w*|pay|paying|use|using|ok|okay|allowed|good|fine|"
    r"acepta\w*|toman|reciben|pagar|pago|usar)\b"
)
"""A question about paying a way, not a mention of one ("my credit card balance")."""
PLAN_WORDS = re.compile(
    r"(?i)\b(?:plans?|installments?|instal+ments?|split\w*|payments|parts?|partial\w*|half|halves|"
    r"arrangements?|work\s+(?:something\s+)?out|plazos?|partes|cuotas|mitad|arreglo|abonos?)\b"
)
"""Words that ask for a plan, not for one payment on one day."""
PAYS = re.compile(
    r"(?i)\b(?:pay|paying|payin|send|sending|have\s+(?:it|the\s+rent|rent|the\s+money)|deposit|"
    r"pago|pagar|pagare|pagaremos|deposito|mando)\b"
)
"""The resident paying: "i can pay", "ill send it", "i'll have it", "le pago", "mando la renta"."""
POLICY_RUNNER_UP = 0.1
"""How likely a policy reading must be, behind an unsure out-of-scope one, for the documents to be asked."""
CLEAR_EMERGENCY = 0.9
"""A message about another resident's account is refused unless it is this clearly an emergency."""
CLAIM_DAYS = 35
"""'I already paid' with no amount or day: a payment this recent is the one they mean."""
SECOND_LOOK = {"propose_payment_plan"}
"""Tools whose results the planner reads before the answer (`_after_tools`)."""
DIRECT = {Intent.GREETING: "greeting", Intent.THANKS: "thanks", Intent.OUT_OF_SCOPE: "out_of_scope"}
NEEDS_ACCOUNT = {
    Intent.BALANCE,
    Intent.DUE_DATE,
    Intent.LATE_FEE_RULES,
    Intent.EXPLAIN_CHARGE,
    Intent.PAYMENT_STATUS,
    Intent.PAYMENT_PLAN,
    Intent.PROMISE_TO_PAY,
}

OTHER_ACCOUNT = re.compile(
    r"(?i)\b(?:(?:credit|debit|gift|store)\s*card|bank|checking|savings|car|auto|student|phone|cell|cable|"
    r"internet|netflix|spotify|medical|hospital|doctor|tax|irs)\s+(?:balance|bill|loan|debt|statement|limit|"
    r"account\s+balance)\b"
    r"|\b(?:power|electric|electricity|gas|phone|cable|internet|water)\s+company\b"
    r"|\b(?:owe|pay|balance)\s+(?:on|for|to|in)\s+(?:my\s+|the\s+)?(?:car|truck|(?:credit|debit|gift|store)\s+card|"
    r"bank|student\s+loans?|"
    r"irs|taxes|phone|doctor|hospital)\b"
    r"|\b(?:car|auto|student|personal|payday)\s+(?:loan|payment)s?\b"
)
"""A bill or account that is not the lease's ("my credit card balance", "the late fee on my electric bill with
the power company", "what do I owe on my car"): out of scope, never answered with the resident's figures."""
QUESTION = re.compile(
    r"(?i)\?\s*$|^\s*(?:who|what|whats|when|where|which|how|can|could|do|does|is|are|will|would|should|am|may)\b"
    r"|^\s*(?:qui[eé]n|qu[eé]|cu[aá]ndo|d[oó]nde|c[oó]mo|cu[aá]nto|puedo|se puede)\b"
)
"""A message put as a question (not a complaint or a demand)."""
ASKED_AFTER = re.compile(
    r"(?i)(?:^|[,;:.!]\s*|\b(?:ugh|so|but|and|now|then|again)\s+)"
    r"(?:who|what|whats|when|where|which|how|can|could|do|does|is|are|will|would|should|may)\s+\w+"
    r"|\b(?:what\s+happens|how\s+(?:much|many|long|soon|often)|who\s+(?:do|does|should|can|pays?)\s+\w+|"
    r"(?:on|by)\s+what\s+(?:day|date)|what\s+(?:day|date|time)\s+(?:do|does|is|are|will)|"
    r"(?:can|could|will|would|do|does)\s+(?:they|y'?all|yall|the\s+(?:landlord|office|management|owner)))\b"
)
"""A question asked after a few words of story, with no question mark: "lost my key, who do i tell", "i lost
my key what happens", "after the final warning how long before...", "on what day do they send..." ."""
MIN_QUESTION_WORDS = 3


def asks_question(text: str) -> bool:
    """Put as a question, in at least three words ("lksjd fjfj ???" is not one): from its first word, or
    after a few words that set the scene."""
    asked = QUESTION.search(text) is not None or ASKED_AFTER.search(text) is not None
    return asked and len(re.findall(r"[^\W\d_]{2,}", text)) >= MIN_QUESTION_WORDS


RENT_WORDS = re.compile(r"(?i)\b(?:rent|lease|apartment|unit|deposit|renta|alquiler|contrato)\b")
ACCOUNT_READINGS = frozenset({*NEEDS_ACCOUNT, Intent.DISPUTE, Intent.HOW_TO_PAY})
"""Readings that would answer with an account's figures: a unit named in one must be the resident's own."""

CLAUSE_MIN = 0.5
"""How sure the classifier must be of one question of a several-question message to answer it too."""
_CLAUSE_BREAK = re.compile(r"\?\s+|\s*;\s*|,?\s+(?:and also|y tambi[eé]n|and|also|plus|y)\s+", re.I)


@dataclass(frozen=True)
class EarlyReading:
    """A classification `begin` started: what was read (the part of the message that was classified),
    what the classifier made of it, and of each of its questions when it asks more than one."""

    read: str
    prediction: IntentPrediction
    parts: tuple[IntentPrediction, ...] = ()


def question_parts(read: str) -> list[str]:
    """The questions of a message that asks two or three ("how much do I owe and when is it due?"), each
    of at least two words; [] for a message that asks one."""
    parts = [p.strip(" ?,.!") for p in _CLAUSE_BREAK.split(read)]
    parts = [p for p in parts if len(p.split()) >= 2]
    return parts if 2 <= len(parts) <= 3 else []


class OfflinePlanner:
    name = "offline"

    def __init__(self, classifier: IntentClassifier) -> None:
        self.classifier = classifier
        # Threads start on first use; one per core, since each classification keeps a core busy.
        self._readers = ThreadPoolExecutor(
            max_workers=os.cpu_count() or 1, thread_name_prefix="doorstep-classify"
        )

    def begin(self, text: str) -> Future[EarlyReading]:
        """Classify the guarded message on the planner's threads; `plan` collects it (ctx.head_start)."""
        return self._readers.submit(self._read, reading_of(text))

    def _read(self, read: str) -> EarlyReading:
        """The message and, when it asks several questions, each of them: one embedding batch."""
        whole, *parts = self.classifier.predict_many([read, *question_parts(read)])
        return EarlyReading(read, whole, tuple(parts))

    def _classify(self, read: str, head_start: Future[Any] | None) -> EarlyReading:
        """The reading `begin` started for this text, or a new one (no head start, or another text)."""
        early = head_start.result() if head_start is not None else None
        if isinstance(early, EarlyReading) and early.read == read:
            return early
        return self._read(read)

    def plan(self, state: AssistantState, ctx: AssistantContext) -> PlanStep:
        turn = state["turn"]
        if turn.get("runs"):
            return self._after_tools(state, ctx.tools.today)
        text = turn.get("text", "")
        read = reading_of(text)
        reading = self._classify(read, ctx.head_start)
        prediction = reading.prediction
        slots = extract_slots(read, today=ctx.tools.today)
        language = prediction.language if prediction.language in ("en", "es") else None
        step = PlanStep(language=language or state.get("language") or "en", slots=_plain(slots))
        triggered = bool(prediction.escalation_triggers)
        if slots.confused and not triggered:  # "wat", "?", "huh": say it another way, never small talk
            step.language = state.get("language") or language or "en"
            step.intent, step.intents = None, []
            if state.get("misunderstandings", 0) >= 1:
                step.escalate = EscalationReason.MISUNDERSTOOD.value
            else:
                step.direct = "confused"
            return step
        if prediction.language == "other":
            step.escalate = EscalationReason.OTHER_LANGUAGE.value
            return step
        if slots.wants_person:  # "i paid, get me a manager": to a person, whatever else the message says
            asked_for = _person_reason(prediction, slots, text)
            intent = (
                prediction.intent
                if asked_for is not EscalationReason.REQUESTED_PERSON
                else Intent.TALK_TO_PERSON
            )
            step.intent, step.intents = intent.value, [intent.value]
            step.escalate = asked_for.value
            return step
        follow_up = _follow_up(prediction, slots, state)
        intent = Intent(state.get("last_intent") or "") if follow_up else prediction.intent
        step.intent, step.intents = intent.value, [intent.value]
        other = slots.other_person or (
            intent in ACCOUNT_READINGS and names_another_unit(ctx.tools, slots.unit_mentions)
        )
        if other and not triggered and not _clear_emergency(prediction):
            step.direct = "other_resident"  # a polite refusal; the tools could not look anyway
            return step
        if (
            intent in ACCOUNT_READINGS
            and OTHER_ACCOUNT.search(text)
            and not RENT_WORDS.search(text)
            and not triggered
        ):
            step.intent, step.intents = Intent.OUT_OF_SCOPE.value, [Intent.OUT_OF_SCOPE.value]
            step.direct = "out_of_scope"  # another creditor's bill: never the resident's own figures
            return step
        if slots.refund_request and not triggered and intent in REFUND_READINGS and not WAIVER.search(text):
            step.escalate = EscalationReason.REFUND_REQUEST.value  # only staff send money back
            return step
        own = ctx.tools.resident_id is not None and not triggered and not slots.contests
        as_asked = False
        claimed = own and slots.paid_claim
        if claimed and (intent in CLAIM_READINGS or not _borne_out(intent, prediction, text)):
            if (state.get("last_slots") or {}).get("paid_claim"):  # they saw their payments, still say so
                step.escalate = EscalationReason.DISPUTE.value
                return step
            return _check_claim(step, slots, prediction)
        if own and slots.account_credit and intent in CREDIT_READINGS:
            intent = Intent.BALANCE  # "why do i have a credit": the ledger says where it came from
            step.intent, step.intents = intent.value, [intent.value]
        elif own and slots.deposit and intent is Intent.OUT_OF_SCOPE and not PET.search(text):
            intent = Intent.POLICY_QUESTION  # "what about my depost": the ledger's deposit lines answer it
            step.intent, step.intents = intent.value, [intent.value]
        elif own and slots.plan_terms and intent is Intent.PROMISE_TO_PAY and _plan_likely(prediction):
            intent = Intent.PAYMENT_PLAN  # "2000 now rest friday": their own terms, proposed as a plan
            step.intent, step.intents = intent.value, [intent.value]
            as_asked = True
        elif own and intent in PAY_ON_READINGS and _asks_pay_on(intent, slots, text):
            intent = Intent.LATE_FEE_RULES  # "is it ok to pay on dec 6th": on time or late that day, and why
            step.intent, step.intents = intent.value, [intent.value]
            as_asked = True
        elif own and _asks_method(intent, prediction, text):
            intent = Intent.HOW_TO_PAY  # "do u take checks": the lease's accepted methods say yes or no
            step.intent, step.intents = intent.value, [intent.value]
            as_asked = True
        elif own and _promises_one_day(intent, slots, text):
            intent = Intent.PROMISE_TO_PAY  # "i can pay on the 30th": what is owed and if that day is late
            step.intent, step.intents = intent.value, [intent.value]
            as_asked = True
        elif intent in ESCALATING or triggered or (prediction.escalate and not follow_up):
            reason = ESCALATION_FOR.get(intent) if intent in ESCALATING else None
            fitting = fitting_reason(reason, prediction, text)
            if fitting is None and not triggered and asks_question(text):
                # An information question whose words bear out no escalation ("who pays if i lock myself
                # out", "how many days do i have after a delinquency notice"): the documents answer it.
                intent = Intent.POLICY_QUESTION if intent in ESCALATING or intent in DIRECT else intent
                step.intent, step.intents = intent.value, [intent.value]
                as_asked = True  # a question for the documents: no clarifying question, no runner-ups
            else:
                fallback = (
                    EscalationReason.MISUNDERSTOOD
                    if state.get("misunderstandings", 0) >= 1
                    else EscalationReason.REQUESTED_PERSON
                )
                step.escalate = (fitting or fallback).value
                return step
        if WAIVER.search(text) and not asks_rule(text):
            step.escalate = EscalationReason.DISPUTE.value  # waivers are staff's decision, never ours
            return step
        if not follow_up and _rather_documents(intent, prediction, text):
            # "lost my fob, how much to replace it" read as out of scope: the documents may well say
            intent = Intent.POLICY_QUESTION
            step.intent, step.intents = intent.value, [intent.value]
            as_asked = True
        if intent in DIRECT:
            step.direct = DIRECT[intent]
            return step
        alternatives = [i for i in _ranked(prediction) if i not in DIRECT and i not in ESCALATING][:2]
        both = sum(prediction.probabilities.get(i, 0.0) for i in alternatives) >= BOTH_MIN
        anonymous = ctx.tools.resident_id is None  # property questions: the documents answer every reading
        if prediction.ambiguous and not follow_up and not both and not anonymous and not as_asked:
            if state.get("misunderstandings", 0) >= 1:
                step.escalate = EscalationReason.MISUNDERSTOOD.value
                return step
            if len(alternatives) == 2:
                step.clarify = [alternatives[0].value, alternatives[1].value]
                return step
        intents = [intent] if as_asked else [intent, *self._secondary(prediction, intent)]
        if not follow_up and not as_asked:
            apart = [i for i in self._asked_apart(reading.parts) if i not in COVERED_BY.get(intent, ())]
            intents = _unique([*intents, *apart])
        if prediction.ambiguous and both and not follow_up and not as_asked:  # clearly both: answer both
            intents = _unique([*(i for i in alternatives if i not in ACTS or i is intent), *intents])
        if ctx.tools.resident_id is None:  # no lease of theirs to read: the documents answer, ways to pay too
            documents = [Intent.POLICY_QUESTION if i is Intent.HOW_TO_PAY else i for i in intents]
            intents = _unique([i for i in documents if i not in NEEDS_ACCOUNT]) or [Intent.POLICY_QUESTION]
        step.intents = [i.value for i in intents]
        step.calls = _dedupe([c for i in intents for c in tools_for(i, slots, text, ctx.tools.today)])
        if own and slots.deposit and intent in DEPOSIT_READINGS and not PET.search(text):
            _ask_deposit(step, text)
        # Only a payment-plan proposal needs a second look (it may call for staff); any other result is
        # answered as it stands, so the planner is not visited again.
        step.then_answer = all(c.name not in SECOND_LOOK for c in step.calls)
        return step

    @staticmethod
    def _secondary(prediction: IntentPrediction, top: Intent) -> list[Intent]:
        """Runner-up readings answered in the same reply. Never one that acts (a plan proposal is recorded
        for staff): a guess is no reason to act, and its "nothing to put on a plan" would be noise."""
        return [
            i
            for i, p in sorted(prediction.probabilities.items(), key=lambda kv: -kv[1])
            if i is not top
            and p >= SECONDARY_MIN
            and i not in ESCALATING
            and i not in DIRECT
            and i not in ACTS
            and i not in COVERED_BY.get(top, ())
        ]

    @staticmethod
    def _asked_apart(parts: tuple[IntentPrediction, ...]) -> list[Intent]:
        """What each question of a several-question message asks, where the classifier is sure of it and
        it is something the tools answer (escalations and small talk are decided on the whole message)."""
        return [
            p.intent
            for p in parts
            if p.confidence >= CLAUSE_MIN
            and not p.ambiguous
            and not p.escalate
            and p.intent not in ESCALATING
            and p.intent not in DIRECT
        ]

    @staticmethod
    def _after_tools(state: AssistantState, today: date) -> PlanStep:
        turn = state["turn"]
        if any(r["name"] == "escalate" and r["result"].get("escalation_id") for r in turn.get("runs", [])):
            return PlanStep()
        if turn.get("slots", {}).get("paid_claim"):
            for status in results_of(turn, "get_payment_status"):
                assert isinstance(status, PaymentStatusResult)
                if status.ok and not claim_matched(status, turn.get("slots", {}), today):
                    summary = (
                        "Resident says they paid; no matching payment is on the account. "
                        f'They wrote: "{turn.get("text", "")[:300]}"'
                    )
                    args = {"reason": EscalationReason.PAYMENT_NOT_FOUND.value, "summary": summary}
                    return PlanStep(calls=[ToolCall("escalate", args)])
        for proposal in results_of(turn, "propose_payment_plan"):
            assert isinstance(proposal, PlanProposal)
            reason = _plan_escalation(proposal)
            if reason is not None:
                summary = (
                    f"Resident asked for a payment plan ({proposal.reason}); balance "
                    f"{money(proposal.balance_cents)}; policy allows {proposal.max_installments} payments."
                )
                args = {"reason": reason.value, "summary": summary}
                return PlanStep(calls=[ToolCall("escalate", args)])
        return PlanStep()


def _ask_deposit(step: PlanStep, text: str) -> None:
    """ "what happened to my deposit": the ledger's deposit lines (held, applied, refundable or owed) with
    the lease's deposit clause, in place of a payment or charge reading of the same words."""
    kept = [i for i in step.intents if i not in (Intent.PAYMENT_STATUS.value, Intent.EXPLAIN_CHARGE.value)]
    step.intents = kept or [Intent.POLICY_QUESTION.value]
    calls = [c for c in step.calls if c.name not in ("get_payment_status", "explain_charge")]
    if Intent.POLICY_QUESTION.value not in step.intents:
        step.intents.append(Intent.POLICY_QUESTION.value)
    if all(c.name != "search_policies" for c in calls):
        calls.append(ToolCall("search_policies", {"query": text}))
    step.calls = [ToolCall("get_deposit"), *calls]


def _person_reason(prediction: IntentPrediction, slots: Slots, text: str) -> EscalationReason:
    """Why a message that asks for a person goes to staff: for danger, legal trouble, discrimination or
    abuse, or a charge said to be wrong, the reason its words bear out (staff's queue for it); else
    because a person was asked for. A payment claim ("i paid, get me a manager") is not a dispute."""
    top = ESCALATION_FOR.get(prediction.intent) if prediction.intent in ESCALATING else None
    fitting = fitting_reason(top, prediction, text)
    if fitting in SERIOUS_REASONS or (fitting is EscalationReason.DISPUTE and slots.contests):
        return fitting
    return EscalationReason.REQUESTED_PERSON


def _rather_documents(intent: Intent, prediction: IntentPrediction, text: str) -> bool:
    """An unsure out-of-scope reading of a question the documents may answer (a policy question is the
    runner-up): looked up, since the reader says plainly when the documents do not answer."""
    policy = prediction.probabilities.get(Intent.POLICY_QUESTION, 0.0)
    return (
        intent is Intent.OUT_OF_SCOPE
        and prediction.ambiguous
        and policy >= POLICY_RUNNER_UP
        and asks_question(text)
    )


def _clear_emergency(prediction: IntentPrediction) -> bool:
    return prediction.intent is Intent.EMERGENCY and prediction.confidence >= CLEAR_EMERGENCY


def _check_claim(step: PlanStep, slots: Slots, prediction: IntentPrediction) -> PlanStep:
    """ "I already paid": look the payment up (and what is owed) before anyone is troubled. Said as a
    dispute, the second look escalates when no payment matches; asked as a question ("i paid this
    morning, did it go through"), a payment not on file yet is answered as such."""
    intents = [Intent.PAYMENT_STATUS]
    if prediction.probabilities.get(Intent.BALANCE, 0.0) >= SECONDARY_MIN:
        intents.append(Intent.BALANCE)
    step.intent, step.intents = Intent.PAYMENT_STATUS.value, [i.value for i in intents]
    amount = slots.amounts_cents[0] if slots.amounts_cents else None
    day = slots.dates[0].isoformat() if slots.dates else None
    step.calls = [
        ToolCall("get_payment_status", {"amount_cents": amount, "on": day}),
        ToolCall("get_balance"),
    ]
    step.then_answer = not (prediction.escalate or prediction.intent in ESCALATING)
    return step


def _borne_out(intent: Intent, prediction: IntentPrediction, text: str) -> bool:
    """Whether an escalating reading of a message that says the resident paid is borne out by its words
    beyond that claim: "i alredy paid" or "my roommate sent his part" read as a request for a person or
    an emergency is not; a threat, or words for a person, legal trouble or danger, is. A dispute reading
    is the claim itself: the ledger is looked at first."""
    if intent not in ESCALATING and not prediction.escalate:
        return True  # not an escalation: the reading stands
    reason = fitting_reason(ESCALATION_FOR.get(intent), prediction, text)
    if reason is EscalationReason.REQUESTED_PERSON:
        return REASON_CUES[reason].search(text) is not None
    return reason is not None and reason is not EscalationReason.DISPUTE


def _asks_pay_on(intent: Intent, slots: Slots, text: str) -> bool:
    """ "is it ok to pay on dec 6th", "can i pay on the 3rd": a day to pay on, not a plan of their own."""
    if intent is Intent.PAYMENT_PLAN and (slots.amounts_cents or slots.installments):
        return False
    return bool(slots.dates) and not slots.plan_terms and PAY_ON.search(text) is not None


def _asks_method(intent: Intent, prediction: IntentPrediction, text: str) -> bool:
    """ "do yall take credit cards", "can i pay with zelle", "cash ok?": whether a way of paying is taken,
    read as how to pay, a policy question or out of scope (a way the lease never names) alike."""
    if intent not in METHOD_READINGS or not methods_asked(text) or not PAY_BY.search(text):
        return False
    return intent is not Intent.OUT_OF_SCOPE or prediction.probabilities.get(Intent.HOW_TO_PAY, 0.0) > 0.05


def _promises_one_day(intent: Intent, slots: Slots, text: str) -> bool:
    """ "i can pay on the 30th", "ill have it friday": one payment of what is owed on one day, read as a
    plan or a promise. Not a plan of three: no amount, split or plan named (those are proposals)."""
    if intent not in (Intent.PAYMENT_PLAN, Intent.PROMISE_TO_PAY) or len(slots.dates) != 1:
        return False
    named = slots.amounts_cents or slots.installments or slots.plan_terms
    return not named and not PLAN_WORDS.search(text) and PAYS.search(text) is not None


def _plan_likely(prediction: IntentPrediction) -> bool:
    """A plan is the next likeliest reading of a promise that names its own payments."""
    return prediction.probabilities.get(Intent.PAYMENT_PLAN, 0.0) >= SECONDARY_MIN


def claim_matched(status: PaymentStatusResult, slots: dict[str, Any], today: date) -> bool:
    """Whether the payments found are the one the resident says they made: the amount or day they gave,
    else any payment of the last `CLAIM_DAYS` days (pending, cleared, failed or returned alike: the
    reply says which)."""
    if slots.get("amounts_cents") or slots.get("dates"):
        return status.matched
    return any(p.date >= today - timedelta(days=CLAIM_DAYS) for p in status.payments)


def _plan_escalation(proposal: PlanProposal) -> EscalationReason | None:
    if proposal.eligible:
        return (
            EscalationReason.HARDSHIP_BEYOND_POLICY
            if proposal.beyond_policy
            else EscalationReason.PLAN_REVIEW
        )
    if proposal.reason in ("below_minimum", "already_active"):
        return EscalationReason.HARDSHIP_BEYOND_POLICY
    if proposal.reason == "open_dispute":
        return EscalationReason.ACCOUNT_RESTRICTED
    return None


def tools_for(intent: Intent, slots: Slots, text: str, today: date) -> list[ToolCall]:
    """The tools that answer an intent, with arguments from the message's slots."""
    month = f"{slots.months[0][0]:04d}-{slots.months[0][1]:02d}" if slots.months else None
    amount = slots.amounts_cents[0] if slots.amounts_cents else None
    day = slots.dates[0].isoformat() if slots.dates else None
    past_month = month is not None and month < today.strftime("%Y-%m")
    ahead = month if month is not None and month > today.strftime("%Y-%m") else None
    if intent is Intent.BALANCE:
        calls = [ToolCall("get_balance")]
        if ahead:  # "how much do i owe in january": what falls due then (none after the lease ends)
            calls.append(ToolCall("get_next_due", {"month": ahead}))
        elif month:
            calls.insert(0, ToolCall("get_recent_activity", {"month": month}))
        return calls
    if intent is Intent.DUE_DATE:
        return (
            [ToolCall("get_recent_activity", {"month": month})]
            if past_month
            else [ToolCall("get_next_due", {"month": ahead} if ahead else {})]
        )
    if intent is Intent.LATE_FEE_RULES:
        # "can i pay on the 6th without a late fee": the lease answers for that day
        return [ToolCall("get_lease_terms", {"pay_on": day} if day else {})]
    if intent is Intent.EXPLAIN_CHARGE:
        kind = slots.charge_kinds[0] if slots.charge_kinds else None
        return [
            ToolCall(
                "explain_charge",
                {"amount_cents": amount, "kind": kind, "on": day, "month": month, "words": text[:200]},
            )
        ]
    if intent is Intent.PAYMENT_STATUS:
        calls = [ToolCall("get_payment_status", {"amount_cents": amount, "on": day})]
        if "nsf_fee" in slots.charge_kinds:  # "what's the fee when a payment bounces": explain the fee too
            calls.append(ToolCall("explain_charge", {"kind": "nsf_fee", "words": text[:200]}))
        return calls
    if intent is Intent.HOW_TO_PAY:
        return [ToolCall("get_lease_terms"), ToolCall("search_policies", {"query": text})]
    if intent is Intent.PAYMENT_PLAN:
        first = next((d.isoformat() for d in slots.dates if d >= today), None)
        args: dict[str, Any] = {"installments": slots.installments, "first_payment_on": first}
        if slots.plan_terms:  # their own amounts and days: the proposal starts from them
            args["requested"] = [
                {"amount_cents": cents, "due_on": day.isoformat() if day else None}
                for cents, day in slots.plan_terms
            ]
        return [ToolCall("propose_payment_plan", args)]
    if intent is Intent.PROMISE_TO_PAY:
        on = next((d.isoformat() for d in slots.dates if d >= today), None)
        if on is not None:  # "i can pay on the 30th": whether rent paid that day is late, and the fee
            return [ToolCall("get_balance"), ToolCall("get_lease_terms", {"pay_on": on})]
        return [ToolCall("get_balance"), ToolCall("get_next_due")]
    if intent is Intent.POLICY_QUESTION:
        return [ToolCall("search_policies", {"query": text})]
    return []


def _follow_up(prediction: IntentPrediction, slots: Slots, state: AssistantState) -> bool:
    """A short message that only makes sense after the last one: "what about October?" (a new month, date
    or amount) or "how much will it be" (the classifier is unsure between intents)."""
    last = state.get("last_intent")
    if not last or Intent(last) in DIRECT or Intent(last) in ESCALATING:
        return False
    if len(state["turn"].get("text", "").split()) > FOLLOW_UP_MAX_WORDS or prediction.escalation_triggers:
        return False
    has_slot = bool(slots.months or slots.dates or slots.amounts_cents or slots.charge_kinds)
    return (has_slot and prediction.confidence < 0.6) or prediction.ambiguous


def reading_of(text: str) -> str:
    """What the classifier reads of a guarded message: no scrub placeholders, and of a long message only
    the question at its end."""
    return _question_part(PLACEHOLDER.sub(" ", text))


def _question_part(text: str) -> str:
    """Long messages tell a story first and ask last: read the final sentences."""
    if len(text) <= LONG_MESSAGE:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    tail = ""
    for sentence in reversed(sentences):
        if len(tail) + len(sentence) > LONG_MESSAGE // 2 and tail:
            break
        tail = f"{sentence} {tail}".strip()
    return tail


def _unique(intents: list[Intent]) -> list[Intent]:
    return list(dict.fromkeys(intents))


def _ranked(prediction: IntentPrediction) -> list[Intent]:
    return [i for i, _ in sorted(prediction.probabilities.items(), key=lambda kv: -kv[1])]


#: What a message must say for staff to be told it is about this: a reason the words do not bear out sends
#: staff to the wrong queue and tells the resident something untrue ("I've sent this to a manager" for a
#: lock-out fee; "to review the charge" for a renewal offer).
REASON_CUES: dict[EscalationReason, re.Pattern[str]] = {
    EscalationReason.DISCRIMINATION: re.compile(
        r"(?i)\b(?:discriminat\w*|race|racis\w*|racial|black|white|hispanic|latin[oa]|asian|immigra\w*|"
        r"religio\w*|muslim|jewish|christian|church|disab\w*|wheelchair|handicap\w*|service\s+animal|"
        r"emotional\s+support|accommodation|pregnan\w*|kids|children|familial|gay|lesbian|trans\w*|sexual|"
        r"gender|sex|national\s+origin|accent|english|because\s+(?:i'?m|i\s+am|we'?re|of\s+my)|fair\s+housing|"
        r"treat\w*\s+(?:me\s+)?differently|singled?\s+out|prejudic\w*|discrimin\w*|raza|religion|"
        r"discapacidad|embarazada|ni[nñ]os|inmigrante\w*|trat\w*\s+diferente|por\s+ser)\b"
    ),
    EscalationReason.LEGAL: re.compile(
        r"(?i)\b(?:evict\w*|court|lawyer|attorney|sue|sued|suing|lawsuit|legal\w*|illegal\w*|law|laws|judge|"
        r"sheriff|summons|writ|bankrupt\w*|notice\s+to\s+(?:quit|vacate|pay)|pay\s+or\s+quit|"
        r"\d+[- ]day\s+notice|"
        r"rights|tenant\s+union|housing\s+authority|code\s+enforcement|small\s+claims|collections?\s+agency|"
        r"credit\s+report\w*|desaloj\w*|abogad[oa]|corte|demanda\w*|ley|legal)\b"
    ),
    EscalationReason.EMERGENCY: re.compile(
        r"(?i)\b(?:fire|smoke|smoking\s+outlet|gas|carbon|flood\w*|pouring|leak\w*|burst|sparks?|electrocut\w*|"
        r"no\s+heat|freezing|sewage|break-?in|broke\s+in(?:to)?|break(?:ing)?\s+into|intruder|"
        r"someone\s+(?:is\s+)?in\s+my|hurt|injur\w*|"
        r"bleed\w*|unconscious|weapon|gun|knife|attack\w*|threat\w*|danger\w*|unsafe|emergency|911|help\s+now|"
        r"locked\s+in|trapped|fuego|incendio|humo|inundaci\w*|fuga|emergencia|peligro)\b"
    ),
    EscalationReason.ABUSE: re.compile(
        r"(?i)\b(?:stupid|idiot\w*|useless|dumb|moron|hate\s+you|shut\s+up|f+u+c+k\w*|shit\w*|damn|crap|"
        r"bitch\w*|ass|asshole|bastard|kill|hurt\s+you|smash|break\s+(?:your|every)|burn|beat|threat\w*|"
        r"come\s+down\s+there|idiota|estupid\w*|pendej\w*|mierda|chinga\w*)\b|\bf[*#@!]{2,}|\*{3}"
    ),
    EscalationReason.REQUESTED_PERSON: re.compile(
        r"(?i)\b(?:talk|speak|call|phone|person|human|someone|somebody|manager|agent|representative|rep|staff|"
        r"office|real|landlord|llam\w*|persona|hablar|gerente|alguien)\b"
    ),
    EscalationReason.DISPUTE: re.compile(
        r"(?i)\b(?:wrong\w*|mistake\w*|error|incorrect|overcharg\w*|shouldn'?t|should\s+not|not\s+fair|unfair|"
        r"dispute\w*|contest\w*|waive\w*|remove|never|didn'?t|did\s+not|not\s+paying|won'?t\s+pay|refuse\w*|"
        r"bogus|ridiculous|scam|twice|double\s+charg\w*|already\s+paid|paid\s+(?:it\s+)?already|"
        r"paid\s+(?:it\s+)?on\s+time|not\s+mine|"
        r"not\s+my\s+fault|take\s+(?:that|it|this)\b.{0,20}\boff|injust\w*|no\s+debo|nunca|equivoc\w*|"
        r"ya\s+pagu\w*|no\s+es\s+justo|no\s+voy\s+a\s+pagar|est[aá]\s+mal|a\s+tiempo|"
        r"(?:wasn'?t|weren'?t|isn'?t|aren'?t|not|didn'?t\s+get)\s+(?:charged|billed))\b"
    ),
}
THREAT = re.compile(
    r"(?i)\b(?:smash\w*|kill|hurt\s+(?:you|someone|somebody)|burn\s+(?:it|this|the|your)|beat\s+(?:you|up)|"
    r"break\s+(?:your|every)|come\s+down\s+there\s+and|te\s+voy\s+a|los\s+voy\s+a)\b"
)
LEASE_TERMS = re.compile(
    r"(?i)\b(?:renew\w*|renovaci\w*|renovar|new\s+lease|lease\s+terms?|rent\s+increase|increase\w*)\b"
)
LEDGER_CHARGE = re.compile(
    r"(?i)\b(?:charged|charge\s+on|billed|late\s+fee|balance|ledger|statement|cargo)\b"
)
OWN_CHARGE = re.compile(
    r"(?i)\b(?:why|charged|billed|overcharg\w*|balance|ledger|statement|account|"
    r"(?:my|this|that|these|those)\s+(?:\w+\s+){0,2}(?:fees?|charges?|fines?|bills?|rent|payments?|"
    r"invoices?)|cobr\w*|cargos?|mi\s+(?:cuenta|saldo|renta|pago))\b"
)
"""A charge or payment on the resident's own account, or a "why" about one: what a dispute is about."""
GENERAL_RULE = re.compile(
    r"(?i)\b(?:will|would|can|could|do|does|did|may)\s+(?:they|y'?all|yall|the\s+(?:landlord|office|"
    r"management|owner|co-?op|lease|policy))\b|\b(?:is|are)\s+(?:late\s+)?(?:fees?|charges?)\s+ever\b"
)
"""What the landlord does as a rule ("will they drop late charges if i pay by the 3rd", "can they take late
charges out of my deposit"): the documents say, unlike "can you waive my late fee"."""


CONDITION = re.compile(r"(?i)\b(?:if|unless|once|si)\b")
"""A question put on a condition ("...if rent isn't paid"): what happens as a rule."""


def _own_charge(text: str) -> bool:
    """Whether a message is about a charge of the resident's own: one named, or one they ask to be waived."""
    return OWN_CHARGE.search(text) is not None or WAIVER.search(text) is not None


def asks_rule(text: str) -> bool:
    """A question about what the landlord does as a rule, naming no charge on the resident's own account."""
    return asks_question(text) and GENERAL_RULE.search(text) is not None and not OWN_CHARGE.search(text)


def fitting_reason(
    reason: EscalationReason | None, prediction: IntentPrediction, text: str
) -> EscalationReason | None:
    """The escalation reason the message bears out: the top escalating reading when its words say so, else
    the next escalating reading that does; None when none does (a plain request for a person, unless the
    message is a question the documents can answer). A renewal or lease-terms question is not a charge
    dispute unless it names a charge on the account; nor is any question that names no charge of the
    resident's ("what is the fine for putting trash out wrong"). A question about what the landlord does as a
    rule on a condition ("when do they take legal action if rent isn't paid") is not the resident's legal
    case, and its "the office" is no request for a person. A request for a person needs no cue unless it is
    put as a question ("locked out again, how much do you charge to let me in" asks the documents)."""
    if THREAT.search(text):
        return EscalationReason.ABUSE  # a threat to staff or property outranks the charge it is about
    ranked = [reason] if reason is not None else []
    ranked += [
        ESCALATION_FOR[i]
        for i in _ranked(prediction)
        if i in ESCALATION_FOR and ESCALATION_FOR[i] not in ranked
    ]
    for candidate in ranked:
        cue = REASON_CUES.get(candidate)
        if (
            candidate is EscalationReason.DISPUTE
            and LEASE_TERMS.search(text)
            and not LEDGER_CHARGE.search(text)
        ):
            continue
        if candidate is EscalationReason.DISPUTE and asks_question(text) and not _own_charge(text):
            continue  # "what is the fine for putting trash out wrong": a question, no charge of theirs
        if candidate is EscalationReason.LEGAL and asks_rule(text) and CONDITION.search(text):
            continue  # "when do they take legal action if rent isn't paid": the procedure, not their case
        if candidate is EscalationReason.REQUESTED_PERSON and candidate is not reason and asks_rule(text):
            continue  # "does the office..." names who acts, not a person asked for
        asked_for_person = candidate is reason is EscalationReason.REQUESTED_PERSON and not asks_question(
            text
        )
        if cue is None or cue.search(text) or asked_for_person:
            return candidate
    return None


def _dedupe(calls: list[ToolCall]) -> list[ToolCall]:
    seen: set[str] = set()
    out = []
    for call in calls:
        if call.name not in seen:
            seen.add(call.name)
            out.append(call)
    return out


def _plain(slots: Slots) -> dict[str, Any]:
    return slots.model_dump(mode="json")

"""What a resident can mean, shared by both planners, the graph and the evals."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    BALANCE = "balance"
    """What do I owe / why is my balance higher."""
    DUE_DATE = "due_date"
    """When is rent due, how much is next month's rent."""
    LATE_FEE_RULES = "late_fee_rules"
    """Grace period, how much is the late fee, when does it apply."""
    EXPLAIN_CHARGE = "explain_charge"
    """Why was I charged $75 / what is this NSF fee."""
    PAYMENT_STATUS = "payment_status"
    """Did my payment go through, it says pending, was it returned."""
    HOW_TO_PAY = "how_to_pay"
    """How do I pay, can I pay by card, is there a card fee, where do I mail a check."""
    PAYMENT_PLAN = "payment_plan"
    """Can I pay in parts / I lost my job and can't pay it all (hardship)."""
    PROMISE_TO_PAY = "promise_to_pay"
    """I'll pay on Friday / I get paid on the 15th and will pay then."""
    DISPUTE = "dispute"
    """This charge is wrong / I already paid that / I shouldn't owe this."""
    POLICY_QUESTION = "policy_question"
    """Lease or handbook questions: pets, parking, guests, renewal, maintenance, quiet hours."""
    TALK_TO_PERSON = "talk_to_person"
    """Let me talk to someone / call me / a real human please."""
    LEGAL = "legal"
    """Eviction, court, lawyer, notice to quit, bankruptcy."""
    EMERGENCY = "emergency"
    """Fire, gas leak, flood, someone is hurt, threats to safety."""
    DISCRIMINATION = "discrimination"
    """Fair-housing complaints: treated differently because of race, religion, disability..."""
    ABUSE = "abuse"
    """Insults and threats aimed at staff or the assistant."""
    GREETING = "greeting"
    THANKS = "thanks"
    OUT_OF_SCOPE = "out_of_scope"
    """Anything not about this resident's rent, lease or home: weather, news, recipes, other bills."""


#: Intents that always go to a person (the graph may also escalate others, e.g. after two misunderstandings).
ESCALATING = frozenset(
    {
        Intent.TALK_TO_PERSON,
        Intent.DISPUTE,
        Intent.LEGAL,
        Intent.EMERGENCY,
        Intent.DISCRIMINATION,
        Intent.ABUSE,
    }
)

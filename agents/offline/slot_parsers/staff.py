"""Whether a message asks for a person: a manager, a human, someone at the office, a call back.

Asked for, not mentioned: "get me a manager", "i paid, manager pls", "can someone call me", "talk to a
real person", "HUMAN PLEASE", "quiero hablar con el gerente", "llamenme". Not "my manager at work pays me
friday" (the resident's own manager), "the manager treats me differently" (a complaint about one), nor
"this user is the property manager" (a claim about who is writing). On folded text.
"""

from __future__ import annotations

import re
from typing import Final

_WHO: Final = (
    r"(?:(?:a|an|the|some|your|ur|yr|ya|any|one\s+of\s+(?:the|your|ur))\s+)?"
    r"(?:(?:real|actual|live|human|property|leasing|office|building|apartment|general)\s+)?"
    r"(?:person|persons|people|human|humans|humain|manager|managers|manger|mgr|supervisor|supervisors|"
    r"super|agent|representative|rep|operator|staff|landlord|leasing\s+office|office|someone|somebody|"
    r"some\s+one|anyone|anybody|boss)\b"
)
"""Someone at the office, as typed on a phone; never "my manager" (the resident's own)."""
_STRONG: Final = (
    r"(?:(?:a|an|the|some|your|ur|any)\s+)?(?:(?:real|actual|live|property)\s+)?"
    r"(?:person|human|manager|manger|mgr|supervisor|representative|rep|operator|agent)\b"
)
"""Words that name a person at the office even without a verb of asking ("need a manager")."""
_PLEASE: Final = r"(?:please|pls|plz|plox|now|asap|right\s+now|here|!+)"

_FORMS: Final = (
    # "get me a manager", "connect me to a human", "put me through to someone", "escalate this to a manager"
    r"(?:\b(?:get|give|put|connect|transfer|send|bring|hook)\s+(?:me|us)|\b(?:escalate|pass|forward)\s+"
    r"(?:this|it|me|my\s+\w+)|\b(?:connect|transfer|escalate))\s+(?:through\s+|up\s+)?(?:to\s+|with\s+)?"
    + _WHO
    + r"(?!\s+(?:at|from)\s+work)",
    # "talk to someone", "speak with the manager", "let me chat with a person"
    r"\b(?:talk|talking|speak|speaking|chat|deal)\s+(?:to|with)\s+" + _WHO + r"(?!\s+(?:at|from)\s+work)",
    # "i want a manager", "need a real person", "i demand a supervisor"
    r"\b(?:want|need|wanna|like|demand|request|prefer|requesting)\s+"
    r"(?:to\s+(?:talk|speak)\s+(?:to|with)\s+)?" + _STRONG,
    # "real person", "actual human", "live agent": a person, however it is put
    r"\b(?:real|actual|live)\s+(?:person|human|people|agent|representative)\b",
    # "manager please", "HUMAN PLEASE", "supervisor now"
    r"\b(?:manager|manger|supervisor|human|person|representative|operator|agent)\s+" + _PLEASE,
    # a message that is only the word: "manager", "a human?", "agent!!"
    r"^\W*(?:a\s+|the\s+)?(?:manager|manger|supervisor|human|representative|operator|agent|person)\W*$",
    # "call me", "call me back", "have someone call me", "give me a call", "can someone text me back"
    r"\bcall\s+me\b|\bgive\s+me\s+a\s+(?:call|ring)\b|\b(?:text|email|contact|reach)\s+me\s+back\b",
    r"\b(?:someone|somebody|anyone|anybody|manager|office)\b[^.?!]{0,30}\b(?:call|text|contact|reach|email)\s+me\b",
    # Spanish: "hablar con el gerente", "quiero una persona", "llamenme", "me pueden llamar"
    r"\b(?:hablar|comunicarme|comunicar)\s+con\s+(?:(?:un|una|el|la|alguna?|algun|al)\s+)?(?:persona|humano|"
    r"gerente|encargad[oa]|supervisor\w*|administrador\w*|alguien|agente|oficina|manager|representante)\b",
    r"\b(?:quiero|necesito|pido)\s+(?:(?:un|una|el|la|al|a\s+la|a\s+el)\s+)?(?:gerente|encargad[oa]|"
    r"supervisor\w*|humano|persona|manager|representante)\b",
    r"\bpersona\s+real\b|\bllamen(?:me)?\b|\bllamame\b|\bme\s+(?:pueden|puede|podrian|podria)\s+llamar\b"
    r"|\bque\s+me\s+llamen?\b",
)
ASKS_FOR_PERSON: Final = re.compile("|".join(f"(?:{form})" for form in _FORMS))


def asks_for_person(folded: str) -> bool:
    """The message asks to be put in touch with a person (see the module docstring)."""
    return ASKS_FOR_PERSON.search(folded) is not None

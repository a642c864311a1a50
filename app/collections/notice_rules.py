"""Each state's rules for the formal notice for unpaid rent: what it is called, how long the resident
has to pay once it is given, and the statute. The formal clock runs on these.

These encode the statutes as commonly summarised; they are a guard rail, not legal advice. Operators must
confirm them (and the notice templates) with counsel. A state with no rule here gets no automatic formal
notice: staff prepare it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class NoticeRule:
    state: str
    title: str
    """What the notice is called in that state."""
    notice_days: int
    """Days the resident has, after the day the notice is given, to pay before any filing."""
    citation: str

    def legal_after(self) -> int:
        """Days after the notice before the account may enter the legal queue: the notice period has run
        out in full (the day of notice does not count)."""
        return self.notice_days + 1


NOTICE_RULES: dict[str, NoticeRule] = {
    "TX": NoticeRule(
        "TX",
        "Notice to Vacate for Nonpayment of Rent",
        3,
        "Tex. Prop. Code 24.005: at least 3 days' written notice to vacate before filing, unless the lease "
        "provides otherwise.",
    ),
    "NY": NoticeRule(
        "NY",
        "Fourteen-Day Rent Demand",
        14,
        "N.Y. RPAPL 711(2): a written demand for the rent, with at least 14 days to pay, before a "
        "nonpayment proceeding.",
    ),
    "CO": NoticeRule(
        "CO",
        "Demand for Compliance or Possession",
        10,
        "C.R.S. 13-40-104(1)(d): 10 days' written demand for payment or possession for nonpayment of "
        "rent (residential).",
    ),
}


def notice_rule_for(state: str) -> NoticeRule | None:
    return NOTICE_RULES.get(state.upper())

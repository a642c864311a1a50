"""SMS keywords and the opt-out registry (`contact_optouts`).

Carrier rules (CTIA) and Twilio's defaults: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END and QUIT opt a number
out; START and UNSTOP opt it back in, and so does YES when the number is opted out (otherwise YES is an
ordinary answer, "yes, I accept the plan"); HELP and INFO ask who is texting and how to stop. A keyword is
the whole message, in any case, with surrounding spaces and punctuation ignored ("Stop." counts, "stop
texting me about the fee" is a message for the assistant).

The registry is keyed by (channel, address) rather than by resident: a number that said STOP gets
nothing, whoever it belongs to now. Every change is audited with the keyword that made it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.models import ContactOptOut

Channel = Literal["sms", "email"]

OPT_OUT_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
_TRIM = " \t\r\n.!?,;:'\"()"


class Keyword(StrEnum):
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"


def keyword_of(body: str, *, opted_out: bool) -> tuple[Keyword, str] | None:
    """The keyword a message is, with the word as written in capitals; None for any other message."""
    word = body.strip(_TRIM).upper()
    if word in OPT_OUT_WORDS:
        return Keyword.OPT_OUT, word
    if word in OPT_IN_WORDS or (word == "YES" and opted_out):
        return Keyword.OPT_IN, word
    if word in HELP_WORDS:
        return Keyword.HELP, word
    return None


def is_opted_out(session: Session, *, channel: Channel, address: str) -> bool:
    """Whether `address` (E.164 phone, or lower-cased email) is opted out of `channel`."""
    return bool(
        session.scalar(
            select(ContactOptOut.opted_out).where(
                ContactOptOut.channel == channel, ContactOptOut.address == address
            )
        )
    )


def record_choice(
    session: Session, *, channel: Channel, address: str, opted_out: bool, keyword: str, actor: str
) -> bool:
    """Set `address`'s opt-out state, in the caller's transaction; True when it changed (then audited).
    Two writers racing to create the row meet the unique (channel, address): the loser updates instead."""
    for _ in range(3):
        row = session.scalars(
            select(ContactOptOut)
            .where(ContactOptOut.channel == channel, ContactOptOut.address == address)
            .with_for_update()
        ).first()
        if row is not None:
            if row.opted_out == opted_out:
                return False
            row.opted_out, row.keyword, row.updated_at = opted_out, keyword[:20], datetime.now(UTC)
            session.flush()
            break
        if not opted_out:  # no row means never opted out: opting in changes nothing
            return False
        try:
            with session.begin_nested():
                session.add(
                    ContactOptOut(channel=channel, address=address, opted_out=True, keyword=keyword[:20])
                )
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - three lost races in a row
        raise RuntimeError(f"could not record the opt-out choice of {channel}:{address}")
    audit.record(
        session,
        actor=actor,
        action="contact.opt_out" if opted_out else "contact.opt_in",
        subject=f"{channel}:{address}",
        data={"keyword": keyword},
    )
    return True

"""The SMS bridge without HTTP: verification, keywords and the registry, one turn per MessageSid, the outbox
and Twilio's REST API, staff texts, delivery status. The assistant is the real one (offline planner)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from sqlalchemy import func, select

from agents.assistant.graph import build_graph
from agents.assistant.runner import Assistant
from app.accounts import account_balance, find_resident
from app.channels.sms import (
    InboundSms,
    SmsService,
    StatusCallback,
    dispatch,
    queue_sms,
    receive_sms,
    record_status,
    send_to_conversation,
)
from app.channels.sms_transport import Handed
from app.conversations import open_conversation, set_owner
from app.formatting import money
from app.models import AuditRecord, ContactOptOut, Conversation, Message, Resident, SmsMessage
from tests.channels.sms_support import FakeTwilio, inbound_fields, new_sid, sending_settings, sms_settings
from tests.support.databases import DEMO_AS_OF, Database

SQLITE = pytest.mark.parametrize("demo_db", ["sqlite"], indirect=True)
CODE = re.compile(r"code is (\d{6})")


class Clock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture(scope="module")
def planner(trained_models: Path) -> object:
    from agents.offline import IntentClassifier
    from agents.planners.offline import OfflinePlanner

    return OfflinePlanner(IntentClassifier.load_or_train(trained_models))


@pytest.fixture
def assistant(demo_db: Database, planner: object) -> Assistant:
    return Assistant(
        sessions=demo_db.sessions,
        graph=build_graph(checkpointer=InMemorySaver()),
        planner=planner,  # type: ignore[arg-type]
        today=lambda: DEMO_AS_OF,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bridge(demo_db: Database, assistant: Assistant, clock: Clock) -> SmsService:
    """The bridge in outbox mode (no Twilio credentials): every text stays `queued` to be read back."""
    return SmsService(
        settings=sms_settings(demo_db.settings), sessions=demo_db.sessions, assistant=assistant, now=clock
    )


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as fake:
        yield fake


def persona(db: Database, name: str) -> Resident:
    with db.sessions() as s:
        return find_resident(s, db.report.personas[name].split(",")[0])  # type: ignore[union-attr]


def text(bridge: SmsService, phone: str, body: str, sid: str | None = None) -> str:
    return bridge.handle(InboundSms.model_validate(inbound_fields(phone, body, sid))).outcome


def outbox(db: Database, phone: str) -> list[str]:
    with db.sessions() as s:
        return list(
            s.scalars(
                select(SmsMessage.body)
                .where(SmsMessage.phone == phone, SmsMessage.direction == "outbound")
                .order_by(SmsMessage.id)
            )
        )


def verify(bridge: SmsService, db: Database, phone: str, question: str = "what do i owe") -> None:
    assert text(bridge, phone, question) == "code_sent"
    code = CODE.search(outbox(db, phone)[-1])
    assert code is not None
    assert text(bridge, phone, code.group(1)) == "verified"


def balance_text(db: Database, resident: Resident) -> str:
    with db.sessions() as s:
        person = s.get(Resident, resident.id)
        return money(account_balance(s, resident=person, as_of=DEMO_AS_OF).total_cents)  # type: ignore[arg-type]


# --- verification ---------------------------------------------------------------------------------------


def test_a_balance_goes_to_a_new_number_only_after_the_code_sent_to_it_comes_back(
    demo_db: Database, bridge: SmsService
) -> None:
    resident = persona(demo_db, "delinquent")
    phone, total = resident.phone or "", balance_text(demo_db, resident)
    assert text(bridge, phone, "what do i owe") == "code_sent"
    first = outbox(demo_db, phone)
    assert len(first) == 1 and CODE.search(first[0]) and total not in first[0] and "$" not in first[0]
    assert text(bridge, phone, "hello??") == "code_pending"
    assert "6-digit code" in outbox(demo_db, phone)[-1]

    code = CODE.search(first[0]).group(1)  # type: ignore[union-attr]
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert text(bridge, phone, wrong) == "wrong_code"
    assert "4 more tries" in outbox(demo_db, phone)[-1]
    assert not any(total in body for body in outbox(demo_db, phone))

    before = len(outbox(demo_db, phone))
    assert text(bridge, phone, code[:3] + " " + code[3:]) == "verified"
    after = outbox(demo_db, phone)[before:]
    assert "verified" in after[0] and total in " ".join(after[1:])  # the held questions, answered in order
    with demo_db.sessions() as s:
        events = s.scalars(
            select(Message).where(Message.conversation_id == f"sms-{resident.ref}").order_by(Message.seq)
        ).all()
        assert [(m.role, m.body) for m in events][::2] == [
            ("resident", "what do i owe"),
            ("resident", "hello??"),
        ]
        assert events[1].role == "assistant" and total in events[1].body
        assert s.scalar(select(func.count()).where(AuditRecord.action == "sms.verified")) == 1

    assert text(bridge, phone, "when is rent due") == "answered"  # verified: straight to the assistant


@SQLITE
def test_five_wrong_codes_lock_the_number_for_an_hour_even_against_the_right_code(
    demo_db: Database, bridge: SmsService, clock: Clock
) -> None:
    phone = persona(demo_db, "on_time").phone or ""
    text(bridge, phone, "balance?")
    code = CODE.search(outbox(demo_db, phone)[-1]).group(1)  # type: ignore[union-attr]
    wrong = f"{(int(code) + 7) % 1_000_000:06d}"
    outcomes = [text(bridge, phone, wrong) for _ in range(5)]
    assert outcomes == ["wrong_code"] * 4 + ["locked"]
    assert text(bridge, phone, code) == "locked"
    assert "try again in 60 minutes" in outbox(demo_db, phone)[-1].lower()
    assert text(bridge, phone, "balance?") == "locked"

    clock.moment += timedelta(minutes=61)
    assert text(bridge, phone, "balance?") == "code_sent"
    fresh = CODE.search(outbox(demo_db, phone)[-1]).group(1)  # type: ignore[union-attr]
    assert text(bridge, phone, fresh) == "verified"


@SQLITE
def test_a_code_expires_after_ten_minutes_and_a_new_question_gets_a_new_one(
    demo_db: Database, bridge: SmsService, clock: Clock
) -> None:
    phone = persona(demo_db, "partial").phone or ""
    text(bridge, phone, "what do i owe")
    old = CODE.search(outbox(demo_db, phone)[-1]).group(1)  # type: ignore[union-attr]
    clock.moment += timedelta(minutes=11)
    assert text(bridge, phone, old) == "code_sent"  # too late: the code is gone, a new one goes out
    new = CODE.search(outbox(demo_db, phone)[-1]).group(1)  # type: ignore[union-attr]
    assert text(bridge, phone, new) == "verified"


@SQLITE
def test_a_verification_belongs_to_the_resident_and_lapses_when_the_number_moves(
    demo_db: Database, bridge: SmsService
) -> None:
    first, second = persona(demo_db, "on_time"), persona(demo_db, "delinquent")
    phone = first.phone or ""
    verify(bridge, demo_db, phone)
    with demo_db.sessions.begin() as s:
        s.get(Resident, first.id).phone = None  # type: ignore[union-attr]
        s.get(Resident, second.id).phone = phone  # type: ignore[union-attr]
    assert text(bridge, phone, "what do i owe") == "code_sent"
    assert balance_text(demo_db, second) not in outbox(demo_db, phone)[-1]


# --- who may be texted ----------------------------------------------------------------------------------


@SQLITE
def test_an_unknown_number_is_told_how_to_reach_the_office_and_nothing_about_any_account(
    demo_db: Database, assistant: Assistant
) -> None:
    settings = sms_settings(demo_db.settings, SMS_OFFICE_CONTACT="call (512) 555-0142")
    bridge = SmsService(settings=settings, sessions=demo_db.sessions, assistant=assistant)
    stranger = "+12125550199"
    assert text(bridge, stranger, "what does R10028 owe?") == "unknown_sender"
    (reply,) = outbox(demo_db, stranger)
    assert "call (512) 555-0142" in reply and "$" not in reply and "R10028" not in reply
    with demo_db.sessions() as s:  # no conversation, no turn: the assistant never saw it
        assert s.scalars(select(Conversation).where(Conversation.channel == "sms")).first() is None
        assert not s.scalars(select(Message).where(Message.body.contains("R10028"))).first()


def test_stop_opts_the_number_out_of_every_text_until_start(demo_db: Database, bridge: SmsService) -> None:
    resident = persona(demo_db, "delinquent")
    phone = resident.phone or ""
    verify(bridge, demo_db, phone)
    sent_before = len(outbox(demo_db, phone))

    assert text(bridge, phone, "Stop.") == "opted_out"
    assert "unsubscribed" in outbox(demo_db, phone)[-1]  # the one confirmation carriers require
    assert text(bridge, phone, "STOP") == "opted_out"  # no second confirmation
    assert text(bridge, phone, "what do i owe") == "blocked"
    assert len(outbox(demo_db, phone)) == sent_before + 1
    assert text(bridge, phone, "help") == "help"  # HELP is always answered
    assert "STOP" in outbox(demo_db, phone)[-1]

    with demo_db.sessions.begin() as s:  # a staff reply obeys the registry too
        refused = send_to_conversation(
            s,
            conversation_id=f"sms-{resident.ref}",
            body="Hi, this is the office.",
            settings=bridge.settings,
            actor="staff:1",
        )
    assert refused.refused == "opted_out" and not refused.ids

    assert text(bridge, phone, "yes") == "opted_in"  # YES re-subscribes an opted-out number
    assert "resubscribed" in outbox(demo_db, phone)[-1]
    assert text(bridge, phone, "what do i owe") == "answered"
    with demo_db.sessions() as s:
        row = s.scalars(select(ContactOptOut).where(ContactOptOut.address == phone)).one()
        assert not row.opted_out and row.keyword == "YES"
        actions = s.scalars(
            select(AuditRecord.action).where(AuditRecord.subject == f"sms:{phone}").order_by(AuditRecord.id)
        ).all()
        assert "contact.opt_out" in actions and "contact.opt_in" in actions and "sms.refused" in actions


@SQLITE
def test_yes_from_a_subscribed_number_is_a_message_for_the_assistant_not_a_keyword(
    demo_db: Database, bridge: SmsService
) -> None:
    phone = persona(demo_db, "on_time").phone or ""
    verify(bridge, demo_db, phone)
    assert text(bridge, phone, "yes") == "answered"


@SQLITE
def test_a_staff_owned_conversation_stores_the_text_and_the_assistant_stays_silent(
    demo_db: Database, bridge: SmsService
) -> None:
    resident = persona(demo_db, "delinquent")
    phone = resident.phone or ""
    verify(bridge, demo_db, phone)
    with demo_db.sessions.begin() as s:
        conversation = open_conversation(
            s, conversation_id=f"sms-{resident.ref}", resident_id=resident.id, channel="sms"
        )
        set_owner(s, conversation, "staff", staff_id=None, staff_name="Dana")
    before = len(outbox(demo_db, phone))
    assert text(bridge, phone, "can I talk to Dana") == "silent"
    assert len(outbox(demo_db, phone)) == before
    with demo_db.sessions() as s:
        last = s.scalars(
            select(Message)
            .where(Message.conversation_id == f"sms-{resident.ref}")
            .order_by(Message.seq.desc())
        ).first()
        assert last is not None and last.role == "resident" and last.body == "can I talk to Dana"


@SQLITE
def test_a_staff_text_is_a_reply_within_a_day_of_the_residents_text_and_proactive_after(
    demo_db: Database, bridge: SmsService
) -> None:
    resident = persona(demo_db, "delinquent")
    phone = resident.phone or ""
    verify(bridge, demo_db, phone)
    conversation_id = f"sms-{resident.ref}"
    with demo_db.sessions.begin() as s:
        s.get(Resident, resident.id).do_not_contact = True  # type: ignore[union-attr]
        sent = send_to_conversation(
            s, conversation_id=conversation_id, body="We got it.", settings=bridge.settings, actor="staff:1"
        )
    assert sent.ids and outbox(demo_db, phone)[-1] == "We got it."
    with demo_db.sessions.begin() as s:
        for row in s.scalars(select(SmsMessage).where(SmsMessage.direction == "inbound")):
            row.created_at = datetime.now(UTC) - timedelta(days=2)
    with demo_db.sessions.begin() as s:
        late = send_to_conversation(
            s, conversation_id=conversation_id, body="Reminder", settings=bridge.settings, actor="staff:1"
        )
    assert late.refused == "do_not_contact" and outbox(demo_db, phone)[-1] == "We got it."


# --- one turn per MessageSid ----------------------------------------------------------------------------


def test_a_redelivered_message_sid_is_answered_once(demo_db: Database, bridge: SmsService) -> None:
    resident = persona(demo_db, "delinquent")
    phone = resident.phone or ""
    verify(bridge, demo_db, phone)
    sid = new_sid()
    assert text(bridge, phone, "when is rent due", sid=sid) == "answered"
    replies = len(outbox(demo_db, phone))
    assert text(bridge, phone, "when is rent due", sid=sid) == "duplicate"
    assert len(outbox(demo_db, phone)) == replies
    with demo_db.sessions() as s:
        asked = s.scalar(
            select(func.count()).where(Message.body == "when is rent due", Message.role == "resident")
        )
        assert asked == 1


def test_concurrent_deliveries_of_one_message_sid_make_exactly_one_turn(
    demo_db: Database, bridge: SmsService
) -> None:
    resident = persona(demo_db, "delinquent")
    phone = resident.phone or ""
    verify(bridge, demo_db, phone)
    inbound = InboundSms.model_validate(inbound_fields(phone, "how do i pay by card", new_sid()))
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def deliver() -> None:
        barrier.wait()
        outcomes.append(bridge.handle(inbound).outcome)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["answered", "duplicate", "duplicate", "duplicate"]
    with demo_db.sessions() as s:
        assert s.scalar(select(func.count()).where(SmsMessage.message_sid == inbound.sid)) == 1
        asked = s.scalar(select(func.count()).where(Message.body == "how do i pay by card"))
        assert asked == 1


def test_only_one_of_two_racing_stores_of_a_message_sid_wins(demo_db: Database) -> None:
    inbound = InboundSms.model_validate(inbound_fields("+15125559876", "hi", new_sid()))
    barrier = threading.Barrier(2)
    results: list[object] = []

    def store() -> None:
        barrier.wait()
        results.append(receive_sms(demo_db.sessions, inbound))

    threads = [threading.Thread(target=store) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r is not None for r in results) == 1


# --- out: the outbox, Twilio's REST API, long replies, status -------------------------------------------


@SQLITE
def test_a_long_text_is_queued_as_one_segment_parts_in_order(demo_db: Database) -> None:
    body = "Your payment of $600.00 on Nov 3 cleared. " * 8
    with demo_db.sessions.begin() as s:
        queued = queue_sms(s, to="+15125550123", body=body, purpose="reply", actor="test")
    with demo_db.sessions() as s:
        rows = [s.get(SmsMessage, i) for i in queued.ids]
    assert len(rows) == 3 and all(r is not None and r.status == "queued" for r in rows)
    assert (
        all(len(r.body) <= 153 for r in rows if r)
        and " ".join(r.body for r in rows if r).split() == body.split()
    )


def test_with_twilio_configured_texts_go_through_the_rest_api_and_codes_are_not_kept(
    demo_db: Database, assistant: Assistant, fake_twilio: FakeTwilio
) -> None:
    settings = sending_settings(demo_db.settings, fake_twilio)
    bridge = SmsService(settings=settings, sessions=demo_db.sessions, assistant=assistant)
    resident = persona(demo_db, "delinquent")
    phone = resident.phone or ""
    assert text(bridge, phone, "what do i owe") == "code_sent"
    (code_text,) = fake_twilio.sent
    assert code_text.to == phone and code_text.from_ == "+15125550100"
    assert code_text.auth == (settings.TWILIO_ACCOUNT_SID, "0123456789abcdef0123456789abcdef")
    assert code_text.status_callback == "https://doorstep.example.com/webhooks/twilio/status"
    assert CODE.search(outbox(demo_db, phone)[0]) is None  # sent: the stored copy of the code is blanked
    code = CODE.search(code_text.body).group(1)  # type: ignore[union-attr]
    assert text(bridge, phone, code) == "verified"
    assert balance_text(demo_db, resident) in " ".join(m.body for m in fake_twilio.sent[1:])
    with demo_db.sessions() as s:
        rows = s.scalars(select(SmsMessage).where(SmsMessage.direction == "outbound")).all()
        assert {r.status for r in rows} == {"sent"} and {r.message_sid for r in rows} == {
            m.sid for m in fake_twilio.sent
        }


@SQLITE
def test_a_number_twilio_refuses_is_marked_failed_with_twilios_code(
    demo_db: Database, fake_twilio: FakeTwilio
) -> None:
    fake_twilio.refuse.add("+15125550123")
    settings = sending_settings(demo_db.settings, fake_twilio)
    from app.channels.sms_transport import make_transport

    with demo_db.sessions.begin() as s:
        queued = queue_sms(s, to="+15125550123", body="hello", purpose="reply", actor="test")
    dispatch(demo_db.sessions, queued, make_transport(settings))
    with demo_db.sessions() as s:
        row = s.get(SmsMessage, queued.ids[0])
        assert row is not None and (row.status, row.error_code) == ("failed", "21610")


@SQLITE
def test_a_staff_text_goes_out_when_the_inbox_commits_and_not_if_it_rolls_back(
    demo_db: Database, bridge: SmsService, fake_twilio: FakeTwilio
) -> None:
    resident = persona(demo_db, "delinquent")
    phone = resident.phone or ""
    verify(bridge, demo_db, phone)
    settings = sending_settings(demo_db.settings, fake_twilio)
    with pytest.raises(RuntimeError), demo_db.sessions.begin() as s:
        send_to_conversation(
            s, conversation_id=f"sms-{resident.ref}", body="draft", settings=settings, actor="staff:1"
        )
        raise RuntimeError("the inbox failed to store the staff message")
    assert fake_twilio.sent == []
    with demo_db.sessions.begin() as s:
        sent = send_to_conversation(
            s, conversation_id=f"sms-{resident.ref}", body="On it!", settings=settings, actor="staff:1"
        )
        assert fake_twilio.sent == []  # nothing leaves before the commit
    assert [m.body for m in fake_twilio.sent] == ["On it!"]
    with demo_db.sessions() as s:
        assert s.get(SmsMessage, sent.ids[0]).status == "sent"  # type: ignore[union-attr]


def test_status_callbacks_move_forward_only_and_repeats_change_nothing(demo_db: Database) -> None:
    sid = new_sid()

    class Transport:
        def send(self, *, to: str, body: str) -> Handed:
            return Handed("sent", sid=sid)

    with demo_db.sessions.begin() as s:
        queued = queue_sms(s, to="+15125550123", body="hello", purpose="reply", actor="test")
    dispatch(demo_db.sessions, queued, Transport())

    def callback(status: str, error: str | None = None) -> str:
        fields = {"MessageSid": sid, "MessageStatus": status, "To": "+15125550123"}
        if error:
            fields["ErrorCode"] = error
        with demo_db.sessions.begin() as s:
            return record_status(s, StatusCallback.model_validate(fields))

    assert callback("undelivered", "30003") == "updated"
    assert callback("undelivered", "30003") == "unchanged"
    assert callback("sent") == "unchanged"  # late and out of order
    with demo_db.sessions() as s:
        row = s.get(SmsMessage, queued.ids[0])
        assert row is not None and (row.status, row.error_code) == ("undelivered", "30003")


@SQLITE
def test_a_callback_that_beats_twilios_answer_is_folded_into_the_text(demo_db: Database) -> None:
    sid = new_sid()
    with demo_db.sessions.begin() as s:
        early = StatusCallback.model_validate({"MessageSid": sid, "MessageStatus": "delivered"})
        assert record_status(s, early) == "recorded_unknown"

    class Transport:
        def send(self, *, to: str, body: str) -> Handed:
            return Handed("sent", sid=sid)

    with demo_db.sessions.begin() as s:
        queued = queue_sms(s, to="+15125550123", body="hello", purpose="reply", actor="test")
    dispatch(demo_db.sessions, queued, Transport())
    with demo_db.sessions() as s:
        rows = s.scalars(select(SmsMessage).where(SmsMessage.message_sid == sid)).all()
        assert [(r.id, r.status, r.body) for r in rows] == [(queued.ids[0], "delivered", "hello")]

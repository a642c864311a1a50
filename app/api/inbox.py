"""The staff inbox: the page at /inbox, its JSON under /inbox/api, and the live socket at /ws/inbox.

Handlers are thin: authenticate (session cookie), check CSRF on every state-changing request, validate
into a model, call one `Inbox` / `Approvals` method off the event loop, publish "re-read" notices once
the change is committed. The domain is in `app/staff.py` and `app/channels/inbox*.py`.

These routes are the inbox page's own interface, signed in by cookie, not the bearer-token staff API:
they are left out of the OpenAPI document.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response, WebSocket, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketDisconnect

from agents.plan_review.graph import ReviewGraph
from app.bounds import MAX_DB_ID
from app.channels.broker import INBOX_TOPIC, Broker, conversation_topic
from app.channels.inbox import Inbox, check_filter, notify, require, sms_bridge
from app.channels.inbox_approvals import Approvals
from app.channels.inbox_models import (
    ActionResult,
    ApprovalDecision,
    ApprovalItem,
    ApprovalResult,
    Assign,
    CannedReplyIn,
    CannedReplyOut,
    ConversationView,
    Draft,
    Login,
    Me,
    Queue,
    QueueFilter,
    Reply,
    Resolve,
    StaffCreate,
    StaffPublic,
)
from app.config import Settings
from app.deps import TodayDep, get_today
from app.staff import (
    ActiveSession,
    LoginFailed,
    LoginThrottle,
    Permission,
    Throttled,
    create_staff,
    csrf_ok,
    record_failed_sign_in,
    session_for_token,
    sign_in,
    sign_out,
)
from app.web import render

_log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False)
COOKIE = "doorstep_staff"
PERMISSIONS: tuple[Permission, ...] = ("conversations", "approvals", "staff")
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
REFRESH_SECONDS = 30.0
"""The socket re-sends the queue this often even without a notice (SLA timers, another process's
escalation), and re-checks that the session is still live."""
MAX_FRAME_CHARS = 4096

RowId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]
ConversationId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


# --- wiring --------------------------------------------------------------------------------------


def _settings(request: Request | WebSocket) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _sessions(request: Request | WebSocket) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _broker(request: Request | WebSocket) -> Broker | None:
    return getattr(request.app.state, "broker", None)


def _throttle(request: Request) -> LoginThrottle:
    throttle = getattr(request.app.state, "login_throttle", None)
    if throttle is None:
        throttle = request.app.state.login_throttle = LoginThrottle()
    return throttle


def _inbox(request: Request | WebSocket, today: date | None = None) -> Inbox:
    settings = _settings(request)
    day = today or get_today(settings)
    return Inbox(
        sessions=_sessions(request),
        today=lambda: day,
        sms_sender=sms_bridge(settings),
    )


def get_inbox(request: Request, today: TodayDep) -> Inbox:
    return _inbox(request, today)


def get_approvals(request: Request, today: TodayDep) -> Approvals:
    """The approvals queue, listing only: reading it needs no review graph."""
    return Approvals(sessions=_sessions(request), today=lambda: today, review_graph=None)


async def get_deciding_approvals(
    request: Request, today: TodayDep, active: Annotated[ActiveSession, Depends(current_session)]
) -> Approvals:
    """The approvals queue with the payment-plan review graph a decision resumes: `app.state.review_graph`
    when set, else the assistant's (the channel runtime builds it on first use, as for the first chat)."""
    require(active.staff, "approvals")  # before building anything for someone who may not decide
    state = request.app.state
    graph: ReviewGraph | None = getattr(state, "review_graph", None)
    if graph is None and (channels := getattr(state, "channels", None)) is not None:
        graph = await channels.review_graph()
    return Approvals(sessions=_sessions(request), today=lambda: today, review_graph=graph)


InboxDep = Annotated[Inbox, Depends(get_inbox)]
ApprovalsDep = Annotated[Approvals, Depends(get_approvals)]
DecidingDep = Annotated[Approvals, Depends(get_deciding_approvals)]


def _now() -> datetime:
    return datetime.now(UTC)


def _client(request: Request | WebSocket) -> str:
    return request.client.host if request.client else "-"


def _origin_allowed(origin: str | None, host: str | None, settings: Settings) -> bool:
    """Same origin only: the Host this request came to (over http or https), or DOORSTEP_PUBLIC_URL."""
    if not origin:
        return False
    public = urlsplit(settings.DOORSTEP_PUBLIC_URL)
    allowed = {f"{public.scheme}://{public.netloc}".lower()}
    if host:
        allowed |= {f"http://{host}".lower(), f"https://{host}".lower()}
    return origin.strip().lower() in allowed


def _lookup(sessions: sessionmaker[Session], token: str | None) -> ActiveSession | None:
    with sessions() as session:
        return session_for_token(session, token, now=_now())


def current_session(request: Request) -> ActiveSession:
    """The signed-in staff member's live session (401 otherwise). Sync: FastAPI runs it on a thread."""
    active = _lookup(_sessions(request), request.cookies.get(COOKIE))
    if active is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in to the inbox at /inbox")
    return active


async def checked_session(
    request: Request, active: Annotated[ActiveSession, Depends(current_session)]
) -> ActiveSession:
    """A state-changing request: from this site (Origin, when sent) and carrying the session's CSRF
    token (header `X-CSRF-Token`, or the url-encoded form field `csrf_token`), else 403."""
    origin = request.headers.get("origin")
    if origin is not None and not _origin_allowed(origin, request.headers.get("host"), _settings(request)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this request did not come from the inbox page")
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if given is None and content_type.startswith("application/x-www-form-urlencoded"):
        # Read here rather than with request.form(), which needs python-multipart for nothing we use.
        fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=50)
        given = fields.get(CSRF_FIELD, [None])[0]
    if not csrf_ok(active.csrf_token, given):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token: reload the inbox page")
    return active


Signed = Annotated[ActiveSession, Depends(current_session)]
Checked = Annotated[ActiveSession, Depends(checked_session)]


def _me(active: ActiveSession) -> Me:
    staff = active.staff
    return Me(
        staff=StaffPublic(id=staff.id, name=staff.name, role=staff.role),
        email=staff.email,
        csrf_token=active.csrf_token,
        permissions=[p for p in PERMISSIONS if staff.can(p)],
        expires_at=active.expires_at,
    )


async def _after(request: Request, result: ActionResult) -> ActionResult:
    await notify(_broker(request), result.conversation_id)
    return result


# --- the page and signing in ---------------------------------------------------------------------


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page() -> HTMLResponse:
    """The inbox (it shows the sign-in form until the session cookie is set)."""
    return HTMLResponse(render("inbox.html"), headers=PAGE_HEADERS)


@router.post("/inbox/login")
def login(body: Login, request: Request, response: Response) -> Me:
    """Sign in: a session cookie (HttpOnly, SameSite=Strict, Secure over https) and the CSRF token."""
    origin = request.headers.get("origin")
    if origin is not None and not _origin_allowed(origin, request.headers.get("host"), _settings(request)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "sign in from the inbox page")
    throttle, client = _throttle(request), _client(request)
    try:
        throttle.check(email=body.email, client=client)
    except Throttled as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS, str(exc), headers={"Retry-After": str(exc.retry_after)}
        ) from exc
    sessions = _sessions(request)
    try:
        with sessions.begin() as session:
            signed = sign_in(session, email=body.email, password=body.password, now=_now(), client=client)
    except LoginFailed as exc:
        throttle.failed(email=body.email, client=client)
        with sessions.begin() as session:
            record_failed_sign_in(session, email=body.email, client=client)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from exc
    throttle.succeeded(email=body.email)
    secure = request.url.scheme == "https" or _settings(request).DOORSTEP_PUBLIC_URL.startswith("https://")
    response.set_cookie(
        COOKIE,
        signed.token,
        max_age=int((signed.expires_at - _now()).total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    active = ActiveSession(
        id="", csrf_token=signed.csrf_token, expires_at=signed.expires_at, staff=signed.staff
    )
    return _me(active)


@router.post("/inbox/logout", status_code=204)
def logout(request: Request, active: Checked) -> Response:
    with _sessions(request).begin() as session:
        sign_out(session, session_id=active.id, staff=active.staff)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/inbox/api/me")
def me(active: Signed) -> Me:
    return _me(active)


# --- the queue -----------------------------------------------------------------------------------


@router.get("/inbox/api/queue")
def queue(
    active: Signed,
    inbox: InboxDep,
    property: Annotated[str | None, Query(max_length=64)] = None,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
) -> Queue:
    return inbox.queue(active.staff, property_code=property or None, status=check_filter(status_))


@router.get("/inbox/api/staff")
def colleagues(active: Signed, inbox: InboxDep) -> list[StaffPublic]:
    return inbox.colleagues(active.staff)


@router.post("/inbox/api/staff", status_code=201)
def add_staff(body: StaffCreate, request: Request, active: Checked) -> StaffPublic:
    require(active.staff, "staff")
    with _sessions(request).begin() as session:
        user = create_staff(
            session,
            email=body.email,
            role=body.role,
            password=body.password,
            name=body.name,
            actor=active.staff.actor,
        )
        return StaffPublic(id=user.id, name=user.name, role=user.role)


@router.post("/inbox/api/escalations/{escalation_id}/claim")
async def claim(escalation_id: RowId, request: Request, active: Checked, inbox: InboxDep) -> ActionResult:
    return await _after(request, await run_in_threadpool(inbox.claim, active.staff, escalation_id))


@router.post("/inbox/api/escalations/{escalation_id}/assign")
async def assign(
    escalation_id: RowId, body: Assign, request: Request, active: Checked, inbox: InboxDep
) -> ActionResult:
    return await _after(
        request, await run_in_threadpool(inbox.assign, active.staff, escalation_id, body.staff_id)
    )


@router.post("/inbox/api/escalations/{escalation_id}/resolve")
async def resolve(
    escalation_id: RowId, body: Resolve, request: Request, active: Checked, inbox: InboxDep
) -> ActionResult:
    return await _after(
        request, await run_in_threadpool(inbox.resolve, active.staff, escalation_id, body.note)
    )


# --- a conversation ------------------------------------------------------------------------------


@router.get("/inbox/api/conversations/{conversation_id}")
def conversation(conversation_id: ConversationId, active: Signed, inbox: InboxDep) -> ConversationView:
    return inbox.view(active.staff, conversation_id)


@router.post("/inbox/api/conversations/{conversation_id}/take-over")
async def take_over(
    conversation_id: ConversationId, request: Request, active: Checked, inbox: InboxDep
) -> ActionResult:
    return await _after(request, await run_in_threadpool(inbox.take_over, active.staff, conversation_id))


@router.post("/inbox/api/conversations/{conversation_id}/reply")
async def reply(
    conversation_id: ConversationId, body: Reply, request: Request, active: Checked, inbox: InboxDep
) -> ActionResult:
    return await _after(
        request, await run_in_threadpool(inbox.reply, active.staff, conversation_id, body.text)
    )


@router.post("/inbox/api/conversations/{conversation_id}/hand-back")
async def hand_back(
    conversation_id: ConversationId, request: Request, active: Checked, inbox: InboxDep
) -> ActionResult:
    return await _after(request, await run_in_threadpool(inbox.hand_back, active.staff, conversation_id))


@router.get("/inbox/api/conversations/{conversation_id}/export")
def export(
    conversation_id: ConversationId,
    active: Signed,
    inbox: InboxDep,
    format: Annotated[Literal["text", "json"], Query()] = "text",
) -> Response:
    made = inbox.export(active.staff, conversation_id, format)
    return Response(
        made.content,
        media_type=made.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{made.filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/inbox/api/conversations/{conversation_id}/canned-replies/{reply_id}")
def use_canned_reply(
    conversation_id: ConversationId, reply_id: RowId, active: Signed, inbox: InboxDep
) -> Draft:
    return inbox.use_canned_reply(active.staff, reply_id, conversation_id)


# --- canned replies and approvals ----------------------------------------------------------------


@router.get("/inbox/api/canned-replies")
def canned_replies(active: Signed, inbox: InboxDep) -> list[CannedReplyOut]:
    return inbox.canned_replies(active.staff)


@router.post("/inbox/api/canned-replies", status_code=201)
def create_canned_reply(body: CannedReplyIn, active: Checked, inbox: InboxDep) -> CannedReplyOut:
    return inbox.create_canned_reply(active.staff, body)


@router.get("/inbox/api/approvals")
def approvals(active: Signed, approvals: ApprovalsDep) -> list[ApprovalItem]:
    return approvals.pending(active.staff)


@router.post("/inbox/api/approvals/{kind}/{item_id}")
async def decide(
    kind: Annotated[str, Path(max_length=40, pattern=r"^[a-z_]+$")],
    item_id: RowId,
    body: ApprovalDecision,
    request: Request,
    active: Checked,
    approvals: DecidingDep,
) -> ApprovalResult:
    result = await run_in_threadpool(approvals.decide, active.staff, kind, item_id, body)
    await notify(_broker(request), result.conversation_id)
    return result


# --- the live socket -----------------------------------------------------------------------------


class _Watch(BaseModel):
    """Which queue this page shows (its filters)."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["watch"]
    property: Annotated[str | None, Field(max_length=64)] = None
    status: QueueFilter = "active"


class _Open(BaseModel):
    """The conversation this page shows, and the newest seq it has."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["open"]
    conversation_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]
    after_seq: Annotated[int, Field(ge=0, le=2**31)] = 0


class _Close(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["close"]


class _Ping(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["ping"]


_frame: TypeAdapter[_Watch | _Open | _Close | _Ping] = TypeAdapter(
    Annotated[_Watch | _Open | _Close | _Ping, Field(discriminator="type")]
)


@router.websocket("/ws/inbox")
async def inbox_socket(websocket: WebSocket) -> None:
    """Live inbox: `queue` frames when the queue moves, `events` frames for the open conversation.

    Signed in by the session cookie; the Origin must be this site (4403 otherwise, 4401 when not signed
    in). Client frames: `watch` (queue filters), `open` (a conversation and the seq it has), `close`,
    `ping`. Notices from the broker only wake the socket: it re-reads the database and sends what changed.
    """
    settings = _settings(websocket)
    if not _origin_allowed(websocket.headers.get("origin"), websocket.headers.get("host"), settings):
        await websocket.close(code=4403)
        return
    active = await run_in_threadpool(_lookup, _sessions(websocket), websocket.cookies.get(COOKIE))
    if active is None:
        await websocket.close(code=4401)
        return
    await websocket.accept()
    await _InboxSocket(websocket, active).run()


class _InboxSocket:
    def __init__(self, websocket: WebSocket, active: ActiveSession) -> None:
        self.ws = websocket
        self.active = active
        self.inbox = _inbox(websocket)
        self.broker = _broker(websocket)
        self.wake: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.watch = _Watch(type="watch")
        self.open: str | None = None
        self.sent_seq = 0
        self.follower: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Read client frames here, in the handler's own task (so a disconnect ends it at once); send
        from one writer task woken by notices, frames and a slow timer."""
        tasks: list[asyncio.Task[None]] = []
        async with contextlib.AsyncExitStack() as stack:
            if self.broker is not None:
                inbox_sub = await stack.enter_async_context(self.broker.subscribe(INBOX_TOPIC))
                tasks.append(asyncio.create_task(self._forward(inbox_sub, "queue")))
            tasks.append(asyncio.create_task(self._tick()))
            self.wake.put_nowait(("queue", None))  # the first thing sent: the queue as it is
            writer = asyncio.create_task(self._write())
            tasks.append(writer)
            try:
                await self._read(writer)
            finally:
                for task in [*tasks, *([self.follower] if self.follower else [])]:
                    task.cancel()
                await asyncio.wait([*tasks, *([self.follower] if self.follower else [])], timeout=5)

    async def _write(self) -> None:
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await self._serve()

    async def _serve(self) -> None:
        while True:
            kind, payload = await self.wake.get()
            kinds = {kind: payload}
            while not self.wake.empty():  # coalesce: one read answers every notice waiting
                more, extra = self.wake.get_nowait()
                kinds[more] = extra
            if "error" in kinds:
                await self.ws.send_json({"type": "error", "detail": kinds["error"]})
            if "pong" in kinds:
                await self.ws.send_json({"type": "pong"})
            if "queue" in kinds or "tick" in kinds:
                if not await self._still_signed_in():
                    await self.ws.send_json({"type": "signed_out"})
                    await self.ws.close(code=4401)
                    return
                await self._send_queue()
            if ("conversation" in kinds or "tick" in kinds) and self.open:
                await self._send_events()

    async def _still_signed_in(self) -> bool:
        token = self.ws.cookies.get(COOKIE)
        return await run_in_threadpool(_lookup, _sessions(self.ws), token) is not None

    async def _send_queue(self) -> None:
        queue = await run_in_threadpool(
            self.inbox.queue, self.active.staff, property_code=self.watch.property, status=self.watch.status
        )
        await self.ws.send_json({"type": "queue", **queue.model_dump(mode="json")})

    async def _send_events(self) -> None:
        conversation_id = self.open
        if conversation_id is None:
            return
        try:
            owner, last_seq, events = await run_in_threadpool(
                self.inbox.events_after, self.active.staff, conversation_id, self.sent_seq
            )
        except HTTPException:
            return
        except Exception as exc:  # a conversation that vanished or a bad id: tell the page, keep serving
            await self.ws.send_json({"type": "error", "detail": str(exc)[:200]})
            self.open = None
            return
        if conversation_id != self.open:
            return
        if events:
            self.sent_seq = max(self.sent_seq, events[-1].seq)
        await self.ws.send_json(
            {
                "type": "events",
                "conversation_id": conversation_id,
                "owner": owner,
                "last_seq": last_seq,
                "events": [e.model_dump(mode="json") for e in events],
            }
        )

    async def _forward(self, subscription: Any, kind: str) -> None:
        while True:
            await subscription.next()
            self.wake.put_nowait((kind, None))

    async def _follow(self, conversation_id: str) -> None:
        assert self.broker is not None
        async with self.broker.subscribe(conversation_topic(conversation_id)) as subscription:
            self.wake.put_nowait(("conversation", None))
            await self._forward(subscription, "conversation")

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            self.wake.put_nowait(("tick", None))

    async def _read(self, writer: asyncio.Task[None]) -> None:
        while not writer.done():
            try:
                message = await self.ws.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None or len(text) > MAX_FRAME_CHARS:
                self.wake.put_nowait(("error", "send JSON text frames of at most 4 kB"))
                continue
            try:
                frame = _frame.validate_python(json.loads(text))
            except (ValueError, ValidationError):
                self.wake.put_nowait(("error", "unknown frame: send watch, open, close or ping"))
                continue
            await self._handle(frame)

    async def _handle(self, frame: _Watch | _Open | _Close | _Ping) -> None:
        if isinstance(frame, _Ping):
            self.wake.put_nowait(("pong", None))
        elif isinstance(frame, _Watch):
            self.watch = frame
            self.wake.put_nowait(("queue", None))
        else:
            if self.follower is not None:
                self.follower.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.follower
                self.follower = None
            self.open = frame.conversation_id if isinstance(frame, _Open) else None
            self.sent_seq = frame.after_seq if isinstance(frame, _Open) else 0
            if self.open is not None:
                if self.broker is not None:
                    self.follower = asyncio.create_task(self._follow(self.open))
                else:
                    self.wake.put_nowait(("conversation", None))

"""The chat protocol's frames, one pydantic model each: what `/ws/chat` accepts and what it sends.

Client frames: hello (first, within 10 s), message, handoff ("Talk to a person"), plan (accept or
decline a proposed plan), ping. Server frames: welcome, ack, message (the resident's own, for history),
reply (assistant or staff), owner, typing, error, pong. Every event of a conversation (message, reply,
owner) carries `seq`, which grows by one per event with no gaps; a client resumes with `last_seq`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

MAX_TEXT_CHARS = 4000
ClientId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")]


class _Frame(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- client to server ----------------------------------------------------------------------------


class Hello(_Frame):
    type: Literal["hello"]
    token: Annotated[str, Field(max_length=4096)]
    last_seq: Annotated[int, Field(ge=0, le=2**31)] = 0


class SendMessage(_Frame):
    type: Literal["message"]
    client_id: ClientId
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]


class Handoff(_Frame):
    """The resident pressed "Talk to a person"."""

    type: Literal["handoff"]
    client_id: ClientId


class PlanAnswer(_Frame):
    """The resident's answer to a plan card: accept an offered plan, or decline it."""

    type: Literal["plan"]
    client_id: ClientId
    plan_id: Annotated[int, Field(ge=1, le=2**63 - 1)]
    decision: Literal["accept", "decline"]


class Ping(_Frame):
    type: Literal["ping"]


ClientFrame = Annotated[Hello | SendMessage | Handoff | PlanAnswer | Ping, Field(discriminator="type")]
client_frame: TypeAdapter[Hello | SendMessage | Handoff | PlanAnswer | Ping] = TypeAdapter(ClientFrame)


# --- server to client ----------------------------------------------------------------------------

Owner = Literal["assistant", "waiting", "staff"]


class Welcome(_Frame):
    type: Literal["welcome"] = "welcome"
    conversation_id: str
    owner: Owner
    last_seq: int
    resident_name: str


class Ack(_Frame):
    type: Literal["ack"] = "ack"
    client_id: str
    seq: int


class ResidentMessage(_Frame):
    """The resident's own message, as stored (card numbers scrubbed): so a reload shows the history."""

    type: Literal["message"] = "message"
    seq: int
    client_id: str | None
    text: str
    at: str


class Reply(_Frame):
    type: Literal["reply"] = "reply"
    seq: int
    from_: Annotated[Literal["assistant", "staff"], Field(alias="from")]
    staff_name: str | None = None
    text: str
    citations: list[dict[str, Any]] = []
    card: dict[str, Any] | None = None
    at: str

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class OwnerChange(_Frame):
    type: Literal["owner"] = "owner"
    seq: int
    owner: Owner
    staff_name: str | None = None
    at: str


class Typing(_Frame):
    type: Literal["typing"] = "typing"
    on: bool


class Error(_Frame):
    type: Literal["error"] = "error"
    code: str
    message: str


class Pong(_Frame):
    type: Literal["pong"] = "pong"


Event = ResidentMessage | Reply | OwnerChange
ServerFrame = Welcome | Ack | ResidentMessage | Reply | OwnerChange | Typing | Error | Pong


def dump(frame: ServerFrame) -> dict[str, Any]:
    return frame.model_dump(mode="json", by_alias=True)


def schemas() -> dict[str, Any]:
    """A JSON schema per frame, for the README and `GET /chat/schema`."""
    client = {m.__name__: m.model_json_schema() for m in (Hello, SendMessage, Handoff, PlanAnswer, Ping)}
    server = {
        m.__name__: m.model_json_schema(by_alias=True)
        for m in (Welcome, Ack, ResidentMessage, Reply, OwnerChange, Typing, Error, Pong)
    }
    return {"client": client, "server": server}

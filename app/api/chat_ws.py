"""`/ws/chat`: the residents' chat protocol (README, "The chat protocol"). Thin: it adapts the socket to
`app.channels.connection.ChatConnection`, which does the rest."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocketDisconnect, WebSocketState

from app.channels import frames
from app.channels.connection import ChatConnection
from app.channels.limits import CloseCode
from app.channels.runtime import ChannelRuntime

router = APIRouter(tags=["chat"])
CHAT_PATH = "/ws/chat"
log = logging.getLogger(__name__)

UNAVAILABLE = "The assistant is unavailable right now. Please try again in a minute."


class _SocketTransport:
    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    async def receive(self) -> str | bytes | None:
        try:
            message = await self.websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            return None
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        return text if text is not None else message.get("bytes") or b""

    async def send(self, frame: dict[str, Any]) -> None:
        await self.websocket.send_json(frame)

    async def close(self, code: int) -> None:
        if self.websocket.application_state != WebSocketState.DISCONNECTED:
            await self.websocket.close(code)


async def chat_socket(websocket: WebSocket) -> None:
    runtime: ChannelRuntime = websocket.app.state.channels
    await websocket.accept()
    try:
        service, runner = await runtime.chat()
    except Exception:  # the next connection tries again; this one is told, not dropped
        log.exception("the assistant could not be built")
        await websocket.send_json(frames.dump(frames.Error(code="unavailable", message=UNAVAILABLE)))
        await websocket.close(CloseCode.TRY_AGAIN_LATER)
        return
    connection = ChatConnection(
        _SocketTransport(websocket),
        service=service,
        runner=runner,
        broker=runtime.broker,
        limits=runtime.limits,
        hello_timeout=runtime.hello_timeout,
    )
    await connection.serve()


# A plain Starlette route, not `@router.websocket`: FastAPI's would hold dependency-solving state and
# two exit stacks for the whole life of every connection, and this endpoint takes no dependencies. It is
# reached only through `app.api.hot_routes.HotRoutesFirst`, in front of the middleware (`app.main`).
CHAT_ROUTE = WebSocketRoute(CHAT_PATH, chat_socket)


@router.get("/chat/schema")
def chat_schema() -> dict[str, Any]:
    """A JSON schema for every frame of the chat protocol, client's and server's."""
    return frames.schemas()

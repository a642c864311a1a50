"""The floor for the channel bench: a plain WebSocket echo on the same stack (Starlette under uvicorn),
with the same hello-then-frames shape as /ws/chat but no work behind it."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        return


app = Starlette(routes=[WebSocketRoute("/ws/echo", echo)])

"""Request size limits: no body over `MAX_BODY_BYTES` reaches a handler, declared or streamed."""

from __future__ import annotations

from fastapi import HTTPException, status
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 64 * 1024
"""Far above any lease or ledger line (a few hundred bytes), far below what could hold a worker."""


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            status.HTTP_413_CONTENT_TOO_LARGE, f"the request body is larger than {limit // 1024} KiB"
        )


class BodySizeLimit:
    """ASGI middleware answering 413 when Content-Length is over the limit, or when the bytes that
    arrive go over it (a chunked upload, or a Content-Length that lies)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is None:
            await _refuse(HTTPException(status.HTTP_400_BAD_REQUEST, "Content-Length is not a byte count"))(
                scope, receive, send
            )
            return
        if declared > self.max_bytes:
            await _refuse(BodyTooLarge(self.max_bytes))(scope, receive, send)
            return
        received = 0
        started = False

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # An HTTPException: FastAPI renders it as it is, where other errors become a 400.
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except BodyTooLarge as exc:
            if started:
                raise
            await _refuse(exc)(scope, receive, send)


def _refuse(problem: HTTPException) -> JSONResponse:
    return JSONResponse({"detail": problem.detail}, problem.status_code)


def _content_length(scope: Scope) -> int | None:
    """The declared length; 0 when there is none; None when it is not a number."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isascii() and text.isdigit() else None
    return 0

"""A scripted OpenAI-compatible chat server on loopback: the real client path end to end, with no model.

The tests drive `langchain_openai.ChatOpenAI` against it, and `make bench` runs Doorstep's chat planner
and LangGraph's ReAct agent through the same scripted conversations on it
(`evals.benchmarks.prompt_tokens`), so it lives here rather than under `tests/`.

`FakeOpenAI` serves `POST /v1/chat/completions` with uvicorn in a background thread on 127.0.0.1 and a
free port. It answers as JSON or, when the request says `"stream": true`, as server-sent events
(`data: {...}` chunks with content and tool-call deltas, then `data: [DONE]`), exactly as the `openai`
client that `langchain_openai.ChatOpenAI` uses expects. What it answers comes from a script:

- a queue of `Reply` values (`text(...)`, `tool_call(...)`, `failure(...)`, `stall(...)`,
  `malformed(...)`), consumed one per request, and/or
- a responder: a callable that receives each request's JSON body and returns a `Reply`, used once the
  queue is empty (so a test can decide from what the model was sent, or assert on it).

Every request body is recorded in `requests`. With neither a queued reply nor a responder the server
answers HTTP 500 and notes the request in `unscripted`; a responder that raises gets HTTP 500 too, and
its exception lands in `errors`. The `server` fixture of a test can assert both are empty at the end.

    with FakeOpenAI([tool_call("get_balance"), text("You owe $10.00.")]) as server:
        ChatOpenAI(base_url=server.base_url, api_key="test", max_retries=0).invoke("hi")
        assert server.requests[0]["messages"][-1]["content"] == "hi"

The server thread stops when the context exits (a stalled reply is cut short), so nothing outlives the
test or bench that started it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

STARTUP_TIMEOUT_S = 5.0
STOP_TIMEOUT_S = 5.0
CHUNK_CHARS = 7
"""Streamed content and tool arguments are cut into pieces this long, to exercise the client's assembly."""


@dataclass(frozen=True)
class ScriptedToolCall:
    name: str
    arguments: str
    """The arguments as the model writes them: JSON text (a test may script broken JSON on purpose)."""


@dataclass(frozen=True)
class Reply:
    """One scripted answer of the fake model, or a scripted failure."""

    content: str | None = None
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    status: int = 200
    """Anything but 200 answers with an OpenAI-style error body and this status."""
    delay: float = 0.0
    """Seconds to wait before answering: longer than the client's timeout makes it time out."""
    body: str | None = None
    """A raw body to send instead of a well-formed completion (malformed output)."""


Responder = Callable[[dict[str, Any]], Reply]


def text(content: str) -> Reply:
    """The model answers with text."""
    return Reply(content=content)


def tool_call(name: str, args: dict[str, Any] | str | None = None) -> Reply:
    """The model asks for one tool; `args` as a dict, or as raw (possibly broken) JSON text."""
    return tool_calls((name, args))


def tool_calls(*calls: tuple[str, dict[str, Any] | str | None]) -> Reply:
    """The model asks for several tools at once."""
    return Reply(
        tool_calls=tuple(
            ScriptedToolCall(name, args if isinstance(args, str) else json.dumps(args or {}))
            for name, args in calls
        )
    )


def failure(status: int = 500, message: str = "scripted failure") -> Reply:
    """An HTTP error: 500/503 for a broken server, 429 for rate limiting."""
    return Reply(status=status, content=message)


def stall(seconds: float, then: Reply | None = None) -> Reply:
    """Answer only after `seconds` (then with `then`, or a short text)."""
    after = then or text("sorry for the wait")
    return Reply(
        content=after.content,
        tool_calls=after.tool_calls,
        status=after.status,
        delay=seconds,
        body=after.body,
    )


def malformed(body: str = '{"choices": [{"message": ') -> Reply:
    """HTTP 200 with a body that is not a chat completion."""
    return Reply(body=body)


@dataclass
class FakeOpenAI:
    """The scripted server. Use as a context manager (or `start()` / `stop()`)."""

    script: Iterable[Reply] | Responder = ()
    model: str = "fake-model"
    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every request body received, in order."""
    unscripted: list[dict[str, Any]] = field(default_factory=list)
    """Requests that found no reply in the script (answered with HTTP 500)."""
    errors: list[Exception] = field(default_factory=list)
    """Exceptions the responder raised (each answered with HTTP 500), for a test to re-raise or assert on."""

    def __post_init__(self) -> None:
        self._queue: deque[Reply] = deque()
        self._responder: Responder | None = None
        if callable(self.script):
            self._responder = self.script
        else:
            self._queue.extend(self.script)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0

    # -- scripting ------------------------------------------------------------------------------------

    def push(self, *replies: Reply) -> None:
        """Queue more replies (they are used before the responder)."""
        with self._lock:
            self._queue.extend(replies)

    def respond_with(self, responder: Responder | None) -> None:
        """Set (or clear) the responder used once the queue is empty."""
        with self._lock:
            self._responder = responder

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _next_reply(self, body: dict[str, Any]) -> Reply | None:
        with self._lock:
            self.requests.append(body)
            if self._queue:
                return self._queue.popleft()
            responder = self._responder
        if responder is None:
            with self._lock:
                self.unscripted.append(body)
            return None
        try:
            return responder(body)
        except Exception as exc:  # a bug in the test's responder: keep it for the test, answer 500
            with self._lock:
                self.errors.append(exc)
            return failure(500, f"the responder raised {type(exc).__name__}: {exc}")

    # -- HTTP -----------------------------------------------------------------------------------------

    async def _completions(self, request: Request) -> Response:
        body = await request.json()
        reply = self._next_reply(body)
        if reply is None:
            return _error(500, "the fake model's script has no reply left")
        await self._wait(reply.delay)
        if self._stopping.is_set():
            return _error(503, "the fake model is shutting down")
        if reply.status != 200:
            return _error(reply.status, reply.content or "scripted failure")
        if reply.body is not None:
            return Response(reply.body, media_type="application/json")
        call_id = next(self._ids)
        if body.get("stream"):
            options = body.get("stream_options") or {}
            events = self._events(reply, call_id, usage=bool(options.get("include_usage")))
            return StreamingResponse(events, media_type="text/event-stream")
        return JSONResponse(self._completion(reply, call_id, body))

    async def _wait(self, seconds: float) -> None:
        """Sleep, but give up as soon as the server is stopping so a stalled test ends promptly."""
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(min(0.02, max(deadline - time.monotonic(), 0)))

    def _completion(self, reply: Reply, call_id: int, body: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.tool_calls:
            message["tool_calls"] = [
                {
                    "id": f"call_{call_id}_{n}",
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for n, c in enumerate(reply.tool_calls)
            ]
        prompt = len(json.dumps(body.get("messages", []))) // 4
        return {
            "id": f"chatcmpl-{call_id}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {"index": 0, "message": message, "finish_reason": _finish_reason(reply), "logprobs": None}
            ],
            "usage": {"prompt_tokens": prompt, "completion_tokens": 1, "total_tokens": prompt + 1},
        }

    async def _events(self, reply: Reply, call_id: int, *, usage: bool) -> AsyncIterator[str]:
        for chunk in self._chunks(reply, call_id, usage=usage):
            yield f"data: {json.dumps(chunk)}\n\n"
        yield "data: [DONE]\n\n"

    def _chunks(self, reply: Reply, call_id: int, *, usage: bool) -> Iterator[dict[str, Any]]:
        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": f"chatcmpl-{call_id}",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": self.model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            }

        yield chunk({"role": "assistant", "content": ""})
        for piece in _pieces(reply.content or ""):
            yield chunk({"content": piece})
        for n, call in enumerate(reply.tool_calls):
            opening = {"name": call.name, "arguments": ""}
            yield chunk(
                {
                    "tool_calls": [
                        {"index": n, "id": f"call_{call_id}_{n}", "type": "function", "function": opening}
                    ]
                }
            )
            for piece in _pieces(call.arguments):
                yield chunk({"tool_calls": [{"index": n, "function": {"arguments": piece}}]})
        yield chunk({}, _finish_reason(reply))
        if usage:
            yield {
                "id": f"chatcmpl-{call_id}",
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": self.model,
                "choices": [],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }

    # -- lifecycle ------------------------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        app = Starlette(routes=[Route("/v1/chat/completions", self._completions, methods=["POST"])])
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            http="h11",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="fake-openai", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                raise RuntimeError("the fake OpenAI server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(STOP_TIMEOUT_S)
            if self._thread.is_alive():
                raise RuntimeError("the fake OpenAI server did not stop")
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def _finish_reason(reply: Reply) -> str:
    return "tool_calls" if reply.tool_calls else "stop"


def _pieces(value: str) -> Iterator[str]:
    for start in range(0, len(value), CHUNK_CHARS):
        yield value[start : start + CHUNK_CHARS]


def _error(status: int, message: str) -> JSONResponse:
    kind = (
        "rate_limit_error" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
    )
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None}}, status)

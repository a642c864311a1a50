"""What the SMS tests share: a fake Twilio REST API on loopback, Twilio-signed webhook forms, settings."""

from __future__ import annotations

import base64
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from twilio.request_validator import RequestValidator

from app.config import Settings

AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
ACCOUNT_SID = "AC" + "1" * 32
FROM_NUMBER = "+15125550100"
PUBLIC_URL = "https://doorstep.example.com"


def new_sid(prefix: str = "SM") -> str:
    return prefix + secrets.token_hex(16)


def sms_settings(base: Settings, **extra: Any) -> Settings:
    """`base` with SMS on: inbound verified with the test token; texts to the outbox unless `extra` adds
    TWILIO_ACCOUNT_SID and TWILIO_FROM_NUMBER."""
    update = {"TWILIO_AUTH_TOKEN": SecretStr(AUTH_TOKEN), "DOORSTEP_PUBLIC_URL": PUBLIC_URL, **extra}
    return base.model_copy(update=update)


def sending_settings(base: Settings, fake: FakeTwilio) -> Settings:
    return sms_settings(
        base,
        TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        TWILIO_FROM_NUMBER=FROM_NUMBER,
        TWILIO_API_BASE_URL=fake.base_url,
    )


def signed(path: str, fields: dict[str, str], *, token: str = AUTH_TOKEN) -> tuple[str, dict[str, str]]:
    """A form body and headers as Twilio sends them to PUBLIC_URL + `path`."""
    signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, fields)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return urlencode(fields), headers


def inbound_fields(phone: str, body: str, sid: str | None = None) -> dict[str, str]:
    return {
        "MessageSid": sid or new_sid(),
        "AccountSid": ACCOUNT_SID,
        "From": phone,
        "To": FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }


@dataclass
class Sent:
    to: str
    from_: str
    body: str
    status_callback: str
    sid: str
    auth: tuple[str, str]


@dataclass
class FakeTwilio:
    """Twilio's Messages resource (POST /2010-04-01/Accounts/{sid}/Messages.json) on 127.0.0.1.

    Answers 201 with a message sid, or Twilio's 400 error for numbers in `refuse` (code 21610: the
    recipient replied STOP at the carrier)."""

    refuse: set[str] = field(default_factory=set)
    sent: list[Sent] = field(default_factory=list)
    port: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _create(self, request: Request) -> JSONResponse:
        form = dict(parse_qsl((await request.body()).decode()))
        user, _, password = (
            base64.b64decode(request.headers.get("authorization", "Basic ").split(" ", 1)[1] or b"")
            .decode()
            .partition(":")
        )
        to = str(form.get("To", ""))
        if to in self.refuse:
            return JSONResponse(
                {"code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400},
                400,
            )
        sid = new_sid()
        with self._lock:
            self.sent.append(
                Sent(
                    to=to,
                    from_=str(form.get("From", "")),
                    body=str(form.get("Body", "")),
                    status_callback=str(form.get("StatusCallback", "")),
                    sid=sid,
                    auth=(user, password),
                )
            )
        account = request.path_params["account"]
        return JSONResponse(
            {"sid": sid, "account_sid": account, "to": to, "body": form.get("Body"), "status": "queued"}, 201
        )

    def __enter__(self) -> FakeTwilio:
        app = Starlette(
            routes=[Route("/2010-04-01/Accounts/{account}/Messages.json", self._create, methods=["POST"])]
        )
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", ws="none", http="h11"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="fake-twilio", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake Twilio did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        if self._socket is not None:
            self._socket.close()

"""The web application: assembled here, nothing else. Routers live in `app/api/`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from sqlalchemy.exc import DataError

from app.api import chat_ws, health, inbox, inbox_collections, ledger, pages, residents, sms, stripe
from app.api.hot_routes import HotRoutesFirst
from app.api.limits import BodySizeLimit
from app.bounds import MAX_DB_ID
from app.channels.broker import make_broker
from app.channels.runtime import ChannelRuntime
from app.config import Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.db_roles import check_service_role
from app.errors import DoorstepError, number_out_of_range
from app.schemas import ErrorPublic, ValidationErrorPublic
from app.wal_checkpoints import WalCheckpointer

ASSETS_URL = "/assets"
ASSETS_DIR = Path(__file__).parent / "web" / "static"
"""The widget's and the inbox's scripts and styles (no build step; served as they are)."""
DOCS_ASSETS_URL = "/static/docs"
"""Swagger UI and ReDoc, served from the `fastapi-offline` package: /docs and /redoc need no CDN."""


def create_app(settings: Settings | None = None, *, today: Callable[[], date] | None = None) -> FastAPI:
    """The service. `today` fixes the portfolio's date for the channels (tests, demos of a past day)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = settings or get_settings()
        engine = make_engine(app.state.settings)
        with engine.connect() as connection:
            check_service_role(connection, production=app.state.settings.ENVIRONMENT == "production")
        app.state.sessions = make_sessionmaker(engine)
        app.state.wal_checkpointer = checkpointer = WalCheckpointer.start_for(engine)
        app.state.broker = make_broker(app.state.settings)
        app.state.channels = ChannelRuntime(
            settings=app.state.settings,
            sessions=app.state.sessions,
            broker=app.state.broker,
            today=today,
        )
        await app.state.broker.start()
        if app.state.settings.ENVIRONMENT != "test":  # the first resident should not wait for the models
            app.state.channels.warm_up()
        yield
        if (writer := getattr(app.state, "delivery_writer", None)) is not None:
            await asyncio.to_thread(writer.close)
        await app.state.channels.close()
        await app.state.broker.stop()
        if checkpointer is not None:
            await asyncio.to_thread(checkpointer.stop)
        engine.dispose()

    app = FastAPIOffline(title="Doorstep", version="0.1.0", lifespan=lifespan, static_url=DOCS_ASSETS_URL)
    # Routes are matched in order, router by router: the processors' webhooks, the busiest requests a
    # server answers, come first (their paths overlap no other router's).
    app.include_router(stripe.router)
    app.include_router(sms.router)
    app.include_router(health.router)
    app.include_router(residents.router)
    app.include_router(ledger.router)
    app.include_router(chat_ws.router)
    app.include_router(pages.router)
    app.include_router(inbox.router)
    app.include_router(inbox_collections.router)
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="assets")
    app.add_exception_handler(DoorstepError, _doorstep_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DataError, _out_of_range)
    app.add_exception_handler(OverflowError, _out_of_range)
    app.add_middleware(BodySizeLimit)
    # In front of it all: the chat socket, and Stripe's webhook (behind the same body limit).
    sockets = {chat_ws.CHAT_PATH: chat_ws.CHAT_ROUTE.handle}
    posts = {stripe.WEBHOOK_PATH: BodySizeLimit(stripe.webhook_first)}
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: HotRoutesFirst(build_stack(), sockets=sockets, posts=posts)  # type: ignore[method-assign]
    return app


async def _doorstep_error(_request: Request, exc: Exception) -> JSONResponse:
    """The error's own message; a 422 also lists it under `errors`, like a validation failure."""
    assert isinstance(exc, DoorstepError)
    message = str(exc)
    body = (
        ValidationErrorPublic(detail=message, errors=[message])
        if exc.status_code == 422
        else ErrorPublic(detail=message)
    )
    return JSONResponse(body.model_dump(), status_code=exc.status_code)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    """422 with one readable line per problem, e.g. `body.amount_cents: must be whole cents, not 75.5`."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        message = error["msg"]
        if error["type"] in ("int_type", "int_from_float") and "cents" in where:
            message = f"must be an integer number of cents (got {error.get('input')!r}); $75.50 is 7550"
        problems.append(f"{where}: {message}")
    body = ValidationErrorPublic(detail="; ".join(problems), errors=problems)
    return JSONResponse(body.model_dump(), status_code=422)


async def _out_of_range(_request: Request, exc: Exception) -> JSONResponse:
    """422 for a number no column can hold that reached the database unbounded (an id over INTEGER on
    PostgreSQL, over 64 bits on SQLite): bad input, not a crash. Any other data error stays a 500."""
    if not number_out_of_range(exc):
        raise exc
    message = f"a number in the request is larger than the database holds: ids run from 1 to {MAX_DB_ID}"
    return JSONResponse(ValidationErrorPublic(detail=message, errors=[message]).model_dump(), status_code=422)

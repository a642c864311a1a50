"""`doorstep token mint`: a resident's chat token, as a portal's backend would mint one."""

from __future__ import annotations

from typing import Annotated

import typer

from app.accounts import find_resident
from app.channels.tokens import DEFAULT_TTL_SECONDS, MAX_TTL_SECONDS, mint
from app.cli.common import JsonOpt, app, clear_errors, console, print_json
from app.config import get_settings
from app.db import session_factory
from app.errors import InvalidInput
from app.keys import chat_secret

token_app = typer.Typer(help="Residents' chat tokens.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("mint")
@clear_errors
def mint_token(
    resident: Annotated[str, typer.Option(help="The resident (reference, email or phone).")],
    ttl: Annotated[int, typer.Option(help="Seconds the token stays valid.")] = DEFAULT_TTL_SECONDS,
    as_json: JsonOpt = False,
) -> None:
    """A short-lived signed token (JWT, HS256, DOORSTEP_CHAT_SECRET) for the widget's hello."""
    if not 1 <= ttl <= MAX_TTL_SECONDS:
        raise InvalidInput(f"--ttl must be 1 to {MAX_TTL_SECONDS} seconds")
    settings = get_settings()
    with session_factory(settings)() as session:
        ref = find_resident(session, resident).ref
    minted = mint(ref, secret=chat_secret(settings), ttl_seconds=ttl)
    if as_json:
        print_json({"token": minted.token, "expires_at": minted.expires_at.isoformat()})
    else:
        console.print(minted.token, soft_wrap=True)

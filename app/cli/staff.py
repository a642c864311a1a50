"""`doorstep staff add|list|password`: the accounts that sign in to the inbox at /inbox."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from app.cli.common import JsonOpt, app, clear_errors, console, print_json
from app.config import get_settings
from app.db import session_factory, transaction
from app.errors import InvalidInput
from app.models import StaffUser
from app.staff import ROLES, create_staff, list_staff, set_password

staff_app = typer.Typer(help="Staff accounts for the inbox.", no_args_is_help=True)
app.add_typer(staff_app, name="staff")

PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input (never from the command line, "
        "where other users and shell history can see it).",
    ),
]


def _read_password(from_stdin: bool) -> str:
    if not from_stdin:
        raise InvalidInput("give the password on standard input with --password-stdin")
    line = sys.stdin.readline()
    return line.removesuffix("\n").removesuffix("\r")


def _public(user: StaffUser) -> dict[str, object]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "active": user.active,
        "can_sign_in": bool(user.password_hash) and user.active,
    }


@staff_app.command("add")
@clear_errors
def add(
    email: Annotated[str, typer.Argument(help="The staff member's email: their sign-in name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    password_stdin: PasswordStdinOpt = False,
    name: Annotated[str | None, typer.Option("--name", help="Shown to residents on replies.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a staff account. Roles: agent (conversations, escalations), manager (also payment-plan
    approvals), admin (also staff accounts). Passwords have at least 12 characters."""
    password = _read_password(password_stdin)
    with transaction(session_factory(get_settings())) as session:
        user = create_staff(session, email=email, role=role, password=password, name=name, actor="cli")
        body = _public(user)
    if as_json:
        print_json(body)
    else:
        console.print(f"staff account {body['email']} ({body['role']}) created: sign in at /inbox")


@staff_app.command("list")
@clear_errors
def list_accounts(as_json: JsonOpt = False) -> None:
    """Every staff account, with its role and whether it can sign in."""
    with session_factory(get_settings())() as session:
        rows = [_public(u) for u in list_staff(session)]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "email", "name", "role", "can sign in")
    for row in rows:
        table.add_row(
            str(row["id"]), str(row["email"]), str(row["name"]), str(row["role"]), str(row["can_sign_in"])
        )
    console.print(table)


@staff_app.command("password")
@clear_errors
def password(
    email: Annotated[str, typer.Argument(help="The staff member's email.")],
    password_stdin: PasswordStdinOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Set a new password (from standard input); signs the account out everywhere."""
    secret = _read_password(password_stdin)
    with transaction(session_factory(get_settings())) as session:
        body = _public(set_password(session, email=email, password=secret, actor="cli"))
    if as_json:
        print_json(body)
    else:
        console.print(f"password set for {body['email']}; their other sessions are signed out")

"""`doorstep ledger ...` and `doorstep lease ...`: what residents owe, and changes staff make."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.table import Table

from app.accounts import account_balance, current_lease, find_resident, lease_public
from app.cli.common import (
    AsOfOpt,
    JsonOpt,
    clear_errors,
    console,
    lease_app,
    ledger_app,
    parse_date,
    parse_day,
    print_json,
    today,
)
from app.config import get_settings
from app.db import session_factory, transaction
from app.errors import InvalidInput
from app.leases import LeaseCreate, create_lease
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.types import EntryKind, LateFeeKind
from app.money import format_cents, parse_amount
from app.schemas import BalancePublic, EntryPublic, PaymentPublic

RECENT_ROWS = 12


@ledger_app.command("show")
@clear_errors
def show(
    resident: Annotated[str, typer.Argument(help="Resident reference (R10001), email or phone.")],
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A resident's itemized balance: open charges, payments applied, credit, aging and next due."""
    settings = get_settings()
    day = parse_day(as_of, settings)
    with transaction(session_factory(settings)) as session:
        balance = account_balance(session, resident=find_resident(session, resident), as_of=day)
    if as_json:
        print_json(balance)
    else:
        render_balance(balance)


def render_balance(b: BalancePublic) -> None:
    console.print(
        f"[bold]{b.resident_name}[/bold] ({b.resident_ref}) - {b.property_code} unit {b.unit}, "
        f"lease {b.lease_ref} - as of {b.as_of:%b %d, %Y}",
        highlight=False,
    )
    charges = Table(title="Open charges", title_justify="left")
    for column, justify in (
        ("Due", "left"),
        ("Description", "left"),
        ("Charged", "right"),
        ("Open", "right"),
        ("Days late", "right"),
        ("Aging", "left"),
    ):
        charges.add_column(column, justify=justify)  # type: ignore[arg-type]
    for c in b.open_charges:
        charges.add_row(
            f"{c.date:%b %d, %Y}",
            c.description,
            format_cents(c.amount_cents),
            format_cents(c.open_cents),
            str(c.days_past_due),
            c.bucket,
        )
    if not b.open_charges:
        charges.add_row("", "nothing open", "", "", "", "")
    console.print(charges)
    console.print(_activity_table(b))
    if b.total_cents >= 0:
        console.print(f"[bold]Balance due: {format_cents(b.total_cents)}[/bold]")
    else:
        console.print(f"[bold]Credit balance: {format_cents(-b.total_cents)}[/bold]")
    aging = "  ".join(f"{bucket}: {format_cents(cents)}" for bucket, cents in b.aging.items())
    console.print(f"Aging  {aging}")
    if b.deposit_held_cents:
        console.print(f"Security deposit held: {format_cents(b.deposit_held_cents)}")
    if b.next_due:
        d = b.next_due
        items = " + ".join(f"{i.description} {format_cents(i.amount_cents)}" for i in d.items)
        console.print(
            f"Next due {d.due_on:%b %d, %Y}: {format_cents(d.amount_cents)} ({items}); "
            f"late from {d.late_after:%b %d}, fee {format_cents(d.late_fee_cents)}"
            + (f" growing to at most {format_cents(d.late_fee_max_cents)}" if d.late_fee_max_cents else ""),
            highlight=False,
        )


def _activity_table(b: BalancePublic) -> Table:
    """Recent postings, newest posting first, each with the date it was posted and the date it counts
    from (a payment posted on the 2nd can count from the 31st): the order follows the column shown first.
    A pending payment is listed on the day it was initiated; it counts from nothing until it clears."""
    table = Table(title="Recent activity (newest posting first)", title_justify="left")
    table.add_column("Posted")
    table.add_column("Effective")
    table.add_column("Description")
    table.add_column("Amount", justify="right")
    rows: list[EntryPublic | PaymentPublic] = [*b.pending_payments, *b.recent_activity[:RECENT_ROWS]]
    for row in sorted(rows, key=_posted_on, reverse=True):  # stable: same-day order is kept
        if isinstance(row, PaymentPublic):
            table.add_row(
                f"{row.initiated_on:%b %d, %Y}",
                "pending",
                f"{row.method.upper()} payment (pending, not yet cleared)",
                f"({format_cents(-row.amount_cents)})",
            )
        else:
            table.add_row(
                f"{row.posted_on:%b %d, %Y}",
                f"{row.effective_on:%b %d, %Y}",
                row.description,
                format_cents(row.amount_cents),
            )
    return table


def _posted_on(row: EntryPublic | PaymentPublic) -> date:
    return row.initiated_on if isinstance(row, PaymentPublic) else row.posted_on


@ledger_app.command("post")
@clear_errors
def post(
    resident: Annotated[str, typer.Argument(help="Resident reference (R10001), email or phone.")],
    kind: Annotated[EntryKind, typer.Option(help="What the line is.")],
    amount: Annotated[
        str,
        typer.Option(
            help="Dollars and cents, e.g. 75.00 (credits and payments too: the sign follows the kind)."
        ),
    ],
    description: Annotated[str, typer.Option("--description", "-d", help="What residents will see.")],
    effective: Annotated[str | None, typer.Option(help="Effective date YYYY-MM-DD; default today.")] = None,
    external_id: Annotated[
        str | None, typer.Option(help="Your id for this line: posting it again is a no-op.")
    ] = None,
    actor: Annotated[str, typer.Option(help="Who is posting (recorded in the audit log).")] = "cli",
    as_json: JsonOpt = False,
) -> None:
    """Post one ledger line for a resident's current lease (a correction is a new line, never an edit)."""
    settings = get_settings()
    if kind is EntryKind.REVERSAL:
        raise InvalidInput("post a reversal through the API, naming the entry it reverses")
    cents = parse_amount(amount)
    if cents <= 0:
        raise InvalidInput(
            f"--amount {amount!r} must be more than zero: --kind sets the sign "
            "(a payment or credit lowers the balance), so give the amount itself, e.g. 75.00"
        )
    signed = -cents if kind in (EntryKind.PAYMENT, EntryKind.CREDIT) else cents
    on = parse_day(effective, settings, option="--effective")
    with transaction(session_factory(settings)) as session:
        person = find_resident(session, resident)
        lease = current_lease(session, person, as_of=on)
        posted = post_entry(
            session,
            EntryCreate(
                lease_id=lease.id,
                kind=kind,
                amount_cents=signed,
                effective_on=on,
                description=description,
                source="cli",
                external_id=external_id,
                created_by=actor,
                resident_id=person.id,
            ),
            today=today(settings),
        )
        result = {
            "entry_id": posted.entry.id,
            "created": posted.created,
            "lease": lease.ref,
            "kind": kind.value,
            "amount_cents": signed,
            "effective_on": on.isoformat(),
        }
    if as_json:
        print_json(result)
    else:
        verb = "posted" if posted.created else "already posted (nothing changed)"
        console.print(
            f"{verb}: entry {result['entry_id']} {kind.value} {format_cents(signed)} on lease {lease.ref}"
        )


@lease_app.command("show")
@clear_errors
def lease_show(
    resident: Annotated[str, typer.Argument(help="Resident reference (R10001), email or phone.")],
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A resident's current lease terms."""
    settings = get_settings()
    with transaction(session_factory(settings)) as session:
        lease = current_lease(session, find_resident(session, resident), as_of=parse_day(as_of, settings))
        public = lease_public(session, lease)
    if as_json:
        print_json(public)
        return
    table = Table(show_header=False, title=f"Lease {public.ref}")
    for key, value in public.model_dump().items():
        shown = format_cents(value) if key.endswith("_cents") and isinstance(value, int) else value
        table.add_row(key, str(shown))
    console.print(table)


@lease_app.command("create")
@clear_errors
def lease_create(
    property_code: Annotated[str, typer.Option("--property", help="Property code, e.g. maple-court.")],
    unit: Annotated[str, typer.Option(help="Unit number at that property.")],
    resident: Annotated[list[str], typer.Option(help="Resident on the lease (repeat for roommates).")],
    start: Annotated[str, typer.Option(help="First day YYYY-MM-DD.")],
    rent: Annotated[str | None, typer.Option(help="Monthly rent, e.g. 1850.00. Required.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day YYYY-MM-DD.")] = None,
    due_day: Annotated[int, typer.Option(help="Day of the month rent is due (1-28).")] = 1,
    grace_days: Annotated[int, typer.Option(help="Days after the due date before rent is late.")] = 3,
    late_fee: Annotated[
        str, typer.Option(help="flat:75 | percent:5 | daily:25+10 (initial + per day).")
    ] = "flat:75",
    late_fee_cap: Annotated[str | None, typer.Option(help="Most late fee per month, e.g. 150.")] = None,
    nsf_fee: Annotated[str, typer.Option(help="Returned-payment fee.")] = "0",
    deposit: Annotated[str, typer.Option(help="Security deposit.")] = "0",
    as_json: JsonOpt = False,
) -> None:
    """Create a lease for existing residents on an existing unit."""
    settings = get_settings()
    if rent is None:
        raise InvalidInput("a lease needs its monthly rent: pass --rent, e.g. --rent 1850.00")
    kind, fee = _late_fee(late_fee)
    data = LeaseCreate(
        property_code=property_code,
        unit=unit,
        residents=resident,
        start_on=parse_date(start, option="--start"),
        end_on=parse_date(end, option="--end") if end else None,
        rent_cents=parse_amount(rent),
        due_day=due_day,
        grace_days=grace_days,
        late_fee_kind=kind,
        late_fee_cap_cents=parse_amount(late_fee_cap) if late_fee_cap else None,
        nsf_fee_cents=parse_amount(nsf_fee),
        deposit_cents=parse_amount(deposit),
        **fee,
    )
    with transaction(session_factory(settings)) as session:
        lease = create_lease(session, data, actor="cli", today=today(settings))
        public = lease_public(session, lease)
    if as_json:
        print_json(public)
    else:
        console.print(f"created lease {public.ref}: {public.late_fee_rule}")


def _late_fee(text: str) -> tuple[LateFeeKind, dict[str, int]]:
    kind, _, amount = text.partition(":")
    try:
        fee_kind = LateFeeKind(kind)
    except ValueError as exc:
        raise InvalidInput(f"--late-fee {text!r}: start with flat:, percent: or daily:") from exc
    if fee_kind is LateFeeKind.FLAT:
        return fee_kind, {"late_fee_amount_cents": parse_amount(amount)}
    if fee_kind is LateFeeKind.PERCENT:
        return fee_kind, {"late_fee_percent_bp": parse_amount(amount)}  # 5 -> 500 basis points
    initial, _, daily = amount.rpartition("+")
    return fee_kind, {
        "late_fee_amount_cents": parse_amount(initial or "0"),
        "late_fee_daily_cents": parse_amount(daily),
    }

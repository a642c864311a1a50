"""Planning a rent-roll or aged-receivables import: a dated snapshot of the PM's view, kept and compared.

Nothing here posts to the ledger. Each row is recorded (once: its natural key is the report's date with
the row's property, unit and resident) and read against Doorstep: the lease it is about, the balance the
ledger detail gives on the report's date, the lease's rent, deposit and dates, and the same row in the
previous import of the source. What disagrees is flagged for staff; nothing is corrected on either side.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from app.imports.mapping import BUCKETS
from app.imports.matching import names_in, normalize_text
from app.imports.plan import (
    Context,
    Fate,
    PlannedRow,
    balance_through,
    digest,
    ledger_sums,
    previous_rows,
    seen_keys,
    stored,
)
from app.imports.reading import Row
from app.imports.types import FlagKind, ImportKind
from app.money import format_cents

_COMPARED = {
    "resident": "resident",
    "status": "status",
    "rent": "rent",
    "deposit": "deposit",
    "lease_from": "lease from",
    "lease_to": "lease to",
    "move_out": "move-out",
    "balance": "balance",
    "total_unpaid": "total unpaid",
    "prepaid": "prepaid",
}
"""Fields whose change since the previous import is worth a flag, with the words for them."""


def plan_report(ctx: Context) -> None:
    rows = [(row, _vacant(ctx, row)) for row in ctx.sheet.rows]
    for row, vacant in rows:
        _required(ctx, row, vacant)
    ctx.problems.raise_if_any()
    occurrences: dict[str, int] = defaultdict(int)
    planned = [_keyed(ctx, row, vacant, occurrences) for row, vacant in rows]
    seen = seen_keys(ctx.session, source=ctx.source, kind=ctx.kind, keys=[p.natural_key for p in planned])
    for p in planned:
        if p.content_hash in seen.get(p.natural_key, set()):
            p.fate = Fate.UNCHANGED
    ctx.plan.rows.extend(planned)
    _duplicates(ctx, planned)
    _balances(ctx, planned)
    _lease_terms(ctx, planned)
    _credits(ctx, planned)
    _changes(ctx, planned)


def _vacant(ctx: Context, row: Row) -> bool:
    if ctx.kind is not ImportKind.RENT_ROLL:
        return False
    resident, status = row.values.get("resident"), row.values.get("status")
    vacant = {v.strip().casefold() for v in ctx.section.vacant}
    return not resident or resident.casefold() in vacant or (status or "").casefold() in vacant


def _required(ctx: Context, row: Row, vacant: bool) -> None:
    needed = ["unit"] if vacant else ["unit", "resident"]
    needed.append("rent" if ctx.kind is ImportKind.RENT_ROLL and not vacant else "")
    needed.append("balance" if ctx.kind is ImportKind.AGED_RECEIVABLES else "")
    for name in filter(None, needed):
        if row.values.get(name) is None:
            what = "an occupied unit's row" if ctx.kind is ImportKind.RENT_ROLL else "every row"
            ctx.problems.add(row.number, ctx.sheet.column(name), f"empty: {what} needs it")


def _keyed(ctx: Context, row: Row, vacant: bool, occurrences: dict[str, int]) -> PlannedRow:
    v = row.values
    names = names_in(v.get("resident"))
    who = "vacant" if vacant else (normalize_text(v.get("resident_code") or "") or "+".join(sorted(names)))
    base = f"{normalize_text(v.get('property') or '')}|{normalize_text(v['unit'])}|{who}"
    occurrences[base] += 1
    identity = f"{base}#{occurrences[base]}"
    data = stored({**v, "vacant": vacant or None})
    planned = PlannedRow(
        number=row.number,
        fate=Fate.CREATED,
        natural_key=digest(f"{ctx.as_of.isoformat()}|{identity}"),
        identity_key=digest(identity),
        content_hash=digest(data),
        lease_id=None,
        data=data,
    )
    if vacant:
        return planned
    match = ctx.directory.match(prop=v.get("property"), unit=v["unit"], names=names, on=ctx.as_of)
    if match.lease is None:
        ctx.flag(row.number, FlagKind.NO_LEASE, f"{match.problem}", None)
    else:
        planned.lease_id = match.lease.id
    return planned


def _duplicates(ctx: Context, planned: list[PlannedRow]) -> None:
    """The same resident on two rows of the report, the same lease on two rows, and residents entered
    twice on a lease in Doorstep."""
    by_person: dict[str, PlannedRow] = {}
    by_lease: dict[int, PlannedRow] = {}
    for p in planned:
        if p.data.get("vacant"):
            continue
        code = normalize_text(str(p.data.get("resident_code") or ""))
        for person in [f"code:{code}"] if code else [f"name:{n}" for n in names_in(p.data.get("resident"))]:
            earlier = by_person.setdefault(person, p)
            if earlier is not p:
                ctx.flag(
                    p.number,
                    FlagKind.DUPLICATE_RESIDENT,
                    f"{p.data.get('resident')} is also on row {earlier.number} "
                    f"(unit {earlier.data.get('unit')})",
                    p.lease_id,
                )
                break
        if p.lease_id is not None:
            first = by_lease.setdefault(p.lease_id, p)
            if first is not p:
                ctx.flag(
                    p.number,
                    FlagKind.DUPLICATE_RESIDENT,
                    f"row {first.number} is about the same lease: one household listed twice",
                    p.lease_id,
                )
            elif problem := ctx.directory.duplicates(p.lease_id):
                ctx.flag(p.number, FlagKind.DUPLICATE_RESIDENT, problem, p.lease_id)


def _balances(ctx: Context, planned: list[PlannedRow]) -> None:
    """A report's own figures against each other (aging buckets, totals, prepaid) and its balance per
    lease against Doorstep's ledger detail on the report's date."""
    for p in planned:
        if ctx.kind is ImportKind.AGED_RECEIVABLES:
            if problem := _internal(p.data):
                ctx.flag(p.number, FlagKind.BALANCE_MISMATCH, problem, p.lease_id)
    stated: dict[int, list[PlannedRow]] = defaultdict(list)
    for p in planned:
        if p.lease_id is not None and p.data.get("balance") is not None:
            stated[p.lease_id].append(p)
    sums = ledger_sums(ctx.session, set(stated))
    for lease_id, rows in stated.items():
        theirs = sum(int(p.data["balance"]) for p in rows)
        ours = balance_through(sums.get(lease_id, []), ctx.as_of)
        if theirs != ours:
            ctx.flag(
                rows[0].number,
                FlagKind.BALANCE_MISMATCH,
                f"the report's balance is {format_cents(theirs)}; Doorstep's ledger detail on "
                f"{ctx.as_of} adds to {format_cents(ours)} (a difference of "
                f"{format_cents(theirs - ours, signed=True)})",
                lease_id,
            )


def _internal(data: dict[str, Any]) -> str | None:
    buckets = [data.get(b) for b in BUCKETS]
    balance, prepaid, unpaid = data.get("balance"), data.get("prepaid") or 0, data.get("total_unpaid")
    if unpaid is not None and balance is not None and unpaid + prepaid != balance:
        return (
            f"the report's total unpaid {format_cents(unpaid)} and prepaid {format_cents(prepaid)} do not "
            f"make its balance {format_cents(balance)}"
        )
    if any(b is not None for b in buckets):
        aged = sum(b or 0 for b in buckets)
        owed = unpaid if unpaid is not None else (balance or 0) - prepaid
        if aged != owed:
            return (
                f"the report's aging buckets add to {format_cents(aged)}, "
                f"not the {format_cents(owed)} it says is owed"
            )
    return None


def _lease_terms(ctx: Context, planned: list[PlannedRow]) -> None:
    if ctx.kind is not ImportKind.RENT_ROLL:
        return
    for p in planned:
        if p.lease_id is None:
            continue
        lease, d = ctx.directory.leases[p.lease_id], p.data
        differences = []
        if d.get("rent") is not None and d["rent"] != lease.rent_cents:
            differences.append(
                f"rent {format_cents(d['rent'])} here, {format_cents(lease.rent_cents)} on the lease"
            )
        if d.get("deposit") is not None and d["deposit"] != lease.deposit_cents:
            differences.append(
                f"deposit {format_cents(d['deposit'])} here, {format_cents(lease.deposit_cents)} on the lease"
            )
        for name, ours, words in (
            ("lease_from", lease.start_on, "starts"),
            ("lease_to", lease.end_on, "ends"),
        ):
            if d.get(name) and d[name] != (ours.isoformat() if ours else None):
                differences.append(f"lease {words} {d[name]} here, {ours or 'open'} in Doorstep")
        if differences:
            ctx.flag(p.number, FlagKind.LEASE_MISMATCH, "; ".join(differences), p.lease_id)


def _credits(ctx: Context, planned: list[PlannedRow]) -> None:
    for p in planned:
        prepaid, balance = p.data.get("prepaid") or 0, p.data.get("balance")
        if prepaid:
            detail = f"prepaid {format_cents(-prepaid)} held as a credit"
            ctx.flag(p.number, FlagKind.CREDIT, detail, p.lease_id)
        elif balance is not None and balance < 0:
            ctx.flag(p.number, FlagKind.CREDIT, f"a credit balance of {format_cents(-balance)}", p.lease_id)


def _changes(ctx: Context, planned: list[PlannedRow]) -> None:
    """What differs from the same row of the previous import of this source (a move-in, a new balance,
    a renewal): a recently changed account is not one to chase."""
    if ctx.previous is None:
        return
    before = previous_rows(ctx.session, ctx.previous)
    label = ctx.previous_label()
    for p in planned:
        old = before.get(p.identity_key)
        if old is None:
            if not p.data.get("vacant"):
                ctx.flag(p.number, FlagKind.CHANGED, f"not in {label}", p.lease_id)
            continue
        changes = [
            f"{words} {_shown(name, old.get(name))} -> {_shown(name, p.data.get(name))}"
            for name, words in _COMPARED.items()
            if old.get(name) != p.data.get(name)
        ]
        if changes:
            ctx.flag(p.number, FlagKind.CHANGED, f"since {label}: {'; '.join(changes)}", p.lease_id)


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "none"
    if name in ("rent", "deposit", "balance", "total_unpaid", "prepaid") and isinstance(value, int):
        return format_cents(value)
    return str(value)

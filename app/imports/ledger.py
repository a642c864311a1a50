"""Planning a tenant-ledger import: each line of the PM's ledger becomes a Doorstep ledger line, once.

A line is a charge (classified by the mapping: rent, late fee, NSF fee, other), a credit (a negative
charge: a concession or adjustment), a payment, or a returned payment (a negative payment: a reversal
of the payment it returns, found on the lease by amount). Security-deposit lines are posted as the PM
carries them in the receivable, with the charge code `deposit`, and flagged: Doorstep's deposit-held
figure is not moved by an import.

Natural key: the PM's transaction number when the export has one (Yardi's Chg/Rec), else the line's
property, unit, residents, date, code, description and amount, with its occurrence among identical lines
of the file. A key seen before is unchanged; a transaction number seen before with other content was
edited in the PM, which Doorstep never does to a posted line: it is flagged and left for staff.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from pydantic import ValidationError
from sqlalchemy import select

from app.imports.matching import names_in, normalize_text
from app.imports.plan import (
    Context,
    Fate,
    PlannedRow,
    balance_through,
    digest,
    ledger_sums,
    seen_keys,
    stored,
)
from app.imports.reading import Row
from app.imports.types import FlagKind
from app.ledger.posting import EntryCreate
from app.ledger.types import EntryKind
from app.models import LedgerEntry
from app.money import format_cents

PLACEHOLDER_ID = 1
"""`EntryCreate` wants the id a reversal reverses; a payment of the same file has none until it is
written, so validation sees this stand-in and the writer fills the real id."""
_KINDS = {
    "rent": EntryKind.RENT,
    "late_fee": EntryKind.LATE_FEE,
    "nsf_fee": EntryKind.NSF_FEE,
}
_FIELD_COLUMNS = {
    "description": "description",
    "effective_on": "date",
    "charge_code": "code",
}


@dataclass(frozen=True, slots=True)
class Line:
    """A ledger row read and classified, before it is matched to what Doorstep already has."""

    row: Row
    kind: EntryKind
    amount: int
    """Signed cents as Doorstep stores them: charges positive, payments and credits negative."""
    charge_code: str | None
    amount_column: str
    flag: tuple[FlagKind, str] | None


def plan_ledger(ctx: Context) -> None:
    lines = [line for row in ctx.sheet.rows if (line := _line(ctx, row)) is not None]
    ctx.problems.raise_if_any()
    occurrences: dict[str, int] = defaultdict(int)
    planned: list[tuple[Line, PlannedRow]] = []
    for line in lines:
        planned.append((line, _keyed(ctx, line, occurrences)))
    ctx.problems.raise_if_any()
    _against_earlier_imports(ctx, planned)
    _entries(ctx, planned)
    ctx.problems.raise_if_any()
    ctx.plan.rows.extend(p for _, p in planned)
    _check_balances(ctx, planned)
    _check_duplicates(ctx, planned)


def _line(ctx: Context, row: Row) -> Line | None:
    v, sheet = row.values, ctx.sheet
    for name in ("unit", "date", "description"):
        if v.get(name) is None:
            ctx.problems.add(row.number, sheet.column(name), "empty: every ledger line needs it")
    if "amount" in ctx.section.columns:
        signed, column = v.get("amount"), sheet.column("amount")
        from_payment = None
    else:
        charge, payment = v.get("charge") or 0, v.get("payment") or 0
        if charge and payment:
            ctx.problems.add(row.number, sheet.column("payment"), "a line with both a charge and a payment")
            return None
        from_payment = bool(payment)
        signed = -payment if payment else charge
        column = sheet.column("payment" if payment else "charge")
    if not signed:
        ctx.plan.skipped += 1  # a zero line moves nothing
        return None
    code = v.get("code")
    label = code if "code" in ctx.section.columns else v.get("description")
    cls = _classify(ctx, label or "")
    charge_code = code or (cls if cls in ("rent", "late_fee", "nsf_fee", "deposit") else None)
    description = v.get("description") or ""
    if from_payment or (from_payment is None and cls == "payment"):
        kind = EntryKind.PAYMENT if signed < 0 else EntryKind.REVERSAL
        return Line(row, kind, signed, code, column, None)
    if cls == "deposit":
        kind = EntryKind.CHARGE if signed > 0 else EntryKind.CREDIT
        detail = (
            f"security deposit line of {format_cents(signed, signed=True)} ({description}) posted to the "
            "receivable as the PM carries it; Doorstep's deposit held is unchanged: check the deposit"
        )
        return Line(row, kind, signed, "deposit", column, (FlagKind.DEPOSIT, detail))
    if signed < 0:
        detail = f"credit of {format_cents(-signed)} applied ({description})"
        return Line(row, EntryKind.CREDIT, signed, charge_code, column, (FlagKind.CREDIT, detail))
    return Line(row, _KINDS.get(cls or "", EntryKind.CHARGE), signed, charge_code, column, None)


def _classify(ctx: Context, label: str) -> str | None:
    if label not in ctx.classes:
        ctx.classes[label] = next((name for name, pattern in ctx.patterns if pattern.search(label)), None)
    return ctx.classes[label]


def _keyed(ctx: Context, line: Line, occurrences: dict[str, int]) -> PlannedRow:
    v = line.row.values
    names = names_in(v.get("resident"))
    where = [normalize_text(v.get("property") or ""), normalize_text(v["unit"]), "+".join(sorted(names))]
    # What the export says, and only that: a change to the mapping's classification must not make an
    # old line look new (it would be posted twice).
    facts = [
        *where,
        v["date"].isoformat(),
        line.amount,
        normalize_text(v.get("code") or ""),
        normalize_text(v["description"]),
    ]
    content = [*facts, line.kind.value]
    txn = v.get("transaction_id")
    if txn:
        identity = f"txn|{where[0]}|{txn}"
    else:
        base = "|".join(str(part) for part in facts)
        occurrences[base] += 1
        identity = f"{base}#{occurrences[base]}"
    match = ctx.directory.match(prop=v.get("property"), unit=v["unit"], names=names, on=v["date"])
    natural_key = digest(identity)
    data = stored(
        {
            **{k: val for k, val in v.items() if k not in ("charge", "payment", "amount")},
            "kind": line.kind.value,
            "amount_cents": line.amount,
        }
    )
    planned = PlannedRow(
        number=line.row.number,
        fate=Fate.CREATED,
        natural_key=natural_key,
        identity_key=natural_key,
        content_hash=digest(content),
        lease_id=match.lease.id if match.lease else None,
        data=data,
    )
    if match.lease is None:
        planned.fate = Fate.NOT_APPLIED
        ctx.flag(line.row.number, FlagKind.NO_LEASE, f"{match.problem}: the line was not posted")
    elif line.flag is not None:
        ctx.flag(line.row.number, line.flag[0], line.flag[1], match.lease.id)
    return planned


def _against_earlier_imports(ctx: Context, planned: list[tuple[Line, PlannedRow]]) -> None:
    applicable = [p for _, p in planned if p.fate is Fate.CREATED]
    seen = seen_keys(ctx.session, source=ctx.source, kind=ctx.kind, keys=[p.natural_key for p in applicable])
    in_file: dict[str, PlannedRow] = {}
    for line, p in planned:
        if p.fate is not Fate.CREATED:
            continue
        earlier = in_file.get(p.natural_key)
        if earlier is not None:
            if earlier.content_hash != p.content_hash:
                ctx.problems.add(
                    p.number,
                    ctx.sheet.column("transaction_id"),
                    f"transaction {line.row.values.get('transaction_id')!r} is also on row {earlier.number} "
                    "with other content",
                )
            p.fate = Fate.UNCHANGED
            continue
        in_file[p.natural_key] = p
        contents = seen.get(p.natural_key)
        if contents is None:
            continue
        if p.content_hash in contents:
            p.fate = Fate.UNCHANGED
            continue
        p.fate = Fate.NOT_APPLIED
        ctx.flag(
            p.number,
            FlagKind.CHANGED,
            f"transaction {line.row.values.get('transaction_id')!r} was imported before with other content "
            f"and changed in the PM since ({format_cents(line.amount, signed=True)} on "
            f"{line.row.values['date']}); posted lines are never edited: post a correction",
            p.lease_id,
        )
    if ctx.previous is not None:
        cutoff = ctx.previous.as_of
        for line, p in planned:
            if p.fate is Fate.CREATED and line.row.values["date"] <= cutoff:
                ctx.flag(
                    p.number,
                    FlagKind.CHANGED,
                    f"new line dated {line.row.values['date']}, on or before {ctx.previous_label()}: "
                    "entered or backdated in the PM since",
                    p.lease_id,
                )


def _entries(ctx: Context, planned: list[tuple[Line, PlannedRow]]) -> None:
    """Validate every new line as a posting (`EntryCreate`: the ledger's own rules) and link returned
    payments to the payments they return."""
    payments = _open_payments(ctx, [(line, p) for line, p in planned if line.kind is EntryKind.REVERSAL])
    in_file: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
    # In date order (returns after the day's payments), whichever way the export is sorted.
    for line, p in sorted(
        planned, key=lambda lp: (lp[0].row.values["date"], lp[0].kind is EntryKind.REVERSAL)
    ):
        if p.fate is not Fate.CREATED or p.lease_id is None:
            continue
        v = line.row.values
        reverses_id = None
        if line.kind is EntryKind.PAYMENT:
            in_file[p.lease_id].append((v["date"], line.amount, p.natural_key))
        elif line.kind is EntryKind.REVERSAL:
            reverses_id = _reversal_target(ctx, line, p, in_file, payments)
            if reverses_id is None:
                continue
        payer = names_in(v.get("payer")) or names_in(v.get("resident"))
        resident_id = (
            ctx.directory.resident_named(p.lease_id, payer)
            if line.kind in (EntryKind.PAYMENT, EntryKind.REVERSAL)
            else None
        )
        try:
            entry = EntryCreate(
                lease_id=p.lease_id,
                kind=line.kind,
                amount_cents=line.amount,
                effective_on=v["date"],
                description=v["description"],
                charge_code=line.charge_code,
                source=f"import-{ctx.source}",
                reverses_id=reverses_id,
                resident_id=resident_id,
            )
        except ValidationError as exc:
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else ""
                column = line.amount_column
                if name in _FIELD_COLUMNS:
                    column = ctx.sheet.column(_FIELD_COLUMNS[name])
                ctx.problems.add(p.number, column, str(error["msg"]))
            continue
        p.entry = {
            **entry.model_dump(exclude={"kind"}),
            "kind": line.kind.value,
            "posted_on": ctx.today,
            # Made here, not typed by anyone: a hex digest and the actor the caller checked.
            "external_id": p.natural_key,
            "created_by": ctx.actor,
        }
        if p.reverses_key is not None:
            p.entry["reverses_id"] = None


def _open_payments(
    ctx: Context, reversals: list[tuple[Line, PlannedRow]]
) -> dict[int, list[tuple[date, int, int]]]:
    """Lease -> [(date, amount, id)] of its posted payments that no line reverses yet, for the leases
    with a returned payment in the file."""
    lease_ids = sorted({p.lease_id for _, p in reversals if p.lease_id is not None})
    out: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    if not lease_ids:
        return out
    reversed_ids = select(LedgerEntry.reverses_id).where(LedgerEntry.reverses_id.is_not(None))
    rows = ctx.session.execute(
        select(LedgerEntry.lease_id, LedgerEntry.effective_on, LedgerEntry.amount_cents, LedgerEntry.id)
        .where(LedgerEntry.lease_id.in_(lease_ids), LedgerEntry.kind == EntryKind.PAYMENT.value)
        .where(LedgerEntry.id.not_in(reversed_ids))
        .order_by(LedgerEntry.id)
    )
    for lease_id, day, amount, entry_id in rows:
        out[lease_id].append((day, amount, entry_id))
    return out


def _reversal_target(
    ctx: Context,
    line: Line,
    p: PlannedRow,
    in_file: dict[int, list[tuple[date, int, str]]],
    posted: dict[int, list[tuple[date, int, int]]],
) -> int | None:
    """The latest payment of the returned amount on the lease, on or before the return: one of this
    file's (linked when written) or one already posted. None (and a problem) when there is none."""
    assert p.lease_id is not None
    day, wanted = line.row.values["date"], -line.amount
    mine = [c for c in in_file[p.lease_id] if c[1] == wanted and c[0] <= day]
    if mine:
        chosen = max(mine, key=lambda c: c[0])
        in_file[p.lease_id].remove(chosen)
        p.reverses_key = chosen[2]
        return PLACEHOLDER_ID
    theirs = [c for c in posted.get(p.lease_id, []) if c[1] == wanted and c[0] <= day]
    if theirs:
        chosen_posted = max(theirs, key=lambda c: (c[0], c[2]))
        posted[p.lease_id].remove(chosen_posted)
        return chosen_posted[2]
    ref = ctx.directory.leases[p.lease_id].ref
    ctx.problems.add(
        p.number,
        line.amount_column,
        f"a returned payment of {format_cents(line.amount)} matches no payment of that amount on lease "
        f"{ref} on or before {day}: Doorstep reverses a payment by naming it",
    )
    return None


def _check_balances(ctx: Context, planned: list[tuple[Line, PlannedRow]]) -> None:
    """The export's running balance against its own lines, and its latest balance per lease against
    Doorstep's ledger detail once this import is in."""
    if "balance" not in ctx.section.columns:
        return
    by_lease: dict[int, list[tuple[Line, PlannedRow]]] = defaultdict(list)
    for line, p in planned:
        if p.lease_id is not None and p.fate is not Fate.NOT_APPLIED:
            by_lease[p.lease_id].append((line, p))
    sums = ledger_sums(ctx.session, set(by_lease))
    for lease_id, rows in by_lease.items():
        if rows[0][0].row.values["date"] > rows[-1][0].row.values["date"]:
            rows = rows[::-1]  # exported newest first
        previous: int | None = None
        for line, p in rows:
            stated = line.row.values.get("balance")
            if stated is None:
                continue
            if previous is not None and previous + line.amount != stated:
                ctx.flag(
                    p.number,
                    FlagKind.BALANCE_MISMATCH,
                    f"the export's running balance goes from {format_cents(previous)} to "
                    f"{format_cents(stated)} on a line of {format_cents(line.amount, signed=True)}",
                    lease_id,
                )
            previous = stated
        _check_final_balance(ctx, lease_id, rows, sums.get(lease_id, []))


def _check_final_balance(
    ctx: Context, lease_id: int, rows: list[tuple[Line, PlannedRow]], sums: list[tuple[date, int]]
) -> None:
    stated_rows = [(line, p) for line, p in rows if line.row.values.get("balance") is not None]
    if not stated_rows:
        return
    # The latest line, and of several on that day the last one: its balance includes the others.
    _, (last_line, last) = max(enumerate(stated_rows), key=lambda il: (il[1][0].row.values["date"], il[0]))
    day: date = last_line.row.values["date"]
    stated: int = last_line.row.values["balance"]
    new = sum(line.amount for line, p in rows if p.fate is Fate.CREATED and line.row.values["date"] <= day)
    ours = balance_through(sums, day) + new
    if ours != stated:
        ctx.flag(
            last.number,
            FlagKind.BALANCE_MISMATCH,
            f"the export's balance on {day} is {format_cents(stated)}; Doorstep's ledger detail for the "
            f"lease adds to {format_cents(ours)} "
            f"(a difference of {format_cents(stated - ours, signed=True)})",
            lease_id,
        )


def _check_duplicates(ctx: Context, planned: list[tuple[Line, PlannedRow]]) -> None:
    first_row: dict[int, int] = {}
    for _, p in planned:
        if p.lease_id is not None:
            first_row.setdefault(p.lease_id, p.number)
    for lease_id, number in first_row.items():
        if problem := ctx.directory.duplicates(lease_id):
            ctx.flag(number, FlagKind.DUPLICATE_RESIDENT, problem, lease_id)

"""`run_collections`: one day of the ladder over every account that owes, inside the caller's transaction.

1. Claim the day (`collection_runs` is unique by day): a second run that day does nothing and returns the
   first one's reconciliation; a day earlier than the latest run is refused (runs go forward).
2. Gather every owing account's facts (`facts.gather`), classify its readiness, work out which steps of
   its period fall due and whether each may fire (`ladder.decide`).
3. For an account with a step to fire, read its money again (the ledger and pending payments now) and
   decide again: the cleared amount must still fall short, and readiness still allow it, just before it
   fires. Each step is claimed by its unique key (lease, period, step) before it does anything.
4. Fire: a late fee is a ledger line (`app.ledger.posting`, source `collections`, audited by the posting);
   a notice is a PDF from its template, stored under the data directory; a reminder and the legal queue
   are the step's row, which outreach and staff read.
5. Store the steps and each account's readiness for the run (what changed since the last run is read
   from these), and the reconciliation, with one audit line for the run that lists every step fired with
   what it checked and made (amounts, the fee's ledger line, the notice's path and SHA-256): one line, not
   one per step, because a busy day fires a thousand steps and each line costs a round of statements.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import audit
from app.collections import notices
from app.collections.config import DEFAULT, LadderConfig, load_configs
from app.collections.facts import LADDER_SOURCE, Account, AccountFacts, gather, refresh, with_period
from app.collections.ladder import (
    CLOCK,
    NOTICES,
    Decision,
    PreDue,
    Step,
    decide,
    decide_pre_due,
    fee_cents,
    fee_terms,
    schedule,
)
from app.collections.notice_rules import NoticeRule, notice_rule_for
from app.collections.position import previous_period
from app.collections.pre_due import RiskScorer, in_window, model_risk, read_risk, upcoming_charges
from app.collections.readiness import Classification, Readiness, classify_readiness
from app.collections.schemas import (
    AdvancedAccount,
    FeePosted,
    LegalQueued,
    NoticeMade,
    PreDueFired,
    RunReport,
    Skipped,
)
from app.errors import Conflict, InvalidInput
from app.formatting import MONTHS_EN, MONTHS_ES
from app.ledger.balance import summarize_balance
from app.ledger.jurisdictions import jurisdiction_for
from app.ledger.posting import EntryCreate, post_entry
from app.ledger.types import Entry, EntryKind
from app.models import CollectionRun, CollectionStep, Property, ReadinessRecord
from app.money import format_cents
from app.risk.outreach import order_reminders

_AUDITED = (
    "lease_id",
    "period_on",
    "step",
    "fired_on",
    "readiness",
    "owed_cents",
    "cleared_cents",
    "short_cents",
    "pending_cents",
    "amount_cents",
    "ledger_entry_id",
    "document_path",
    "document_sha256",
    "template",
)
"""What each step's audit line carries: its unique key (lease, period, step) and everything it checked."""
STEP_LOOKBACK_DAYS = 70
"""Steps of periods this far back are read: the current period's and the previous one's."""


def run_collections(
    session: Session,
    *,
    run_on: date,
    today: date,
    data_dir: Path,
    actor: str = "collections",
    risk: RiskScorer | None = None,
) -> RunReport:
    """Run the ladder for `run_on` (at most `today`, the posting date of any fee). `risk` scores the
    households in their pre-due days (default: the ledger's model, cached under `data_dir/models`)."""
    if run_on > today:
        raise InvalidInput(f"collections cannot run for {run_on}: that day has not come (today is {today})")
    done = session.scalars(select(CollectionRun).where(CollectionRun.run_on == run_on)).first()
    if done is not None:
        return RunReport.model_validate({**done.report, "already_ran": True})
    latest = session.scalar(select(func.max(CollectionRun.run_on)))
    if latest is not None and latest > run_on:
        raise InvalidInput(f"collections already ran for {latest}: a run cannot go back to {run_on}")
    run = CollectionRun(run_on=run_on, actor=actor, accounts=0, report={})
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"another collections run for {run_on} is under way or has just finished") from exc
    scorer = risk if risk is not None else model_risk(data_dir / "models")
    return _Run(session, run, today=today, data_dir=data_dir, actor=actor, risk=scorer).go()


class _Run:
    def __init__(
        self,
        session: Session,
        run: CollectionRun,
        *,
        today: date,
        data_dir: Path,
        actor: str,
        risk: RiskScorer,
    ) -> None:
        self.session = session
        self.run = run
        self.run_on = run.run_on
        self.today = today
        self.data_dir = data_dir
        self.actor = actor
        self.configs = load_configs(session)
        self.properties = {p.id: p for p in session.scalars(select(Property))}
        self.advanced: list[AdvancedAccount] = []
        self.fees: list[FeePosted] = []
        self.notices: list[NoticeMade] = []
        self.legal: list[LegalQueued] = []
        self.skipped: list[Skipped] = []
        self.readiness_rows: list[dict[str, Any]] = []
        self.step_rows: list[dict[str, Any]] = []
        self.writer = notices.Writer(data_dir)
        self.risk = risk
        self.pre_due: list[PreDueFired] = []
        self.pre_due_unscored: str | None = None

    def config(self, facts: AccountFacts) -> LadderConfig:
        return self.configs.get(facts.property_id, DEFAULT)

    # -- the run ----------------------------------------------------------------------------------------

    def go(self) -> RunReport:
        accounts = gather(self.session, as_of=self.run_on, configs=self.configs, default=DEFAULT)
        fired = self._fired(list(accounts))
        try:
            for account in accounts.values():
                self._account(account, fired.get(account.facts.lease_id, {}))
        finally:
            self.writer.close()
        self._pre_due_reminders()
        if self.readiness_rows:
            self.session.execute(insert(ReadinessRecord), self.readiness_rows)
        if self.step_rows:
            try:
                with self.session.begin_nested():
                    self.session.execute(insert(CollectionStep), self.step_rows)
            except IntegrityError as exc:  # a run for another day fired one of these steps meanwhile
                raise Conflict(
                    "another collections run fired some of these steps at the same time: nothing was done "
                    "by this one; run it again"
                ) from exc
        counts = Counter(row["status"] for row in self.readiness_rows)
        report = RunReport(
            run_on=self.run_on,
            run_id=self.run.id,
            already_ran=False,
            accounts=len(self.readiness_rows),
            readiness={status.value: counts.get(status.value, 0) for status in Readiness},
            changed=self._changed(),
            advanced=self.advanced,
            fees=self.fees,
            fees_cents=sum(f.amount_cents for f in self.fees),
            notices=self.notices,
            legal_queue=self.legal,
            skipped=self.skipped,
            skipped_counts=dict(sorted(Counter(s.reason for s in self.skipped).items())),
            pre_due=self.pre_due,
            pre_due_unscored=self.pre_due_unscored,
        )
        self.run.accounts = report.accounts
        self.run.report = report.model_dump(mode="json")
        audit.record(
            self.session,
            actor=self.actor,
            action="collections.run",
            subject=f"collections-run:{self.run.id}",
            data={
                "run_on": self.run_on,
                "accounts": report.accounts,
                "readiness": report.readiness,
                "steps": sum(len(a.steps) for a in report.advanced),
                "fees_cents": report.fees_cents,
                "notices": len(report.notices),
                "legal_queue": len(report.legal_queue),
                "pre_due": len(report.pre_due),
                "skipped": report.skipped_counts,
                # Every step fired, with what it checked and made: the notice's SHA-256, the fee's ledger
                # line (which also has its own line, written by the posting).
                "fired": [{k: row[k] for k in _AUDITED} for row in self.step_rows],
            },
        )
        self.session.flush()
        return report

    def _fired(self, lease_ids: list[int]) -> dict[int, dict[date, dict[Step, date]]]:
        """Steps already fired for these leases, recent periods only: lease -> period -> step -> day."""
        out: dict[int, dict[date, dict[Step, date]]] = defaultdict(lambda: defaultdict(dict))
        if not lease_ids:
            return out
        since = self.run_on - timedelta(days=STEP_LOOKBACK_DAYS)
        wanted = set(lease_ids)
        rows = self.session.execute(
            select(
                CollectionStep.lease_id,
                CollectionStep.period_on,
                CollectionStep.step,
                CollectionStep.fired_on,
            ).where(CollectionStep.period_on >= since)
        )
        for lease_id, period_on, step, fired_on in rows:
            if lease_id in wanted:
                out[lease_id][period_on][Step(step)] = fired_on
        return out

    def _changed(self) -> int:
        previous = self.session.scalar(
            select(CollectionRun.id)
            .where(CollectionRun.run_on < self.run_on)
            .order_by(CollectionRun.run_on.desc())
            .limit(1)
        )
        before = (
            dict(
                self.session.execute(
                    select(ReadinessRecord.lease_id, ReadinessRecord.status).where(
                        ReadinessRecord.run_id == previous
                    )
                ).all()
            )
            if previous is not None
            else {}
        )
        now = {row["lease_id"]: row["status"] for row in self.readiness_rows}
        return sum(1 for lease in before.keys() | now.keys() if before.get(lease) != now.get(lease))

    # -- pre-due reminders ------------------------------------------------------------------------------

    def _pre_due_reminders(self) -> None:
        """The leases in their pre-due days whose household the risk score marks: each one's account read
        now (fees this run posted included), decided (`decide_pre_due`), and fired riskiest first."""
        window = in_window(self.session, on=self.run_on, configs=self.configs, default=DEFAULT)
        fired = self._fired(list(window))
        window = {
            lease: due
            for lease, due in window.items()
            if Step.PRE_DUE not in fired.get(lease, {}).get(due, {})
        }
        risk, self.pre_due_unscored = read_risk(self.session, self.risk, sorted(window), on=self.run_on)
        lowest = min(c.pre_due_min_risk_bp for c in (DEFAULT, *self.configs.values()))
        marked = sorted(lease for lease in window if risk.get(lease, -1) >= lowest)
        if not marked:
            return
        accounts = gather(
            self.session, as_of=self.run_on, configs=self.configs, default=DEFAULT, lease_ids=marked
        )
        upcoming = upcoming_charges(self.session, marked)
        decided: list[tuple[Account, Classification, Decision]] = []
        for lease in marked:
            account = accounts.get(lease)
            if account is None:
                continue
            config = self.config(account.facts)
            readiness = classify_readiness(account.facts, config)
            pre = PreDue(lease, window[lease], upcoming.get(lease, 0), risk[lease])
            decision = decide_pre_due(account.facts, readiness, pre, config=config, fired=False)
            if decision is not None:
                decided.append((account, readiness, decision))
        ordered = order_reminders(decided, risk, key=lambda item: (item[0].facts.lease_id, item[2].period_on))
        for account, readiness, decision in ordered:
            facts = account.facts
            if not decision.fire:
                self._skip(facts.lease_ref, decision)
                continue
            amount = decision.amount_cents or 0
            self.step_rows.append(
                {
                    **self._step_row(facts, readiness, decision),
                    # Owed on the due date: what is open now and what falls due, against what has cleared.
                    "owed_cents": amount + facts.cleared_cents,
                    "short_cents": amount,
                }
            )
            self.pre_due.append(
                PreDueFired(
                    lease=facts.lease_ref,
                    period=decision.period_on,
                    rank=len(self.pre_due) + 1,
                    risk_bp=risk[facts.lease_id],
                    amount_cents=amount,
                )
            )
            self.advanced.append(
                AdvancedAccount(
                    lease=facts.lease_ref,
                    property=facts.property_code,
                    period=decision.period_on,
                    readiness=readiness.status,
                    steps=[decision.step.value],
                )
            )

    # -- one account ------------------------------------------------------------------------------------

    def _account(self, account: Account, fired: dict[date, dict[Step, date]]) -> None:
        config = self.config(account.facts)
        readiness = classify_readiness(account.facts, config)
        decisions = self._decide(account, readiness, fired, config)
        if any(d.fire for d in decisions):
            # Just before anything fires: the money as it stands now, and readiness on it.
            account = refresh(self.session, account, as_of=self.run_on, config=config)
            readiness = classify_readiness(account.facts, config)
            decisions = self._decide(account, readiness, fired, config)
        facts = account.facts
        self.readiness_rows.append(
            {
                "run_id": self.run.id,
                "lease_id": facts.lease_id,
                "status": readiness.status.value,
                "reasons": [r.model_dump(mode="json") for r in readiness.reasons],
                "period_on": facts.period_on,
                "balance_cents": facts.balance_cents,
                "short_cents": facts.short_cents,
                "pending_cents": facts.pending_cents,
            }
        )
        steps: list[str] = []
        for decision in decisions:
            if not decision.fire:
                self._skip(facts.lease_ref, decision)
                continue
            account = self._fire(account, readiness, decision, fired)
            steps.append(decision.step.value)
        if steps:
            self.advanced.append(
                AdvancedAccount(
                    lease=facts.lease_ref,
                    property=facts.property_code,
                    period=facts.period_on,
                    readiness=readiness.status,
                    steps=steps,
                )
            )

    def _decide(
        self,
        account: Account,
        readiness: Classification,
        fired: dict[date, dict[Step, date]],
        config: LadderConfig,
    ) -> list[Decision]:
        facts = account.facts
        jurisdiction = jurisdiction_for(facts.state)
        terms = fee_terms(facts, jurisdiction)
        rule = notice_rule_for(facts.state)
        out: list[Decision] = []
        # The previous period's legal queue, when its formal notice went out and its period has not run.
        prev = previous_period(facts.period, facts.due_day)
        prev_fired = fired.get(prev.due_on, {})
        if Step.FORMAL_NOTICE in prev_fired and Step.LEGAL_QUEUE not in prev_fired:
            prev_facts = with_period(account, prev, config=config)
            days = schedule(
                prev,
                config=config,
                grace_days=terms.grace_days,
                rule=rule,
                formal_notice_on=prev_fired[Step.FORMAL_NOTICE],
            )
            out += decide(
                prev_facts,
                readiness,
                config=config,
                days=days,
                fired=prev_fired,
                fee=0,
                rule=rule,
                only=frozenset({Step.LEGAL_QUEUE}),
            )
        now_fired = fired.get(facts.period_on, {})
        days = schedule(
            facts.period,
            config=config,
            grace_days=terms.grace_days,
            rule=rule,
            formal_notice_on=now_fired.get(Step.FORMAL_NOTICE),
        )
        out += decide(
            facts,
            readiness,
            config=config,
            days=days,
            fired=now_fired,
            fee=fee_cents(facts, terms, on=self.run_on),
            rule=rule,
        )
        return out

    # -- firing ------------------------------------------------------------------------------------------

    def _skip(self, lease_ref: str, decision: Decision) -> None:
        """A step the ladder did not fire, and why, for the day's reconciliation."""
        self.skipped.append(
            Skipped(
                lease=lease_ref,
                period=decision.period_on,
                step=decision.step.value,
                reason=decision.reason,
                detail=decision.detail,
            )
        )

    def _fire(
        self,
        account: Account,
        readiness: Classification,
        decision: Decision,
        fired: dict[date, dict[Step, date]],
    ) -> Account:
        facts = account.facts
        if decision.period_on != facts.period_on:
            facts = with_period(
                account, previous_period(facts.period, facts.due_day), config=self.config(facts)
            )
        step = decision.step
        row = self._step_row(facts, readiness, decision)
        if step is Step.LATE_FEE:
            account = self._post_fee(account, row, decision)
        elif step in NOTICES:
            self._notice(account, facts, row, decision)
        elif step is Step.LEGAL_QUEUE:
            formal_on = fired.get(decision.period_on, {}).get(Step.FORMAL_NOTICE, self.run_on)
            self.legal.append(
                LegalQueued(
                    lease=facts.lease_ref,
                    period=decision.period_on,
                    rent_short_cents=facts.rent_short_cents,
                    formal_notice_on=formal_on,
                )
            )
        fired.setdefault(decision.period_on, {})[step] = self.run_on
        self.step_rows.append(row)
        return account

    def _step_row(self, facts: AccountFacts, readiness: Classification, decision: Decision) -> dict[str, Any]:
        step = decision.step
        return {
            "run_id": self.run.id,
            "lease_id": facts.lease_id,
            "period_on": decision.period_on,
            "step": step.value,
            "clock": CLOCK[step],
            "fired_on": self.run_on,
            "readiness": readiness.status.value,
            "owed_cents": facts.owed_cents,
            "cleared_cents": facts.cleared_cents,
            "short_cents": facts.short_cents,
            "pending_cents": facts.pending_cents,
            "amount_cents": decision.amount_cents,
            "ledger_entry_id": None,
            "document_path": None,
            "document_sha256": None,
            "template": None,
            "detail": {"why": decision.detail, "reasons": [r.code for r in readiness.reasons]},
            "created_at": datetime.now(UTC),
        }

    def _post_fee(self, account: Account, row: dict[str, Any], decision: Decision) -> Account:
        facts = account.facts
        amount = decision.amount_cents or 0
        month = MONTHS_EN[facts.period_on.month - 1]
        posted = post_entry(
            self.session,
            EntryCreate(
                lease_id=facts.lease_id,
                kind=EntryKind.LATE_FEE,
                amount_cents=amount,
                effective_on=self.run_on,
                description=f"Late fee - {month} {facts.period_on.year} rent",
                charge_code="late_fee",
                source=LADDER_SOURCE,
                external_id=f"late-fee:{facts.lease_ref}:{facts.period_on.isoformat()}",
                created_by=self.actor,
            ),
            today=self.today,
        )
        row["ledger_entry_id"] = posted.entry.id
        self.fees.append(
            FeePosted(
                lease=facts.lease_ref, period=facts.period_on, amount_cents=amount, entry_id=posted.entry.id
            )
        )
        # The notices that follow in this run show the fee (dated as the run sees it).
        fee = Entry(
            posted.entry.id, EntryKind.LATE_FEE, amount, self.run_on, self.run_on, posted.entry.description
        )
        return Account(
            facts.model_copy(
                update={"balance_cents": facts.balance_cents + amount, "late_fee_charged": True}
            ),
            [*account.entries, fee],
            account.own_fee_ids | {fee.id},
            account.routine_codes,
        )

    def _notice(self, account: Account, facts: AccountFacts, row: dict[str, Any], decision: Decision) -> None:
        kind = decision.step.value
        language = facts.residents[0].language if facts.residents else "en"
        tpl = notices.template(kind, "en" if decision.step is Step.FORMAL_NOTICE else language)
        rule = notice_rule_for(facts.state)
        values = self._values(account, facts, rule, spanish=tpl.name.endswith(".es.txt"))
        title, lines = notices.fill(tpl, values)
        content = notices.render_pdf(title, lines, dated=self.run_on)
        path = notices.notice_path(facts.property_code, facts.lease_ref, decision.period_on, kind)
        digest = self.writer.submit(path, content)
        row.update(document_path=path, document_sha256=digest, template=tpl.label)
        self.notices.append(
            NoticeMade(
                lease=facts.lease_ref,
                period=decision.period_on,
                kind="formal_notice" if decision.step is Step.FORMAL_NOTICE else "second_notice",
                path=path,
                sha256=digest,
            )
        )

    def _values(
        self, account: Account, facts: AccountFacts, rule: NoticeRule | None, *, spanish: bool
    ) -> dict[str, str]:
        prop = self.properties[facts.property_id]
        day = _long_date(self.run_on, spanish=spanish)
        balance = summarize_balance(account.entries, self.run_on)
        charges = [
            f"  {c.entry.effective_on.isoformat()}  {c.entry.description[:44]:<44} "
            f"{format_cents(c.open_cents):>12}"
            for c in balance.open_charges
        ] or ["  (nothing open)"]
        fee_line = pending_line = ""
        if facts.late_fee_charged:
            fee_line = (
                "Se cargó un recargo por atraso bajo su contrato."
                if spanish
                else "A late fee has been charged under your lease."
            )
        if facts.pending_cents:
            amount = format_cents(facts.pending_cents)
            pending_line = (
                f"Un pago de {amount} se está procesando y se acreditará cuando se liquide."
                if spanish
                else f"A payment of {amount} is still processing; it will count once it clears."
            )
        notice_days = rule.notice_days if rule else 0
        fees_owed = facts.short_cents - facts.rent_short_cents
        return {
            "notice_date": day,
            "property_name": prop.name,
            "property_address": f"{prop.address}, {prop.city}, {prop.state} {prop.postal_code}",
            "unit": facts.unit,
            "residents": ", ".join(r.name for r in facts.residents) or "Resident",
            "lease_ref": facts.lease_ref,
            "due_date": _long_date(facts.period_on, spanish=spanish),
            "owed": format_cents(facts.owed_cents),
            "cleared": format_cents(facts.cleared_cents),
            "short": format_cents(facts.short_cents),
            "balance": format_cents(max(balance.total_cents, 0)),
            "fee_line": fee_line,
            "pending_line": pending_line,
            "charges": "\n".join(charges),
            "manager_name": prop.manager_name or "The management",
            "office_phone": _phone(prop.office_phone),
            "office_email": prop.office_email,
            "notice_title": rule.title if rule else "Notice of Unpaid Rent",
            "rent_owed": format_cents(facts.rent_owed_cents),
            "demand": format_cents(facts.rent_short_cents),
            "notice_days": str(notice_days),
            "deadline": _long_date(self.run_on + timedelta(days=notice_days), spanish=False),
            "citation": rule.citation if rule else "",
            "fees_line": f"Fees of {format_cents(fees_owed)} are owed too; this notice does not demand them."
            if fees_owed > 0
            else "",
        }


@cache
def _phone(number: str) -> str:
    """+15125550142 as people write it: (512) 555-0142."""
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def _long_date(day: date, *, spanish: bool) -> str:
    if spanish:
        return f"{day.day} de {MONTHS_ES[day.month - 1]} de {day.year}"
    return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"

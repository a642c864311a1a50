"""The digest as an email: a subject, a plain-text body and an HTML body, from the templates beside this
module. The outreach piece sends it; nothing here sends anything.

A template file holds named blocks, each starting with a line `@@ name`; a block is a
`string.Template` with `$placeholders`. In the HTML body every value is escaped except the blocks built
here from escaped parts (`_RAW`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from string import Template

from app.digest.build import Digest, PropertyDigest
from app.formatting import format_date
from app.money import format_cents

TEMPLATES = Path(__file__).parent / "templates"
_RAW = frozenset(
    {"sections", "aging_rows", "rows", "largest_block", "broken_block", "riskiest_block", "manager_html"}
)


@dataclass(frozen=True, slots=True)
class DigestEmail:
    subject: str
    text: str
    html: str


def render_email(digest: Digest) -> DigestEmail:
    """The digest's email, in plain text and HTML, with the same figures in both."""
    scope = _scope(digest)
    return DigestEmail(
        subject=f"Doorstep digest: {scope}, {_span(digest.period_start, digest.period_end)}",
        text=re.sub(r"\n{3,}", "\n\n", _render(digest, blocks=load_blocks("digest.txt"), escape=_plain)),
        html=_render(digest, blocks=load_blocks("digest.html"), escape=_html),
    )


@cache
def load_blocks(name: str) -> dict[str, Template]:
    """The named blocks of `templates/<name>`."""
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (TEMPLATES / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("@@ "):
            current = blocks.setdefault(line[3:].strip(), [])
        elif current is not None:
            current.append(line)
    return {key: Template("\n".join(lines)) for key, lines in blocks.items()}


def _plain(value: str) -> str:
    return value


def _html(value: str) -> str:
    return html.escape(value, quote=True)


def _fill(template: Template, escape: Callable[[str], str], **values: object) -> str:
    return template.substitute({k: str(v) if k in _RAW else escape(str(v)) for k, v in values.items()})


def _render(digest: Digest, *, blocks: dict[str, Template], escape: Callable[[str], str]) -> str:
    sections = [_property(p, digest, blocks, escape) for p in digest.properties]
    if digest.portfolio is not None:
        sections.append(_property(digest.portfolio, digest, blocks, escape))
    return (
        _fill(
            blocks["email"],
            escape,
            scope=_scope(digest),
            period_line=f"Period {_span(digest.period_start, digest.period_end)}; "
            f"expected collections {_span(digest.as_of, digest.horizon_end)}",
            sections="\n".join(sections),
            risk_line=_risk_line(digest),
            as_of=format_date(digest.as_of, year=True),
        ).strip()
        + "\n"
    )


def _property(
    p: PropertyDigest, digest: Digest, blocks: dict[str, Template], escape: Callable[[str], str]
) -> str:
    d = p.delinquency
    biggest = max((line.cents for line in d.buckets), default=0)
    aging_rows = "\n".join(
        _fill(
            blocks["aging_row"],
            escape,
            bucket=line.bucket,
            cents=format_cents(line.cents),
            leases=_count(line.leases, "lease"),
            percent=round(100 * line.cents / biggest) if biggest else 0,
        )
        for line in d.buckets
    )
    largest = "\n".join(
        _fill(
            blocks["largest_row"],
            escape,
            lease=a.lease_ref,
            who=_who(a.resident_name, a.resident_ref),
            cents=format_cents(a.open_cents),
            days=a.oldest_days,
            ended="" if a.lease_status == "active" else f" ({a.lease_status})",
        )
        for a in d.largest
    )
    broken = "\n".join(
        _fill(
            blocks["broken_row"],
            escape,
            lease=b.lease_ref,
            missed=b.missed,
            remaining=format_cents(b.remaining_cents),
            status=b.status,
        )
        for b in p.plans.broken_plans
    )
    risky = "\n".join(
        _fill(
            blocks["riskiest_row"],
            escape,
            lease=r.lease_ref,
            who=_who(r.resident_name, r.resident_ref),
            percent=f"{r.risk_bp / 100:.0f}%",
            due=format_cents(r.next_due_cents),
            due_on=format_date(r.next_due_on),
            reasons="; ".join(r.reasons),
        )
        for r in p.riskiest
    )
    e, x, f = p.escalations, p.expected, p.fees
    return _fill(
        blocks["property"],
        escape,
        name=p.name,
        code=p.code,
        manager=f", manager {p.manager_name}" if p.manager_name else "",
        manager_html=escape(f"Manager {p.manager_name} · ") if p.manager_name else "",
        active_leases=p.active_leases,
        delinquent_total=format_cents(d.total_cents),
        delinquent_leases=_count(d.leases, "lease"),
        aging_rows=aging_rows,
        largest_block=_fill(blocks["largest_block"], escape, rows=largest) if largest else "",
        period=_span(digest.period_start, digest.period_end),
        late_fees=f.late_fees,
        late_fee_total=format_cents(f.late_fee_cents),
        nsf_fees=f.nsf_fees,
        nsf_fee_total=format_cents(f.nsf_fee_cents),
        reversed=f.reversed,
        reversed_total=format_cents(f.reversed_cents),
        fees_net=format_cents(f.net_cents),
        plans_active=p.plans.active,
        plans_broken=p.plans.broken,
        plans_remaining=format_cents(p.plans.remaining_cents),
        broken_block=_fill(blocks["broken_block"], escape, rows=broken) if broken else "",
        esc_open=e.open,
        esc_breached=e.breached,
        esc_waiting=e.waiting,
        esc_opened=e.opened,
        esc_resolved=e.resolved,
        horizon=_span(x.start, x.end),
        rent_due=format_cents(x.rent_due_cents),
        leases_due=x.leases_due,
        rent_expected=format_cents(x.expected_rent_cents),
        rent_at_risk=format_cents(x.rent_at_risk_cents),
        installments_total=format_cents(x.installments_cents),
        installments=_count(x.installments, "installment"),
        expected_total=format_cents(x.expected_total_cents),
        riskiest_block=_fill(blocks["riskiest_block"], escape, rows=risky) if risky else "",
    )


def _scope(digest: Digest) -> str:
    if len(digest.properties) == 1:
        return digest.properties[0].name
    return f"{len(digest.properties)} properties"


def _span(start: date, end: date) -> str:
    if start == end:
        return format_date(start, year=True)
    return f"{format_date(start, year=start.year != end.year)} to {format_date(end, year=True)}"


def _risk_line(digest: Digest) -> str:
    r = digest.risk
    if not r.available:
        return f"Late-payment risk: {r.note}."
    return (
        f"Late-payment risk: a logistic regression on payment history (held-out AUC {r.holdout_auc:.2f}, "
        f"Brier {r.holdout_brier:.3f}; {r.note})."
    )


def _who(name: str | None, ref: str | None) -> str:
    if name and ref:
        return f"{name} ({ref})"
    return name or ref or "-"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' if n != 1 else ''}"

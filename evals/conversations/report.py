"""The run's report: the metrics (the CI interface), the per-tag breakdown and every scenario's detail.

`evals/reports/conversations.json` carries the metrics at the top level under exactly these keys:
`task_success`, `fact_accuracy`, `escalation_precision`, `escalation_recall`, `grounding_violations`,
`cross_resident_leaks`, `p50_ms`, `p95_ms`; beside them the run's metadata, `tags` (per-tag scores) and
`scenarios` (every scenario with its turns and checks). `conversations.html` shows the same with an
inline SVG bar chart and a table of the failures.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from pydantic import BaseModel, Field, computed_field
from rich.table import Table

from evals.conversations import evaluators
from evals.conversations.records import ScenarioResult

REPORT_DIR = Path(__file__).resolve().parent.parent / "reports"
JSON_NAME, HTML_NAME = "conversations.json", "conversations.html"
#: The issue's thresholds: the minimum for rates, the maximum for counts.
MINIMUMS = {"task_success": 0.90, "escalation_recall": 0.95, "escalation_precision": 0.85}
MAXIMUMS = {"grounding_violations": 0, "cross_resident_leaks": 0}
RATES = ("task_success", "fact_accuracy", "escalation_precision", "escalation_recall")


class TagScores(BaseModel):
    scenarios: int
    passed: int
    task_success: float
    fact_accuracy: float
    failed: list[str] = Field(default_factory=list)


class ScenarioDetail(ScenarioResult):
    """A scenario as the report shows it: the record plus its verdict."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def success(self) -> bool:
        return self.passed


class ConversationReport(BaseModel):
    task_success: float
    fact_accuracy: float
    escalation_precision: float
    escalation_recall: float
    grounding_violations: int
    cross_resident_leaks: int
    p50_ms: float
    p95_ms: float
    planner: str
    dataset: str
    dataset_version: str
    as_of: date
    scenarios_total: int
    scenarios_scored: int
    scenarios_skipped: int
    scenarios_errored: int
    turns: int
    documents_note: str | None = Field(
        description="Why the documents were not ingested; None when they were."
    )
    thresholds: dict[str, str]
    tags: dict[str, TagScores]
    scenarios: list[ScenarioDetail]

    def threshold_failures(self) -> list[str]:
        """Human-readable reasons the run falls short of the thresholds; empty when it passes."""
        failures = [
            f"{name} {getattr(self, name):.3f} < {limit}"
            for name, limit in MINIMUMS.items()
            if getattr(self, name) < limit
        ]
        failures += [
            f"{name} {getattr(self, name)} > {limit}"
            for name, limit in MAXIMUMS.items()
            if getattr(self, name) > limit
        ]
        return failures

    def failures(self) -> list[ScenarioDetail]:
        """Scored scenarios that did not pass, errors included."""
        return [s for s in self.scenarios if s.scored and not s.passed]

    def to_table(self) -> Table:
        table = Table(
            title=f"Conversation eval, {self.planner} planner ({self.scenarios_scored} scenarios scored, "
            f"{self.scenarios_skipped} skipped, {self.turns} turns)"
        )
        table.add_column("metric")
        table.add_column("value", justify="right")
        table.add_column("threshold", justify="right")
        for name in (*RATES, "grounding_violations", "cross_resident_leaks", "p50_ms", "p95_ms"):
            value = getattr(self, name)
            shown = (
                f"{value:.3f}" if name in RATES else (f"{value:.1f}" if name.endswith("_ms") else str(value))
            )
            limit = self.thresholds.get(name, "")
            style = "red" if any(f.startswith(f"{name} ") for f in self.threshold_failures()) else ""
            table.add_row(name, f"[{style}]{shown}[/{style}]" if style else shown, limit)
        return table

    def to_tag_table(self) -> Table:
        table = Table(title="By tag")
        for column in ("tag", "scenarios", "passed", "task success", "fact accuracy"):
            table.add_column(column, justify="left" if column == "tag" else "right")
        for tag, scores in sorted(self.tags.items()):
            table.add_row(
                tag,
                str(scores.scenarios),
                str(scores.passed),
                f"{scores.task_success:.2f}",
                f"{scores.fact_accuracy:.2f}",
            )
        return table

    def write(self, report_dir: Path = REPORT_DIR) -> tuple[Path, Path]:
        """Write the JSON and HTML reports into `report_dir`; returns their paths."""
        report_dir.mkdir(parents=True, exist_ok=True)
        json_path, html_path = report_dir / JSON_NAME, report_dir / HTML_NAME
        json_path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        html_path.write_text(render_html(self), encoding="utf-8")
        return json_path, html_path


def tag_scores(results: Sequence[ScenarioResult]) -> dict[str, TagScores]:
    """Task success and fact accuracy per tag, over scored scenarios."""
    tags = sorted({tag for r in results if r.scored for tag in r.tags})
    out: dict[str, TagScores] = {}
    for tag in tags:
        group = [r for r in results if r.scored and tag in r.tags]
        out[tag] = TagScores(
            scenarios=len(group),
            passed=sum(r.passed for r in group),
            task_success=round(evaluators.task_success(group), 4),
            fact_accuracy=round(evaluators.fact_accuracy(group), 4),
            failed=[r.id for r in group if not r.passed],
        )
    return out


def build_report(
    results: Sequence[ScenarioResult],
    *,
    planner: str,
    dataset: str,
    dataset_version: str,
    as_of: date,
    documents_note: str | None,
) -> ConversationReport:
    """Aggregate scenario results into the report, one evaluator per metric."""
    thresholds = {name: f">= {limit}" for name, limit in MINIMUMS.items()}
    thresholds |= {name: f"<= {limit}" for name, limit in MAXIMUMS.items()}
    return ConversationReport(
        task_success=round(evaluators.task_success(results), 4),
        fact_accuracy=round(evaluators.fact_accuracy(results), 4),
        escalation_precision=round(evaluators.escalation_precision(results), 4),
        escalation_recall=round(evaluators.escalation_recall(results), 4),
        grounding_violations=evaluators.grounding_violations(results),
        cross_resident_leaks=evaluators.cross_resident_leaks(results),
        p50_ms=round(evaluators.latency_p50_ms(results), 2),
        p95_ms=round(evaluators.latency_p95_ms(results), 2),
        planner=planner,
        dataset=dataset,
        dataset_version=dataset_version,
        as_of=as_of,
        scenarios_total=len(results),
        scenarios_scored=sum(r.scored for r in results),
        scenarios_skipped=sum(r.status == "skipped" for r in results),
        scenarios_errored=sum(r.status == "error" for r in results),
        turns=sum(len(r.turns) for r in results if r.scored),
        documents_note=documents_note,
        thresholds=thresholds,
        tags=tag_scores(results),
        scenarios=[ScenarioDetail.model_validate(r.model_dump()) for r in results],
    )


# -- HTML ------------------------------------------------------------------------------------------------


def bar_chart(values: Sequence[tuple[str, float, float | None]], *, title: str, width: int = 640) -> str:
    """A horizontal bar chart of rates in [0, 1] as inline SVG: (label, value, threshold or None)."""
    row, left, right, top = 28, 190, 60, 30
    plot = width - left - right
    height = top + row * len(values) + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title)}" font-family="system-ui, sans-serif" font-size="13">',
        f'<text x="0" y="18" font-weight="600">{html.escape(title)}</text>',
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = left + plot * tick
        parts.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#e5e7eb"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" fill="#6b7280">{tick:g}</text>'
        )
    for n, (label, value, threshold) in enumerate(values):
        y = top + n * row
        ok = threshold is None or value >= threshold
        colour = "#16a34a" if ok else "#dc2626"
        clamped = max(0.0, min(value, 1.0))
        parts.append(
            f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{html.escape(label)}</text>'
            f'<rect x="{left}" y="{y + 4}" width="{plot * clamped:.1f}" height="{row - 10}" '
            f'fill="{colour}" rx="2">'
            f"<title>{html.escape(label)}: {value:.3f}</title></rect>"
            f'<text x="{left + plot * clamped + 6:.1f}" y="{y + 17}">{value:.3f}</text>'
        )
        if threshold is not None:
            x = left + plot * threshold
            parts.append(
                f'<line x1="{x:.1f}" y1="{y + 1}" x2="{x:.1f}" y2="{y + row - 3}" stroke="#111827" '
                f'stroke-width="2" stroke-dasharray="3 2"><title>threshold {threshold:g}</title></line>'
            )
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: ConversationReport) -> str:
    """A self-contained HTML page: the metrics chart, the counts, per-tag success and the failures."""
    e = html.escape
    metrics = bar_chart(
        [(name.replace("_", " "), getattr(report, name), MINIMUMS.get(name)) for name in RATES],
        title="Metrics (dashed line: threshold)",
    )
    tags = bar_chart(
        [(tag, scores.task_success, None) for tag, scores in sorted(report.tags.items())],
        title="Task success by tag",
    )
    cards = "".join(
        f'<div class="card"><div class="k">{e(label)}</div><div class="v">{e(value)}</div></div>'
        for label, value in (
            ("grounding violations", str(report.grounding_violations)),
            ("cross-resident leaks", str(report.cross_resident_leaks)),
            ("p50 per turn", f"{report.p50_ms:.1f} ms"),
            ("p95 per turn", f"{report.p95_ms:.1f} ms"),
            ("scenarios scored", str(report.scenarios_scored)),
            ("skipped", str(report.scenarios_skipped)),
            ("errors", str(report.scenarios_errored)),
        )
    )
    failures = "".join(_failure_row(s) for s in report.failures()) or (
        '<tr><td colspan="4">No failures.</td></tr>'
    )
    verdict = report.threshold_failures()
    status = (
        '<p class="bad">Below threshold: ' + e("; ".join(verdict)) + "</p>"
        if verdict
        else '<p class="good">All thresholds met.</p>'
    )
    note = f"<p>Documents: {e(report.documents_note)}</p>" if report.documents_note else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conversation eval: {e(report.planner)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #111827; max-width: 1100px; }}
.cards {{ display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }}
.card {{ border: 1px solid #e5e7eb; border-radius: 6px; padding: .5rem .9rem; }}
.k {{ color: #6b7280; font-size: .8rem; }} .v {{ font-size: 1.3rem; font-weight: 600; }}
table {{ border-collapse: collapse; width: 100%; font-size: .85rem; }}
td, th {{ border-top: 1px solid #e5e7eb; padding: .4rem; text-align: left; vertical-align: top; }}
.bad {{ color: #dc2626; font-weight: 600; }} .good {{ color: #16a34a; font-weight: 600; }}
.turn {{ margin-bottom: .4rem; }} .muted {{ color: #6b7280; }}
</style></head><body>
<h1>Conversation eval</h1>
<p>Planner <b>{e(report.planner)}</b>, dataset {e(report.dataset)} ({e(report.dataset_version)}),
demo portfolio as of {report.as_of.isoformat()}.</p>
{status}{note}
{metrics}
<div class="cards">{cards}</div>
{tags}
<h2>Failures ({len(report.failures())})</h2>
<table><thead><tr><th>scenario</th><th>tags</th><th>what went wrong</th><th>conversation</th></tr></thead>
<tbody>{failures}</tbody></table>
</body></html>
"""


def _failure_row(s: ScenarioResult) -> str:
    e = html.escape
    problems = [f"{c.name}: {c.detail}" if c.detail else c.name for c in s.failed_checks()]
    if s.status == "error" and s.note:
        problems.insert(0, f"error: {s.note.splitlines()[0]}")
    turns = "".join(
        f'<div class="turn"><b>resident:</b> {e(t.text[:300])}<br><b>assistant:</b> {e(t.reply[:600])}'
        f'<br><span class="muted">intent {e(str(t.intent))}; tools '
        f"{e(', '.join(x.name for x in t.tools) or 'none')}"
        f"{'; escalated: ' + e(str(t.reason)) if t.escalated else ''}</span></div>"
        for t in s.turns
    )
    return (
        f"<tr><td>{e(s.id)}<br><span class='muted'>{e(s.persona)}</span></td><td>{e(', '.join(s.tags))}</td>"
        f"<td>{'<br>'.join(e(p) for p in problems)}</td><td>{turns}</td></tr>"
    )

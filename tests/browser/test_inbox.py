"""Staff and a resident in two browsers: a hand-off, a take-over, a staff reply, and silence after it; a
payment plan the resident asks for, approved by a manager in the inbox, and shown active in the widget.

On the two-process set-up the resident's widget is served by one process and the inbox by the other:
everything staff do reaches the resident through PostgreSQL and Redis."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts import account_balance, find_resident
from app.channels.chat import portal_conversation_id
from app.collections.run import run_collections
from app.models import PaymentPlan, StaffUser
from app.money import format_cents
from tests.browser.conftest import Site, stored_roles
from tests.support.databases import DEMO_AS_OF

pytestmark = pytest.mark.slow

WAIT_MS = 60_000
AGENT_LOGIN = ("collections@doorstep.example.com", "doorstep-demo-inbox")  # Jordan Ellis, agent
MANAGER_LOGIN = ("michael.okafor@hudsonterrace.example.com", "doorstep-demo-inbox")  # Michael Okafor
WIDGET = "[data-doorstep-widget]"


def _resident(browser: Any, site: Site, ref: str) -> Any:
    """The resident's portal in a browser context of its own, the chat open and connected."""
    page = browser.new_context(viewport={"width": 390, "height": 780}).new_page()
    page.goto(f"{site.base}/demo?resident={ref}")
    _open_widget(page)
    return page


def _open_widget(page: Any) -> None:
    page.locator(f"{WIDGET} button.launcher").click()
    page.locator(f"{WIDGET} .status[data-state='online']").wait_for(timeout=WAIT_MS)


def _staff(browser: Any, site: Site, login: tuple[str, str] = AGENT_LOGIN) -> Any:
    """The inbox, signed in, in a browser context of its own (its own cookies), on the staff process."""
    page = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    page.goto(f"{site.staff_base}/inbox")
    page.fill("#login-email", login[0])
    page.fill("#login-password", login[1])
    page.press("#login-password", "Enter")
    page.locator("#queue-list").wait_for(timeout=WAIT_MS)
    return page


def _close(*pages: Any) -> None:
    for page in pages:
        page.context.close()


def test_talk_to_a_person_then_staff_take_over_and_the_assistant_stays_silent(
    browser: Any, site: Site, screenshots: Path
) -> None:
    ref = site.personas["disputed"]
    resident = _resident(browser, site, ref)
    resident.locator(f"{WIDGET} button.person").click()
    resident.locator(f"{WIDGET} .notice.owner").first.wait_for(timeout=WAIT_MS)

    staff = _staff(browser, site)
    assert staff.locator("[data-tab='approvals']").is_hidden()  # an agent does not decide plans
    entry = staff.locator(f"#queue-list button:has-text('{ref}')")
    entry.first.wait_for(timeout=WAIT_MS)  # arrived live, or with the first queue read
    entry.first.click()
    staff.locator("#take-over").click()
    staff.locator("#conv-owner:has-text('Staff have this conversation')").wait_for(timeout=WAIT_MS)
    staff.fill("#reply-text", "Hi, this is Jordan from the office. I'm looking at the charge now.")
    staff.locator("#reply-form button[type=submit]").click()

    # The resident sees the staff member join and reply, by name, at once.
    staff_reply = resident.locator(f"{WIDGET} .bubble.staff")
    staff_reply.first.wait_for(timeout=WAIT_MS)
    assert "Jordan Ellis" in staff_reply.first.inner_text()
    assert "looking at the charge" in staff_reply.first.inner_text()
    staff.locator("#transcript li.staff").wait_for(timeout=WAIT_MS)
    staff.screenshot(path=str(screenshots / site.shot("inbox")))

    # Twenty more messages: every one is shown and stored, and none gets an assistant reply.
    box = resident.locator(f"{WIDGET} textarea")
    for n in range(20):
        box.fill(f"message {n}: how much do i owe")
        box.press("Enter")
    resident.locator(f"{WIDGET} .bubble.resident:not(.pending):has-text('message 19:')").wait_for(
        timeout=WAIT_MS
    )
    assert resident.locator(f"{WIDGET} .bubble.assistant").count() == 0
    assert resident.locator(f"{WIDGET} .bubble.resident").count() == 20
    # Every message is stored and acknowledged by now; a silent thread starts no turn, so no assistant
    # reply can still be on its way: the database has none.
    assert stored_roles(site, ref) == {"resident": 20, "staff": 1}
    _close(resident, staff)


def _owed(site: Site, ref: str) -> int:
    with site.session() as session:
        return account_balance(session, resident=find_resident(session, ref), as_of=DEMO_AS_OF).total_cents


def test_a_payment_plan_approved_in_the_inbox_shows_active_in_the_widget(
    browser: Any, site: Site, screenshots: Path
) -> None:
    ref = site.personas["delinquent:hudson-terrace"]  # owes more than the plan minimum, no plan, no dispute
    owed = format_cents(_owed(site, ref))
    resident = _resident(browser, site, ref)
    box = resident.locator(f"{WIDGET} textarea")
    box.fill("can i pay what i owe in two parts?")
    box.press("Enter")
    proposal = resident.locator(f"{WIDGET} .bubble.assistant .card")
    proposal.first.wait_for(timeout=WAIT_MS)
    assert owed in proposal.first.inner_text()  # the plan covers the whole balance
    assert proposal.first.locator("tbody tr").count() == 2

    # A manager, signed in elsewhere, finds the proposal in the approvals queue and approves it.
    staff = _staff(browser, site, MANAGER_LOGIN)
    staff.locator("[data-tab='approvals']").click()
    item = staff.locator("#approvals-list > li", has_text=ref)
    item.wait_for(timeout=WAIT_MS)
    assert staff.locator("#queue-tab").is_hidden()  # the approvals tab shows approvals alone
    assert f"total {owed}" in item.inner_text()
    staff.screenshot(path=str(screenshots / site.shot("inbox-approvals")))
    item.get_by_role("button", name="Approve", exact=True).click()
    staff.locator("#status:has-text('Approve: done.')").wait_for(timeout=WAIT_MS)
    assert staff.locator("#approvals-list > li", has_text=ref).count() == 0

    # The resident's open widget shows the plan active at once, and still after a reload.
    for reloaded in (False, True):
        if reloaded:
            resident.reload()
            _open_widget(resident)
        approved = resident.locator(
            f"{WIDGET} .bubble.assistant:has-text('The office approved your payment plan')"
        )
        approved.wait_for(timeout=WAIT_MS)
        active = approved.locator(".card")
        assert "Active payment plan" in active.inner_text() and owed in active.inner_text()
        assert active.locator("tbody tr").count() == 2
        # The proposal and the active plan, each once; nothing is left to accept or decline.
        assert resident.locator(f"{WIDGET} .card").count() == 2
        assert resident.locator(f"{WIDGET} .card button:enabled").count() == 0
    resident.screenshot(path=str(screenshots / site.shot("widget-plan-active")))

    with site.session() as session:
        plan = session.scalars(
            select(PaymentPlan).where(PaymentPlan.conversation_id == portal_conversation_id(ref))
        ).one()
        manager = session.scalars(select(StaffUser).where(StaffUser.email == MANAGER_LOGIN[0])).one()
        assert plan.status == "active" and plan.decided_by == f"staff:{manager.id}"
    _close(resident, staff)


def test_the_inbox_has_no_serious_accessibility_violations(browser: Any, site: Site, axe_source: str) -> None:
    # The inbox's Content-Security-Policy forbids inline scripts; the test's axe-core is let in.
    context = browser.new_context(viewport={"width": 1280, "height": 860}, bypass_csp=True)
    staff = context.new_page()
    staff.goto(f"{site.staff_base}/inbox")
    staff.locator("#login-email").wait_for(timeout=WAIT_MS)
    for signed_in in (False, True):
        if signed_in:
            staff.fill("#login-email", AGENT_LOGIN[0])
            staff.fill("#login-password", AGENT_LOGIN[1])
            staff.press("#login-password", "Enter")
            staff.locator("#queue-list").wait_for(timeout=WAIT_MS)
        staff.add_script_tag(content=axe_source)
        result = staff.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], serious
    context.close()


def test_payments_collections_and_digest_tabs_match_the_api_and_pass_axe(
    browser: Any, site: Site, axe_source: str, screenshots: Path
) -> None:
    with site.session() as session, session.begin():  # a collections run, so readiness has accounts
        run_collections(session, run_on=DEMO_AS_OF, today=DEMO_AS_OF, data_dir=site.settings.data_dir)
    context = browser.new_context(viewport={"width": 1280, "height": 860}, bypass_csp=True)
    staff = context.new_page()
    staff.goto(f"{site.staff_base}/inbox")
    staff.fill("#login-email", MANAGER_LOGIN[0])
    staff.fill("#login-password", MANAGER_LOGIN[1])
    staff.press("#login-password", "Enter")
    staff.locator("[data-tab='digest']").wait_for(timeout=WAIT_MS)  # signed in (the queue may be empty)

    def api(path: str) -> Any:
        return staff.evaluate("async (p) => (await fetch(p, {credentials: 'same-origin'})).json()", path)

    def no_serious_violations() -> None:
        staff.add_script_tag(content=axe_source)
        result = staff.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], serious

    staff.locator("[data-tab='digest']").click()
    total = staff.locator("#digest-delinquent-total")
    total.wait_for(timeout=WAIT_MS)
    digest = api("/inbox/api/digest")
    first = digest["properties"][0]
    assert staff.locator("#digest-property").input_value() == first["code"]
    assert total.inner_text() == format_cents(first["delinquency"]["total_cents"])
    assert staff.locator(".bars tbody tr").count() == len(first["delinquency"]["buckets"])
    staff.screenshot(path=str(screenshots / site.shot("inbox-digest")), full_page=True)
    no_serious_violations()

    staff.locator("[data-tab='collections']").click()
    staff.locator("#collections-accounts table").wait_for(timeout=WAIT_MS)
    readiness = api("/inbox/api/collections/readiness")["readiness"]
    rows = staff.locator("#collections-accounts tbody tr")
    assert rows.count() == len(readiness["accounts"]) > 0
    assert readiness["accounts"][0]["lease"] in rows.first.inner_text()
    assert staff.locator("#digest-tab").is_hidden()
    staff.screenshot(path=str(screenshots / site.shot("inbox-collections")), full_page=True)
    no_serious_violations()

    staff.locator("[data-tab='payments']").click()
    staff.locator("#payments-list > li, #payments-empty:visible").first.wait_for(timeout=WAIT_MS)
    assert staff.locator("#payments-list > li").count() == len(api("/inbox/api/payments/exceptions"))
    no_serious_violations()
    context.close()

"""Staff and a resident in two browsers: a hand-off, a take-over, a staff reply, and silence after it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Site, stored_roles

pytestmark = pytest.mark.slow

WAIT_MS = 60_000
DEMO_LOGIN = ("collections@doorstep.example.com", "doorstep-demo-inbox")


def _resident(browser: Any, site: Site, ref: str) -> Any:
    page = browser.new_page(viewport={"width": 390, "height": 780})
    page.goto(f"{site.base}/demo?resident={ref}")
    page.locator("[data-doorstep-widget] button.launcher").click()
    page.locator("[data-doorstep-widget] .status[data-state='online']").wait_for(timeout=WAIT_MS)
    return page


def _staff(browser: Any, site: Site) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 860})
    page.goto(f"{site.base}/inbox")
    page.fill("#login-email", DEMO_LOGIN[0])
    page.fill("#login-password", DEMO_LOGIN[1])
    page.press("#login-password", "Enter")
    page.locator("#queue-list").wait_for(timeout=WAIT_MS)
    return page


def test_talk_to_a_person_then_staff_take_over_and_the_assistant_stays_silent(
    browser: Any, site: Site, screenshots: Path
) -> None:
    ref = site.personas["disputed"]
    resident = _resident(browser, site, ref)
    resident.locator("[data-doorstep-widget] button.person").click()
    resident.locator("[data-doorstep-widget] .notice.owner").first.wait_for(timeout=WAIT_MS)

    staff = _staff(browser, site)
    entry = staff.locator(f"#queue-list button:has-text('{ref}')")
    entry.first.wait_for(timeout=WAIT_MS)  # arrived live, or with the first queue read
    entry.first.click()
    staff.locator("#take-over").click()
    staff.locator("#conv-owner:has-text('Staff have this conversation')").wait_for(timeout=WAIT_MS)
    staff.fill("#reply-text", "Hi, this is Jordan from the office. I'm looking at the charge now.")
    staff.locator("#reply-form button[type=submit]").click()
    staff.screenshot(path=str(screenshots / "inbox.png"))

    # The resident sees the staff member join and reply, by name, at once.
    staff_reply = resident.locator("[data-doorstep-widget] .bubble.staff")
    staff_reply.first.wait_for(timeout=WAIT_MS)
    assert "Jordan Ellis" in staff_reply.first.inner_text()
    assert "looking at the charge" in staff_reply.first.inner_text()

    # Twenty more messages: every one is shown and stored, and none gets an assistant reply.
    box = resident.locator("[data-doorstep-widget] textarea")
    for n in range(20):
        box.fill(f"message {n}: how much do i owe")
        box.press("Enter")
    resident.locator(
        "[data-doorstep-widget] .bubble.resident:not(.pending):has-text('message 19:')"
    ).wait_for(timeout=WAIT_MS)
    assert resident.locator("[data-doorstep-widget] .bubble.assistant").count() == 0
    assert resident.locator("[data-doorstep-widget] .bubble.resident").count() == 20
    # Every message is stored and acknowledged by now; a silent thread starts no turn, so no assistant
    # reply can still be on its way: the database has none.
    assert stored_roles(site, ref) == {"resident": 20, "staff": 1}
    resident.close()
    staff.close()


def test_the_inbox_has_no_serious_accessibility_violations(browser: Any, site: Site, axe_source: str) -> None:
    # The inbox's Content-Security-Policy forbids inline scripts; the test's axe-core is let in.
    staff = browser.new_page(viewport={"width": 1280, "height": 860}, bypass_csp=True)
    staff.goto(f"{site.base}/inbox")
    staff.locator("#login-email").wait_for(timeout=WAIT_MS)
    for signed_in in (False, True):
        if signed_in:
            staff.fill("#login-email", DEMO_LOGIN[0])
            staff.fill("#login-password", DEMO_LOGIN[1])
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
    staff.close()

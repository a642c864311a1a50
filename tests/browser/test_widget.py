"""The resident's widget in Chromium, on the demo portal: what a person on a phone or a laptop sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.accounts import account_balance, find_resident
from app.money import format_cents
from tests.browser.conftest import Site, stored_roles
from tests.support.databases import DEMO_AS_OF

pytestmark = pytest.mark.slow

PHONE = {"width": 390, "height": 780}
DESKTOP = {"width": 1280, "height": 800}
WAIT_MS = 60_000
"""The longest any one step may take (the first turn builds the assistant); never a timing assertion."""


def _open_chat(browser: Any, site: Site, ref: str, viewport: dict[str, int]) -> Any:
    page = browser.new_page(viewport=viewport)
    page.goto(f"{site.base}/demo?resident={ref}")
    page.locator("[data-doorstep-widget] button.launcher").click()
    page.locator("[data-doorstep-widget] .status[data-state='online']").wait_for(timeout=WAIT_MS)
    return page


def _ask(page: Any, text: str) -> None:
    box = page.locator("[data-doorstep-widget] textarea")
    box.fill(text)
    box.press("Enter")


def _total(site: Site, ref: str) -> str:
    with site.session() as s:
        return format_cents(account_balance(s, resident=find_resident(s, ref), as_of=DEMO_AS_OF).total_cents)


def test_a_balance_question_is_answered_with_the_exact_total(
    browser: Any, site: Site, screenshots: Path
) -> None:
    ref = site.personas["delinquent"]
    total = _total(site, ref)
    assert total != "$0.00"
    for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = _open_chat(browser, site, ref, viewport)
        _ask(page, "how much do i owe")
        reply = page.locator("[data-doorstep-widget] .bubble.assistant").last
        reply.wait_for(timeout=WAIT_MS)
        page.wait_for_function(
            "t => [...document.querySelector('[data-doorstep-widget]').shadowRoot"
            ".querySelectorAll('.bubble.assistant')].some(b => b.textContent.includes(t))",
            arg=total,
            timeout=WAIT_MS,
        )
        page.screenshot(path=str(screenshots / site.shot(f"widget-{name}")))
        page.close()


def test_a_reload_mid_turn_loses_nothing_and_shows_nothing_twice(browser: Any, site: Site) -> None:
    ref = site.personas["on_time"]
    page = _open_chat(browser, site, ref, PHONE)
    _ask(page, "when is my rent due")
    page.locator("[data-doorstep-widget] .bubble.resident:not(.pending)").first.wait_for(timeout=WAIT_MS)
    page.reload()  # the connection drops while the assistant may still be answering
    page.locator("[data-doorstep-widget] button.launcher").click()
    page.locator("[data-doorstep-widget] .bubble.assistant").first.wait_for(timeout=WAIT_MS)
    residents = page.locator("[data-doorstep-widget] .bubble.resident")
    assistants = page.locator("[data-doorstep-widget] .bubble.assistant")
    assert residents.count() == 1 and assistants.count() == 1
    assert "when is my rent due" in residents.first.inner_text()
    assert stored_roles(site, ref) == {"resident": 1, "assistant": 1}
    page.close()


def test_the_widget_works_from_the_keyboard_alone(browser: Any, site: Site) -> None:
    ref = site.personas["sometimes_late"]
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{site.base}/demo?resident={ref}")
    launcher = page.locator("[data-doorstep-widget] button.launcher")
    for _ in range(10):  # Tab until the launcher has focus
        page.keyboard.press("Tab")
        if launcher.evaluate("b => b.getRootNode().activeElement === b"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    assert launcher.get_attribute("aria-expanded") == "true"
    page.keyboard.type("what is the late fee")
    page.keyboard.press("Enter")
    page.locator("[data-doorstep-widget] .bubble.assistant").first.wait_for(timeout=WAIT_MS)
    page.keyboard.press("Escape")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert launcher.evaluate("b => b.getRootNode().activeElement === b")
    page.close()


def test_the_demo_portal_has_no_serious_accessibility_violations(
    browser: Any, site: Site, axe_source: str
) -> None:
    ref = site.personas["partial"]
    for url, open_widget in ((f"{site.base}/demo", False), (f"{site.base}/demo?resident={ref}", True)):
        page = browser.new_page(viewport=PHONE)
        page.goto(url)
        if open_widget:
            page.locator("[data-doorstep-widget] button.launcher").click()
            _ask(page, "how much do i owe")
            page.locator("[data-doorstep-widget] .bubble.assistant").first.wait_for(timeout=WAIT_MS)
        page.add_script_tag(content=axe_source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], serious
        page.close()

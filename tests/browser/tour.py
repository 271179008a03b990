"""One walk through every state a page of the check can be in, in a real browser.

At each state the walk runs axe-core, keeps the page's HTML for the Nu HTML
Checker and saves a screenshot at 360 px wide into screenshots/.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from questionnaire.content import load_all_content

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIGN_IDS = [sign.id for sign in load_all_content()["en"].signs]

STATE_NAMES = [
    "start",
    "who",
    "who-error",
    "safety",
    "safety-error",
    "emergency",
    "use",
    "use-error",
    *(name for sign_id in SIGN_IDS for name in (f"sign-{sign_id}", f"sign-{sign_id}-error")),
    "interruption",
    "other-signs",
    "other-signs-error",
    "check-answers",
    "summary-with-signs",
    "summary-without-signs",
    "not-found",
]


@dataclass(frozen=True)
class State:
    name: str
    url: str
    html: str
    violations: list[dict[str, Any]]
    rules_passed: int


def record(page: Page, name: str, screenshots: Path, states: dict[str, State]) -> None:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    # What a phone shows first, for pages much taller than a screen.
    page.screenshot(path=str(screenshots / f"{name}-first-screen.png"))
    response = results.response
    states[name] = State(
        name, page.url, page.content(), response["violations"], len(response["passes"])
    )


def submit(page: Page, label: str | None = None, button: str = "Continue") -> None:
    if label is not None:
        # Found by the text next to it, not by its label, so that a page whose
        # labels are broken can still be toured and axe can report it.
        item = page.locator(".radios__item", has=page.get_by_text(label, exact=True))
        item.locator("input").check()
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def tick(page: Page, label: str) -> None:
    """Tick a checkbox, found by the text next to it as ``submit`` finds a radio."""
    item = page.locator(".checkboxes__item", has=page.get_by_text(label, exact=True))
    item.locator("input").check()


def on_the_checklist(page: Page) -> bool:
    """The page of other withdrawal signs, which comes after the last withdrawal sign."""
    return page.locator(".checkboxes__item").count() > 0


def take_tour(page: Page, screenshots: Path) -> dict[str, State]:
    states: dict[str, State] = {}
    page.goto("/")
    record(page, "start", screenshots, states)
    with page.expect_navigation():
        page.get_by_role("link", name="Start now").click()
    record(page, "who", screenshots, states)
    submit(page)
    record(page, "who-error", screenshots, states)
    submit(page, "Someone else")
    record(page, "safety", screenshots, states)
    submit(page)
    record(page, "safety-error", screenshots, states)
    submit(page, "Yes")
    record(page, "emergency", screenshots, states)
    submit(page, button="Continue with the check")
    record(page, "use", screenshots, states)
    submit(page)
    record(page, "use-error", screenshots, states)
    submit(page, "Not prescribed to them")
    for sign_id in SIGN_IDS:
        record(page, f"sign-{sign_id}", screenshots, states)
        submit(page)
        record(page, f"sign-{sign_id}-error", screenshots, states)
        if sign_id == "shallow-breathing":
            submit(page, "Often")
            record(page, "interruption", screenshots, states)
            submit(page, button="Continue with the check")
        else:
            submit(page, "Sometimes" if sign_id in {"sweating", "craving"} else "No")
        if on_the_checklist(page):
            record(page, "other-signs", screenshots, states)
            submit(page)
            record(page, "other-signs-error", screenshots, states)
            tick(page, "Goosebumps")
            tick(page, "Trouble sleeping")
            submit(page)
    record(page, "check-answers", screenshots, states)
    submit(page, button="See your summary")
    record(page, "summary-with-signs", screenshots, states)
    submit(page, button="Start again")
    page.goto("/question/1")
    submit(page, "Myself")
    submit(page, "No")
    submit(page, "Prescribed to me, and I take them as prescribed")
    for _ in SIGN_IDS:
        submit(page, "No")
        if on_the_checklist(page):
            tick(page, "None of these")
            submit(page)
    submit(page, button="See your summary")
    record(page, "summary-without-signs", screenshots, states)
    page.goto("/question/99")
    record(page, "not-found", screenshots, states)
    assert set(states) == set(STATE_NAMES), f"the tour and STATE_NAMES disagree: {list(states)}"
    return states

"""One walk through every state a page of the check can be in, in a real browser.

At each state the walk runs axe-core, keeps the page's HTML for the Nu HTML
Checker and saves a screenshot at 360 px wide into screenshots/.

A notice (the emergency guidance, an interruption) is not a page of its own:
it is shown at the top of the page after the answer that calls for it, above
that page's question, until that page's form is sent. So the walk records
each page with its notice, refused with its notice still on top, and again
(Back) once the notice is read; and check your answers with the notices that
changed answers call for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from questionnaire.content import load_all_content

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SIGN_IDS = [sign.id for sign in load_all_content()["en"].signs]
# The signs whose answer in the tour ("Often") calls for an interruption,
# shown at the top of the next sign's page.
INTERRUPTING = [sign.id for sign in load_all_content()["en"].signs if "often" in sign.interrupt_on]
# The sign after which the page of other withdrawal signs is asked.
CHECKLIST_AFTER = "craving"


def _state_names() -> list[str]:
    # The first walk: for someone else, with every notice.
    names = ["start", "who", "who-error", "safety", "safety-error"]
    # The emergency guidance at the top of /question/3, then that page refused
    # (the guidance still on top), then /question/3 again (Back): the guidance read.
    names += ["emergency", "emergency-error", "use-after-emergency"]
    before = None
    for sign_id in SIGN_IDS:
        if before in INTERRUPTING:
            # At the top of the next sign's page, then that page refused.
            names += [f"interruption-{before}", f"interruption-{before}-error"]
        if sign_id == CHECKLIST_AFTER:
            # Refused with no sign answered, then with only some answered.
            names += ["other-signs", "other-signs-error", "other-signs-partly-answered"]
        before = sign_id
    # After answers were changed from check your answers: every notice they call for, on top.
    names += ["check-answers", "check-answers-notices", "summary-with-signs"]
    # The second walk: for myself, no notice at all: each question, and refused.
    names += ["use", "use-error"]
    names += [name for sign_id in SIGN_IDS for name in (f"sign-{sign_id}", f"sign-{sign_id}-error")]
    names += ["summary-without-signs", "not-found"]
    return names


STATE_NAMES = _state_names()


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


def follow(page: Page, link: str) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name=link, exact=True).click()


def on_the_checklist(page: Page) -> bool:
    """The page of other withdrawal signs, which comes after the last withdrawal sign."""
    return page.locator(".checklist-row").count() > 0


def notices_shown(page: Page) -> list[str]:
    """The kinds of the notices at the top of the page (emergency, interruption), in order."""
    return page.locator("section[data-notice]").evaluate_all(
        "parts => parts.map(part => part.dataset.notice)"
    )


def answer_checklist(page: Page, answers: Mapping[str, str], default: str | None = "No") -> None:
    """Choose each sign's answer in its row (``default`` for a sign not in ``answers``,
    none if it is None), each found by the text next to it as ``submit`` finds a radio."""
    rows = page.locator(".checklist-row")
    found = set()
    for index in range(rows.count()):
        row = rows.nth(index)
        sign = row.locator("legend").inner_text().strip()
        label = answers.get(sign, default)
        found.add(sign)
        if label is not None:
            item = row.locator(".radios__item", has=page.get_by_text(label, exact=True))
            item.locator("input").check()
    missing = set(answers) - found
    assert not missing, f"no row for {sorted(missing)}"


def take_tour(page: Page, screenshots: Path) -> dict[str, State]:
    states: dict[str, State] = {}

    def here(name: str) -> None:
        record(page, name, screenshots, states)

    page.goto("/")
    here("start")
    follow(page, "Start now")
    here("who")
    submit(page)
    here("who-error")
    submit(page, "Someone else")
    here("safety")
    submit(page)
    here("safety-error")
    submit(page, "Yes")
    assert notices_shown(page) == ["emergency"], page.url
    here("emergency")
    submit(page)
    assert notices_shown(page) == ["emergency"], "refused, and the guidance went"
    here("emergency-error")
    submit(page, "Not prescribed to them")
    follow(page, "Back")
    assert notices_shown(page) == [], "the guidance was read, and is shown again"
    here("use-after-emergency")
    submit(page)
    for sign_id in SIGN_IDS:
        if shown := notices_shown(page):
            before = SIGN_IDS[SIGN_IDS.index(sign_id) - 1]
            assert shown == ["interruption"] and before in INTERRUPTING, (page.url, shown)
            here(f"interruption-{before}")
            submit(page)
            assert notices_shown(page) == ["interruption"], "refused, and the interruption went"
            here(f"interruption-{before}-error")
        if sign_id in INTERRUPTING:
            submit(page, "Often")
        else:
            submit(page, "Sometimes" if sign_id in {"sweating", "craving"} else "No")
        if on_the_checklist(page):
            here("other-signs")
            submit(page)
            here("other-signs-error")
            answer_checklist(page, {"Goosebumps": "Yes", "Trouble sleeping": "Not sure"}, None)
            submit(page)
            here("other-signs-partly-answered")
            answer_checklist(page, {"Goosebumps": "Yes", "Trouble sleeping": "Not sure"})
            submit(page)
    assert notices_shown(page) == []
    here("check-answers")
    # Changed answers call for their notices again, all shown here.
    follow(page, "Change the answer for: Emergency signs right now")
    submit(page, "Not sure")
    follow(page, "Change the answer for: Slow or shallow breathing")
    submit(page, "Sometimes")
    assert page.url.endswith("/check-answers")
    assert notices_shown(page) == ["emergency", "interruption"], notices_shown(page)
    here("check-answers-notices")
    submit(page, button="See your summary")
    here("summary-with-signs")
    submit(page, button="Start again")
    page.goto("/question/1")
    submit(page, "Myself")
    submit(page, "No")
    assert notices_shown(page) == []
    here("use")
    submit(page)
    here("use-error")
    submit(page, "Prescribed to me, and I take them as prescribed")
    for sign_id in SIGN_IDS:
        assert notices_shown(page) == [], page.url
        here(f"sign-{sign_id}")
        submit(page)
        here(f"sign-{sign_id}-error")
        submit(page, "No")
        if on_the_checklist(page):
            answer_checklist(page, {})
            submit(page)
    submit(page, button="See your summary")
    here("summary-without-signs")
    page.goto("/question/99")
    here("not-found")
    assert list(states) == STATE_NAMES, f"the tour and STATE_NAMES disagree: {list(states)}"
    return states

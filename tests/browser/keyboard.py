"""Use a page with the keyboard only, as a person who does not use a mouse."""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def focused(page: Page) -> str:
    """A short description of the focused element: tag, name, value and text."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return "";
            const label = el.labels && el.labels[0] ? el.labels[0].innerText : "";
            return [el.tagName.toLowerCase(), el.getAttribute("name") || "",
                    el.getAttribute("value") || "", (label || el.innerText || "").trim()].join("|");
        }"""
    )


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until an element matching ``selector`` (a Playwright selector) has focus."""
    targets = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if targets.evaluate_all("els => els.includes(document.activeElement)"):
            return
    raise AssertionError(f"{page.url}: Tab never reached {selector}")


def pick(page: Page, radios: Locator, label: str) -> None:
    """With the focus on one of ``radios`` (one group), use the arrow keys (and Space)
    to pick the one labelled ``label``."""
    labels = radios.evaluate_all("inputs => inputs.map(i => i.labels[0].innerText.trim())")
    target = labels.index(label)
    current = radios.evaluate_all("inputs => inputs.indexOf(document.activeElement)")
    assert current >= 0, f"{page.url}: the focus is not on one of the radios of {labels}"
    key = "ArrowDown" if target >= current else "ArrowUp"
    for _ in range(abs(target - current)):
        page.keyboard.press(key)
    page.keyboard.press("Space")
    assert radios.nth(target).is_checked(), f"{label} not chosen"


def choose(page: Page, label: str) -> None:
    """Tab into the radios, then use the arrow keys (and Space) to pick ``label``."""
    tab_to(page, 'input[type="radio"]')
    pick(page, page.locator('input[type="radio"]'), label)


def answer_rows(page: Page, answers: dict[str, str], default: str | None = "No") -> None:
    """Tab through the checklist's rows, picking each sign's answer with the arrow keys.

    A sign not in ``answers`` gets ``default``; with ``default=None`` the rows
    after the last one named are left as they are. Starts from the row that
    has the focus, or else Tabs to the first row.
    """
    rows = page.locator(".checklist-row")
    if not rows.evaluate_all("rows => rows.some(row => row.contains(document.activeElement))"):
        tab_to(page, '.checklist-row input[type="radio"]')
    start = rows.evaluate_all("rows => rows.findIndex(row => row.contains(document.activeElement))")
    wanted = dict(answers)
    for index in range(start, rows.count()):
        row = rows.nth(index)
        sign = row.locator("legend").inner_text().strip()
        label = wanted.pop(sign, default)
        if label is None:
            if not wanted:
                break
        else:
            pick(page, row.locator('input[type="radio"]'), label)
        if index + 1 < rows.count():
            page.keyboard.press("Tab")
            # Tab leaves a group of radios for the next group, not the next radio.
            assert rows.nth(index + 1).evaluate("row => row.contains(document.activeElement)")
    assert not wanted, f"no row for {sorted(wanted)}"


def press_button(page: Page, text: str) -> None:
    """Tab to the button or link with ``text`` and press Enter."""
    tab_to(page, f':is(button, a):text-is("{text}")')
    with page.expect_navigation():
        page.keyboard.press("Enter")


def answer(page: Page, label: str) -> None:
    choose(page, label)
    press_button(page, "Continue")

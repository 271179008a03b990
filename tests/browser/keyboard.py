"""Use a page with the keyboard only, as a person who does not use a mouse."""

from __future__ import annotations

from playwright.sync_api import Page


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


def choose(page: Page, label: str) -> None:
    """Tab into the radios, then use the arrow keys (and Space) to pick ``label``."""
    tab_to(page, 'input[type="radio"]')
    labels = page.eval_on_selector_all(
        'input[type="radio"]', "inputs => inputs.map(i => i.labels[0].innerText.trim())"
    )
    target = labels.index(label)
    current = page.evaluate(
        "() => [...document.querySelectorAll('input[type=radio]')].indexOf(document.activeElement)"
    )
    key = "ArrowDown" if target >= current else "ArrowUp"
    for _ in range(abs(target - current)):
        page.keyboard.press(key)
    page.keyboard.press("Space")
    assert page.is_checked(f'input[type="radio"] >> nth={target}'), f"{label} not chosen"


def press_button(page: Page, text: str) -> None:
    """Tab to the button or link with ``text`` and press Enter."""
    tab_to(page, f':is(button, a):text-is("{text}")')
    with page.expect_navigation():
        page.keyboard.press("Enter")


def answer(page: Page, label: str) -> None:
    choose(page, label)
    press_button(page, "Continue")


def tick(page: Page, labels: list[str]) -> None:
    """Tab through the checkboxes, pressing Space on each one named in ``labels``."""
    boxes = page.locator('input[type="checkbox"]')
    wanted = set(labels)
    tab_to(page, 'input[type="checkbox"]')
    for index in range(boxes.count()):
        if index:
            page.keyboard.press("Tab")
        label = page.evaluate("() => document.activeElement.labels[0].innerText.trim()")
        if label in wanted:
            page.keyboard.press("Space")
            wanted.discard(label)
    assert not wanted, f"no checkbox for {sorted(wanted)}"

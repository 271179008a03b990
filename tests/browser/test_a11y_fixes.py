"""The idle warning and the keyboard focus, the Shift shortcut's time window,
hyphenation at 320 px with 200% text, and the details marker in forced colours.

Each test here fails without its fix.
"""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import Page, expect

# --- The idle warning takes the focus, and gives it back after "Keep my answers"


def on_a_clock(everything_seen, path: str) -> Page:
    """A page whose clock the test runs forward (the idle warning's timers run on it)."""
    page = everything_seen(360)
    page.clock.install()
    page.goto(path)
    return page


def test_the_idle_warning_takes_the_focus_and_keep_gives_it_back(everything_seen):
    page = on_a_clock(everything_seen, "/question/8")
    chosen = page.get_by_label("Sometimes", exact=True)
    chosen.check()  # chosen, not yet sent
    expect(chosen).to_be_focused()
    page.clock.run_for("58:00")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("your answers will be cleared in 2 minutes")
    # The warning is all that matters now: the focus is on it, and the
    # button is the next stop.
    expect(alert).to_be_focused()
    assert alert.get_attribute("tabindex") == "-1"
    page.keyboard.press("Tab")
    keep = alert.get_by_role("button", name="Keep my answers")
    expect(keep).to_be_focused()
    page.keyboard.press("Enter")
    expect(alert).to_have_text("Your answers are kept for another 60 minutes.")
    # Back where the person was, with what they chose still chosen.
    expect(chosen).to_be_focused()
    expect(chosen).to_be_checked()
    # The next warning takes the focus again, and gives it back again.
    page.clock.run_for("58:00")
    expect(alert).to_be_focused()
    alert.get_by_role("button", name="Keep my answers").click()
    expect(alert).to_have_text("Your answers are kept for another 60 minutes.")
    expect(chosen).to_be_focused()


def test_after_keep_the_focus_goes_to_the_main_content_if_its_place_is_gone(everything_seen):
    page = on_a_clock(everything_seen, "/question/8")
    page.locator(".details__summary").focus()
    page.clock.run_for("58:00")
    alert = page.get_by_role("alert")
    expect(alert).to_be_focused()
    page.locator(".details").evaluate("element => element.remove()")
    alert.get_by_role("button", name="Keep my answers").click()
    expect(alert).to_have_text("Your answers are kept for another 60 minutes.")
    expect(page.locator("main")).to_be_focused()


def test_when_the_answers_are_cleared_the_focus_stays_on_the_warning(everything_seen):
    page = on_a_clock(everything_seen, "/question/8")
    page.clock.run_for("58:00")
    alert = page.get_by_role("alert")
    page.keyboard.press("Tab")
    expect(alert.get_by_role("button", name="Keep my answers")).to_be_focused()
    page.clock.run_for("02:00")
    expect(alert).to_contain_text("your answers were cleared after 60 minutes")
    # The button went with the warning; the focus did not go with it.
    expect(alert).to_be_focused()


# --- Shift pressed three times: within 5 seconds of each other, as in GOV.UK's component


def test_shift_three_times_slowly_does_not_exit_and_quickly_does(everything_seen, live_app):
    page = everything_seen(360)
    page.clock.install()
    page.goto("/question/8")
    status = page.locator("[data-exit-status]")
    for _ in range(3):
        page.keyboard.press("Shift")
        expect(status).to_have_text("Shift, press 2 more times to exit.")
        # More than 5 seconds until the next press: the count starts again.
        page.clock.run_for(5_100)
        expect(status).to_have_text("")
    assert page.url.endswith("/question/8")
    # Within the window of the press before, each press counts.
    page.keyboard.press("Shift")
    page.clock.run_for(4_500)
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 1 more time to exit.")
    page.clock.run_for(4_500)
    with page.expect_navigation():
        page.keyboard.press("Shift")
    assert page.url == live_app.config["EXIT_URL"]


# --- Hyphenation at 320 px with 200% text

# Elements with words of their own whose computed style lets a word break
# without a hyphen: "hyphens" other than auto, or "overflow-wrap: anywhere"
# outside phone numbers and web addresses.
UNHYPHENATED = """() => {
  const numbers = 'a[href^="tel:"], a[href^="sms:"], a[href^="http"]';
  const wrong = [];
  for (const element of document.querySelectorAll("body *")) {
    if (element.closest(".visually-hidden, script, style, [hidden]")) continue;
    const words = [...element.childNodes].some(
      (node) => node.nodeType === Node.TEXT_NODE && /\\p{L}{2}/u.test(node.textContent)
    );
    if (!words) continue;
    const style = getComputedStyle(element);
    const name = `${element.tagName.toLowerCase()}.${element.className}`;
    if (style.hyphens !== "auto") wrong.push(`${name}: hyphens ${style.hyphens}`);
    if (style.overflowWrap === "anywhere" && !element.closest(numbers))
      wrong.push(`${name}: overflow-wrap anywhere`);
  }
  return wrong;
}"""


@pytest.mark.parametrize("locale, lang", [("en-US", "en"), ("es-US", "es")])
@pytest.mark.parametrize("name", ["emergency", "sign-shallow-breathing"])
def test_words_hyphenate_in_the_page_language_at_320_pixels_with_200_percent_text(
    everything_seen, pages, name, locale, lang
):
    page = everything_seen(320, locale=locale)
    pages.open(page, name)
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    # Hyphenation follows the language the page says it is in.
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert page.evaluate(UNHYPHENATED) == []
    for selector in [".heading-l", "main p", "main li, .radios__label", "button.button"]:
        style = page.locator(selector).first.evaluate(
            "element => [getComputedStyle(element).hyphens, getComputedStyle(element).overflowWrap]"
        )
        assert style == ["auto", "break-word"], selector
    # Phone numbers are not words: they may still break anywhere.
    phones = page.locator('a[href^="tel:"]')
    assert phones.count() >= 2
    for index in range(phones.count()):
        wrap = phones.nth(index).evaluate("element => getComputedStyle(element).overflowWrap")
        assert wrap == "anywhere", phones.nth(index).inner_text()
    # And nothing pushes the page sideways.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} scrolls sideways by {overflow}px"


# --- The details marker in forced colours (Windows High Contrast)

# The marker as a grid of ink ("#") and background ("."): the first cluster
# of ink columns from the left of a screenshot of the summary.
MARKER = """async (png) => {
  const image = new Image();
  image.src = "data:image/png;base64," + png;
  await image.decode();
  const canvas = document.createElement("canvas");
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d");
  context.drawImage(image, 0, 0);
  const data = context.getImageData(0, 0, image.width, image.height).data;
  const pixel = (x, y) => data.slice((y * image.width + x) * 4, (y * image.width + x) * 4 + 3);
  const background = pixel(0, 0);
  const ink = (x, y) =>
    pixel(x, y).reduce((sum, value, i) => sum + Math.abs(value - background[i]), 0) > 240;
  const inked = (x) => [...Array(image.height).keys()].some((y) => ink(x, y));
  let left = 0;
  while (left < image.width && !inked(left)) left++;
  let right = left;
  while (right < image.width && inked(right)) right++;
  const rows = [];
  for (let y = 0; y < image.height; y++) {
    let row = "";
    for (let x = left; x < right; x++) row += ink(x, y) ? "#" : ".";
    if (row.includes("#")) rows.push(row);
  }
  return rows;
}"""


def marker(page: Page, blank: Page) -> list[str]:
    png = base64.b64encode(page.locator(".details__summary").screenshot()).decode()
    return blank.evaluate(MARKER, png)


def test_in_forced_colours_the_details_marker_shows_open_and_closed(everything_seen):
    page = everything_seen(360)
    page.goto("/question/8")
    page.emulate_media(forced_colors="active")
    assert page.evaluate("matchMedia('(forced-colors: active)').matches")
    # A page of our own, without the check's content security policy, reads the pixels.
    blank = page.context.new_page()
    closed = marker(page, blank)
    page.locator(".details").evaluate("element => { element.open = true; }")
    opened = marker(page, blank)
    shapes = "\n".join(closed) + "\n\n" + "\n".join(opened)
    assert len(closed) > 5 and len(opened) > 5, shapes
    assert closed != opened, shapes
    # Closed: a triangle pointing right (its right-hand corners are empty).
    assert closed[0][-1] == "." and closed[-1][-1] == ".", shapes
    assert closed[len(closed) // 2][-1] == "#", shapes
    # Open: a triangle pointing down (its lower corners are empty).
    assert opened[-1][0] == "." and opened[-1][-1] == ".", shapes
    assert re.fullmatch(r"#+", opened[0]), shapes

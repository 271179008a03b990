"""Small and large screens, touch targets, text at 200%, focus, structure and print."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PAGES, printed_text

PAGE_NAMES = list(PAGES)


def sideways_overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def clipped_elements(page: Page) -> list[str]:
    """Elements whose content is wider than their box and cut off."""
    return page.evaluate(
        """() => [...document.querySelectorAll('body *')].filter(el => {
            const style = getComputedStyle(el);
            if (style.display === 'none' || el.closest('.visually-hidden')) return false;
            const clips = ['hidden', 'clip'].includes(style.overflowX);
            return clips && el.scrollWidth > el.clientWidth + 1;
        }).map(el => el.outerHTML.slice(0, 120))"""
    )


@pytest.mark.parametrize("width", [320, 1280])
def test_no_page_scrolls_sideways(everything_seen, pages, width):
    page = everything_seen(width)
    for name in PAGES:
        pages.open(page, name)
        assert sideways_overflow(page) <= 0, f"{name} scrolls sideways at {width}px"


def test_touch_targets_are_at_least_24_by_24_pixels(everything_seen, pages):
    page = everything_seen(320)
    for name in PAGES:
        pages.open(page, name)
        small = page.evaluate(
            """() => [...document.querySelectorAll('a, button, input, summary, label')]
                .filter(el => el.getClientRects().length > 0)
                // Links inside a sentence are exempt (WCAG 2.5.8, inline targets).
                .filter(el => !(el.tagName === 'A' && el.closest('p')))
                .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect()])
                .filter(([, box]) => box.width < 24 || box.height < 24)
                .map(([html, box]) => `${html} is ${box.width}x${box.height}`)"""
        )
        assert not small, f"{name}: {small}"


@pytest.mark.parametrize("width", [320, 1280])
def test_text_at_200_percent_loses_nothing(everything_seen, pages, width):
    page = everything_seen(width)
    for name in PAGES:
        pages.open(page, name)
        before = page.evaluate("document.body.innerText")
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert sideways_overflow(page) <= 0, f"{name} scrolls sideways with 200% text"
        assert not clipped_elements(page), f"{name}: {clipped_elements(page)}"
        assert page.evaluate("document.body.innerText") == before


def test_every_interactive_element_shows_where_the_focus_is(everything_seen, pages):
    page = everything_seen(1280)
    style = """el => { const s = getComputedStyle(el);
        return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow,
                s.backgroundColor, s.color, s.textDecorationLine].join(' ') }"""
    for name in PAGES:
        pages.open(page, name)
        page.locator("body").focus()
        reached = 0
        for _ in range(60):
            page.keyboard.press("Tab")
            element = page.evaluate_handle("document.activeElement")
            if page.evaluate("el => el === document.body", element):
                break
            focused_style = page.evaluate(style, element)
            page.evaluate("el => el.blur()", element)
            resting_style = page.evaluate(style, element)
            page.evaluate("el => el.focus({focusVisible: true})", element)
            description = page.evaluate("el => el.outerHTML.slice(0, 100)", element)
            assert focused_style != resting_style, f"{name}: no visible focus on {description}"
            reached += 1
        assert reached >= 3, f"{name}: only {reached} elements could be reached with Tab"


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_structure_lang_skip_link_and_headings_in_order(everything_seen, pages, name):
    page = everything_seen(360)
    pages.open(page, name)
    assert page.evaluate("document.documentElement.lang") == "en"
    levels = page.eval_on_selector_all("h1, h2, h3, h4, h5, h6", "hs => hs.map(h => +h.tagName[1])")
    assert levels[0] == 1 and levels.count(1) == 1, levels
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    skip = page.locator(".skip-link")
    if page.locator("[autofocus]").count():
        # A page with a notice opens with the focus on it, so that it is read
        # first (tests/browser/test_notices.py): the skip link is then the
        # first stop of the page going back, with nothing before it.
        expect(page.locator("[autofocus]")).to_be_focused()
        for _ in range(10):
            page.keyboard.press("Shift+Tab")
            if skip.evaluate("element => element === document.activeElement"):
                break
        expect(skip).to_be_focused()
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement === document.body"), "a stop before it"
        page.keyboard.press("Tab")
    else:
        page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, "skip link not on screen"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_the_printed_summary_has_the_signs_and_help_but_no_controls(everything_seen):
    page = everything_seen(1280)
    page.goto("/summary")
    text = printed_text(page)
    for expected in [
        "Your summary",
        "Slow or shallow breathing",
        "Sweating",
        "Strong craving for opioids",
        "Sweating a lot is a common withdrawal sign.",
        "Talk to a clinician",
        "988 Suicide & Crisis Lifeline",
        "SAMHSA National Helpline",
        "1-800-662-4357",
        "FindTreatment.gov",
        "It is not a diagnosis",
    ]:
        assert expected in text, f"{expected!r} missing from the printed summary"
    for absent in ["Exit this page", "Skip to main content", "Back", "Start again", "Print this"]:
        assert absent not in text, f"{absent!r} is printed"


@pytest.mark.parametrize(
    ("locale", "lines"),
    [
        (
            "en-US",
            [
                "About this summary",
                "Made on ",
                "Content last reviewed: December 6, 2026 · Next review due: December 6, 2027",
                "Content version 1.2",
            ],
        ),
        (
            "es-US",
            [
                "Sobre este resumen",
                "Hecho el ",
                "Contenido revisado por última vez: 6 de diciembre de 2026 · "
                "Próxima revisión del contenido: 6 de diciembre de 2027",
                "Versión del contenido: 1.2",
            ],
        ),
    ],
)
def test_the_printed_summary_says_when_it_was_made_and_how_current_its_words_are(
    everything_seen, locale, lines
):
    """A copy brought to a visit says when it was made, and when its words were checked."""
    page = everything_seen(1280, locale=locale)
    page.goto("/summary")
    text = printed_text(page)
    for line in lines:
        assert line in text, f"{line!r} missing from the printed summary ({locale})"
    # The day it was made, as the page wrote it (the page's own words, not the test's clock).
    made = page.locator(".about-summary p").inner_text().splitlines()[0]
    assert " ".join(made.split()) in text


def test_shift_three_times_exits_and_back_does_not_bring_the_answers_back(
    everything_seen, live_app
):
    page = everything_seen(360)
    page.goto("/")
    page.goto("/question/8")
    expect(page.get_by_label("Often", exact=True)).to_be_checked()
    with page.expect_navigation():
        for _ in range(3):
            page.keyboard.press("Shift")
    assert page.url == live_app.config["EXIT_URL"]
    page.go_back()
    # The history entry of the question page was replaced: Back goes to the page before.
    assert page.url.endswith("/")
    page.goto("/question/8")
    assert page.url.endswith("/question/1"), "the answers were not cleared"
    expect(page.locator("input:checked")).to_have_count(0)


def test_shift_pressed_with_other_keys_between_does_not_exit(everything_seen):
    page = everything_seen(360)
    page.goto("/question/8")
    for key in ["Shift", "Shift", "a", "Shift"]:
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.url.endswith("/question/8")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_exit_link_clears_the_answers(everything_seen, live_app, javascript):
    page = everything_seen(360, javascript=javascript)
    page.goto("/question/8")
    with page.expect_navigation():
        page.get_by_role("link", name="Exit this page").click()
    assert page.url == live_app.config["EXIT_URL"]
    page.goto("/summary")
    assert page.url.endswith("/question/1")


def test_the_site_a_person_leaves_for_is_not_told_where_they_came_from(
    everything_seen, neutral_site
):
    page = everything_seen(360)
    page.goto("/question/4")
    seen_before = len(neutral_site.received)
    with page.expect_navigation():
        page.get_by_role("link", name="Exit this page").click()
    arrivals = neutral_site.received[seen_before:]
    assert arrivals, "the neutral site was not reached"
    for headers in arrivals:
        names = {name.lower() for name in headers}
        assert "referer" not in names, headers
    assert page.evaluate("document.referrer") == ""

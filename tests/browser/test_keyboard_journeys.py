"""Journeys walked with the keyboard only, with JavaScript on and off."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import EVERYTHING_SEEN, new_context, seed
from tests.browser.keyboard import answer, answer_rows, choose, focused, press_button, tab_to

NINE_SIGNS = ["No", "No", "No", "Sometimes", "Often", "No", "Not sure", "Sometimes", "No"]


def start(page: Page) -> None:
    page.goto("/")
    press_button(page, "Start now")
    expect(page).to_have_url(re.compile(r"/question/1$"))


def test_someone_else_all_nine_signs_change_one_answer_and_see_the_summary(any_page: Page):
    page = any_page
    start(page)
    answer(page, "Someone else")
    answer(page, "No")
    answer(page, "A mix of these")
    for label in NINE_SIGNS[:8]:
        answer(page, label)
    # After the last withdrawal sign: the other withdrawal signs, each with its own
    # row of Yes, No and Not sure, chosen with the arrow keys.
    expect(page).to_have_url(re.compile(r"/question/12$"))
    answer_rows(page, {"Yawning a lot": "Yes", "Trouble sleeping": "Yes", "Goosebumps": "Not sure"})
    press_button(page, "Continue")
    answer(page, NINE_SIGNS[8])
    expect(page).to_have_url(re.compile(r"/check-answers$"))
    others = page.locator(".summary-list__row", has_text="Other withdrawal signs")
    expect(others.locator("li")).to_have_text(["Yawning a lot", "Trouble sleeping"])
    # Change the answer for sweating, with the keyboard, and come back here.
    tab_to(page, 'a[href="/question/8"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_label("Often", exact=True)).to_be_checked()
    answer(page, "Sometimes")
    expect(page).to_have_url(re.compile(r"/check-answers$"))
    sweating = page.locator(".summary-list__row", has_text="Sweating")
    expect(sweating.locator(".summary-list__value")).to_have_text("Sometimes")
    press_button(page, "See your summary")
    expect(page).to_have_url(re.compile(r"/summary$"))
    expect(page.locator("h1")).to_have_text("Your summary")
    expect(page.locator("main")).to_contain_text("Signs you noticed in them")
    expect(page.locator("main")).to_contain_text("Strong craving for opioids")
    expect(page.locator("main")).to_contain_text("Yawning a lot, Trouble sleeping")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_every_sign_of_the_checklist_needs_an_answer_with_or_without_javascript(
    browser, live_server, live_app, javascript
):
    """A row left without an answer is refused, the answers given are kept, and the
    error summary's link leads to the first row without one."""
    context = new_context(browser, live_server, live_app, javascript=javascript)
    # Part-way through: at the checklist, the last sign (after it) not yet answered.
    answers = {
        sign: answer for sign, answer in EVERYTHING_SEEN.answers.items() if sign != "headaches"
    }
    unanswered = replace(EVERYTHING_SEEN, answers=answers, checklist=None, confirmed=False)
    seed(context, live_app, live_server, unanswered)
    page = context.new_page()
    page.goto("/question/12")
    expect(page.locator(".checklist-row input:checked")).to_have_count(0)
    answer_rows(
        page,
        {"Yawning a lot": "Yes", "Runny nose or watery eyes": "No", "Goosebumps": "Not sure"},
        None,
    )
    press_button(page, "Continue")
    expect(page).to_have_url(re.compile(r"/question/12$"))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose Yes, No or Not sure for each sign")
    rows = page.locator(".checklist-row")
    expect(rows.nth(0).get_by_label("Yes", exact=True)).to_be_checked()
    expect(rows.nth(1).get_by_label("No", exact=True)).to_be_checked()
    expect(rows.nth(2).get_by_label("Not sure", exact=True)).to_be_checked()
    # Each row left out says so; the ones answered do not.
    expect(rows.locator(".error-message")).to_have_count(rows.count() - 3)
    expect(rows.nth(2).locator(".error-message")).to_have_count(0)
    tab_to(page, ".error-summary a")
    page.keyboard.press("Enter")
    # The first radio of the first row without an answer (diarrhea).
    assert focused(page).startswith("input|sign3|"), focused(page)
    expect(rows.nth(3).get_by_label("Yes", exact=True)).to_be_focused()
    answer_rows(page, {"Diarrhea (loose or watery stools)": "Not sure"})
    press_button(page, "Continue")
    expect(page).to_have_url(re.compile(r"/question/13$"))
    context.close()


def test_the_emergency_path(any_page: Page):
    page = any_page
    start(page)
    answer(page, "Myself")
    answer(page, "Yes")
    # At the top of the next question's page: the address says nothing of the answer.
    expect(page).to_have_url(re.compile(r"/question/3$"))
    notice = page.locator("section[data-notice]")
    expect(notice).to_be_focused()
    expect(page.locator("h1")).to_have_text("Call 911 now")
    # The first stop after the guidance's start is its 911 button.
    page.keyboard.press("Tab")
    expect(notice.locator('a[href="tel:911"]')).to_be_focused()
    # Below it, the page's own question, answered as any other.
    expect(page.locator("form h2")).to_have_text("Which best describes how you use opioids?")
    answer(page, "Prescribed to me, and I take them as prescribed")
    expect(page).to_have_url(re.compile(r"/question/4$"))
    # Read: back on that page, only the question.
    press_button(page, "Back")
    expect(page).to_have_url(re.compile(r"/question/3$"))
    expect(page.locator("section[data-notice]")).to_have_count(0)
    expect(page.locator("h1")).to_have_text("Which best describes how you use opioids?")


def test_the_interruption_path(any_page: Page):
    page = any_page
    start(page)
    answer(page, "Someone else")
    answer(page, "No")
    answer(page, "Not prescribed to them")
    answer(page, "No")
    answer(page, "Often")
    expect(page).to_have_url(re.compile(r"/question/6$"))
    expect(page.locator("section[data-notice]")).to_be_focused()
    expect(page.locator("h1")).to_have_text("Small pupils: when to get help right away")
    expect(page.locator("form h2")).to_have_text(
        "Has their speech become slurred or hard to understand?"
    )
    answer(page, "No")
    expect(page).to_have_url(re.compile(r"/question/7$"))
    press_button(page, "Back")
    expect(page).to_have_url(re.compile(r"/question/6$"))
    expect(page.locator("section[data-notice]")).to_have_count(0)
    expect(page.locator("h1")).to_have_text(
        "Has their speech become slurred or hard to understand?"
    )


def test_the_error_path(any_page: Page):
    page = any_page
    start(page)
    press_button(page, "Continue")
    # Titled by its place, as every page at a question's address is.
    expect(page).to_have_title(re.compile(r"^Error: Question 1 of 13 – "))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    # The link in the error summary takes the person to the answers.
    tab_to(page, ".error-summary a")
    page.keyboard.press("Enter")
    expect(page.locator("#answer-0")).to_be_focused()
    choose(page, "Myself")
    press_button(page, "Continue")
    # No "#answer-0" carried over: the next page opens at its top, on the question.
    expect(page).to_have_url(re.compile(r"/question/2$"))

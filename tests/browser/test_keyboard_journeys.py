"""Journeys walked with the keyboard only, with JavaScript on and off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.keyboard import answer, choose, press_button, tab_to, tick

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
    # After the last withdrawal sign: the other withdrawal signs, ticked with Space.
    expect(page).to_have_url(re.compile(r"/question/12$"))
    tick(page, ["Yawning a lot", "Trouble sleeping"])
    press_button(page, "Continue")
    answer(page, NINE_SIGNS[8])
    expect(page).to_have_url(re.compile(r"/check-answers$"))
    others = page.locator(".summary-list__row", has_text="Other withdrawal signs")
    expect(others.locator("li")).to_have_text(["Yawning a lot", "Trouble sleeping"])
    # Change the answer for sweating, with the keyboard, and come back here.
    tab_to(page, 'a[href="/question/8"]')
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator('input[value="often"]')).to_be_checked()
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
def test_none_of_these_stands_alone_with_or_without_javascript(everything_seen, javascript):
    """With JavaScript, ticking None of these clears the signs at once; without it,
    the server asks, and keeps what was ticked."""
    page = everything_seen(javascript=javascript)
    page.goto("/question/12")
    expect(page.locator('input[value="yawning"]')).to_be_checked()
    tick(page, ["None of these"])
    if javascript:
        expect(page.locator('input[value="yawning"]')).not_to_be_checked()
        expect(page.locator('input[value="larger-pupils"]')).not_to_be_checked()
        tick(page, ["Goosebumps"])
        expect(page.locator('input[value="none"]')).not_to_be_checked()
        press_button(page, "Continue")
        expect(page).to_have_url(re.compile(r"/check-answers$"))
    else:
        press_button(page, "Continue")
        expect(page).to_have_url(re.compile(r"/question/12$"))
        expect(page.locator(".error-summary")).to_contain_text("on its own")
        expect(page.locator('input[value="yawning"]')).to_be_checked()
        expect(page.locator('input[value="none"]')).to_be_checked()


def test_the_emergency_path(any_page: Page):
    page = any_page
    start(page)
    answer(page, "Myself")
    answer(page, "Yes")
    # In the place of the next question: the address says nothing of the answer.
    expect(page).to_have_url(re.compile(r"/question/3$"))
    expect(page.locator("h1")).to_have_text("Call 911 now")
    expect(page.locator('main a[href="tel:911"]')).to_be_visible()
    press_button(page, "Continue with the check")
    expect(page).to_have_url(re.compile(r"/question/3$"))
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
    expect(page.locator("h1")).to_have_text("Small pupils: when to get help right away")
    press_button(page, "Continue with the check")
    expect(page).to_have_url(re.compile(r"/question/6$"))
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

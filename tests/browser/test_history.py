"""What a journey leaves in the browser's own history, read from Chromium's History database.

Each journey runs in a browser profile of its own, kept on disk as a person's
is; once the browser is closed, its History file is read with sqlite3.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, Playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, keep_traffic_local
from tests.browser.tour import answer_checklist, notices_shown, on_the_checklist, submit

NOTHING_NOTICED = {
    "/question/1": "Myself",
    "/question/2": "No",
    "/question/3": "Prescribed to me, and I take them as prescribed",
    "sign": "No",
    # Every sign of the checklist page: No.
    "checklist": {},
}
EVERY_ALARM = {
    "/question/1": "Someone else",
    "/question/2": "Yes",
    "/question/3": "Not prescribed to them",
    "sign": "Often",
    # Yes for these; No for the other signs of the checklist page.
    "checklist": {"Yawning a lot": "Yes", "Goosebumps": "Yes"},
}
# The headings of the emergency guidance and of the interruptions.
NOTICE_TITLES = [
    "Call 911 now",
    "This can be a sign of too much opioid",
    "Small pupils: when to get help right away",
]

History = set[tuple[str, str]]


def take_the_check(page: Page, answers: dict, until: Callable[[Page], bool]) -> None:
    """Answer as a person does, with the mouse, until ``until``.

    A notice is read where it is shown, at the top of a page, and the page's
    question below it answered.
    """
    page.goto("/")
    with page.expect_navigation():
        page.get_by_role("link", name="Start now").click()
    while not until(page):
        path = urlsplit(page.url).path
        if on_the_checklist(page):
            answer_checklist(page, answers["checklist"])
            submit(page)
        elif path == "/check-answers":
            submit(page, button="See your summary")
        else:
            submit(page, answers.get(path, answers["sign"]))


@pytest.fixture
def history_after(
    playwright: Playwright, tmp_path: Path, live_server: str, live_app: Flask
) -> Iterator[Callable[..., History]]:
    """Runs a journey in a fresh profile on disk and returns the history it left:
    each address on this site (its path) with the title Chromium kept for it."""

    def run(
        answers: dict,
        until: Callable[[Page], bool],
        then: Callable[[Page], None],
        javascript: bool = True,
    ) -> History:
        profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            base_url=live_server,
            ignore_https_errors=True,
            viewport={"width": 360, "height": 800},
            java_script_enabled=javascript,
        )
        context.set_default_timeout(10_000)
        keep_traffic_local(context, live_server, live_app.config["EXIT_URL"])
        page = context.pages[0] if context.pages else context.new_page()
        take_the_check(page, answers, until)
        then(page)
        context.close()
        with sqlite3.connect(profile / "Default" / "History") as database:
            rows = database.execute("SELECT url, title FROM urls").fetchall()
        assert rows, "Chromium kept no history, so this test would prove nothing"
        return {(urlsplit(url).path, title) for url, title in rows if url.startswith(live_server)}

    yield run


def at_summary(page: Page) -> bool:
    return page.url.endswith("/summary")


def stay(page: Page) -> None:
    """Leave the browser as it is: closing it is the end of the journey."""


def test_the_history_of_any_journey_is_the_same_places_with_the_same_titles(history_after):
    """The same addresses, each titled by its place: not by a notice, nor by whom it is about."""
    quiet = history_after(NOTHING_NOTICED, at_summary, stay)
    alarmed = history_after(EVERY_ALARM, at_summary, stay)
    assert alarmed == quiet
    paths = {path for path, _ in quiet}
    assert paths == {"/", *(f"/question/{n}" for n in range(1, 14)), "/check-answers", "/summary"}
    for _, title in alarmed:
        assert not any(notice in title for notice in NOTICE_TITLES), title


def at_a_notice(page: Page) -> bool:
    return bool(notices_shown(page))


def exit_with_the_link(page: Page) -> None:
    with page.expect_navigation():
        page.get_by_role("link", name="Exit this page").click()


def exit_with_shift(page: Page) -> None:
    with page.expect_navigation():
        for _ in range(3):
            page.keyboard.press("Shift")


@pytest.mark.parametrize("leave", [exit_with_the_link, exit_with_shift], ids=["link", "shift"])
def test_leaving_from_a_notice_leaves_the_neutral_sites_title_in_its_place(history_after, leave):
    """Exit this page replaces the page with the notice in the history: its title goes too."""
    history = history_after(EVERY_ALARM, at_a_notice, leave)
    assert ("/question/3", "Weather") in history
    for _, title in history:
        assert not any(notice in title for notice in NOTICE_TITLES), title


def stop_there(page: Page) -> None:
    """The person closes the browser on the page they are at."""


def test_closing_the_browser_at_a_notice_leaves_the_title_of_its_place(history_after):
    """The emergency guidance, likely the last thing read before a call: its page's address
    and title are those of the question it is shown above."""
    quiet = history_after(NOTHING_NOTICED, at_summary, stay)
    alarmed = history_after(EVERY_ALARM, at_a_notice, stop_there)
    assert ("/question/3", "Question 3 of 13 – Opioid signs self-check") in alarmed
    assert alarmed <= quiet

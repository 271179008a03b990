"""What a keyboard, a screen reader or a browser without JavaScript meets.

Each test here failed before its fix: Shift+Tab counted towards the quick
exit, controls that need JavaScript were only hidden, symbols were part of
link names, and the Spanish header overflowed a small screen at 200% text.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from questionnaire.web.state import cookie_name
from tests.browser.conftest import EVERYTHING_SEEN, new_context

# The production server is reached over HTTPS: the check's cookie at the root.
ROOT_COOKIE = cookie_name("session", secure=True, at_root=True)


def test_shift_tab_does_not_count_towards_the_quick_exit(everything_seen):
    page = everything_seen(360)
    page.goto("/question/8")
    status = page.locator("[data-exit-status]")
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
    expect(status).to_have_text("")
    # Shift+Tab, then two lone Shifts: still only two.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 1 more time to exit.")
    page.wait_for_timeout(300)
    assert page.url.endswith("/question/8")
    # A capital letter typed with Shift starts the count again, and so does
    # Alt+Shift, which switches keyboard layouts.
    page.keyboard.press("Shift+A")
    expect(status).to_have_text("")
    for _ in range(3):
        page.keyboard.press("Alt+Shift")
    expect(status).to_have_text("")
    page.keyboard.press("Shift")
    expect(status).to_have_text("Shift, press 2 more times to exit.")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_controls_that_need_javascript_exist_only_with_it(everything_seen, javascript):
    page = everything_seen(360, javascript=javascript)
    page.goto("/summary")
    print_button = page.get_by_role("button", name="Print this summary")
    page.goto("/")
    shift_tip = page.get_by_text("press the Shift key 3 times")
    if javascript:
        expect(shift_tip).to_be_visible()
        page.goto("/summary")
        expect(print_button).to_be_visible()
        # Before Start again, after the line on keeping a copy.
        actions = page.locator(".actions > *")
        expect(actions.nth(1)).to_have_text("Print this summary")
        # The empty region the idle warning will fill: nothing to see until then.
        expect(page.get_by_role("alert")).to_have_count(1)
        expect(page.get_by_role("alert")).to_have_text("")
    else:
        expect(shift_tip).to_have_count(0)
        page.goto("/summary")
        expect(print_button).to_have_count(0)
        expect(page.get_by_role("alert")).to_have_count(0)
        expect(page.locator("[hidden]")).to_have_count(0)


def test_link_names_hold_words_only(everything_seen):
    page = everything_seen(360)
    page.goto("/question/8")
    expect(page.locator(".back-link")).to_have_accessible_name("Back")
    expect(page.locator(".details__summary")).to_have_accessible_name("What does this mean?")
    # The drawn symbols are still there to see.
    for selector in [".back-link", ".details__summary"]:
        width = page.eval_on_selector(
            selector, "el => parseFloat(getComputedStyle(el, '::before').width)"
        )
        assert width > 0, selector


def test_landmark_navigation_reaches_the_help_line_and_the_back_link(everything_seen):
    page = everything_seen(360)
    page.goto("/question/8")
    banner = page.get_by_role("banner")
    expect(banner.get_by_role("link", name="911")).to_be_visible()
    expect(banner.get_by_role("link", name="988")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link", name="Back")).to_be_visible()


@pytest.mark.parametrize("path", ["/", "/question/8", "/summary", "/private-window"])
def test_the_spanish_header_wraps_at_320_pixels_with_200_percent_text(everything_seen, path):
    page = everything_seen(320, locale="es-US")
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"


def on_a_clock(everything_seen, path: str) -> Page:
    """A page whose clock the test runs forward (the idle warning's timers run on it)."""
    page = everything_seen(360)
    page.clock.install()
    page.goto(path)
    return page


def idle_for(page: Page, live_app, live_server: str, minutes: int, seconds: int = 0) -> None:
    """Make the answers this long idle by the server's clock too."""
    serializer = live_app.session_interface.get_signing_serializer(live_app)
    last_seen = int(time.time()) - minutes * 60 - seconds
    idle = {"progress": EVERYTHING_SEEN.to_dict(), "last_seen": last_seen}
    page.context.add_cookies(
        [{"name": ROOT_COOKIE, "value": serializer.dumps(idle), "url": live_server}]
    )


def test_the_cleared_answers_notice_is_focused_so_a_screen_reader_says_it(
    browser, live_server, live_app
):
    context = new_context(browser, live_server, live_app)
    page: Page = context.new_page()
    # Past the idle limit only (not the limit counted from the first answer).
    idle_for(page, live_app, live_server, 61)
    page.goto("/summary")
    expect(page).to_have_url(re.compile(r"/question/1$"))
    notice = page.locator(".notice")
    expect(notice).to_contain_text("we cleared your answers after 60 minutes")
    expect(notice).to_be_focused()
    context.close()


def test_before_idle_answers_are_cleared_an_alert_offers_to_keep_them(
    everything_seen, live_app, live_server
):
    """WCAG 2.2.1: warned ahead, and one button keeps the answers, and what was chosen."""
    page = on_a_clock(everything_seen, "/question/8")
    chosen = page.get_by_label("Sometimes", exact=True)
    chosen.check()  # chosen, not yet sent
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("")
    page.clock.run_for("57:50")
    expect(alert).to_have_text("")
    page.clock.run_for("00:20")
    expect(alert).to_contain_text("your answers will be cleared in 2 minutes")
    expect(alert).to_be_focused()
    idle_for(page, live_app, live_server, 58)
    keep = alert.get_by_role("button", name="Keep my answers")
    keep.focus()
    page.keyboard.press("Enter")
    expect(alert).to_have_text("Your answers are kept for another 60 minutes.")
    # The focus goes back to the radio that had it before the warning took it.
    expect(chosen).to_be_focused()
    (cookie,) = [c for c in page.context.cookies() if c["name"] == ROOT_COOKIE]
    kept = live_app.session_interface.get_signing_serializer(live_app).loads(cookie["value"])
    assert kept["last_seen"] >= int(time.time()) - 5, "the server's clock was not reset"
    expect(page).to_have_url(re.compile(r"/question/8$"))
    expect(chosen).to_be_checked()
    # And again before the next limit.
    page.clock.run_for("58:00")
    expect(alert.get_by_role("button", name="Keep my answers")).to_be_visible()


def test_the_warning_counts_from_when_the_server_last_moved_its_clock(
    everything_seen, live_app, live_server
):
    """A page opened within a minute of the last use does not move the server's clock
    (the cookie is not sent again for that), so the warning comes that much sooner."""
    page = everything_seen(360)
    page.clock.install()
    idle_for(page, live_app, live_server, 0, seconds=50)
    page.goto("/question/8")
    main = page.locator("main")
    left = int(main.get_attribute("data-idle-left") or 0)
    assert 60 * 60 - 52 <= left <= 60 * 60 - 50
    alert = page.get_by_role("alert")
    page.clock.run_for((left - 120 - 10) * 1000)
    expect(alert).to_have_text("")
    page.clock.run_for("00:20")
    expect(alert).to_contain_text("your answers will be cleared in 2 minutes")


def test_keeping_answers_already_cleared_opens_the_page_again_which_says_so(
    everything_seen, live_app, live_server
):
    page = on_a_clock(everything_seen, "/question/8")
    page.clock.run_for("58:00")
    # The laptop slept: by the server's clock the answers are past the limit.
    idle_for(page, live_app, live_server, 61)
    with page.expect_navigation():
        page.get_by_role("button", name="Keep my answers").click()
    expect(page).to_have_url(re.compile(r"/question/1$"))
    notice = page.locator(".notice").first
    expect(notice).to_contain_text("we cleared your answers after 60 minutes")
    expect(notice).to_be_focused()


def test_the_idle_alert_is_brought_into_view_and_says_when_the_answers_are_gone(
    everything_seen,
):
    page = on_a_clock(everything_seen, "/summary")
    page.keyboard.press("End")
    # Far down the summary (the key scrolls smoothly: let it arrive).
    page.wait_for_function(
        """() => {
            const settled = window.scrollY > 2000 && window.scrollY === window.lastScrollY;
            window.lastScrollY = window.scrollY;
            return settled;
        }""",
        polling=100,
    )
    page.clock.run_for("58:00")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("will be cleared in 2 minutes")
    # Read from the layout: the observer a viewport check uses runs on the frozen clock.
    top = alert.evaluate("element => element.getBoundingClientRect().top")
    assert 0 <= top < 800 - 100, f"the alert is {top}px from the top of the window"
    page.clock.run_for("02:00")
    expect(alert).to_have_text(
        "To protect your privacy, your answers were cleared after 60 minutes without use."
    )
    expect(alert.get_by_role("button")).to_have_count(0)


def test_if_the_answers_cannot_be_kept_the_alert_says_so_and_offers_to_try_again(
    everything_seen,
):
    page = on_a_clock(everything_seen, "/question/8")
    page.clock.run_for("58:00")
    page.route("**/keep-answers", lambda route: route.abort())
    page.get_by_role("button", name="Keep my answers").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Sorry, that did not work")
    expect(alert.get_by_role("button", name="Keep my answers")).to_be_focused()

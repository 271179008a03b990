"""Notices at the top of a page: said first, named by their heading, 911 first.

The emergency guidance and each interruption are shown at the top of the page
after the answer that calls for them, above that page's own question (and at
check your answers, every notice that changed answers call for). When the page
opens, with or without JavaScript, in English and in Spanish, the first notice
has the focus, so that a screen reader says it before anything else; it is
named by its heading, the page's h1; the 911 button is the first stop after
it; the page's own question follows, under an h2. Once that page's form is
sent the notice is read, and is not shown there again.

Each check here is shown to fail on a copy of the page with what it checks
taken out (served through Playwright's route interception).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, Route, expect

from questionnaire import flow
from questionnaire.content import Audience, Content, load_all_content
from questionnaire.flow import Progress, Step, StepKind
from tests.browser.conftest import EVERYTHING_SEEN, new_context, seed
from tests.browser.test_accessibility import describe, nu_html_errors
from tests.browser.test_screens import clipped_elements, sideways_overflow
from tests.browser.tour import AXE_TAGS

CONTENT = load_all_content()
LOCALES = {"en": "en-US", "es": "es-US"}
ENGLISH = CONTENT["en"]
SIGN_IDS = [sign.id for sign in ENGLISH.signs]
# The signs whose answer "often" calls for an interruption.
INTERRUPTING = [sign.id for sign in ENGLISH.signs if "often" in sign.interrupt_on]


def answered_up_to(sign_id: str, answer: str) -> dict[str, str]:
    """Every sign before ``sign_id`` answered No, and ``sign_id`` answered ``answer``."""
    before = SIGN_IDS[: SIGN_IDS.index(sign_id)]
    return {**dict.fromkeys(before, "no"), sign_id: answer}


def place(notice: Step) -> str:
    """The address of the page a notice is shown on (the page after its answer)."""
    number = flow.question_number(ENGLISH, flow.place_of(ENGLISH, notice))
    return f"/question/{number}"


@dataclass(frozen=True)
class NoticeState:
    path: str
    progress: Progress
    # The notices shown, in order.
    notices: tuple[Step, ...]


# Part-way through, as a person is: the notice is on the page they are at.
SOMEONE_ELSE = Progress(audience=Audience.OTHER)
PART_WAY = Progress(audience=Audience.OTHER, safety="no", use="mix")
# Every notice at once at check your answers: answers changed from there.
CHANGED = replace(
    EVERYTHING_SEEN,
    safety="not-sure",
    answers={**EVERYTHING_SEEN.answers, **dict.fromkeys(INTERRUPTING, "often")},
    emergency_seen=False,
    interruptions_seen=frozenset(),
    confirmed=False,
)
STATES: dict[str, NoticeState] = {
    "emergency-yes": NoticeState(
        place(flow.EMERGENCY), replace(SOMEONE_ELSE, safety="yes"), (flow.EMERGENCY,)
    ),
    "emergency-not-sure": NoticeState(
        place(flow.EMERGENCY), replace(SOMEONE_ELSE, safety="not-sure"), (flow.EMERGENCY,)
    ),
    **{
        f"interruption-{sign_id}": NoticeState(
            place(flow.interruption_step(sign_id)),
            replace(PART_WAY, answers=answered_up_to(sign_id, "often")),
            (flow.interruption_step(sign_id),),
        )
        for sign_id in INTERRUPTING
    },
    "check-answers": NoticeState(
        "/check-answers",
        CHANGED,
        (flow.EMERGENCY, *(flow.interruption_step(sign_id) for sign_id in INTERRUPTING)),
    ),
}
QUESTION_STATES = [name for name, state in STATES.items() if state.path.startswith("/question/")]


def heading(content: Content, notice: Step) -> str:
    """A notice's heading, as the content words it for someone else."""
    if notice.kind is StepKind.EMERGENCY:
        return content.emergency.heading.for_(Audience.OTHER)
    sign = content.sign(notice.sign_id or "")
    assert sign is not None
    return (sign.interruption_heading or content.interruption.heading).for_(Audience.OTHER)


def call_label(content: Content) -> str:
    """The words on the 911 button ("Call 911"; in Spanish, as the content says)."""
    return content.resource("emergency").links[0].label


def question_heading(content: Content, path: str) -> str:
    """The heading of the page's own question (or of check your answers)."""
    if path == "/check-answers":
        return {"en": "Check your answers", "es": "Revise sus respuestas"}[content.language]
    step = flow.question_steps(content)[int(path.rsplit("/", 1)[1]) - 1]
    prompt: Any = {
        StepKind.USE: content.use,
        StepKind.SIGN: content.sign(step.sign_id or ""),
    }[step.kind]
    return prompt.question.for_(Audience.OTHER)


def first_answer(content: Content, path: str) -> str:
    """The label of the first answer to the question at ``path``."""
    step = flow.question_steps(content)[int(path.rsplit("/", 1)[1]) - 1]
    options = content.use.options if step.kind is StepKind.USE else content.answer_options
    return options[0].label.for_(Audience.OTHER)


@pytest.fixture
def open_state(browser: Browser, live_server, live_app) -> Iterator[Callable[..., Page]]:
    """Opens a notice state in a new browser context (the person's progress seeded)."""
    contexts = []

    def open_page(
        name: str,
        language: str = "en",
        javascript: bool = True,
        width: int = 360,
        change: Callable[[str], str] | None = None,
        from_visit: int = 1,
    ) -> Page:
        state = STATES[name]
        context = new_context(
            browser,
            live_server,
            live_app,
            javascript=javascript,
            width=width,
            locale=LOCALES[language],
        )
        contexts.append(context)
        seed(context, live_app, live_server, state.progress)
        page = context.new_page()
        if change is not None:
            serve_changed(page, state.path, change, from_visit)
        page.goto(state.path)
        expect(page.locator("html")).to_have_attribute("lang", language)
        return page

    yield open_page
    for context in contexts:
        context.close()


def serve_changed(page: Page, path: str, change: Callable[[str], str], from_visit: int = 1) -> None:
    """Serve the page at ``path`` as the server sends it, with ``change`` made to its
    HTML from its ``from_visit``-th opening on."""
    visits = 0

    def handle(route: Route) -> None:
        nonlocal visits
        if route.request.method != "GET":
            route.fallback()
            return
        visits += 1
        if visits < from_visit:
            route.fallback()
            return
        response = route.fetch()
        html = response.text()
        changed = change(html)
        assert changed != html, "the change to the page changed nothing"
        # The body is given back decompressed: not with the server's encoding or length.
        headers = {
            name: value
            for name, value in response.headers.items()
            if name.lower() not in {"content-encoding", "content-length"}
        }
        route.fulfill(status=response.status, headers=headers, body=changed)

    page.route(f"**{path}", handle)


# --- The checks, each a function so that it can be shown to fail


def check_focused_first(page: Page, name: str, language: str, timeout: float = 5_000) -> None:
    """The first notice has the focus, is named by its heading (the page's only h1),
    and is the notice expected."""
    content = CONTENT[language]
    state = STATES[name]
    notices = page.locator("main section[data-notice]")
    kinds = notices.evaluate_all("parts => parts.map(part => part.dataset.notice)")
    assert kinds == [notice.kind.value for notice in state.notices], kinds
    first = notices.first
    expect(first).to_be_focused(timeout=timeout)
    assert page.evaluate(
        "document.activeElement === document.querySelector('section[data-notice]')"
    ), "the focus is not on the first notice"
    title = heading(content, state.notices[0])
    expect(first).to_have_accessible_name(title, timeout=timeout)
    expect(page.locator("h1")).to_have_count(1, timeout=timeout)
    expect(first.locator("h1")).to_have_text(title, timeout=timeout)


def check_question_below(page: Page, name: str, language: str, timeout: float = 5_000) -> None:
    """The page's own question (or check your answers) follows the notices, under an h2."""
    content = CONTENT[language]
    state = STATES[name]
    own = page.locator("main h2", has_text=question_heading(content, state.path))
    expect(own).to_have_count(1, timeout=timeout)
    expect(page.locator("main h1", has_text=question_heading(content, state.path))).to_have_count(
        0, timeout=timeout
    )
    follows = own.evaluate(
        """heading => [...document.querySelectorAll("section[data-notice]")].every(
            notice => notice.compareDocumentPosition(heading) & Node.DOCUMENT_POSITION_FOLLOWING
                && !notice.contains(heading))"""
    )
    assert follows, "the page's own heading is not below the notices"


def check_911_first(page: Page, name: str, language: str, timeout: float = 5_000) -> None:
    """The 911 button is in the first notice, and Tab from the notice reaches it before
    anything outside the notice (any radio, any button of the page's form). In the
    emergency guidance it is the first link or button, so the first stop."""
    content = CONTENT[language]
    state = STATES[name]
    notice = page.locator("main section[data-notice]").first
    call = notice.locator('a[href^="tel:"]', has_text=call_label(content)).first
    expect(call).to_have_text(call_label(content), timeout=timeout)
    expect(call).to_be_visible(timeout=timeout)
    if state.notices[0].kind is StepKind.EMERGENCY:
        first = notice.locator("a, button").first
        is_call = first.evaluate("(element, call) => element === call", call.element_handle())
        assert is_call, f"before the 911 button: {first.evaluate('e => e.outerHTML')}"
    notice.focus()
    stops = 0
    while not call.evaluate("element => element === document.activeElement"):
        assert stops < 30, "Tab never reached the 911 button"
        page.keyboard.press("Tab")
        stops += 1
        where = page.evaluate("document.activeElement.outerHTML.slice(0, 100)")
        assert notice.evaluate("part => part.contains(document.activeElement)"), (
            f"Tab left the notice for {where} before reaching the 911 button"
        )
    if state.notices[0].kind is StepKind.EMERGENCY:
        assert stops == 1, f"{stops} stops before the 911 button"


def check_not_shown_again(page: Page, name: str, language: str, timeout: float = 5_000) -> None:
    """Once the page's form is sent, the notice is read: back on that page, it is gone."""
    content = CONTENT[language]
    state = STATES[name]
    if state.path == "/check-answers":
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(f"{page.url.rsplit('/', 1)[0]}/summary")
    else:
        page.get_by_label(first_answer(content, state.path), exact=True).check()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert not page.url.endswith(state.path), "the answer was not accepted"
    with page.expect_navigation():
        page.locator(".back-link").click()
    assert page.url.endswith(state.path), page.url
    expect(page.locator("section[data-notice]")).to_have_count(0, timeout=timeout)
    # The page's own question is its h1 again, and nothing took the focus.
    expect(page.locator("h1")).to_have_text(question_heading(content, state.path), timeout=timeout)
    assert page.evaluate("document.activeElement === document.body")


# --- The tests


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.parametrize("name", list(STATES))
def test_the_notice_is_focused_first_named_by_its_heading_with_911_first(
    open_state, name, language, javascript
):
    page = open_state(name, language, javascript)
    check_focused_first(page, name, language)
    check_question_below(page, name, language)
    check_911_first(page, name, language)
    check_not_shown_again(page, name, language)


@pytest.mark.parametrize("text", ["100%", "200%"])
@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.parametrize("name", list(STATES))
def test_the_notice_is_not_cut_off_at_320_pixels(open_state, name, language, text):
    page = open_state(name, language, width=320)
    page.evaluate(f"document.documentElement.style.fontSize = '{text}'")
    assert sideways_overflow(page) <= 0, f"{name} scrolls sideways at 320 px"
    assert not clipped_elements(page), clipped_elements(page)
    outside = page.locator("section[data-notice] *").evaluate_all(
        """elements => elements
            .filter(element => element.getClientRects().length > 0)
            .filter(element => {
                const box = element.getBoundingClientRect();
                return box.left < 0 || box.right > window.innerWidth;
            })
            .map(element => element.outerHTML.slice(0, 80))"""
    )
    assert not outside, f"{name}: past the edge of the screen: {outside}"


def test_a_refused_page_keeps_its_notice_on_top_and_focuses_the_error_summary(open_state):
    """The notice is not read until the page's form is accepted: still there, above
    the error summary, which has the focus (the person must fix the answer)."""
    page = open_state("emergency-yes")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue", exact=True).click()
    expect(page).to_have_title(
        f"Error: Question 3 of {len(flow.question_steps(ENGLISH))} – Opioid signs self-check"
    )
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    notice = page.locator("section[data-notice]")
    expect(notice).to_have_count(1)
    expect(notice.locator("h1")).to_have_text(heading(ENGLISH, flow.EMERGENCY))
    assert notice.evaluate(
        "(notice, summary) => !!(notice.compareDocumentPosition(summary)"
        " & Node.DOCUMENT_POSITION_FOLLOWING)",
        summary.element_handle(),
    )


# --- Each check fails when what it checks is taken out of the page


def without_autofocus(html: str) -> str:
    return html.replace(" autofocus>", ">", 1)


def without_its_name(html: str) -> str:
    return html.replace(' aria-labelledby="notice-1-title"', "", 1)


CALL_911 = '<a class="button button--warning" href="tel:911">Call 911</a>'


def with_911_below_the_question(html: str) -> str:
    """The 911 button moved from the emergency guidance to after the page's question."""
    assert CALL_911 in html
    button = '<button type="submit" class="button">'
    return html.replace(CALL_911, "", 1).replace(button, CALL_911 + button, 1)


def with_a_link_before_911(html: str) -> str:
    return html.replace(CALL_911, '<a href="#main">More</a>' + CALL_911, 1)


def with_the_question_as_h1(html: str) -> str:
    return html.replace('<h2 class="heading-l">', '<h1 class="heading-l">', 1)


def with_the_notice_again(html: str) -> str:
    """The page after its notice was read, given its notice again."""
    notice = '<section data-notice="emergency" tabindex="-1"><p>Call 911</p></section>'
    return html.replace('<form method="post"', notice + '<form method="post"', 1)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_focus_check_fails_without_autofocus(open_state, javascript):
    page = open_state("emergency-yes", javascript=javascript, change=without_autofocus)
    with pytest.raises(AssertionError, match="focused"):
        check_focused_first(page, "emergency-yes", "en", timeout=1_000)


@pytest.mark.parametrize(
    "change, check, from_visit",
    [
        (without_its_name, check_focused_first, 1),
        (with_the_question_as_h1, check_focused_first, 1),
        (with_the_question_as_h1, check_question_below, 1),
        (with_911_below_the_question, check_911_first, 1),
        (with_a_link_before_911, check_911_first, 1),
        (with_the_notice_again, check_not_shown_again, 2),
    ],
    ids=["name", "one-h1", "question-h2", "911-in-notice", "911-first", "not-again"],
)
def test_the_other_checks_fail_when_what_they_check_is_gone(open_state, change, check, from_visit):
    page = open_state("emergency-yes", change=change, from_visit=from_visit)
    with pytest.raises(AssertionError):
        check(page, "emergency-yes", "en", timeout=1_000)


# --- axe-core and the Nu HTML Checker, on every notice state in both languages


@dataclass(frozen=True)
class Checked:
    html: str
    violations: list[dict[str, Any]]
    rules_passed: int


def checklist_states(page: Page, content: Content) -> Iterator[str]:
    """The checklist page, then refused with some of its signs left without an answer."""
    assert content.checklist is not None
    page.goto("/question/12")
    yield "checklist"
    rows = page.locator(".checklist-row")
    rows.nth(0).get_by_label(content.checklist.answers.yes, exact=True).check()
    rows.nth(1).get_by_label(content.checklist.answers.unsure, exact=True).check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text(
        content.checklist.error.for_(Audience.OTHER)
    )
    yield "checklist-refused"


AXE_STATES = [*STATES, "emergency-yes-refused", "checklist", "checklist-refused"]


@pytest.fixture(scope="module")
def checked(browser, live_server, live_app) -> dict[tuple[str, str], Checked]:
    """Every notice state in both languages, with what axe says of it and its HTML."""
    found: dict[tuple[str, str], Checked] = {}

    def check(page: Page, name: str, language: str) -> None:
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        response = results.response
        found[name, language] = Checked(
            page.content(), response["violations"], len(response["passes"])
        )

    for language, locale in LOCALES.items():
        for name, state in STATES.items():
            context = new_context(browser, live_server, live_app, locale=locale)
            seed(context, live_app, live_server, state.progress)
            page = context.new_page()
            page.goto(state.path)
            check(page, name, language)
            if name == "emergency-yes":
                with page.expect_navigation():
                    page.locator("main form button[type=submit]").click()
                expect(page.locator(".error-summary")).to_be_visible()
                check(page, "emergency-yes-refused", language)
            context.close()
        context = new_context(browser, live_server, live_app, locale=locale)
        seed(
            context,
            live_app,
            live_server,
            replace(EVERYTHING_SEEN, checklist=None, confirmed=False),
        )
        page = context.new_page()
        for name in checklist_states(page, CONTENT[language]):
            check(page, name, language)
        context.close()
    return found


@pytest.mark.parametrize("language", list(LOCALES))
@pytest.mark.parametrize("name", AXE_STATES)
def test_axe_finds_no_violations_in_notice_states(checked, name, language):
    state = checked[name, language]
    assert state.rules_passed > 0, f"{name}: axe checked nothing"
    assert state.violations == [], f"{name} ({language}):\n{describe(state.violations)}"


def test_the_nu_html_checker_finds_no_errors_in_notice_states(checked, tmp_path):
    pages = {f"{name}-{language}": state.html for (name, language), state in checked.items()}
    assert len(pages) == 2 * len(AXE_STATES)
    errors = nu_html_errors(pages, tmp_path)
    assert not errors, "\n".join(errors)

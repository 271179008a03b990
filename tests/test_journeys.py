"""Whole journeys through the check, as a person takes them."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from questionnaire.content import Content
from tests.pages import SUMMARY_WORDS, soup, text_of, words_read
from tests.walk import (
    CHECK,
    CHECKLIST,
    EMERGENCY,
    INTERRUPTION,
    SAFETY,
    SIGN,
    SUMMARY,
    USE,
    WHO,
    coded,
    csrf_token,
    hidden_fields,
    notices_on,
    place,
    redirected_to,
    submit,
    walk,
)

SIGN_PATHS = [
    SIGN["shallow-breathing"],
    SIGN["narrowed-pupils"],
    SIGN["speech-problems"],
    SIGN["pain-sensitivity"],
    SIGN["sweating"],
    SIGN["nausea"],
    SIGN["irritability"],
    SIGN["craving"],
    SIGN["headaches"],
]


def english(app: Flask) -> Content:
    content: Content = app.extensions["selfcheck_content"]["en"]
    return content


def chosen(client, path: str, answer: str):
    """The radio for ``answer`` (said by its value) on the page at ``path``, as sent by its form."""
    code = coded(english(client.application), path, answer)["answer"]
    return soup(client.get(path)).select_one(f'input[name="answer"][value="{code}"]')


def assert_notice_on_top(response, heading: str, question: str, number: int) -> None:
    """A notice shown at the top of a question's page: the page's h1, focused when it
    opens, with its 911 button; the place's own question below it as an h2; the title
    still the place's."""
    page = soup(response)
    first = page.select_one("main section[data-notice]")
    assert first is not None, f"{response.request.path}: no notice on the page"
    assert first.has_attr("autofocus") and first["tabindex"] == "-1"
    assert page.h1 is not None and first.find("h1") is page.h1
    assert text_of(page.h1) == heading
    assert first.select_one('a.button[href="tel:911"]') is not None
    legend = page.select_one("main form legend")
    assert legend.find("h1") is None and text_of(legend.h2) == question
    # The notice comes first in reading order, the question after it.
    elements = page.main.find_all(True)
    assert elements.index(first) < elements.index(legend)
    assert text_of(page.title).startswith(f"Question {number} of 13 – ")


def test_start_page_says_what_the_check_is_and_shows_emergency_help_before_start(client):
    page = soup(client.get("/"))
    text = text_of(page.main)
    assert "not a diagnosis" in text
    assert "a few minutes" in text
    assert "not stored" in text
    emergency = page.select_one(".emergency-box")
    assert "911" in text_of(emergency) and "naloxone" in text_of(emergency)
    # Right under the heading: a frightened bystander reads it first (review E12).
    assert page.main.h1.find_next_sibling() is emergency
    start = page.select_one("a.button--start")
    assert start["href"] == WHO
    # The emergency box comes before the Start button in reading order.
    elements = page.main.find_all(True)
    assert elements.index(emergency) < elements.index(start)
    assert page.select_one(".back-link") is None


def test_every_page_has_the_emergency_and_crisis_line_and_exit(client):
    walk(client, stop_at=SIGN["sweating"])
    for path in ["/", WHO, SAFETY, SIGN["shallow-breathing"], SIGN["sweating"]]:
        page = soup(client.get(path))
        line = page.select_one(".help-line")
        assert line.select_one('a[href="tel:911"]') and line.select_one('a[href="tel:988"]')
        assert page.select_one("a[data-exit]").get_text(strip=True) == "Exit this page"


@pytest.mark.parametrize(
    ("audience", "question", "hint_word"),
    [
        ("me", "Has your breathing become very slow or shallow?", "You may have noticed"),
        ("other", "Has their breathing become very slow or shallow?", "Their chest"),
    ],
)
def test_questions_use_the_wording_for_who_the_check_is_for(client, audience, question, hint_word):
    walk(client, audience=audience, stop_at=SIGN["shallow-breathing"])
    page = soup(client.get(SIGN["shallow-breathing"]))
    assert text_of(page.h1) == question
    assert hint_word in text_of(page.select_one(".hint"))


@pytest.mark.parametrize(
    ("audience", "lead_in"),
    [
        ("me", "In the past month, when you cut down, stopped or were late taking opioids:"),
        ("other", "In the past month, when they cut down, stopped or were late taking opioids:"),
    ],
)
def test_the_time_a_question_is_about_is_a_line_above_it(client, audience, lead_in):
    """The question stays short (content review, C3); the lead-in is read with it."""
    walk(client, audience=audience, stop_at=SIGN["sweating"])
    page = soup(client.get(SIGN["sweating"]))
    legend = page.select_one("legend")
    assert text_of(legend.select_one(".lead-in")) == lead_in
    # In the legend, before the question: a screen reader reads them together.
    assert legend.find(class_="lead-in").find_next("h1") is legend.h1


def test_full_journey_for_someone_else(client):
    visited = walk(
        client,
        audience="other",
        answers={"sweating": "often", "craving": "sometimes", "headaches": "not-sure"},
    )
    assert visited == [
        WHO,
        SAFETY,
        USE,
        *SIGN_PATHS[:8],
        CHECKLIST,
        SIGN_PATHS[8],
        "/check-answers",
        "/summary",
    ]
    page = soup(client.get("/summary"))
    text = text_of(page.main)
    assert "Signs you noticed in them that are worth talking about" in text
    assert "Sweating" in text and "Strong craving for opioids" in text
    assert "Signs that can come with opioid withdrawal" in text
    assert "Signs you were not sure about" in text and "Headaches" in text
    assert "Signs that can mean too much opioid" not in text
    assert "encourage them to talk to a clinician" in text


def test_full_journey_for_myself_with_nothing_noticed(client):
    visited = walk(client, audience="me")
    assert visited[-1] == "/summary"
    page = soup(client.get("/summary"))
    text = text_of(page.main)
    assert "You did not report any of these signs" in text
    assert "it is always okay to talk to someone" in text
    assert "988" in text and "1-800-662-4357" in text and "FindTreatment.gov" in text
    assert page.select_one(".urgent") is None


def test_each_question_says_which_question_it_is(client):
    walk(client, stop_at="/check-answers")
    captions = [text_of(soup(client.get(path)).select_one(".caption")) for path in SIGN_PATHS]
    # The checklist of other withdrawal signs is question 12, after craving (11).
    assert captions == [f"Question {n} of 13" for n in [*range(4, 12), 13]]
    assert text_of(soup(client.get(WHO)).select_one(".caption")) == "Question 1 of 13"
    assert text_of(soup(client.get(USE)).select_one(".caption")) == "Question 3 of 13"
    assert text_of(soup(client.get(CHECKLIST)).select_one(".caption")) == "Question 12 of 13"


def test_each_sign_question_has_a_hint_an_explanation_and_the_four_answers(client):
    walk(client, stop_at="/check-answers")
    for path in SIGN_PATHS:
        page = soup(client.get(path))
        assert text_of(page.select_one(".hint"))
        details = page.select_one("details")
        assert text_of(details.summary) == "What does this mean?"
        assert len(details.select("p")) >= 1
        labels = [text_of(label) for label in page.select(".radios__label")]
        assert labels == ["No", "Sometimes", "Often", "Not sure"]


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("me", "your breathing is very slow or shallow"),
        ("other", "they are very hard to wake, or cannot be woken"),
        # Snoring from someone who cannot be woken is the sign most often taken for sleep.
        ("other", "they are choking, or snoring or gurgling and cannot be woken"),
        ("other", "their lips or nails look blue, gray or pale, or their skin feels cold"),
    ],
)
def test_the_safety_question_lists_the_emergency_signs_for_who_it_is_about(
    client, audience, expected
):
    walk(client, audience=audience, stop_at=SAFETY)
    page = soup(client.get(SAFETY))
    assert text_of(page.h1) == "Just to be safe: is any of this happening right now?"
    items = [text_of(item) for item in page.select("#answer-hint li")]
    assert len(items) == 5 and expected in items
    assert "answer-hint" in page.select_one("fieldset")["aria-describedby"]


def test_the_safety_question_comes_first_and_yes_goes_to_emergency_guidance(client):
    submit(client, WHO, answer="other")
    response = submit(client, SAFETY, answer="yes")
    # Shown at the top of the next question's page, so the address says nothing.
    assert redirected_to(response) == USE
    shown = client.get(USE)
    assert notices_on(shown) == ["emergency"]
    question = "Which best describes how they use opioids?"
    assert_notice_on_top(shown, "Call 911 now", question, 3)
    text = text_of(soup(shown).select_one("main section[data-notice]"))
    assert "naloxone" in text.lower() and "on their side" in text and "Stay with them" in text
    # The check goes on from there: sending the question below records the notice read.
    response = submit(client, USE, answer="mix")
    assert redirected_to(response) == SIGN["shallow-breathing"]
    again = client.get(USE)
    assert notices_on(again) == []
    assert text_of(soup(again).h1) == question


def test_not_sure_about_an_emergency_also_shows_the_emergency_guidance(client):
    submit(client, WHO, answer="me")
    assert redirected_to(submit(client, SAFETY, answer="not-sure")) == USE
    page = client.get(USE)
    assert notices_on(page) == ["emergency"]
    assert text_of(soup(page).h1) == "Call 911 now"


@pytest.mark.parametrize(
    ("sign_path", "value"),
    [
        (path, value)
        for path in SIGN_PATHS[:3]
        # "Not sure" too, "if you aren't sure, treat it like an overdose" (CDC),
        # except for small pupils, which are not an emergency on their own.
        for value in ["sometimes", "often", "not-sure"]
        if (path, value) != (SIGN["narrowed-pupils"], "not-sure")
    ],
)
def test_too_much_opioid_signs_interrupt_with_guidance_on_the_very_next_page(
    client, sign_path, value
):
    walk(client, audience="other", stop_at=sign_path)
    response = submit(client, sign_path, answer=value)
    following = SIGN_PATHS[SIGN_PATHS.index(sign_path) + 1]
    assert redirected_to(response) == following
    shown = client.get(following)
    assert notices_on(shown) == ["interruption"]
    sign_id = next(sign for sign, path in SIGN.items() if path == following)
    question = english(client.application).sign(sign_id).question.other
    assert_notice_on_top(
        shown,
        {
            SIGN["shallow-breathing"]: "This can be a sign of too much opioid",
            SIGN["narrowed-pupils"]: "Small pupils: when to get help right away",
            SIGN["speech-problems"]: "Slurred speech: when to get help right away",
        }[sign_path],
        question,
        int(following.rsplit("/", 1)[1]),
    )
    text = text_of(soup(shown).select_one("main section[data-notice]"))
    assert "Call 911" in text and "naloxone" in text.lower()
    assert "Encourage them to tell a clinician" in text
    assert "without a prescription" in text
    # Answering the question below it moves on, and the notice is read: not shown again.
    response = submit(client, following, answer="no")
    assert redirected_to(response) == SIGN_PATHS[SIGN_PATHS.index(following) + 1]
    again = client.get(following)
    assert notices_on(again) == []
    assert text_of(soup(again).h1) == question
    assert soup(again).select_one('input[name="answer"]') is not None


def test_no_to_a_too_much_opioid_sign_does_not_interrupt(client):
    walk(client, stop_at=SIGN["shallow-breathing"])
    response = submit(client, SIGN["shallow-breathing"], answer="no")
    assert redirected_to(response) == SIGN["narrowed-pupils"]


@pytest.mark.parametrize("sign_path", SIGN_PATHS[3:])
def test_other_signs_never_interrupt(client, sign_path):
    walk(client, stop_at=sign_path)
    response = submit(client, sign_path, answer="often")
    assert notices_on(client.get(redirected_to(response))) == []


def test_the_interruption_cannot_be_skipped_by_going_to_the_next_question(client):
    walk(client, stop_at=SIGN["narrowed-pupils"])
    submit(client, SIGN["narrowed-pupils"], answer="often")
    response = client.get(SIGN["pain-sensitivity"])
    assert redirected_to(response) == SIGN["speech-problems"]
    assert notices_on(client.get(SIGN["speech-problems"])) == ["interruption"]


def test_summary_puts_too_much_opioid_guidance_first(client):
    walk(client, audience="other", answers={"speech-problems": "sometimes", "nausea": "often"})
    page = soup(client.get("/summary"))
    urgent = page.select_one(".urgent")
    assert urgent is not None
    assert "First, about too much opioid" in text_of(urgent)
    # Before the intro and before any group of signs.
    blocks = page.main.find_all(True)
    assert blocks.index(urgent) < blocks.index(page.select_one(".lead"))
    groups = [text_of(h) for h in page.select(".sign-group h3")]
    assert groups == [
        "Signs that can mean too much opioid",
        "Signs that can come with opioid withdrawal",
    ]


def test_an_emergency_answer_also_puts_the_guidance_first_on_the_summary(client):
    walk(client, safety="yes")
    assert soup(client.get("/summary")).select_one(".urgent") is not None


def test_summary_has_everything_a_person_needs_to_take_the_next_step(client):
    walk(client, answers={"sweating": "often"})
    page = soup(client.get("/summary"))
    text = text_of(page.main)
    for expected in [
        "Talk to a clinician",
        "988",
        "1-800-662-4357",
        "FindTreatment.gov",
        # Taken as prescribed (the walk's answer): the medicines for opioid
        # use disorder come under a conditional heading (review E10).
        "If you ever find it hard to control your use",
        "buprenorphine, methadone and naltrexone",
        "Do not stop suddenly",
        "Questions you could ask a clinician",
        "It is not a diagnosis",
        "Sweating a lot is a common withdrawal sign.",
    ]:
        assert expected in text, expected
    # The Print button is made by the script, which reads its label from here.
    assert page.select_one("[data-print]")["data-print"] == "Print this summary"
    assert not page.select("button[hidden], [hidden]")
    start_again = page.select_one('form[action="/start-again"] button')
    assert text_of(start_again) == "Start again"


def test_check_answers_lists_every_answer_with_a_change_link(client, app):
    walk(client, audience="other", answers={"sweating": "often"}, stop_at="/check-answers")
    page = soup(client.get("/check-answers"))
    rows = page.select(".summary-list__row")
    assert len(rows) == 3 + len(english(app).signs) + 1
    sweating = next(row for row in rows if text_of(row.dt) == "Sweating")
    assert text_of(sweating.select_one(".summary-list__value")) == "Often"
    assert sweating.select_one("a")["href"] == SIGN["sweating"]
    assert text_of(rows[0].select_one(".summary-list__value")) == "Someone else"


def test_after_a_change_the_person_comes_back_to_check_answers(client):
    walk(client, stop_at="/check-answers")
    assert chosen(client, SIGN["sweating"], "no").has_attr("checked")
    response = submit(client, SIGN["sweating"], answer="sometimes")
    assert redirected_to(response) == "/check-answers"
    row = next(
        row
        for row in soup(client.get("/check-answers")).select(".summary-list__row")
        if text_of(row.dt) == "Sweating"
    )
    assert text_of(row.select_one(".summary-list__value")) == "Sometimes"


def test_a_change_to_a_too_much_opioid_answer_shows_the_interruption_on_check_answers(client):
    walk(client, stop_at=CHECK)
    response = submit(client, SIGN["shallow-breathing"], answer="often")
    # Straight back to check your answers, with the interruption at the top.
    assert redirected_to(response) == CHECK
    shown = client.get(CHECK)
    assert notices_on(shown) == ["interruption"]
    page = soup(shown)
    first = page.select_one("main section[data-notice]")
    assert first.has_attr("autofocus") and first.find("h1") is page.h1
    assert text_of(page.h1) == "This can be a sign of too much opioid"
    assert first.select_one('a.button[href="tel:911"]') is not None
    assert "Check your answers" in [text_of(heading) for heading in page.main.find_all("h2")]
    assert text_of(page.title).startswith("Check your answers – ")
    # Shown again until "See your summary" is sent, which records it read.
    assert notices_on(client.get(CHECK)) == ["interruption"]
    assert redirected_to(submit(client, CHECK)) == SUMMARY
    assert notices_on(client.get(CHECK)) == []
    # The place after the answer shows nothing either: the notice was read.
    assert notices_on(client.get(SIGN["narrowed-pupils"])) == []


def test_changing_who_the_check_is_for_rewords_the_answers_kept(client):
    walk(client, audience="me", answers={"sweating": "often"}, stop_at="/check-answers")
    response = submit(client, WHO, answer="other")
    assert redirected_to(response) == "/check-answers"
    submit(client, "/check-answers")
    text = text_of(soup(client.get("/summary")).main)
    assert "Signs you noticed in them" in text and "Sweating" in text


def test_the_back_link_goes_to_the_previous_step_which_shows_the_saved_answer(client):
    walk(
        client,
        audience="other",
        answers={"shallow-breathing": "often"},
        stop_at=SIGN["narrowed-pupils"],
    )
    # The interruption is at the top of the next question's page, and back
    # from it, or from that question once it is read, leads to the question
    # that raised it.
    interruption = client.get(SIGN["narrowed-pupils"])
    assert notices_on(interruption) == ["interruption"]
    assert soup(interruption).select_one(".back-link")["href"] == SIGN["shallow-breathing"]
    # Back before answering the question below it: the notice is not read yet.
    client.get(SIGN["shallow-breathing"])
    assert notices_on(client.get(SIGN["narrowed-pupils"])) == ["interruption"]
    submit(client, SIGN["narrowed-pupils"], answer="no")
    pupils = client.get(SIGN["narrowed-pupils"])
    assert notices_on(pupils) == []
    assert soup(pupils).select_one(".back-link")["href"] == SIGN["shallow-breathing"]
    assert chosen(client, SIGN["shallow-breathing"], "often").has_attr("checked")
    assert chosen(client, WHO, "other").has_attr("checked")
    assert soup(client.get(WHO)).select_one(".back-link")["href"] == "/"


def test_going_back_and_answering_again_moves_forward_one_step(client):
    walk(client, stop_at=SIGN["nausea"])
    response = submit(client, SIGN["pain-sensitivity"], answer="sometimes")
    assert redirected_to(response) == SIGN["sweating"]
    assert chosen(client, SIGN["sweating"], "no").has_attr("checked")


@pytest.mark.parametrize("path", [SAFETY, USE, SIGN["sweating"], "/check-answers", "/summary"])
def test_steps_out_of_order_redirect_to_where_the_person_really_is(client, path):
    response = client.get(path)
    assert redirected_to(response) == WHO


def test_a_copied_url_further_ahead_redirects_to_the_current_question(client):
    walk(client, stop_at=SIGN["sweating"])
    assert redirected_to(client.get(SIGN["headaches"])) == SIGN["sweating"]
    assert redirected_to(client.get("/summary")) == SIGN["sweating"]


def test_the_summary_needs_the_answers_to_be_checked_first(client):
    walk(client, stop_at="/check-answers")
    assert redirected_to(client.get("/summary")) == "/check-answers"


def test_posting_to_a_step_ahead_saves_nothing(client, app):
    walk(client, stop_at=SIGN["sweating"])
    token_page = client.get(SIGN["sweating"])
    answer = coded(english(app), SIGN["headaches"], "often")
    response = client.post(SIGN["headaches"], data={"csrf_token": csrf_token(token_page), **answer})
    assert redirected_to(response) == SIGN["sweating"]
    assert redirected_to(client.get(SIGN["headaches"])) == SIGN["sweating"]


@pytest.mark.parametrize("path", ["/question/0", "/question/14", "/question/x", "/signs/sweating"])
def test_a_place_the_check_does_not_have_is_a_friendly_not_found_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    page = soup(response)
    assert text_of(page.h1) == "Page not found"
    assert page.select_one('a[href="/continue"]')


def test_continue_takes_the_person_to_where_they_are(client):
    walk(client, stop_at=SIGN["nausea"])
    assert redirected_to(client.get("/continue")) == SIGN["nausea"]


def test_start_again_clears_the_answers(client):
    walk(client, answers={"sweating": "often"})
    page = client.get("/summary")
    response = client.post("/start-again", data={"csrf_token": csrf_token(page)})
    assert redirected_to(response) == "/"
    assert redirected_to(client.get("/summary")) == WHO
    assert not soup(client.get(WHO)).select("input[checked]")


def test_exit_clears_the_answers_and_leaves_for_a_neutral_site(client, app):
    walk(client, answers={"sweating": "often"}, stop_at="/check-answers")
    response = client.get("/exit")
    assert response.status_code == 303
    assert response.location == app.config["EXIT_URL"]
    # The check's own cookie is deleted, and only it: Clear-Site-Data would
    # clear every cookie of the domain (a clinic's portal on a sibling subdomain).
    assert "Clear-Site-Data" not in response.headers
    (deleted,) = response.headers.getlist("Set-Cookie")
    assert "Expires=Thu, 01 Jan 1970" in deleted
    assert redirected_to(client.get("/check-answers")) == WHO


def test_the_start_page_points_a_person_on_a_shared_device_to_a_private_window(client):
    start = soup(client.get("/"))
    line = next(p for p in start.select("main p") if "shared or watched device" in text_of(p))
    link = line.select_one("a")
    assert text_of(link) == "How to open a private window"
    page = soup(client.get(link["href"]))
    text = text_of(page.main)
    assert text_of(page.h1) == "How to open a private window"
    for expected in ["New Incognito tab", "Safari on iPhone", "Ctrl, Shift and N", "employer"]:
        assert expected in text, expected
    # It sets no cookie and keeps nothing: it is safe to open before the check.
    assert client.get("/private-window").headers.get("Set-Cookie") is None


def test_a_notice_is_focused_when_the_page_opens_so_it_is_read_first(client, monkeypatch):
    walk(client, stop_at=SIGN["nausea"])
    later = time.time() + 61 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    client.get(SIGN["nausea"])
    notice = soup(client.get(WHO)).select_one("main .notice")
    assert notice.has_attr("autofocus") and notice["tabindex"] == "-1"


def test_an_answer_sent_from_an_old_tab_does_not_read_a_notice_it_never_showed(client):
    """A question's form left open in another tab, sent after an emergency answer.

    Its answer is saved, but the form says it showed no notice: the emergency
    guidance stays unread, on top of that question's page, and it still leads
    the summary.
    """
    walk(client, audience="other", stop_at=USE)
    old_tab = client.get(USE)
    submit(client, SAFETY, answer="yes")
    assert notices_on(client.get(USE)) == ["emergency"]
    response = client.post(
        USE, data={**hidden_fields(old_tab), **coded(english(client.application), USE, "mix")}
    )
    assert redirected_to(response) == SIGN["shallow-breathing"]
    assert notices_on(client.get(USE)) == ["emergency"]
    walk(client, audience="other", safety="yes", use="mix")
    summary = soup(client.get(SUMMARY))
    assert summary.main.find("section") is summary.select_one("main section.urgent")


def test_sending_a_notices_page_without_an_answer_does_not_read_the_notice(client):
    """The form below a notice, sent with no answer, is refused: the notice stays unread."""
    walk(client, audience="other", safety="yes", stop_at=EMERGENCY)
    page = client.get(USE)
    refused = client.post(USE, data={"csrf_token": csrf_token(page)})
    assert refused.status_code == 200
    shown = soup(refused)
    assert notices_on(refused) == ["emergency"]
    # The error summary is focused, not the notice.
    assert shown.select_one(".error-summary").has_attr("autofocus")
    assert not shown.select_one("main section[data-notice]").has_attr("autofocus")
    error = english(client.application).use.error.other
    assert text_of(shown.select_one(".error-summary a")) == error
    assert shown.select_one("input:checked") is None
    assert redirected_to(client.get("/continue")) == USE
    # Not read: shown again, focused, on the next visit.
    again = client.get(USE)
    assert notices_on(again) == ["emergency"]
    assert soup(again).select_one("main section[data-notice]").has_attr("autofocus")


def test_a_post_that_claims_a_notice_neither_answers_nor_reads_it(client):
    """Which notices a page shows comes from the answers kept, never from what a post says."""
    walk(client, audience="other", safety="yes", stop_at=EMERGENCY)
    token = csrf_token(client.get(USE))
    for claim in ["emergency", "interruption", "bogus"]:
        response = client.post(USE, data={"csrf_token": token, "notice": claim})
        assert response.status_code == 200
        assert notices_on(response) == ["emergency"]
        assert soup(response).select_one(".error-summary") is not None
    assert notices_on(client.get(USE)) == ["emergency"]
    assert redirected_to(client.get("/continue")) == USE


def _requests(client) -> list[tuple[str, str, int]]:
    return [
        (response.request.method, response.request.path, response.status_code)
        for response in client.responses
    ]


def test_a_calm_journey_and_an_every_alarm_journey_make_the_same_requests(app):
    """Nothing on the wire tells who saw a notice: no request of its own, the same places.

    The notices are at the top of the page after the answer that calls for
    them: the emergency at question 3, breathing's interruption at 5, small
    pupils' at 6, slurred speech's at 7.
    """
    content = english(app)
    calm, alarmed = app.test_client(), app.test_client()
    calm_pages: list = []
    alarm_pages: list = []
    calm_visited = walk(calm, audience="me", shown=calm_pages)
    alarm_visited = walk(
        alarmed,
        audience="other",
        safety="yes",
        use="mix",
        answers={sign.id: "often" for sign in content.signs},
        checklist=tuple(item.value for item in content.checklist.items),
        shown=alarm_pages,
    )
    calm.get(SUMMARY)
    alarmed.get(SUMMARY)
    sequence = _requests(calm)
    assert sequence == _requests(alarmed)
    numbers = range(1, 14)
    assert sequence == [
        *[
            request
            for n in numbers
            for request in [
                ("GET", f"/question/{n}", 200),
                ("POST", f"/question/{n}", 303),
            ]
        ],
        ("GET", CHECK, 200),
        ("POST", CHECK, 303),
        ("GET", SUMMARY, 200),
    ]
    # The notices: none for the calm journey, each where the design puts it.
    assert [notices_on(page) for page in calm_pages] == [[]] * len(calm_pages)
    where = {page.request.path: notices_on(page) for page in alarm_pages}
    assert where == {
        **{path: [] for path in where},
        USE: ["emergency"],
        place(INTERRUPTION["shallow-breathing"]): ["interruption"],
        place(INTERRUPTION["narrowed-pupils"]): ["interruption"],
        place(INTERRUPTION["speech-problems"]): ["interruption"],
    }
    assert [place(INTERRUPTION[sign]) for sign in INTERRUPTION] == [
        "/question/5",
        "/question/6",
        "/question/7",
    ]
    assert [page for page in calm_visited if "(" in page] == []
    assert [page for page in alarm_visited if "(" in page] == [
        EMERGENCY,
        INTERRUPTION["shallow-breathing"],
        INTERRUPTION["narrowed-pupils"],
        INTERRUPTION["speech-problems"],
    ]
    # Each notice heads its page, above that place's own question.
    for page in alarm_pages:
        if notices_on(page):
            assert soup(page).select_one("main section[data-notice]").find("h1")
            assert soup(page).select_one("main form legend h2")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("audience", ["me", "other"])
@pytest.mark.parametrize(
    "use", ["as-prescribed", "not-as-prescribed", "not-prescribed", "mix", "not-sure", "prefer-not"]
)
@pytest.mark.parametrize("journey", ["calm", "fullest"])
def test_the_summary_stays_within_its_word_budget(app, client, language, audience, use, journey):
    """Content review E13: the calm and the fullest summaries, measured in words.

    Calm: nothing noticed, no emergency. Fullest: an emergency at the start,
    every sign "often" and every sign of the checklist ticked.
    """
    content = app.extensions["selfcheck_content"][language]
    fullest = journey == "fullest"
    client.get(f"/language/{language}?next=/")
    walk(
        client,
        audience=audience,
        use=use,
        safety="yes" if fullest else "no",
        answers={sign.id: "often" if fullest else "no" for sign in content.signs},
        checklist=tuple(item.value for item in content.checklist.items) if fullest else ("none",),
    )
    words = words_read(soup(client.get("/summary")))
    assert words <= SUMMARY_WORDS[(language, journey)], f"{words} words"

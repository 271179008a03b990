"""What a person sees when an answer is missing or not one of the options."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaire.content import Audience
from questionnaire.flow import Progress
from tests.conftest import make_app, seed_progress
from tests.pages import soup, text_of
from tests.walk import CHECKLIST, SAFETY, SIGN, USE, WHO, csrf_token, redirected_to, submit, walk

QUESTION_ERRORS = [
    (WHO, "me", "Select who you are checking for"),
    (SAFETY, "other", "Select yes if any of this is happening to them right now"),
    (SIGN["shallow-breathing"], "other", "Select if their breathing has been slow or shallow"),
    (SIGN["sweating"], "me", "Select if you sweated a lot when you cut down"),
    (SIGN["headaches"], "other", "Select if they have had headaches more often than usual"),
]


@pytest.mark.parametrize(("path", "audience", "message"), QUESTION_ERRORS)
def test_no_answer_shows_the_question_again_with_an_error_summary(client, path, audience, message):
    walk(client, audience=audience, stop_at=path)
    response = submit(client, path)
    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.title).startswith("Error: ")
    summary = page.select_one(".error-summary")
    assert summary["role"] == "alert"
    link = summary.select_one("a")
    assert text_of(link).startswith(message)
    assert link["href"] == "#answer-0"
    assert page.select_one("#answer-0") is not None
    field_message = page.select_one("#answer-error")
    assert text_of(field_message) == f"Error: {text_of(link)}"
    assert "answer-error" in page.select_one("fieldset")["aria-describedby"].split()
    # The error summary comes before the question.
    elements = page.main.find_all(True)
    assert elements.index(summary) < elements.index(page.h1)


@pytest.mark.parametrize("audience", list(Audience))
def test_every_question_has_its_own_error_message_for_who_it_is_about(client, app, audience):
    content = app.extensions["selfcheck_content"]["en"]
    walk(client, audience=audience.value, stop_at="/check-answers")
    prompts = [(WHO, content.audience), (SAFETY, content.safety), (USE, content.use)] + [
        (SIGN[sign.id], sign) for sign in content.signs
    ]
    for path, prompt in prompts:
        page = client.get(path)
        response = client.post(path, data={"csrf_token": csrf_token(page)})
        message = text_of(soup(response).select_one(".error-summary a"))
        assert message == prompt.error.for_(audience), path


def test_a_page_without_an_error_has_no_error_title_or_summary(client):
    page = soup(client.get(WHO))
    assert not text_of(page.title).startswith("Error")
    assert page.select_one(".error-summary") is None
    assert page.select_one("#answer-error") is None


@pytest.mark.parametrize("value", ["sometimes ", "OFTEN", "yes", "0", "", "often\x00", "é" * 300])
def test_an_unknown_answer_shows_the_question_again_with_an_error(client, value):
    walk(client, stop_at=SIGN["sweating"])
    response = submit(client, SIGN["sweating"], answer=value)
    assert response.status_code == 200
    assert soup(response).select_one(".error-summary") is not None
    # Nothing was saved: the person is still at this question.
    assert redirected_to(client.get(SIGN["headaches"])) == SIGN["sweating"]


def test_an_unknown_audience_is_refused(client):
    response = submit(client, WHO, answer="everyone")
    assert soup(response).select_one(".error-summary") is not None
    assert redirected_to(client.get(SAFETY)) == WHO


def test_a_forged_value_after_a_saved_answer_does_not_fall_back_to_the_saved_one(client):
    walk(client, stop_at="/check-answers")
    page = client.get(SIGN["sweating"])
    response = client.post(SIGN["sweating"], data={"csrf_token": csrf_token(page)})
    assert soup(response).select_one(".error-summary") is not None


def test_a_missing_form_token_gives_a_friendly_page_and_keeps_the_answers(client):
    walk(client, answers={"sweating": "often"}, stop_at=SIGN["nausea"])
    response = client.post(SIGN["nausea"], data={"answer": "often"})
    assert response.status_code == 400
    page = soup(response)
    assert text_of(page.h1) == "Your last answer was not saved"
    assert page.select_one('a[href="/continue"]')
    assert "Bad Request" not in text_of(page)
    # The answers so far are kept, and the person can go on from where they were.
    assert redirected_to(client.get("/continue")) == SIGN["nausea"]
    assert soup(client.get(SIGN["sweating"])).select_one('input[value="often"]').has_attr("checked")


def test_a_token_from_a_browser_session_that_ended_gives_the_friendly_page(client):
    walk(client, stop_at=SIGN["nausea"])
    token = csrf_token(client.get(SIGN["nausea"]))
    client.delete_cookie("session")  # the browser was closed and opened again
    response = client.post(SIGN["nausea"], data={"csrf_token": token, "answer": "no"})
    assert response.status_code == 400
    assert text_of(soup(response).h1) == "Your last answer was not saved"
    assert redirected_to(client.get("/continue")) == WHO


def test_a_token_from_another_session_gives_the_friendly_page(client, app):
    other = app.test_client()
    stale_token = csrf_token(other.get(WHO))
    client.get(WHO)
    response = client.post(WHO, data={"csrf_token": stale_token, "answer": "me"})
    assert response.status_code == 400
    assert text_of(soup(response).h1) == "Your last answer was not saved"


def test_a_request_that_is_too_large_gets_a_friendly_page(client):
    page = client.get(WHO)
    response = client.post(WHO, data={"csrf_token": csrf_token(page), "answer": "me" * 20_000})
    assert response.status_code == 413
    assert text_of(soup(response).h1) == "Sorry, something did not work"


def test_a_wrong_method_gets_a_friendly_page(client):
    response = client.delete(WHO)
    assert response.status_code == 405
    assert text_of(soup(response).h1) == "Sorry, something did not work"


def test_a_server_error_shows_a_page_that_says_nothing_about_the_request():
    app = make_app(TESTING=False)

    @app.get("/broken")
    def broken() -> str:
        raise RuntimeError("secret detail")

    response = app.test_client().get("/broken")
    assert response.status_code == 500
    text = text_of(soup(response))
    assert "Sorry, something went wrong" in text
    assert "secret detail" not in text and "Traceback" not in text


PATHS = [
    WHO,
    SAFETY,
    USE,
    SIGN["shallow-breathing"],
    # Where the interruption after slow breathing is shown, then the next question.
    SIGN["narrowed-pupils"],
    SIGN["sweating"],
    CHECKLIST,
    "/question/14",
    "/check-answers",
    "/start-again",
    "/summary",
    "/exit",
    "/continue",
    "/",
]
PART_WAY = Progress(
    audience=Audience.OTHER,
    safety="no",
    use="mix",
    answers={"shallow-breathing": "often", "narrowed-pupils": "no", "speech-problems": "no"},
    interruptions_seen=frozenset({"shallow-breathing"}),
)
# The same, with the interruption not yet read: it is shown at the next question's address.
AT_A_NOTICE = replace(PART_WAY, interruptions_seen=frozenset())
# One app for every example: Hypothesis runs many, and the app does not change.
FUZZ_APP = make_app(TESTING=False)


@settings(max_examples=200, deadline=None)
@given(
    path=st.sampled_from(PATHS),
    method=st.sampled_from(["GET", "POST", "PUT", "HEAD"]),
    fields=st.dictionaries(
        st.sampled_from(["answer", "csrf_token", "notice", "other", "answer[]"]),
        st.text(max_size=40),
        max_size=3,
    ),
    with_token=st.booleans(),
    progress=st.sampled_from([PART_WAY, AT_A_NOTICE]),
)
def test_nothing_a_person_can_send_produces_a_server_error(
    path, method, fields, with_token, progress
):
    client = FUZZ_APP.test_client()
    seed_progress(client, progress)
    if with_token:
        fields = {
            **fields,
            "csrf_token": csrf_token(client.get("/continue", follow_redirects=True)),
        }
    response = client.open(path, method=method, data=fields)
    assert response.status_code < 500

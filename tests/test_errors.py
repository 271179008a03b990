"""What a person sees when an answer is missing or not one of the options."""

from __future__ import annotations

import secrets
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaire.content import Audience, load_all_content
from questionnaire.flow import Progress
from tests.conftest import make_app, seed_progress
from tests.pages import soup, text_of
from tests.walk import (
    CHECKLIST,
    SAFETY,
    SIGN,
    USE,
    WHO,
    coded,
    csrf_token,
    notices_on,
    redirected_to,
    submit,
    walk,
)

CONTENT = load_all_content()["en"]


def chosen_label(page) -> str | None:
    """The label of the radio chosen on a question's page, as a person sees it chosen."""
    checked = page.select_one("input[type=radio][checked]")
    return None if checked is None else text_of(page.select_one(f'label[for="{checked["id"]}"]'))


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
    prompts.append((CHECKLIST, content.checklist))
    for path, prompt in prompts:
        page = client.get(path)
        response = client.post(path, data={"csrf_token": csrf_token(page)})
        message = text_of(soup(response).select_one(".error-summary a"))
        assert message == prompt.error.for_(audience), path


def test_a_refused_answer_below_a_notice_keeps_the_notice_and_focuses_the_error(client):
    """The interruption stays on top, unread, but the error summary is what opens first."""
    walk(client, answers={"shallow-breathing": "often"}, stop_at=SIGN["narrowed-pupils"])
    response = submit(client, SIGN["narrowed-pupils"])
    assert response.status_code == 200
    page = soup(response)
    assert notices_on(response) == ["interruption"]
    assert page.select_one(".error-summary").has_attr("autofocus")
    assert not page.select_one("section[data-notice]").has_attr("autofocus")
    assert len(page.select("[autofocus]")) == 1
    # The notice comes first, then the error summary, then the question.
    elements = page.main.find_all(True)
    summary = page.select_one(".error-summary")
    notice = page.select_one("section[data-notice]")
    question = page.select_one("legend h2")
    assert elements.index(notice) < elements.index(summary) < elements.index(question)
    # The refused form did not read the notice: it is still there, until an answer is sent.
    assert notices_on(client.get(SIGN["narrowed-pupils"])) == ["interruption"]
    response = submit(client, SIGN["narrowed-pupils"], answer="no")
    assert redirected_to(response) == SIGN["speech-problems"]
    assert notices_on(client.get(SIGN["narrowed-pupils"])) == []


def test_a_page_without_an_error_has_no_error_title_or_summary(client):
    page = soup(client.get(WHO))
    assert not text_of(page.title).startswith("Error")
    assert page.select_one(".error-summary") is None
    assert page.select_one("#answer-error") is None


@pytest.mark.parametrize(
    "value",
    # An answer's value sent as it is (a form sends its code), codes that are
    # none of the options', and other text.
    ["often", "no", "sometimes ", "OFTEN", "yes", "4", "00", " 1", "-1", "2\x00", ""]
    + ["often\x00", "é" * 300],
)
def test_an_unknown_answer_shows_the_question_again_with_an_error(client, value):
    walk(client, stop_at=SIGN["sweating"])
    page = client.get(SIGN["sweating"])
    response = client.post(SIGN["sweating"], data={"csrf_token": csrf_token(page), "answer": value})
    assert response.status_code == 200
    assert soup(response).select_one(".error-summary") is not None
    # Nothing was saved: the person is still at this question.
    assert redirected_to(client.get(SIGN["headaches"])) == SIGN["sweating"]


@pytest.mark.parametrize("value", ["everyone", "me", "2"])
def test_an_unknown_audience_is_refused(client, value):
    page = client.get(WHO)
    response = client.post(WHO, data={"csrf_token": csrf_token(page), "answer": value})
    assert soup(response).select_one(".error-summary") is not None
    assert redirected_to(client.get(SAFETY)) == WHO


def test_every_option_is_sent_as_a_code_of_the_same_length(client):
    """A form sends no value, and every answer to a question is as long as any other."""
    walk(client, stop_at=SIGN["sweating"])
    radios = soup(client.get(SIGN["sweating"])).select('input[type="radio"]')
    assert [radio["value"] for radio in radios] == ["0", "1", "2", "3"]
    assert [radio["id"] for radio in radios] == [f"answer-{n}" for n in range(4)]
    labels = [option.label.for_(Audience.ME) for option in CONTENT.answer_options]
    assert labels == ["No", "Sometimes", "Often", "Not sure"]
    response = submit(client, SIGN["sweating"], answer="often")
    assert redirected_to(response) == SIGN["nausea"]
    assert chosen_label(soup(client.get(SIGN["sweating"]))) == "Often"


def test_a_forged_value_after_a_saved_answer_does_not_fall_back_to_the_saved_one(client):
    walk(client, stop_at="/check-answers")
    page = client.get(SIGN["sweating"])
    response = client.post(SIGN["sweating"], data={"csrf_token": csrf_token(page)})
    assert soup(response).select_one(".error-summary") is not None


def test_a_missing_form_token_gives_a_friendly_page_and_keeps_the_answers(client):
    walk(client, answers={"sweating": "often"}, stop_at=SIGN["nausea"])
    response = client.post(SIGN["nausea"], data=coded(CONTENT, SIGN["nausea"], "often"))
    assert response.status_code == 400
    page = soup(response)
    assert text_of(page.h1) == "Your last answer was not saved"
    assert page.select_one('a[href="/continue"]')
    assert "Bad Request" not in text_of(page)
    # The answers so far are kept, and the person can go on from where they were.
    assert redirected_to(client.get("/continue")) == SIGN["nausea"]
    assert chosen_label(soup(client.get(SIGN["sweating"]))) == "Often"


def test_a_token_from_a_browser_session_that_ended_gives_the_friendly_page(client):
    walk(client, stop_at=SIGN["nausea"])
    token = csrf_token(client.get(SIGN["nausea"]))
    client.delete_cookie("session")  # the browser was closed and opened again
    no = coded(CONTENT, SIGN["nausea"], "no")
    response = client.post(SIGN["nausea"], data={"csrf_token": token, **no})
    assert response.status_code == 400
    assert text_of(soup(response).h1) == "Your last answer was not saved"
    assert redirected_to(client.get("/continue")) == WHO


def test_a_token_from_another_session_gives_the_friendly_page(client, app):
    other = app.test_client()
    stale_token = csrf_token(other.get(WHO))
    client.get(WHO)
    me = coded(CONTENT, WHO, "me")
    response = client.post(WHO, data={"csrf_token": stale_token, **me})
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
    app = make_app(TESTING=False, SECRET_KEY=secrets.token_hex(32))

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
    # Where the interruption after slow breathing is shown, above that page's question.
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
# The same, with the interruption not yet read: it is shown on top of the next question's page.
AT_A_NOTICE = replace(PART_WAY, interruptions_seen=frozenset())
# One app for every example: Hypothesis runs many, and the app does not change.
FUZZ_APP = make_app(TESTING=False, SECRET_KEY=secrets.token_hex(32))


@settings(max_examples=200, deadline=None)
@given(
    path=st.sampled_from(PATHS),
    method=st.sampled_from(["GET", "POST", "PUT", "HEAD"]),
    fields=st.dictionaries(
        st.sampled_from(["answer", "csrf_token", "notice", "other", "answer[]", "sign0", "sign7"]),
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

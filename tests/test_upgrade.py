"""An answer is only ever saved against the question it was given for, across releases.

During a rolling update, or with a page left open across a restart, a form
made by one release of the check can be sent to a server running another.
Places are numbered, so without a check an answer sent to ``/question/7``
would be read against whatever the receiving server asks there: a release
that moved a sign would file "often" for pain as sweating. Every form sends
which check it was made for (``flow.layout``); a form made for another is
never saved, and the person is asked again, calmly.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import brotli
import pytest
import tomli_w
from flask import Flask
from flask.testing import FlaskClient

from questionnaire import flow
from questionnaire.content import CONTENT_DIR, load_all_content, parse_content
from questionnaire.flow import StepKind
from tests.conftest import make_app
from tests.pages import soup, text_of
from tests.walk import coded, hidden_fields, redirected_to, walk

CHANGED = "This check was updated while your page was open"
PAIN, SWEATING = "pain-sensitivity", "sweating"


def english() -> dict[str, Any]:
    return tomllib.loads((CONTENT_DIR / "en.toml").read_text(encoding="utf-8"))


def with_signs_swapped(data: dict[str, Any], first: str, second: str) -> dict[str, Any]:
    changed = copy.deepcopy(data)
    ids = [sign["id"] for sign in changed["signs"]]
    i, j = ids.index(first), ids.index(second)
    changed["signs"][i], changed["signs"][j] = changed["signs"][j], changed["signs"][i]
    return changed


def release(directory: Path, data: dict[str, Any]) -> Flask:
    """A server of a release whose English content is ``data``; every release has the same key."""
    directory.mkdir()
    (directory / "en.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    return make_app(CONTENT_DIR=directory)


def moved_to(client: FlaskClient, other: Flask) -> FlaskClient:
    """The same person (the same cookie), now served by ``other``."""
    # The test client speaks plain HTTP: the cookie's name has no prefix.
    name = client.application.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None, "no answers kept yet"
    moved = other.test_client()
    moved.set_cookie(name, cookie.value)
    return moved


def question_at(app: Flask, sign_id: str) -> str:
    content = app.extensions["selfcheck_content"]["en"]
    number = flow.question_number(content, flow.sign_step(sign_id))
    return f"/question/{number}"


@pytest.fixture
def before(tmp_path) -> Flask:
    return release(tmp_path / "before", english())


@pytest.fixture
def after(tmp_path) -> Flask:
    """The next release: sweating is asked where pain was, and pain where sweating was."""
    return release(tmp_path / "after", with_signs_swapped(english(), PAIN, SWEATING))


def test_an_answer_sent_from_a_page_of_the_release_before_is_not_filed_under_another_sign(
    before, after
):
    pain = question_at(before, PAIN)
    assert question_at(after, SWEATING) == pain, "the releases ask different signs there"
    person = before.test_client()
    walk(person, stop_at=pain)
    page = person.get(pain)
    fields = {
        **hidden_fields(page),
        **coded(before.extensions["selfcheck_content"]["en"], pain, "often"),
    }

    # The upgrade happens while the page is open; the form goes to the new release.
    person = moved_to(person, after)
    response = person.post(pain, data=fields)
    assert response.status_code == 200, "an answer for pain was saved as sweating"
    alert = soup(response).select_one("main [role=alert]")
    assert alert is not None and CHANGED in text_of(alert)
    assert alert.has_attr("autofocus")
    # Asked again, as this release asks it: sweating, and nothing chosen.
    assert "sweat" in text_of(soup(response).select_one("main h1")).lower()
    assert not soup(response).select("input[checked]")
    # Nothing was saved: the check still waits for that answer.
    assert redirected_to(person.get("/continue")) == pain
    assert not soup(person.get(pain)).select("input[checked]")
    # Answered again on this release's page, it is saved where it belongs.
    again = person.get(pain)
    content = after.extensions["selfcheck_content"]["en"]
    sent = person.post(pain, data={**hidden_fields(again), **coded(content, pain, "sometimes")})
    assert redirected_to(sent) != pain
    answered = soup(person.get(pain)).select_one("input[checked]")
    assert answered is not None and answered["value"] == coded(content, pain, "sometimes")["answer"]


def test_a_release_that_only_rewords_keeps_every_form_of_the_release_before(tmp_path):
    reworded = english()
    sweating = next(sign for sign in reworded["signs"] if sign["id"] == SWEATING)
    sweating["label"] = {"me": "Sweating a lot", "other": "Sweating a lot"}
    old, new = release(tmp_path / "old", english()), release(tmp_path / "new", reworded)
    path = question_at(old, SWEATING)
    person = old.test_client()
    walk(person, stop_at=path)
    page = person.get(path)
    fields = {
        **hidden_fields(page),
        **coded(old.extensions["selfcheck_content"]["en"], path, "often"),
    }
    person = moved_to(person, new)
    assert redirected_to(person.post(path, data=fields)) != path


def test_a_form_without_the_check_it_was_made_for_is_not_saved(client, app):
    """A page of a release before forms said which check they were made for."""
    walk(client, stop_at="/question/4")
    page = client.get("/question/4")
    fields = {
        **hidden_fields(page),
        **coded(app.extensions["selfcheck_content"]["en"], "/question/4", "no"),
    }
    del fields["layout"]
    response = client.post("/question/4", data=fields)
    assert response.status_code == 200
    assert CHANGED in text_of(soup(response).select_one("main [role=alert]"))
    assert redirected_to(client.get("/continue")) == "/question/4"


def test_check_your_answers_sent_from_the_release_before_is_not_taken_as_confirmed(before, after):
    person = before.test_client()
    walk(person, stop_at="/check-answers")
    page = person.get("/check-answers")
    person = moved_to(person, after)
    response = person.post("/check-answers", data=hidden_fields(page))
    assert response.status_code == 200
    alert = soup(response).select_one("main [role=alert]")
    assert alert is not None and "look over your answers" in text_of(alert)
    assert redirected_to(person.get("/summary")) == "/check-answers"
    # Continued from this release's page, the summary follows.
    again = person.get("/check-answers")
    assert redirected_to(person.post("/check-answers", data=hidden_fields(again))) == "/summary"


def layout_of(data: dict[str, Any]) -> str:
    return flow.places(parse_content(data, "en.toml")).layout


def test_the_layout_changes_with_what_a_place_asks_and_only_with_that():
    data = english()
    same = layout_of(data)
    assert len(same) == flow.LAYOUT_LENGTH
    contents = load_all_content()
    # Made of ids and values, never of words: the same in every language.
    assert {flow.places(content).layout for content in contents.values()} == {same}

    reworded = copy.deepcopy(data)
    reworded["signs"][0]["question"] = "Reworded?"
    assert layout_of(reworded) == same

    changes = {}
    changes["signs reordered"] = with_signs_swapped(data, PAIN, SWEATING)
    fewer = copy.deepcopy(data)
    fewer["signs"] = [sign for sign in fewer["signs"] if sign["id"] != "nausea"]
    changes["a sign removed"] = fewer
    options = copy.deepcopy(data)
    options["answer_options"] = list(reversed(options["answer_options"]))
    changes["the answers reordered"] = options
    notices = copy.deepcopy(data)
    calm = next(sign for sign in notices["signs"] if sign["id"] == "nausea")
    calm["interrupt_on"] = ["often"]
    calm["interruption"] = next(s for s in notices["signs"] if "interruption" in s)["interruption"]
    changes["a new notice"] = notices
    for what, changed in changes.items():
        try:
            found = layout_of(changed)
        except Exception as error:  # the change must still be valid content
            pytest.fail(f"{what}: {error}")
        assert found != same, what


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_page_asked_again_after_an_upgrade_is_sent_at_its_places_size(app, language):
    """Asked again or not, a page at a place has one size on the network."""
    content = app.extensions["selfcheck_content"][language]
    client = app.test_client()
    client.get(f"/?language={language}")
    walk(client, stop_at="/check-answers")
    br = {"Accept-Encoding": "br"}
    places = [f"/question/{n}" for n in range(1, len(flow.question_steps(content)) + 1)]
    for path in [*places, "/check-answers"]:
        page = client.get(path, headers=br)
        answer = coded(content, path, _first_answer(content, path)) if path in places else {}
        fields = {**hidden_fields(client.get(path)), **answer, "layout": "0" * flow.LAYOUT_LENGTH}
        asked_again = client.post(path, data=fields, headers=br)
        assert asked_again.status_code == 200, path
        decoded = brotli.decompress(asked_again.data).decode()
        assert 'role="alert"' in decoded, path
        assert len(asked_again.data) == len(page.data), path


def _first_answer(content, path: str) -> str | list[str]:
    step = flow.question_steps(content)[int(path.rsplit("/", 1)[1]) - 1]
    match step.kind:
        case StepKind.AUDIENCE:
            return content.audience.options[0].value
        case StepKind.SAFETY:
            return content.safety.options[0].value
        case StepKind.USE:
            return content.use.options[0].value
        case StepKind.CHECKLIST:
            return ["none"]
    return content.answer_options[0].value


def test_asked_again_under_a_notice_the_notice_keeps_the_focus(client, app):
    """Emergency guidance comes before anything else, the line about the update too."""
    content = app.extensions["selfcheck_content"]["en"]
    after_breathing = question_at(app, "narrowed-pupils")
    walk(client, answers={"shallow-breathing": "often"}, stop_at=after_breathing)
    page = client.get(after_breathing)
    fields = {**hidden_fields(page), **coded(content, after_breathing, "no")}
    fields["layout"] = "0" * flow.LAYOUT_LENGTH
    response = client.post(after_breathing, data=fields)
    assert response.status_code == 200
    page = soup(response)
    (notice,) = page.select("main section[data-notice]")
    assert notice.has_attr("autofocus")
    assert [element.name for element in page.select("main [autofocus]")] == ["section"]
    line = next(p for p in page.select("main .notice p") if CHANGED in text_of(p))
    assert not line.find_parent(attrs={"role": "alert"})
    # Not read yet: the next page sent from this one marks it read.
    assert walk_notice_still_there(client, after_breathing)


def walk_notice_still_there(client, path: str) -> bool:
    return bool(soup(client.get(path)).select("main section[data-notice]"))

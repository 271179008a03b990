"""The page of other withdrawal signs: "select all that apply", and what it adds."""

from __future__ import annotations

import pytest

from questionnaire.content import Audience, Content, load_all_content
from questionnaire.flow import Progress
from questionnaire.summary import summarise
from tests.pages import soup, text_of
from tests.walk import CHECKLIST, SIGN, redirected_to, submit, walk

CONTENT: Content = load_all_content()["en"]
assert CONTENT.checklist is not None
THE_LIST = CONTENT.checklist
ALL_NO = {sign.id: "no" for sign in CONTENT.signs}


def reach_checklist(client, audience: str = "me") -> None:
    walk(client, audience=audience, stop_at=CHECKLIST)


def ticked(page) -> list[str]:
    return [box["value"] for box in page.select("input[type=checkbox][checked]")]


def test_the_page_lists_every_sign_then_the_two_answers_that_stand_alone(client):
    reach_checklist(client)
    page = soup(client.get(CHECKLIST))
    boxes = page.select("fieldset input[type=checkbox]")
    assert [box["value"] for box in boxes] == [o.value for o in THE_LIST.options]
    assert all(box["name"] == "answer" for box in boxes)
    labels = [text_of(page.select_one(f'label[for="{box["id"]}"]')) for box in boxes]
    assert labels[:3] == ["Yawning a lot", "Runny nose or watery eyes", "Goosebumps"]
    assert labels[-2:] == ["None of these", "Not sure"]
    # Only the two answers that stand alone are marked so, after an "or".
    assert [box["value"] for box in boxes if box.has_attr("data-alone")] == ["none", "not-sure"]
    divider = page.select_one(".checkboxes__divider")
    assert text_of(divider) == "or"
    assert divider.find_next("input")["value"] == "none"
    legend = page.select_one("legend")
    assert text_of(legend.select_one(".lead-in")).startswith("In the past month, when you cut")
    assert text_of(legend.h1) == "Did you have any of these?"
    assert "Select all that apply." in text_of(page.select_one(".hint"))


@pytest.mark.parametrize(
    "audience, error",
    [
        ("me", "Select the signs you had, or select None of these or Not sure"),
        ("other", "Select the signs they had, or select None of these or Not sure"),
    ],
)
def test_nothing_ticked_is_asked_again_in_the_audiences_words(client, audience, error):
    reach_checklist(client, audience)
    response = submit(client, CHECKLIST)
    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.select_one(".error-summary a")) == error
    assert page.select_one(".error-summary a")["href"] == "#answer-0"
    assert page.select_one("#answer-0")["type"] == "checkbox"
    assert redirected_to(submit(client, CHECKLIST, answer=["none"])) == SIGN["headaches"]


@pytest.mark.parametrize("alone", ["none", "not-sure"])
def test_a_sign_ticked_with_an_answer_that_stands_alone_is_asked_again(client, alone):
    """Without JavaScript both can be ticked: the person is asked, and keeps what they ticked."""
    reach_checklist(client)
    response = submit(client, CHECKLIST, answer=["yawning", alone])
    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.select_one(".error-message")).endswith(
        "Select None of these or Not sure on its own, or only the signs you had"
    )
    assert ticked(page) == ["yawning", alone]
    # Nothing was saved: the next step is still this page.
    assert redirected_to(client.get("/continue")) == CHECKLIST


@pytest.mark.parametrize(
    "sent", [["not-a-sign"], ["yawning", "yawning"], ["none", "not-sure"]], ids=str
)
def test_forged_answers_are_refused_with_a_message_for_people(client, sent):
    reach_checklist(client)
    response = submit(client, CHECKLIST, answer=sent)
    assert response.status_code == 200
    assert soup(response).select_one(".error-summary") is not None
    assert redirected_to(client.get("/continue")) == CHECKLIST


def test_the_saved_ticks_are_shown_again_and_can_be_changed(client):
    walk(client, checklist=("yawning", "goosebumps"), stop_at="/check-answers")
    assert ticked(soup(client.get(CHECKLIST))) == ["yawning", "goosebumps"]
    row = next(
        row
        for row in soup(client.get("/check-answers")).select(".summary-list__row")
        if text_of(row.dt) == "Other withdrawal signs"
    )
    assert [text_of(li) for li in row.select(".summary-list__value li")] == [
        "Yawning a lot",
        "Goosebumps",
    ]
    assert row.select_one("a")["href"] == CHECKLIST
    response = submit(client, CHECKLIST, answer=["none"])
    assert redirected_to(response) == "/check-answers"
    assert ticked(soup(client.get(CHECKLIST))) == ["none"]


def test_ticked_signs_join_the_withdrawal_group_on_the_summary(client):
    """Even with no other withdrawal sign noticed, the ticked ones are explained."""
    walk(client, audience="other", checklist=("diarrhea", "larger-pupils"))
    page = soup(client.get("/summary"))
    groups = page.select(".sign-group")
    assert [text_of(group.h3) for group in groups] == ["Signs that can come with opioid withdrawal"]
    item = groups[0].select_one(".sign-list li")
    text = text_of(item)
    assert text.startswith("Other withdrawal signs")
    assert "your answer: Diarrhea (loose or watery stools), Larger pupils than usual" in text
    assert THE_LIST.summary.other in text
    assert "did not report any of these signs" not in text_of(page.main)


def test_ticked_signs_follow_the_withdrawal_signs_already_noticed(client):
    walk(client, answers={"sweating": "often"}, checklist=("yawning",))
    group = soup(client.get("/summary")).select_one(".sign-group")
    items = [text_of(li.strong) for li in group.select(".sign-list li")]
    assert items == ["Sweating", "Other withdrawal signs"]


def test_not_sure_goes_with_the_signs_the_person_was_not_sure_about(client):
    walk(client, checklist=("not-sure",))
    main = text_of(soup(client.get("/summary")).main)
    assert "Signs you were not sure about" in main
    assert "Other withdrawal signs" in main
    assert "You did not report any of these signs" not in main


def test_none_of_these_adds_nothing(client):
    walk(client, checklist=("none",))
    main = text_of(soup(client.get("/summary")).main)
    assert "Other withdrawal signs" not in main
    assert "You did not report any of these signs" in main


def summary_with(checklist: tuple[str, ...], **answers: str):
    progress = Progress(
        audience=Audience.ME, safety="no", answers={**ALL_NO, **answers}, checklist=checklist
    )
    return summarise(CONTENT, progress)


def test_the_summary_rules_keep_the_checklists_order_and_never_make_it_urgent():
    summary = summary_with(("larger-pupils", "yawning"))
    (group,) = summary.groups
    assert group.kind.id == "withdrawal" and group.signs == ()
    assert group.ticked is not None
    assert [item.value for item in group.ticked.items] == ["yawning", "larger-pupils"]
    assert not summary.urgent_first and not summary.nothing_reported
    assert summary_with(("none",)).nothing_reported
    unsure = summary_with(("not-sure",))
    assert unsure.unsure_checklist is THE_LIST and unsure.groups == ()


def test_the_page_in_spanish(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    walk(client, audience="other", checklist=("sleep",), stop_at="/check-answers")
    page = soup(client.get(CHECKLIST))
    assert text_of(page.select_one("legend h1")) == "¿Esa persona tuvo alguna de estas señales?"
    assert text_of(page.select_one(".checkboxes__divider")) == "o"
    assert "Elija todas las que correspondan." in text_of(page.select_one(".hint"))
    submit(client, "/check-answers")
    summary = text_of(soup(client.get("/summary")).main)
    assert "Otras señales de abstinencia" in summary and "Problemas para dormir" in summary

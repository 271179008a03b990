"""The page of other withdrawal signs: Yes, No or Not sure for each, and what it adds."""

from __future__ import annotations

import pytest

from questionnaire.content import Audience, Checklist, Content, load_all_content
from questionnaire.flow import Progress
from questionnaire.summary import summarise
from tests.pages import soup, text_of
from tests.walk import (
    CHECK,
    CHECKLIST,
    SIGN,
    checklist_fields,
    hidden_fields,
    redirected_to,
    submit,
    walk,
)

CONTENT: Content = load_all_content()["en"]
assert CONTENT.checklist is not None
THE_LIST = CONTENT.checklist
ITEMS = [item.value for item in THE_LIST.items]
ALL_NO = {sign.id: "no" for sign in CONTENT.signs}
YES, NO, UNSURE = Checklist.YES, Checklist.NO, Checklist.UNSURE


def reach_checklist(client, audience: str = "me") -> None:
    walk(client, audience=audience, stop_at=CHECKLIST)


def each(default: str, **answers: str) -> dict[str, str]:
    """Every sign's answer: ``default``, unless given (``larger_pupils="yes"``)."""
    given = {sign.replace("_", "-"): answer for sign, answer in answers.items()}
    return {item: given.get(item, default) for item in ITEMS}


def post_checklist(client, fields: dict[str, str]):
    """Send the checklist page's form with exactly ``fields`` (and its hidden fields)."""
    page = client.get(CHECKLIST)
    assert page.status_code == 200
    return client.post(CHECKLIST, data={**hidden_fields(page), **fields})


def chosen(page) -> dict[str, str]:
    """Each sign's chosen answer on the page, by the label of its checked radio."""
    answers = {}
    for row in page.select(".checklist-row"):
        checked = row.select_one("input[type=radio][checked]")
        if checked is not None:
            label = text_of(page.select_one(f'label[for="{checked["id"]}"]'))
            answers[text_of(row.legend)] = label
    return answers


def checklist_row(page):
    return next(
        row
        for row in page.select(".summary-list__row")
        if text_of(row.dt) == "Other withdrawal signs"
    )


def shown_in(row) -> list[str]:
    """The answers a row of check your answers shows: a list, or one answer on its own."""
    value = row.select_one(".summary-list__value")
    return [text_of(li) for li in value.select("li")] or [text_of(value)]


def test_each_sign_has_its_own_yes_no_and_not_sure(client):
    reach_checklist(client)
    page = soup(client.get(CHECKLIST))
    rows = page.select("fieldset .checklist-row")
    assert [text_of(row.legend) for row in rows] == [
        item.label.for_(Audience.ME) for item in THE_LIST.items
    ]
    assert [text_of(row.legend) for row in rows][:3] == [
        "Yawning a lot",
        "Runny nose or watery eyes",
        "Goosebumps",
    ]
    for number, row in enumerate(rows):
        radios = row.select("input")
        assert [radio["type"] for radio in radios] == ["radio"] * 3
        assert {radio["name"] for radio in radios} == {f"sign{number}"}
        assert [radio["id"] for radio in radios] == [f"sign{number}-{n}" for n in range(3)]
        assert [radio["value"] for radio in radios] == ["0", "1", "2"]
        labels = [text_of(page.select_one(f'label[for="{radio["id"]}"]')) for radio in radios]
        assert labels == ["Yes", "No", "Not sure"]
        assert not any(radio.has_attr("checked") for radio in radios)
    # No boxes to tick, and nothing that must stand alone.
    assert page.select("input[type=checkbox]") == []
    assert page.select_one(".checkboxes__divider") is None
    assert "None of these" not in text_of(page.main)
    legend = page.select_one("legend")
    assert text_of(legend.select_one(".lead-in")).startswith("In the past month, when you cut")
    assert text_of(legend.h1) == "Did you have any of these?"
    assert text_of(page.select_one(".hint")) == "Choose Yes, No or Not sure for each one."


def test_every_sign_is_always_sent_so_the_form_is_the_same_size_whatever_is_chosen(app):
    sizes = set()
    for answers in [each(NO), each(UNSURE), each(YES), each(NO, yawning=YES, sleep=UNSURE)]:
        client = app.test_client()
        reach_checklist(client)
        fields = checklist_fields(CONTENT, answers)
        # One field for every row on the page, as a browser sends when each row is chosen.
        radios = soup(client.get(CHECKLIST)).select("input[type=radio]")
        assert set(fields) == {radio["name"] for radio in radios}
        assert set(fields.values()) <= {radio["value"] for radio in radios}
        response = post_checklist(client, fields)
        assert redirected_to(response) == SIGN["headaches"], answers
        sizes.add(response.request.content_length)
    assert len(sizes) == 1, sizes


@pytest.mark.parametrize("audience", ["me", "other"])
def test_a_sign_left_unanswered_is_asked_again_and_the_other_answers_stay(client, audience):
    reach_checklist(client, audience)
    # Runny nose and diarrhea left without an answer.
    answers = each(NO, yawning=YES, goosebumps=UNSURE)
    del answers["runny-nose"], answers["diarrhea"]
    response = post_checklist(client, checklist_fields(CONTENT, answers))
    assert response.status_code == 200
    page = soup(response)
    link = page.select_one(".error-summary a")
    assert text_of(link) == THE_LIST.error.for_(Audience(audience))
    assert text_of(link) == "Choose Yes, No or Not sure for each sign"
    # The link goes to the first row without an answer, to its first radio.
    assert link["href"] == "#sign1-0"
    assert page.select_one("#sign1-0")["type"] == "radio"
    assert page.select_one("#sign1-0")["name"] == "sign1"
    # Each row without an answer says so; the others do not.
    rows = page.select(".checklist-row")
    assert [row.select_one(".error-message") is not None for row in rows] == [
        item in ("runny-nose", "diarrhea") for item in ITEMS
    ]
    assert text_of(rows[1].select_one(".error-message")) == f"Error: {text_of(link)}"
    assert rows[1].fieldset["aria-describedby"] == "sign1-error"
    # What was chosen is still chosen.
    assert chosen(page) == {
        "Yawning a lot": "Yes",
        "Goosebumps": "Not sure",
        "Aching muscles or bones": "No",
        "Trouble sleeping": "No",
        "Restless, or not able to sit still": "No",
        "Larger pupils than usual (the black center of the eye)": "No",
    }
    # Nothing was saved: the next step is still this page.
    assert redirected_to(client.get("/continue")) == CHECKLIST
    assert redirected_to(submit(client, CHECKLIST, answer=["none"])) == SIGN["headaches"]


def test_nothing_chosen_is_asked_again_from_the_first_sign(client):
    reach_checklist(client)
    response = post_checklist(client, {})
    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.title).startswith("Error: ")
    assert page.select_one(".error-summary a")["href"] == "#sign0-0"
    assert len(page.select(".checklist-row .error-message")) == len(ITEMS)
    assert redirected_to(client.get("/continue")) == CHECKLIST


@pytest.mark.parametrize(
    "forged",
    [
        {"sign0": "3"},  # not one of the three answers
        {"sign0": "yes"},  # a value, not its code
        {"sign0": "00"},
        {"sign0": ""},
        {"sign0": "0\x00"},
    ],
    ids=repr,
)
def test_a_forged_answer_is_refused_with_a_message_for_people(client, forged):
    reach_checklist(client)
    fields = {**checklist_fields(CONTENT, each(NO)), **forged}
    response = post_checklist(client, fields)
    assert response.status_code == 200
    page = soup(response)
    link = page.select_one(".error-summary a")
    assert text_of(link) == "Choose Yes, No or Not sure for each sign"
    assert link["href"] == "#sign0-0"
    assert redirected_to(client.get("/continue")) == CHECKLIST


@pytest.mark.parametrize(
    "forged",
    [{"answer": "none"}, {"answer": ["yawning", "goosebumps"]}, {"answer": "0"}],
    ids=str,
)
def test_the_old_checkbox_answers_are_not_answers(client, forged):
    reach_checklist(client)
    response = post_checklist(client, forged)
    assert response.status_code == 200
    assert soup(response).select_one(".error-summary") is not None
    assert redirected_to(client.get("/continue")) == CHECKLIST


def test_the_saved_answers_are_shown_again_and_can_be_changed(client):
    walk(client, checklist=("yawning", "goosebumps"), stop_at=CHECK)
    assert chosen(soup(client.get(CHECKLIST))) == {
        item.label.for_(Audience.ME): "Yes" if item.value in ("yawning", "goosebumps") else "No"
        for item in THE_LIST.items
    }
    row = checklist_row(soup(client.get(CHECK)))
    assert shown_in(row) == [
        "Yawning a lot",
        "Goosebumps",
    ]
    assert row.select_one("a")["href"] == CHECKLIST
    response = submit(client, CHECKLIST, answer=["none"])
    assert redirected_to(response) == CHECK
    assert set(chosen(soup(client.get(CHECKLIST))).values()) == {"No"}
    row = checklist_row(soup(client.get(CHECK)))
    assert shown_in(row) == ["None of these"]


@pytest.mark.parametrize(
    ("answers", "shown"),
    [
        (each(NO), ["None of these"]),
        (each(UNSURE), ["Not sure"]),
        (each(NO, sleep=UNSURE), ["Not sure"]),
        (
            each(UNSURE, larger_pupils=YES, yawning=YES, aches=NO),
            ["Yawning a lot", "Larger pupils than usual (the black center of the eye)"],
        ),
    ],
    ids=["all-no", "all-not-sure", "one-not-sure", "yes-and-not-sure"],
)
def test_check_your_answers_reads_the_page_as_a_whole(client, answers, shown):
    """The signs said Yes, in the page's order; else Not sure if any was; else None of these."""
    reach_checklist(client)
    response = post_checklist(client, checklist_fields(CONTENT, answers))
    assert redirected_to(response) == SIGN["headaches"]
    assert redirected_to(submit(client, SIGN["headaches"], answer="no")) == CHECK
    row = checklist_row(soup(client.get(CHECK)))
    assert shown_in(row) == shown


def test_ticked_signs_join_the_withdrawal_group_on_the_summary(client):
    """Even with no other withdrawal sign noticed, the signs said Yes to are explained."""
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


def test_one_sign_not_sure_and_the_rest_no_is_not_sure_on_the_summary(client):
    reach_checklist(client)
    post_checklist(client, checklist_fields(CONTENT, each(NO, restless=UNSURE)))
    submit(client, SIGN["headaches"], answer="no")
    assert redirected_to(submit(client, CHECK)) == "/summary"
    main = text_of(soup(client.get("/summary")).main)
    assert "Signs you were not sure about" in main
    assert "Other withdrawal signs" in main
    assert "You did not report any of these signs" not in main


def test_none_of_these_adds_nothing(client):
    walk(client, checklist=("none",))
    main = text_of(soup(client.get("/summary")).main)
    assert "Other withdrawal signs" not in main
    assert "You did not report any of these signs" in main


def summary_with(checklist: dict[str, str], **answers: str):
    progress = Progress(
        audience=Audience.ME, safety="no", answers={**ALL_NO, **answers}, checklist=checklist
    )
    return summarise(CONTENT, progress)


def test_the_page_is_read_as_the_signs_said_yes_else_not_sure_else_none():
    assert THE_LIST.reading(each(NO)) == ("none",)
    assert THE_LIST.reading(each(NO, sleep=UNSURE)) == ("not-sure",)
    assert THE_LIST.reading(each(UNSURE)) == ("not-sure",)
    assert THE_LIST.reading(each(UNSURE, larger_pupils=YES, yawning=YES)) == (
        "yawning",
        "larger-pupils",
    )


def test_only_every_sign_answered_with_one_of_the_three_is_an_answer():
    assert THE_LIST.accepts(each(NO))
    assert THE_LIST.accepts(each(YES, sleep=UNSURE))
    missing = each(NO)
    del missing["sleep"]
    assert not THE_LIST.accepts(missing)
    assert not THE_LIST.accepts({**each(NO), "not-a-sign": NO})
    assert not THE_LIST.accepts(each(NO, sleep="often"))


def test_the_summary_rules_keep_the_checklists_order_and_never_make_it_urgent():
    summary = summary_with(each(NO, larger_pupils=YES, yawning=YES, sleep=UNSURE))
    (group,) = summary.groups
    assert group.kind.id == "withdrawal" and group.signs == ()
    assert group.ticked is not None
    assert [item.value for item in group.ticked.items] == ["yawning", "larger-pupils"]
    assert not summary.urgent_first and not summary.nothing_reported
    assert summary_with(each(NO)).nothing_reported
    unsure = summary_with(each(NO, sleep=UNSURE))
    assert unsure.unsure_checklist is THE_LIST and unsure.groups == ()
    assert not unsure.nothing_reported


def test_the_page_in_spanish(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    walk(client, audience="other", checklist=("sleep",), stop_at=CHECK)
    page = soup(client.get(CHECKLIST))
    assert text_of(page.select_one("legend h1")) == "¿Esa persona tuvo alguna de estas señales?"
    row = page.select_one(".checklist-row")
    assert text_of(row.legend) == "Bostezar mucho"
    labels = [text_of(label) for label in row.select("label")]
    assert labels == ["Sí", "No", "No sé"]
    assert text_of(page.select_one(".hint")) == "Elija Sí, No o No sé para cada una."
    refused = soup(post_checklist(client, {}))
    assert text_of(refused.select_one(".error-summary a")) == "Elija Sí, No o No sé para cada señal"
    submit(client, CHECK)
    summary = text_of(soup(client.get("/summary")).main)
    assert "Otras señales de abstinencia" in summary and "Problemas para dormir" in summary

"""The content file: checked at start-up, and the only place the questions live."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from click.testing import CliRunner

from app import create_app
from questionnaire.cli import check_content
from questionnaire.content import CONTENT_DIR, ContentError, load_all_content, parse_content
from tests.conftest import TEST_CONFIG, make_app
from tests.pages import soup, text_of
from tests.walk import hidden_fields, notice, notices_on, redirected_to, walk

EN = CONTENT_DIR / "en.toml"


def english_data() -> dict[str, Any]:
    return tomllib.loads(EN.read_text(encoding="utf-8"))


def test_every_content_file_is_valid():
    contents = load_all_content()
    assert "en" in contents
    assert [sign.id for sign in contents["en"].signs] == [
        "shallow-breathing",
        "narrowed-pupils",
        "speech-problems",
        "pain-sensitivity",
        "sweating",
        "nausea",
        "irritability",
        "craving",
        "headaches",
    ]


def test_the_signs_are_of_the_kinds_the_content_brief_gives():
    content = load_all_content()["en"]
    kinds = {sign.id: sign.kind for sign in content.signs}
    assert kinds == {
        "shallow-breathing": "too-much-opioid",
        "narrowed-pupils": "too-much-opioid",
        "speech-problems": "too-much-opioid",
        "pain-sensitivity": "withdrawal",
        "irritability": "withdrawal",
        "nausea": "withdrawal",
        "craving": "withdrawal",
        "sweating": "withdrawal",
        "headaches": "many-causes",
    }
    interrupting = {sign.id for sign in content.signs if sign.interrupt_on}
    assert interrupting == {"shallow-breathing", "narrowed-pupils", "speech-problems"}
    assert all(sign.sources for sign in content.signs)


def break_sign_kind(data):
    data["signs"][3]["kind"] = "unknown-kind"


def drop_other_wording(data):
    data["signs"][4]["question"] = {"me": "Only one wording?"}


def add_unknown_field(data):
    data["signs"][2]["colour"] = "red"


def interrupt_on_unknown_answer(data):
    data["signs"][0]["interrupt_on"] = ["always"]


def repeat_a_sign_id(data):
    data["signs"][1]["id"] = data["signs"][0]["id"]


def misname_a_meaning(data):
    data["answer_options"][1]["meaning"] = "maybe"


def interrupt_without_words(data):
    del data["signs"][1]["interruption"]


def empty_question(data):
    data["signs"][5]["question"] = "   "


def unsafe_link(data):
    data["resources"][1]["links"][0]["href"] = "javascript:alert(1)"


def hint_items_without_a_hint(data):
    del data["safety"]["hint"]


def emergency_on_unknown_answer(data):
    data["safety"]["emergency_on"] = ["maybe"]


def emergency_answer_without_a_lead(data):
    del data["emergency"]["leads"]["not-sure"]


def show_a_section_that_does_not_exist(data):
    data["use"]["options"][0]["shows"] = ["pep-talk"]


def when_to_call_without_an_interruption(data):
    pupils = data["signs"][1]
    pupils["interrupt_on"] = []
    del pupils["interruption"]


def misspell_a_step(data):
    data["emergency"]["steps"]["other"][1] = "give-nalxone"


def leave_a_step_unused(data):
    data["steps"]["sing-to-them"] = "Sing to them."


def list_steps_for_speech_without_saying_when(data):
    del data["signs"][2]["interruption_now"]["steps_heading"]


def choose_a_question_both_ways(data):
    data["summary"]["questions"]["items"][1]["not_uses"] = ["mix"]


def name_a_use_that_does_not_exist(data):
    data["summary"]["help"]["headings"] = {"sometimes": "Sometimes"}


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (misspell_a_step, "field 'emergency.steps': ['give-nalxone'] in 'other' is not among"),
        (leave_a_step_unused, "field 'steps': ['sing-to-them'] are not used by any page"),
        (
            list_steps_for_speech_without_saying_when,
            "entry signs[2] (id 'speech-problems'): interruption_now.steps need a steps_heading",
        ),
        (choose_a_question_both_ways, "an item has 'uses' or 'not_uses', not both"),
        (name_a_use_that_does_not_exist, "field 'summary.help': ['sometimes'] are not answers"),
        (break_sign_kind, "entry signs[3] (id 'pain-sensitivity'), field 'kind'"),
        (drop_other_wording, "entry signs[4] (id 'sweating'), field 'question.other'"),
        (add_unknown_field, "entry signs[2] (id 'speech-problems'), field 'colour'"),
        (
            interrupt_on_unknown_answer,
            "entry signs[0] (id 'shallow-breathing'), field 'interrupt_on'",
        ),
        (repeat_a_sign_id, "entry signs[1], field 'id'"),
        (misname_a_meaning, "entry answer_options[1], field 'meaning'"),
        (interrupt_without_words, "entry signs[1] (id 'narrowed-pupils')"),
        (empty_question, "entry signs[5] (id 'nausea'), field 'question.me'"),
        (unsafe_link, "entry resources[1] (id 'crisis').links[0], field 'href'"),
        (emergency_on_unknown_answer, "field 'emergency_on'"),
        (hint_items_without_a_hint, "field 'safety': hint_items need a hint"),
        (
            emergency_answer_without_a_lead,
            "field 'emergency.leads': needs one entry for each of ['not-sure', 'yes']",
        ),
        (
            show_a_section_that_does_not_exist,
            "entry use.options[0], field 'shows': ['pep-talk'] is not among",
        ),
        (
            when_to_call_without_an_interruption,
            "entry signs[1] (id 'narrowed-pupils'): interruption is set but interrupt_on is empty",
        ),
    ],
)
def test_a_bad_content_file_names_the_file_the_entry_and_the_field(breakage, expected):
    data = english_data()
    breakage(data)
    with pytest.raises(ContentError) as raised:
        parse_content(data, "content/en.toml")
    message = str(raised.value)
    assert message.startswith("content/en.toml: ")
    assert expected in message


def write_content(directory: Path, data: dict[str, Any] | None = None, text: str | None = None):
    directory.mkdir(exist_ok=True)
    (directory / "en.toml").write_text(text or tomli_w.dumps(data), encoding="utf-8")
    return directory


def test_the_app_refuses_to_start_with_bad_content(tmp_path):
    data = english_data()
    break_sign_kind(data)
    directory = write_content(tmp_path / "content", data)
    with pytest.raises(ContentError, match=r"en\.toml: entry signs\[3\]"):
        create_app({**TEST_CONFIG, "CONTENT_DIR": directory})


def test_the_app_refuses_a_file_that_is_not_toml(tmp_path):
    directory = write_content(tmp_path / "content", text="language = 'en'\nsigns = [")
    with pytest.raises(ContentError, match="cannot be read as TOML"):
        create_app({**TEST_CONFIG, "CONTENT_DIR": directory})


def test_the_app_refuses_a_file_whose_language_is_not_its_name(tmp_path):
    # Spanish content (a translation, with its record) said to be French.
    data = tomllib.loads((CONTENT_DIR / "es.toml").read_text(encoding="utf-8"))
    data["language"] = "fr"
    directory = write_content(tmp_path / "content", data)
    with pytest.raises(ContentError, match="'fr' does not match the file name"):
        load_all_content(directory)


def test_check_content_says_the_files_are_valid():
    result = CliRunner().invoke(check_content, [])
    assert result.exit_code == 0, result.output
    assert "en: 9 signs, content is valid" in result.output


def test_check_content_fails_with_the_entry_and_field(tmp_path):
    data = english_data()
    drop_other_wording(data)
    directory = write_content(tmp_path / "content", data)
    result = CliRunner().invoke(check_content, ["--directory", str(directory)])
    assert result.exit_code == 1
    assert "entry signs[4] (id 'sweating'), field 'question.other'" in result.output


def test_flask_check_content_runs_without_a_secret_key():
    """The documented command works even where the app itself could not start."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SELFCHECK_")}
    flask = shutil.which("flask", path=str(Path(sys.executable).parent))
    assert flask is not None
    result = subprocess.run(
        [flask, "--app", "app", "check-content"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=Path(__file__).parent.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "content is valid" in result.stdout


# Adding, removing or reordering a sign is a content edit only.


def app_with(tmp_path, data):
    return make_app(CONTENT_DIR=write_content(tmp_path / "content", data))


def test_removing_a_sign_removes_it_from_the_check(tmp_path):
    data = english_data()
    data["signs"] = [sign for sign in data["signs"] if sign["id"] != "headaches"]
    client = app_with(tmp_path, data).test_client()
    visited = walk(client)
    # Twelve questions now, the checklist after craving the last of them.
    assert visited == [f"/question/{n}" for n in range(1, 13)] + ["/check-answers", "/summary"]
    assert client.get("/question/13").status_code == 404
    page = soup(client.get("/question/12"))
    assert len(page.select(".checklist-row")) == len(data["checklist"]["items"])
    assert "Question 12 of 12" in text_of(page.select_one(".caption"))
    assert "Headaches" not in text_of(soup(client.get("/check-answers")).main)


def test_reordering_signs_reorders_the_check(tmp_path):
    data = english_data()
    data["signs"].reverse()
    client = app_with(tmp_path, data).test_client()
    walk(client, stop_at="/check-answers")
    first_sign = text_of(soup(client.get("/question/4")).h1)
    assert first_sign == "Have you had headaches more often than usual?"
    last_sign = text_of(soup(client.get("/question/13")).h1)
    assert last_sign == "Has your breathing become very slow or shallow?"


def test_adding_a_sign_adds_a_question_and_a_summary_entry(tmp_path):
    data = english_data()
    yawning = copy.deepcopy(data["signs"][4])
    yawning.update(
        id="yawning",
        label="Yawning a lot",
        question={
            "me": "In the past month, when you cut down, stopped or were late taking opioids, "
            "did you yawn a lot?",
            "other": "In the past month, when they cut down, stopped or were late taking "
            "opioids, did they yawn a lot?",
        },
        summary="Yawning a lot is a common withdrawal sign.",
    )
    data["signs"].insert(5, yawning)
    client = app_with(tmp_path, data).test_client()
    visited = walk(client, audience="other", answers={"yawning": "often"})
    assert len(visited) == 14 + 2
    # The question after sweating (question 8) is the new one.
    page = soup(client.get("/question/9"))
    assert text_of(page.h1).endswith("did they yawn a lot?")
    summary = text_of(soup(client.get("/summary")).main)
    assert "Yawning a lot" in summary and "Yawning a lot is a common withdrawal sign." in summary


def test_a_new_red_flag_rule_is_a_content_edit(tmp_path):
    data = english_data()
    headaches = next(sign for sign in data["signs"] if sign["id"] == "headaches")
    headaches["interrupt_on"] = ["often"]
    headaches["interruption"] = "Headaches like this are worth telling a clinician about."
    client = app_with(tmp_path, data).test_client()
    visited = walk(client, answers={"headaches": "often"})
    # Headaches are the last question: the interruption is shown in the place of check your answers.
    assert notice("/check-answers", "interruption") in visited


def test_the_emergency_number_comes_from_the_content_on_every_page(tmp_path):
    """A clinic outside the US changes the number in one place; no page still says 911."""
    directory = tmp_path / "content"
    directory.mkdir()
    for path in CONTENT_DIR.glob("*.toml"):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        emergency = next(r for r in data["resources"] if r["id"] == "emergency")
        emergency["number"] = "112"
        (directory / path.name).write_text(tomli_w.dumps(data), encoding="utf-8")
    app = make_app(CONTENT_DIR=directory)
    for language in ["en", "es"]:
        for audience, safety, answers in [
            ("me", "yes", {"shallow-breathing": "often", "narrowed-pupils": "often"}),
            ("other", "not-sure", {"speech-problems": "not-sure", "sweating": "often"}),
        ]:
            client = app.test_client()
            client.get(f"/language/{language}?next=/")
            pages = [client.get("/")]
            walk(client, audience=audience, safety=safety, answers=answers, shown=pages)
            pages += [client.get("/summary"), client.get("/question/99"), client.post("/summary")]
            for page in pages:
                body = page.get_data(as_text=True)
                assert "911" not in body, f"{language} {page.request.path}"
                assert "112" in body, f"{language} {page.request.path}"
    # The help line and the Call button dial the new number.
    start = soup(app.test_client().get("/"))
    assert start.select_one('.help-line a[href="tel:112"]') is not None
    assert start.select_one('.emergency-box a.button[href="tel:112"]') is not None


def test_a_checklist_of_an_urgent_kind_is_refused():
    """An urgent sign needs its own question and its own interruption page."""
    data = english_data()
    data["checklist"]["kind"] = "too-much-opioid"
    with pytest.raises(ContentError, match="checklist.kind.*urgent"):
        parse_content(data, "en.toml")
    data["checklist"]["kind"] = "not-a-kind"
    with pytest.raises(ContentError, match="checklist.kind.*not the kind of any sign"):
        parse_content(data, "en.toml")


def test_every_language_must_ask_the_same_questions_in_the_same_order(tmp_path):
    """A question's address is its number, and the language can change on any page."""
    write_content(tmp_path, english_data())
    spanish = tomllib.loads((CONTENT_DIR / "es.toml").read_text(encoding="utf-8"))
    spanish["signs"].reverse()
    (tmp_path / "es.toml").write_text(tomli_w.dumps(spanish), encoding="utf-8")
    with pytest.raises(ContentError, match=r"es\.toml: field 'signs': .* differs from .* en\.toml"):
        load_all_content(tmp_path)


def test_a_notice_before_check_your_answers_is_read_there_once(tmp_path):
    """The last sign's interruption is shown on top of check your answers; "See your
    summary" reads it, and it is not shown there again."""
    data = english_data()
    headaches = next(sign for sign in data["signs"] if sign["id"] == "headaches")
    headaches["interrupt_on"] = ["often"]
    headaches["interruption"] = "Headaches like this are worth telling a clinician about."
    client = app_with(tmp_path, data).test_client()
    walk(client, answers={"headaches": "often"}, stop_at=notice("/check-answers", "interruption"))
    page = client.get("/check-answers")
    assert notices_on(page) == ["interruption"]
    # Shown again until the page's form is sent.
    assert notices_on(client.get("/check-answers")) == ["interruption"]
    assert redirected_to(client.get("/summary")) == "/check-answers"
    # Sent as a browser sends it: with the page's hidden fields (which notices it showed).
    fields = hidden_fields(page)
    assert redirected_to(client.post("/check-answers", data=fields)) == "/summary"
    assert client.get("/summary").status_code == 200
    again = client.get("/check-answers")
    assert notices_on(again) == []
    assert text_of(soup(again).h1) == "Check your answers"

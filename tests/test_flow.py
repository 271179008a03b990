"""The flow's rules on their own: the steps of the check, and where notices are shown."""

from __future__ import annotations

import pytest

from questionnaire import flow
from questionnaire.content import Audience, Content, load_all_content
from questionnaire.flow import (
    AUDIENCE,
    CHECK,
    CHECKLIST,
    EMERGENCY,
    SAFETY,
    SUMMARY,
    USE,
    Progress,
    interruption_step,
    sign_step,
)

CONTENT: Content = load_all_content()["en"]
SIGN_IDS = [sign.id for sign in CONTENT.signs]
ALL_NO = {sign_id: "no" for sign_id in SIGN_IDS}
# The checklist of other withdrawal signs follows the last withdrawal sign.
LAST_WITHDRAWAL_SIGN = [sign.id for sign in CONTENT.signs if sign.kind == "withdrawal"][-1]


def answered(**changes: str) -> Progress:
    answers = {**ALL_NO, **{k.replace("_", "-"): v for k, v in changes.items()}}
    return Progress(
        audience=Audience.ME,
        safety="no",
        use="as-prescribed",
        answers=answers,
        checklist={item.value: "no" for item in CONTENT.checklist.items},
    )


def test_a_new_person_starts_at_who_the_check_is_for():
    assert flow.current_step(CONTENT, Progress()) == AUDIENCE
    assert flow.may_visit(CONTENT, Progress(), AUDIENCE)
    assert not flow.may_visit(CONTENT, Progress(), SAFETY)


def test_the_path_with_nothing_noticed_asks_every_sign_in_content_order():
    steps = flow.path(CONTENT)
    after = SIGN_IDS.index(LAST_WITHDRAWAL_SIGN) + 1
    signs = list(map(sign_step, SIGN_IDS))
    assert LAST_WITHDRAWAL_SIGN == "craving"
    assert steps == [
        AUDIENCE,
        SAFETY,
        USE,
        *signs[:after],
        CHECKLIST,
        *signs[after:],
        CHECK,
        SUMMARY,
    ]


def test_the_checklist_follows_the_last_sign_of_its_kind_wherever_it_is():
    moved = [s for s in CONTENT.signs if s.id != "sweating"] + [CONTENT.sign("sweating")]
    content = CONTENT.model_copy(update={"signs": tuple(moved)})
    steps = flow.path(content)
    assert steps[-5:-1] == [sign_step("headaches"), sign_step("sweating"), CHECKLIST, CHECK]


def test_the_checklist_is_a_question_until_it_is_answered():
    progress = answered()
    unanswered = Progress(**{**vars(progress), "checklist": None})
    assert flow.current_step(CONTENT, unanswered) == CHECKLIST
    assert flow.current_step(CONTENT, progress) == CHECK
    assert (
        flow.current_step(CONTENT, progress.with_confirmed().with_checklist(ticked("yawning")))
        == CHECK
    )


def test_without_a_checklist_in_the_content_there_is_no_checklist_step():
    content = CONTENT.model_copy(update={"checklist": None})
    assert CHECKLIST not in flow.path(content)
    assert CHECKLIST not in flow.question_steps(content)


def ticked(*signs: str) -> dict[str, str]:
    """The checklist's answers with ``signs`` answered yes and the others no."""
    return {item.value: "yes" if item.value in signs else "no" for item in CONTENT.checklist.items}


EVERY_SIGN = [item.value for item in CONTENT.checklist.items]


@pytest.mark.parametrize(
    "saved, kept",
    [
        (ticked("yawning", "goosebumps"), ticked("yawning", "goosebumps")),
        ({sign: "not-sure" for sign in EVERY_SIGN}, {sign: "not-sure" for sign in EVERY_SIGN}),
        ({**ticked(), "yawning": "maybe"}, None),
        ({sign: "no" for sign in EVERY_SIGN[1:]}, None),
        ({**ticked(), "not-a-sign": "yes"}, None),
        ({}, None),
        (["yawning"], None),
        ("yawning", None),
    ],
)
def test_a_saved_checklist_answer_is_kept_only_if_the_page_would_accept_it(saved, kept):
    data = {**answered().to_dict(), "checklist": saved}
    assert Progress.from_dict(data, CONTENT).checklist == kept


@pytest.mark.parametrize(
    "answers, reading",
    [
        ({}, ("none",)),
        ({"goosebumps": "yes", "yawning": "yes", "sleep": "not-sure"}, ("yawning", "goosebumps")),
        ({"sleep": "not-sure"}, ("not-sure",)),
    ],
)
def test_the_checklist_reads_as_the_signs_noticed_else_not_sure_else_none(answers, reading):
    assert CONTENT.checklist.reading({**ticked(), **answers}) == reading


def test_the_steps_are_the_same_whatever_is_answered():
    everything = Progress(
        audience=Audience.OTHER,
        safety="yes",
        use="not-prescribed",
        answers={sign_id: "often" for sign_id in SIGN_IDS},
        checklist=ticked("yawning"),
    )
    assert EMERGENCY not in flow.path(CONTENT)
    assert flow.current_step(CONTENT, everything) == CHECK
    assert flow.step_after(CONTENT, Progress(safety="yes"), SAFETY) == USE


def test_an_emergency_answer_puts_the_emergency_notice_on_the_next_question():
    progress = Progress(audience=Audience.OTHER, safety="yes")
    assert flow.notices(CONTENT, progress) == [EMERGENCY]
    assert flow.notices_at(CONTENT, progress, USE) == [EMERGENCY]
    assert flow.notices_at(CONTENT, progress, SAFETY) == []
    assert flow.notices_at(CONTENT, Progress(safety="no"), USE) == []
    # Once that page's form is sent, it is read: not shown again there.
    read = progress.with_read([EMERGENCY]).with_use("mix")
    assert flow.notices_at(CONTENT, read, USE) == []


@pytest.mark.parametrize("value", ["sometimes", "often"])
def test_a_red_flag_answer_puts_its_interruption_on_the_next_question(value):
    progress = answered(narrowed_pupils=value)
    after = sign_step(SIGN_IDS[SIGN_IDS.index("narrowed-pupils") + 1])
    assert flow.notices_at(CONTENT, progress, after) == [interruption_step("narrowed-pupils")]
    assert flow.notices_at(CONTENT, progress, sign_step("narrowed-pupils")) == []
    assert flow.notices_at(CONTENT, answered(), after) == []


def test_check_your_answers_shows_every_notice_not_yet_read():
    progress = answered(shallow_breathing="often", speech_problems="often").with_read(
        [interruption_step("shallow-breathing")]
    )
    progress = progress.with_safety("yes")
    assert flow.notices_at(CONTENT, progress, CHECK) == [
        EMERGENCY,
        interruption_step("speech-problems"),
    ]
    assert (
        flow.notices_at(CONTENT, progress.with_read(flow.notices(CONTENT, progress)), CHECK) == []
    )


def test_changing_a_red_flag_answer_shows_its_interruption_again():
    progress = answered(speech_problems="often").with_read([interruption_step("speech-problems")])
    assert flow.notices_at(CONTENT, progress, CHECK) == []
    progress = progress.with_answer("speech-problems", "no").with_answer(
        "speech-problems", "sometimes"
    )
    assert flow.notices_at(CONTENT, progress, CHECK) == [interruption_step("speech-problems")]


def test_answering_the_same_again_does_not_repeat_the_interruption():
    progress = answered(speech_problems="often").with_read([interruption_step("speech-problems")])
    progress = progress.with_answer("speech-problems", "often")
    assert flow.notices_at(CONTENT, progress, CHECK) == []


def test_changing_the_safety_answer_shows_the_emergency_notice_again():
    progress = Progress(audience=Audience.ME, safety="yes").with_read([EMERGENCY])
    assert flow.notices_at(CONTENT, progress, USE) == []
    progress = progress.with_safety("no").with_safety("yes")
    assert flow.notices_at(CONTENT, progress, USE) == [EMERGENCY]


def test_any_change_means_the_answers_are_checked_again_before_the_summary():
    progress = answered().with_confirmed()
    assert flow.current_step(CONTENT, progress) == SUMMARY
    assert flow.current_step(CONTENT, progress.with_answer("nausea", "often")) == CHECK
    assert flow.current_step(CONTENT, progress.with_audience(Audience.OTHER)) == CHECK
    assert flow.current_step(CONTENT, progress.with_safety("no")) == CHECK
    assert flow.current_step(CONTENT, progress.with_use("mix")) == CHECK
    assert flow.current_step(CONTENT, progress.with_checklist(ticked("sleep"))) == CHECK


def test_a_person_may_go_back_but_not_ahead():
    progress = Progress(audience=Audience.ME, safety="no", use="mix", answers={SIGN_IDS[0]: "no"})
    assert flow.may_visit(CONTENT, progress, AUDIENCE)
    assert flow.may_visit(CONTENT, progress, sign_step(SIGN_IDS[0]))
    assert flow.may_visit(CONTENT, progress, sign_step(SIGN_IDS[1]))
    assert not flow.may_visit(CONTENT, progress, sign_step(SIGN_IDS[2]))
    assert not flow.may_visit(CONTENT, progress, CHECK)


def test_step_after_walks_forward_until_every_question_is_answered():
    progress = Progress(audience=Audience.ME, safety="no", use="mix", answers={SIGN_IDS[0]: "no"})
    # Went back to the first question and answered again: on to the next one.
    assert flow.step_after(CONTENT, progress, AUDIENCE) == SAFETY
    assert flow.step_after(CONTENT, progress, sign_step(SIGN_IDS[0])) == sign_step(SIGN_IDS[1])


def test_step_after_returns_to_check_answers_once_everything_is_answered():
    progress = answered()
    assert flow.step_after(CONTENT, progress, sign_step(SIGN_IDS[0])) == CHECK
    assert flow.step_after(CONTENT, progress, AUDIENCE) == CHECK


def test_step_before_gives_the_back_link():
    assert flow.step_before(CONTENT, AUDIENCE) is None
    assert flow.step_before(CONTENT, USE) == SAFETY
    assert flow.step_before(CONTENT, sign_step(SIGN_IDS[1])) == sign_step(SIGN_IDS[0])
    assert flow.step_before(CONTENT, CHECK) == sign_step(SIGN_IDS[-1])


def test_a_notice_is_shown_on_the_step_after_the_answer_that_calls_for_it():
    assert flow.place_of(CONTENT, EMERGENCY) == USE
    assert flow.place_of(CONTENT, interruption_step(SIGN_IDS[0])) == sign_step(SIGN_IDS[1])
    # After the last sign of the checklist's kind comes the checklist; after
    # the last sign of all, check your answers.
    assert flow.place_of(CONTENT, interruption_step(LAST_WITHDRAWAL_SIGN)) == CHECKLIST
    assert flow.place_of(CONTENT, interruption_step(SIGN_IDS[-1])) == CHECK


def test_progress_survives_the_cookie_round_trip():
    progress = answered(sweating="often", shallow_breathing="sometimes").with_read(
        [EMERGENCY, interruption_step("shallow-breathing")]
    )
    assert Progress.from_dict(progress.to_dict(), CONTENT) == progress


@pytest.mark.parametrize(
    "data",
    [
        None,
        "text",
        [],
        {"audience": "everyone", "safety": 3, "use": "sometimes", "answers": "x"},
        {"answers": {"not-a-sign": "often", "sweating": "always"}},
        {"interruptions_seen": "shallow-breathing", "confirmed": "yes"},
    ],
)
def test_progress_from_unexpected_data_keeps_only_what_content_knows(data):
    progress = Progress.from_dict(data, CONTENT)
    assert progress.audience is None
    assert progress.safety is None
    assert progress.use is None
    assert dict(progress.answers) == {}
    assert progress.interruptions_seen == frozenset()
    assert progress.confirmed is False


def test_question_steps_count_who_safety_use_every_sign_and_the_checklist():
    assert flow.question_steps(CONTENT)[:3] == [AUDIENCE, SAFETY, USE]
    assert len(flow.question_steps(CONTENT)) == 3 + len(CONTENT.signs) + 1
    assert CHECKLIST in flow.question_steps(CONTENT)

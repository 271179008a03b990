"""The flow's rules on their own: which steps a person's answers lead through."""

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
        checklist=("none",),
    )


def test_a_new_person_starts_at_who_the_check_is_for():
    assert flow.current_step(CONTENT, Progress()) == AUDIENCE
    assert flow.may_visit(CONTENT, Progress(), AUDIENCE)
    assert not flow.may_visit(CONTENT, Progress(), SAFETY)


def test_the_path_with_nothing_noticed_asks_every_sign_in_content_order():
    steps = flow.path(CONTENT, answered())
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
    steps = flow.path(content, answered())
    assert steps[-5:-1] == [sign_step("headaches"), sign_step("sweating"), CHECKLIST, CHECK]


def test_the_checklist_is_a_question_until_it_is_answered():
    progress = answered()
    unanswered = Progress(**{**vars(progress), "checklist": None})
    assert flow.current_step(CONTENT, unanswered) == CHECKLIST
    assert flow.current_step(CONTENT, progress) == CHECK
    assert (
        flow.current_step(CONTENT, progress.with_confirmed().with_checklist(("yawning",))) == CHECK
    )


def test_without_a_checklist_in_the_content_there_is_no_checklist_step():
    content = CONTENT.model_copy(update={"checklist": None})
    assert CHECKLIST not in flow.path(content, Progress())
    assert CHECKLIST not in flow.question_steps(content)


@pytest.mark.parametrize(
    "saved, kept",
    [
        (["yawning", "goosebumps"], ("yawning", "goosebumps")),
        (["none"], ("none",)),
        (["not-sure"], ("not-sure",)),
        (["none", "yawning"], None),
        (["none", "not-sure"], None),
        (["yawning", "yawning"], None),
        (["not-a-sign"], None),
        ([], None),
        ("yawning", None),
        ([1], None),
    ],
)
def test_a_saved_checklist_answer_is_kept_only_if_the_page_would_accept_it(saved, kept):
    data = {**answered().to_dict(), "checklist": saved}
    assert Progress.from_dict(data, CONTENT).checklist == kept


def test_an_emergency_answer_adds_the_emergency_page_after_the_safety_question():
    progress = Progress(audience=Audience.OTHER, safety="yes")
    assert flow.path(CONTENT, progress)[:3] == [AUDIENCE, SAFETY, EMERGENCY]
    assert flow.current_step(CONTENT, progress) == EMERGENCY
    # How opioids are taken comes after the emergency page: nothing delays it.
    assert flow.current_step(CONTENT, progress.with_emergency_seen()) == USE


@pytest.mark.parametrize("value", ["sometimes", "often"])
def test_a_red_flag_answer_adds_its_interruption_right_after_the_sign(value):
    progress = answered(narrowed_pupils=value)
    steps = flow.path(CONTENT, progress)
    index = steps.index(sign_step("narrowed-pupils"))
    assert steps[index + 1] == interruption_step("narrowed-pupils")
    assert flow.current_step(CONTENT, progress) == interruption_step("narrowed-pupils")


def test_changing_a_red_flag_answer_shows_its_interruption_again():
    progress = answered(speech_problems="often").with_interruption_seen("speech-problems")
    assert flow.current_step(CONTENT, progress) == CHECK
    progress = progress.with_answer("speech-problems", "no").with_answer(
        "speech-problems", "sometimes"
    )
    assert flow.current_step(CONTENT, progress) == interruption_step("speech-problems")


def test_answering_the_same_again_does_not_repeat_the_interruption():
    progress = answered(speech_problems="often").with_interruption_seen("speech-problems")
    progress = progress.with_answer("speech-problems", "often")
    assert flow.current_step(CONTENT, progress) == CHECK


def test_changing_the_safety_answer_shows_the_emergency_page_again():
    progress = Progress(audience=Audience.ME, safety="yes").with_emergency_seen()
    progress = progress.with_safety("no").with_safety("yes")
    assert flow.current_step(CONTENT, progress) == EMERGENCY


def test_any_change_means_the_answers_are_checked_again_before_the_summary():
    progress = answered().with_confirmed()
    assert flow.current_step(CONTENT, progress) == SUMMARY
    assert flow.current_step(CONTENT, progress.with_answer("nausea", "often")) == CHECK
    assert flow.current_step(CONTENT, progress.with_audience(Audience.OTHER)) == CHECK
    assert flow.current_step(CONTENT, progress.with_safety("no")) == CHECK
    assert flow.current_step(CONTENT, progress.with_use("mix")) == CHECK
    assert flow.current_step(CONTENT, progress.with_checklist(("not-sure",))) == CHECK


def test_a_person_may_go_back_but_not_ahead():
    progress = Progress(audience=Audience.ME, safety="no", use="mix", answers={SIGN_IDS[0]: "no"})
    assert flow.may_visit(CONTENT, progress, AUDIENCE)
    assert flow.may_visit(CONTENT, progress, sign_step(SIGN_IDS[0]))
    assert flow.may_visit(CONTENT, progress, sign_step(SIGN_IDS[1]))
    assert not flow.may_visit(CONTENT, progress, sign_step(SIGN_IDS[2]))
    assert not flow.may_visit(CONTENT, progress, CHECK)
    assert not flow.may_visit(CONTENT, progress, interruption_step(SIGN_IDS[0]))
    assert not flow.may_visit(CONTENT, progress, EMERGENCY)


def test_step_after_walks_forward_until_every_question_is_answered():
    progress = Progress(audience=Audience.ME, safety="no", use="mix", answers={SIGN_IDS[0]: "no"})
    # Went back to the first question and answered again: on to the next one.
    assert flow.step_after(CONTENT, progress, AUDIENCE) == SAFETY
    assert flow.step_after(CONTENT, progress, sign_step(SIGN_IDS[0])) == sign_step(SIGN_IDS[1])


def test_step_after_returns_to_check_answers_once_everything_is_answered():
    progress = answered()
    assert flow.step_after(CONTENT, progress, sign_step(SIGN_IDS[0])) == CHECK
    assert flow.step_after(CONTENT, progress, AUDIENCE) == CHECK


def test_step_before_gives_the_back_link_which_never_goes_to_a_notice():
    progress = answered(shallow_breathing="often").with_interruption_seen("shallow-breathing")
    assert flow.step_before(CONTENT, progress, AUDIENCE) is None
    # A notice shares its place with the step after it: back from either goes
    # to the question that raised it.
    breathing = sign_step(SIGN_IDS[0])
    assert flow.step_before(CONTENT, progress, sign_step(SIGN_IDS[1])) == breathing
    assert flow.step_before(CONTENT, progress, interruption_step(SIGN_IDS[0])) == breathing
    assert flow.step_before(CONTENT, progress, CHECK) == sign_step(SIGN_IDS[-1])
    assert flow.step_before(CONTENT, progress, EMERGENCY) is None  # not on this path


def test_a_notice_is_shown_in_the_place_of_the_step_after_it():
    assert flow.place_of(CONTENT, EMERGENCY) == USE
    assert flow.place_of(CONTENT, interruption_step(SIGN_IDS[0])) == sign_step(SIGN_IDS[1])
    # After the last sign of the checklist's kind comes the checklist; after
    # the last sign of all, check your answers.
    after_last_withdrawal = interruption_step(LAST_WITHDRAWAL_SIGN)
    assert flow.place_of(CONTENT, after_last_withdrawal) == CHECKLIST
    assert flow.place_of(CONTENT, interruption_step(SIGN_IDS[-1])) == CHECK
    for step in [AUDIENCE, SAFETY, USE, sign_step(SIGN_IDS[0]), CHECKLIST, CHECK, SUMMARY]:
        assert flow.place_of(CONTENT, step) == step


def test_the_places_a_person_passes_through_do_not_depend_on_the_answers():
    nothing = answered()
    everything = Progress(
        audience=Audience.OTHER,
        safety="yes",
        use="not-prescribed",
        answers={sign_id: "often" for sign_id in SIGN_IDS},
        checklist=("yawning",),
    )
    assert len(flow.path(CONTENT, everything)) > len(flow.path(CONTENT, nothing))

    def places(progress: Progress) -> list[flow.Step]:
        return list(dict.fromkeys(flow.place_of(CONTENT, s) for s in flow.path(CONTENT, progress)))

    assert places(everything) == places(nothing)


def test_what_a_place_shows_a_notice_while_it_is_unread_then_the_step():
    progress = Progress(audience=Audience.ME, safety="yes")
    # The emergency page is shown in the place of the next question...
    assert flow.shown_at(CONTENT, progress, USE) == EMERGENCY
    # ...the question before it can still be opened, and nothing after it.
    assert flow.shown_at(CONTENT, progress, SAFETY) == SAFETY
    assert flow.shown_at(CONTENT, progress, sign_step(SIGN_IDS[0])) is None
    read = progress.with_emergency_seen()
    assert flow.shown_at(CONTENT, read, USE) == USE
    assert flow.shown_at(CONTENT, read, sign_step(SIGN_IDS[0])) is None
    # Once read, the notice is not shown again unless the answer changes.
    later = read.with_use("mix").with_safety("yes")
    assert flow.shown_at(CONTENT, later, USE) == USE
    changed = later.with_safety("not-sure")
    assert flow.shown_at(CONTENT, changed, USE) == EMERGENCY


def test_progress_survives_the_cookie_round_trip():
    progress = answered(sweating="often", shallow_breathing="sometimes").with_interruption_seen(
        "shallow-breathing"
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

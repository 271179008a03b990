"""No summary, for any answers, scores, counts, labels or says what a person has or is."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaire.content import Audience, Checklist, Content, load_all_content
from questionnaire.flow import Progress
from tests.conftest import make_app, seed_progress
from tests.pages import SUMMARY_FORBIDDEN, assert_no_phrase, soup, text_of

CONTENT: Content = load_all_content()["en"]
SIGN_IDS = [sign.id for sign in CONTENT.signs]
VALUES = [option.value for option in CONTENT.answer_options]
SAFETY_VALUES = [option.value for option in CONTENT.safety.options]
USE_VALUES = [option.value for option in CONTENT.use.options]
assert CONTENT.checklist is not None
CHECKLIST = CONTENT.checklist
ITEM_VALUES = [item.value for item in CHECKLIST.items]
ITEM_ANSWERS = [value for value, _label in CHECKLIST.item_answers]
# The checklist page with every sign answered the same way.
ALL_NO = dict.fromkeys(ITEM_VALUES, Checklist.NO)
ALL_UNSURE = dict.fromkeys(ITEM_VALUES, Checklist.UNSURE)
ALL_YES = dict.fromkeys(ITEM_VALUES, Checklist.YES)
# Every answer the checklist page accepts: yes, no or not sure for each sign.
CHECKLIST_ANSWERS = st.fixed_dictionaries(
    {item: st.sampled_from(ITEM_ANSWERS) for item in ITEM_VALUES}
)
# One app for all examples: Hypothesis runs many, and the app does not change.
APP = make_app()


def summary_text(
    audience: Audience,
    safety: str,
    answers: dict[str, str],
    use: str = "prefer-not",
    checklist: Mapping[str, str] = ALL_NO,
) -> str:
    """Render the summary for these answers, as the person would see it."""
    progress = Progress(
        audience=audience,
        safety=safety,
        use=use,
        answers=answers,
        checklist=checklist,
        emergency_seen=True,
        interruptions_seen=frozenset(answers),
        confirmed=True,
    )
    client = APP.test_client()
    seed_progress(client, progress)
    response = client.get("/summary")
    assert response.status_code == 200
    return text_of(soup(response).body)


def check(
    audience: Audience,
    safety: str,
    answers: dict[str, str],
    use: str = "prefer-not",
    checklist: Mapping[str, str] = ALL_NO,
) -> None:
    text = summary_text(audience, safety, answers, use, checklist)
    where = f"summary for {audience} {safety} {use} {answers} {checklist}"
    assert_no_phrase(text, SUMMARY_FORBIDDEN, where)
    assert "not a diagnosis" in text


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("sign_id", SIGN_IDS)
@pytest.mark.parametrize("value", VALUES)
def test_each_sign_at_each_answer_for_each_audience(audience, sign_id, value):
    answers = {other: "no" for other in SIGN_IDS} | {sign_id: value}
    check(audience, "no", answers)


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("value", VALUES)
def test_every_sign_at_the_same_answer(audience, value):
    check(audience, "yes", dict.fromkeys(SIGN_IDS, value))


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize("use", USE_VALUES)
@pytest.mark.parametrize("value", VALUES)
def test_every_way_of_taking_opioids_with_every_answer(audience, use, value):
    """How opioids are taken only changes what is explained, never into a label."""
    check(audience, "no", dict.fromkeys(SIGN_IDS, value), use)


@settings(max_examples=300, deadline=None)
@given(
    audience=st.sampled_from(list(Audience)),
    safety=st.sampled_from(SAFETY_VALUES),
    use=st.sampled_from(USE_VALUES),
    answers=st.fixed_dictionaries({sign_id: st.sampled_from(VALUES) for sign_id in SIGN_IDS}),
    checklist=CHECKLIST_ANSWERS,
)
def test_any_combination_of_answers(audience, safety, use, answers, checklist):
    check(audience, safety, answers, use, checklist)


@pytest.mark.parametrize("audience", list(Audience))
@pytest.mark.parametrize(
    "checklist",
    [
        ALL_NO,
        ALL_UNSURE,
        ALL_YES,
        {**ALL_NO, ITEM_VALUES[-1]: Checklist.UNSURE},
        {**ALL_UNSURE, ITEM_VALUES[0]: Checklist.YES},
    ],
    ids=["none", "not-sure", "every-sign", "one-not-sure", "one-sign-the-rest-not-sure"],
)
@pytest.mark.parametrize("value", ["no", "often"])
def test_every_checklist_answer(audience, checklist, value):
    """The other withdrawal signs, said yes to or not, never add up to a label."""
    check(audience, "no", dict.fromkeys(SIGN_IDS, value), "prefer-not", checklist)


def test_the_forbidden_list_catches_diagnostic_wording():
    """The check above is only as good as its list: prove it can fail."""
    for wording in [
        "You have opioid use disorder.",
        "They are addicted.",
        "Your risk level: high risk.",
        "You scored 7 points.",
        "3 of 9 signs",
        "This suggests a likely disorder.",
        "They have withdrawal.",
        "40% of people",
    ]:
        with pytest.raises(AssertionError):
            assert_no_phrase(wording, SUMMARY_FORBIDDEN, "example")

"""The summary's rules on their own: grouping by kind, never scoring."""

from __future__ import annotations

import pytest

from questionnaire.content import Audience, Content, load_all_content
from questionnaire.flow import Progress
from questionnaire.summary import summarise

CONTENT: Content = load_all_content()["en"]
ALL_NO = {sign.id: "no" for sign in CONTENT.signs}


def summary_of(safety: str = "no", **answers: str):
    answers = {k.replace("_", "-"): v for k, v in answers.items()}
    progress = Progress(audience=Audience.OTHER, safety=safety, answers={**ALL_NO, **answers})
    return summarise(CONTENT, progress)


def test_nothing_noticed_means_no_groups_and_no_urgent_guidance():
    summary = summary_of()
    assert summary.nothing_reported
    assert summary.groups == ()
    assert not summary.urgent_first


def test_noticed_signs_are_grouped_by_kind_in_content_order():
    summary = summary_of(headaches="often", sweating="sometimes", narrowed_pupils="often")
    assert [group.kind.id for group in summary.groups] == [
        "too-much-opioid",
        "withdrawal",
        "many-causes",
    ]
    assert [noted.sign.id for noted in summary.groups[1].signs] == ["sweating"]
    assert summary.groups[1].signs[0].answer.label.me == "Sometimes"


def test_a_too_much_opioid_sign_puts_the_urgent_guidance_first():
    assert summary_of(speech_problems="sometimes").urgent_first
    assert not summary_of(sweating="often", craving="often").urgent_first


@pytest.mark.parametrize("safety", ["yes", "not-sure"])
def test_an_emergency_answer_puts_the_urgent_guidance_first_and_is_never_called_nothing(safety):
    summary = summary_of(safety=safety)
    assert summary.urgent_first and summary.emergency_reported
    assert not summary.nothing_reported


def test_small_pupils_alone_do_not_put_the_urgent_guidance_first():
    """Smaller pupils are expected with opioids; with another such sign they count."""
    assert not summary_of(narrowed_pupils="often").urgent_first
    assert not summary_of(narrowed_pupils="not-sure").urgent_first
    assert summary_of(narrowed_pupils="often", speech_problems="not-sure").urgent_first


@pytest.mark.parametrize("sign_id", ["shallow-breathing", "speech-problems"])
def test_not_sure_about_a_too_much_opioid_sign_is_treated_with_caution(sign_id):
    """CDC: "If you aren't sure, treat it like an overdose." """
    summary = summary_of(**{sign_id.replace("-", "_"): "not-sure"})
    assert summary.urgent_first
    assert not summary.nothing_reported
    assert [noted.sign.id for noted in summary.unsure] == [sign_id]


def test_not_sure_answers_are_listed_apart_and_do_not_count_as_noticed():
    summary = summary_of(nausea="not-sure", headaches="not-sure")
    assert summary.groups == ()
    assert not summary.urgent_first
    # Something was unsure: the summary does not say nothing was reported.
    assert not summary.nothing_reported
    assert [noted.sign.id for noted in summary.unsure] == ["nausea", "headaches"]


def test_the_summary_follows_who_the_check_is_for():
    assert summary_of().audience is Audience.OTHER


@pytest.mark.parametrize(
    ("use", "shown"),
    [
        ("as-prescribed", ["dependence"]),
        ("not-prescribed", ["safer-use"]),
        ("mix", ["dependence", "safer-use"]),
        (None, []),
    ],
)
def test_how_opioids_are_taken_chooses_the_tailored_sections(use, shown):
    progress = Progress(audience=Audience.ME, safety="no", use=use, answers=ALL_NO)
    assert [part.id for part in summarise(CONTENT, progress).tailored] == shown

"""The soak (bench/soak/, `make soak`), run for a moment by a few people.

The same code as the real soak: the production server over HTTPS, journeys
with random answers, every summary checked, memory read, the log searched.
And the checks themselves are shown to catch what they are there for: a
summary for other answers, a page missing from a journey, a secret planted
in the log.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bench import soak
from bench.report import write_section
from questionnaire.content import Content, OptionMeaning, load_all_content
from tests.server import run_apart


@pytest.fixture(scope="module")
def soaked(tmp_path_factory: pytest.TempPathFactory) -> tuple[soak.Outcome, Path]:
    """Four people for a second and a half after half a second of warm-up."""
    folder = tmp_path_factory.mktemp("soak")
    outcome = run_apart(soak.run, folder, users=4, seconds=1.5, warm_up=0.5, seed=20251126)
    return outcome, folder


@pytest.fixture(scope="module")
def contents() -> dict[str, Content]:
    return load_all_content()


def test_a_short_soak_completes_and_checks_journeys_without_errors(
    soaked: tuple[soak.Outcome, Path],
) -> None:
    outcome, _ = soaked
    assert outcome.errors == []
    assert outcome.mismatches == []
    # Every person finishes the journey they are on when the time is up.
    assert outcome.journeys >= 4
    assert all(journey.summary for journey in outcome.load.journeys)
    assert outcome.load.timings, "no request was timed after the warm-up"
    assert outcome.logged_requests == outcome.load.requests
    assert len(outcome.memory.start) == 2, "gunicorn's two workers were not found"
    assert outcome.memory.same_workers
    assert outcome.leaks == []
    # What the log is searched for was gathered: values, cookies and tokens.
    assert outcome.load.cookies and outcome.load.tokens and outcome.load.values
    # Every target but memory: two seconds are too short for the workers to settle
    # (templates are compiled as they are first used); the full soak measures it.
    targets = outcome.targets()
    assert set(targets) >= {"no errors", "worker memory grew by less than 10 %"}
    del targets["worker memory grew by less than 10 %"]
    assert all(targets.values()), soak.report(outcome)


def test_the_report_goes_into_its_own_section(
    soaked: tuple[soak.Outcome, Path], tmp_path: Path
) -> None:
    outcome, _ = soaked
    performance = tmp_path / "performance.md"
    performance.write_text("# Performance\n\n<!-- other -->\nkept\n<!-- /other -->\n")
    write_section("soak", soak.section(outcome, "python -m bench.soak --seconds 1.5"), performance)
    text = performance.read_text()
    assert "kept" in text and "<!-- soak -->" in text and "<!-- /soak -->" in text
    assert "| Errors | 0 | none: met |" in text
    assert "Every target was met." in text


def test_a_log_check_finds_each_planted_secret_and_nothing_in_the_real_log(
    soaked: tuple[soak.Outcome, Path],
) -> None:
    outcome, folder = soaked
    load = outcome.load
    real = (folder / "gunicorn.log").read_text()
    assert soak.log_leaks(real, load.values, load.cookies, load.tokens) == []
    cookie, token = sorted(load.cookies)[0], sorted(load.tokens)[0]
    planted = [
        f"Cookie: session={cookie}",
        f"[ERROR] could not read {cookie[2:42]}",  # part of one, cut off
        f"POST /question/2 400 3ms {token}",
        "GET /question/4?answer=often 200 3ms",
        "{'audience': 'other', 'safety': 'no'}",
        "GET /summary/not-prescribed 200 1ms",
        "[WARNING] progress restored: goosebumps",
    ]
    # Ordinary words that contain, or are, short answer values: not leaks.
    harmless = [
        "[INFO] Booting worker with pid: 4242",
        "[WARNING] no such file; some other worker is now exiting",
        "GET /question/12 200 4ms",
    ]
    log = "\n".join([real.rstrip("\n"), *harmless, *planted])
    values = load.values | {"often", "other", "no", "not-prescribed", "goosebumps"}
    leaks = soak.log_leaks(log, values, load.cookies, load.tokens)
    first = len(real.splitlines()) + len(harmless) + 1
    assert [leak.split(":")[0] for leak in leaks] == [
        f"log line {number}" for number in range(first, first + len(planted))
    ], leaks
    # A leak is described, never repeated.
    assert not any(cookie in leak or token in leak for leak in leaks)


def _different_use(content: Content, use: str) -> str:
    shown = {option.value: option.shows for option in content.use.options}
    return next(value for value, shows in shown.items() if shows != shown[use])


def test_a_summary_is_a_mismatch_for_answers_other_than_its_own(
    soaked: tuple[soak.Outcome, Path], contents: dict[str, Content]
) -> None:
    outcome, _ = soaked
    journey = outcome.load.journeys[0]
    answers = journey.answers
    content = contents[answers.language]
    assert soak.check_journeys(contents, [journey]) == []

    first = content.signs[0]
    option = content.answer_option(answers.signs[first.id])
    noticed = option is not None and option.meaning is OptionMeaning.NOTICED
    checklist = content.checklist
    assert checklist is not None
    emergency = answers.safety in content.safety.emergency_on
    other_answers = {
        "audience": dataclasses.replace(
            answers, audience="other" if answers.audience == "me" else "me"
        ),
        "a sign": dataclasses.replace(
            answers, signs={**answers.signs, first.id: "no" if noticed else "often"}
        ),
        "the checklist": dataclasses.replace(
            answers,
            checklist=(checklist.items[0].value,)
            if answers.checklist == (checklist.none.value,)
            else (checklist.none.value,),
        ),
        "the safety answer": dataclasses.replace(
            answers, safety="no" if emergency else content.safety.emergency_on[0]
        ),
        "the use answer": dataclasses.replace(answers, use=_different_use(content, answers.use)),
    }
    for changed, wrong in other_answers.items():
        differences = soak.summary_differences(content, wrong, journey.summary)
        assert differences, f"a summary for other answers (changed: {changed}) passed the check"


def test_a_journey_that_missed_a_page_is_a_mismatch(
    soaked: tuple[soak.Outcome, Path], contents: dict[str, Content]
) -> None:
    outcome, _ = soaked
    journey = outcome.load.journeys[0]
    content = contents[journey.answers.language]
    assert soak.page_differences(content, journey.answers, journey.seen) == []
    assert soak.page_differences(content, journey.answers, journey.seen[:3] + journey.seen[4:])
    swapped = [journey.seen[1], journey.seen[0], *journey.seen[2:]]
    assert soak.page_differences(content, journey.answers, swapped)
    other = "other" if journey.answers.audience == "me" else "me"
    worded_for_other = dataclasses.replace(journey.answers, audience=other)
    assert soak.page_differences(content, worded_for_other, journey.seen)


def test_a_summary_page_that_is_not_one_is_a_mismatch(
    soaked: tuple[soak.Outcome, Path], contents: dict[str, Content]
) -> None:
    journey = soaked[0].load.journeys[0]
    content = contents[journey.answers.language]
    assert soak.summary_differences(content, journey.answers, "<html><main></main></html>")
    assert soak.summary_differences(content, journey.answers, "")

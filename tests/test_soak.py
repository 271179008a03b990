"""The soak (bench/soak/, `make soak`), run for a moment by a few people.

The same code as the real soak: the production server over HTTPS, journeys
with random answers, every summary checked, every place's sizes on the wire
compared, memory read, the log searched. And the checks themselves are shown
to catch what they are there for: a summary for other answers, a page missing
from a journey or a notice out of its place, a request or a page of another
size than everyone else's at its place, a secret planted in the log.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from bench import soak
from bench.report import write_section
from questionnaire.content import Checklist, Content, OptionMeaning, load_all_content
from questionnaire.flow import question_steps
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
    assert outcome.size_differences == []
    # Every person finishes the journey they are on when the time is up.
    assert outcome.journeys >= 4
    assert all(journey.summary for journey in outcome.load.journeys)
    assert outcome.load.timings, "no request was timed after the warm-up:\n" + soak.report(outcome)
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
    assert "| Places where a request or a response was not the same size for everyone | 0 " in text
    # Memory may have grown more in a second and a half than the full soak allows
    # (each worker measures each place's size on first use): the verdict says so.
    verdict = "Every target was met." if outcome.passed else "**Some targets were missed.**"
    assert verdict in text, soak.report(outcome)
    assert all(met for target, met in outcome.targets().items() if "memory" not in target)


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
    nothing_ticked = Checklist.YES not in answers.checklist.values()
    other_answers = {
        "audience": dataclasses.replace(
            answers, audience="other" if answers.audience == "me" else "me"
        ),
        "a sign": dataclasses.replace(
            answers, signs={**answers.signs, first.id: "no" if noticed else "often"}
        ),
        "the checklist": dataclasses.replace(
            answers,
            # Nothing noticed on the checklist becomes one sign noticed, and the other way round.
            checklist={
                item.value: Checklist.YES if index == 0 and nothing_ticked else Checklist.NO
                for index, item in enumerate(checklist.items)
            },
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


def test_a_page_without_its_notice_or_with_one_out_of_place_is_a_mismatch(
    soaked: tuple[soak.Outcome, Path], contents: dict[str, Content]
) -> None:
    journey = soaked[0].load.journeys[0]
    content = contents[journey.answers.language]
    seen = journey.seen
    noticed = [index for index, page in enumerate(seen) if page.notices]
    # A notice on the first question, where nothing has been answered yet.
    planted = [dataclasses.replace(seen[0], notices=("emergency",)), *seen[1:]]
    assert soak.page_differences(content, journey.answers, planted)
    for index in noticed:
        dropped = [*seen[:index], dataclasses.replace(seen[index], notices=()), *seen[index + 1 :]]
        assert soak.page_differences(content, journey.answers, dropped)
        # A notice shown as a page of its own, before its place's page, as it once was.
        alone = dataclasses.replace(seen[index], title="")
        apart = [
            *seen[:index],
            alone,
            dataclasses.replace(seen[index], notices=()),
            *seen[index + 1 :],
        ]
        assert soak.page_differences(content, journey.answers, apart)


def test_notices_are_expected_on_the_page_after_their_answer_and_nowhere_else(
    contents: dict[str, Content],
) -> None:
    """The oracle's model of design.md 1, independent of the app's flow: no page of their own."""
    content = contents["en"]
    checklist = content.checklist
    assert checklist is not None
    alarming = {sign.id: sign.interrupt_on[0] for sign in content.signs if sign.interrupt_on}
    answers = soak.Answers(
        "en",
        "me",
        content.safety.emergency_on[0],
        content.use.options[0].value,
        {sign.id: alarming.get(sign.id, "no") for sign in content.signs},
        dict.fromkeys((item.value for item in checklist.items), Checklist.NO),
    )
    pages = soak.expected_pages(content, answers)
    questions = [f"/question/{n}" for n in range(1, len(question_steps(content)) + 1)]
    assert [path for path, _, _ in pages] == [*questions, "/check-answers"]
    numbers = {step.sign_id: n for n, step in enumerate(question_steps(content), start=1)}
    expected = {"/question/3": ("emergency",)} | {
        f"/question/{numbers[sign] + 1}": ("interruption",) for sign in alarming
    }
    assert {path: notices for path, notices, _ in pages if notices} == expected
    assert expected == {
        "/question/3": ("emergency",),
        "/question/5": ("interruption",),
        "/question/6": ("interruption",),
        "/question/7": ("interruption",),
    }


def test_the_checklist_reads_as_its_yes_signs_else_not_sure_else_none(
    contents: dict[str, Content],
) -> None:
    checklist = contents["en"].checklist
    assert checklist is not None
    first, second, *rest = [item.value for item in checklist.items]
    every = dict.fromkeys([first, second, *rest], Checklist.NO)
    read = soak.checklist_reading
    assert read(checklist, every) == (checklist.none.value,)
    assert read(checklist, every | {second: Checklist.UNSURE}) == (checklist.unsure.value,)
    both = every | {first: Checklist.UNSURE, second: Checklist.YES, rest[0]: Checklist.YES}
    assert read(checklist, both) == (second, rest[0])


def test_every_journey_makes_the_same_requests_sends_codes_and_counts_bytes_before_decoding(
    soaked: tuple[soak.Outcome, Path], contents: dict[str, Content]
) -> None:
    outcome, _ = soaked
    journeys = outcome.load.journeys
    questions = len(question_steps(contents["en"]))
    calls = [
        (method, path, status)
        for path in [f"/question/{n}" for n in range(1, questions + 1)] + ["/check-answers"]
        for method, status in [("GET", 200), ("POST", 303)]
    ] + [("GET", "/summary", 200)]
    for journey in journeys:
        made = [(e.place.method, e.place.path, e.status) for e in journey.exchanges]
        assert made == calls, "a journey made other requests than everyone's: no page per notice"
        assert all(e.place.language == journey.answers.language for e in journey.exchanges)
        assert all((e.sent > 0) == (e.place.method == "POST") for e in journey.exchanges)
        assert all(e.received > 0 and e.received_head > 0 for e in journey.exchanges)
        assert all(e.sent_head > 0 for e in journey.exchanges)
        # The summary came compressed (padding included), and its size is counted as it
        # came, not as decoded: decoded, the page is longer.
        assert len(journey.summary.encode()) > journey.exchanges[-1].received
    assert outcome.exchanges == len(journeys) * len(calls)
    languages = {journey.answers.language for journey in journeys}
    assert outcome.places == len(languages) * len(calls)


def test_a_request_or_a_page_of_another_size_or_status_at_its_place_is_a_size_difference(
    soaked: tuple[soak.Outcome, Path],
) -> None:
    """Two journeys' records, one of them changed in one exchange: the change is caught."""
    journey = soaked[0].load.journeys[0]
    first = list(journey.exchanges)
    assert soak.size_differences([*first, *first]) == []
    at = next(i for i, e in enumerate(first) if e.place.path == "/question/3" and e.status == 200)
    exchange = first[at]

    def with_one_changed(**change: int) -> list[soak.Exchange]:
        second = [*first[:at], dataclasses.replace(exchange, **change), *first[at + 1 :]]
        return [*first, *second]

    page = soak.size_differences(with_one_changed(received=exchange.received + 1))
    longer = dataclasses.replace(exchange, received=exchange.received + 1)
    assert page == [
        f"GET /question/3 ({exchange.place.language}): 2 different sizes: "
        f"{exchange.sizes} (×1), {longer.sizes} (×1)"
    ]
    assert f"received {exchange.received_head:,} + {exchange.received + 1:,} B" in page[0]
    # A longer cookie in a response's headers.
    (head,) = soak.size_differences(with_one_changed(received_head=exchange.received_head + 3))
    assert head.startswith("GET /question/3 ") and "2 different sizes" in head
    post = first.index(next(e for e in first if e.place.method == "POST"))
    at, exchange = post, first[post]
    (request,) = soak.size_differences(with_one_changed(sent=exchange.sent - 1))
    assert request.startswith(f"POST {exchange.place.path} ") and "2 different sizes" in request
    (cookie,) = soak.size_differences(with_one_changed(sent_head=exchange.sent_head + 1))
    assert cookie.startswith(f"POST {exchange.place.path} ") and "2 different sizes" in cookie
    (status,) = soak.size_differences(with_one_changed(status=400))
    assert "2 different statuses and sizes" in status and "400:" in status and "303:" in status
    # Another language is another place: its pages may be of other sizes.
    elsewhere = [
        dataclasses.replace(
            e, place=dataclasses.replace(e.place, language="xx"), received=e.received + 7
        )
        for e in first
    ]
    assert soak.size_differences([*first, *elsewhere]) == []
    # Reported with the soak's other problems, and failing it.
    planted = dataclasses.replace(soaked[0], size_differences=page)
    assert not planted.targets()["every place the same size on the wire"]
    assert not planted.passed
    assert "Size differences (1), the first 10:" in soak.report(planted)
    assert f"  {page[0]}" in soak.report(planted)
    assert "| none: **missed** |" in soak.report(planted)


def test_what_each_exchange_is_counted_as(soaked: tuple[soak.Outcome, Path]) -> None:
    """Sizes are grouped per place, with how often each was seen."""
    journey = soaked[0].load.journeys[0]
    counts = soak.sizes_by_place([*journey.exchanges, *journey.exchanges])
    assert all(sum(seen.values()) == 2 * len(seen) for seen in counts.values())
    assert Counter(len(seen) for seen in counts.values()) == Counter({1: len(counts)})
    (sizes,) = counts[journey.exchanges[0].place]
    assert sizes == journey.exchanges[0].sizes and sizes.status == 200 and sizes.sent == 0

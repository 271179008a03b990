"""The benchmark's own code, run for a moment so that it cannot rot.

``make bench`` takes minutes and is not part of the test run; this drives
the same servers, the same wrk scripts, the same Chromium and Lighthouse
runs (on one page) and the same report, for a second or so each, and checks
what they say rather than how fast anything was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import lighthouse, profile, totals, weight
from bench.__main__ import (
    THROUGHPUT_TARGET,
    lighthouse_misses,
    throughput_table,
    weight_misses,
)
from bench.report import write_section
from bench.throughput import BASELINE, WRK, Results, Run, Target, measure
from tests.server import ProductionServer, production_server, run_apart


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(message: str) -> None:
    if _on_ci():
        pytest.fail(f"{message} (CI is set, so this cannot be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProductionServer]:
    with production_server(tmp_path_factory.mktemp("bench")) as running:
        yield running


@pytest.fixture(scope="module")
def measured() -> tuple[Results, list[Target]]:
    if not shutil.which(WRK):
        _unavailable("wrk is missing: `make test` installs it (apt-get install wrk) as root")
    return measure(rounds=1, seconds=1, warm_up=0)


def test_every_page_of_the_bench_is_measured_against_the_baseline_without_errors(measured):
    results, pages = measured
    assert [page.name for page in pages] == [
        "Start page",
        "Question page, mid-journey",
        "Answer (POST, answered with a redirect)",
        "Summary, every sign answered",
    ]
    assert len(results.rounds) == 1
    assert set(results.rounds[0]) == {BASELINE, *(page.name for page in pages)}
    for name, run in results.rounds[0].items():
        assert run.requests > 0 and run.seconds > 0, name
        assert run.errors == 0 and run.status_errors == 0, f"{name}: {run}"
        assert 0 < run.p50_ms <= run.p99_ms, name
    assert results.errors() == 0


def test_the_bench_sends_each_page_what_a_person_in_the_middle_of_the_check_sends(measured):
    _, pages = measured
    question, answer, summary = pages[1], pages[2], pages[3]
    # Behind the proxy's HTTPS the cookie's name has its prefix.
    assert question.headers["Cookie"].startswith("__Host-session=a."), "a session with answers"
    assert answer.method == "POST" and answer.status == 303
    # The answer as the page's radios send it: "sometimes" is the second option's code.
    assert "csrf_token=" in answer.body and answer.body.endswith("&answer=1")
    assert answer.headers["Origin"].startswith("https://")
    assert summary.headers["Cookie"] != question.headers["Cookie"]


def _results(per_second: dict[str, list[float]]) -> Results:
    rounds = len(next(iter(per_second.values())))
    return Results(
        [
            {name: Run(int(values[i]), 1.0, 0, 0, 1.0, 2.0) for name, values in per_second.items()}
            for i in range(rounds)
        ]
    )


def test_the_report_gives_the_median_ratio_and_names_a_page_under_the_target():
    pages = [Target("Fast", "/"), Target("Slow", "/slow")]
    results = _results(
        {BASELINE: [1000, 2000, 1000], "Fast": [600, 1100, 900], "Slow": [300, 600, 200]}
    )
    table, missed = throughput_table(results, pages)
    assert "| Fast | 900 | 1.0 ms | 2.0 ms | **0.60** | 0.55 to 0.90 |" in table
    assert "| Slow | 300 | 1.0 ms | 2.0 ms | **0.30** | 0.20 to 0.30 |" in table
    assert missed == [f"Slow: 0.30 of the baseline (target {THROUGHPUT_TARGET})"]


def test_each_measurement_replaces_its_own_section_and_keeps_the_others(tmp_path: Path):
    document = tmp_path / "performance.md"
    write_section("throughput", "first", document)
    write_section("soak", "soaked", document)
    write_section("throughput", "second", document)
    text = document.read_text()
    assert "second" in text and "first" not in text and "soaked" in text
    assert text.index("second") < text.index("soaked"), "a section keeps its place"


def test_the_profile_times_each_part_of_each_page_and_puts_everything_back():
    baseline_ms, breakdowns = profile.measure(requests=5)
    assert baseline_ms > 0
    parts = {each.name: each.parts_ms for each in breakdowns}
    assert parts["Start page"]["render"] > 0 and parts["Start page"]["form"] == 0
    assert parts["Question page, mid-journey"]["form"] > 0
    assert parts["Question page, mid-journey"]["flow"] > 0
    answer = parts["Answer (POST, answered with a redirect)"]
    assert answer["form check"] > 0 and answer["render"] == 0, "a redirect renders nothing"
    assert all(each.parts_ms["session"] > 0 and each.parts_ms["headers"] > 0 for each in breakdowns)
    # Pages are compressed and padded by the app itself: counted as compression.
    assert parts["Summary, every sign answered"]["compression"] > 0
    # The wrappers are gone afterwards: the app's functions are its own again.
    assert profile.flow.notices_at.__module__ == "questionnaire.flow"
    assert not hasattr(profile.flow.notices_at, "__wrapped__")
    assert not hasattr(profile.padding.Padding.pad, "__wrapped__")


def test_the_weight_of_a_page_is_read_in_chromium(server):
    if not weight.CHROMIUM.exists():
        _unavailable(f"{weight.CHROMIUM} is missing: `make test` installs it as root")
    (start,) = run_apart(weight.measure, server, pages=(weight.START,), languages=("en",))
    assert (start.page, start.language, start.requests, start.third_party_requests) == (
        "start",
        "en",
        3,
        0,
    )
    assert any(load.url.endswith(".css") for load in start.loads)
    assert 0 < start.bytes == sum(load.bytes for load in start.loads)
    assert weight_misses([start]) == []
    assert "| start (`/`) | en |" in weight.table([start])


def test_lighthouse_scores_a_page_in_its_four_categories(server):
    if not lighthouse.LIGHTHOUSE.exists():
        _unavailable("Lighthouse is missing: `make test` installs it with npm ci")
    (start,) = lighthouse.score(server, pages=(weight.START,), languages=("en",))
    scores = start.result.scores
    assert set(scores) == {"performance", "accessibility", "best-practices", "seo"}
    # Timings vary with the machine; what the page is does not.
    assert scores["accessibility"] == scores["best-practices"] == scores["seo"] == 1
    assert 0 < scores["performance"] <= 1


def test_the_page_targets_name_every_page_over_its_limits():
    heavy = weight.PageWeight(
        "summary",
        "/summary",
        "es",
        (
            weight.Load("https://127.0.0.1/summary", 200, 500, 13_000),
            weight.Load("https://127.0.0.1/style.css", 200, 300, 1_000),
            weight.Load("https://127.0.0.1/app.js", 200, 300, 700),
        ),
        ("https://example.com/font.woff2",),
    )
    assert weight_misses([heavy]) == [
        "summary (es): 15,800 bytes (target 14,336)",
        "summary (es): 4 requests (target 3)",
        "summary (es): 1 third-party requests",
    ]


def test_a_lighthouse_score_under_100_is_named():
    def scored(performance: float) -> lighthouse.PageScores:
        scores = dict.fromkeys(lighthouse.CATEGORIES, 1.0) | {"performance": performance}
        result = lighthouse.Scores("https://127.0.0.1/", "https://127.0.0.1/", scores, ())
        return lighthouse.PageScores("start", "/", "en", result)

    assert lighthouse_misses([scored(1.0)]) == []
    assert lighthouse_misses([scored(0.97)]) == ["start (en): performance 97"]


@pytest.fixture(scope="module")
def counted() -> totals.Totals:
    if not shutil.which(WRK):
        _unavailable("wrk is missing: `make test` installs it (apt-get install wrk) as root")
    # A throwaway PostgreSQL server: skipped (or failed on CI) when it is not installed.
    return totals.measure(rounds=1, seconds=1, calls=20, warm_up=0)


def test_the_totals_bench_measures_each_request_that_counts_against_counting_off(counted):
    results = counted.requests
    assert len(results.rounds) == 1
    assert set(results.rounds[0]) == {
        (request, setting) for request in totals.EVENTS for setting in totals.SETTINGS
    }
    for key, run in results.rounds[0].items():
        assert run.requests > 0 and run.seconds > 0, key
        assert run.errors == 0 and run.status_errors == 0, f"{key}: {run}"
        assert 0 < run.p50_ms <= run.p99_ms, key
    for request in totals.EVENTS:
        assert results.ratios(request, totals.COUNTING_OFF) == [1.0]
        for setting in (totals.SQLITE, totals.POSTGRESQL):
            (ratio,) = results.ratios(request, setting)
            assert ratio > 0, (request, setting)
    assert results.errors() == 0


def test_the_totals_bench_checks_every_request_answered_was_counted(counted):
    results = counted.requests
    # Counting off keeps no store: nothing to check.
    assert {setting for _, setting in results.answered} == {totals.SQLITE, totals.POSTGRESQL}
    for key, answered in results.answered.items():
        # At least the runs' requests, and the first check of each request.
        assert answered > results.rounds[0][key].requests, key
        assert 0 < results.counted[key] <= answered, key
    # Whatever went uncounted is said, and the server logged why.
    for (request, setting), answered in results.answered.items():
        if results.counted[request, setting] < answered:
            assert results.failures.get(setting), (request, setting)
            assert any(f"{setting}, {request}: " in problem for problem in counted.problems())
    assert results.miscounted() == sum(
        answered - results.counted[key] for key, answered in results.answered.items()
    )


def test_the_totals_bench_times_the_store_against_a_round_trip_on_the_same_engine(counted):
    stores = counted.stores
    assert [(each.backend, each.processes) for each in stores] == [
        (totals.SQLITE, 1),
        (totals.POSTGRESQL, 1),
        (totals.SQLITE, 2),
        (totals.POSTGRESQL, 2),
    ]
    for each in stores:
        where = (each.backend, each.processes)
        assert len(each.add_us) == len(each.baseline_us) == 1, where
        assert len(each.add_us[0]) == 20 * each.processes, where
        assert each.median_add() > 0 and each.median_baseline() > 0, where
        assert each.p99_add() >= each.median_add(), where
        assert each.ratio() > 0 and all(ratio > 0 for ratio in each.ratios()), where
        # Every add() made, warm-up included, is in the store once.
        assert each.counted == each.added == each.processes * (totals.WARM_UP_CALLS + 20), where


def test_the_totals_section_gives_both_tables_and_what_went_wrong(counted):
    text = totals.section(counted, "python -m bench.totals --rounds 1")
    assert text.startswith("## Totals: the cost of counting\n")
    assert "python -m bench.totals --rounds 1" in text
    for request in totals.EVENTS:
        assert f"| {request} | Counting off | " in text
        assert f"| {request} | SQLite | " in text and f"| {request} | PostgreSQL | " in text
    assert "| SQLite | 2 | " in text and "| PostgreSQL | 1 | " in text
    problems = counted.problems()
    assert ("No errors" in text) == (not problems)
    assert all(problem in text for problem in problems)


def test_the_totals_tables_give_medians_ratios_and_what_was_counted():
    off, first = totals.COUNTING_OFF, totals.FIRST_ANSWER

    def run(per_second: int) -> Run:
        return Run(per_second, 1.0, 0, 0, 1.0, 2.0)

    results = totals.RequestResults(
        [
            {
                (request, setting): run(per_second)
                for request in totals.EVENTS
                for setting, per_second in zip(totals.SETTINGS, values, strict=True)
            }
            for values in ((1000, 800, 500), (2000, 1000, 1200), (1000, 900, 700))
        ],
        answered={(first, totals.SQLITE): 100, (first, totals.POSTGRESQL): 90},
        counted={(first, totals.SQLITE): 97, (first, totals.POSTGRESQL): 90},
        failures={totals.SQLITE: ["ERROR in totals: Totals: could not count (Locked); the..."]},
    )
    table = totals.requests_table(results)
    assert f"| {first} | {off} | 1,000 | 1.0 ms | 2.0 ms | 1 | | off |" in table
    assert (
        f"| {first} | SQLite | 900 | 1.0 ms | 2.0 ms | **0.80** | 0.50 to 0.90 | 97 of 100 |"
        in (table)
    )
    assert (
        f"| {first} | PostgreSQL | 700 | 1.0 ms | 2.0 ms | **0.60** | 0.50 to 0.70 | 90 of 90 |"
        in (table)
    )
    assert results.miscounted() == 3
    made = totals.Totals(results, [], rounds=3, seconds=1, calls=1)
    assert made.problems() == [
        f"SQLite, {first}: 3 of 100 requests answered were not counted",
        "SQLite: failed counts logged by the server: 1 (the first: could not count (Locked))",
    ]

    store = totals.StoreTimes(totals.SQLITE, 2, [[10, 30], [20, 40]], [[5, 5], [10, 10]], 9, 10)
    row = "| SQLite | 2 | 25 µs | 40 µs | 8 µs | **3.33** | 3.00 to 4.00 | 9 of 10 |"
    assert row in totals.store_table([store])

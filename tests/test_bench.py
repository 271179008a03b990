"""The benchmark's own code, run for a moment so that it cannot rot.

``make bench`` takes minutes and is not part of the test run; this drives
the same servers, the same wrk scripts and the same report for one round of
a second each, and checks what they say rather than how fast anything was.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bench import profile
from bench.__main__ import THROUGHPUT_TARGET, throughput_table
from bench.report import write_section
from bench.throughput import BASELINE, WRK, Results, Run, Target, measure


def _on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def measured() -> tuple[Results, list[Target]]:
    if not shutil.which(WRK):
        message = "wrk is missing: `make test` installs it (apt-get install wrk) as root"
        if _on_ci():
            pytest.fail(message)
        pytest.skip(message)
    return measure(rounds=1, seconds=1, warm_up=0)


def test_every_page_of_the_bench_is_measured_against_the_baseline_without_errors(measured):
    results, pages = measured
    assert [page.name for page in pages] == [
        "Start page",
        "Question page, mid-journey",
        "Answer (POST and its redirect)",
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
    assert question.headers["Cookie"].startswith("session=a."), "a session with answers"
    assert answer.method == "POST" and answer.status == 303
    assert "csrf_token=" in answer.body and "answer=sometimes" in answer.body
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
    answer = parts["Answer (POST and its redirect)"]
    assert answer["form check"] > 0 and answer["render"] == 0, "a redirect renders nothing"
    assert all(each.parts_ms["session"] > 0 and each.parts_ms["headers"] > 0 for each in breakdowns)
    # The wrappers are gone afterwards: the app's functions are its own again.
    assert profile.flow.shown_at.__module__ == "questionnaire.flow"
    assert not hasattr(profile.flow.shown_at, "__wrapped__")

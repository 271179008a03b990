"""The soak's figures as text: what a run prints, and the "soak" section of docs/performance.md."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bench.report import heading
from bench.soak.monitor import SAMPLE_EVERY, Memory, Processor
from bench.soak.results import Outcome

# How many problems of each sort are printed (all are counted).
SHOWN_PROBLEMS = 10


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` of 0.5 for the median); nan for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _mib(kib: int) -> str:
    return f"{kib / 1024:.1f} MiB"


def memory_line(memory: Memory) -> str:
    if not memory.start:
        return "no workers found"
    if not memory.same_workers:
        return (
            f"workers changed: {sorted(memory.start)} after the warm-up, "
            f"{sorted(memory.end)} at the end"
        )
    return ", ".join(
        f"{_mib(memory.start[pid])} → {_mib(memory.end[pid])} ({memory.growth(pid):+.1%}, "
        f"highest {_mib(memory.peak[pid])})"
        for pid in sorted(memory.start)
    )


def processor_line(processor: Processor) -> str:
    """Where the processor time went, in cores busy on average, and what the workers waited for."""
    running = processor.worker_share(processor.workers)
    waiting = processor.worker_share(processor.workers_waiting)
    return (
        f"cores busy, of {processor.cores}: "
        f"server workers {processor.cores_used(processor.workers):.2f}, "
        f"this load generator {processor.cores_used(processor.generator):.2f}, "
        f"everything else {processor.cores_used(processor.others):.2f} "
        f"(load average before the run {processor.load_before:.2f}). Each worker was on a core "
        f"{running:.0%} of the time, waiting for a core {waiting:.0%}, waiting for the network "
        f"{max(0.0, 1 - running - waiting):.0%}; the load generator waited for a core "
        f"{processor.cores_used(processor.generator_waiting):.0%} of the time"
    )


def table(outcome: Outcome) -> str:
    """The figures, as a Markdown table."""
    met = outcome.targets()

    def mark(target: str) -> str:
        return "met" if met[target] else "**missed**"

    timings, journeys = outcome.timings_ms, outcome.journey_seconds
    rows = [
        ("Measure", "Result", "Target"),
        ("---", "---", "---"),
        (
            "Journeys, each summary checked",
            f"{outcome.journeys:,} ({outcome.mix})",
            f"at least one: {mark('journeys completed and checked')}",
        ),
        (
            "Requests: all, and those begun in the measured time",
            f"{outcome.load.requests:,}; {len(outcome.load.timings):,} in "
            f"{outcome.measured_seconds:.1f} s, {outcome.per_second:.0f} per second",
            "reported",
        ),
        ("Errors", f"{len(outcome.errors):,}", f"none: {mark('no errors')}"),
        (
            "Pages or summaries not matching their answers",
            f"{len(outcome.mismatches):,}",
            f"none: {mark('every summary matches its answers')}",
        ),
        (
            "Places where a request or a response was not the same size for everyone",
            f"{len(outcome.size_differences):,} (of {outcome.places:,} places, "
            f"{outcome.exchanges:,} requests compared)",
            f"none: {mark('every place the same size on the wire')}",
        ),
        (
            "Time per request, p50 / p99",
            f"{percentile(timings, 0.5):.0f} ms / {percentile(timings, 0.99):.0f} ms",
            "reported",
        ),
        (
            "Time in the app per request (from the log), p50 / p99",
            f"{percentile(outcome.app_ms, 0.5):.0f} ms / {percentile(outcome.app_ms, 0.99):.0f} ms",
            "reported",
        ),
        (
            "Time per journey, p50 / p99",
            f"{percentile(journeys, 0.5):.1f} s / {percentile(journeys, 0.99):.1f} s",
            "reported",
        ),
        ("Processor, while measured", processor_line(outcome.processor), "reported"),
        (
            "Worker memory (RSS), after the warm-up → at the end",
            memory_line(outcome.memory),
            f"under +10 %: {mark('worker memory grew by less than 10 %')}",
        ),
        (
            "Log lines with an answer value, cookie or form token",
            f"{len(outcome.leaks):,} (looked for {len(outcome.load.values)} values, "
            f"{len(outcome.load.cookies):,} cookies, {len(outcome.load.tokens):,} tokens in "
            f"{outcome.log_lines:,} lines)",
            f"none: {mark('nothing private in the log')}",
        ),
    ]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def section(outcome: Outcome, command: str) -> str:
    """The "soak" section of docs/performance.md."""
    verdict = "Every target was met." if outcome.passed else "**Some targets were missed.**"
    workers = outcome.processor.worker_count
    prose = (
        f"{outcome.users} people at once took the whole check, from the first question to "
        f"the summary, one new person after another, for {outcome.warm_up:g} s of warm-up "
        f"and {outcome.seconds:g} s measured (then each finished the journey under way), "
        f"against gunicorn with the production settings ({workers} sync workers) over HTTPS. "
        "Each journey had its own random answers (either audience, either language, "
        "alarming answers with their notices, any checklist), and its pages and summary "
        "were checked against them. Every request and response was measured as it was on "
        "the wire: its first line and headers, and its body as sent (a page compressed and "
        "padded by the app); at each place (language, method and address) every journey's "
        "had to be of the same status and sizes, whatever its answers. A request's time "
        "runs from sending it to having the whole response: a new connection and TLS "
        "handshake (sync workers close the connection after each response), the wait "
        "behind the other people's requests for the workers, and the app's own time, "
        "which the access log gives. The people are simulated on the same machine, "
        "sharing its cores with the server: the processor row shows how. The log was "
        "searched after the server stopped."
    )
    return (
        "## Soak: whole journeys, many people at once\n\n"
        + heading(command)
        + f"\n{prose}\n\n{table(outcome)}\n\n{verdict}\n"
    )


def report(outcome: Outcome) -> str:
    """What is printed: the table, then the first problems of each sort."""
    lines = [table(outcome), ""]
    lines.append(
        f"Random seed {outcome.seed}. Requests sent: {outcome.load.requests:,}; "
        f"logged: {outcome.logged_requests:,}."
    )
    for title, problems in [
        ("Errors", outcome.errors),
        ("Mismatches", outcome.mismatches),
        ("Size differences", outcome.size_differences),
        ("Log leaks", outcome.leaks),
    ]:
        if problems:
            lines.append(f"{title} ({len(problems)}), the first {SHOWN_PROBLEMS}:")
            lines += [f"  {problem}" for problem in problems[:SHOWN_PROBLEMS]]
    lines.append(
        f"Worker memory, all workers, every {SAMPLE_EVERY:g} s from the end of the warm-up: "
        + ", ".join(f"{kib / 1024:.1f}" for kib in outcome.memory.samples)
        + " MiB."
    )
    lines.append(f"Other log lines ({len(outcome.other_log_lines)}):")
    lines += [f"  {line}" for line in outcome.other_log_lines[:SHOWN_PROBLEMS]]
    lines.append(
        "PASSED"
        if outcome.passed
        else "FAILED: " + ", ".join(target for target, met in outcome.targets().items() if not met)
    )
    return "\n".join(lines)

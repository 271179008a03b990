"""``make bench``: throughput against a baseline, page weight and Lighthouse,
where a request's time goes, and the cost of counting the totals.

    python -m bench [--rounds 5] [--seconds 5] [--lighthouse-runs 3] [--store-calls 500]

Writes each to its section of docs/performance.md. Exits with 1 when a
target is missed, or counting went wrong, after writing what was measured.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
from pathlib import Path

from bench import lighthouse, profile, totals, weight
from bench.report import heading, write_section
from bench.throughput import BASELINE, CONNECTIONS, Results, Target, measure
from tests.server import production_server

# Every page at least half the minimal app's throughput, in the same run.
THROUGHPUT_TARGET = 0.5
# About what a new connection can send before the first acknowledgement (10 packets).
BYTES_TARGET = 14 * 1024
# The page, its stylesheet and its script; a favicon would count.
REQUESTS_TARGET = 3


def throughput_table(results: Results, pages: list[Target]) -> tuple[str, list[str]]:
    """The table of requests/s, latency and ratios; and the pages under the target."""
    rows = [
        "| Page | Requests/s | p50 | p99 | Ratio to baseline (median) | Spread over rounds |",
        "|---|---:|---:|---:|---:|---|",
        f"| Baseline (minimal Flask page) | {results.median_per_second(BASELINE):,.0f} "
        f"| {results.median(BASELINE, 'p50_ms'):.1f} ms "
        f"| {results.median(BASELINE, 'p99_ms'):.1f} ms | 1 | |",
    ]
    missed = []
    for page in pages:
        ratios = results.ratios(page.name)
        median = statistics.median(ratios)
        if median < THROUGHPUT_TARGET:
            missed.append(f"{page.name}: {median:.2f} of the baseline (target {THROUGHPUT_TARGET})")
        rows.append(
            f"| {page.name} | {results.median_per_second(page.name):,.0f} "
            f"| {results.median(page.name, 'p50_ms'):.1f} ms "
            f"| {results.median(page.name, 'p99_ms'):.1f} ms "
            f"| **{median:.2f}** | {min(ratios):.2f} to {max(ratios):.2f} |"
        )
    return "\n".join(rows), missed


def weight_misses(weights: list[weight.PageWeight]) -> list[str]:
    """Pages over 14 KB or 3 requests, or with any third-party request."""
    missed = []
    for each in weights:
        where = f"{each.page} ({each.language})"
        if each.bytes > BYTES_TARGET:
            missed.append(f"{where}: {each.bytes:,} bytes (target {BYTES_TARGET:,})")
        if each.requests > REQUESTS_TARGET:
            missed.append(f"{where}: {each.requests} requests (target {REQUESTS_TARGET})")
        if each.third_party_requests:
            missed.append(f"{where}: {each.third_party_requests} third-party requests")
    return missed


def lighthouse_misses(results: list[lighthouse.PageScores]) -> list[str]:
    return [
        f"{each.page} ({each.language}): {name} {score * 100:.0f}"
        for each in results
        for name, score in each.result.scores.items()
        if score < 1
    ]


def verdict(missed: list[str], met: str) -> str:
    return met if not missed else "Missed: " + "; ".join(missed) + "."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="baseline and pages, in turn")
    parser.add_argument("--seconds", type=float, default=5, help="each wrk run")
    parser.add_argument("--lighthouse-runs", type=int, default=3, help="per page and language")
    parser.add_argument(
        "--store-calls", type=int, default=500, help="of each call to the totals store, per round"
    )
    arguments = parser.parse_args(argv)
    command = " ".join(["python -m bench", *map(shlex.quote, argv or sys.argv[1:])])
    command = f"make bench  # {command}"

    results, pages = measure(arguments.rounds, arguments.seconds)
    table, missed = throughput_table(results, pages)
    errors = results.errors()
    throughput = "\n".join(
        [
            "## Throughput against a minimal Flask app",
            "",
            heading(command),
            f"wrk at {CONNECTIONS} connections; the baseline and then each page, "
            f"{arguments.rounds} rounds of {arguments.seconds:g} s each. The ratio is a page's "
            "requests/s over the baseline's in the same round. Both run under the production "
            "gunicorn settings (gunicorn.conf.py: 2 sync workers), behind the proxy as "
            "DEPLOY.md describes (plain HTTP, `X-Forwarded-Proto: https` believed).",
            "",
            table,
            "",
            f"Errors (connection, timeout or status): {errors}.",
            "",
            verdict(
                missed,
                f"Every page meets the target of {THROUGHPUT_TARGET} of the baseline's throughput.",
            ),
        ]
    )
    write_section("throughput", throughput)
    print(throughput)

    # What a person's browser gets: the production server over HTTPS, the load over.
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as folder,
        production_server(Path(folder)) as server,
    ):
        weights = weight.measure(server)
        scores = lighthouse.score(server, runs=arguments.lighthouse_runs)
    heavy = weight_misses(weights)
    low = lighthouse_misses(scores)
    pages_section = "\n".join(
        [
            "## Page weight and Lighthouse",
            "",
            heading(command),
            "Each page opened on a cold cache in Chromium, over HTTPS from the production "
            "server: bytes on the wire are headers and compressed bodies of everything it "
            "loads; requests include any favicon.",
            "",
            weight.table(weights),
            "",
            verdict(
                heavy,
                f"Every page is at most {BYTES_TARGET:,} bytes and {REQUESTS_TARGET} requests, "
                "with no third-party request.",
            ),
            "",
            f"Lighthouse (mobile, the median of {arguments.lighthouse_runs} runs by "
            "performance), scores out of 100:",
            "",
            lighthouse.table(scores),
            "",
            verdict(low, "Every page scores 100 in all four categories."),
        ]
    )
    write_section("pages", pages_section)
    print(pages_section)

    # Where the time goes: what is left to take away.
    baseline_ms, breakdowns = profile.measure()
    parts = profile.section(baseline_ms, breakdowns, command)
    write_section("profile", parts)
    print(parts)

    # What counting the totals costs the requests that count, and the store alone.
    counting, problems = totals.run(
        arguments.rounds, arguments.seconds, arguments.store_calls, command
    )
    print(counting)
    return 1 if missed or errors or heavy or low or problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""The cost of counting the totals for clinics, against the same work not counted.

    python -m bench.totals [--rounds 5] [--seconds 5] [--calls 500]

Two measurements, each against a baseline measured in the same run:

The requests that count, served by the production gunicorn three times over:
counting off (``SELFCHECK_TOTALS_URL=off``), counting into a SQLite file, and
counting into PostgreSQL. The two requests that count are a new person's
first answer (``POST /question/1`` with no answers yet) and the first
confirmation of the answers (``POST /check-answers``). The person's answers
live in their cookie, so wrk can send the same request again and again and
every one of them is a new person's: each is counted. That is checked, not
assumed: the store's counts after each run are set against wrk's count of
responses. The ratio is requests/s with counting over requests/s with
counting off, in the same round; the order of the three turns each round.

The store alone: ``TotalsStore.add()`` timed call by call, against a
``SELECT 1`` in a transaction through the same engine (its pool, its
connection check, its commit), in one process and in two processes at once,
both in the same rounds, in turn.
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import re
import shlex
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

from sqlalchemy import text

from bench.report import heading, write_section
from bench.throughput import (
    CONNECTIONS,
    FORWARDED,
    FULLEST_SUMMARY,
    PROXY,
    ProxiedVisitor,
    Run,
    Target,
    check_target,
    drive,
)
from questionnaire.content import CONTENT_DIR, load_all_content
from questionnaire.totals import Event
from questionnaire.totals_store import OFF, TotalsStore, sqlite_url
from tests.postgres import PostgresServer, binaries, postgres_server
from tests.server import ProductionServer, production_server
from tests.walk import CHECK, WHO, coded

_ENGLISH = load_all_content(CONTENT_DIR)["en"]

SECTION = "totals"
# Where each store is: counting off is the baseline the others are divided by.
COUNTING_OFF = "Counting off"
SQLITE = "SQLite"
POSTGRESQL = "PostgreSQL"
SETTINGS = (COUNTING_OFF, SQLITE, POSTGRESQL)
FIRST_ANSWER = "First answer (POST /question/1)"
CONFIRMED = "Answers confirmed (POST /check-answers)"
# Which event each request counts.
EVENTS = {FIRST_ANSWER: Event.STARTED, CONFIRMED: Event.FINISHED}
# What the app logs when a count fails (questionnaire/web/totals.py).
FAILED_COUNT = "Totals: could not count"
HIDDEN = re.compile(r'name="([\w-]+)" type="hidden" value="([^"]*)"')


class _Barrier(Protocol):
    def wait(self) -> object: ...


# The requests that count.


@dataclass
class RequestResults:
    """Every wrk run, round by round, under ``(request, setting)``; and what was counted."""

    rounds: list[dict[tuple[str, str], Run]] = field(default_factory=list)
    # For the settings that count, over the whole run (the first check and the
    # warm-up too): the requests the server logged as answered, the events its store holds.
    answered: dict[tuple[str, str], int] = field(default_factory=dict)
    counted: dict[tuple[str, str], int] = field(default_factory=dict)
    # What each server logged of counts that failed (a failing store is logged once
    # until counting works again: the lines are fewer than the counts lost).
    failures: dict[str, list[str]] = field(default_factory=dict)

    def ratios(self, request: str, setting: str) -> list[float]:
        return [
            runs[request, setting].per_second / runs[request, COUNTING_OFF].per_second
            for runs in self.rounds
        ]

    def median(self, request: str, setting: str, value: str) -> float:
        return statistics.median(getattr(runs[request, setting], value) for runs in self.rounds)

    def median_per_second(self, request: str, setting: str) -> float:
        return statistics.median(runs[request, setting].per_second for runs in self.rounds)

    def errors(self) -> int:
        return sum(run.errors + run.status_errors for runs in self.rounds for run in runs.values())

    def miscounted(self) -> int:
        """Requests answered and not counted, or counted more than once."""
        return sum(
            abs(answered - self.counted.get(key, 0)) for key, answered in self.answered.items()
        )


def counting_targets(server: ProductionServer) -> list[Target]:
    """A new person's first answer, and a journey's answers confirmed the first time."""

    def posted(visitor: ProxiedVisitor, page: str, path: str, answer: dict[str, str]) -> Target:
        form = {**dict(HIDDEN.findall(page)), **answer}
        assert "csrf_token" in form, f"{path}: no form token"
        return Target(
            FIRST_ANSWER if path == WHO else CONFIRMED,
            path,
            method="POST",
            headers={
                **FORWARDED,
                "Cookie": visitor.cookie,
                "Origin": visitor.origin,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            body=urlencode(form),
            status=303,
        )

    new = ProxiedVisitor(server)
    _, page = new.send("GET", WHO)
    first = posted(new, page, WHO, coded(_ENGLISH, WHO, "me"))
    done = ProxiedVisitor(server)
    page = done.walk(FULLEST_SUMMARY, stop=CHECK)
    return [first, posted(done, page, CHECK, {})]


def answered_in_log(server: ProductionServer, target: Target) -> int:
    """How many times the server logged ``target`` as answered as expected."""
    answered = re.compile(rf"\b{target.method} {re.escape(target.path)} {target.status} ")
    return sum(bool(answered.search(line)) for line in server.log_lines())


def total(store: TotalsStore, event: Event) -> int:
    return sum(getattr(row, event.value) for row in store.counts())


def settled(store: TotalsStore, event: Event, seconds: float = 15) -> int:
    """The store's total once it stops moving: each count is made after its response is sent."""
    deadline = time.monotonic() + seconds
    last = total(store, event)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = total(store, event)
        if now == last:
            break
        last = now
    return last


@contextmanager
def counting_servers(
    folder: Path, postgres: PostgresServer
) -> Iterator[dict[str, tuple[ProductionServer, TotalsStore | None]]]:
    """The self-check three times over, under the production settings: one per store."""
    urls = {
        COUNTING_OFF: OFF,
        SQLITE: sqlite_url(folder / "totals.sqlite3"),
        POSTGRESQL: postgres.new_database(),
    }
    with ExitStack() as stack:
        running = {}
        for setting, url in urls.items():
            server = stack.enter_context(
                production_server(
                    folder / re.sub(r"\W+", "-", setting.lower()),
                    {**PROXY, "SELFCHECK_TOTALS_URL": url},
                    tls=False,
                )
            )
            store = None if url == OFF else TotalsStore(url)
            if store is not None:
                # The table made before the server counts (its workers would not race to).
                engine = store.engine()
                # This process's connections, closed before the database server stops.
                stack.callback(engine.dispose)
            running[setting] = (server, store)
        yield running


def measure_requests(
    postgres: PostgresServer, rounds: int, seconds: float, warm_up: float = 2.0
) -> RequestResults:
    """Each request under each setting, ``rounds`` times over, each run for ``seconds``."""
    results = RequestResults()
    with tempfile.TemporaryDirectory(prefix="bench-totals-") as temporary:
        folder = Path(temporary)
        with counting_servers(folder, postgres) as running:
            targets = {}
            for setting, (server, _) in running.items():
                for target in counting_targets(server):
                    check_target(server, target)
                    targets[target.name, setting] = (server, target)
            if warm_up:
                for server, target in targets.values():
                    drive(server.url, target, warm_up, folder)
            for number in range(rounds):
                turn = number % len(SETTINGS)
                order = SETTINGS[turn:] + SETTINGS[:turn]
                runs = {}
                for request in EVENTS:
                    for setting in order:
                        server, target = targets[request, setting]
                        runs[request, setting] = drive(server.url, target, seconds, folder)
                results.rounds.append(runs)
            for setting, (server, store) in running.items():
                for request, event in EVENTS.items():
                    if store is not None:
                        # Once the store stops moving, the server has logged every request.
                        results.counted[request, setting] = settled(store, event)
                        answered = answered_in_log(server, targets[request, setting][1])
                        results.answered[request, setting] = answered
                failed = [line for line in server.log_lines() if FAILED_COUNT in line]
                if failed:
                    results.failures[setting] = failed
    return results


def requests_table(results: RequestResults) -> str:
    rows = [
        "| Request | Counting | Requests/s | p50 | p99 | Ratio to counting off (median) "
        "| Spread over rounds | Counted |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for request in EVENTS:
        for setting in SETTINGS:
            ratios = results.ratios(request, setting)
            counting = setting != COUNTING_OFF
            key = (request, setting)
            counted = (
                f"{results.counted.get(key, 0):,} of {results.answered.get(key, 0):,}"
                if counting
                else "off"
            )
            rows.append(
                f"| {request} | {setting} | {results.median_per_second(request, setting):,.0f} "
                f"| {results.median(request, setting, 'p50_ms'):.1f} ms "
                f"| {results.median(request, setting, 'p99_ms'):.1f} ms "
                + (
                    f"| **{statistics.median(ratios):.2f}** "
                    f"| {min(ratios):.2f} to {max(ratios):.2f} "
                    if counting
                    else "| 1 | "
                )
                + f"| {counted} |"
            )
    return "\n".join(rows)


# The store alone.


@dataclass(frozen=True)
class StoreTimes:
    """Microseconds per call, round by round, of ``add()`` and of the baseline's ``SELECT 1``."""

    backend: str
    processes: int
    add_us: list[list[float]]
    baseline_us: list[list[float]]
    # Events the store gained, and the add() calls made (warm-up included).
    counted: int
    added: int

    def median_add(self) -> float:
        return statistics.median(t for each in self.add_us for t in each)

    def median_baseline(self) -> float:
        return statistics.median(t for each in self.baseline_us for t in each)

    def p99_add(self) -> float:
        every = sorted(t for each in self.add_us for t in each)
        return every[min(len(every) - 1, int(len(every) * 0.99))]

    def ratio(self) -> float:
        return self.median_add() / self.median_baseline()

    def ratios(self) -> list[float]:
        return [
            statistics.median(add) / statistics.median(baseline)
            for add, baseline in zip(self.add_us, self.baseline_us, strict=True)
        ]


WARM_UP_CALLS = 20


def time_store(
    url: str, rounds: int, calls: int, barrier: _Barrier
) -> tuple[list[list[float]], list[list[float]]]:
    """Per round, ``calls`` of the baseline and then ``calls`` of ``add()``, each call timed.

    Every process that times the store at once waits at ``barrier`` before
    each block: all of them do the same thing at the same time.
    """
    store = TotalsStore(url)
    engine = store.engine()
    day = datetime.datetime.now(datetime.UTC).date()

    def add() -> None:
        store.add("", "en", Event.STARTED, day)

    def baseline() -> None:
        with engine.begin() as connection:
            connection.execute(text("SELECT 1"))

    for _ in range(WARM_UP_CALLS):
        baseline()
        add()
    adds: list[list[float]] = []
    baselines: list[list[float]] = []
    for _ in range(rounds):
        for call, times in ((baseline, baselines), (add, adds)):
            barrier.wait()
            block = []
            for _ in range(calls):
                start = time.perf_counter_ns()
                call()
                block.append((time.perf_counter_ns() - start) / 1000)
            times.append(block)
    engine.dispose()
    return adds, baselines


def _time_store_apart(
    url: str, rounds: int, calls: int, barrier: _Barrier, results: Any, index: int
) -> None:
    """``time_store`` in a process of its own; its times put in ``results``."""
    try:
        results.put((index, time_store(url, rounds, calls, barrier)))
    except BaseException as error:
        results.put((index, f"{type(error).__name__}: {error}"))
        raise


def measure_store(
    backend: str, url: str, rounds: int, calls: int, processes: int = 1
) -> StoreTimes:
    """``add()`` against ``SELECT 1`` on one engine, in ``processes`` processes at once."""
    store = TotalsStore(url)
    before = total(store, Event.STARTED)
    if processes == 1:
        adds, baselines = time_store(url, rounds, calls, threading.Barrier(1))
    else:
        # New interpreters, not forks of this one: each makes its own engine, as a worker does.
        context = multiprocessing.get_context("spawn")
        # A process that fails breaks the barrier for the others, rather than leave them waiting.
        barrier = context.Barrier(processes, timeout=300)
        queue = context.Queue()
        started = [
            context.Process(
                target=_time_store_apart, args=(url, rounds, calls, barrier, queue, index)
            )
            for index in range(processes)
        ]
        for process in started:
            process.start()
        answers = [queue.get(timeout=600) for _ in started]
        for process in started:
            process.join(timeout=60)
        failed = [answer for _, answer in answers if isinstance(answer, str)]
        assert not failed, f"timing the store failed: {failed}"
        adds, baselines = [], []
        for _, (each_adds, each_baselines) in sorted(answers):
            adds += each_adds
            baselines += each_baselines
        # One list a round, whatever the number of processes.
        adds = [sum(adds[r::rounds], []) for r in range(rounds)]
        baselines = [sum(baselines[r::rounds], []) for r in range(rounds)]
    counted = total(store, Event.STARTED) - before
    store.engine().dispose()
    added = processes * (WARM_UP_CALLS + rounds * calls)
    return StoreTimes(backend, processes, adds, baselines, counted, added)


def measure_stores(postgres: PostgresServer, rounds: int, calls: int) -> list[StoreTimes]:
    """SQLite and PostgreSQL, one process and then two at once, each on a new database."""
    measured = []
    with tempfile.TemporaryDirectory(prefix="bench-totals-") as temporary:
        for processes in (1, 2):
            sqlite = sqlite_url(Path(temporary) / f"totals-{processes}.sqlite3")
            measured.append(measure_store(SQLITE, sqlite, rounds, calls, processes))
            measured.append(
                measure_store(POSTGRESQL, postgres.new_database(), rounds, calls, processes)
            )
    return measured


def store_table(measured: list[StoreTimes]) -> str:
    rows = [
        "| Store | Processes at once | add(), median | add(), p99 | SELECT 1, median "
        "| Ratio of the medians | Round by round | Counted |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for each in measured:
        ratios = each.ratios()
        rows.append(
            f"| {each.backend} | {each.processes} | {each.median_add():,.0f} µs "
            f"| {each.p99_add():,.0f} µs | {each.median_baseline():,.0f} µs "
            f"| **{each.ratio():.2f}** | {min(ratios):.2f} to {max(ratios):.2f} "
            f"| {each.counted:,} of {each.added:,} |"
        )
    return "\n".join(rows)


# Both, and the section of docs/performance.md.


@dataclass(frozen=True)
class Totals:
    requests: RequestResults
    stores: list[StoreTimes]
    rounds: int
    seconds: float
    calls: int

    def problems(self) -> list[str]:
        """Errors, counts lost, and counts the store failed to make."""
        found = []
        if errors := self.requests.errors():
            found.append(f"{errors} requests failed (connection, timeout or status)")
        for (request, setting), answered in self.requests.answered.items():
            counted = self.requests.counted.get((request, setting), 0)
            if counted < answered:
                found.append(
                    f"{setting}, {request}: {answered - counted:,} of {answered:,} requests "
                    "answered were not counted"
                )
            elif counted > answered:
                found.append(
                    f"{setting}, {request}: {counted - answered:,} counts more than the "
                    f"{answered:,} requests answered"
                )
        for setting, failed in self.requests.failures.items():
            why = failed[0][failed[0].index(FAILED_COUNT) :].split(";")[0]
            found.append(
                f"{setting}: failed counts logged by the server: {len(failed)} "
                f"(the first: {why.removeprefix('Totals: ')})"
            )
        found += [
            f"{each.backend} ({each.processes} at once): {each.counted} counted "
            f"of {each.added} add() calls"
            for each in self.stores
            if each.counted != each.added
        ]
        return found


def measure(rounds: int, seconds: float, calls: int, warm_up: float = 2.0) -> Totals:
    """Both measurements, against one throwaway PostgreSQL server."""
    with postgres_server() as postgres:
        requests = measure_requests(postgres, rounds, seconds, warm_up)
        stores = measure_stores(postgres, rounds, calls)
    return Totals(requests, stores, rounds, seconds, calls)


def section(totals: Totals, command: str) -> str:
    problems = totals.problems()
    return "\n".join(
        [
            "## Totals: the cost of counting",
            "",
            heading(command),
            "The two requests that count (questionnaire/web/totals.py), each served by the "
            "production gunicorn (gunicorn.conf.py, behind the proxy as DEPLOY.md describes) "
            "three times over: counting off (`SELFCHECK_TOTALS_URL=off`), counting into a "
            "SQLite file, and counting into PostgreSQL. wrk at "
            f"{CONNECTIONS} connections sends the same request again and again; the answers "
            "live in the cookie it sends, so every request is a new person's first answer, or "
            "a journey's first confirmation, and is counted. Counted is what the store holds "
            "at the end over the requests the server's log says it answered (the first check "
            "of each request and the warm-up included). "
            f"{totals.rounds} rounds of {totals.seconds:g} s for each request and setting, in "
            "an order that turns each round; the ratio is requests/s over counting off's in "
            "the same round.",
            "",
            requests_table(totals.requests),
            "",
            "The store alone: `TotalsStore.add()` timed call by call, against a `SELECT 1` "
            "in a transaction through the same engine (its pool, its connection check, its "
            f"commit): {totals.rounds} rounds of {totals.calls} calls of each, in turn, in one "
            "process, and in two processes at once (both adding to the same row, as a "
            "clinic's people do on the same day). The ratio is add()'s median over the "
            "baseline's. The SQLite file is on the same disk as the rest of the benchmark "
            "(write-ahead log, synchronous=NORMAL as the store sets it: a commit does not wait "
            "for the disk). The PostgreSQL server is "
            "the tests' throwaway one (tests/postgres.py) on 127.0.0.1: it runs with `fsync`, "
            "`synchronous_commit` and `full_page_writes` off, so its commits never wait for "
            "the disk, as a production server's do.",
            "",
            store_table(totals.stores),
            "",
            (
                "No errors: every request was answered as expected, every response sent was "
                "counted, every add() call counted once, and no count failed."
                if not problems
                else "Problems: " + "; ".join(problems) + "."
            ),
        ]
    )


def run(rounds: int, seconds: float, calls: int, command: str) -> tuple[str, list[str]]:
    """Measure, write the section; the section and its problems."""
    if binaries() is None:
        raise SystemExit(
            "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres): "
            "`make bench` installs it as root (apt-get install postgresql)."
        )
    totals = measure(rounds, seconds, calls)
    text = section(totals, command)
    write_section(SECTION, text)
    return text, totals.problems()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.totals", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="each measurement, in turn")
    parser.add_argument("--seconds", type=float, default=5, help="each wrk run")
    parser.add_argument("--calls", type=int, default=500, help="of each call, per round")
    arguments = parser.parse_args(argv)
    command = " ".join(["python -m bench.totals", *map(shlex.quote, argv or sys.argv[1:])])
    text, problems = run(arguments.rounds, arguments.seconds, arguments.calls, command)
    print(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

"""One soak from start to finish, and what it found.

run starts the production server, drives the load, stops the server, checks
every journey against the oracle's expectation, every place's sizes on the
wire against each other (bench.soak.wire), and searches the whole log;
Outcome holds the figures and says which of the soak's targets were met.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from babel import Locale

from bench.soak.driver import Journey, Load, drive
from bench.soak.leaks import ACCESS_LINE, log_leaks
from bench.soak.monitor import Memory, Processor
from bench.soak.oracle import expected_summary, normal, page_differences, summary_differences
from bench.soak.wire import size_differences, sizes_by_place
from questionnaire.content import Audience, Content, load_all_content
from questionnaire.flow import StepKind
from tests.server import production_server


@dataclass(frozen=True)
class Outcome:
    """A soak's figures, with all the users did and what checking it found."""

    users: int
    seconds: float
    warm_up: float
    seed: int
    load: Load
    mismatches: list[str]
    # Places whose exchanges were not all of one status and one size on the wire.
    size_differences: list[str]
    # What the journeys were like (languages, audiences, notices).
    mix: str
    memory: Memory
    leaks: list[str]
    # Access lines of the people's requests, and the time each took in the app.
    logged_requests: int
    app_ms: list[float]
    log_lines: int
    other_log_lines: list[str]
    processor: Processor

    @property
    def journeys(self) -> int:
        return len(self.load.journeys)

    @property
    def errors(self) -> list[str]:
        return self.load.errors

    @property
    def timings_ms(self) -> list[float]:
        """The time of each request begun after the warm-up, in milliseconds."""
        return [timing * 1000 for timing in self.load.timings]

    @property
    def exchanges(self) -> int:
        """The requests of the journeys completed, whose sizes were compared."""
        return sum(len(journey.exchanges) for journey in self.load.journeys)

    @property
    def places(self) -> int:
        """The places (language, method, path) those requests were made at."""
        return len(sizes_by_place(exchange for j in self.load.journeys for exchange in j.exchanges))

    @property
    def journey_seconds(self) -> list[float]:
        return [journey.seconds for journey in self.load.journeys]

    @property
    def measured_seconds(self) -> float:
        return max(0.0, self.load.measure_until - self.load.measure_from)

    @property
    def per_second(self) -> float:
        seconds = self.measured_seconds
        return len(self.load.timings) / seconds if seconds else 0.0

    def targets(self) -> dict[str, bool]:
        """Each target of the soak, and whether it was met."""
        return {
            "journeys completed and checked": self.journeys > 0,
            "no errors": not self.errors,
            "every summary matches its answers": not self.mismatches,
            "every place the same size on the wire": not self.size_differences,
            "worker memory grew by less than 10 %": self.memory.met,
            "nothing private in the log": not self.leaks,
        }

    @property
    def passed(self) -> bool:
        return all(self.targets().values())


def check_journeys(contents: Mapping[str, Content], journeys: Iterable[Journey]) -> list[str]:
    """Each journey whose pages or summary do not match its own answers, and how."""
    mismatches = []
    for number, journey in enumerate(journeys, start=1):
        content = contents[journey.answers.language]
        differences = page_differences(content, journey.answers, journey.seen)
        differences += summary_differences(content, journey.answers, journey.summary)
        if differences:
            mismatches.append(f"journey {number}: " + "; ".join(differences))
    return mismatches


def journey_mix(contents: Mapping[str, Content], journeys: Sequence[Journey]) -> str:
    """What the journeys were like, to show that every kind of summary was checked."""
    languages = Counter(journey.answers.language for journey in journeys)
    other = sum(journey.answers.audience == Audience.OTHER for journey in journeys)
    emergency = sum(
        journey.answers.safety in contents[journey.answers.language].safety.emergency_on
        for journey in journeys
    )
    interrupted = sum(
        any(StepKind.INTERRUPTION.value in page.notices for page in journey.seen)
        for journey in journeys
    )
    quiet = 0
    for journey in journeys:
        content = contents[journey.answers.language]
        audience = Audience(journey.answers.audience)
        nothing = normal(content.summary.nothing_reported.heading.for_(audience))
        shown = expected_summary(content, journey.answers).sections
        quiet += any(section.heading == nothing for section in shown)
    return (
        ", ".join(
            # Named in English, as the rest of the report is.
            f"{count:,} in {Locale.parse(code).get_display_name('en')}"
            for code, count in languages.items()
        )
        + f"; {other:,} for someone else; {emergency:,} with an emergency at the start; "
        f"{interrupted:,} interrupted after a sign; {quiet:,} with nothing to report"
    )


def run(
    folder: Path, users: int, seconds: float, warm_up: float, seed: int | None = None
) -> Outcome:
    """Start the production server in ``folder``, soak it, stop it, and check it all."""
    seed = random.randrange(2**32) if seed is None else seed
    # Read as the server reads it when it starts: the journeys are checked against it.
    contents = load_all_content()
    with production_server(folder) as server:
        load, memory, processor = asyncio.run(
            drive(server, contents, users, seconds, warm_up, seed)
        )
        log_path = server.log
    # Read once gunicorn has stopped: every line is written, the last ones too.
    log = log_path.read_text(encoding="utf-8", errors="replace")
    lines = log.splitlines()
    access = [found for line in lines if (found := ACCESS_LINE.fullmatch(line))]
    # The readiness check's requests are the server helper's, not the people's.
    requests = [found for found in access if found.group(2) != "/healthz"]
    return Outcome(
        users=users,
        seconds=seconds,
        warm_up=warm_up,
        seed=seed,
        load=load,
        mismatches=check_journeys(contents, load.journeys),
        size_differences=size_differences(
            exchange for journey in load.journeys for exchange in journey.exchanges
        ),
        mix=journey_mix(contents, load.journeys),
        memory=memory,
        leaks=log_leaks(log, load.values, load.cookies, load.tokens),
        logged_requests=len(requests),
        app_ms=[float(found.group(3)) for found in requests],
        log_lines=len(lines),
        other_log_lines=[line for line in lines if not ACCESS_LINE.fullmatch(line)],
        processor=processor,
    )

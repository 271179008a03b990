"""Requests per second and latency of the self-check's pages, against a minimal Flask app.

Both run under the same gunicorn with the project's gunicorn.conf.py, as
DEPLOY.md runs it behind its proxy: plain HTTP on 127.0.0.1, with the
proxy's ``X-Forwarded-Proto: https`` believed (``SELFCHECK_PROXY_COUNT=1``),
so cookies are Secure and forms are checked as over HTTPS. wrk drives them
in turns, the baseline and then each page, for several rounds: each page's
throughput is divided by the baseline's of the same round, so a machine
that is slower, or busier, in one round affects both sides of the ratio.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from questionnaire.content import CONTENT_DIR, load_all_content
from tests.server import ProductionServer, Visitor, production_server
from tests.walk import CHECKLIST, SAFETY, SIGN, USE, WHO, coded

WRK = shutil.which("wrk") or "/usr/bin/wrk"
CONNECTIONS = 32
# wrk runs beside the servers on the same cores: two threads are enough to
# keep 32 connections busy and leave the servers most of the machine.
THREADS = 2
BASELINE_APP = "bench.baseline:app"
# What the proxy in front adds to every request (see DEPLOY.md).
PROXY = {"SELFCHECK_PROXY_COUNT": "1"}
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
MID_JOURNEY = SIGN["pain-sensitivity"]
# Answered before the question page: nothing that shows a notice on the way.
BEFORE_THE_QUESTION: dict[str, str | list[str]] = {WHO: "me", SAFETY: "no", USE: "as-prescribed"}
BEFORE_THE_QUESTION |= {
    path: "no" for path in list(SIGN.values())[: list(SIGN.values()).index(MID_JOURNEY)]
}
_ENGLISH = load_all_content(CONTENT_DIR)["en"]
assert _ENGLISH.checklist is not None
# The answers that make the longest summary: the emergency answer, a use that
# shows both of its sections, every sign often, every other sign answered yes.
# (Every summary is sent at the same size, padded to the longest; this one
# is also the longest to make.)
FULLEST_SUMMARY: dict[str, str | list[str]] = {
    WHO: "other",
    SAFETY: "yes",
    USE: "mix",
    **dict.fromkeys(SIGN.values(), "often"),
    CHECKLIST: [item.value for item in _ENGLISH.checklist.items],
}

# wrk's report, as one line of JSON, written by its `done` callback.
REPORT_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "errors": %d, "status_errors": %d, '
    .. '"p50_ms": %.3f, "p99_ms": %.3f}\\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    summary.errors.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
"""


@dataclass(frozen=True)
class Target:
    """One request, sent again and again: what wrk measures."""

    name: str
    path: str
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str = ""
    # What every response must be, checked once before the measurement:
    # its status, and words its page must hold.
    status: int = 200
    expect: str = ""


@dataclass(frozen=True)
class Run:
    """One wrk run of one target."""

    requests: int
    seconds: float
    errors: int
    status_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


@dataclass
class Results:
    """Every run of every target, round by round; the baseline's under ``BASELINE``."""

    rounds: list[dict[str, Run]] = field(default_factory=list)

    def ratios(self, name: str) -> list[float]:
        return [runs[name].per_second / runs[BASELINE].per_second for runs in self.rounds]

    def median(self, name: str, value: str) -> float:
        return statistics.median(getattr(runs[name], value) for runs in self.rounds)

    def median_per_second(self, name: str) -> float:
        return statistics.median(runs[name].per_second for runs in self.rounds)

    def errors(self) -> int:
        return sum(run.errors + run.status_errors for runs in self.rounds for run in runs.values())


BASELINE = "baseline"


def lua_script(target: Target, folder: Path) -> Path:
    """wrk's script for a target: its method, headers and body, and the JSON report."""
    lines = [f"wrk.method = {json.dumps(target.method)}"]
    if target.body:
        lines.append(f"wrk.body = {json.dumps(target.body)}")
    lines += [
        f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}"
        for name, value in target.headers.items()
    ]
    script = folder / f"{re.sub(r'[^a-z0-9]+', '-', target.name.lower())}.lua"
    script.write_text("\n".join(lines) + "\n" + REPORT_SCRIPT, encoding="utf-8")
    return script


def drive(url: str, target: Target, seconds: float, folder: Path) -> Run:
    """wrk at 32 connections on one target, for ``seconds``."""
    completed = subprocess.run(
        [
            WRK,
            f"--threads={THREADS}",
            f"--connections={CONNECTIONS}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=10s",
            f"--script={lua_script(target, folder)}",
            url + target.path,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    report = completed.stdout.strip().splitlines()[-1]
    return Run(**json.loads(report))


class ProxiedVisitor(Visitor):
    """A person's browser reaching the app through the proxy that serves HTTPS."""

    def send(self, method, path, form=None, **headers):  # type: ignore[no-untyped-def]
        forwarded = {name.replace("-", "_"): value for name, value in FORWARDED.items()}
        return super().send(method, path, form, **forwarded, **headers)

    @property
    def origin(self) -> str:
        return self.server.url.replace("http://", "https://", 1)


def targets(server: ProductionServer) -> list[Target]:
    """The start page, a question mid-journey, an answer, and the fullest summary."""
    quiet = ProxiedVisitor(server)
    quiet.walk(BEFORE_THE_QUESTION, stop=MID_JOURNEY)
    _, page = quiet.send("GET", MID_JOURNEY)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "no form token on the question page"

    alarmed = ProxiedVisitor(server)
    alarmed.walk(FULLEST_SUMMARY)
    # The summary lists every sign answered: the last sign's label is on it.
    last_sign = _ENGLISH.signs[-1].label.other

    def as_person(visitor: ProxiedVisitor) -> dict[str, str]:
        return {**FORWARDED, "Cookie": visitor.cookie, "Accept-Encoding": "br, gzip"}

    return [
        Target(
            "Start page",
            "/",
            headers={**FORWARDED, "Accept-Encoding": "br, gzip"},
            expect="Start now",
        ),
        Target(
            "Question page, mid-journey",
            MID_JOURNEY,
            headers=as_person(quiet),
            expect="Question 7 of 13",
        ),
        Target(
            ANSWER,
            MID_JOURNEY,
            method="POST",
            headers={
                **as_person(quiet),
                "Origin": quiet.origin,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            # As the page's radios send it: the option's code, not its value.
            body=urlencode(
                {"csrf_token": token.group(1), **coded(_ENGLISH, MID_JOURNEY, "sometimes")}
            ),
            status=303,
        ),
        Target(
            "Summary, every sign answered",
            "/summary",
            headers=as_person(alarmed),
            expect=last_sign,
        ),
    ]


# wrk follows no redirect: what is measured is the POST, answered with its 303.
ANSWER = "Answer (POST, answered with a redirect)"


def check_target(server: ProductionServer, target: Target) -> None:
    """One request as wrk will send it: the answer the measurement assumes."""
    headers = {name: value for name, value in target.headers.items() if name != "Accept-Encoding"}
    response, body = server.request(target.method, target.path, target.body or None, headers)
    assert response.status == target.status, f"{target.name}: {response.status} {body[:200]!r}"
    assert target.expect.encode() in body, f"{target.name}: no {target.expect!r} on the page"


@contextmanager
def servers(folder: Path) -> Iterator[tuple[ProductionServer, ProductionServer]]:
    """The self-check and the baseline, both under the production gunicorn settings."""
    with ExitStack() as stack:
        app = stack.enter_context(production_server(folder / "app", PROXY, tls=False))
        baseline = stack.enter_context(
            production_server(folder / "baseline", PROXY, tls=False, app=BASELINE_APP)
        )
        yield app, baseline


def measure(rounds: int, seconds: float, warm_up: float = 2.0) -> tuple[Results, list[Target]]:
    """Baseline then every page, ``rounds`` times over, each for ``seconds``.

    Each round walks its journeys again: a page opened within a minute of the
    last answer does not send the cookie back (the idle clock moves once a
    minute), and every round measures that, the common case.
    """
    results = Results()
    with tempfile.TemporaryDirectory(prefix="bench-") as temporary:
        folder = Path(temporary)
        with servers(folder) as (app, baseline):
            base = Target(BASELINE, "/", headers=FORWARDED, expect="Baseline")
            check_target(baseline, base)
            pages = ready(app)
            if warm_up:
                drive(baseline.url, base, warm_up, folder)
                for target in pages:
                    drive(app.url, target, warm_up, folder)
            for _ in range(rounds):
                pages = ready(app)
                runs = {BASELINE: drive(baseline.url, base, seconds, folder)}
                for target in pages:
                    runs[target.name] = drive(app.url, target, seconds, folder)
                results.rounds.append(runs)
    return results, pages


def ready(server: ProductionServer) -> list[Target]:
    """New journeys to the pages measured, each page checked once."""
    pages = targets(server)
    for target in pages:
        check_target(server, target)
    return pages

"""Where a request's time goes, part by part, measured in this process.

    python -m bench.profile [--requests 400]

The same four requests as the throughput benchmark, and the baseline's page,
sent through Flask's test client (no server, no network). Each part of the
app's work is timed by wrapping the function that does it: rendering the
template, building the form, opening and saving the session cookie, the
flow's decisions, the CSRF check, the security headers and the compression
(the app compresses and pads its pages itself; Flask-Compress the rest).
A part called inside another part of the same group is counted once. What
is left is Flask and Werkzeug themselves, the view's own code and the test
client. Times are processor time (time.process_time), per request, after a
warm-up (in which, among other things, each page's size is measured once).
"""

from __future__ import annotations

import argparse
import functools
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import flask.templating
import flask_compress
import flask_wtf
from flask import Flask
from flask.testing import FlaskClient

from bench.report import heading, write_section
from bench.throughput import ANSWER, FULLEST_SUMMARY
from questionnaire import flow
from questionnaire.web import padding, security, state
from tests.walk import CHECKLIST, SAFETY, SIGN, USE, WHO, coded, walk

PARTS = ("render", "form", "session", "flow", "form check", "headers", "compression")


@dataclass
class Clock:
    """Processor time per part, with a guard so that nested calls count once."""

    spent: dict[str, float] = field(default_factory=lambda: dict.fromkeys(PARTS, 0.0))
    running: set[str] = field(default_factory=set)

    def timed(self, part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if part in self.running:
                return function(*args, **kwargs)
            self.running.add(part)
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[part] += time.process_time() - start
                self.running.discard(part)

        return wrapper


@contextmanager
def timing(clock: Clock) -> Iterator[None]:
    """Wrap the functions that do each part, for apps created inside this block.

    Only the flow's functions the views call are wrapped, not those they call
    in turn, so that the wrappers' own cost stays small.
    """
    import app as application

    targets: list[tuple[Any, str, str]] = [
        (flask.templating, "_render", "render"),
        (flask_wtf.FlaskForm, "__init__", "form"),
        (state.CookieSessionInterface, "open_session", "session"),
        (state.CookieSessionInterface, "save_session", "session"),
        (security.FormProtection, "protect", "form check"),
        (flask_compress.Compress, "after_request", "compression"),
        (padding.Padding, "pad", "compression"),
        (application, "add_security_headers", "headers"),
        *(
            (flow, name, "flow")
            for name in (
                "may_visit",
                "notices_at",
                "step_before",
                "step_after",
                "current_step",
                "question_number",
                "places",
                "path",
            )
        ),
    ]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in targets]
    for owner, name, part in targets:
        setattr(owner, name, clock.timed(part, getattr(owner, name)))
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


@dataclass(frozen=True)
class Breakdown:
    name: str
    total_ms: float
    parts_ms: dict[str, float]

    @property
    def rest_ms(self) -> float:
        return self.total_ms - sum(self.parts_ms.values())


def _requests(app: Flask) -> list[tuple[str, Callable[[], Any]]]:
    """The benchmark's four requests, made the way a browser makes them."""
    headers = {"Accept-Encoding": "br, gzip"}
    quiet = app.test_client()
    walk(quiet, stop_at=SIGN["pain-sensitivity"])
    page = quiet.get(SIGN["pain-sensitivity"])
    token = page.text.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    alarmed = app.test_client()
    # The same answers as the throughput benchmark's summary: the longest one.
    checklist = FULLEST_SUMMARY[CHECKLIST]
    walk(
        alarmed,
        audience=str(FULLEST_SUMMARY[WHO]),
        safety=str(FULLEST_SUMMARY[SAFETY]),
        use=str(FULLEST_SUMMARY[USE]),
        default="often",
        checklist=tuple(checklist) if isinstance(checklist, list) else (checklist,),
    )
    visitor: FlaskClient = app.test_client()
    # Sent as the page's radios send it: the option's code.
    english = app.extensions["selfcheck_content"]["en"]
    sometimes = coded(english, SIGN["pain-sensitivity"], "sometimes")
    return [
        ("Start page", lambda: visitor.get("/", headers=headers)),
        (
            "Question page, mid-journey",
            lambda: quiet.get(SIGN["pain-sensitivity"], headers=headers),
        ),
        (
            ANSWER,
            lambda: quiet.post(
                SIGN["pain-sensitivity"],
                data={"csrf_token": token, **sometimes},
                headers=headers,
            ),
        ),
        ("Summary, every sign answered", lambda: alarmed.get("/summary", headers=headers)),
    ]


def measure(requests: int = 400) -> tuple[float, list[Breakdown]]:
    """The baseline's time per request, and each page's, part by part."""
    from app import create_app
    from bench.baseline import app as baseline

    base_client = baseline.test_client()
    baseline_ms = _per_request(lambda: base_client.get("/"), requests)
    clock = Clock()
    with timing(clock):
        app = create_app({"SECRET_KEY": secrets.token_hex(32), "SESSION_COOKIE_SECURE": False})
        pages = _requests(app)
        breakdowns = []

        def start_clock() -> None:
            clock.spent = dict.fromkeys(PARTS, 0.0)

        for name, send in pages:
            assert send().status_code in (200, 303), name
            wrapped = _per_request(send, requests, start_clock)
            parts = {part: spent / requests * 1000 for part, spent in clock.spent.items()}
            breakdowns.append(Breakdown(name, wrapped, parts))
    return baseline_ms, breakdowns


def _per_request(
    send: Callable[[], Any], requests: int, warmed_up: Callable[[], None] = lambda: None
) -> float:
    """Processor time per request after a warm-up; ``warmed_up`` is called as it ends,
    so that the parts are counted over the same requests as the whole."""
    for _ in range(min(50, requests)):
        send()
    warmed_up()
    start = time.process_time()
    for _ in range(requests):
        send()
    return (time.process_time() - start) / requests * 1000


def table(baseline_ms: float, breakdowns: list[Breakdown]) -> str:
    rows = [
        "| Page | All | " + " | ".join(PARTS) + " | The rest |",
        "|---|" + "---:|" * (len(PARTS) + 2),
        f"| Baseline (minimal Flask page) | {baseline_ms:.2f} | "
        + " | ".join("" for _ in PARTS)
        + f" | {baseline_ms:.2f} |",
    ]
    for each in breakdowns:
        parts = " | ".join(f"{each.parts_ms[part]:.2f}" for part in PARTS)
        rows.append(f"| {each.name} | {each.total_ms:.2f} | {parts} | {each.rest_ms:.2f} |")
    return "\n".join(rows)


def section(baseline_ms: float, breakdowns: list[Breakdown], command: str) -> str:
    return "\n".join(
        [
            "## Where a request's time goes",
            "",
            heading(command),
            "Processor time per request in milliseconds, through Flask's test client (no "
            "server, no network). Each part is timed by wrapping the function that does it "
            "(see bench/profile.py), which adds a few microseconds of its own to each. "
            '"The rest" is Flask, Werkzeug, the view\'s own code and the test client; for '
            "the baseline it is all there is.",
            "",
            table(baseline_ms, breakdowns),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="per page")
    arguments = parser.parse_args(argv)
    baseline_ms, breakdowns = measure(arguments.requests)
    text = section(
        baseline_ms, breakdowns, f"python -m bench.profile --requests {arguments.requests}"
    )
    write_section("profile", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The soak: many people taking the whole check at once, for a minute, against production gunicorn.

``python -m bench.soak [--seconds 60] [--users 64]`` starts the production
server (gunicorn with gunicorn.conf.py, over HTTPS with a throwaway
certificate, on 127.0.0.1) in a temporary folder. Each simulated person has
their own connection and cookie, and takes the check from the first question
to the summary again and again until the time is up: each journey a new
person, with their own random answers, in English or Spanish, sent as the
pages' forms send them (as codes), and every notice read where it is shown
(at the top of the next page), as tests.server.Visitor does.

Afterwards every journey is checked against its own answers: the question at
each place worded for who the check is about, the notices shown exactly where
the answers call for them, and a summary that says what those answers must
make it say (derived here from the content, independently of
questionnaire.summary). Every request and response is measured on the wire
(bench.soak.wire): at each place (language, method, path), all journeys'
must have had the same status, and the same sizes of request and response,
head and body, as sent (a page compressed and padded), whatever the answers.
Then, with the server stopped, its whole log is read for any answer value,
cookie value or form token.

It passes, and exits 0, only with no errors, no mismatches, no size
differences, worker memory grown by less than 10 % from the end of the
warm-up to the end, and nothing private in the log. The figures go to the
"soak" section of docs/performance.md.

The modules, each using only those listed before it:

- oracle: what a journey's pages and summary must say, derived from the content
- wire: each exchange's sizes on the wire, and the places where they differed
- driver: the simulated people, over HTTPS with httpx, and the load they make
- monitor: the workers' memory and processor time, from /proc
- leaks: the search of the log for anything private
- results: one soak from start to finish (run), and what it found (Outcome)
- reporting: the figures as printed and as written to docs/performance.md
- __main__: the command line
"""

from bench.soak.leaks import log_leaks
from bench.soak.oracle import (
    Answers,
    checklist_reading,
    expected_pages,
    page_differences,
    summary_differences,
)
from bench.soak.reporting import report, section
from bench.soak.results import Outcome, check_journeys, run
from bench.soak.wire import Exchange, Place, size_differences, sizes_by_place

__all__ = [
    "Answers",
    "Exchange",
    "Outcome",
    "Place",
    "check_journeys",
    "checklist_reading",
    "expected_pages",
    "log_leaks",
    "page_differences",
    "report",
    "run",
    "section",
    "size_differences",
    "sizes_by_place",
    "summary_differences",
]

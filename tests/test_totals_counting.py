"""Counting the totals: two events a journey, the same whatever was answered, after the
response is sent, never breaking a page nor holding one up; failures logged sparingly;
and the operator's ``totals`` command."""

from __future__ import annotations

import datetime
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from app import ConfigurationError
from questionnaire.totals import Event
from questionnaire.totals_store import TIMEOUT_SECONDS, TotalsStore
from questionnaire.web.padding import warm_up
from questionnaire.web.state import CookieSessionInterface
from questionnaire.web.totals import (
    DEFAULT_FILE,
    REPEAT_SECONDS,
    Counter,
    Failures,
    counter_of,
    flush,
    report_day,
    store_of,
)
from tests import conftest
from tests.blackhole import blackhole_postgresql
from tests.conftest import make_app
from tests.forking import in_a_child
from tests.server import ProductionServer, production_server
from tests.test_clinics import CLINICS, write_clinics
from tests.walk import CHECK, WHO, hidden_fields, walk
from tests.wire import Journey, calm, every_alarm

TODAY = datetime.datetime.now(datetime.UTC).date()
# The day the operator's report counts back from (an hour after midnight, today).
REPORT_DAY = report_day()


def totals_app(tmp_path: Path, **overrides):
    return make_app(TOTALS_URL=f"sqlite:///{tmp_path}/totals.sqlite3", **overrides)


def tally(app) -> dict[tuple[str, str], tuple[int, int]]:
    """Today's counts, once every count queued has been written."""
    assert flush(app, 10), "the counts queued were not written within 10 s"
    return {
        (row.clinic, row.language): (row.started, row.finished)
        for row in store_of(app).counts()
        if row.day == TODAY
    }


def test_a_journey_counts_one_start_and_one_summary(tmp_path):
    app = totals_app(tmp_path)
    client = app.test_client()
    walk(client, stop_at=CHECK)
    assert tally(app) == {("", "en"): (1, 0)}
    walk(client)
    assert tally(app) == {("", "en"): (1, 1)}


def test_changing_answers_after_the_summary_counts_nothing_more(tmp_path):
    app = totals_app(tmp_path)
    client = app.test_client()
    walk(client)
    # The first answer changed, the answers confirmed again: the same journey.
    walk(client, audience="other")
    page = client.get(WHO)
    assert page.status_code == 200
    assert tally(app) == {("", "en"): (1, 1)}


def test_starting_again_is_a_new_journey(tmp_path):
    app = totals_app(tmp_path)
    client = app.test_client()
    walk(client)
    page = client.get("/summary")
    response = client.post("/start-again", data={"csrf_token": hidden_fields(page)["csrf_token"]})
    assert response.status_code == 303
    walk(client)
    assert tally(app) == {("", "en"): (2, 2)}


def test_a_clinics_journey_in_spanish_counts_for_that_clinic_and_language(tmp_path):
    app = totals_app(tmp_path, CONFIG=str(write_clinics(tmp_path, CLINICS)))
    slug = CLINICS["clinics"][0]["slug"]
    client = app.test_client()
    assert client.get(f"/c/{slug}/?language=es").status_code == 200
    walk(client, prefix=f"/c/{slug}")
    walk(app.test_client())
    assert tally(app) == {(slug, "es"): (1, 1), ("", "en"): (1, 1)}


def test_the_walk_that_measures_pages_at_start_up_is_not_counted(tmp_path):
    app = totals_app(tmp_path)
    warm_up(app)
    assert flush(app, 10)
    assert store_of(app).counts() == []
    # Nothing was even queued: no thread writes counts in this process (as in
    # gunicorn's master, which walks the check before forking its workers).
    assert counter_of(app)._queue is None


def test_counting_can_be_turned_off(tmp_path):
    app = make_app(TOTALS_URL="off")
    assert store_of(app) is None
    assert walk(app.test_client())[-1] == "/summary"
    assert list(tmp_path.iterdir()) == []


def test_by_default_the_totals_are_a_file_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("SELFCHECK_TOTALS_URL")
    app = make_app()
    store = store_of(app)
    assert store is not None and store.backend == "sqlite"
    assert Path(str(store.url.database)) == Path(app.instance_path) / DEFAULT_FILE


def test_a_totals_address_that_is_no_database_stops_start_up():
    with pytest.raises(ConfigurationError, match="SELFCHECK_TOTALS_URL"):
        make_app(TOTALS_URL="mysql://somewhere/totals")
    with pytest.raises(ConfigurationError, match="SELFCHECK_TOTALS_URL"):
        make_app(TOTALS_URL="not an address")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def totals_lines(caplog) -> list[tuple[str, str]]:
    return [(r.levelname, r.getMessage()) for r in caplog.records if "Totals" in r.getMessage()]


def test_a_failing_store_never_breaks_a_page_and_is_logged_sparingly(tmp_path, monkeypatch, caplog):
    app = totals_app(tmp_path)
    store = store_of(app)
    clock = Clock()
    counter_of(app).failures.clock = clock
    broken = True

    def add(*args):
        if broken:
            raise OSError("disk full\nsecond line")
        TotalsStore.add(store, *args)

    def journey():
        assert walk(app.test_client())[-1] == "/summary"
        assert flush(app, 10)

    monkeypatch.setattr(store, "add", add)
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        for _ in range(3):
            journey()
        broken = False
        journey()
        # Failing again within 10 minutes of the last line: not logged yet.
        broken = True
        journey()
        clock.now += REPEAT_SECONDS
        journey()
        broken = False
        journey()
    first = (
        "Totals: could not count (OSError: disk full); the check goes on without counting. "
        "Further failures are logged at most once every 10 minutes."
    )
    assert totals_lines(caplog) == [
        ("ERROR", first),
        # The 5 failures after the first, of the first three journeys.
        ("WARNING", "Totals: counting works again (5 failures since the last line)."),
        (
            "ERROR",
            "Totals: could not count (OSError: disk full): 3 failures since the last line; "
            "the check goes on without counting.",
        ),
        ("WARNING", "Totals: counting works again (1 failure since the last line)."),
    ]
    assert all(r.exc_info is None for r in caplog.records), "no traceback"
    assert tally(app) == {("", "en"): (2, 2)}


def test_a_store_failing_now_and_then_is_logged_twice_in_ten_minutes_at_most():
    logger = logging.getLogger("tests.totals.intermittent")
    clock = Clock()
    failures = Failures("Totals: could not count", "going on", "Totals: works again", clock)
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    logger.addHandler(handler)
    try:
        # A failure and a success every 10 seconds, for half an hour.
        for _ in range(180):
            failures.failed(logger, TimeoutError("timed out"))
            clock.now += 5
            failures.worked(logger)
            clock.now += 5
        # Then it works for good: what was not told yet is, once 10 minutes are over.
        for _ in range(61):
            failures.worked(logger)
            clock.now += 10
    finally:
        logger.removeHandler(handler)
    lines = [(r.levelname, r.getMessage()) for r in records]
    assert lines == [
        (
            "ERROR",
            "Totals: could not count (TimeoutError: timed out); going on. "
            "Further failures are logged at most once every 10 minutes.",
        ),
        ("WARNING", "Totals: works again."),
        (
            "ERROR",
            "Totals: could not count (TimeoutError: timed out): "
            "60 failures since the last line; going on.",
        ),
        ("WARNING", "Totals: works again."),
        (
            "ERROR",
            "Totals: could not count (TimeoutError: timed out): "
            "60 failures since the last line; going on.",
        ),
        ("WARNING", "Totals: works again."),
        ("WARNING", "Totals: works again (59 failures since the last line)."),
    ]
    assert all(r.exc_info is None for r in records)


class Blocked(TotalsStore):
    """A store whose counts wait until ``go`` is set."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.go = threading.Event()

    def add(self, *args) -> None:
        assert self.go.wait(10)
        super().add(*args)


def test_when_too_many_counts_wait_one_is_dropped_and_that_is_logged(tmp_path, caplog):
    store = Blocked(f"sqlite:///{tmp_path}/totals.sqlite3")
    logger = logging.getLogger("tests.totals.dropped")
    counter = Counter(store, logger, size=2)
    with caplog.at_level(logging.INFO, logger=logger.name):
        # One is being written (waiting), two wait in the queue, the rest are dropped.
        counter.add("", "en", Event.STARTED, TODAY)
        deadline = time.monotonic() + 5
        while counter._queue.qsize() and time.monotonic() < deadline:
            time.sleep(0.01)
        started = time.monotonic()
        for _ in range(5):
            counter.add("", "en", Event.STARTED, TODAY)
        assert time.monotonic() - started < 0.5, "adding never waits"
        assert not counter.flush(0.1)
        store.go.set()
        assert counter.flush(10)
        counter.add("", "en", Event.FINISHED, TODAY)
        assert counter.flush(10)
    assert [(c.started, c.finished) for c in store.counts()] == [(3, 1)]
    assert totals_lines(caplog) == [
        (
            "ERROR",
            "Totals: a count was dropped (2 counts are waiting to be written); "
            "the check goes on without counting. "
            "Further failures are logged at most once every 10 minutes.",
        ),
        ("WARNING", "Totals: counts are kept again (2 failures since the last line)."),
    ]
    store.close()


def test_counts_still_queued_are_written_when_the_process_ends(tmp_path):
    """As when gunicorn stops or restarts a worker gracefully."""
    url = f"sqlite:///{tmp_path}/totals.sqlite3"
    script = f"""
import datetime, logging, time
from questionnaire.totals import Event
from questionnaire.totals_store import TIMEOUT_SECONDS, TotalsStore
from questionnaire.web.totals import Counter

class Slow(TotalsStore):
    def add(self, *args):
        time.sleep(0.05)
        super().add(*args)

counter = Counter(Slow({url!r}), logging.getLogger("totals"))
for _ in range(20):
    counter.add("", "en", Event.STARTED, datetime.date(2026, 3, 2))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=Path(__file__).parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert [c.started for c in TotalsStore(url).counts()] == [20]


def test_a_process_forked_after_counting_counts_with_a_thread_of_its_own(tmp_path):
    store = TotalsStore(f"sqlite:///{tmp_path}/totals.sqlite3")
    counter = Counter(store, logging.getLogger("tests.totals.forked"))
    counter.add("", "en", Event.STARTED, TODAY)
    assert counter.flush(10)

    def count_in_the_child() -> bytes:  # pragma: no cover (the child's coverage is not collected)
        counter.add("", "en", Event.FINISHED, TODAY)
        return b"written" if counter.flush(10) else b"not written"

    assert in_a_child(count_in_the_child) == b"written"
    assert [(c.started, c.finished) for c in store.counts()] == [(1, 1)]
    store.close()


def test_a_database_that_never_answers_holds_up_no_page(monkeypatch, caplog):
    """PostgreSQL hung (a port that takes connections and never answers): every page of
    a journey comes at once; counting fails, in its own thread, and is logged."""
    # Each request timed from its start until its response is closed (when what is
    # done after sending is done), without the test client's checks of the page.
    monkeypatch.setattr(conftest, "check_page", lambda response: None)
    with blackhole_postgresql() as url:
        app = make_app(TOTALS_URL=url)
        client = app.test_client()
        took: list[float] = []
        opened = client.open

        def timed(*args, **kwargs):
            started = time.monotonic()
            try:
                return opened(*args, **kwargs)
            finally:
                took.append(time.monotonic() - started)

        client.open = timed
        with caplog.at_level(logging.INFO, logger=app.logger.name):
            for _ in range(2):
                assert walk(client)[-1] == "/summary"
                page = client.get("/summary")
                response = client.post(
                    "/start-again", data={"csrf_token": hidden_fields(page)["csrf_token"]}
                )
                assert response.status_code == 303
            # A page that waited for a count would take TIMEOUT_SECONDS (2 s) at least.
            assert max(took) < TIMEOUT_SECONDS * 0.75, [round(t, 2) for t in took]
            # 4 counts, each given up after the connection's timeout.
            assert flush(app, 30)
        store_of(app).close()
    assert [level for level, _ in totals_lines(caplog)] == ["ERROR"]
    assert "Totals: could not count (" in caplog.text
    assert all(r.exc_info is None for r in caplog.records)


def test_report_day_is_a_day_over_an_hour_after_midnight():
    utc = datetime.UTC
    assert report_day(datetime.datetime(2026, 3, 9, 0, 59, tzinfo=utc)) == datetime.date(2026, 3, 8)
    assert report_day(datetime.datetime(2026, 3, 9, 1, 0, tzinfo=utc)) == datetime.date(2026, 3, 9)
    # Another time zone's clock, read in UTC: 01:30 on the 9th.
    new_york = datetime.timezone(datetime.timedelta(hours=-5))
    assert report_day(datetime.datetime(2026, 3, 8, 20, 30, tzinfo=new_york)) == (
        datetime.date(2026, 3, 9)
    )
    now = datetime.datetime.now(utc)
    assert report_day() in {(now - datetime.timedelta(hours=1)).date(), now.date()}


def test_the_summary_flag_leaves_the_cookie_as_long_as_before(tmp_path):
    """What marks a journey's summary as counted fits in the room the cookie's padding
    leaves, even with the longest answers: not a byte more on the wire."""
    app = totals_app(tmp_path)
    client = app.test_client()
    every_sign = ("yawning", "runny-nose", "goosebumps", "diarrhea", "aches", "sleep", "restless")
    walk(
        client,
        audience="other",
        safety="not-sure",
        use="not-as-prescribed",
        default="often",
        checklist=(*every_sign, "larger-pupils"),
    )
    with client.session_transaction() as session:
        data = dict(session)
    assert data.get("finished") is True
    serializer = CookieSessionInterface().get_signing_serializer(app)
    without = {key: value for key, value in data.items() if key != "finished"}
    assert len(serializer.dumps(data)) == len(serializer.dumps(without))


# The production server, over TLS: what a person's browser gets.


@pytest.fixture(scope="module")
def counted_server(tmp_path_factory) -> Iterator[tuple[ProductionServer, TotalsStore]]:
    folder = tmp_path_factory.mktemp("counted")
    url = f"sqlite:///{folder}/totals.sqlite3"
    with production_server(folder, {"SELFCHECK_TOTALS_URL": url}) as running:
        yield running, TotalsStore(url)


def _settled(store: TotalsStore, expected: dict) -> dict:
    """The counts once they reach ``expected`` (they are added after each response is sent)."""
    deadline = time.monotonic() + 10
    while True:
        seen = {
            (row.clinic, row.language): (row.started, row.finished)
            for row in store.counts()
            if row.day == TODAY
        }
        if seen == expected or time.monotonic() > deadline:
            return seen
        time.sleep(0.05)


def test_calm_and_alarming_journeys_change_every_counter_identically(counted_server):
    server, store = counted_server
    before = _settled(store, {})
    changes = []
    for choose, language in [(calm, "en"), (every_alarm, "en"), (calm, "es"), (every_alarm, "es")]:
        Journey(server.port, server.tls_context(), language).walk(choose)
        started, finished = before.get(("", language), (0, 0))
        expected = {**before, ("", language): (started + 1, finished + 1)}
        after = _settled(store, expected)
        changes.append(
            {
                key: (
                    after[key][0] - before.get(key, (0, 0))[0],
                    after[key][1] - before.get(key, (0, 0))[1],
                )
                for key in after
                if after[key] != before.get(key)
            }
        )
        before = after
    assert changes == [
        {("", "en"): (1, 1)},
        {("", "en"): (1, 1)},
        {("", "es"): (1, 1)},
        {("", "es"): (1, 1)},
    ]


def test_counting_adds_nothing_to_what_a_browser_gets(counted_server, tmp_path):
    """The same journey, sent to a server that counts and to one that does not: every
    request and response the same length, the same headers, no cookie more. The start
    page alone differs, on purpose: it says what is counted, when anything is."""
    server, _ = counted_server

    def exchanges(port, context):
        journey = Journey(port, context, "en")
        journey.walk(every_alarm)
        return [
            (
                e.method,
                e.path,
                e.status,
                e.sent,
                None if e.path == "/" else e.received,
                sorted(h for h, _ in e.headers),
            )
            for e in journey.exchanges
        ]

    with production_server(tmp_path, {"SELFCHECK_TOTALS_URL": "off"}) as uncounted:
        counted = exchanges(server.port, server.tls_context())
        assert counted[0][:2] == ("GET", "/")
        assert counted == exchanges(uncounted.port, uncounted.tls_context())


def test_a_database_that_is_down_never_breaks_a_page(tmp_path):
    """PostgreSQL down (nothing listens at its port): every journey reaches its summary,
    and the log has one line for it in each worker, with no traceback."""
    environment = {
        "SELFCHECK_TOTALS_URL": "postgresql+psycopg://selfcheck@127.0.0.1:9/totals",
        "WEB_CONCURRENCY": "2",
    }
    with production_server(tmp_path, environment) as server:
        for _ in range(4):
            journey = Journey(server.port, server.tls_context(), "en")
            journey.walk(calm)
            assert journey.exchanges[-1].status == 200
        lines = server.wait_for_log(r".*Totals: could not count.*")
    failures = [line for line in lines if "Totals: could not count" in line]
    assert 1 <= len(failures) <= 2, failures
    assert not [line for line in lines if "Traceback" in line]


def test_a_database_that_never_answers_holds_up_no_page_of_the_production_server(tmp_path):
    """The same, served by gunicorn as deployed, one worker: journeys walked at the same
    time, more counts than the worker has threads, each page answered at once."""
    with blackhole_postgresql() as url:
        environment = {"SELFCHECK_TOTALS_URL": url, "WEB_CONCURRENCY": "1"}
        with production_server(tmp_path, environment) as server:

            def journey(_: int) -> list[float]:
                walked = Journey(server.port, server.tls_context(), "en")
                took: list[float] = []
                send = walked.send

                def timed(*args):
                    started = time.monotonic()
                    try:
                        return send(*args)
                    finally:
                        took.append(time.monotonic() - started)

                walked.send = timed
                walked.walk(calm)
                assert walked.exchanges[-1].status == 200
                return took

            with ThreadPoolExecutor(max_workers=12) as people:
                took = [t for times in people.map(journey, range(12)) for t in times]
            lines = server.wait_for_log(r".*Totals: could not count.*")
    assert max(took) < TIMEOUT_SECONDS * 0.75, sorted(round(t, 2) for t in took)[-10:]
    assert len([line for line in lines if "Totals: could not count" in line]) == 1
    assert not [line for line in lines if "Traceback" in line]


# The operator's report.


def _seeded(tmp_path):
    app = totals_app(tmp_path, CONFIG=str(write_clinics(tmp_path, CLINICS)))
    store = store_of(app)
    slug = CLINICS["clinics"][0]["slug"]
    # The last week that is over (the week before this one, from an hour after midnight).
    last_monday = REPORT_DAY - datetime.timedelta(days=REPORT_DAY.weekday() + 7)
    for _ in range(30):
        store.add(slug, "en", Event.STARTED, last_monday)
    for _ in range(18):
        store.add(slug, "es", Event.FINISHED, last_monday + datetime.timedelta(days=2))
    for _ in range(3):
        store.add("", "en", Event.STARTED, last_monday)
    # Today's are not in any report yet: the week is not over.
    store.add(slug, "en", Event.STARTED, TODAY)
    return app, slug, last_monday


def test_the_totals_command_prints_every_clinic_by_week(tmp_path):
    app, slug, last_monday = _seeded(tmp_path)
    result = app.test_cli_runner().invoke(args=["totals", "--last", "2"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "clinic",
        "period",
        "started",
        "reached",
        "summary",
        "completion",
        "rate",
    ]
    week = last_monday.isoformat()
    rows = [re.split(r"\s{2,}", line) for line in lines[1:]]
    # Two weeks of three (two clinics and the check without one), and no total across
    # clinics.
    assert len(rows) == 6
    cells = {(row[0], row[1]): row[2:] for row in rows}
    assert cells[(slug, week)] == ["30", "18", "60%"]
    assert cells[("(no clinic)", week)] == ["fewer than 11", "0", "not shown"]
    assert "All clinics" not in result.output


def test_a_clinic_is_given_only_its_own_rows_as_csv(tmp_path):
    app = totals_app(tmp_path, CONFIG=str(write_clinics(tmp_path, CLINICS)))
    store = store_of(app)
    slug, other = (clinic["slug"] for clinic in CLINICS["clinics"][:2])
    last_month = (REPORT_DAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    for clinic, started, finished in [(slug, 40, 12), (other, 50, 50), ("", 20, 20)]:
        # Days each shown in a report by day as well: 20 or more started on two, all
        # those who reached the summary on a third.
        for number in range(started):
            store.add(clinic, "en", Event.STARTED, last_month + datetime.timedelta(days=number % 2))
        for _ in range(finished):
            store.add(clinic, "es", Event.FINISHED, last_month + datetime.timedelta(days=5))
    out = tmp_path / "totals.csv"
    result = app.test_cli_runner().invoke(
        args=["totals", "--clinic", slug, "--by", "month", "--last", "1", "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines() == [
        "clinic,period,started,reached summary,completion rate",
        f"{slug},{last_month.isoformat()},40,12,30%",
    ]


def test_the_totals_command_says_what_is_wrong(tmp_path):
    app, _, _ = _seeded(tmp_path)
    result = app.test_cli_runner().invoke(args=["totals", "--clinic", "nobody"])
    assert result.exit_code != 0 and "No clinic has the slug 'nobody'" in result.output
    off = make_app(TOTALS_URL="off").test_cli_runner().invoke(args=["totals"])
    assert off.exit_code != 0 and "Counting is off" in off.output


def test_the_totals_command_by_day(tmp_path):
    app, slug, last_monday = _seeded(tmp_path)
    result = app.test_cli_runner().invoke(args=["totals", "--by", "day", "--last", "14"])
    assert result.exit_code == 0, result.output
    day_rows = [line for line in result.output.splitlines() if line.startswith(slug)]
    assert len(day_rows) == 14
    assert TODAY.isoformat() not in result.output


def test_the_store_is_made_again_after_a_fork(tmp_path):
    app = totals_app(tmp_path)
    store = store_of(app)
    store.add("", "en", Event.STARTED, TODAY)
    first = store.engine()
    store._pid = -1  # as in a process forked from this one
    assert store.engine() is not first
    store.add("", "en", Event.STARTED, TODAY)
    assert tally(app) == {("", "en"): (2, 0)}


def test_the_start_page_says_what_is_counted_only_when_something_is(tmp_path):
    line = "We count only how many people start the check and how many get to the end"
    assert line in totals_app(tmp_path).test_client().get("/").get_data(as_text=True)
    assert line not in make_app(TOTALS_URL="off").test_client().get("/").get_data(as_text=True)


def test_the_totals_address_can_be_read_from_a_file(tmp_path, monkeypatch):
    """An address with a password, mounted as a secret, stays out of the environment."""
    monkeypatch.delenv("SELFCHECK_TOTALS_URL")
    secret = tmp_path / "totals_url"
    secret.write_text(f"sqlite:///{tmp_path}/from-file.sqlite3\n", encoding="utf-8")
    app = make_app(TOTALS_URL_FILE=str(secret))
    assert Path(str(store_of(app).url.database)) == tmp_path / "from-file.sqlite3"
    with pytest.raises(ConfigurationError, match="Both SELFCHECK_TOTALS_URL and"):
        make_app(TOTALS_URL="off", TOTALS_URL_FILE=str(secret))


def test_an_empty_totals_address_file_means_the_default(tmp_path, monkeypatch):
    monkeypatch.delenv("SELFCHECK_TOTALS_URL")
    secret = tmp_path / "totals_url"
    secret.write_text("", encoding="utf-8")
    app = make_app(TOTALS_URL_FILE=str(secret))
    assert Path(str(store_of(app).url.database)) == Path(app.instance_path) / DEFAULT_FILE

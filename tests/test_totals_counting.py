"""Counting the totals: two events a journey, the same whatever was answered, after the
response is sent, never breaking a page; and the operator's ``totals`` command."""

from __future__ import annotations

import datetime
import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import ConfigurationError
from questionnaire.totals import Event
from questionnaire.totals_store import TotalsStore
from questionnaire.web.padding import warm_up
from questionnaire.web.state import CookieSessionInterface
from questionnaire.web.totals import DEFAULT_FILE, store_of
from tests.conftest import make_app
from tests.server import ProductionServer, production_server
from tests.test_clinics import CLINICS, write_clinics
from tests.walk import CHECK, WHO, hidden_fields, walk
from tests.wire import Journey, calm, every_alarm

TODAY = datetime.datetime.now(datetime.UTC).date()


def totals_app(tmp_path: Path, **overrides):
    return make_app(TOTALS_URL=f"sqlite:///{tmp_path}/totals.sqlite3", **overrides)


def tally(app) -> dict[tuple[str, str], tuple[int, int]]:
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
    assert store_of(app).counts() == []


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


def test_a_failing_store_never_breaks_a_page_and_is_logged_once(tmp_path, monkeypatch, caplog):
    app = totals_app(tmp_path)
    store = store_of(app)
    broken = True

    def add(*args):
        if broken:
            raise OSError("disk full\nsecond line")
        TotalsStore.add(store, *args)

    monkeypatch.setattr(store, "add", add)
    with caplog.at_level(logging.INFO, logger=app.logger.name):
        for _ in range(3):
            assert walk(app.test_client())[-1] == "/summary"
        broken = False
        walk(app.test_client())
        broken = True
        walk(app.test_client())
    messages = [(r.levelname, r.getMessage()) for r in caplog.records if "Totals" in r.getMessage()]
    assert messages == [
        (
            "ERROR",
            "Totals: could not count (OSError: disk full); the check goes on without counting. "
            "Further failures are not logged until counting works again.",
        ),
        ("WARNING", "Totals: counting works again."),
        ("ERROR", messages[0][1]),
    ]
    assert all(r.exc_info is None for r in caplog.records), "no traceback"
    assert tally(app) == {("", "en"): (1, 1)}


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
    request and response the same length, the same headers, no cookie more."""
    server, _ = counted_server

    def exchanges(port, context):
        journey = Journey(port, context, "en")
        journey.walk(every_alarm)
        return [
            (e.method, e.path, e.status, e.sent, e.received, sorted(h for h, _ in e.headers))
            for e in journey.exchanges
        ]

    with production_server(tmp_path, {"SELFCHECK_TOTALS_URL": "off"}) as uncounted:
        assert exchanges(server.port, server.tls_context()) == exchanges(
            uncounted.port, uncounted.tls_context()
        )


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


# The operator's report.


def _seeded(tmp_path):
    app = totals_app(tmp_path, CONFIG=str(write_clinics(tmp_path, CLINICS)))
    store = store_of(app)
    slug = CLINICS["clinics"][0]["slug"]
    last_monday = TODAY - datetime.timedelta(days=TODAY.weekday() + 7)
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
    # Two weeks of three (two clinics and the check without one) and their total.
    assert len(rows) == 8
    cells = {(row[0], row[1]): row[2:] for row in rows}
    assert cells[(slug, week)] == ["30", "18", "60%"]
    assert cells[("(no clinic)", week)] == ["fewer than 11", "0", "not shown"]
    # 33 beside 30 would give the 3 away.
    assert cells[("All clinics", week)] == ["not shown", "18", "not shown"]


def test_a_clinic_is_given_only_its_own_rows_as_csv(tmp_path):
    app = totals_app(tmp_path, CONFIG=str(write_clinics(tmp_path, CLINICS)))
    store = store_of(app)
    slug, other = (clinic["slug"] for clinic in CLINICS["clinics"][:2])
    last_month = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    for clinic, started, finished in [(slug, 40, 12), (other, 50, 50), ("", 20, 20)]:
        for number in range(started):
            store.add(
                clinic, "en", Event.STARTED, last_month + datetime.timedelta(days=number % 28)
            )
        for _ in range(finished):
            store.add(clinic, "es", Event.FINISHED, last_month)
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

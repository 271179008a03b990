"""The totals store (questionnaire/totals_store.py) against both databases it supports:
a SQLite file, and a real PostgreSQL server (tests/postgres.py).

Each event lands in its clinic's, language's and day's row, and in its own
column; the table is made on first use; a store goes on working in a process
forked from the one that used it; and many processes, each with several
threads, counting at once into the same rows lose no count.
"""

from __future__ import annotations

import datetime
import multiprocessing
import multiprocessing.synchronize
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from questionnaire.totals import DayCount, Event
from questionnaire.totals_store import (
    KEEPALIVE_COUNT,
    KEEPALIVE_IDLE_SECONDS,
    KEEPALIVE_INTERVAL_SECONDS,
    TCP_USER_TIMEOUT_MS,
    TIMEOUT_SECONDS,
    StoreError,
    TotalsStore,
    sqlite_url,
    totals,
)
from tests.blackhole import blackhole_postgresql
from tests.forking import in_a_child
from tests.postgres import PostgresServer, postgres_server

DAY = datetime.date(2026, 3, 2)
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with postgres_server() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty database of each kind; PostgreSQL is started only when asked for."""
    if request.param == "sqlite":
        # In a folder not made yet: the store makes it.
        return sqlite_url(tmp_path / "instance" / "totals.sqlite3")
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.new_database()


@pytest.fixture
def stores(url: str) -> Iterator[Callable[[], TotalsStore]]:
    """Stores on the test's database, their connections closed at the end."""
    made: list[TotalsStore] = []

    def make() -> TotalsStore:
        made.append(TotalsStore(url))
        return made[-1]

    yield make
    for store in made:
        store.engine().dispose()


def table_names(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        return inspect(engine).get_table_names()
    finally:
        engine.dispose()


# ---- the table -------------------------------------------------------------


def test_the_table_is_made_on_first_use_and_holds_only_the_counts(url, stores):
    store = stores()
    assert store.backend == url.split(":")[0].split("+")[0]
    if store.backend == "sqlite":
        assert not Path(str(store.url.database)).parent.exists()
    else:
        assert table_names(url) == []
    assert store.counts() == []
    assert table_names(url) == [totals.name]
    engine = create_engine(url)
    try:
        columns = {column["name"] for column in inspect(engine).get_columns(totals.name)}
        key = inspect(engine).get_pk_constraint(totals.name)["constrained_columns"]
    finally:
        engine.dispose()
    assert columns == {"clinic", "language", "day", "started", "finished"}
    assert sorted(key) == ["clinic", "day", "language"]

    store.add("riverside", "en", Event.STARTED, DAY)
    # Another store on the same database (another release, another replica): the table is
    # there already, and what was counted is kept.
    again = stores()
    assert again.counts() == [DayCount("riverside", "en", DAY, 1, 0)]
    again.add("riverside", "en", Event.FINISHED, DAY)
    assert store.counts() == [DayCount("riverside", "en", DAY, 1, 1)]


def test_each_event_lands_in_its_own_row_and_column(stores):
    store = stores()
    later = DAY + datetime.timedelta(days=1)
    adds = [
        ("", "en", Event.STARTED, DAY),
        ("", "en", Event.STARTED, DAY),
        ("", "en", Event.FINISHED, DAY),
        ("", "es", Event.STARTED, DAY),
        ("riverside", "en", Event.STARTED, DAY),
        ("riverside", "en", Event.STARTED, DAY),
        ("riverside", "en", Event.STARTED, DAY),
        ("riverside", "en", Event.FINISHED, DAY),
        ("riverside", "en", Event.FINISHED, DAY),
        ("riverside", "en", Event.STARTED, later),
        # A summary reached on the day after its start: counted on its own day.
        ("hillside", "es", Event.FINISHED, later),
    ]
    for clinic, language, what, day in adds:
        store.add(clinic, language, what, day)
    assert store.counts() == [
        DayCount("", "en", DAY, 2, 1),
        DayCount("", "es", DAY, 1, 0),
        DayCount("riverside", "en", DAY, 3, 2),
        DayCount("hillside", "es", later, 0, 1),
        DayCount("riverside", "en", later, 1, 0),
    ]


def test_counts_are_filtered_by_clinic_and_from_a_day_on(stores):
    store = stores()
    days = [DAY + datetime.timedelta(days=n) for n in range(3)]
    for day in days:
        for clinic in ("", "riverside", "hillside"):
            store.add(clinic, "en", Event.STARTED, day)
    assert {c.clinic for c in store.counts()} == {"", "riverside", "hillside"}
    assert len(store.counts()) == 9
    only = store.counts(["riverside"])
    assert [(c.clinic, c.day) for c in only] == [("riverside", day) for day in days]
    assert {c.clinic for c in store.counts(["", "hillside"])} == {"", "hillside"}
    assert store.counts([]) == []
    since = store.counts(["riverside", ""], since=days[1])
    assert [(c.day, c.clinic) for c in since] == [
        (days[1], ""),
        (days[1], "riverside"),
        (days[2], ""),
        (days[2], "riverside"),
    ]
    assert store.counts(since=days[2] + datetime.timedelta(days=1)) == []


# ---- addresses it refuses ------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "not a database address",
        "mysql+pymysql://user@127.0.0.1/totals",
        "oracle://user@127.0.0.1/totals",
        "",
    ],
)
def test_an_address_it_cannot_use_is_a_store_error_at_once(bad):
    with pytest.raises(StoreError):
        TotalsStore(bad)


def test_a_driver_that_is_not_installed_is_a_store_error_when_first_used():
    store = TotalsStore("postgresql+nosuchdriver://postgres@127.0.0.1/postgres")
    with pytest.raises(StoreError, match="cannot use"):
        store.add("", "en", Event.STARTED, DAY)


def test_the_address_is_logged_without_its_password():
    store = TotalsStore("postgresql+psycopg://selfcheck:hunter2@db.example:5432/selfcheck")
    assert "hunter2" not in store.describe()
    assert store.describe() == "postgresql+psycopg://selfcheck:***@db.example:5432/selfcheck"


# ---- a database that never answers -------------------------------------------------


def test_threads_counting_into_a_database_that_never_answers_do_not_wait_for_each_other():
    """Each count is given up after the connection's timeout, whatever the process's
    other threads are doing: none waits for another's connection to be given up."""
    with blackhole_postgresql() as url:
        store = TotalsStore(url)
        ready = threading.Barrier(6)

        def add(_: int) -> tuple[float, str]:
            ready.wait(timeout=10)
            started = time.monotonic()
            try:
                store.add("", "en", Event.STARTED, DAY)
            except Exception as error:
                return time.monotonic() - started, type(error).__name__
            return time.monotonic() - started, "counted"

        with ThreadPoolExecutor(max_workers=6) as threads:
            ended = list(threads.map(add, range(6)))
        # Again, now that the first tries have failed: still each on its own.
        with ThreadPoolExecutor(max_workers=6) as threads:
            ended += list(threads.map(add, range(6)))
        store.close()
    # A connection timed out, or (beyond the pool's connections) a wait for one.
    assert {outcome for _, outcome in ended} <= {"OperationalError", "TimeoutError"}
    assert "OperationalError" in {outcome for _, outcome in ended}
    # Its own connection's timeout, after a wait for the pool at most: not the sum of
    # the others' (6 in turn would take 6 timeouts).
    assert max(took for took, _ in ended) < TIMEOUT_SECONDS * 3, ended


def test_postgresql_connections_give_up_on_a_server_that_stops_answering(postgres):
    """Not only the server's statement timeout: this side's own TCP timeouts."""
    store = TotalsStore(postgres.new_database())
    try:
        with store.engine().connect() as connection:
            parameters = connection.connection.dbapi_connection.info.get_parameters()
    finally:
        store.close()
    assert parameters["connect_timeout"] == str(TIMEOUT_SECONDS)
    assert parameters["tcp_user_timeout"] == str(TCP_USER_TIMEOUT_MS)
    assert parameters["keepalives"] == "1"
    assert parameters["keepalives_idle"] == str(KEEPALIVE_IDLE_SECONDS)
    assert parameters["keepalives_interval"] == str(KEEPALIVE_INTERVAL_SECONDS)
    assert parameters["keepalives_count"] == str(KEEPALIVE_COUNT)


# ---- a forked worker ----------------------------------------------------------


def test_a_store_used_before_a_fork_works_in_the_child_with_an_engine_of_its_own(stores):
    """gunicorn forks its workers from the master: a connection made before the fork
    must never be used by two processes."""
    store = stores()
    store.add("", "en", Event.STARTED, DAY)
    parent_engine = store.engine()
    # A connection of the parent's, checked out and back: it waits in the pool.
    with parent_engine.connect():
        pass

    def count_in_the_child() -> bytes:  # pragma: no cover (the child's coverage is not collected)
        for _ in range(5):
            store.add("", "en", Event.FINISHED, DAY)
        return b"own engine" if store.engine() is not parent_engine else b"the parent's engine"

    assert in_a_child(count_in_the_child) == b"own engine"
    # The parent's own connections still work, and see the child's counts.
    assert store.engine() is parent_engine
    store.add("", "en", Event.STARTED, DAY)
    assert store.counts() == [DayCount("", "en", DAY, 2, 5)]


# ---- many at once ---------------------------------------------------------------

PROCESSES = 4
THREADS = 4
ADDS = 50
CLINICS = ("", "riverside", "hillside")
LANGUAGES = ("en", "es")


def planned(process: int, thread: int) -> list[tuple[str, str, Event]]:
    """What one thread of one process counts: every mix of clinic, language and event."""
    plan = []
    for n in range(ADDS):
        seed = process * 7 + thread * 3 + n
        plan.append(
            (
                CLINICS[seed % len(CLINICS)],
                LANGUAGES[(seed // 3) % len(LANGUAGES)],
                Event.STARTED if (seed + process) % 3 else Event.FINISHED,
            )
        )
    return plan


def count_at_once(url: str, process: int, start: multiprocessing.synchronize.Barrier) -> None:
    """One worker process: its threads count their plans into one store, all at once.

    Its exit code is non-zero when any count failed."""
    store = TotalsStore(url)
    ready = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def work(thread: int) -> None:
        ready.wait(timeout=30)
        try:
            for clinic, language, what in planned(process, thread):
                store.add(clinic, language, what, DAY)
        except BaseException as error:
            failures.append(error)

    # Every process starts counting at the same moment, into a table not made yet.
    start.wait(timeout=60)
    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.engine().dispose()
    if failures:
        raise SystemExit(f"{len(failures)} threads failed; the first: {failures[0]!r}")


def row(count: DayCount) -> tuple[str, str]:
    return (count.clinic, count.language)


def test_many_processes_and_threads_counting_at_once_lose_no_count(url, stores):
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    workers = [
        context.Process(target=count_at_once, args=(url, p, start)) for p in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES

    sent: Counter[tuple[str, str, Event]] = Counter(
        step for p in range(PROCESSES) for t in range(THREADS) for step in planned(p, t)
    )
    # Every clinic, language and event is in the mix.
    assert len(sent) == len(CLINICS) * len(LANGUAGES) * len(Event)
    expected = sorted(
        (
            DayCount(
                clinic,
                language,
                DAY,
                sent[(clinic, language, Event.STARTED)],
                sent[(clinic, language, Event.FINISHED)],
            )
            for clinic in CLINICS
            for language in LANGUAGES
        ),
        key=row,
    )
    kept = sorted(stores().counts(), key=row)
    assert kept == expected
    assert sum(c.started + c.finished for c in kept) == PROCESSES * THREADS * ADDS


# ---- the production server ---------------------------------------------------------

JOURNEYS = 12


@pytest.mark.slow
def test_the_production_server_counts_every_journey_once_into_postgresql(postgres, tmp_path):
    """gunicorn as deployed (gunicorn.conf.py, TLS, two worker processes), counting
    journeys walked at the same time into PostgreSQL: each started once and finished
    once, and nothing else (the walk through the check at start-up is not counted)."""
    # Here, not at the top: the spawned workers above need not load the content.
    from tests.server import Visitor, production_server
    from tests.walk import ALARMED, QUIET

    url = postgres.new_database()
    settings = {"SELFCHECK_TOTALS_URL": url, "WEB_CONCURRENCY": "2"}
    with production_server(tmp_path / "server", settings) as server:
        with ThreadPoolExecutor(max_workers=JOURNEYS) as people:
            summaries = list(
                people.map(
                    lambda n: Visitor(server).walk(ALARMED if n % 2 else QUIET), range(JOURNEYS)
                )
            )
        assert all("</html>" in page for page in summaries)
        # Each count is added once its response has been sent: wait for the last ones.
        store = TotalsStore(url)
        try:
            deadline = time.monotonic() + 10
            while True:
                kept = store.counts()
                done = sum(c.finished for c in kept) >= JOURNEYS
                if done or time.monotonic() > deadline:
                    break
                time.sleep(0.1)
        finally:
            store.engine().dispose()
        log = server.log_lines()
    assert {(c.clinic, c.language) for c in kept} == {("", "en")}
    assert sum(c.started for c in kept) == JOURNEYS
    assert sum(c.finished for c in kept) == JOURNEYS
    assert not [line for line in log if "Totals:" in line], "\n".join(log)

"""Where the totals are kept: one table, in SQLite or PostgreSQL, through SQLAlchemy Core.

Each event adds one to its clinic's, language's and day's row with one
atomic statement (an upsert: ``INSERT ... ON CONFLICT DO UPDATE``), so any
number of workers, threads and replicas can count at once with none lost.

The table holds nothing but the counts: clinic, language, UTC day, and how
many started and reached the summary that day. Its migration story: the
table is made on first use when it is missing (``CREATE TABLE IF NOT
EXISTS``); a release that changes it adds a table of a new name and copies
the old one's rows into it, so that an older release still running beside it
during an upgrade keeps counting into the table it knows.
"""

from __future__ import annotations

import datetime
import os
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Date,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.expression import Executable

from questionnaire.totals import DayCount, Event

metadata = MetaData()

totals = Table(
    "selfcheck_totals",
    metadata,
    # "" for the check without a clinic.
    Column("clinic", String(64), primary_key=True),
    Column("language", String(16), primary_key=True),
    # The UTC day, never a finer time.
    Column("day", Date, primary_key=True),
    Column("started", Integer, nullable=False, server_default="0"),
    Column("finished", Integer, nullable=False, server_default="0"),
)

# Turns counting off altogether (SELFCHECK_TOTALS_URL=off).
OFF = "off"
# How long a connection, or a wait for a lock, may take before the count is given up:
# counts are added by a thread of their own (questionnaire.web.totals), which
# writes one at a time.
TIMEOUT_SECONDS = 2
# PostgreSQL: how long sent data may go unacknowledged before the connection is
# given up (milliseconds), and the keepalive probes of an idle connection: after
# KEEPALIVE_IDLE_SECONDS of silence, one every KEEPALIVE_INTERVAL_SECONDS, given
# up after KEEPALIVE_COUNT unanswered.
TCP_USER_TIMEOUT_MS = 5_000
KEEPALIVE_IDLE_SECONDS, KEEPALIVE_INTERVAL_SECONDS, KEEPALIVE_COUNT = 30, 5, 3
# The lock PostgreSQL sessions take turns under to make the table (any fixed
# number): without it, two workers first counting at once can both try to make
# it, and one fails, even with IF NOT EXISTS.
MAKE_TABLE_LOCK = 7_514_210_021
# Connections each process keeps to PostgreSQL, and may open beyond them at a
# busy moment: a count is one short statement, and many workers and replicas
# share the server's limit (100 by default).
POOL_SIZE, POOL_OVERFLOW = 2, 2


class StoreError(RuntimeError):
    """The totals store cannot be used: a bad address, or a driver that is not installed."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class TotalsStore:
    """The counts, in the database at ``url`` (SQLAlchemy's form).

    The engine is made in the process that first uses it, and again in a
    process forked from it (gunicorn's workers): a connection is never shared
    across a fork.
    """

    def __init__(self, url: str) -> None:
        try:
            self.url = make_url(url)
        except Exception as error:
            raise StoreError(f"{url!r} is not a database address: {error}") from None
        if self.url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise StoreError(
                f"the totals can be kept in SQLite or PostgreSQL, not {self.url.drivername}"
            )
        self._engine: Engine | None = None
        self._pid = 0
        self._made = False
        self._lock = threading.Lock()
        # SQLite lets one writer in at a time, and a writer kept waiting long
        # enough gives up: the threads of one process take turns here, fairly,
        # so that only processes wait for the file's lock.
        self._write_lock = threading.Lock() if self.backend == "sqlite" else None
        # The statements, made once: one for each event.
        self._adds = {what: _add_statement(self.backend, what) for what in Event}

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    def describe(self) -> str:
        """The address without its password, for logs."""
        return self.url.render_as_string(hide_password=True)

    def engine(self) -> Engine:
        """This process's engine, its table made.

        The lock is held only to swap the engine, never to connect: a database
        that is slow or does not answer keeps no other thread waiting. Threads
        that find the table not made yet may each try to make it, which is safe
        (``CREATE TABLE IF NOT EXISTS``, made by one process at a time).
        """
        pid = os.getpid()
        with self._lock:
            if self._engine is None or self._pid != pid:
                if self._engine is not None:
                    # Forked: leave the parent's connections to the parent.
                    self._engine.dispose(close=False)
                self._engine = self._make_engine()
                self._pid = pid
                self._made = False
            engine, made = self._engine, self._made
        if not made:
            self._make_table(engine)
            with self._lock:
                if self._engine is engine:
                    self._made = True
        return engine

    def _make_table(self, engine: Engine) -> None:
        """The table, made if it is missing, by one process at a time (PostgreSQL's
        advisory lock; for SQLite, the file's lock, the process's threads in turn)."""
        if self._write_lock is not None and not self._write_lock.acquire(timeout=TIMEOUT_SECONDS):
            raise TimeoutError(
                f"waited {TIMEOUT_SECONDS} s for this process's turn to make the table"
            )
        try:
            with engine.begin() as connection:
                if self.backend == "postgresql":
                    connection.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": MAKE_TABLE_LOCK}
                    )
                connection.execute(CreateTable(totals, if_not_exists=True))
        finally:
            if self._write_lock is not None:
                self._write_lock.release()

    def close(self) -> None:
        """Close this process's connections (a later use opens new ones)."""
        with self._lock:
            if self._engine is not None and self._pid == os.getpid():
                self._engine.dispose()
            self._engine = None

    def _make_engine(self) -> Engine:
        options: dict[str, Any] = {}
        if self.backend == "sqlite":
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            options["connect_args"] = {"timeout": TIMEOUT_SECONDS}
        else:
            options["connect_args"] = {
                "connect_timeout": TIMEOUT_SECONDS,
                "options": f"-c statement_timeout={TIMEOUT_SECONDS * 1000}",
                # A server that stops answering (blackholed, its host gone) is given
                # up on by this side too: data sent and not acknowledged within
                # TCP_USER_TIMEOUT_MS, or a connection silent for long whose
                # keepalive probes go unanswered, ends the connection.
                "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
                "keepalives": 1,
                "keepalives_idle": KEEPALIVE_IDLE_SECONDS,
                "keepalives_interval": KEEPALIVE_INTERVAL_SECONDS,
                "keepalives_count": KEEPALIVE_COUNT,
            }
            options["pool_pre_ping"] = True
            options.update(
                pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW, pool_timeout=TIMEOUT_SECONDS
            )
        try:
            engine = create_engine(self.url, **options)
        except Exception as error:
            raise StoreError(f"cannot use {self.describe()}: {error}") from None
        if self.backend == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def add(self, clinic: str, language: str, what: Event, day: datetime.date) -> None:
        """One more ``what`` for this clinic, language and day, in one atomic statement."""
        engine = self.engine()
        row = {"clinic": clinic, "language": language, "day": day}
        if self._write_lock is None:
            with engine.begin() as connection:
                connection.execute(self._adds[what], row)
            return
        if not self._write_lock.acquire(timeout=TIMEOUT_SECONDS):
            raise TimeoutError(f"waited {TIMEOUT_SECONDS} s for this process's turn to count")
        try:
            with engine.begin() as connection:
                connection.execute(self._adds[what], row)
        finally:
            self._write_lock.release()

    def counts(
        self, clinics: list[str] | None = None, since: datetime.date | None = None
    ) -> list[DayCount]:
        """The rows kept, of ``clinics`` only (all when None), from ``since`` on."""
        query = select(totals).order_by(totals.c.day, totals.c.clinic, totals.c.language)
        if clinics is not None:
            query = query.where(totals.c.clinic.in_(clinics))
        if since is not None:
            query = query.where(totals.c.day >= since)
        with self.engine().connect() as connection:
            return [
                DayCount(row.clinic, row.language, row.day, row.started, row.finished)
                for row in connection.execute(query)
            ]


def _add_statement(backend: str, what: Event) -> Executable:
    """``INSERT ... ON CONFLICT DO UPDATE``: a new row with a count of one, or one more."""
    insert = postgresql.insert if backend == "postgresql" else sqlite.insert
    statement = insert(totals).values(
        clinic=bindparam("clinic"),
        language=bindparam("language"),
        day=bindparam("day"),
        started=int(what is Event.STARTED),
        finished=int(what is Event.FINISHED),
    )
    return statement.on_conflict_do_update(
        index_elements=[totals.c.clinic, totals.c.language, totals.c.day],
        set_={what.value: totals.c[what.value] + 1},
    )


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """Write-ahead logging: workers counting at once wait for each other's short writes,
    and never for a reader."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # Safe with write-ahead logging, and each commit no longer waits for the disk:
    # with it, many workers counting at once stayed within the busy timeout.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={TIMEOUT_SECONDS * 1000}")
    cursor.close()

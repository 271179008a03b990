"""Totals on the web: counting the two events, and the operator's ``totals`` command.

A journey is counted twice at most: when its first answer is saved, and when
its answers are confirmed (the summary follows). Counting happens after the
response has been sent: it adds no request, cookie, header or byte to what a
person receives, and no wait. The request only puts the event in its
process's queue (``Counter``); one thread of the process writes the queue to
the store, so that a slow or hung database never holds up a page. A store
that fails never breaks a page: the check goes on, and the failures are
logged sparingly (``Failures``).

Pages rendered to measure or to copy them (padding, the review copy) and the
walk through the check at start-up are never counted.
"""

from __future__ import annotations

import atexit
import csv
import datetime
import io
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, after_this_request, current_app, request
from flask.cli import with_appcontext
from flask_babel import get_locale
from werkzeug.wrappers import Response

from questionnaire.totals import (
    NO_CLINIC,
    Event,
    Period,
    Report,
    last_periods,
    report,
)
from questionnaire.totals_store import OFF, StoreError, TotalsStore, sqlite_url
from questionnaire.web.context import CLINIC, CLINICS
from questionnaire.web.rendering import MEASURING

# The app's store (None when counting is off).
STORE = "selfcheck_totals_store"
# The app's ``Counter`` (None when counting is off).
COUNTER = "selfcheck_totals_counter"
# Set on a request that must not be counted: the walk through the check at start-up.
UNCOUNTED = "selfcheck.uncounted"
# The file the totals are kept in by default, in the app's instance folder.
DEFAULT_FILE = "totals.sqlite3"
# How many periods the operator's report and a clinic's page cover.
DEFAULT_PERIODS = 12
# How many counts a process keeps waiting to be written, at most: beyond them
# (a store down or slow for long), a count is dropped, and that is logged.
QUEUE_SIZE = 10_000
# How long a process that ends waits for its counts still queued to be written.
EXIT_SECONDS = 3.0
# A failure that goes on is logged at most once in this many seconds.
REPEAT_SECONDS = 600
# How long after a UTC midnight a day still counts as going on in a report: a
# count is added a moment after its request (whose day it is), and a
# replica's clock may be a little slow.
GRACE = datetime.timedelta(hours=1)


class TotalsError(RuntimeError):
    """SELFCHECK_TOTALS_URL cannot be used."""


def init_totals(app: Flask) -> None:
    """The store SELFCHECK_TOTALS_URL names (a file in the instance folder when unset;
    ``off`` for none), and the ``totals`` command."""
    url = app.config.get("TOTALS_URL")
    if url is None or str(url).strip() == "":
        url = sqlite_url(Path(app.instance_path) / DEFAULT_FILE)
    if str(url).strip().lower() == OFF:
        app.extensions[STORE] = None
        app.extensions[COUNTER] = None
    else:
        try:
            store = TotalsStore(str(url).strip())
        except StoreError as error:
            raise TotalsError(f"SELFCHECK_TOTALS_URL: {error}") from None
        app.extensions[STORE] = store
        app.extensions[COUNTER] = Counter(store, app.logger)
    app.cli.add_command(totals_command)


def store_of(app: Flask) -> TotalsStore | None:
    store: TotalsStore | None = app.extensions.get(STORE)
    return store


def counter_of(app: Flask) -> Counter | None:
    counter: Counter | None = app.extensions.get(COUNTER)
    return counter


def report_day(now: datetime.datetime | None = None) -> datetime.date:
    """The day reports count back from: the periods shown are those over before it.

    The UTC day of an hour ago (``GRACE``): just after midnight, yesterday is
    not over yet, for counts of its last requests may still be on their way.
    """
    if now is None:
        now = datetime.datetime.now(datetime.UTC)
    return (now.astimezone(datetime.UTC) - GRACE).date()


class Failures:
    """Something that may fail for every person for a while, logged sparingly.

    The first failure is logged at once, in one line without a traceback (the
    error's type and the first line of its message); while failures go on, one
    line at most every ``REPEAT_SECONDS``, saying how many failed since the
    last line. "Works again" is logged at the first success after a failure
    was logged, and not again until another failure is: a store that fails
    now and then makes two lines in ``REPEAT_SECONDS`` at most. Failures not
    logged yet are told with the next line, whichever it is.
    """

    def __init__(
        self,
        failed: str,
        consequence: str,
        recovered: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # "Totals: could not count"; "the check goes on without counting";
        # "Totals: counting works again".
        self.failed_text, self.consequence, self.recovered_text = failed, consequence, recovered
        # Seconds, from any start; tests give a clock of their own.
        self.clock = clock
        self._lock = threading.Lock()
        # Whether a failure was logged and no success since.
        self._failing = False
        # When the last failure was logged (None: never).
        self._logged: float | None = None
        # Failures since the last line, not logged.
        self._untold = 0

    def failed(self, logger: logging.Logger, error: BaseException | str) -> None:
        with self._lock:
            now = self.clock()
            if self._logged is not None and now - self._logged < REPEAT_SECONDS:
                self._untold += 1
                return
            first, untold = self._logged is None, self._untold + 1
            self._logged, self._untold, self._failing = now, 0, True
        if first:
            logger.error(
                "%s (%s); %s. Further failures are logged at most once every %d minutes.",
                self.failed_text,
                describe(error),
                self.consequence,
                REPEAT_SECONDS // 60,
            )
        else:
            logger.error(
                "%s (%s): %s since the last line; %s.",
                self.failed_text,
                describe(error),
                _failures(untold),
                self.consequence,
            )

    def worked(self, logger: logging.Logger) -> None:
        # Without the lock when there is nothing to tell: this is every count.
        if not self._failing and not self._untold:
            return
        with self._lock:
            now = self.clock()
            due = self._untold > 0 and (
                self._logged is None or now - self._logged >= REPEAT_SECONDS
            )
            if not self._failing and not due:
                return
            untold, self._untold, self._failing = self._untold, 0, False
        if untold:
            logger.warning("%s (%s since the last line).", self.recovered_text, _failures(untold))
        else:
            logger.warning("%s.", self.recovered_text)


def _failures(number: int) -> str:
    return f"{number} failure" if number == 1 else f"{number} failures"


def describe(error: BaseException | str) -> str:
    """An error in one line: its type and the first line of its message."""
    if isinstance(error, str):
        return error
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


Count = tuple[str, str, Event, datetime.date]


class Counter:
    """A process's counts on their way to the store: a bounded queue, written by one thread.

    The thread is started in the process that first counts, and again in a
    process forked from it (gunicorn's workers, forked from the master that
    loaded the app, which never counts): a thread does not survive a fork.
    """

    def __init__(
        self,
        store: TotalsStore,
        logger: logging.Logger,
        size: int = QUEUE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store, self.logger, self.size = store, logger, size
        self.failures = Failures(
            "Totals: could not count",
            "the check goes on without counting",
            "Totals: counting works again",
            clock,
        )
        self.drops = Failures(
            "Totals: a count was dropped",
            "the check goes on without counting",
            "Totals: counts are kept again",
            clock,
        )
        self._queue: queue.Queue[Count] | None = None
        self._pid = 0
        self._lock = threading.Lock()
        _COUNTERS.add(self)

    def add(self, clinic: str, language: str, what: Event, day: datetime.date) -> None:
        """Queue one count, without waiting: dropped when the queue is full."""
        try:
            self._here().put_nowait((clinic, language, what, day))
        except queue.Full:
            self.drops.failed(self.logger, f"{self.size} counts are waiting to be written")
        else:
            self.drops.worked(self.logger)

    def flush(self, timeout: float) -> bool:
        """Wait until every count queued in this process is written (or failed), at most
        ``timeout`` seconds: whether they all were."""
        waiting = self._queue if self._pid == os.getpid() else None
        if waiting is None:
            return True
        deadline = time.monotonic() + timeout
        with waiting.all_tasks_done:
            while waiting.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                waiting.all_tasks_done.wait(left)
        return True

    def _here(self) -> queue.Queue[Count]:
        """This process's queue, and its thread started."""
        pid = os.getpid()
        if self._pid != pid or self._queue is None:
            with self._lock:
                if self._pid != pid or self._queue is None:
                    waiting: queue.Queue[Count] = queue.Queue(self.size)
                    threading.Thread(
                        target=self._write, args=(waiting,), name="totals", daemon=True
                    ).start()
                    self._queue, self._pid = waiting, pid
        return self._queue

    def _write(self, waiting: queue.Queue[Count]) -> None:
        while True:
            clinic, language, what, day = waiting.get()
            try:
                self.store.add(clinic, language, what, day)
            except Exception as error:
                self.failures.failed(self.logger, error)
            else:
                self.failures.worked(self.logger)
            finally:
                waiting.task_done()


# Every counter, so that counts still queued are written when the process ends.
_COUNTERS: weakref.WeakSet[Counter] = weakref.WeakSet()


@atexit.register
def _flush_at_exit() -> None:
    """A worker that is stopped gracefully writes what it queued, for a short while."""
    deadline = time.monotonic() + EXIT_SECONDS
    for counter in list(_COUNTERS):
        counter.flush(max(deadline - time.monotonic(), 0))


def flush(app: Flask, timeout: float = 10) -> bool:
    """Wait until every count this process queued for ``app`` is in the store (or failed),
    at most ``timeout`` seconds: whether they all were."""
    counter = counter_of(app)
    return counter is None or counter.flush(timeout)


def count(what: Event) -> None:
    """Count ``what`` for this request's clinic and language, once the response is sent."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    counter = counter_of(app)
    if counter is None or request.environ.get(MEASURING) or request.environ.get(UNCOUNTED):
        return
    clinic = str(request.environ.get(CLINIC) or NO_CLINIC)
    language = get_locale().language
    day = datetime.datetime.now(datetime.UTC).date()

    def add() -> None:
        counter.add(clinic, language, what, day)

    @after_this_request
    def after_sending(response: Response) -> Response:
        # Only a response that is sent: a request that failed after counting is not counted.
        response.call_on_close(add)
        return response


def clinics_of(app: Flask) -> list[str]:
    """Every clinic the app serves, the check without a clinic first."""
    clinics = app.extensions.get(CLINICS)
    return [NO_CLINIC, *(clinic.slug for clinic in clinics.clinics)] if clinics else [NO_CLINIC]


def make_report(
    store: TotalsStore, clinics: list[str], period: Period, periods: int, today: datetime.date
) -> Report:
    """The last ``periods`` periods that are over, for ``clinics`` only."""
    starts = last_periods(today, period, periods)
    return report(store.counts(clinics, since=starts[0]), period, starts, clinics)


def clinic_name(clinic: str) -> str:
    return clinic or "(no clinic)"


COLUMNS = ("clinic", "period", "started", "reached summary", "completion rate")


def report_rows(made: Report) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            clinic_name(row.clinic),
            row.period.isoformat(),
            str(row.started),
            str(row.finished),
            str(row.rate),
        )
        for row in made.rows
    ]


def as_csv(made: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(report_rows(made))
    return out.getvalue()


def as_text(made: Report) -> str:
    rows = [COLUMNS, *report_rows(made)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    return "\n".join(lines) + "\n"


@click.command("totals")
@click.option(
    "--by",
    "period",
    type=click.Choice([p.value for p in Period]),
    default=Period.WEEK.value,
    show_default=True,
    help="Add the days up by day, week (from Monday) or month.",
)
@click.option(
    "--last",
    "periods",
    type=click.IntRange(1, 520),
    default=DEFAULT_PERIODS,
    show_default=True,
    help="How many periods, counting back from the last one that is over.",
)
@click.option("--clinic", "only", help="One clinic's rows only (its slug).")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the table to this CSV file.",
)
@with_appcontext
def totals_command(period: str, periods: int, only: str | None, csv_file: Path | None) -> None:
    """How many people started the check and reached its summary, by clinic and period.

    Counts from 1 to 10, and any figure they could be worked out from, read
    "fewer than 11". Periods still going on are left out.
    """
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    store = store_of(app)
    if store is None:
        raise click.ClickException("Counting is off (SELFCHECK_TOTALS_URL=off).")
    clinics = clinics_of(app)
    if only is not None:
        if only not in clinics:
            raise click.ClickException(f"No clinic has the slug {only!r}.")
        clinics = [only]
    try:
        made = make_report(store, clinics, Period(period), periods, report_day())
    except Exception as error:
        raise click.ClickException(
            f"Cannot read the totals from {store.describe()}: {error}"
        ) from None
    click.echo(as_text(made), nl=False)
    if csv_file is not None:
        csv_file.write_text(as_csv(made), encoding="utf-8")
        click.echo(f"Written to {csv_file}.")

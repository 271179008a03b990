"""Totals on the web: counting the two events, and the operator's ``totals`` command.

A journey is counted twice at most: when its first answer is saved, and when
its answers are confirmed (the summary follows). Counting happens after the
response has been sent: it adds no request, cookie, header or byte to what a
person receives, and no wait. A store that fails never breaks a page: the
check goes on, and the failure is logged once (again only after counting has
worked in between).

Pages rendered to measure or to copy them (padding, the review copy) and the
walk through the check at start-up are never counted.
"""

from __future__ import annotations

import csv
import datetime
import io
import threading
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
# Set on a request that must not be counted: the walk through the check at start-up.
UNCOUNTED = "selfcheck.uncounted"
# The file the totals are kept in by default, in the app's instance folder.
DEFAULT_FILE = "totals.sqlite3"
# How many periods the operator's report and a clinic's page cover.
DEFAULT_PERIODS = 12


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
    else:
        try:
            app.extensions[STORE] = TotalsStore(str(url).strip())
        except StoreError as error:
            raise TotalsError(f"SELFCHECK_TOTALS_URL: {error}") from None
    app.extensions[_FAILING] = _Failing()
    app.cli.add_command(totals_command)


def store_of(app: Flask) -> TotalsStore | None:
    store: TotalsStore | None = app.extensions.get(STORE)
    return store


_FAILING = "selfcheck_totals_failing"


class _Failing:
    """Whether the last count failed, so that a failing store is logged once, not each time."""

    def __init__(self) -> None:
        self.failing = False
        self.lock = threading.Lock()

    def failed(self, app: Flask, error: Exception) -> None:
        with self.lock:
            first, self.failing = not self.failing, True
        if first:
            # One line, no traceback: the store may fail for every person for a while.
            app.logger.error(
                "Totals: could not count (%s: %s); the check goes on without counting. "
                "Further failures are not logged until counting works again.",
                type(error).__name__,
                _first_line(error),
            )

    def worked(self, app: Flask) -> None:
        if self.failing:
            with self.lock:
                was, self.failing = self.failing, False
            if was:
                app.logger.warning("Totals: counting works again.")


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else ""


def count(what: Event) -> None:
    """Count ``what`` for this request's clinic and language, once the response is sent."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    store = store_of(app)
    if store is None or request.environ.get(MEASURING) or request.environ.get(UNCOUNTED):
        return
    clinic = str(request.environ.get(CLINIC) or NO_CLINIC)
    language = get_locale().language
    day = datetime.datetime.now(datetime.UTC).date()

    def add() -> None:
        failing: _Failing = app.extensions[_FAILING]
        try:
            store.add(clinic, language, what, day)
        except Exception as error:
            failing.failed(app, error)
        else:
            failing.worked(app)

    @after_this_request
    def after_sending(response: Response) -> Response:
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


def clinic_name(clinic: str | None) -> str:
    if clinic is None:
        return "All clinics"
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
    today = datetime.datetime.now(datetime.UTC).date()
    try:
        made = make_report(store, clinics, Period(period), periods, today)
    except Exception as error:
        raise click.ClickException(
            f"Cannot read the totals from {store.describe()}: {error}"
        ) from None
    click.echo(as_text(made), nl=False)
    if csv_file is not None:
        csv_file.write_text(as_csv(made), encoding="utf-8")
        click.echo(f"Written to {csv_file}.")

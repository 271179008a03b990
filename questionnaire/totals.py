"""Totals for clinics: how many people started the check, and how many reached its summary.

Only two events are counted, and every journey has them whatever was
answered: the check started (its first answer saved), and the summary
reached. Each is counted per clinic ("" for the check without a clinic),
language and UTC day, and nothing else: no page, answer, audience, time of
day, address or identifier of any kind.

A report adds the days up by day, week (from Monday) or month, and shows only
periods that are over: a period still going on, looked at twice, would tell
how many people came in between. Every count from 1 to 10 is shown as
"fewer than 11", and any figure from which such a count could be worked out
is not shown either (complementary suppression):

- in a row, the difference between the two counts (how many did not reach the
  summary): when it is 1 to 10, the summary count is not shown;
- a rate is shown only when both its counts are;
- the all-clinics total of a period, when it and the counts shown beside it
  would give the sum of the ones not shown as 1 to 10.

Zero stays zero: it tells nothing about anyone.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Event(StrEnum):
    """What is counted: events every journey has, whatever the answers."""

    # The first answer saved.
    STARTED = "started"
    # The answers confirmed, and the summary shown: once a journey.
    FINISHED = "finished"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


# Counts below this are never shown (CMS's cell size suppression policy: 1 to 10).
SMALLEST_SHOWN = 11
# What a count that is not shown reads as.
FEWER = f"fewer than {SMALLEST_SHOWN}"
# What a larger count, hidden because a small one could be worked out from it, reads as.
HIDDEN = "not shown"
# The name of the check without a clinic, in reports.
NO_CLINIC = ""


@dataclass(frozen=True)
class DayCount:
    """One day's counts for one clinic and language, as the store keeps them."""

    clinic: str
    language: str
    day: datetime.date
    started: int
    finished: int


def period_start(day: datetime.date, period: Period) -> datetime.date:
    """The first day of the period ``day`` falls in (weeks start on Monday)."""
    match period:
        case Period.DAY:
            return day
        case Period.WEEK:
            return day - datetime.timedelta(days=day.weekday())
        case Period.MONTH:
            return day.replace(day=1)


def next_period(start: datetime.date, period: Period) -> datetime.date:
    """The first day of the period after the one starting on ``start``."""
    match period:
        case Period.DAY:
            return start + datetime.timedelta(days=1)
        case Period.WEEK:
            return start + datetime.timedelta(days=7)
        case Period.MONTH:
            return (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def last_periods(today: datetime.date, period: Period, count: int) -> list[datetime.date]:
    """The first days of the ``count`` periods that ended before ``today``, oldest first."""
    starts = [period_start(today, period)]
    for _ in range(count):
        starts.append(period_start(starts[-1] - datetime.timedelta(days=1), period))
    return sorted(starts[1:])


@dataclass(frozen=True)
class Figure:
    """A count as a report shows it: its value, or None when it is not shown.

    A count of 1 to 10 reads "fewer than 11"; a larger one hidden because a
    count of 1 to 10 could be worked out from it reads "not shown" (it is not
    fewer than 11, and saying so would be untrue).
    """

    value: int | None
    small: bool = False

    @classmethod
    def of(cls, count: int, shown: bool) -> Figure:
        return cls(count) if shown else cls(None, small=_small(count))

    def __str__(self) -> str:
        if self.value is not None:
            return str(self.value)
        return FEWER if self.small else HIDDEN


@dataclass(frozen=True)
class Rate:
    """The share of people who started and reached the summary, in whole percent.

    ``value`` is None when it is not shown (one of its counts is not), or when
    no one started (``no_starts``).
    """

    value: int | None
    no_starts: bool = False

    def __str__(self) -> str:
        if self.no_starts:
            return "no starts"
        return HIDDEN if self.value is None else f"{self.value}%"


@dataclass(frozen=True)
class Row:
    """One clinic's counts for one period; ``clinic`` is None for the all-clinics total."""

    clinic: str | None
    period: datetime.date
    started: Figure
    finished: Figure
    rate: Rate


@dataclass(frozen=True)
class Report:
    period: Period
    # The first days of the periods reported on, oldest first.
    periods: tuple[datetime.date, ...]
    clinics: tuple[str, ...]
    # By period, then clinic (the all-clinics total last, when there are several).
    rows: tuple[Row, ...]


def _small(count: int) -> bool:
    return 0 < abs(count) < SMALLEST_SHOWN


def _row(clinic: str | None, period: datetime.date, started: int, finished: int) -> Row:
    show_started = not _small(started)
    # How many did not reach the summary is a count too: never 1 to 10 by subtraction.
    show_finished = not _small(finished) and not (show_started and _small(started - finished))
    return _rated(clinic, period, started, finished, show_started, show_finished)


def _rated(
    clinic: str | None,
    period: datetime.date,
    started: int,
    finished: int,
    show_started: bool,
    show_finished: bool,
) -> Row:
    if started == 0:
        rate = Rate(None, no_starts=show_started)
    elif show_started and show_finished:
        # Halves round up, as a person does: 72.5% reads 73%.
        rate = Rate((200 * finished + started) // (2 * started))
    else:
        rate = Rate(None)
    return Row(
        clinic,
        period,
        Figure.of(started, show_started),
        Figure.of(finished, show_finished),
        rate,
    )


def _total(period: datetime.date, rows: Sequence[Row], sums: tuple[int, int]) -> Row:
    """The all-clinics row of a period: a total is not shown when it would give away the
    counts not shown beside it (their sum, worked out by subtraction, 1 to 10)."""
    started, finished = sums
    shown_started = sum(row.started.value or 0 for row in rows)
    shown_finished = sum(row.finished.value or 0 for row in rows)
    show_started = not _small(started) and not _small(started - shown_started)
    show_finished = (
        not _small(finished)
        and not _small(finished - shown_finished)
        and not (show_started and _small(started - finished))
    )
    return _rated(None, period, started, finished, show_started, show_finished)


def report(
    counts: Iterable[DayCount],
    period: Period,
    periods: Sequence[datetime.date],
    clinics: Sequence[str],
) -> Report:
    """The counts of ``clinics`` (and only theirs) added up by ``period``, for the periods
    starting on ``periods``, with the suppression the module describes. Every clinic has
    a row in every period, zero or not; with several clinics, each period ends with the
    all-clinics total."""
    wanted = set(periods)
    sums: dict[tuple[str, datetime.date], list[int]] = defaultdict(lambda: [0, 0])
    for count in counts:
        start = period_start(count.day, period)
        if count.clinic in clinics and start in wanted:
            cell = sums[(count.clinic, start)]
            cell[0] += count.started
            cell[1] += count.finished
    rows: list[Row] = []
    for start in sorted(wanted):
        own = [_row(clinic, start, *sums[(clinic, start)]) for clinic in clinics]
        rows.extend(own)
        if len(clinics) > 1:
            total = (
                sum(sums[(clinic, start)][0] for clinic in clinics),
                sum(sums[(clinic, start)][1] for clinic in clinics),
            )
            rows.append(_total(start, own, total))
    return Report(period, tuple(sorted(wanted)), tuple(clinics), tuple(rows))

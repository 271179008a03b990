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
  summary): when it is 1 to 10, one of the two is not shown (the one that
  cannot be worked out from other figures);
- a rate is shown only when both its counts are;
- a week or a month, when it and the days (or a month's whole weeks and the
  days outside them) shown in another report would give back a hidden one,
  or hidden ones adding up to 1 to 10: reports by day, week and month stay
  safe side by side.

There is no all-clinics total: beside each clinic's days and weeks, totals
across clinics gave small counts away in ways one more rule would not close.
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
    """One clinic's counts for one period."""

    clinic: str
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
    # By period, then clinic.
    rows: tuple[Row, ...]


def _small(count: int) -> bool:
    return 0 < abs(count) < SMALLEST_SHOWN


# A figure as it would be published: its value, and whether it is shown.
_Part = tuple[int, bool]


def _hides_nothing(parts: Sequence[_Part]) -> bool:
    """Whether a sum of ``parts`` can be shown beside them: when none is hidden, or when
    at least two are and what they add up to is not 1 to 10. With one hidden, the sum
    less the others would give it back exactly."""
    hidden = [value for value, shown in parts if not shown and value != 0]
    return not hidden or (len(hidden) > 1 and not _small(sum(hidden)))


def _adds_up_from_shown(ways: Iterable[Sequence[_Part]]) -> bool:
    """Whether a figure can be worked out from any way it adds up: none of its parts hidden."""
    return any(all(shown or value == 0 for value, shown in parts) for parts in ways)


@dataclass(frozen=True)
class _Cell:
    """One clinic's counts for one period, and which of them can be shown."""

    started: int
    finished: int
    show_started: bool
    show_finished: bool

    @property
    def parts(self) -> tuple[_Part, _Part, _Part]:
        """Its started, finished and did-not-finish figures as published."""
        both = self.show_started and self.show_finished
        return (
            (self.started, self.show_started),
            (self.finished, self.show_finished),
            (self.started - self.finished, both),
        )


class _Table:
    """Every figure a report of these clinics could publish, at every period, worked out
    from the days.

    A figure is not shown when it is 1 to 10, and a larger one when a figure of 1 to 10
    could be worked out from it and other figures that could be published: in its row
    (how many did not reach the summary), and in each way it adds up from others (the
    days of a week or a month; a month's whole weeks and the days outside them).
    Reports by day, week and month so stay safe side by side.
    """

    def __init__(self, counts: Iterable[DayCount], clinics: Sequence[str]) -> None:
        self.clinics = list(clinics)
        self.days: dict[tuple[str, datetime.date], list[int]] = defaultdict(lambda: [0, 0])
        for count in counts:
            if count.clinic in self.clinics:
                day = self.days[(count.clinic, count.day)]
                day[0] += count.started
                day[1] += count.finished
        self._cells: dict[tuple[str, Period, datetime.date], _Cell] = {}

    def cell(self, clinic: str, period: Period, start: datetime.date) -> _Cell:
        key = (clinic, period, start)
        if key not in self._cells:
            self._cells[key] = self._make(clinic, period, start)
        return self._cells[key]

    def _make(self, clinic: str, period: Period, start: datetime.date) -> _Cell:
        days = _days(start, next_period(start, period))
        started = sum(self.days[(clinic, day)][0] for day in days)
        finished = sum(self.days[(clinic, day)][1] for day in days)
        ways = self._ways(clinic, period, start, days)
        show_started = not _small(started) and all(
            _hides_nothing([cell.parts[0] for cell in way]) for way in ways
        )
        show_finished = not _small(finished) and all(
            _hides_nothing([cell.parts[1] for cell in way]) for way in ways
        )
        gap_hides_nothing = not _small(started - finished) and all(
            _hides_nothing([cell.parts[2] for cell in way]) for way in ways
        )
        if show_started and show_finished and not gap_hides_nothing:
            # How many did not reach the summary is a count too: one of the two goes,
            # the one that cannot be worked out from figures shown elsewhere.
            if not _adds_up_from_shown([cell.parts[1] for cell in way] for way in ways):
                show_finished = False
            elif not _adds_up_from_shown([cell.parts[0] for cell in way] for way in ways):
                show_started = False
        return _Cell(started, finished, show_started, show_finished)

    def _ways(
        self, clinic: str, period: Period, start: datetime.date, days: list[datetime.date]
    ) -> list[list[_Cell]]:
        """The ways this figure adds up from others that could be published: its days,
        and for a month its whole weeks and the days outside them."""
        if period is Period.DAY:
            return []
        ways = [[self.cell(clinic, Period.DAY, day) for day in days]]
        if period is Period.MONTH:
            end = next_period(start, period)
            weeks = [m for m in days if m.weekday() == 0 and m + _WEEK <= end]
            inside = {m + datetime.timedelta(days=n) for m in weeks for n in range(7)}
            ways.append(
                [self.cell(clinic, Period.WEEK, m) for m in weeks]
                + [self.cell(clinic, Period.DAY, day) for day in days if day not in inside]
            )
        return ways


_WEEK = datetime.timedelta(days=7)


def _days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=n) for n in range((end - start).days)]


def _row(clinic: str, period: datetime.date, cell: _Cell) -> Row:
    started, finished = cell.started, cell.finished
    if started == 0:
        rate = Rate(None, no_starts=cell.show_started)
    elif cell.show_started and cell.show_finished:
        # Halves round up, as a person does: 72.5% reads 73%.
        rate = Rate((200 * finished + started) // (2 * started))
    else:
        rate = Rate(None)
    return Row(
        clinic,
        period,
        Figure.of(started, cell.show_started),
        Figure.of(finished, cell.show_finished),
        rate,
    )


def report(
    counts: Iterable[DayCount],
    period: Period,
    periods: Sequence[datetime.date],
    clinics: Sequence[str],
) -> Report:
    """The counts of ``clinics`` (and only theirs) added up by ``period``, for the periods
    starting on ``periods``, with the suppression the module describes. Every clinic has
    a row in every period, zero or not."""
    table = _Table(counts, clinics)
    starts = sorted(set(periods))
    rows: list[Row] = []
    for start in starts:
        for clinic in clinics:
            rows.append(_row(clinic, start, table.cell(clinic, period, start)))
    return Report(period, tuple(starts), tuple(clinics), tuple(rows))

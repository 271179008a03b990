"""The totals' report: periods, and the suppression that keeps every count of 1 to 10 hidden,
along with any figure such a count could be worked out from."""

from __future__ import annotations

import datetime
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from questionnaire.totals import (
    FEWER,
    DayCount,
    Figure,
    Period,
    Rate,
    last_periods,
    next_period,
    period_start,
    report,
)

MONDAY = datetime.date(2026, 11, 30)
TUESDAY = datetime.date(2026, 12, 1)
TODAY = datetime.date(2026, 12, 7)


def counts(*rows: tuple[str, int, int], day: datetime.date = MONDAY) -> list[DayCount]:
    return [DayCount(clinic, "en", day, started, finished) for clinic, started, finished in rows]


def one_week(made_counts: list[DayCount], clinics: list[str]):
    return report(made_counts, Period.WEEK, [MONDAY], clinics)


def row_of(made, clinic):
    (row,) = [row for row in made.rows if row.clinic == clinic]
    return row


def test_periods_start_on_monday_and_the_first_of_the_month():
    sunday = datetime.date(2026, 12, 6)
    assert period_start(sunday, Period.WEEK) == MONDAY
    assert period_start(sunday, Period.MONTH) == datetime.date(2026, 12, 1)
    assert period_start(sunday, Period.DAY) == sunday
    assert next_period(datetime.date(2026, 12, 1), Period.MONTH) == datetime.date(2027, 1, 1)
    assert next_period(datetime.date(2027, 1, 1), Period.MONTH) == datetime.date(2027, 2, 1)
    assert next_period(MONDAY, Period.WEEK) == TODAY


def test_only_periods_that_are_over_are_reported():
    # On Monday 7 December the week of 30 November is the last one over.
    assert last_periods(TODAY, Period.WEEK, 3) == [
        datetime.date(2026, 11, 16),
        datetime.date(2026, 11, 23),
        MONDAY,
    ]
    # A Wednesday: the week in progress is still left out.
    assert last_periods(datetime.date(2026, 12, 9), Period.WEEK, 1) == [MONDAY]
    assert last_periods(TODAY, Period.DAY, 2) == [datetime.date(2026, 12, 5), TODAY.replace(day=6)]
    assert last_periods(TODAY, Period.MONTH, 2) == [
        datetime.date(2026, 10, 1),
        datetime.date(2026, 11, 1),
    ]


def test_days_add_up_over_languages_and_days_of_the_period():
    made = report(
        [
            DayCount("a", "en", MONDAY, 20, 15),
            DayCount("a", "es", MONDAY + datetime.timedelta(days=6), 30, 20),
            # The next week, and another clinic: not in this row.
            DayCount("a", "en", TODAY, 50, 50),
            DayCount("b", "en", MONDAY, 99, 99),
        ],
        Period.WEEK,
        [MONDAY],
        ["a"],
    )
    (row,) = made.rows
    assert (row.clinic, row.period, row.started, row.finished) == (
        "a",
        MONDAY,
        Figure(50),
        Figure(35),
    )
    assert str(row.rate) == "70%"


@pytest.mark.parametrize("count", range(1, 11))
def test_every_count_from_1_to_10_reads_fewer_than_11(count):
    row = row_of(one_week(counts(("a", count, 0)), ["a"]), "a")
    assert str(row.started) == FEWER == "fewer than 11"
    # Zero stays zero, and a rate of a count not shown is not shown.
    assert str(row.finished) == "0"
    assert str(row.rate) == "not shown"


def test_eleven_and_zero_are_shown():
    row = row_of(one_week(counts(("a", 11, 0)), ["a"]), "a")
    assert (str(row.started), str(row.finished), str(row.rate)) == ("11", "0", "0%")
    empty = row_of(one_week([], ["a"]), "a")
    assert (str(empty.started), str(empty.finished), str(empty.rate)) == ("0", "0", "no starts")


def test_a_small_count_of_people_who_did_not_finish_hides_the_finished_count():
    # 40 started, 37 reached the summary: showing both says 3 did not.
    row = row_of(one_week(counts(("a", 40, 37)), ["a"]), "a")
    assert str(row.started) == "40"
    assert row.finished == Figure(None)
    assert str(row.finished) == "not shown"
    assert row.rate == Rate(None)
    # 40 and 29: 11 did not, which may be shown.
    row = row_of(one_week(counts(("a", 40, 29)), ["a"]), "a")
    assert (str(row.finished), str(row.rate)) == ("29", "73%")
    # All of them finished: no one is singled out.
    row = row_of(one_week(counts(("a", 40, 40)), ["a"]), "a")
    assert (str(row.finished), str(row.rate)) == ("40", "100%")


def test_a_week_does_not_give_back_a_hidden_day():
    """20 on Monday and 5 on Tuesday: a week of 25 beside the days would give the 5."""
    data = [DayCount("a", "en", MONDAY, 20, 20), DayCount("a", "es", TUESDAY, 5, 5)]
    (week,) = report(data, Period.WEEK, [MONDAY], ["a"]).rows
    assert (str(week.started), str(week.finished), str(week.rate)) == (
        "not shown",
        "not shown",
        "not shown",
    )
    # Two hidden days adding up to 11 or more: the week gives only their sum.
    data.append(DayCount("a", "en", TUESDAY + datetime.timedelta(days=1), 6, 6))
    (week,) = report(data, Period.WEEK, [MONDAY], ["a"]).rows
    assert (str(week.started), str(week.finished), str(week.rate)) == ("31", "31", "100%")


def test_of_two_counts_the_one_that_cannot_be_worked_out_is_hidden():
    """35 started and 30 finished in a week: 5 did not. Tuesday's finished count is
    hidden (5 did not finish that day), so the week's 30 cannot be worked out: it goes."""
    data = [DayCount("a", "en", MONDAY, 15, 15), DayCount("a", "en", TUESDAY, 20, 15)]
    days = report(data, Period.DAY, [MONDAY, TUESDAY], ["a"]).rows
    assert [(str(row.started), str(row.finished)) for row in days] == [
        ("15", "15"),
        ("20", "not shown"),
    ]
    (week,) = report(data, Period.WEEK, [MONDAY], ["a"]).rows
    assert (str(week.started), str(week.finished)) == ("35", "not shown")


def test_when_the_finished_count_can_be_worked_out_the_started_count_goes():
    """A journey across midnight makes a day with more summaries than starts. Here every
    day's finished count is shown (20, 0, 0, 12: 32), so hiding the week's would hide
    nothing; its 31 started go instead, or 32 less 31 would tell that 1 did not finish."""
    days = [MONDAY + datetime.timedelta(days=n) for n in range(4)]
    data = [
        DayCount("a", "en", days[0], 20, 20),
        DayCount("a", "en", days[1], 5, 0),
        DayCount("a", "en", days[2], 6, 0),
        DayCount("a", "en", days[3], 0, 12),
    ]
    shown = report(data, Period.DAY, days, ["a"]).rows
    assert [str(row.finished) for row in shown] == ["20", "0", "0", "12"]
    (week,) = report(data, Period.WEEK, [MONDAY], ["a"]).rows
    assert (str(week.started), str(week.finished)) == ("not shown", "32")


def test_a_month_does_not_give_back_the_days_outside_its_whole_weeks():
    """March 2027: four whole weeks and three days over. The weeks shown, the month less
    them would give the three days' sum: 4."""
    march = datetime.date(2027, 3, 1)
    data = [DayCount("a", "en", march + datetime.timedelta(days=7 * n), 20, 20) for n in range(4)]
    data.append(DayCount("a", "en", datetime.date(2027, 3, 30), 4, 4))
    (month,) = report(data, Period.MONTH, [march], ["a"]).rows
    assert str(month.started) == "not shown"


def test_there_is_no_all_clinics_total():
    made = report(counts(("a", 30, 20), ("b", 40, 20)), Period.WEEK, [MONDAY], ["a", "b"])
    assert [row.clinic for row in made.rows] == ["a", "b"]


def test_reports_of_each_period_cover_each_day_once():
    days = [MONDAY - datetime.timedelta(days=n) for n in range(70)]
    data = [DayCount("a", "en", day, 1, 1) for day in days]
    for period in Period:
        starts = last_periods(TODAY, period, 3)
        made = report(data, period, starts, ["a"])
        assert made.periods == tuple(starts)
        # Each period's first day begins where the one before it ended.
        for first, second in itertools.pairwise(starts):
            assert next_period(first, period) == second


# What a reader can work out from every report of the same days side by side: by day,
# by week and by month, of each clinic. Each published
# figure is a known or hidden number; each way a figure adds up from others is an
# equation. Solving what can be solved (one unknown left in an equation) and looking
# at what is left finds every count of 1 to 10 a reader could pin down.

MARCH = datetime.date(2027, 3, 1)  # a Monday: four whole weeks, and three days over
APRIL = datetime.date(2027, 4, 1)


def _published(data: list[DayCount], clinics: list[str]):
    """Every figure of the reports by day, week and month: {(who, period, start, column):
    (value, shown)}, and the equations between them: (whole, [parts])."""
    figures = {}
    reports = {
        Period.DAY: [MARCH + datetime.timedelta(days=n) for n in range(35)],
        Period.WEEK: [MARCH + datetime.timedelta(days=7 * n) for n in range(5)],
        Period.MONTH: [MARCH, APRIL],
    }
    true: dict[tuple[str, datetime.date], tuple[int, int]] = {}
    for d in data:
        started, finished = true.get((d.clinic, d.day), (0, 0))
        true[(d.clinic, d.day)] = (started + d.started, finished + d.finished)
    for period, starts in reports.items():
        for row in report(data, period, starts, clinics).rows:
            days = [
                row.period + datetime.timedelta(days=n)
                for n in range((next_period(row.period, period) - row.period).days)
            ]
            started = sum(true.get((row.clinic, day), (0, 0))[0] for day in days)
            finished = sum(true.get((row.clinic, day), (0, 0))[1] for day in days)
            for column, value, figure in [
                ("started", started, row.started),
                ("finished", finished, row.finished),
            ]:
                assert figure.value in (None, value), (row, column)
                figures[(row.clinic, period, row.period, column)] = (
                    value,
                    figure.value is not None,
                )
    equations = []
    for (who, period, start, column), _ in figures.items():
        end = next_period(start, period)
        days = [start + datetime.timedelta(days=n) for n in range((end - start).days)]
        if period is not Period.DAY:
            parts = [(who, Period.DAY, day, column) for day in days]
            if all(part in figures for part in parts):
                equations.append(((who, period, start, column), parts))
        if period is Period.MONTH:
            weeks = [d for d in days if d.weekday() == 0 and d + datetime.timedelta(days=7) <= end]
            inside = {w + datetime.timedelta(days=n) for w in weeks for n in range(7)}
            parts = [(who, Period.WEEK, w, column) for w in weeks] + [
                (who, Period.DAY, d, column) for d in days if d not in inside
            ]
            if all(part in figures for part in parts):
                equations.append(((who, period, start, column), parts))
    return figures, equations


def _worked_out(figures, equations) -> list[str]:
    """The counts of 1 to 10 a reader of every report can work out."""
    known = {key: value for key, (value, shown) in figures.items() if shown}
    changed = True
    while changed:
        changed = False
        for whole, parts in equations:
            unknown = [key for key in [whole, *parts] if key not in known]
            if len(unknown) == 1:
                (missing,) = unknown
                if missing == whole:
                    known[whole] = sum(known[p] for p in parts)
                else:
                    known[missing] = known[whole] - sum(known[p] for p in parts if p != missing)
                changed = True
    leaks = []
    for key, (value, shown) in figures.items():
        if not shown and key in known:
            assert known[key] == value
            if 0 < value < 11:
                leaks.append(f"{key} = {value}")
        who, period, start, column = key
        if column == "started":
            other = (who, period, start, "finished")
            if key in known and other in known:
                gap = known[key] - known[other]
                if 0 < abs(gap) < 11:
                    leaks.append(f"{key[:3]} did not finish: {gap}")
    for whole, parts in equations:
        if whole in known:
            unknown = [p for p in parts if p not in known]
            rest = known[whole] - sum(known[p] for p in parts if p in known)
            if unknown and 0 < abs(rest) < 11:
                leaks.append(f"{whole}: the hidden parts add up to {rest}")
    return leaks


_days_in_march = st.integers(0, 34).map(lambda n: MARCH + datetime.timedelta(days=n))
# Within a day, at most as many reach the summary as started: only a journey across
# midnight makes it otherwise, and then the difference is no count of anyone.
_counts = st.tuples(st.integers(0, 25), st.integers(0, 25)).map(lambda pair: (max(pair), min(pair)))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(_days_in_march, _counts, max_size=6), min_size=1, max_size=3))
def test_no_report_side_by_side_with_others_gives_away_a_count_from_1_to_10(clinics_days):
    clinics = [f"clinic-{i}" for i in range(len(clinics_days))]
    data = [
        DayCount(clinic, "en", day, started, finished)
        for clinic, days in zip(clinics, clinics_days, strict=True)
        for day, (started, finished) in days.items()
    ]
    figures, equations = _published(data, clinics)
    assert _worked_out(figures, equations) == []


def test_the_side_by_side_check_finds_what_a_day_and_a_week_report_would_give_away():
    """The control: without the check of a week against its days, the week of a clinic
    with 20 on Monday and 5 on Tuesday would show 25, and the days would show 20 and
    "fewer than 11": 25 less 20 gives the 5."""
    data = [
        DayCount("a", "en", MARCH, 20, 20),
        DayCount("a", "en", MARCH + datetime.timedelta(days=1), 5, 5),
    ]
    figures, equations = _published(data, ["a"])
    assert figures[("a", Period.WEEK, MARCH, "started")] == (25, False)
    assert _worked_out(figures, equations) == []
    leaky = {**figures, ("a", Period.WEEK, MARCH, "started"): (25, True)}
    assert f"{('a', Period.DAY, MARCH + datetime.timedelta(days=1), 'started')} = 5" in (
        _worked_out(leaky, equations)
    )

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


def test_the_total_is_hidden_when_it_would_give_away_a_hidden_clinic():
    # b's 4 starts are hidden; a total of 34 beside a's 30 would show them.
    made = one_week(counts(("a", 30, 20), ("b", 4, 0)), ["a", "b"])
    total = row_of(made, None)
    assert str(row_of(made, "b").started) == "fewer than 11"
    # 34 is not fewer than 11: it is not shown, and says no more.
    assert total.started == Figure(None)
    assert str(total.started) == "not shown"
    assert total.rate == Rate(None)
    # Zero finished at b: the finished total is a's alone, and may be shown.
    assert total.finished == Figure(20)


def test_the_total_is_shown_when_what_it_hides_is_11_or_more():
    # b and c hide 6 and 7: the total gives only their sum, 13, never either one.
    made = one_week(counts(("a", 30, 30), ("b", 6, 6), ("c", 7, 7)), ["a", "b", "c"])
    total = row_of(made, None)
    assert total.started == Figure(43)
    assert total.finished == Figure(43)
    assert str(total.rate) == "100%"


def test_the_total_hides_a_small_number_who_did_not_finish():
    made = one_week(counts(("a", 30, 25), ("b", 30, 30)), ["a", "b"])
    # a: 5 did not finish, so its finished count is hidden, and so is the total's:
    # 60 started and 55 finished would say the same.
    assert row_of(made, "a").finished == Figure(None)
    assert row_of(made, None).started == Figure(60)
    assert row_of(made, None).finished == Figure(None)


def test_a_single_clinic_has_no_total_row():
    made = report(counts(("a", 30, 20)), Period.WEEK, last_periods(TODAY, Period.WEEK, 3), ["a"])
    assert [row.clinic for row in made.rows] == ["a", "a", "a"]
    assert [str(row.started) for row in made.rows] == ["0", "0", "30"]


def _hidden_count_can_be_worked_out(made, truth) -> list[str]:
    """Every figure of 1 to 10 that the shown figures give away, by the sums a reader can do:
    a row's two counts, and a period's total less the clinics' counts shown."""
    found = []
    for period in made.periods:
        rows = [row for row in made.rows if row.period == period]
        clinic_rows = [row for row in rows if row.clinic is not None]
        totals = [row for row in rows if row.clinic is None]
        for row in rows:
            started, finished = truth[(row.clinic, period)]
            # Each figure shown is true, and a shown rate matches its counts.
            assert row.started.value in (None, started)
            assert row.finished.value in (None, finished)
            if row.started.value is not None and row.finished.value is not None:
                gap = row.started.value - row.finished.value
                if 0 < abs(gap) < 11:
                    found.append(f"{row.clinic} {period}: did not finish {gap}")
        for total in totals:
            for column in ("started", "finished"):
                whole = getattr(total, column).value
                if whole is None:
                    continue
                hidden = [r for r in clinic_rows if getattr(r, column).value is None]
                rest = whole - sum(getattr(r, column).value or 0 for r in clinic_rows)
                if 0 < rest < 11 and hidden:
                    found.append(f"{period} {column}: the hidden ones add up to {rest}")
    return found


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 40)).map(lambda pair: (max(pair), min(pair))),
        min_size=1,
        max_size=4,
    )
)
def test_no_figure_gives_away_a_count_from_1_to_10(rows):
    clinics = [f"clinic-{i}" for i in range(len(rows))]
    made = one_week(
        counts(*[(clinic, s, f) for clinic, (s, f) in zip(clinics, rows, strict=True)]), clinics
    )
    truth = {(clinic, MONDAY): pair for clinic, pair in zip(clinics, rows, strict=True)}
    truth[(None, MONDAY)] = (sum(s for s, _ in rows), sum(f for _, f in rows))
    for row in made.rows:
        for figure in (row.started, row.finished):
            assert figure.value is None or not 0 < figure.value < 11, row
    assert _hidden_count_can_be_worked_out(made, truth) == []


def test_the_check_of_what_can_be_worked_out_finds_a_leak():
    """The property above would catch a report that shows too much."""
    leaky = report(counts(("a", 30, 20), ("b", 4, 0)), Period.WEEK, [MONDAY], ["a", "b"])
    total = row_of(leaky, None)
    shown = type(total)(None, MONDAY, Figure(34), Figure(20), Rate(59))
    leaky = type(leaky)(leaky.period, leaky.periods, leaky.clinics, (*leaky.rows[:2], shown))
    truth = {("a", MONDAY): (30, 20), ("b", MONDAY): (4, 0), (None, MONDAY): (34, 20)}
    assert _hidden_count_can_be_worked_out(leaky, truth) == [
        "2026-11-30 started: the hidden ones add up to 4"
    ]


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

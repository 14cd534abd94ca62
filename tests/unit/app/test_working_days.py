"""Working days by the State Council calendar: holidays off, make-up working days on, and a year
not yet published counted Monday to Friday and marked as an estimate."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services.working_days import (
    Deadline,
    add_working_days,
    is_working_day,
    working_days_between,
    working_days_left,
)

D = dt.date


def test_spring_festival_2026_is_skipped_and_its_make_up_saturday_counts() -> None:
    assert is_working_day(D(2026, 2, 14)) == (True, True)  # a Saturday worked for the festival
    assert is_working_day(D(2026, 2, 16)) == (False, True)  # a Monday of the festival
    # Accepted Thursday 12 February: 13th, 14th (make-up), then 24th, 25th, 26th.
    assert add_working_days(D(2026, 2, 12), 5) == Deadline(D(2026, 2, 26))


def test_national_day_2026() -> None:
    # Accepted Monday 28 September: 29th, 30th, 8th, 9th, and Saturday 10 October (make-up).
    assert add_working_days(D(2026, 9, 28), 5) == Deadline(D(2026, 10, 10))


def test_a_year_not_yet_published_is_an_estimate() -> None:
    deadline = add_working_days(D(2026, 12, 28), 5)
    assert deadline == Deadline(D(2027, 1, 4), estimated=True)
    assert add_working_days(D(2026, 12, 1), 5).estimated is False


@pytest.mark.parametrize(
    ("today", "left"),
    [
        (D(2026, 2, 12), 5),
        (D(2026, 2, 13), 4),
        (D(2026, 2, 20), 3),
        (D(2026, 2, 26), 0),
        (D(2026, 2, 27), -1),
    ],
)
def test_time_left_counts_working_days_and_goes_negative_when_overdue(today: dt.date, left: int) -> None:
    assert working_days_left(add_working_days(D(2026, 2, 12), 5), today) == left


def test_no_time_limit_and_a_negative_one() -> None:
    assert add_working_days(D(2026, 2, 12), 0) == Deadline(D(2026, 2, 12))
    assert working_days_between(D(2026, 2, 12), D(2026, 2, 12)) == 0
    with pytest.raises(ValueError, match="not negative"):
        add_working_days(D(2026, 2, 12), -1)

"""Working days (工作日) as the State Council's holiday calendar has them: weekends and public
holidays off, make-up working days (调休) on. The calendar comes from the maintained
``chinesecalendar`` package, which knows each year once the State Council has published it
(every November for the next year). A day of a year it does not know yet counts Monday to
Friday, and a deadline that crosses such a day is marked as an estimate, so staff are told rather
than shown a date that may move.

Promised time limits (承诺时限) count whole working days after the day a case was accepted: a
limit of 5 working days for a case accepted on a Friday ends on the following Friday.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar


@dataclass(frozen=True)
class Deadline:
    """The last day of a time limit; ``estimated`` when a day counted is in a year whose
    holidays are not published yet."""

    due: dt.date
    estimated: bool = False


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(whether ``day`` is a working day, whether the calendar of its year is known)."""
    try:
        return bool(chinese_calendar.is_workday(day)), True
    except NotImplementedError:
        return day.weekday() < 5, False


def add_working_days(start: dt.date, days: int) -> Deadline:
    """The day on which ``days`` working days counted after ``start`` end (``start`` itself does
    not count; 0 days: ``start``)."""
    if days < 0:
        raise ValueError("a time limit is not negative")
    day, counted, estimated = start, 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        working, known = is_working_day(day)
        estimated |= not known
        counted += working
    return Deadline(day, estimated)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is
    earlier: the working days from ``end`` up to ``start``, not counting ``end``)."""
    if end < start:
        return -working_days_between(end, start)
    return sum(is_working_day(start + dt.timedelta(days=n))[0] for n in range(1, (end - start).days + 1))


def working_days_left(deadline: Deadline, today: dt.date) -> int:
    """Working days from ``today`` to the deadline: 0 on its last day, negative once overdue."""
    return working_days_between(today, deadline.due)

"""The one clock of the service: instants in UTC, calendar dates in China (Asia/Shanghai).

Nothing else asks the host for the time of day: certificate dates, deadlines and "today" all come
from a :class:`Clock` made once in ``create_app`` (tests hand in a :class:`FixedClock`).
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


class Clock:
    """The real time."""

    def now(self) -> dt.datetime:
        """The current instant, timezone-aware in UTC."""
        return dt.datetime.now(dt.UTC)

    def timestamp(self) -> int:
        """The current instant in whole seconds since the epoch."""
        return int(time.time())

    def today(self) -> dt.date:
        """Today's date in China."""
        return self.now().astimezone(CHINA).date()


class FixedClock(Clock):
    """A clock that stands still at ``at`` until moved (for tests and replays)."""

    def __init__(self, at: dt.datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a fixed clock needs a timezone-aware instant")
        self.at = at.astimezone(dt.UTC)

    def now(self) -> dt.datetime:
        """The fixed instant."""
        return self.at

    def timestamp(self) -> int:
        """The fixed instant in seconds."""
        return int(self.at.timestamp())

    def advance(self, **delta: float) -> None:
        """Move the clock forward (``days=``, ``seconds=``, …)."""
        self.at += dt.timedelta(**delta)


def china_day(at: dt.datetime) -> dt.date:
    """The date in China of instant ``at`` (a stored instant without a zone, as SQLite gives it
    back, is in UTC)."""
    return (at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at).astimezone(CHINA).date()


def start_of_day(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in China, as an instant in UTC: the bound to query stored times with
    (SQLite keeps times as UTC text and drops an offset instead of converting it)."""
    return dt.datetime.combine(day, dt.time(), CHINA).astimezone(dt.UTC)

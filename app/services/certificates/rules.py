"""The rules of issuing: validity terms, the renewal window, and the certificate content rules of
:class:`signing.CertificateFacts` turned into the app's rule violations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TypeVar

from signing import FactsError, clean_categories, clean_holder_id, clean_holder_name

from ..errors import RuleViolation

T = TypeVar("T")


def checked(rule: Callable[[], T]) -> T:
    """Run a content rule of the certificate model; its :class:`FactsError` becomes a
    :class:`RuleViolation` with the same code (so the message catalogue names it once)."""
    try:
        return rule()
    except FactsError as exc:
        raise RuleViolation(exc.message, code=exc.code, **exc.params) from exc


def holder_name(text: str) -> str:
    """The holder's name under the one name rule (:func:`signing.clean_holder_name`)."""
    return checked(lambda: clean_holder_name(text))


def holder_id(text: str, today: dt.date) -> str:
    """A valid ID number (:func:`signing.clean_holder_id`)."""
    return checked(lambda: clean_holder_id(text, today=today))


def categories(values: Iterable[int | str]) -> tuple[int, ...]:
    """Category codes that may be issued today (:func:`signing.clean_categories`)."""
    return checked(lambda: clean_categories(values))


def add_years(day: dt.date, years: int) -> dt.date:
    """``day`` plus ``years`` (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def validity_end(start: dt.date, years: int) -> dt.date:
    """The last valid day of a validity of ``years`` starting ``start``."""
    return add_years(start, years) - dt.timedelta(days=1)


def renewal_window(valid_until: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """The first and last day a certificate valid until ``valid_until`` may be renewed."""
    return valid_until - dt.timedelta(days=days), valid_until


UNUSUAL_START = dt.timedelta(days=365)
"""How far from today a validity start is unusual enough to ask twice (a batch's row)."""


def validity_warnings(valid_from: dt.date, valid_until: dt.date, today: dt.date) -> list[RuleViolation]:
    """What a clerk must confirm before issuing a certificate valid from ``valid_from`` to
    ``valid_until`` today (nothing forbids it, but it is rarely meant): already expired, a start
    more than :data:`UNUSUAL_START` ago, or more than that ahead. The one rule for these warnings."""
    if valid_until < today:
        return [
            RuleViolation("already expired", code="validity_already_expired", until=valid_until.isoformat())
        ]
    if valid_from < today - UNUSUAL_START:
        return [RuleViolation("start long ago", code="validity_start_long_ago", start=valid_from.isoformat())]
    if valid_from > today + UNUSUAL_START:
        return [
            RuleViolation("start far ahead", code="validity_start_far_ahead", start=valid_from.isoformat())
        ]
    return []

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

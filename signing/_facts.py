"""What a certificate version says, shared by the credential and the presentation formats.

Dates are calendar dates in China Standard Time (UTC+8): a certificate valid until 2032-05-01 is
valid through the end of that day in Beijing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ._categories import BY_CODE
from ._identifier import Identifier, validate_id_number
from .errors import IdentifierError

CST = dt.timezone(dt.timedelta(hours=8), "CST")
_EPOCH = dt.date(1970, 1, 1)
DAY = 86400
_CST_OFFSET = 8 * 3600


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01 (compact date encoding)."""
    return (day - _EPOCH).days


def from_day_number(number: int) -> dt.date:
    """Inverse of :func:`day_number`."""
    return _EPOCH + dt.timedelta(days=number)


def cst_day(epoch_seconds: int) -> int:
    """The day number of the China Standard Time date at ``epoch_seconds``."""
    return (epoch_seconds + _CST_OFFSET) // DAY


def start_of_day(day: dt.date) -> int:
    """Epoch seconds at 00:00 CST of ``day``."""
    return day_number(day) * DAY - _CST_OFFSET


def mask_name(name: str) -> str:
    """Keep the first and last character of a name: 张三明 → 张*明, 李四 → 李*."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id(id_number: str) -> str:
    """Keep the first 4 and last 4 characters of an ID number: 3701**********123X."""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """One version of a qualification certificate, as signed into its credential."""

    identifier: Identifier
    number: str
    holder_name: str
    holder_id: str
    categories: tuple[int, ...]
    issuer_name: str
    first_issued: dt.date
    issued: dt.date
    valid_from: dt.date
    valid_until: dt.date
    status_index: int

    def __post_init__(self) -> None:
        validate_id_number(self.holder_id, today=dt.date.max)
        if not self.categories or any(code not in BY_CODE for code in self.categories):
            raise IdentifierError(f"unknown or missing categories {self.categories}")
        if self.valid_until < self.valid_from:
            raise IdentifierError("valid_until is before valid_from")
        if self.status_index < 0:
            raise IdentifierError("status_index must not be negative")

    @property
    def issuer(self) -> str:
        """The issuer's unified social credit code (from the identifier)."""
        return self.identifier.issuer_code

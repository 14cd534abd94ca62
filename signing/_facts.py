"""What a certificate version says, shared by the credential and the presentation formats.

Dates are calendar dates in China Standard Time (UTC+8): a certificate valid until 2032-05-01 is
valid through the end of that day in Beijing.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from ._categories import BY_CODE
from ._identifier import Identifier, validate_id_number
from .errors import FactsError, IdentifierError

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


NAME_MAX = 50
"""The longest holder name, in characters (long minority and foreign names fit)."""
_NAME_PUNCTUATION = frozenset("·•・.-' ")
_FORMULA_PREFIXES = ("=", "+", "-", "@")


def clean_holder_name(text: str) -> str:
    """The holder-name rule, the same for every way a name comes in (form, spreadsheet, partner
    API, application): NFC-normalised, spaces trimmed and runs of spaces folded; 1 to
    :data:`NAME_MAX` characters of letters, combining marks, spaces and ``·•・.-'``; at least one
    letter; no control, format (bidi overrides, zero-width), private-use or unassigned characters,
    no line breaks, and no leading ``= + - @`` (a spreadsheet would run it as a formula)."""
    name = " ".join(unicodedata.normalize("NFC", text).split(" "))
    name = " ".join(part for part in name.split(" ") if part)
    if not name or len(name) > NAME_MAX:
        raise FactsError("invalid_name", f"a name has 1 to {NAME_MAX} characters", maximum=NAME_MAX)
    if name.startswith(_FORMULA_PREFIXES):
        raise FactsError("invalid_name_characters", "a name may not start with = + - @")
    letters = 0
    for char in name:
        kind = unicodedata.category(char)
        if kind[0] == "L":
            letters += 1
        elif kind[0] != "M" and char not in _NAME_PUNCTUATION:
            raise FactsError("invalid_name_characters", f"a name may not contain U+{ord(char):04X} ({kind})")
    if not letters:
        raise FactsError("invalid_name_characters", "a name needs at least one letter")
    return name


def clean_categories(values: Iterable[int | str], *, allow_legacy: bool = False) -> tuple[int, ...]:
    """Category codes, checked (known, at least one, none twice; no legacy category unless
    ``allow_legacy``, for certificates issued before it was withdrawn) and sorted."""
    codes = []
    for value in values:
        try:
            code = int(value)
        except (TypeError, ValueError):
            raise FactsError("unknown_category", f"unknown category {value!r}", value=value) from None
        if code not in BY_CODE:
            raise FactsError("unknown_category", f"unknown category {value!r}", value=value)
        if BY_CODE[code].legacy and not allow_legacy:
            raise FactsError("legacy_category", "this category is no longer issued", value=value)
        codes.append(code)
    if not codes:
        raise FactsError("no_category", "choose at least one category")
    if len(set(codes)) != len(codes):
        raise FactsError("repeated_category", "a category is listed twice")
    return tuple(sorted(codes))


def clean_holder_id(text: str, *, today: dt.date) -> str:
    """A valid ID-card number (GB 11643: 18 characters, real birth date not after ``today``,
    check character), upper-cased."""
    try:
        return validate_id_number(text, today=today)
    except IdentifierError as exc:
        raise FactsError(exc.reason, str(exc)) from exc


def sex_from_id(id_number: str) -> str:
    """``"M"`` or ``"F"``, from the 17th character of a valid ID number."""
    return "M" if int(id_number[16]) % 2 else "F"


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """One version of a qualification certificate, as signed into its credential. Every content
    rule of a certificate lives here: the invariants of every certificate ever issued in
    ``__post_init__``, the rules of a new one in the ``clean_*`` functions, which planning (forms,
    spreadsheets, the partner API) calls."""

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
        if clean_holder_id(self.holder_id, today=self.issued) != self.holder_id:
            raise FactsError("id_number_shape", "the ID number is not in its normal form")
        # The name and category rules of *new* certificates (clean_holder_name, clean_categories
        # without legacy ones) are applied when a certificate is planned; facts read back from an
        # older signed credential or version only need to be well-formed.
        if type(self.holder_name) is not str or not self.holder_name.strip():
            raise FactsError("invalid_name", "a certificate names its holder", maximum=NAME_MAX)
        if clean_categories(self.categories, allow_legacy=True) != self.categories:
            raise FactsError("unknown_category", "categories must be sorted codes", value=self.categories)
        if self.valid_until < self.valid_from:
            raise FactsError("validity_order", "valid_until is before valid_from")
        if self.status_index < 0:
            raise FactsError("negative_status_index", "status_index must not be negative")

    @property
    def issuer(self) -> str:
        """The issuer's unified social credit code (from the identifier)."""
        return self.identifier.issuer_code

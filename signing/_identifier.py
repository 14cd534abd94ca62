"""GB/T 36904 e-licence identifiers, GB 32100 credit codes and GB 11643 ID-card numbers.

An identifier is ``1.2.156.3005.2.<type>.<issuer>.<serial>.<version>.<check>``: the check character
is ISO 7064 MOD 37,36 (hybrid system over ``0-9A-Z``) computed over the parts after the root code
with the dots removed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from operator import mul

from .errors import IdentifierError

ROOT = "1.2.156.3005.2"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VALUE = {c: i for i, c in enumerate(_ALPHABET)}
_PART = re.compile(r"^[0-9A-Z]+$")
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


_M = 36


def _run(p: int, text: str) -> int:
    m = _M
    for char in text:
        try:
            value = _VALUE[char]
        except KeyError:
            raise IdentifierError(f"character {char!r} is not in 0-9A-Z") from None
        s = (p + value) % m or m
        p = (s * 2) % (m + 1)
    return p


@lru_cache(maxsize=4096)
def _prefix_state(prefix: str) -> int:
    return _run(_M, prefix)


def mod37_36_check(text: str, *, prefix: str = "") -> str:
    """Return the ISO 7064 MOD 37,36 check character for ``prefix + text`` (``0-9A-Z``).

    ``prefix`` is the part shared by many identifiers (type and issuer code); its state is cached.
    """
    p = _run(_prefix_state(prefix), text) if prefix else _run(_M, text)
    return _ALPHABET[(_M + 1 - p) % _M]


_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {c: i for i, c in enumerate(_CREDIT_ALPHABET)}
_CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, …, 28


def credit_code_check_char(first17: str) -> str:
    """Return the GB 32100 check character (the 18th) of a credit code's first 17 characters:
    ``C18 = 31 − (Σ Ci·3^(i−1) mod 31)``, 31 written as ``0``, over ``0-9A-HJ-NPQRTUWXY``.

    Raises :class:`IdentifierError` for a character outside that alphabet or a length other than 17.
    """
    try:
        total = sum(_CREDIT_VALUE[c] * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    except (KeyError, ValueError):
        raise IdentifierError("a credit code starts with 17 characters of 0-9A-HJ-NPQRTUWXY") from None
    return _CREDIT_ALPHABET[-total % 31]


def is_credit_code(text: str, *, check_character: bool = True) -> bool:
    """Whether ``text`` is a GB 32100 unified social credit code: 18 characters without I, O, S, V
    or Z (registration authority, category, six digits of region, nine of organisation code) whose
    18th is the check character of the first 17 (:func:`credit_code_check_char`).
    ``check_character=False`` checks the shape only (to tell a typing error from a wrong format).

    The organisation code inside (characters 9–17) carries its own GB 11714 check character,
    which is deliberately not checked: the 18th character already catches every single wrong
    character and every swap of neighbours in the 17 before it (the weights are distinct powers
    of 3 modulo the prime 31), so a second check adds no protection against typing errors; the
    organisation code is the registration authority's to assign, and a real code that broke
    GB 11714 could not be corrected by its holder; codes that do not follow the standards they
    cite exist (some Xiamen codes issued before 2016 fail even the 18th character: those are
    refused). The real codes we checked satisfy GB 11714 as well.
    """
    if _CREDIT_CODE.fullmatch(text) is None:
        return False
    return not check_character or credit_code_check_char(text[:17]) == text[17]


@lru_cache(maxsize=4096)
def _check_codes(type_code: str, issuer_code: str) -> None:
    # Cached: one type code and a few hundred issuers recur in every identifier.
    if not _PART.match(type_code):
        raise IdentifierError("type_code must be 1 or more characters of 0-9A-Z")
    if not is_credit_code(issuer_code):
        raise IdentifierError("issuer_code must be an 18-character unified social credit code")


@dataclass(frozen=True, slots=True)
class Identifier:
    """The parts of a GB/T 36904 e-licence identifier."""

    type_code: str
    issuer_code: str
    serial: str
    version: int
    check: str = field(init=False, compare=False)
    """The check character."""

    def __post_init__(self) -> None:
        _check_codes(self.type_code, self.issuer_code)
        if not _PART.match(self.serial):
            raise IdentifierError("serial must be 1 or more characters of 0-9A-Z")
        if not 0 <= self.version <= 999:
            raise IdentifierError("version must be 0..999")
        check = mod37_36_check(f"{self.serial}{self.version:03d}", prefix=self.type_code + self.issuer_code)
        object.__setattr__(self, "check", check)

    def __str__(self) -> str:
        return f"{ROOT}.{self.type_code}.{self.issuer_code}.{self.serial}.{self.version:03d}.{self.check}"

    def next_version(self) -> Identifier:
        """The identifier of the next version of the same certificate."""
        return Identifier(self.type_code, self.issuer_code, self.serial, self.version + 1)

    @classmethod
    def parse(cls, text: str) -> Identifier:
        """Parse and check ``text``; raise :class:`IdentifierError` saying what is wrong."""
        if not text.startswith(ROOT + "."):
            raise IdentifierError(f"an identifier starts with the root code {ROOT}")
        parts = text[len(ROOT) + 1 :].split(".")
        if len(parts) != 5:
            raise IdentifierError("an identifier has 5 parts after the root code")
        type_code, issuer_code, serial, version, check = parts
        if not re.fullmatch(r"[0-9]{3}", version):
            raise IdentifierError("the version is 3 digits")
        ident = cls(type_code, issuer_code, serial, int(version))
        if check != ident.check:
            raise IdentifierError("the check character is wrong")
        return ident


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ASCII_ZERO_WEIGHT = ord("0") * sum(_WEIGHTS)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_OLDEST_BIRTH = dt.date(1900, 1, 1)


def id_check_char(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character of the first 17 digits of an ID number."""
    if len(first17) == 17 and first17.isascii() and first17.isdigit():
        # The common case in C: Σ byte·w − Σ '0'·w is Σ digit·w.
        return _ID_CHECK[(sum(map(mul, first17.encode("ascii"), _WEIGHTS)) - _ASCII_ZERO_WEIGHT) % 11]
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def validate_id_number(text: str, *, today: dt.date | None = None) -> str:
    """Check a GB 11643 citizen ID number and return it normalized (upper-case ``X``).

    Raises :class:`IdentifierError` for a wrong length or character, an impossible or future
    birth date, or a wrong check character.
    """
    value = text.strip().upper()
    if not _ID_SHAPE.match(value):
        raise IdentifierError("an ID number is 17 digits followed by a digit or X", reason="id_number_shape")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdentifierError(
            "the birth date in the ID number does not exist", reason="id_number_birth_date"
        ) from None
    if birth < _OLDEST_BIRTH or birth > (today or dt.date.today()):
        raise IdentifierError(
            "the birth date in the ID number is out of range", reason="id_number_birth_range"
        )
    if id_check_char(value[:17]) != value[17]:
        raise IdentifierError(
            "the check character of the ID number is wrong", reason="id_number_check_character"
        )
    return value


def birth_date(id_number: str) -> dt.date:
    """The birth date encoded in a validated ID number."""
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))

"""Test data builders shared by the suites."""

from __future__ import annotations

import datetime as dt

from signing import CertificateFacts, Identifier, LocalKey, Purpose
from signing._identifier import id_check_char

ISSUER = "11370100MB00000007"
TYPE_CODE = "11100000000000000D"
T0 = 1_795_000_000  # 2026-11-18T07:06:40Z, a fixed "now" for deterministic tests


def id_number(first17: str = "37010219900307123") -> str:
    """A valid ID number built from its first 17 digits."""
    return first17 + id_check_char(first17)


def facts(
    *,
    version: int = 1,
    serial: str = "00012345",
    name: str = "张三明",
    categories: tuple[int, ...] = (1, 2),
    valid_from: dt.date = dt.date(2026, 11, 1),
    valid_until: dt.date = dt.date(2032, 10, 31),
    status_index: int = 5,
    issuer: str = ISSUER,
) -> CertificateFacts:
    """A typical certificate version."""
    holder = id_number()
    return CertificateFacts(
        identifier=Identifier(TYPE_CODE, issuer, serial, version),
        number=holder,
        holder_name=name,
        holder_id=holder,
        categories=categories,
        issuer_name="济南市交通运输局",
        first_issued=dt.date(2020, 11, 1),
        issued=valid_from,
        valid_from=valid_from,
        valid_until=valid_until,
        status_index=status_index,
    )


def keys(alg: str = "EdDSA", *, not_before: int = T0 - 3600) -> tuple[LocalKey, LocalKey]:
    """A (certificate key for ISSUER, presentation key) pair."""
    cert = LocalKey.generate(alg, Purpose.CERTIFICATE, not_before=not_before, issuer=ISSUER)
    pres = LocalKey.generate(alg, Purpose.PRESENTATION, not_before=not_before)
    return cert, pres

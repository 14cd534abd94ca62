"""States of a certificate: the stored state, the state shown to people, and the status-list
value each state means. One derivation, in Python for a certificate and in SQL for counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case
from sqlalchemy.sql.elements import ColumnElement

from signing import Status

from ...models import Certificate
from ...models.enums import CertificateState

LIVE = (CertificateState.ACTIVE.value, CertificateState.SUSPENDED.value)
"""Stored states in which a certificate can still be acted on (and holds its categories)."""

HOLDS_NUMBER = (*LIVE, CertificateState.PENDING.value)
"""Stored states in which a certificate holds its number: no other may be issued with it (the
same states as the unique index ``uq_certificate_live_number``)."""

EXPIRED = "expired"
"""The shown state of a live certificate whose validity has ended (never stored)."""

STATUS_OF_STATE = {
    CertificateState.ACTIVE: Status.VALID,
    CertificateState.SUSPENDED: Status.SUSPENDED,
    CertificateState.REVOKED: Status.REVOKED,
    CertificateState.CANCELLED: Status.REVOKED,
}
"""What the status list says for the current version in each stored state."""


def shown_state(state: str, valid_until: dt.date, today: dt.date) -> str:
    """The state people see: the stored state, except that a live certificate past its last
    valid day (China time) is ``expired``."""
    return EXPIRED if state in LIVE and valid_until < today else state


def shown_state_of(certificate: Certificate, today: dt.date) -> str:
    """:func:`shown_state` of ``certificate``."""
    return shown_state(certificate.state, certificate.valid_until, today)


def shown_state_sql(today: dt.date) -> ColumnElement[Any]:
    """:func:`shown_state` as an SQL expression over the certificates table (for counts)."""
    return case(
        (Certificate.state.in_(LIVE) & (Certificate.valid_until < today), EXPIRED),
        else_=Certificate.state,
    )

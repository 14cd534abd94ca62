"""Signed facts: identifier serials allocated and certificate versions signed with the issuing
authority's key, for issuance (one or many) and every action that makes a new version."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from signing import CertificateFacts, Identifier, Purpose, Signer, sign_credential
from signing.errors import KeyHandlingError

from ...models import Authority, Certificate, CertificateVersion, Practitioner
from ...models.enums import VersionState
from ..context import IssuingContext
from ..errors import RuleViolation
from .rules import checked


def allocate_serials(session: Session, authority: Authority, count: int = 1) -> int:
    """Reserve ``count`` consecutive identifier serials of ``authority``; return the first."""
    (next_serial,) = session.execute(
        update(Authority)
        .where(Authority.id == authority.id)
        .values(next_serial=Authority.next_serial + count)
        .returning(Authority.next_serial)
    ).one()
    return int(next_serial) - count


def certificate_signer(context: IssuingContext, authority: Authority, now: int) -> Signer:
    """The key that signs ``authority``'s certificates now, or a rule violation saying there is none."""
    try:
        return context.keys.signer(Purpose.CERTIFICATE, now=now, issuer=authority.credit_code)
    except KeyHandlingError as exc:
        raise RuleViolation(str(exc), code="no_signing_key", authority=authority.name) from exc


def version_values(
    context: IssuingContext,
    signer: Signer,
    authority: Authority,
    *,
    serial: str,
    number: str,
    holder_id: str,
    first_issued: dt.date,
    version: int,
    holder_name: str,
    categories: tuple[int, ...] | list[int],
    issued: dt.date,
    valid_from: dt.date,
    valid_until: dt.date,
    status_index: int,
    now: int,
) -> dict[str, Any]:
    """Sign a version and return its column values (without ``certificate_id``)."""
    identifier = Identifier(context.type_code, authority.credit_code, serial, version)
    facts = checked(
        lambda: CertificateFacts(
            identifier=identifier,
            number=number,
            holder_name=holder_name,
            holder_id=holder_id,
            categories=tuple(categories),
            issuer_name=authority.name,
            first_issued=first_issued,
            issued=issued,
            valid_from=valid_from,
            valid_until=valid_until,
            status_index=status_index,
        )
    )
    credential = sign_credential(facts, signer, status_uri=context.status_uri(authority.credit_code), now=now)
    return {
        "version": version,
        "identifier": str(identifier),
        "authority_id": authority.id,
        "holder_name": holder_name,
        "categories": list(categories),
        "issued": issued,
        "valid_from": valid_from,
        "valid_until": valid_until,
        "status_index": status_index,
        "state": VersionState.CURRENT.value,
        "credential": credential,
        "kid": signer.public.kid,
        "signed_at": dt.datetime.fromtimestamp(now, dt.UTC),
    }


def sign_version(
    context: IssuingContext,
    certificate: Certificate,
    practitioner: Practitioner,
    authority: Authority,
    *,
    version: int,
    holder_name: str,
    categories: tuple[int, ...] | list[int],
    issued: dt.date,
    valid_from: dt.date,
    valid_until: dt.date,
    status_index: int,
    now: int,
) -> CertificateVersion:
    """Sign a new version with the authority's certificate key (not yet added to a session)."""
    values = version_values(
        context,
        certificate_signer(context, authority, now),
        authority,
        serial=certificate.serial,
        number=certificate.number,
        holder_id=practitioner.id_number,
        first_issued=certificate.first_issued,
        version=version,
        holder_name=holder_name,
        categories=categories,
        issued=issued,
        valid_from=valid_from,
        valid_until=valid_until,
        status_index=status_index,
        now=now,
    )
    return CertificateVersion(**values)


def current_version(certificate: Certificate) -> CertificateVersion:
    """The certificate's current version."""
    return next(v for v in reversed(certificate.versions) if v.version == certificate.current_version)

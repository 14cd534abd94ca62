"""Holder accounts: an activation code handed over by the clerk, activation with ID number and
code, sign-in, and what a holder may see (only their own certificates)."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import validate_id_number
from signing.errors import IdentifierError

from ..models import Certificate, HolderAccount, Practitioner, Staff
from .audit import record
from .errors import RuleViolation
from .passwords import check_password, hash_password
from .sessions import end_sessions

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
CODE_DAYS = 30
MIN_PASSWORD = 8


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def new_activation_code(session: Session, practitioner: Practitioner, actor: Staff) -> str:
    """A fresh activation code for ``practitioner`` (replacing any earlier one). An activated
    account's password keeps working until the code is used, but every session of the account ends
    now: whoever holds one signs in again. Not committed; the code is shown once."""
    code, hashed = make_code()
    set_activation_code(session, practitioner.id, hashed, actor, now=dt.datetime.now(dt.UTC))
    return code


def make_code() -> tuple[str, str]:
    """A new random activation code and its hash (the slow part: done outside any transaction
    when many are made at once)."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return code, hash_password(code)


def set_activation_code(
    session: Session, practitioner_id: int, hashed: str, actor: Staff, *, now: dt.datetime
) -> HolderAccount:
    """Give the holder's account (made if missing) the code hashed as ``hashed``, valid
    :data:`CODE_DAYS` from ``now``, replacing any earlier one and ending the account's sessions;
    audited. Not committed."""
    account = session.scalars(select(HolderAccount).filter_by(practitioner_id=practitioner_id)).first()
    if account is None:
        account = HolderAccount(practitioner_id=practitioner_id, created_at=now)
        session.add(account)
    else:
        end_sessions(account)
    account.activation_hash = hashed
    account.activation_expires = now + dt.timedelta(days=CODE_DAYS)
    record(
        session,
        actor=actor.username,
        action="holder.activation_code",
        target_type="practitioner",
        target_id=str(practitioner_id),
        authority=actor.authority.credit_code,
    )
    return account


def shown_code(code: str) -> str:
    """A code as it is shown and printed: ``ABCDE-12345``."""
    code = normalize_code(code)
    return f"{code[:5]}-{code[5:]}"


def normalize_code(text: str) -> str:
    """A code as typed: spaces and dashes dropped, upper case."""
    return "".join(c for c in text.upper() if c.isalnum())


def activate(session: Session, id_number: str, code: str, password: str) -> HolderAccount:
    """Set the holder's password with their ID number and activation code. The same message
    answers a wrong ID number and a wrong code, so neither can be probed."""
    if len(password) < MIN_PASSWORD:
        raise RuleViolation("the password is too short", code="holder_weak_password", minimum=MIN_PASSWORD)
    try:
        number = validate_id_number(id_number)
    except IdentifierError:
        number = ""
    account = session.scalars(
        select(HolderAccount).join(Practitioner).where(Practitioner.id_number == number)
    ).first()
    valid = check_password(account.activation_hash if account else None, normalize_code(code))
    if account is None or not valid:
        raise RuleViolation("wrong ID number or activation code", code="activation_invalid")
    if account.activation_expires is None or _utc(account.activation_expires) < dt.datetime.now(dt.UTC):
        raise RuleViolation("the activation code has expired", code="activation_expired")
    account.password_hash = hash_password(password)
    account.activation_hash = None
    account.activation_expires = None
    account.activated_at = dt.datetime.now(dt.UTC)
    end_sessions(account)  # whoever was signed in before the account was opened again is signed out
    record(
        session,
        actor=f"holder:{account.id}",
        action="holder.activate",
        target_type="practitioner",
        target_id=str(account.practitioner_id),
    )
    return account


def authenticate(session: Session, id_number: str, password: str) -> HolderAccount | None:
    """The activated account for ``id_number`` if ``password`` matches."""
    number = id_number.strip().upper()
    account = session.scalars(
        select(HolderAccount).join(Practitioner).where(Practitioner.id_number == number)
    ).first()
    usable = account if account is not None and account.password_hash else None
    return usable if check_password(usable.password_hash if usable else None, password) else None


def change_password(session: Session, account: HolderAccount, current: str, new: str) -> None:
    """Change a holder's password and end every session of the account (the current browser may
    sign in again: ``app.auth.renew_session``); not committed."""
    if not check_password(account.password_hash, current):
        raise RuleViolation("the current password is wrong", code="holder_wrong_password")
    if len(new) < MIN_PASSWORD:
        raise RuleViolation("the password is too short", code="holder_weak_password", minimum=MIN_PASSWORD)
    account.password_hash = hash_password(new)
    end_sessions(account)
    record(
        session,
        actor=f"holder:{account.id}",
        action="holder.password",
        target_type="practitioner",
        target_id=str(account.practitioner_id),
    )


def own_certificates(session: Session, account: HolderAccount) -> list[Certificate]:
    """The holder's certificates, newest first."""
    return list(
        session.scalars(
            select(Certificate)
            .where(Certificate.practitioner_id == account.practitioner_id, Certificate.published())
            .order_by(Certificate.id.desc())
        )
    )


def check_code(session: Session, practitioner_id: int, code: str) -> HolderAccount | None:
    """The account whose pending activation code is ``code`` (to print it on a notice)."""
    account = session.scalars(select(HolderAccount).filter_by(practitioner_id=practitioner_id)).first()
    if account is None or not check_password(account.activation_hash, normalize_code(code)):
        return None
    return account

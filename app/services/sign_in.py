"""Signing in with a password: the one place that counts failed sign-ins per account name, locks a
name with back-off, and records every failure in the audit log.

The count lives in the database (``sign_in_lock``), so every worker and instance shares it, and it
belongs to the *name* tried (a staff user name, a holder's ID number), whatever address the tries
come from. After :data:`FREE_TRIES` failures in a row the name is locked for a minute, and each
failure after a lock has ended doubles it, up to :data:`LONGEST_LOCK`. While a name is locked no
password is checked, the right one included: the answer is the usual "wrong name or password" plus
when to try again. A name with no account is counted and locked the same way, so the answers never
tell whether an account exists. A successful sign-in removes the count; so does a day without tries.

Each try takes the name's row with ``SELECT … FOR UPDATE`` (SQLite: the request's write lock)
*before* the password is checked and counts it then, so concurrent tries cannot slip past the limit.
Services never commit: the request's unit of work commits the count and the audit event, refused or
not (a refusal is a :class:`SignInRefused` the view catches).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from signing import mask_id

from ..models import HolderAccount, SignInLock, Staff
from .audit import record
from .errors import DomainError
from .holders import authenticate
from .passwords import check_password

FREE_TRIES = 5
"""Failures in a row before the name is locked."""
FIRST_LOCK = dt.timedelta(minutes=1)
LONGEST_LOCK = dt.timedelta(hours=1)
FORGET_AFTER = dt.timedelta(days=1)
"""A name not tried for this long starts again from nothing."""

Account = TypeVar("Account", Staff, HolderAccount)


class SignInRefused(DomainError):
    """Wrong name or password (the views say it in their own words: "user name" or "ID number")."""

    code = "sign_in_refused"


class SignInLocked(SignInRefused):
    """Wrong name or password, and the name is locked for ``minutes`` more (rounded up)."""

    code = "sign_in_locked"

    def __init__(self, remaining: dt.timedelta) -> None:
        super().__init__(
            "too many failed sign-ins", minutes=max(1, math.ceil(remaining / dt.timedelta(minutes=1)))
        )


def staff(session: Session, username: str, password: str, *, secret: str, now: dt.datetime) -> Staff:
    """The active staff account ``username`` if ``password`` is its password and the name is not
    locked (its sign-in is recorded); otherwise :class:`SignInRefused`."""

    def check() -> Staff | None:
        found = session.scalars(select(Staff).filter_by(username=username)).first()
        account = found if found is not None and found.active else None
        # The hash is always checked, so timing does not tell which user names exist.
        return account if check_password(account.password_hash if account else None, password) else None

    account = _attempt(session, "staff", username, username[:64], check, secret=secret, now=now)
    record(
        session,
        actor=account.username,
        action="staff.login",
        target_type="staff",
        target_id=account.username,
        authority=account.authority.credit_code,
        at=now,
    )
    return account


def holder(
    session: Session, id_number: str, password: str, *, secret: str, now: dt.datetime
) -> HolderAccount:
    """The activated holder account of ``id_number`` if ``password`` is its password and the number
    is not locked; otherwise :class:`SignInRefused`. The audit log keeps the number masked."""
    number = id_number.strip().upper()  # as the account is looked up: one name, however it is typed
    shown = mask_id(number) if len(number) > 8 else "*" * len(number)
    return _attempt(
        session,
        "holder",
        number,
        shown,
        lambda: authenticate(session, number, password),
        secret=secret,
        now=now,
    )


def _attempt(
    session: Session,
    kind: str,
    name: str,
    shown: str,
    check: Callable[[], Account | None],
    *,
    secret: str,
    now: dt.datetime,
) -> Account:
    """Count one try of ``name`` and run ``check`` unless the name is locked (``shown``: the name as
    the audit log keeps it)."""
    lock = _lock_row(session, _key(secret, kind, name), now)
    locked_until = _utc(lock.locked_until) if lock.locked_until is not None else None
    if locked_until is not None and locked_until > now:
        lock.last_try = now
        _record_failure(session, kind, shown, lock, now, while_locked=True)
        raise SignInLocked(locked_until - now)
    lock.failures += 1
    lock.last_try = now
    if lock.failures >= FREE_TRIES:
        doublings = min(lock.failures - FREE_TRIES, 10)
        lock.locked_until = now + min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)
    account = check()
    if account is not None:
        session.delete(lock)
        return account
    _record_failure(session, kind, shown, lock, now, while_locked=False)
    if lock.locked_until is not None:
        raise SignInLocked(_utc(lock.locked_until) - now)
    raise SignInRefused("wrong name or password")


def _key(secret: str, kind: str, name: str) -> str:
    """The row of a name: a keyed hash, so the table holds no user names or ID numbers."""
    return hmac.new(secret.encode(), f"{kind}:{name}".encode(), hashlib.sha256).hexdigest()


def _lock_row(session: Session, key: str, now: dt.datetime) -> SignInLock:
    """The name's row, made if missing, locked for this transaction; rows of names not tried for
    :data:`FORGET_AFTER` are removed on the way."""
    session.execute(delete(SignInLock).where(SignInLock.last_try < now - FORGET_AFTER, SignInLock.key != key))
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(
        dialect.insert(SignInLock)
        .values(key=key, failures=0, locked_until=None, last_try=now)
        .on_conflict_do_nothing(index_elements=[SignInLock.key])
    )
    lock = session.get(SignInLock, key, with_for_update=True, populate_existing=True)
    assert lock is not None  # made just above, and only a successful sign-in of this name removes it
    if _utc(lock.last_try) < now - FORGET_AFTER:
        lock.failures, lock.locked_until = 0, None
    return lock


def _record_failure(
    session: Session, kind: str, shown: str, lock: SignInLock, now: dt.datetime, *, while_locked: bool
) -> None:
    """One audit event per failed sign-in: the name tried (a holder's ID number masked), never the
    password."""
    locked_until = _utc(lock.locked_until) if lock.locked_until is not None else None
    record(
        session,
        actor=shown,
        action=f"{kind}.login_failed",
        target_type=kind,
        target_id=shown,
        after={
            "failures": lock.failures,
            "locked_until": locked_until.isoformat() if locked_until and locked_until > now else None,
            "while_locked": while_locked,
        },
        at=now,
    )


def _utc(value: dt.datetime) -> dt.datetime:
    """SQLite gives back naive datetimes (stored in UTC)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value

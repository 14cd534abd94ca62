"""One transaction per request or command, and a savepoint per service step.

Services never commit. A web request's session is committed once, after its view returns or
when it ends in a domain error (see ``app.transactions``); a command or background job opens
:func:`unit_of_work`. Inside, each service operation runs as a :func:`step`: a domain error undoes
everything that step wrote (work done earlier in the same transaction stays), a refusal by the
access policy is recorded in the audit log, and a database conflict becomes a domain
:class:`~app.services.errors.Conflict`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from .audit import record
from .errors import Conflict, DomainError, PermissionDenied

DATABASE_ERRORS = (IntegrityError, StaleDataError, OperationalError)
LOST_RACE_STATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: it aborted us to let another go on."""


def lost_race(exc: BaseException) -> bool:
    """Whether a database error means another transaction got there first: a unique or version
    conflict, or a deadlock or serialization failure the database broke by aborting this one."""
    if isinstance(exc, (IntegrityError, StaleDataError)):
        return True
    return isinstance(exc, OperationalError) and getattr(exc.orig, "sqlstate", None) in LOST_RACE_STATES


def conflict(exc: Exception) -> Conflict:
    """The domain error a lost race (see :func:`lost_race`) turns into."""
    conflict = Conflict("someone else changed this first; reload and try again", code="concurrent_change")
    conflict.__cause__ = exc
    return conflict


def commit(session: Session) -> None:
    """Commit ``session``; a database conflict rolls back and raises :class:`Conflict`."""
    try:
        session.commit()
    except DATABASE_ERRORS as exc:
        session.rollback()
        if not lost_race(exc):
            raise
        raise conflict(exc) from exc


@contextmanager
def step(session: Session) -> Iterator[None]:
    """Run one service operation in a savepoint (see the module's docstring)."""
    savepoint = session.begin_nested()
    try:
        yield
        savepoint.commit()
    except PermissionDenied as exc:
        if savepoint.is_active:
            savepoint.rollback()
        if exc.refusal:
            record(session, **exc.refusal)
        raise
    except DomainError:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    except DATABASE_ERRORS as exc:
        if savepoint.is_active:
            savepoint.rollback()
        if not lost_race(exc):
            raise
        raise conflict(exc) from exc
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise


@contextmanager
def unit_of_work(sessions: sessionmaker[Session], **options: Any) -> Iterator[Session]:
    """A session for a command or background job: committed at the end (a domain error still
    commits what its failed step left, such as the record of a refusal), rolled back on any other
    error, closed in every case."""
    session = sessions(**options)
    try:
        try:
            yield session
        except DomainError:
            commit(session)
            raise
        commit(session)
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

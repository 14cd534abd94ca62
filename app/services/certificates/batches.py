"""Issuing a batch in short transactions, seen by nobody until it is published whole.

A batch of 100,000 rows used to be one transaction: on SQLite it held the write lock for half a
minute (sign-ins, issues and partner pushes failed with "database is locked"), on PostgreSQL the
authority's serial row. Now a batch runs in steps, each its own short transaction:

1. the actor's right to issue is checked, then every row is planned in a transaction that only
   reads (:func:`~app.services.certificates.issuance.plan`: every problem by row and field);
2. the status-list indexes and serials of every planned row are reserved;
3. chunk by chunk, the first versions are signed outside any transaction and stored in a short one
   as ``pending`` certificates of the batch: no list, page, count, search or account shows them,
   and their numbers are held (a single issue of one of them is refused meanwhile);
4. one short transaction publishes them all (``pending`` → ``active``) with the job's result.

When anything fails after step 2, :func:`withdraw` deletes what the batch stored (in chunks, each
its own transaction), so the batch stays all or nothing; the serials and status indexes reserved
for it stay unused. A batch whose process died is withdrawn when it is noticed or started again
(:mod:`app.services.batch_jobs`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from signing import Status

from ...db import Base, begin_read
from ...models import BatchJob, Certificate, CertificateVersion, HolderCategory, Practitioner, Staff
from ...models.enums import CertificateState, ServiceItem
from .. import access, status_lists
from ..audit import record
from ..context import IssuingContext
from ..errors import Conflict, RuleViolation
from ..unit_of_work import step, unit_of_work
from .issuance import IssueRequest, Planned, Refused, Signed, numbers_held, plan, reserve, sign, store
from .signed import certificate_signer

CHUNK = 1000
"""Rows stored per transaction (``RTC_BATCH_CHUNK_ROWS``): about a tenth of a second of SQLite's
write lock, and one commit (a disk flush) per thousand certificates."""

PENDING = CertificateState.PENDING.value
CHUNK_TRIES = 3
"""How often a chunk is tried when a number it checked is issued elsewhere before its insert."""


@dataclass(frozen=True)
class BatchRun:
    """What to issue, for which job and on whose authority."""

    job_id: int
    actor_id: int
    requests: Sequence[IssueRequest]
    all_or_nothing: bool = True
    earlier_problems: int = 0
    """Problems found while reading the file (they count against ``all_or_nothing``)."""
    attempt: int = 1
    """Which attempt at the job this run is (a job started again is run by a new one)."""


@dataclass
class BatchOutcome:
    """How many certificates were issued (published), and every request that was not."""

    issued: int = 0
    refused: list[Refused] = field(default_factory=list)


Written = Callable[[Session, int], None]
"""Called in each chunk's transaction with the number of rows stored so far."""
Finished = Callable[[Session, BatchOutcome], None]
"""Called in the transaction that publishes the batch (or records that nothing was issued)."""


class Abandon(Exception):
    """Raised by a :data:`Written` or :data:`Finished` callback: the batch is no longer this run's
    (started again elsewhere), so the run stops at once and leaves what is stored to the other."""


class _RefusedLate(Exception):
    """Numbers taken by someone else after planning, in an all-or-nothing batch."""

    def __init__(self, refused: list[Refused]) -> None:
        super().__init__("numbers taken while the batch was written")
        self.refused = refused


def run_batch(
    sessions: sessionmaker[Session],
    context: IssuingContext,
    run: BatchRun,
    *,
    written: Written | None = None,
    finished: Finished | None = None,
    chunk: int | None = None,
) -> BatchOutcome:
    """Issue ``run``'s requests in the steps the module describes, ``chunk`` rows a transaction
    (:data:`CHUNK`); what it did."""
    with unit_of_work(sessions) as session, step(session):
        access.require(
            session,
            _actor(session, run),
            ServiceItem.ISSUE,
            action="certificate.batch",
            target=("batch", str(run.job_id)),
        )
    with unit_of_work(sessions) as session:
        begin_read(session)
        planned, refused = plan(session, context, run.requests)
    nothing = BatchOutcome(refused=refused)
    if ((refused or run.earlier_problems) and run.all_or_nothing) or not planned:
        _finish(sessions, run, nothing, finished)
        return nothing
    try:
        stored, late, kid = _store_in_chunks(sessions, context, run, planned, written, chunk or CHUNK)
        with unit_of_work(sessions) as session:
            _hold(session, run)
            _still_trusted(context, kid)
            outcome = BatchOutcome(publish(session, _actor(session, run), run.job_id, stored), refused + late)
            outcome.refused.sort(key=lambda r: r.row)
            if finished is not None:
                finished(session, outcome)
        return outcome
    except Abandon:
        raise
    except _RefusedLate as exc:
        withdraw(sessions, run.job_id, run.attempt, by=_username(sessions, run))
        refused = sorted(refused + exc.refused, key=lambda r: r.row)
        _finish(sessions, run, BatchOutcome(refused=refused), finished)
        return BatchOutcome(refused=refused)
    except BaseException:
        withdraw(sessions, run.job_id, run.attempt, by=_username(sessions, run))
        raise


def _store_in_chunks(
    sessions: sessionmaker[Session],
    context: IssuingContext,
    run: BatchRun,
    planned: Sequence[Planned],
    written: Written | None,
    chunk: int,
) -> tuple[int, list[Refused], str]:
    """Steps 2 and 3; (how many were stored, the requests refused because their number was
    taken meanwhile, the key that signed them)."""
    now = context.clock.timestamp()
    with unit_of_work(sessions) as session:
        authority = _actor(session, run).authority
        signer = certificate_signer(context, authority, now)  # no key: refused before reserving
        first_index, first_serial = reserve(session, authority, len(planned))
    late: list[Refused] = []
    done = 0
    for start in range(0, len(planned), chunk):
        signed = sign(
            context,
            signer,
            authority,
            planned[start : start + chunk],
            first_index=first_index + start,
            first_serial=first_serial + start,
            now=now,
        )
        for tries_left in reversed(range(CHUNK_TRIES)):
            try:
                stored, taken = _store_chunk(sessions, run, signed, written, done)
                break
            except IntegrityError:  # a number issued at a desk between the check and the insert
                if not tries_left:
                    raise
        done += stored
        late += taken
    return done, late, signer.public.kid


def _still_trusted(context: IssuingContext, kid: str) -> None:
    """Refuse to publish what a key compromised while the batch ran has signed: nothing it
    signed verifies any more (the batch is withdrawn, and started again with the new key)."""
    if any(info.kid == kid and info.compromised_at is not None for info in context.keys.infos()):
        raise RuleViolation(
            f"key {kid} was marked compromised during the batch", code="signing_key_compromised"
        )


def _store_chunk(
    sessions: sessionmaker[Session], run: BatchRun, signed: list[Signed], written: Written | None, done: int
) -> tuple[int, list[Refused]]:
    """Store one signed chunk in a transaction of its own, but the rows whose number was taken
    since planning; (how many were stored, the rows refused)."""
    with unit_of_work(sessions) as session:
        _hold(session, run)
        held = numbers_held(session, [s.planned.id_number for s in signed])
        taken = [
            Refused(s.planned.row, "id_number", held[s.planned.id_number])
            for s in signed
            if s.planned.id_number in held
        ]
        if taken and run.all_or_nothing:
            raise _RefusedLate(taken)
        signed = [s for s in signed if s.planned.id_number not in held]
        if signed:
            store(
                session, _actor(session, run), signed, reason=f"batch {run.job_id}", batch_job_id=run.job_id
            )
        if written is not None:
            written(session, done + len(signed))
    return len(signed), taken


def publish(session: Session, actor: Staff, job_id: int, stored: int) -> int:
    """Make every certificate the batch stored active at once; how many (:class:`Conflict`, and
    nothing published, unless exactly the ``stored`` ones are there)."""
    table = Certificate.__table__
    published = update(table).where(table.c.batch_job_id == job_id, table.c.state == PENDING)
    count = cast("CursorResult[Any]", session.execute(published.values(state="active"))).rowcount
    if count != stored:
        raise Conflict(
            f"batch {job_id}: {count} certificates to publish, {stored} stored", code="concurrent_change"
        )
    record(
        session,
        actor=actor.username,
        action="certificate.batch_publish",
        target_type="batch",
        target_id=str(job_id),
        authority=actor.authority.credit_code,
        after={"issued": count},
    )
    return int(count)


def withdraw(
    sessions: sessionmaker[Session], job_id: int, attempt: int, *, by: str, chunk: int = CHUNK
) -> int:
    """Delete what an unpublished batch stored (certificates, versions, categories, and the
    practitioners it created that nothing else refers to), chunk by chunk, for ``attempt`` at the
    job: it stops when another attempt runs the job (its rows are that attempt's to keep or
    withdraw). How many certificates it deleted."""
    total = 0
    while True:
        with unit_of_work(sessions) as session:
            state, attempts = _job_row(session, job_id)
            if state == "running" and attempts != attempt:
                break
            rows = session.execute(
                select(Certificate.id, Certificate.practitioner_id)
                .where(Certificate.batch_job_id == job_id, Certificate.state == PENDING)
                .limit(chunk)
            ).all()
            if not rows:
                break
            ids = [row.id for row in rows]
            _revoke_indexes(session, ids)
            session.execute(delete(HolderCategory).where(HolderCategory.certificate_id.in_(ids)))
            session.execute(delete(CertificateVersion).where(CertificateVersion.certificate_id.in_(ids)))
            session.execute(delete(Certificate).where(Certificate.id.in_(ids), Certificate.state == PENDING))
            people = [row.practitioner_id for row in rows]
            session.execute(delete(Practitioner).where(Practitioner.id.in_(people), *_unreferenced()))
            total += len(ids)
    if total:
        with unit_of_work(sessions) as session:
            record(
                session,
                actor=by,
                action="certificate.batch_withdraw",
                target_type="batch",
                target_id=str(job_id),
                after={"withdrawn": total},
            )
    return total


def _revoke_indexes(session: Session, certificate_ids: list[int]) -> None:
    """Mark the status-list entries of withdrawn versions revoked: their credentials were never
    handed out, but one that had leaked must not verify as valid."""
    entries = session.execute(
        select(CertificateVersion.authority_id, CertificateVersion.status_index).where(
            CertificateVersion.certificate_id.in_(certificate_ids)
        )
    ).tuples()
    by_authority: dict[int, dict[int, Status]] = {}
    for authority_id, index in entries:
        by_authority.setdefault(authority_id, {})[index] = Status.REVOKED
    for authority_id, changes in by_authority.items():
        status_lists.set_statuses(session, authority_id, changes)


def _unreferenced() -> list[ColumnElement[bool]]:
    """Conditions: no row of any table refers to the practitioner."""
    practitioner = Practitioner.__table__
    return [
        ~exists().where(fk.parent == practitioner.c.id)
        for table in Base.metadata.tables.values()
        for fk in table.foreign_keys
        if fk.references(practitioner)
    ]


def _job_row(session: Session, job_id: int) -> tuple[str, int]:
    """The job's state and attempt, its row locked: a batch's every transaction takes it first
    (before the status list, the authority, the certificates and the audit head)."""
    state, attempts = session.execute(
        select(BatchJob.state, BatchJob.attempts).where(BatchJob.id == job_id).with_for_update()
    ).one()
    return str(state), int(attempts)


def _hold(session: Session, run: BatchRun) -> None:
    """Lock the job's row; :class:`Abandon` unless this run's attempt still runs the job."""
    state, attempts = _job_row(session, run.job_id)
    if state != "running" or attempts != run.attempt:
        raise Abandon(f"batch {run.job_id} is no longer run by attempt {run.attempt}")


def _finish(
    sessions: sessionmaker[Session], run: BatchRun, outcome: BatchOutcome, finished: Finished | None
) -> None:
    if finished is not None:
        with unit_of_work(sessions) as session:
            finished(session, outcome)


def _actor(session: Session, run: BatchRun) -> Staff:
    actor = session.get(Staff, run.actor_id)
    if actor is None:
        raise LookupError(f"no staff account {run.actor_id}")
    return actor


def _username(sessions: sessionmaker[Session], run: BatchRun) -> str:
    with unit_of_work(sessions) as session:
        return _actor(session, run).username

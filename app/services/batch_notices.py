"""Activation notices for the holders of a batch: new activation codes for every holder whose
account is not activated yet, printed as one PDF (one notice a page) and listed in a CSV.

Making a code is slow on purpose (Argon2: tenths of a second each), so a batch's codes are made
in a background thread like the batch itself, chunk by chunk: the codes are hashed outside any
transaction and stored (audited) in a short one per chunk. The PDF and the CSV are written once,
at generation, into the instance folder and offered to the staff member who generated them for
:data:`KEPT`; then they are deleted. The codes are shown nowhere else (the database keeps their
hashes only), as with a single certificate's code: whoever needs them later generates new ones,
which makes the earlier ones void.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import secrets
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from flask import Flask
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from signing import mask_id

from ..messages import N_
from ..models import Authority, BatchJob, Certificate, CertificateVersion, HolderAccount, Practitioner, Staff
from ..renderers.pdf import ActivationNotice, activation_notices_pdf
from ..transactions import after_commit
from . import access, csv_export
from .audit import record
from .holders import make_code, set_activation_code, shown_code
from .unit_of_work import unit_of_work

KEPT = dt.timedelta(hours=1)
"""How long generated notices can be downloaded."""
CHUNK = 50
"""Codes stored per transaction."""
PDF, CSV = "notices.pdf", "notices.csv"


@dataclass(frozen=True)
class Holder:
    """A holder of the batch who gets a notice."""

    practitioner_id: int
    name: str
    id_number: str
    number: str
    issuer_name: str
    had_code: bool
    """Whether an activation code was made for the holder before."""


@dataclass(frozen=True)
class Generation:
    """One generation of a batch's notices, as its folder's ``meta.json`` says."""

    token: str
    job_id: int
    staff_id: int
    count: int
    created: float
    """Seconds since the epoch."""
    state: str
    """``running``, ``done`` or ``failed``."""

    @property
    def expires(self) -> dt.datetime:
        """When the files are deleted."""
        return dt.datetime.fromtimestamp(self.created, dt.UTC) + KEPT


def _may_act(session: Session, actor: Staff, job: BatchJob) -> bool:
    """Whether ``actor`` may act on the accounts of ``job``'s holders: the one policy
    (:func:`app.services.access.manages_holder_of`) asked of one certificate of the batch, which
    answers for all (a batch's certificates have one issuing authority, and are all published once
    it is done)."""
    one = session.scalars(select(Certificate).where(Certificate.batch_job_id == job.id).limit(1)).first()
    return one is not None and access.manages_holder_of(actor, one)


def _not_activated(job: BatchJob) -> Select[Any]:
    """The certificates of ``job`` whose holder has not activated an account, with what a notice
    says, in certificate order."""
    return (
        select(
            Certificate.practitioner_id,
            CertificateVersion.holder_name,
            Practitioner.id_number,
            Certificate.number,
            Authority.name,
            HolderAccount.id.label("account_id"),
        )
        .join(Practitioner, Practitioner.id == Certificate.practitioner_id)
        .join(Authority, Authority.id == Certificate.authority_id)
        .join(
            CertificateVersion,
            (CertificateVersion.certificate_id == Certificate.id)
            & (CertificateVersion.version == Certificate.current_version),
        )
        .outerjoin(HolderAccount, HolderAccount.practitioner_id == Certificate.practitioner_id)
        .where(Certificate.batch_job_id == job.id, HolderAccount.password_hash.is_(None))
        .order_by(Certificate.id)
    )


def holders_to_notify(session: Session, actor: Staff, job: BatchJob) -> list[Holder]:
    """The holders of ``job``'s certificates whose account is not activated, if ``actor`` may act
    on their accounts (none otherwise), in certificate order."""
    if not _may_act(session, actor, job):
        return []
    rows = session.execute(_not_activated(job)).tuples()
    return [
        Holder(p, name, id_number, number, issuer, account is not None)
        for p, name, id_number, number, issuer, account in rows
    ]


def summary(session: Session, actor: Staff, job: BatchJob) -> tuple[int, bool]:
    """(how many holders of ``job`` would get a notice from ``actor``, whether codes were made for
    any of them before), counted in the database (a batch may hold 100,000)."""
    if not _may_act(session, actor, job):
        return 0, False
    rows = _not_activated(job).order_by(None).subquery()
    count, earlier = session.execute(
        select(func.count(), func.count(rows.c.account_id)).select_from(rows)
    ).one()
    return int(count), bool(earlier)


def start(
    app: Flask, session: Session, actor: Staff, job: BatchJob, holders: Sequence[Holder], url: str
) -> str:
    """Record that ``actor`` generates the notices of ``holders`` (audited in the request's
    transaction) and make them in a background thread once it commits; the generation's token."""
    token = secrets.token_hex(16)
    folder = _root(app) / token
    _root(app).mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700)  # the notices hold activation codes: the service's user only
    generation = Generation(token, job.id, actor.id, len(holders), time.time(), "running")
    _write_meta(folder, generation)
    record(
        session,
        actor=actor.username,
        action="batch.activation_notices",
        target_type="batch",
        target_id=str(job.id),
        authority=actor.authority.credit_code,
        after={"holders": len(holders), "again": any(h.had_code for h in holders)},
    )
    after_commit(lambda: _in_background(app, generation, list(holders), url))
    return token


def generation(app: Flask, token: str) -> Generation | None:
    """The generation ``token`` names, if its files are still kept (older ones are deleted now)."""
    forget_old(app)
    if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
        return None
    return _read(app, token)


def _read(app: Flask, token: str) -> Generation | None:
    try:
        values = json.loads((_root(app) / token / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    return Generation(**values)


def file_path(app: Flask, found: Generation, name: str) -> Path:
    """The path of one of a finished generation's files (``PDF`` or ``CSV``)."""
    assert name in (PDF, CSV)
    return _root(app) / found.token / name


def of_job(app: Flask, job_id: int, staff_id: int) -> list[Generation]:
    """The kept generations of the job by the staff member, newest first."""
    forget_old(app)
    found = [_read(app, folder.name) for folder in _folders(app)]
    mine = [g for g in found if g is not None and g.job_id == job_id and g.staff_id == staff_id]
    return sorted(mine, key=lambda g: g.created, reverse=True)


def forget_old(app: Flask) -> None:
    """Delete the generations older than :data:`KEPT` (their codes go with them)."""
    limit = time.time() - KEPT.total_seconds()
    for folder in _folders(app):
        try:
            created = json.loads((folder / "meta.json").read_text())["created"]
        except (OSError, ValueError, KeyError):
            created = folder.stat().st_mtime
        if created < limit:
            shutil.rmtree(folder, ignore_errors=True)


def notices_csv(notices: Sequence[tuple[str, ActivationNotice]]) -> bytes:
    """(certificate number, notice) as CSV: name, masked ID number, certificate number, code,
    valid until (UTF-8 with BOM, so Excel opens it right; Chinese headers as the notice is)."""
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(["姓名", "身份证号码", "证号", "激活码", "激活码有效期至"])
    for number, n in notices:
        writer.writerow([n.holder_name, n.masked_id, number, n.code, n.expires.isoformat()])
    return out.getvalue().encode("utf-8")


GENERATION_STATES = {"running": N_("Making the codes…"), "done": N_("Ready"), "failed": N_("Failed")}


def _root(app: Flask) -> Path:
    return Path(app.instance_path) / "activation-notices"


def _folders(app: Flask) -> Iterator[Path]:
    root = _root(app)
    return (p for p in root.iterdir() if p.is_dir()) if root.is_dir() else iter(())


def _write_meta(folder: Path, generation: Generation) -> None:
    part = folder / "meta.json.part"
    part.write_text(json.dumps(asdict(generation)))
    os.replace(part, folder / "meta.json")


def _make(app: Flask, generation: Generation, holders: list[Holder], url: str) -> None:
    sessions: sessionmaker[Session] = app.extensions["db_sessionmaker"]
    notices: list[tuple[str, ActivationNotice]] = []
    for start in range(0, len(holders), CHUNK):
        chunk = holders[start : start + CHUNK]
        codes = [make_code() for _ in chunk]  # the slow part, outside any transaction
        with unit_of_work(sessions) as session:
            actor = session.get(Staff, generation.staff_id)
            assert actor is not None
            now = dt.datetime.now(dt.UTC)
            for holder, (code, hashed) in zip(chunk, codes, strict=True):
                account = set_activation_code(session, holder.practitioner_id, hashed, actor, now=now)
                assert account.activation_expires is not None
                notice = ActivationNotice(
                    holder.name,
                    mask_id(holder.id_number),
                    shown_code(code),
                    account.activation_expires.date(),
                    url,
                    holder.issuer_name,
                )
                notices.append((holder.number, notice))
    folder = _root(app) / generation.token
    with _private(folder / f"{PDF}.part") as out:
        activation_notices_pdf((n for _, n in notices), out)
    with _private(folder / f"{CSV}.part") as out:
        out.write(notices_csv(notices))
    os.replace(folder / f"{PDF}.part", folder / PDF)
    os.replace(folder / f"{CSV}.part", folder / CSV)


def _private(path: Path) -> BinaryIO:
    """``path`` opened for writing, readable by the service's user only."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb")


def _in_background(app: Flask, generation: Generation, holders: list[Holder], url: str) -> None:
    def target() -> None:
        folder = _root(app) / generation.token
        try:
            with app.app_context():
                _make(app, generation, holders, url)
            state = "done"
        except Exception:
            app.logger.exception("activation notices of batch %s failed", generation.job_id)
            state = "failed"
        if folder.is_dir():
            _write_meta(folder, replace(generation, state=state))

    thread = threading.Thread(target=target, daemon=True)
    running = {k: t for k, t in app.extensions.get("notice_threads", {}).items() if t.is_alive()}
    app.extensions["notice_threads"] = {**running, generation.token: thread}
    thread.start()

"""Anchoring the audit chain outside the database.

Someone with write access to the database can rewrite the whole chain consistently (delete every
event and reset the head, or edit an event and recompute every hash after it): the chain alone then
still checks out. A checkpoint — the head's sequence number and hash, signed with an audit key kept
in the key folder, not in the database — is written as a file into a folder of its own (where the
database's user cannot write) and its public key is published with the trust documents.
:func:`check` compares the chain with every checkpoint: a chain shorter than a checkpoint was
truncated, an event whose hash differs from a checkpoint's was rewritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import (
    Checkpoint,
    FileKeyStore,
    KeySet,
    Purpose,
    VerificationError,
    sign_checkpoint,
    verify_checkpoint,
)
from signing.errors import KeyHandlingError

from ..models.audit import AuditEvent, AuditHead
from .audit import ChainProblem
from .errors import RuleViolation


def write(session: Session, store: FileKeyStore, folder: Path, *, now: int) -> Path:
    """Sign the chain's current head and write it as ``<folder>/<seq>.jws``; the file's path."""
    head = session.get(AuditHead, 1)
    assert head is not None
    try:
        signer = store.signer(Purpose.AUDIT, now=now)
    except KeyHandlingError as exc:
        raise RuleViolation(str(exc), code="no_audit_key") from exc
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{head.seq:012d}.jws"
    partial = path.with_suffix(".part")
    partial.write_text(sign_checkpoint(head.seq, head.hash, signer, now=now))
    partial.replace(path)
    return path


def check(session: Session, keys: KeySet, folder: Path) -> tuple[int, list[ChainProblem]]:
    """(checkpoints checked, problems): every checkpoint file must verify, and the chain must still
    hold its event with its hash."""
    problems: list[ChainProblem] = []
    head = session.get(AuditHead, 1)
    last = head.seq if head is not None else 0
    files = sorted(folder.glob("*.jws")) if folder.is_dir() else []
    for path in files:
        try:
            point = verify_checkpoint(path.read_text(), keys)
        except (VerificationError, OSError, UnicodeDecodeError) as exc:
            problems.append(_unverified(path, exc))
            continue
        problem = _compare(session, point, last)
        if problem is not None:
            problems.append(problem)
    return len(files), problems


def _unverified(path: Path, exc: Exception) -> ChainProblem:
    return ChainProblem(
        0, f"checkpoint {path.name} does not verify: {exc}", "checkpoint_unverified", {"name": path.name}
    )


def _compare(session: Session, point: Checkpoint, last: int) -> ChainProblem | None:
    """What is wrong with the chain (its newest event ``last``) against the signed ``point``."""
    if point.seq == 0:
        return None
    if point.seq > last:
        return ChainProblem(
            point.seq,
            f"truncated: a checkpoint saw {point.seq} events, the log ends at {last}",
            "checkpoint_truncated",
            {"seen": point.seq, "last": last},
        )
    stored = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == point.seq))
    if stored != point.hash:
        return ChainProblem(
            point.seq, "rewritten: its hash differs from the signed checkpoint", "checkpoint_rewritten"
        )
    return None


@dataclass(frozen=True)
class NewestCheckpoint:
    """The newest checkpoint file compared with the chain: its event (``seq``), when it was
    signed (``issued_at``, epoch seconds; ``None`` if it does not verify), and what is wrong."""

    seq: int
    issued_at: int | None
    problem: ChainProblem | None
    files: int


def check_newest(session: Session, keys: KeySet, folder: Path) -> NewestCheckpoint | None:
    """Compare the chain with the newest checkpoint only (one file, one look-up: cheap enough
    for a page; :func:`check` goes through all of them). ``None`` if there is no checkpoint."""
    files = sorted(folder.glob("*.jws")) if folder.is_dir() else []
    if not files:
        return None
    head = session.get(AuditHead, 1)
    last = head.seq if head is not None else 0
    try:
        point = verify_checkpoint(files[-1].read_text(), keys)
    except (VerificationError, OSError, UnicodeDecodeError) as exc:
        return NewestCheckpoint(0, None, _unverified(files[-1], exc), len(files))
    return NewestCheckpoint(point.seq, point.issued_at, _compare(session, point, last), len(files))

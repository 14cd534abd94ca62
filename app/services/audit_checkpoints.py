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

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import FileKeyStore, KeySet, Purpose, VerificationError, sign_checkpoint, verify_checkpoint
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
            problems.append(ChainProblem(0, f"checkpoint {path.name} does not verify: {exc}"))
            continue
        if point.seq == 0:
            continue
        if point.seq > last:
            problems.append(
                ChainProblem(
                    point.seq, f"truncated: a checkpoint saw {point.seq} events, the log ends at {last}"
                )
            )
            continue
        stored = session.scalar(select(AuditEvent.hash).where(AuditEvent.seq == point.seq))
        if stored != point.hash:
            problems.append(ChainProblem(point.seq, "rewritten: its hash differs from the signed checkpoint"))
    return len(files), problems

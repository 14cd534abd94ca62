"""The audit chain anchored outside the database (issue 10): someone with write access to the
database who deletes every event and resets the head, or edits an event and recomputes the chain,
used to leave ``flask audit verify`` reporting "intact". Signed checkpoints catch both."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from app.models import AuditEvent
from app.models.audit import GENESIS_HASH, AuditHead
from app.services import keys as key_service
from app.services.audit import event_hash, record, verify_chain
from signing import LocalKey, Purpose, sign_checkpoint


@pytest.fixture
def anchored(app: Flask, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Five events, an audit key, and a checkpoint of the head written by the command."""
    folder = tmp_path / "checkpoints"
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_DIR", str(folder))
    key_service.generate(key_service.app_keystore(app), session, actor="test", purpose=Purpose.AUDIT, now=1)
    for n in range(5):
        record(
            session, actor="clerk", action="test.event", target_type="thing", target_id=str(n), after={"n": n}
        )
    session.commit()
    return folder


def _checkpoint(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 0 and "checkpoint written" in result.output, result.output


def test_an_untouched_log_verifies_with_its_checkpoints(runner: FlaskCliRunner, anchored: Path) -> None:
    _checkpoint(runner)
    assert [p.name for p in anchored.iterdir()] == ["000000000006.jws"]  # 5 events + the key's own
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "audit log intact: 6 events, 1 signed checkpoints" in result.output


def test_deleting_everything_and_resetting_the_head_is_found(
    runner: FlaskCliRunner, session: Session, anchored: Path
) -> None:
    _checkpoint(runner)
    session.execute(delete(AuditEvent))
    session.execute(update(AuditHead).values(seq=0, hash=GENESIS_HASH))
    session.commit()
    assert verify_chain(session)[1] == []  # the chain alone cannot tell
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "event 6: truncated: a checkpoint saw 6 events, the log ends at 0" in result.output


def test_editing_an_event_and_recomputing_the_chain_is_found(
    runner: FlaskCliRunner, session: Session, anchored: Path
) -> None:
    _checkpoint(runner)
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
    events[2].actor = "someone else"  # then every hash after it recomputed, and the head too
    prev = events[1].hash
    for event in events[2:]:
        event.prev_hash, event.hash = prev, event_hash(prev, event)
        prev = event.hash
    session.execute(update(AuditHead).values(hash=prev))
    session.commit()
    assert verify_chain(session)[1] == []  # consistent again: the chain alone cannot tell
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "event 6: rewritten" in result.output


def test_a_forged_checkpoint_does_not_count(runner: FlaskCliRunner, anchored: Path) -> None:
    _checkpoint(runner)
    other = LocalKey.generate("EdDSA", Purpose.AUDIT)  # not the service's key
    (anchored / "000000000099.jws").write_text(sign_checkpoint(99, "0" * 64, other, now=1))
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "checkpoint 000000000099.jws does not verify" in result.output


def test_no_audit_key_is_a_clear_error(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_DIR", str(tmp_path / "cp"))
    result = runner.invoke(args=["audit", "checkpoint"])
    assert result.exit_code == 1 and "flask keys generate --purpose audit" in result.output

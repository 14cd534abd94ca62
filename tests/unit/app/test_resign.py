"""After an authority's certificate key is withdrawn as compromised, its holders' credentials are
signed again with its new key: in chunks, audited, resumable after an interruption (issue 10)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Certificate, CertificateVersion
from app.services import certificates as certs
from app.services import keys as key_service
from app.services.certificates import resign
from signing import KeySet, Purpose, Verifier, errors

from ...helpers import id_number
from ...registry import Province


def _issue_three(session: Session, province: Province) -> list[Certificate]:
    admin = province.actor(session, "jinan_admin")
    made = [
        certs.issue(
            session,
            province.context,
            admin,
            certs.IssueRequest(id_number(f"3701021990030{n}123"), "张三明", [1]),
        ).certificate
        for n in range(1, 4)
    ]
    certs.perform(session, province.context, admin, "revoke", made[2].id, certs.ActionInput(reason="处罚"))
    session.commit()
    return made


def _replace_key(session: Session, province: Province) -> str:
    jinan = province.body(session, "jinan")
    store = province.context.keys
    old = key_service.rotate(
        store, session, actor="test", purpose=Purpose.CERTIFICATE, issuer=jinan.credit_code
    )[1][0]
    key_service.retire(store, session, actor="test", kid=old.info.kid, compromised=True, reason="leaked")
    session.commit()
    return jinan.credit_code


def _verify(province: Province, credential: str) -> Any:
    return Verifier(KeySet(province.context.keys.published(now=2_000_000_000))).verify(credential)


def test_resign_resumes_after_an_interruption(
    app: Flask, runner: FlaskCliRunner, session: Session, province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    active, second, revoked = _issue_three(session, province)
    issuer = _replace_key(session, province)
    with pytest.raises(errors.KeyCompromised):
        _verify(province, certs.current_version(active).credential)  # holders' PDFs carry a dead code

    real, calls = resign.resign_chunk, 0

    def interrupted(*args: Any, **kwargs: Any) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(resign, "resign_chunk", interrupted)
    crashed = runner.invoke(args=["keys", "resign", "--issuer", issuer, "--chunk", "1"])
    assert crashed.exit_code != 0
    monkeypatch.setattr(resign, "resign_chunk", real)
    session.expire_all()
    assert resign.remaining(session, province.context, province.body(session, "jinan")) == 1  # one chunk kept

    resumed = runner.invoke(args=["keys", "resign", "--issuer", issuer, "--chunk", "1"])
    assert resumed.exit_code == 0, resumed.output
    assert "re-signed 1 certificates of 济南市交通运输局" in resumed.output
    session.expire_all()
    for cert in (active, second):
        version = certs.current_version(session.get(Certificate, cert.id))  # type: ignore[arg-type]
        assert _verify(province, version.credential).identifier == version.identifier
    revoked_version = session.scalars(
        select(CertificateVersion).where(CertificateVersion.certificate_id == revoked.id)
    ).one()
    with pytest.raises(errors.KeyCompromised):  # a revoked certificate is not brought back to life
        _verify(province, revoked_version.credential)
    events = session.scalar(select(func.count()).where(AuditEvent.action == "certificate.resign"))
    assert events == 2
    again = runner.invoke(args=["keys", "resign", "--issuer", issuer])
    assert again.exit_code == 0 and "re-signed 0 certificates" in again.output


def test_resign_needs_a_new_key(runner: FlaskCliRunner, session: Session, province: Province) -> None:
    jinan = province.body(session, "jinan")
    (key,) = [i for i in province.context.keys.infos() if i.issuer == jinan.credit_code]
    key_service.retire(province.context.keys, session, actor="test", kid=key.kid, compromised=True)
    session.commit()
    result = runner.invoke(args=["keys", "resign", "--issuer", jinan.credit_code])
    assert result.exit_code == 1 and "generate or rotate its certificate key first" in result.output

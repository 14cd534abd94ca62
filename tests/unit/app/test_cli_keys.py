"""``flask keys`` and ``flask demo load``: messages, refusals, audit events."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.db import get_session
from app.models import AuditEvent

from ...helpers import ISSUER


def actions(app: Flask) -> list[str]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_generate_list_retire(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["keys", "generate", "--purpose", "certificate", "--issuer", ISSUER, "--alg", "ES256"]
    )
    assert result.exit_code == 0, result.output
    kid = result.output.split()[1]
    listing = runner.invoke(args=["keys", "list"]).output
    assert kid in listing and "ES256" in listing and ISSUER in listing and "signing" in listing
    assert runner.invoke(args=["keys", "retire", "--", kid]).exit_code == 0
    assert "retired" in runner.invoke(args=["keys", "list"]).output
    again = runner.invoke(args=["keys", "retire", "--", kid])
    assert again.exit_code == 1 and "already retired" in again.output
    assert actions(app) == ["key.generate", "key.retire"]


def test_certificate_key_needs_issuer(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["keys", "generate", "--purpose", "certificate"])
    assert result.exit_code == 2
    assert "needs --issuer" in result.output


def test_unknown_kid(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["keys", "retire", "--", "AAAAAAAAAAA"])
    assert result.exit_code == 1 and "no key AAAAAAAAAAA" in result.output
    result = runner.invoke(args=["keys", "retire", "--", "../etc"])
    assert result.exit_code == 1 and "is not a key id" in result.output


def test_list_empty(runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["keys", "list"]).output.strip() == "no keys"


def test_rotate_audits_both_halves(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["keys", "generate", "--purpose", "presentation"])
    result = runner.invoke(args=["keys", "rotate", "--purpose", "presentation"])
    assert "now signing with" in result.output and "retired" in result.output
    assert actions(app) == ["key.generate", "key.rotate", "key.retire"]


def test_demo_load_is_idempotent(app: Flask, runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    # presentations, audit checkpoints, the key-status document, 4 issuing bodies
    assert first.output.count("generated development key") == 7
    assert "issued 40 demo certificates" in first.output and "haikou_approval_clerk" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "generated development key" not in second.output and "issued" not in second.output
    assert "/.well-known/jwks.json" in second.output

"""``flask partners``: register, list, rotate, deactivate and activate; refusals; audit events."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from app.db import get_session
from app.models import AuditEvent, PartnerClient
from app.services import partners


def events(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = get_session().scalars(select(AuditEvent).order_by(AuditEvent.seq))
        return [(e.action, e.actor, e.target_id) for e in rows]


def clients(app: Flask) -> list[tuple[str, str, str, bool]]:
    with app.app_context():
        rows = get_session().scalars(select(PartnerClient).order_by(PartnerClient.id))
        return [(c.client_id, c.name, c.scopes, c.active) for c in rows]


def added(runner: FlaskCliRunner, *args: str) -> tuple[str, str]:
    """(client_id, secret) printed by ``partners add``."""
    result = runner.invoke(args=["partners", "add", *args])
    assert result.exit_code == 0, result.output
    client_id = re.search(r"^client_id: (\S+)$", result.output, re.M)
    secret = re.search(r"^secret: +(\S+)$", result.output, re.M)
    assert client_id and secret, result.output
    assert "shown only this once" in result.output
    return client_id.group(1), secret.group(1)


def can_get_token(app: Flask, client_id: str, secret: str) -> bool:
    with app.app_context():
        try:
            partners.issue_token(
                get_session(),
                client_id=client_id,
                secret=secret,
                requested=None,
                app_secret=app.config["SECRET_KEY"],
                issuer=app.config["PUBLIC_BASE_URL"],
                lifetime=60,
            )
        except partners.InvalidClient:
            return False
        return True


def test_add_list_rotate_deactivate_activate(app: Flask, runner: FlaskCliRunner) -> None:
    client_id, secret = added(
        runner, "驾培计时平台", "--scope", "graduation:write", "--scope", "graduation:read"
    )
    assert clients(app) == [(client_id, "驾培计时平台", "graduation:read graduation:write", True)]
    assert can_get_token(app, client_id, secret)

    listing = runner.invoke(args=["partners", "list"])
    assert listing.exit_code == 0
    assert client_id in listing.output and "驾培计时平台" in listing.output and "active" in listing.output
    assert "graduation:read,graduation:write" in listing.output
    assert secret not in listing.output

    rotated = runner.invoke(args=["partners", "rotate", client_id])
    assert rotated.exit_code == 0, rotated.output
    new = re.search(r"^secret: +(\S+)$", rotated.output, re.M)
    assert new and new.group(1) != secret
    assert not can_get_token(app, client_id, secret)
    assert can_get_token(app, client_id, new.group(1))

    result = runner.invoke(args=["partners", "deactivate", client_id])
    assert result.exit_code == 0 and f"deactivated {client_id}" in result.output
    assert not can_get_token(app, client_id, new.group(1))
    assert "inactive" in runner.invoke(args=["partners", "list"]).output

    result = runner.invoke(args=["partners", "activate", client_id])
    assert result.exit_code == 0 and f"activated {client_id}" in result.output
    assert can_get_token(app, client_id, new.group(1))

    assert events(app) == [
        ("partner.register", "cli", client_id),
        ("partner.rotate_secret", "cli", client_id),
        ("partner.deactivate", "cli", client_id),
        ("partner.activate", "cli", client_id),
    ]


def test_list_empty(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["partners", "list"])
    assert result.exit_code == 0 and result.output.strip() == "no partner clients"


def test_unknown_client(app: Flask, runner: FlaskCliRunner) -> None:
    for command in ("rotate", "deactivate", "activate"):
        result = runner.invoke(args=["partners", command, "p-nosuchclient"])
        assert result.exit_code == 1, result.output
        assert "no partner client p-nosuchclient" in result.output
    assert events(app) == []


def test_unknown_scope(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["partners", "add", "平台", "--scope", "graduation:write", "--scope", "graduation:delete"]
    )
    assert result.exit_code == 1
    assert "unknown scopes: graduation:delete; known scopes: graduation:write" in result.output
    assert clients(app) == [] and events(app) == []


def test_no_scope_or_no_name(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["partners", "add", "平台"])
    assert result.exit_code == 2 and "give at least one --scope" in result.output
    result = runner.invoke(args=["partners", "add", "  ", "--scope", "graduation:read"])
    assert result.exit_code == 1 and "give the partner system's name" in result.output
    result = runner.invoke(args=["partners", "add", "x" * 101, "--scope", "graduation:read"])
    assert result.exit_code == 1 and "at most 100 characters" in result.output
    assert clients(app) == []

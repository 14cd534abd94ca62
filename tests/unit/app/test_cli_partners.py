"""``flask partners``: register, list, rotate, deactivate and activate; the schools a partner may push
for; refusals; audit events."""

from __future__ import annotations

import datetime as dt
import io
import re

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import AuditEvent, GraduationCertificate, PartnerClient, PartnerSchool, TrainingSchool
from app.services import graduation, partners
from app.services.container import services
from tests.functional.partner_helpers import metadata, pdf


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


JINAN_SCHOOL = "52370100MJD0000012"
QINGDAO_SCHOOL = "52370200MJD000002A"


def school_rows(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        rows = get_session().scalars(select(PartnerSchool).order_by(PartnerSchool.school_credit_code))
        return [(r.client.client_id, r.school_credit_code, r.added_by) for r in rows]


def test_schools_of_a_partner(app: Flask, runner: FlaskCliRunner) -> None:
    client_id, _ = added(runner, "计时平台", "--scope", "graduation:write", "--school", JINAN_SCHOOL.lower())
    assert school_rows(app) == [(client_id, JINAN_SCHOOL, "cli")]
    assert "      1 计时平台" in runner.invoke(args=["partners", "list"]).output

    more = runner.invoke(args=["partners", "add-school", client_id, f" {QINGDAO_SCHOOL} ", JINAN_SCHOOL])
    assert more.exit_code == 0, more.output
    assert more.output.strip() == f"registered {client_id} for 1 school: {QINGDAO_SCHOOL}"
    again = runner.invoke(args=["partners", "add-school", client_id, QINGDAO_SCHOOL])
    assert again.exit_code == 0 and again.output.strip() == "already registered"

    listing = runner.invoke(args=["partners", "schools", client_id])
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    assert lines[0] == f"计时平台 ({client_id}) may push for 2 schools"
    assert lines[1].startswith(f"  {JINAN_SCHOOL}  (not in the registry)  added ") and lines[1].endswith(
        " by cli"
    )
    assert lines[2].startswith(f"  {QINGDAO_SCHOOL}  (not in the registry)")

    removed = runner.invoke(args=["partners", "remove-school", client_id, QINGDAO_SCHOOL])
    assert (
        removed.exit_code == 0
        and removed.output.strip() == f"removed 1 school: {QINGDAO_SCHOOL} from {client_id}"
    )
    assert school_rows(app) == [(client_id, JINAN_SCHOOL, "cli")]
    assert [e for e in events(app) if e[0] != "partner.register"] == [
        ("partner.add_schools", "cli", client_id),
        ("partner.add_schools", "cli", client_id),
        ("partner.remove_schools", "cli", client_id),
    ]
    with app.app_context():
        changes = get_session().scalars(
            select(AuditEvent).where(AuditEvent.action.like("partner.%_schools")).order_by(AuditEvent.seq)
        )
        assert [(e.before, e.after) for e in changes] == [
            (None, {"schools": [JINAN_SCHOOL]}),
            (None, {"schools": [QINGDAO_SCHOOL]}),
            ({"schools": [QINGDAO_SCHOOL]}, None),
        ]


def test_school_refusals(app: Flask, runner: FlaskCliRunner) -> None:
    wrong = runner.invoke(
        args=["partners", "add", "平台", "--scope", "graduation:write", "--school", "52370100MJD0000013"]
    )
    assert wrong.exit_code == 1 and "not a unified social credit code: 52370100MJD0000013" in wrong.output
    assert clients(app) == []  # nothing registered
    client_id, _ = added(runner, "平台", "--scope", "graduation:write")
    for args, message in (
        (["add-school", client_id, "not-a-code"], "not a unified social credit code: not-a-code"),
        (["add-school", client_id, " "], "give the credit code of at least one training school"),
        (["remove-school", client_id, JINAN_SCHOOL], f"{client_id} is not registered for these schools"),
        (["add-school", "p-nosuchclient", JINAN_SCHOOL], "no partner client p-nosuchclient"),
        (["remove-school", "p-nosuchclient", JINAN_SCHOOL], "no partner client p-nosuchclient"),
        (["schools", "p-nosuchclient"], "no partner client p-nosuchclient"),
    ):
        result = runner.invoke(args=["partners", *args])
        assert result.exit_code == 1 and message in result.output, (args, result.output)
    missing = runner.invoke(args=["partners", "add-school", client_id])
    assert missing.exit_code == 2 and "Missing argument 'CREDIT_CODE...'" in missing.output
    assert school_rows(app) == []


def test_a_partner_without_schools_is_told_so(app: Flask, runner: FlaskCliRunner, session: Session) -> None:
    result = runner.invoke(args=["partners", "add", "平台", "--scope", "graduation:write"])
    assert result.exit_code == 0 and "registered 平台 (graduation:write) for 0 schools" in result.output
    client_id = re.search(r"^client_id: (\S+)$", result.output, re.M)
    assert (
        client_id
        and (
            "it cannot push graduation certificates until it is registered for a school: "
            f"flask partners add-school {client_id.group(1)} CREDIT_CODE"
        )
        in result.output
    )
    # what it pushed before it was tied to schools is listed for review
    client = partners.find(session, client_id.group(1))
    session.add(TrainingSchool(credit_code=JINAN_SCHOOL, name="历下驾校", region_code="370102"))
    graduation.receive(
        session,
        services().blobs,
        raw=metadata(school_credit_code=JINAN_SCHOOL),
        stream=io.BytesIO(pdf()),
        limit=1_000_000,
        types={"A2": "A2"},
        client=None,
        source="push",
        actor="test",
        today=dt.date(2026, 11, 22),
    )
    session.execute(update(GraduationCertificate).values(pushed_by=client.id, owner=client.client_id))
    session.commit()
    listing = runner.invoke(args=["partners", "schools", client.client_id])
    assert listing.output.splitlines() == [
        f"平台 ({client.client_id}) may push for 0 schools",
        "pushed before for 1 school(s) it is not registered for:",
        f"  {JINAN_SCHOOL}  历下驾校",
    ]


def test_the_government_service_platform_is_registered_with_platform_push(
    app: Flask, runner: FlaskCliRunner
) -> None:
    assert "platform:push" in runner.invoke(args=["partners", "add", "--help"]).output
    client_id, secret = added(runner, "一体化政务服务平台", "--scope", "platform:push")
    assert clients(app) == [(client_id, "一体化政务服务平台", "platform:push", True)]
    assert can_get_token(app, client_id, secret)

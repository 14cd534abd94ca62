"""One lock order for every transaction that issues or changes certificates: the application (办件)
whose step it is, if any, then the status list row, then the authority row, then the certificate
rows, then the audit head (a batch beside single
issues and suspensions, or a suspension beside a reissue, would otherwise deadlock on PostgreSQL).
Checked on the statements each action sends; a deadlock that happens anyway is a lost race."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.services import certificates as certs
from app.services.unit_of_work import lost_race

from ...helpers import id_number, on_day
from ...registry import Province

ORDER = ("application", "status_list", "authority", "certificate", "audit_head")
WRITE = re.compile(r"^\s*(UPDATE|INSERT INTO|DELETE FROM)\s+(\w+)", re.IGNORECASE)


@contextmanager
def written_tables(session: Session) -> Iterator[list[str]]:
    """The tables of ``ORDER`` in the order the session first writes them."""
    seen: list[str] = []

    def before(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        match = WRITE.match(statement)
        if match and match.group(2) in ORDER and match.group(2) not in seen:
            seen.append(match.group(2))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def in_order(seen: list[str]) -> bool:
    return seen == sorted(seen, key=ORDER.index)


ACTIONS = [
    ("renew", certs.ActionInput()),
    ("reissue", certs.ActionInput(reason="遗失")),
    ("change", certs.ActionInput(holder_name="张三丰")),
    ("suspend", certs.ActionInput(reason="检查")),
    ("revoke", certs.ActionInput(reason="违法")),
    ("cancel", certs.ActionInput(reason="本人申请", cancel_reason="own_request")),
]


def test_issuing_locks_in_the_one_order(app: Flask, session: Session, province: Province) -> None:
    admin = province.actor(session, "jinan_admin")
    with written_tables(session) as seen:
        certs.issue(session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1]))
        session.flush()
    assert seen == ["status_list", "authority", "certificate", "audit_head"]


@pytest.mark.parametrize(("name", "given"), ACTIONS, ids=[name for name, _ in ACTIONS])
def test_every_action_locks_in_the_one_order(
    app: Flask, session: Session, province: Province, name: str, given: certs.ActionInput
) -> None:
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1])
    ).certificate
    context = on_day(province.context, cert.valid_until) if name == "renew" else province.context
    session.flush()
    with written_tables(session) as seen:
        certs.perform(session, context, admin, name, cert.id, given)
        session.flush()
    assert "status_list" in seen and in_order(seen), seen


def test_a_deadlock_or_serialization_failure_is_a_lost_race() -> None:
    for state, lost in (("40P01", True), ("40001", True), ("57014", False), (None, False)):
        error = OperationalError("UPDATE …", {}, SimpleNamespace(sqlstate=state))  # type: ignore[arg-type]
        assert lost_race(error) is lost


@pytest.mark.parametrize("step", ["accept", "grant"])
def test_a_step_of_an_application_locks_the_case_first(
    app: Flask, session: Session, province: Province, step: str
) -> None:
    from app.services import applications as apps
    from app.services.container import services

    admin = province.actor(session, "jinan_admin")
    case = apps.open_at_window(
        session,
        province.context,
        services().blobs,
        admin,
        apps.NewCase(
            item="issue",
            applicant={"name": "张三明", "id_number": id_number(), "phone": "13800138000"},
            form={"categories": [9]},
        ),
    )
    steps = ["accept", "approve", "grant"] if step == "grant" else ["accept"]
    for name in steps:
        with written_tables(session) as seen:
            apps.act(session, province.context, services().blobs, admin, case.id, name)
            session.flush()
    assert seen[0] == "application" and in_order(seen), seen
    if step == "grant":
        assert seen == list(ORDER)

"""Failed sign-ins are counted per account name in the database, whatever address they come from: a
name is locked with back-off, a correct password is refused while it is locked (with the same
message as a wrong one, plus when to try again, for names with and without an account alike), a
successful sign-in starts the count again, and every failure is in the audit log (issue 10, item 7).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import get_session
from app.models import AuditEvent
from app.services.clock import FixedClock
from app.services.sign_in import FREE_TRIES

from ..registry import PASSWORD, Province
from .admin_client import csrf
from .test_holder import activate, issue_with_code
from .test_sessions import HOLDER

WRONG = "用户名或密码错误。"
HOLDER_WRONG = "身份证号码或密码错误。"
LOCKED = re.compile(r"登录失败次数过多，请 (\d+) 分钟后再试。")


def from_address(app: Flask, address: str) -> FlaskClient:
    """A browser at ``address`` (and an X-Forwarded-For claiming another, which is not trusted)."""
    client = app.test_client()
    client.environ_base.update({"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": "203.0.113.99"})
    return client


def staff_login(client: FlaskClient, username: str, password: str) -> tuple[int, str]:
    token = csrf(client.get("/admin/login").get_data(as_text=True))
    response = client.post(
        "/admin/login", data={"csrf_token": token, "username": username, "password": password}
    )
    return response.status_code, response.get_data(as_text=True)


def holder_login(client: FlaskClient, number: str, password: str) -> tuple[int, str]:
    token = csrf(client.get("/me/login").get_data(as_text=True))
    response = client.post("/me/login", data={"csrf_token": token, "id_number": number, "password": password})
    return response.status_code, response.get_data(as_text=True)


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_ninety_wrong_passwords_from_ten_addresses_lock_the_account(app: Flask, province: Province) -> None:
    clients = [from_address(app, f"198.51.100.{n}") for n in range(1, 11)]
    for attempt in range(90):  # 9 a minute from each address: under every per-address limit
        status, page = staff_login(clients[attempt % 10], "jinan_admin", f"guess {attempt}")
        assert status == 200 and WRONG in page
    status, page = staff_login(from_address(app, "198.51.100.200"), "jinan_admin", PASSWORD)
    assert status == 200, "the correct password must not sign in while the account is locked"
    assert WRONG in page and LOCKED.search(page)
    assert len(events(app, "staff.login_failed")) == 91
    assert events(app, "staff.login") == []


def test_a_name_without_an_account_gets_the_same_answers(app: Flask, province: Province) -> None:
    pages = {
        name: [staff_login(from_address(app, address), name, "wrong")[1] for _ in range(FREE_TRIES + 1)]
        for name, address in (("jinan_clerk", "198.51.100.7"), ("no_such_user", "198.51.100.8"))
    }
    for name, answers in pages.items():
        assert all(WRONG in page for page in answers), name
        assert [bool(LOCKED.search(page)) for page in answers] == [False] * (FREE_TRIES - 1) + [True, True]


def test_back_off_doubles_and_a_correct_sign_in_starts_again(
    make_app: Callable[..., Flask], province: Province
) -> None:
    clock = FixedClock(dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC))
    app = make_app(clock=clock)
    address = iter(f"198.51.100.{n}" for n in range(1, 250))

    def minutes_locked(password: str) -> int | None:
        status, page = staff_login(from_address(app, next(address)), "jinan_clerk", password)
        assert status == 200 and WRONG in page
        found = LOCKED.search(page)
        return int(found.group(1)) if found else None

    assert [minutes_locked("wrong") for _ in range(FREE_TRIES - 1)] == [None] * (FREE_TRIES - 1)
    assert minutes_locked("wrong") == 1  # the fifth failure locks the name for a minute
    assert minutes_locked(PASSWORD) == 1  # refused while locked, however right
    clock.advance(seconds=61)
    assert minutes_locked("wrong") == 2  # each failure after that doubles the lock
    clock.advance(seconds=121)
    assert minutes_locked("wrong") == 4
    clock.advance(minutes=3)
    assert minutes_locked(PASSWORD) == 1  # still locked: under a minute left
    clock.advance(minutes=1)
    status, _ = staff_login(from_address(app, next(address)), "jinan_clerk", PASSWORD)
    assert status == 302  # the lock is over: signed in, and the count starts again
    assert [minutes_locked("wrong") for _ in range(FREE_TRIES)] == [None] * (FREE_TRIES - 1) + [1]
    for _ in range(20):  # the lock never grows past an hour
        clock.advance(hours=2)
        last = minutes_locked("wrong")
    assert last == 60


def test_failed_sign_ins_are_audited_without_passwords(app: Flask, province: Province) -> None:
    client = from_address(app, "198.51.100.9")
    staff_login(client, "jinan_admin", "my secret guess")
    staff_login(client, "nobody at all", "another secret")
    (known, unknown) = sorted(events(app, "staff.login_failed"), key=lambda e: e.seq)
    assert (known.actor, known.target_id) == ("jinan_admin", "jinan_admin")
    assert unknown.actor == "nobody at all"
    assert known.after == {"failures": 1, "locked_until": None, "while_locked": False}
    for event in (known, unknown):
        text = repr({c: getattr(event, c) for c in ("actor", "target_id", "reason", "before", "after")})
        assert "secret" not in text


def test_a_holder_id_number_is_locked_from_any_address_and_masked_in_the_log(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    code = issue_with_code(client, HOLDER, "张三明", "l1")
    activate(app.test_client(), HOLDER, code, "holder password")
    for attempt in range(12):
        status, page = holder_login(from_address(app, f"198.51.100.{attempt % 3 + 1}"), HOLDER, "wrong")
        assert status == 200 and HOLDER_WRONG in page
    status, page = holder_login(from_address(app, "198.51.100.50"), HOLDER.lower(), "holder password")
    assert HOLDER_WRONG in page and LOCKED.search(page)
    failed = events(app, "holder.login_failed")
    assert len(failed) == 13
    masked = HOLDER[:4] + "*" * 10 + HOLDER[-4:]
    assert {event.actor for event in failed} == {masked}
    assert all(HOLDER not in repr((e.actor, e.target_id, e.after)) for e in failed)

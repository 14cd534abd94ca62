"""One shown state everywhere: a certificate past its last valid day reads 已过期 on the holder's
我的证书, in the staff search list, on its page and in the dashboard's counts (they used to disagree)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import Certificate
from app.services import certificates as certs
from app.services import holders

from ..helpers import id_number
from ..registry import Province
from .admin_client import login, post_form

HOLDER = id_number("37010219900307123")


@pytest.fixture
def expired(session: Session, province: Province) -> Certificate:
    """A certificate of Jinan whose six years ended eight days ago (stored state: still active)."""
    admin = province.actor(session, "jinan_admin")
    started = province.context.clock.today() - dt.timedelta(days=365 * 6 + 10)
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1], valid_from=started)
    ).certificate
    code = holders.new_activation_code(session, cert.practitioner, admin)
    holders.activate(session, HOLDER, code, "holder password")
    session.commit()
    return cert


def test_the_derivation(expired: Certificate, province: Province) -> None:
    today = province.context.clock.today()
    assert expired.state == "active" and expired.valid_until < today
    assert certs.shown_state_of(expired, today) == "expired"
    assert certs.shown_state_of(expired, expired.valid_until) == "active"  # the last day is still valid


def test_staff_pages_and_counts_say_expired(client: FlaskClient, expired: Certificate) -> None:
    assert login(client, "jinan_admin").status_code == 302
    assert "已过期" in client.get("/admin/certificates?q=张三明").get_data(as_text=True)
    assert "已过期" in client.get(f"/admin/certificates/{expired.id}").get_data(as_text=True)
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', client.get("/admin/").get_data(as_text=True)))
    assert counts["expired"] == "1" and counts["active"] == "0"


def test_the_holders_list_says_expired(client: FlaskClient, expired: Certificate) -> None:
    post_form(client, "/me/login", "/me/login", {"id_number": HOLDER, "password": "holder password"})
    assert "已过期" in client.get("/me").get_data(as_text=True)

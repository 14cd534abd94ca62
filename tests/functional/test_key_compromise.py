"""A compromised presentation key (issue 10): the show screen used to answer 500. Now the holder is
told in words that no code can be made right now, staff see what to do, and a new key brings the
codes back."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.models import Certificate
from app.services import certificates as certs
from app.services import holders
from app.services import keys as key_service
from signing import Purpose

from ..helpers import id_number
from ..registry import Province
from .admin_client import login, post_form

HOLDER = id_number()
BLOCKED = "持证人目前无法亮证"


@pytest.fixture
def withdrawn(session: Session, province: Province) -> Certificate:
    """A holder's certificate, and the only presentation key withdrawn as compromised."""
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(HOLDER, "张三明", [1])
    ).certificate
    holders.activate(
        session, HOLDER, holders.new_activation_code(session, cert.practitioner, admin), "holder pw 12"
    )
    store = province.context.keys
    (key,) = [info for info in store.infos() if info.purpose == Purpose.PRESENTATION]
    key_service.retire(store, session, actor="test", kid=key.kid, compromised=True, reason="leaked")
    session.commit()
    return cert


def _new_key(session: Session, province: Province) -> None:
    key_service.rotate(province.context.keys, session, actor="test", purpose=Purpose.PRESENTATION)
    session.commit()


def test_the_holder_is_told_in_words(
    client: FlaskClient, session: Session, province: Province, withdrawn: Certificate
) -> None:
    post_form(client, "/me/login", "/me/login", {"id_number": HOLDER, "password": "holder pw 12"})
    assert client.get(f"/me/show/{withdrawn.id}").status_code == 200
    fresh = client.get(f"/me/show/{withdrawn.id}/presentation")
    assert fresh.status_code == 503 and fresh.headers["Cache-Control"] == "no-store"
    assert fresh.get_json() == {
        "error": "no_presentation_key",
        "message": "本服务目前没有可签署二维码的密钥，请联系系统管理员。",
    }
    assert client.get(f"/me/show/{withdrawn.id}/qr.png").status_code == 503
    _new_key(session, province)
    assert client.get(f"/me/show/{withdrawn.id}/presentation").status_code == 200


def test_staff_see_the_way_out(
    client: FlaskClient, session: Session, province: Province, withdrawn: Certificate
) -> None:
    assert login(client, "jinan_clerk").status_code == 302
    board = client.get("/admin/").get_data(as_text=True)
    assert BLOCKED in board and "keys rotate --purpose presentation" in board
    _new_key(session, province)
    assert BLOCKED not in client.get("/admin/").get_data(as_text=True)

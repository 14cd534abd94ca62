"""The platform messages page: who sees which messages, the dead letters in words, and the retry
button (CSRF, audited, refused words for a stale page or another authority's message)."""

from __future__ import annotations

import datetime as dt
import html

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import get_session
from app.models import Application, AuditEvent, PlatformMessage
from app.models.enums import MessageState
from tests.registry import Province

from .admin_client import csrf, login

NOW = dt.datetime(2026, 3, 2, 4, tzinfo=dt.UTC)


def dead_message(app: Flask, province: Province, body: str, number: str, error: str) -> int:
    """A case of ``body`` whose first message is dead and second waits behind it; the dead one's id."""
    with app.app_context():
        session = get_session()
        case = Application(
            case_number=number,
            item="issue",
            authority_id=province.authority[body],
            channel="window",
            connected=True,
            applicant_name="王小明",
            applicant_id_number="370102199003071238",
            applicant_phone="13800138000",
            form={"categories": [2]},
            stage="review",
            submitted_at=NOW,
            paused_days=0,
            due_estimated=False,
            next_sequence=3,
            created_by="test",
        )
        session.add(case)
        session.flush()
        dead = None
        for sequence, state in ((1, MessageState.DEAD), (2, MessageState.PENDING)):
            message = PlatformMessage(
                application_id=case.id,
                case_number=number,
                sequence=sequence,
                kind="create" if sequence == 1 else "accept",
                payload={"case_number": number, "sequence": sequence},
                state=state.value,
                attempts=7 if state == MessageState.DEAD else 0,
                next_attempt_at=NOW,
                last_error=error if state == MessageState.DEAD else None,
                created_at=NOW - dt.timedelta(hours=3),
            )
            session.add(message)
            session.flush()
            dead = dead or message.id
        session.commit()
        assert dead is not None
        return dead


def page(client: FlaskClient, url: str = "/admin/platform/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_province_sees_every_dead_letter_an_authority_its_own_and_a_clerk_none(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    dead_message(app, province, "jinan", "J0001", "refused: HTTP 400 rejected 办件信息校验不通过")
    dead_message(app, province, "qingdao", "Q0001", "gave_up: server_error: HTTP 503")
    login(client, "province")
    shown = page(client)
    assert "平台消息" in shown and "J0001" in shown and "Q0001" in shown
    assert 'data-count="pending">2<' in shown and 'data-count="dead">2<' in shown
    assert "平台拒收此消息（HTTP 400 rejected 办件信息校验不通过）。" in shown
    assert "多次发送失败，已停止重试。最后一次：平台接收消息出错（HTTP 503）。" in shown
    assert "登记办件" in shown and "重新发送" in shown
    client.post("/admin/logout", data={"csrf_token": csrf(shown)})

    login(client, "jinan_admin")
    shown = page(client)
    assert "J0001" in shown and "Q0001" not in shown
    assert 'data-count="dead">1<' in shown
    assert "/admin/platform/" in page(client, "/admin/")  # in the navigation
    english = page(client, "/admin/platform/?lang=en")
    assert "The platform refused this message (HTTP 400 rejected 办件信息校验不通过)." in english
    client.post("/admin/logout", data={"csrf_token": csrf(shown)})

    login(client, "jinan_clerk")
    assert client.get("/admin/platform/").status_code == 403
    assert "/admin/platform/" not in page(client, "/admin/")


def test_send_again_puts_a_dead_message_back_in_the_queue_once(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    message_id = dead_message(app, province, "jinan", "J0002", "refused: HTTP 400")
    login(client, "jinan_admin")
    token = csrf(page(client))
    done = client.post(
        f"/admin/platform/messages/{message_id}/retry", data={"csrf_token": token}, follow_redirects=True
    )
    assert "消息J0002:1将重新发送给平台。" in html.unescape(done.get_data(as_text=True))
    with app.app_context():
        session = get_session()
        message = session.get(PlatformMessage, message_id)
        assert message is not None
        assert (message.state, message.attempts, message.last_error) == (MessageState.PENDING, 0, None)
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "platform.retry")).one()
        assert (audited.actor, audited.target_id) == ("jinan_admin", "J0002:1")
    # the same button again, from the page as it was: nothing twice, and words saying why
    again = client.post(
        f"/admin/platform/messages/{message_id}/retry", data={"csrf_token": token}, follow_redirects=True
    )
    assert "这条消息已不在待重新发送状态。请刷新页面。" in html.unescape(again.get_data(as_text=True))


def test_send_again_needs_the_form_and_the_authority(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    qingdao = dead_message(app, province, "qingdao", "Q0002", "refused: HTTP 400")
    login(client, "jinan_admin")
    forged = client.post(f"/admin/platform/messages/{qingdao}/retry", data={})
    assert forged.status_code == 400 and "无法理解" in forged.get_data(as_text=True)
    other = client.post(
        f"/admin/platform/messages/{qingdao}/retry",
        data={"csrf_token": csrf(page(client))},
        follow_redirects=True,
    )
    assert "没有这条平台消息。" in html.unescape(other.get_data(as_text=True))
    with app.app_context():
        message = get_session().get(PlatformMessage, qingdao)
        assert message is not None and message.state == MessageState.DEAD

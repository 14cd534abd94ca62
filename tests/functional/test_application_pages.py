"""The staff pages of applications (办件) over HTTP: my queue, the case page and its steps, the
materials viewer, the window intake form with its fast path, and the search — with every message
a clerk sees, the permission matrix of the pages, stale pages and double submits."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.db import get_session
from app.models import Application, AuditEvent, Certificate, ExamResult
from app.models.enums import Role, ServiceItem, Stage
from app.services import authorities

from ..helpers import id_number
from ..registry import PASSWORD, Province
from .admin_client import csrf, login, post_form, window_form, window_issue

HOLDER = id_number("37010219900307123")
OTHER = id_number("11010519491231002")
PDF = b"%PDF-1.4\n% a scanned form\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
NEW = "/admin/applications/new?item=issue"


def staff(app: Flask, province: Province, name: str, grants: list[tuple[ServiceItem, Stage]], body: str = "jinan") -> None:
    with app.app_context():
        session = get_session()
        authorities.create_staff(
            session,
            username=name,
            display_name=name + "名",
            password=PASSWORD,
            authority=province.body(session, body),
            role=Role.CLERK,
            permissions=grants,
        )
        session.commit()


def exam(app: Flask, holder: str = HOLDER, category: int = 1) -> None:
    with app.app_context():
        session = get_session()
        session.add(
            ExamResult(
                id_number=holder,
                name="张三明",
                category=category,
                exam_date=dt.date(2026, 1, 5),
                score=92,
                passed=True,
                source="entered",
                recorded_by="test",
                recorded_at=dt.datetime(2026, 1, 6, tzinfo=dt.UTC),
            )
        )
        session.commit()


def signed_in(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, name).status_code == 302
    return client


def register(client: FlaskClient, holder: str = HOLDER, categories: list[str] | None = None, **files: object):  # type: ignore[no-untyped-def]
    page = client.get(NEW).get_data(as_text=True)
    data = {
        "csrf_token": csrf(page),
        **window_form(id_number=holder, name="张三明", categories=categories or ["9"], fast="0"),
        **files,
    }
    return client.post(NEW, data=data, content_type="multipart/form-data", follow_redirects=True)


def case_url(page: str) -> str:
    found = re.search(r'<span class="case-number">(\d+)</span>', page)
    assert found, page
    with_id = re.search(r'action="(/admin/applications/\d+)/', page)
    assert with_id, page
    return with_id.group(1)


def step(client: FlaskClient, url: str, name: str, **data: object):  # type: ignore[no-untyped-def]
    page = client.get(url).get_data(as_text=True)
    expected = re.search(r'name="expected"[^>]*value="(\d+)"', page)
    assert expected, page
    return client.post(
        f"{url}/{name}",
        data={"csrf_token": csrf(page), "expected": expected.group(1), **data},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def offered(page: str) -> list[str]:
    return re.findall(r'id="step-(\w+)"', page)


def test_three_people_take_a_window_case_to_a_certificate(app: Flask, province: Province) -> None:
    exam(app)
    staff(app, province, "acceptor", [(ServiceItem.ISSUE, Stage.ACCEPT)])
    staff(app, province, "reviewer", [(ServiceItem.ISSUE, Stage.REVIEW)])
    staff(app, province, "concluder", [(ServiceItem.ISSUE, Stage.CONCLUDE)])
    acceptor, reviewer, concluder = (signed_in(app, n) for n in ("acceptor", "reviewer", "concluder"))
    form_page = acceptor.get(NEW).get_data(as_text=True)
    assert 'id="register"' in form_page and 'id="fast"' not in form_page  # not all three stages
    page = register(
        acceptor, categories=["1"], material_application_form=(io.BytesIO(PDF), "申请表.pdf")
    ).get_data(as_text=True)
    assert re.search(r"申请已登记，办件编号\d+。", page), re.findall(r"field-error\">([^<]*)<|flash error\" role=\"alert\">([^<]*)<", page)
    url = case_url(page)
    assert offered(page) == ["accept", "refuse", "notify"]
    assert "从业资格证核发" in page and "本机关窗口" in page and HOLDER in page
    assert "剩余 5 个工作日" in page or "剩余" in page
    assert "考试合格：经营性道路旅客运输驾驶员" in page and "2026-01-05 · 92" in page
    queue = acceptor.get("/admin/applications/queue").get_data(as_text=True)
    assert url in queue and "张三明 · 3701" in queue and HOLDER not in queue  # masked in lists
    assert reviewer.get("/admin/applications/queue").get_data(as_text=True).count('class="case-row') == 0
    assert "申请已受理。" in step(acceptor, url, "accept").get_data(as_text=True)
    page = reviewer.get(url).get_data(as_text=True)
    assert offered(page) == ["notify", "approve", "reject"]
    assert offered(acceptor.get(url).get_data(as_text=True)) == []
    assert "审核通过。" in step(reviewer, url, "approve", opinion="材料齐全").get_data(as_text=True)
    assert offered(concluder.get(url).get_data(as_text=True)) == ["grant", "deny"]
    done = step(concluder, url, "grant").get_data(as_text=True)
    assert "已办结：准予许可。" in done
    assert re.search(r"：([2-9A-Z]{5}-[2-9A-Z]{5})（", done)  # the activation code on the certificate page
    with app.app_context():
        session = get_session()
        case = session.scalars(select(Application)).one()
        assert case.stage == "granted"
        certificate = session.get(Certificate, case.certificate_id)
        assert certificate is not None and certificate.practitioner.id_number == HOLDER
    history = concluder.get(url).get_data(as_text=True)
    for words in ("登记申请", "受理", "审核通过", "办结：准予许可", "材料齐全", "acceptor名", "reviewer名"):
        assert words in history
    assert 'id="result"' in history and offered(history) == []

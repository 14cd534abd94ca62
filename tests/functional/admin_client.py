"""Driving the admin pages like a browser: CSRF tokens taken from the forms."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from app.db import get_session
from app.models import ExamResult
from app.services.applications.prerequisites import EXAMINED

from ..registry import PASSWORD

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf(page: str) -> str:
    match = TOKEN.search(page)
    assert match, "the page has no CSRF token"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    page = client.get("/admin/login").get_data(as_text=True)
    return client.post(
        "/admin/login", data={"csrf_token": csrf(page), "username": username, "password": password}
    )


def post_form(client: FlaskClient, page_url: str, action_url: str, data: dict[str, object]) -> TestResponse:
    page = client.get(page_url).get_data(as_text=True)
    return client.post(action_url, data={"csrf_token": csrf(page), **data}, follow_redirects=True)


PHONE = "13800138000"
EXAM_DATE = dt.date(2026, 1, 5)


def passed_exams(app: Flask, holder: str, name: str, categories: list[int]) -> None:
    """A passed exam (entered by staff, committed) for each of ``categories`` that needs one."""
    with app.app_context():
        session = get_session()
        for category in set(categories) & EXAMINED:
            found = session.scalar(
                select(ExamResult.id).filter_by(id_number=holder, category=category, exam_date=EXAM_DATE)
            )
            if found is None:
                session.add(
                    ExamResult(
                        id_number=holder,
                        name=name,
                        category=category,
                        exam_date=EXAM_DATE,
                        score=90,
                        passed=True,
                        source="entered",
                        recorded_by="test",
                        recorded_at=dt.datetime(2026, 1, 6, tzinfo=dt.UTC),
                    )
                )
        session.commit()


def window_form(item: str = "issue", **fields: object) -> dict[str, object]:
    """The fields of the window intake form for ``item`` (applicant, the item's form, confirmation)."""
    return {"phone": PHONE, "confirm": "y", **fields}


def window_issue(
    client: FlaskClient,
    holder: str,
    name: str,
    categories: list[str] | None = None,
    key: str = "form-1",
    *,
    fast: bool = True,
    **extra: object,
) -> TestResponse:
    """Issue at the window: the intake form of the item ``issue``, accepted and concluded at once
    (``fast``) or only registered. The holder has passed the exams the categories need."""
    passed_exams(client.application, holder, name, [int(c) for c in categories or []])
    url = "/admin/applications/new?item=issue"
    data = window_form(
        id_number=holder,
        name=name,
        categories=categories or ["9"],
        request_key=key,
        fast="1" if fast else "0",
        **extra,
    )
    return post_form(client, url, url, data)

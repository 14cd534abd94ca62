"""Batch issuance from the web page: upload, progress, result, report download, bad files."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Certificate

from ..helpers import id_number
from ..registry import Province
from .admin_client import csrf, login

A, B = id_number("37010219900307123"), id_number("11010519491231002")
pytestmark = pytest.mark.real_commits  # an upload is issued by a thread of its own


def upload(client: FlaskClient, name: str, body: bytes, **extra: str):  # type: ignore[no-untyped-def]
    token = csrf(client.get("/admin/batches").get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(body), name), "confirm": "y", **extra}
    return client.post("/admin/batches", data=data, content_type="multipart/form-data")


def wait(app: Flask) -> None:
    for thread in app.extensions.get("batch_threads", {}).values():
        thread.join(timeout=60)


def test_upload_progress_and_report(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_clerk")
    body = f"身份证号码,姓名,从业资格类别\n{A},张三明,cargo\n{B},李四,不存在\n".encode()
    response = upload(client, "list.csv", body, partial="y")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    wait(app)
    page = client.get(job_url).get_data(as_text=True)
    assert "已完成" in page and "已核发 1 本证书；发现 1 个问题。" in page
    assert "未知或为空的从业资格类别：不存在" in page
    assert client.get(f"{job_url}/progress").json == {"state": "done", "done": 1, "total": 2}
    report = client.get(f"{job_url}/report.csv")
    assert report.mimetype == "text/csv"
    assert "未知或为空的从业资格类别：不存在" in report.get_data().decode("utf-8-sig")
    assert session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_all_or_nothing_upload(app: Flask, client: FlaskClient, session: Session, province: Province) -> None:
    login(client, "jinan_clerk")
    body = f"身份证号码,姓名,从业资格类别\n{A},张三明,cargo\n{B},李四,不存在\n".encode()
    job_url = upload(client, "list.csv", body).headers["Location"]
    wait(app)
    assert "已核发 0 本证书；发现 1 个问题。" in client.get(job_url).get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_unreadable_and_wrong_files(client: FlaskClient, province: Province) -> None:
    login(client, "jinan_clerk")
    response = upload(client, "list.csv", "姓名\n张三\n".encode())
    assert response.status_code == 422
    assert "无法读取该文件：missing columns: 身份证号码、从业资格类别" in response.get_data(as_text=True)
    response = upload(client, "list.pdf", b"%PDF-1.4")
    assert response.status_code == 422 and "请上传 .csv 或 .xlsx 文件。" in response.get_data(as_text=True)


def test_upload_over_the_size_cap(app: Flask, client: FlaskClient, province: Province) -> None:
    login(client, "jinan_clerk")
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(client, "big.csv", b"x" * 4096)
    assert response.status_code == 413 and "提交的内容超过了本服务允许的大小。" in response.get_data(
        as_text=True
    )


def test_other_staff_cannot_see_a_job(app: Flask, client: FlaskClient, province: Province) -> None:
    login(client, "jinan_clerk")
    job_url = upload(
        client, "list.csv", f"身份证号码,姓名,从业资格类别\n{A},张三明,cargo\n".encode()
    ).headers["Location"]
    wait(app)
    other = app.test_client()
    login(other, "jinan_admin")
    assert other.get(job_url).status_code == 404


def test_a_refused_batch_says_why_in_full_and_can_be_started_again(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    from app.models.enums import ServiceItem
    from app.services import authorities

    # A second body for issuing in Jinan: the item is suspended there until the province fixes it.
    authorities.assign_item(session, "370100", ServiceItem.ISSUE, province.body(session, "qingdao"))
    session.commit()
    login(client, "jinan_clerk")
    job_url = upload(
        client, "list.csv", f"身份证号码,姓名,从业资格类别\n{A},张三明,cargo\n".encode()
    ).headers["Location"]
    wait(app)
    page = client.get(job_url).get_data(as_text=True)
    assert "批量核发失败，未核发任何证书。" in page
    assert "该事项在地区 370100 配置了多个实施主体，在省级管理员修正之前暂停办理。" in page
    assert 'id="batch-restart"' in page
    assert session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_nobody_else_sees_or_restarts_a_failed_job(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    from app.db import get_session
    from app.models.enums import ServiceItem
    from app.services import authorities

    with app.app_context():
        session = get_session()
        authorities.assign_item(session, "370100", ServiceItem.ISSUE, province.body(session, "qingdao"))
        session.commit()
    login(client, "jinan_clerk")
    job_url = upload(
        client, "list.csv", f"身份证号码,姓名,从业资格类别\n{A},张三明,cargo\n".encode()
    ).headers["Location"]
    wait(app)
    token = csrf(client.get(job_url).get_data(as_text=True))
    # Another authority's clerk, the same authority's administrator, nobody.
    for other in ("qingdao_clerk", "jinan_admin", None):
        stranger = app.test_client()
        if other:
            login(stranger, other)
        for path in (job_url, f"{job_url}/progress", f"{job_url}/report.csv"):
            assert stranger.get(path).status_code == (404 if other else 302), (other, path)
        own_token = csrf(stranger.get("/admin/batches").get_data(as_text=True)) if other else token
        restart = stranger.post(f"{job_url}/restart", data={"csrf_token": own_token})
        assert restart.status_code == (404 if other else 400), other  # nobody: no session, no CSRF token
    assert 'id="batch-restart"' in client.get(job_url).get_data(as_text=True)  # still failed, restartable

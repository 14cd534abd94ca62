"""Batch issuance from the web page: upload and check (a dry run), confirm, progress, every row's
outcome, report download, bad files, the template."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app.models import BatchJob, Certificate
from app.services.spreadsheet import COLUMNS, read_rows

from ..helpers import id_number
from ..registry import Province
from .admin_client import csrf, login
from .test_words import seen

A, B = id_number("37010219900307123"), id_number("11010519491231002")
C = id_number("37010219850101123")
HEADER = "身份证号码,姓名,从业资格类别,有效期起\n"
pytestmark = pytest.mark.real_commits  # an upload is issued by a thread of its own


def upload(client: FlaskClient, name: str, body: bytes, **extra: str) -> TestResponse:
    token = csrf(client.get("/admin/batches").get_data(as_text=True))
    data = {"csrf_token": token, "file": (io.BytesIO(body), name), **extra}
    return client.post("/admin/batches", data=data, content_type="multipart/form-data")


def checked(client: FlaskClient, name: str, body: bytes) -> tuple[str, str]:
    """Upload ``body`` as the clerk logged in; the check page's address and its text as seen."""
    job_url = upload(client, name, body).headers["Location"]
    return job_url, seen(client.get(job_url).get_data(as_text=True))


def confirm_form(page: str) -> dict[str, str]:
    """The confirmation form's hidden fields, as the check page gives them."""
    form = page[page.index('id="batch-confirm"') :]
    fields = dict(re.findall(r'name="(csrf_token|digest|warned)" type="hidden" value="([^"]*)"', form))
    assert set(fields) == {"csrf_token", "digest", "warned"}, fields
    return fields


def confirm(client: FlaskClient, job_url: str, **extra: str) -> TestResponse:
    fields = confirm_form(client.get(job_url).get_data(as_text=True))
    return client.post(f"{job_url}/confirm", data={**fields, **extra})


def wait(app: Flask, session: Session | None = None) -> None:
    """Until the batch's thread is done; ``session``: the test's, which the pages share (Flask's
    ``g``), ended so that the next page sees what the thread wrote."""
    for thread in app.extensions.get("batch_threads", {}).values():
        thread.join(timeout=60)
    if session is not None:
        session.rollback()


def certificates(session: Session) -> int:
    try:
        return int(session.scalar(select(func.count()).select_from(Certificate)) or 0)
    finally:
        session.rollback()


def test_upload_is_checked_first_then_confirmed_and_every_row_shown(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_clerk")
    body = f"{HEADER}{A},张三明,cargo,\n{B},李四,不存在,\n".encode()
    response = upload(client, "list.csv", body, partial="y")
    assert response.status_code == 302
    job_url = response.headers["Location"]
    page = seen(client.get(job_url).get_data(as_text=True))
    assert "已检查，等待确认" in page
    assert "尚未核发任何证书。已逐行检查文件：1 行将核发，1 行不予核发，0 行将不核发。" in page
    assert "将核发" in page and "不予核发 从业资格类别：未知或为空的从业资格类别：不存在" in page
    assert "核发 1 本证书" in page and "带有警告" not in page
    assert certificates(session) == 0  # the check issued nothing
    checked = client.get(f"{job_url}/report.csv").get_data().decode("utf-8-sig").splitlines()
    assert checked[0] == "行,结果,证号,列,问题" and checked[1].startswith("2,将核发,")

    assert confirm(client, job_url).status_code == 302
    wait(app, session)
    page = client.get(job_url).get_data(as_text=True)
    assert "已完成" in page and "已核发 1 本证书；1 行不予核发；0 行未核发。" in seen(page), seen(page)[:700]
    cert_id = session.scalar(select(Certificate.id).where(Certificate.number == A))
    session.rollback()
    assert f'<a href="/admin/certificates/{cert_id}">{A}</a>' in page
    assert "未知或为空的从业资格类别：不存在" in page
    assert client.get(f"{job_url}/progress").json == {"state": "done", "done": 1, "total": 2}
    report = client.get(f"{job_url}/report.csv")
    assert report.mimetype == "text/csv"
    lines = report.get_data().decode("utf-8-sig").splitlines()
    assert lines[1:] == [f"2,已核发,{A},,", "3,不予核发,,从业资格类别,未知或为空的从业资格类别：不存在"]
    assert certificates(session) == 1


def test_an_expired_start_is_warned_and_issued_only_when_confirmed(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_clerk")
    body = f"{HEADER}{A},张三明,cargo,2010-01-01\n{C},王五,cargo,\n".encode()
    job_url, page = checked(client, "old.csv", body)
    assert "有 1 行带有警告：确认之前请先查看下表。" in page
    assert "证书核发即已过期：有效期止于 2015-12-31，早于今天。" in page
    assert "1 行核发的证书将已过期；仍然核发" in page
    # Confirming without accepting the warned row issues nothing, and says why.
    refused = confirm(client, job_url)
    assert refused.status_code == 422
    assert "未核发任何证书：有 1 行带有警告。如仍要核发，请勾选确认框；或者修改文件。" in seen(
        refused.get_data(as_text=True)
    )
    wait(app, session)
    assert certificates(session) == 0
    # A form that saw another number of warned rows is not taken as a confirmation of these.
    changed = confirm(client, job_url, warned="0", accept_warnings="y")
    assert changed.status_code == 422 and "检查结果在您查看后已发生变化（现有 1 行带有警告）" in seen(
        changed.get_data(as_text=True)
    )
    assert certificates(session) == 0
    assert confirm(client, job_url, accept_warnings="y").status_code == 302
    wait(app, session)
    page = seen(client.get(job_url).get_data(as_text=True))
    assert "已核发 2 本证书；0 行不予核发；0 行未核发。" in page
    assert f"已核发 {A} 有效期起：证书核发即已过期" in page
    assert certificates(session) == 2


def test_the_warnings_in_english_and_a_start_far_away(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    # No ``session`` fixture: it would share Flask's ``g`` (and the request's language) with the pages.
    login(client, "jinan_clerk")
    body = f"{HEADER}{A},张三明,cargo,2005-03-01\n{B},李四,cargo,2099-01-01\n{C},王五,cargo,\n".encode()
    job_url = upload(client, "far.csv", body).headers["Location"]
    page = seen(client.get(f"{job_url}?lang=en").get_data(as_text=True))
    assert "Checked, waiting for confirmation" in page
    assert "Nothing has been issued yet. The file was checked row by row: 3 rows would be issued" in page
    assert "The certificate would already be expired: its validity ends on 2011-02-28, before today." in page
    assert "The validity would start on 2099-01-01, more than a year from now." in page
    assert (
        "1 row would issue a certificate that is already expired, "
        "1 row has a validity start more than a year away; issue them anyway"
    ) in page
    assert "Issue 3 certificates" in page
    refused = confirm(client, job_url)
    assert refused.status_code == 422
    said = seen(refused.get_data(as_text=True))
    assert (
        "Nothing was issued: 2 rows have warnings. Tick the box to issue them anyway, or fix the file."
        in said
    )
    with app.app_context():
        from app.db import get_session

        assert certificates(get_session()) == 0


def test_a_start_long_ago_but_still_valid_is_warned(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_clerk")
    _, page = checked(client, "a.csv", f"{HEADER}{A},张三明,cargo,2022-01-01\n".encode())
    assert "有效期起始日为 2022-01-01，已早于一年以前。" in page
    assert "1 行的有效期起始日与今天相差一年以上；仍然核发" in page


def test_all_or_nothing_check_offers_nothing_to_issue_and_can_be_dropped(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_clerk")
    body = f"{HEADER}{A},张三明,cargo,\n{B},李四,不存在,\n".encode()
    job_url, page = checked(client, "list.csv", body)
    assert "0 行将核发，1 行不予核发，1 行将不核发。" in page
    assert "将不核发 未核发：其他行有问题，而本批次要么全部核发、要么全部不核发。" in page
    assert "不会核发任何证书：按文件现状，没有可以核发的行。" in page
    assert 'id="batch-confirm"' not in page
    page_html = client.get(job_url).get_data(as_text=True)
    dropped = client.post(f"{job_url}/discard", data={"csrf_token": csrf(page_html)}, follow_redirects=True)
    assert "已放弃检查过的文件，未核发任何证书。" in seen(dropped.get_data(as_text=True))
    assert client.get(job_url).status_code == 404
    assert certificates(session) == 0


def test_only_the_checked_file_is_issued_and_only_once(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_clerk")
    job_url = upload(client, "list.csv", f"{HEADER}{A},张三明,cargo,\n".encode()).headers["Location"]
    fields = confirm_form(client.get(job_url).get_data(as_text=True))
    wrong = client.post(f"{job_url}/confirm", data={**fields, "digest": "0" * 64}, follow_redirects=True)
    assert "该批次已不在等待确认。" in seen(wrong.get_data(as_text=True))
    assert certificates(session) == 0
    assert client.post(f"{job_url}/confirm", data=fields).status_code == 302
    again = client.post(f"{job_url}/confirm", data=fields, follow_redirects=True)
    assert "该批次已不在等待确认。" in seen(again.get_data(as_text=True))
    wait(app, session)
    assert certificates(session) == 1


def test_abandoned_checks_are_dropped_after_a_day(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    from app.services.batch_jobs import CHECK_KEPT

    login(client, "jinan_clerk")
    job_url = upload(client, "list.csv", f"{HEADER}{A},张三明,cargo,\n".encode()).headers["Location"]
    job = session.scalars(select(BatchJob)).one()
    job.created_at = job.created_at - CHECK_KEPT - CHECK_KEPT
    session.commit()
    client.get("/admin/batches")
    assert client.get(job_url).status_code == 404
    assert session.scalar(select(func.count()).select_from(BatchJob)) == 0
    session.rollback()


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


def test_the_template_is_read_back(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    login(client, "jinan_clerk")
    assert 'href="/admin/batches/template.xlsx"' in client.get("/admin/batches").get_data(as_text=True)
    response = client.get("/admin/batches/template.xlsx")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(response.get_data()))
    sheet, help_sheet = book.worksheets
    assert [c.value for c in sheet[1]] == [names[0] for names in COLUMNS.values()]
    assert sheet.max_row == 1  # an untouched template issues nothing
    assert "从业资格类别" in " ".join(str(row[0].value) for row in help_sheet.iter_rows())
    sheet.append([A, "张三明", "经营性道路货物运输驾驶员、出租汽车驾驶员", "2026-01-31"])
    out = io.BytesIO()
    book.save(out)
    parsed = read_rows("filled.xlsx", out.getvalue())
    assert parsed.errors == []
    assert [(r.row, r.id_number, r.categories) for r in parsed.rows] == [(2, A, [2, 9])]
    job_url = upload(client, "filled.xlsx", out.getvalue()).headers["Location"]
    assert "1 行将核发，0 行不予核发" in seen(client.get(job_url).get_data(as_text=True))


def test_a_result_of_a_thousand_rows_is_paged_and_the_report_complete(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    import datetime as dt

    login(client, "jinan_clerk")
    day = dt.date(1975, 1, 1)
    lines = [f"{id_number(f'370102{day + dt.timedelta(days=n):%Y%m%d}003')},张明,cargo," for n in range(1000)]
    job_url = upload(client, "many.csv", (HEADER + "\n".join(lines) + "\n").encode()).headers["Location"]
    assert confirm(client, job_url).status_code == 302
    wait(app, session)
    first = client.get(job_url).get_data(as_text=True)
    assert "已核发 1000 本证书" in seen(first) and "第 1 页，共 5 页" in seen(first)
    assert first.count('class="outcome-issued"') == 200
    last = client.get(f"{job_url}?page=5").get_data(as_text=True)
    assert last.count('class="outcome-issued"') == 200 and "<td>1001</td>" in last
    report = client.get(f"{job_url}/report.csv").get_data().decode("utf-8-sig").splitlines()
    assert len(report) == 1001 and all(",已核发," in line for line in report[1:])


def test_other_staff_cannot_see_a_job(app: Flask, client: FlaskClient, province: Province) -> None:
    login(client, "jinan_clerk")
    job_url = upload(client, "list.csv", f"{HEADER}{A},张三明,cargo,\n".encode()).headers["Location"]
    other = app.test_client()
    login(other, "jinan_admin")
    assert other.get(job_url).status_code == 404
    token = csrf(other.get("/admin/batches").get_data(as_text=True))
    fields = confirm_form(client.get(job_url).get_data(as_text=True))
    assert other.post(f"{job_url}/confirm", data={**fields, "csrf_token": token}).status_code == 404
    assert other.post(f"{job_url}/discard", data={"csrf_token": token}).status_code == 404


def test_a_check_refused_by_the_configuration_says_why_and_issues_nothing(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    from app.models.enums import ServiceItem
    from app.services import authorities

    login(client, "jinan_clerk")
    job_url = upload(client, "list.csv", f"{HEADER}{A},张三明,cargo,\n".encode()).headers["Location"]
    # A second body for issuing in Jinan after the check: the confirmation checks again.
    authorities.assign_item(session, "370100", ServiceItem.ISSUE, province.body(session, "qingdao"))
    session.commit()
    refused = confirm(client, job_url)
    assert "该事项在地区 370100 配置了多个实施主体，在省级管理员修正之前暂停办理。" in seen(
        refused.get_data(as_text=True)
    )
    wait(app, session)
    assert certificates(session) == 0


def failed_job(app: Flask, runner: FlaskCliRunner, session: Session, province: Province, folder: Path) -> str:
    """A batch of jinan_clerk's that failed while it ran (a second body for issuing in Jinan: the
    item is suspended there until the province fixes it), started from the command line."""
    from app.models.enums import ServiceItem
    from app.services import authorities

    authorities.assign_item(session, "370100", ServiceItem.ISSUE, province.body(session, "qingdao"))
    session.commit()
    upload = folder / "list.csv"
    upload.write_text(f"{HEADER}{A},张三明,cargo,\n", encoding="utf-8")
    result = runner.invoke(args=["certificates", "batch", str(upload), "--as", "jinan_clerk"])
    assert result.exit_code != 0
    job_id = session.scalar(select(BatchJob.id))
    session.rollback()
    return f"/admin/batches/{job_id}"


def test_a_batch_failed_while_running_says_why_in_full_and_can_be_started_again(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    session: Session,
    province: Province,
    tmp_path: Path,
) -> None:
    job_url = failed_job(app, runner, session, province, tmp_path)
    login(client, "jinan_clerk")
    page = client.get(job_url).get_data(as_text=True)
    assert "批量核发失败，未核发任何证书。" in page
    assert "该事项在地区 370100 配置了多个实施主体，在省级管理员修正之前暂停办理。" in page
    assert 'id="batch-restart"' in page
    assert certificates(session) == 0


def test_nobody_else_sees_or_restarts_a_failed_job(
    app: Flask, client: FlaskClient, runner: FlaskCliRunner, province: Province, tmp_path: Path
) -> None:
    # No ``session`` fixture: the clients below would share Flask's ``g`` (and its signed-in user).
    from app.db import get_session

    with app.app_context():
        job_url = failed_job(app, runner, get_session(), province, tmp_path)
    login(client, "jinan_clerk")
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


def test_a_clerk_who_may_not_issue_is_refused_at_the_check(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    from app.models import AuditEvent
    from app.models.enums import Role, ServiceItem, Stage
    from app.services import authorities

    from ..registry import PASSWORD

    authorities.create_staff(
        session,
        username="jinan_renewer",
        display_name="换证员",
        password=PASSWORD,
        authority=province.body(session, "jinan"),
        role=Role.CLERK,
        permissions=[(ServiceItem.RENEW, Stage.CONCLUDE)],
    )
    session.commit()
    login(client, "jinan_renewer")
    response = upload(client, "list.csv", f"{HEADER}{A},张三明,cargo,\n".encode())
    assert response.status_code == 403
    assert "您没有办理该事项的权限。本次操作已记录。" in seen(response.get_data(as_text=True))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(BatchJob)) == 0
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "certificate.batch.refused" in actions
    session.rollback()

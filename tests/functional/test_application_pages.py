"""The staff pages of applications (办件) over HTTP: my queue, the case page and its steps, the
materials viewer, the window intake form with its fast path, and the search — with every message
a clerk sees, the permission matrix of the pages, stale pages and double submits."""

from __future__ import annotations

import datetime as dt
import io
import re

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


def staff(
    app: Flask, province: Province, name: str, grants: list[tuple[ServiceItem, Stage]], body: str = "jinan"
) -> None:
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
    assert re.search(r"申请已登记，办件编号\d+。", page), re.findall(
        r"field-error\">([^<]*)<|flash error\" role=\"alert\">([^<]*)<", page
    )
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


def test_every_step_says_what_it_did_and_refusals_are_shown(app: Flask, province: Province) -> None:
    admin = signed_in(app, "jinan_admin")  # an authority administrator holds every stage
    url = case_url(register(admin).get_data(as_text=True))
    assert "请填写理由或意见。" in step(admin, url, "refuse").get_data(as_text=True)
    page = step(admin, url, "notify", missing=["health_certificate"], missing_other="户籍证明").get_data(
        as_text=True
    )
    assert "已一次性告知需补齐补正的材料；材料补齐前办理时限暂停计算。" in page
    assert (
        "待补齐补正材料" in page
        and "时限暂停（待补正）" in page
        and "体检合格证明" in page
        and "户籍证明" in page
    )
    assert offered(page) == ["materials"]
    assert "请提交所缺材料。" in step(admin, url, "materials").get_data(as_text=True)
    bad = step(admin, url, "materials", material_health_certificate=(io.BytesIO(b"GIF89a"), "体检.png"))
    assert "体检.png的内容与文件名不符（应为PDF、JPEG或PNG文件）。" in bad.get_data(as_text=True)
    page = step(admin, url, "materials", material_health_certificate=(io.BytesIO(PNG), "体检.png")).get_data(
        as_text=True
    )
    assert "补齐补正材料已收到，办理时限恢复计算。" in page and "告知后补交" in page
    assert "申请已受理。" in step(admin, url, "accept").get_data(as_text=True)
    assert "请填写理由或意见。" in step(admin, url, "reject").get_data(as_text=True)
    assert "审核不通过。" in step(admin, url, "reject", opinion="体检不合格").get_data(as_text=True)
    page = admin.get(url).get_data(as_text=True)
    assert offered(page) == ["deny"]  # a rejected case can only be refused
    assert "已办结：不予许可。" in step(admin, url, "deny", opinion="体检不合格").get_data(as_text=True)
    second = case_url(register(admin, holder=OTHER).get_data(as_text=True))
    assert "已决定不予受理，理由已记录。" in step(admin, second, "refuse", opinion="不属本机关").get_data(
        as_text=True
    )
    assert "不予受理" in admin.get(second).get_data(as_text=True)


def test_a_missing_prerequisite_is_shown_and_refuses_the_approval(app: Flask, province: Province) -> None:
    admin = signed_in(app, "jinan_admin")
    url = case_url(register(admin, categories=["3"]).get_data(as_text=True))
    page = admin.get(url).get_data(as_text=True)
    assert "✗ 考试合格：道路危险货物运输驾驶员" in page
    step(admin, url, "accept")
    refused = step(admin, url, "approve").get_data(as_text=True)
    assert "未查到该身份证号道路危险货物运输驾驶员的考试合格成绩。" in refused


def test_a_stale_page_is_a_conflict_and_a_double_submit_is_done_once(app: Flask, province: Province) -> None:
    staff(app, province, "acceptor", [(ServiceItem.ISSUE, Stage.ACCEPT)])
    admin, acceptor = signed_in(app, "jinan_admin"), signed_in(app, "acceptor")
    url = case_url(register(admin).get_data(as_text=True))
    page = acceptor.get(url).get_data(as_text=True)
    token = csrf(page)
    first = admin.get(url).get_data(as_text=True)
    form = {"csrf_token": csrf(first), "expected": "2"}
    assert "申请已受理。" in admin.post(f"{url}/accept", data=form, follow_redirects=True).get_data(
        as_text=True
    )
    again = admin.post(f"{url}/accept", data=form, follow_redirects=True).get_data(as_text=True)
    assert "该表单已提交过，未重复办理。" in again
    stale = acceptor.post(
        f"{url}/notify",
        data={"csrf_token": token, "expected": "2", "opinion": "缺照片"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "其他人已先处理了该办件。请刷新页面核对后再操作。" in stale
    with app.app_context():
        events = get_session().scalars(select(Application)).one().events
        assert [e.action for e in events] == ["create", "accept"]
    no_token = admin.post(f"{url}/approve", data={"expected": "3"}, follow_redirects=True)
    assert no_token.status_code == 400


def test_who_sees_a_case_and_which_steps_each_is_offered(app: Flask, province: Province) -> None:
    staff(app, province, "reviewer", [(ServiceItem.ISSUE, Stage.REVIEW)])
    staff(app, province, "renewer", [(ServiceItem.RENEW, Stage.ACCEPT)])
    admin = signed_in(app, "jinan_admin")
    page = register(admin, material_id_card=(io.BytesIO(PNG), "身份证.png")).get_data(as_text=True)
    url = case_url(page)
    material = re.search(r'src="(/admin/applications/\d+/materials/\d+)"', page)
    assert material, page
    for name in ("qingdao_admin", "qingdao_clerk", "jinan_inspector"):
        other = signed_in(app, name) if name != "jinan_inspector" else app.test_client()
        if name == "jinan_inspector":
            login(other, name)
        assert other.get(url).status_code == 404, name
        assert other.get(material.group(1)).status_code == 404, name
        assert other.post(f"{url}/accept", data={"expected": "2"}).status_code in (400, 404), name
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/admin/login" in anonymous.headers["Location"]
    province_admin = signed_in(app, "province")
    seen = province_admin.get(url).get_data(as_text=True)
    assert HOLDER in seen and offered(seen) == []  # the province sees, does not act
    assert offered(signed_in(app, "reviewer").get(url).get_data(as_text=True)) == []  # not at review yet
    renewer = signed_in(app, "renewer")
    assert offered(renewer.get(url).get_data(as_text=True)) == []
    refused = renewer.post(
        f"{url}/accept",
        data={"csrf_token": csrf(renewer.get(url).get_data(as_text=True)), "expected": "2"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "您没有办理该事项的权限。本次操作已记录。" in refused
    qingdao = signed_in(app, "qingdao_admin")
    assert url not in qingdao.get("/admin/applications?q=张三明").get_data(as_text=True)
    assert url not in qingdao.get("/admin/applications/queue").get_data(as_text=True)
    with app.app_context():
        actions = get_session().scalars(select(AuditEvent.action).where(AuditEvent.actor == "renewer")).all()
        assert "application.accept.refused" in actions and "application.view" in actions


def test_the_materials_viewer_shows_files_inline_as_what_they_are(app: Flask, province: Province) -> None:
    admin = signed_in(app, "jinan_admin")
    page = register(
        admin,
        material_id_card=(io.BytesIO(PNG), "身份证.png"),
        material_application_form=(io.BytesIO(PDF), "申请表.pdf"),
    ).get_data(as_text=True)
    links = dict(
        (name, href)
        for href, name in re.findall(
            r'<a href="(/admin/applications/\d+/materials/\d+)"[^>]*>([^<]+)</a>', page
        )
    )
    png = admin.get(links["身份证.png"])
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data == PNG
    assert png.headers["Content-Disposition"].startswith("inline;")
    assert png.headers["X-Content-Type-Options"] == "nosniff"
    pdf = admin.get(links["申请表.pdf"])
    assert pdf.mimetype == "application/pdf" and pdf.data == PDF
    assert admin.get(links["申请表.pdf"].rsplit("/", 1)[0] + "/999999").status_code == 404
    with app.app_context():
        opened = (
            get_session().scalars(select(AuditEvent).where(AuditEvent.action == "application.material")).all()
        )
        assert len(opened) == 2


def test_intake_shows_every_field_error_next_to_its_field_and_a_refused_file_changes_nothing(
    app: Flask, province: Province
) -> None:
    admin = signed_in(app, "jinan_admin")
    page = admin.get(NEW).get_data(as_text=True)
    data = {
        "csrf_token": csrf(page),
        **window_form(id_number="370102199003071230", name="张三明", phone="12", fast="0"),
    }
    response = admin.post(NEW, data=data, content_type="multipart/form-data")
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="field-id_number".*身份证号码最后一位与前面的号码不符', text, re.S)
    assert re.search(r'id="field-phone".*请填写7至15位数字的联系电话。', text, re.S)
    assert re.search(r'id="field-categories".*请至少选择一个从业资格类别。', text, re.S)
    bad_file = register(admin, material_id_card=(io.BytesIO(b"not a pdf"), "身份证.pdf"))
    assert bad_file.status_code == 422
    assert "身份证.pdf的内容与文件名不符（应为PDF、JPEG或PNG文件）。" in bad_file.get_data(as_text=True)
    renew = "/admin/applications/new?item=renew"
    missing = admin.post(
        renew,
        data={
            "csrf_token": csrf(admin.get(renew).get_data(as_text=True)),
            **window_form(id_number=HOLDER, name="张三明", certificate_number="NOPE1"),
        },
    ).get_data(as_text=True)
    assert re.search(r'id="field-certificate_number".*没有编号为NOPE1的有效证件。', missing, re.S)
    with app.app_context():
        assert get_session().scalars(select(Application)).all() == []
    assert admin.get("/admin/applications/new?item=suspend").status_code == 404


def test_the_fast_path_from_a_certificate_page_and_only_for_whoever_holds_all_stages(
    app: Flask, province: Province
) -> None:
    admin = signed_in(app, "jinan_admin")
    issued = window_issue(admin, HOLDER, "张三明", ["9"], "k1").get_data(as_text=True)
    assert f"证书 {HOLDER} 已核发。" in issued
    certificate = re.search(r'href="/admin/applications/new\?item=reissue&amp;certificate=(\d+)"', issued)
    assert certificate, issued
    reissue = f"/admin/applications/new?item=reissue&certificate={certificate.group(1)}"
    form = admin.get(reissue).get_data(as_text=True)
    assert f'value="{HOLDER}"' in form and 'id="fast"' in form and "张三明" in form
    done = post_form(
        admin,
        reissue,
        reissue,
        window_form(id_number=HOLDER, name="张三明", certificate_number=HOLDER, reason="遗失", fast="1"),
    ).get_data(as_text=True)
    assert re.search(r"办件\d+已办结：准予许可。", done)
    assert "<td>2</td>" in done  # version 2 of the certificate
    assert "从业资格证补发（遗失或损毁）" in done  # the case, linked from the certificate
    again = window_issue(admin, HOLDER, "张三明", ["9"], "k1").get_data(as_text=True)
    assert "该表单已提交过，未重复办理。" in again
    # jinan_clerk holds issue and renew at the conclusion only: nothing to register here.
    clerk = signed_in(app, "jinan_clerk")
    page = clerk.get(f"/admin/certificates/{certificate.group(1)}").get_data(as_text=True)
    assert 'id="window-items"' not in page
    intake = clerk.get(NEW).get_data(as_text=True)
    assert 'id="cannot-register"' in intake and 'id="fast"' not in intake


def test_queue_overdue_first_with_time_left_and_search_filters(app: Flask, province: Province) -> None:
    admin = signed_in(app, "jinan_admin")
    first = case_url(register(admin).get_data(as_text=True))
    second = case_url(register(admin, holder=OTHER).get_data(as_text=True))
    with app.app_context():
        session = get_session()
        late = session.get(Application, int(second.rsplit("/", 1)[1]))
        assert late is not None
        late.due = late.due - dt.timedelta(days=14)
        session.commit()
    queue = admin.get("/admin/applications/queue").get_data(as_text=True)
    assert queue.index(second) < queue.index(first)
    assert re.search(r"超期 \d+ 个工作日", queue) and "剩余 5 个工作日" in queue
    assert "0 件待补齐补正材料" in queue and 'class="case-row overdue"' in queue
    assert 'data-count="queue">2<' in admin.get("/admin/").get_data(as_text=True)
    found = admin.get("/admin/applications?q=张三明&stage=accept&item=issue").get_data(as_text=True)
    assert first in found and second in found
    assert first not in admin.get("/admin/applications?stage=review").get_data(as_text=True)
    by_id = admin.get(f"/admin/applications?q={OTHER}").get_data(as_text=True)
    assert second in by_id and first not in by_id


def test_the_intake_form_submitted_twice_opens_one_case(app: Flask, province: Province) -> None:
    admin = signed_in(app, "jinan_admin")
    page = admin.get(NEW).get_data(as_text=True)
    key = re.search(r'name="request_key"[^>]*value="([0-9a-f]+)"', page)
    assert key, page
    data = {
        "csrf_token": csrf(page),
        "request_key": key.group(1),
        **window_form(id_number=HOLDER, name="张三明", categories=["9"], fast="0"),
    }
    first = admin.post(NEW, data=data, content_type="multipart/form-data", follow_redirects=True)
    again = admin.post(NEW, data=data, content_type="multipart/form-data", follow_redirects=True)
    assert "申请已登记，办件编号" in first.get_data(as_text=True)
    assert "该表单已提交过，未重复办理。" in again.get_data(as_text=True)
    with app.app_context():
        assert len(get_session().scalars(select(Application)).all()) == 1

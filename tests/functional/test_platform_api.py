"""The government service platform's inbound API over HTTP: a push becomes a case (once: the same
push again is the first answer, other content under the same case number a conflict), every
problem of a push is reported at once in the caller's language, a refused push leaves nothing
behind (no row, no file), and the materials a one-time notice asked for bring the case back."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.db import get_session
from app.messages import MESSAGES
from app.models import Application, ApplicationEvent, ApplicationMaterial, PlatformMessage
from app.models.enums import CaseStage, Role, ServiceItem, Stage
from app.services import applications as apps
from app.services import authorities
from app.services.applications import platform
from app.services.clock import CHINA
from app.services.container import services
from app.services.working_days import add_working_days, working_days_between
from signing import credit_code_check_char

from ..helpers import id_number
from ..registry import JINAN, QINGDAO, Province
from .partner_helpers import bearer
from .platform_helpers import (
    APPLICANT,
    FORM_PDF,
    JPEG,
    PNG,
    PUSH,
    SUBMITTED,
    application,
    blobs,
    connect,
    push,
)

EN = {"Accept-Language": "en"}


@pytest.fixture
def platform_headers(app: Flask, client: FlaskClient) -> dict[str, str]:
    """A platform client's bearer token (scope platform:push)."""
    return bearer(client, app, ["platform:push"])


def _cases(app: Flask) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(Application)) or 0


def _fields(response: Any) -> dict[str, str]:
    return {name: field["code"] for name, field in response.get_json()["fields"].items()}


def test_a_push_becomes_a_case_and_the_same_push_again_is_the_first_answer(
    app: Flask, client: FlaskClient, province: Province, platform_headers: dict[str, str]
) -> None:
    connect(app)
    parts = {"form": (FORM_PDF, "申请表.pdf"), "photo": (PNG, "photo.png")}
    data = application(
        materials=[{"file": "form", "kind": "application_form"}, {"file": "photo", "kind": "photo"}]
    )
    first = push(client, platform_headers, data, parts)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert body["case_number"] == "PT-2026-000001" and body["stage"] == "accept"
    assert body["item_code"] == "000117001000" and body["implementing_body"] == JINAN
    # 5 working days for acceptance, counted from the day it was submitted (China time); time
    # left from today (which is a later day when the test runs just after China's midnight)
    due = add_working_days(SUBMITTED.date(), 5).due
    assert body["channel"] == "platform_online" and body["due"] == due.isoformat()
    assert body["time_left"] == working_days_between(dt.datetime.now(CHINA).date(), due)
    assert [(m["kind"], m["filename"], m["size"]) for m in body["materials"]] == [
        ("application_form", "申请表.pdf", len(FORM_PDF)),
        ("photo", "photo.png", len(PNG)),
    ]
    assert first.headers["Location"].endswith(f"{PUSH}/PT-2026-000001")
    stored = blobs(app)
    assert len(stored) == 2 and not any(name.startswith("incoming") for name in stored)

    again = push(client, platform_headers, data, {"form": parts["form"], "photo": parts["photo"]})
    assert again.status_code == 200 and again.get_json() == body
    # The parts may be called anything, in any member order: it is the same push.
    renamed = {
        **data,
        "materials": [{"kind": "application_form", "file": "a"}, {"file": "b", "kind": "photo"}],
    }
    third = push(client, platform_headers, renamed, {"a": parts["form"], "b": parts["photo"]})
    assert third.status_code == 200 and third.get_json() == body
    assert blobs(app) == stored and _cases(app) == 1
    with app.app_context():
        session = get_session()
        case = session.scalars(select(Application)).one()
        assert case.created_by.startswith("platform:p-") and case.connected and case.content_hash
        assert case.applicant_id_number == APPLICANT["id_number"]
        # The platform knows of its own case: history here, no message back.
        assert [e.action for e in session.scalars(select(ApplicationEvent))] == ["create"]
        assert session.scalars(select(PlatformMessage)).all() == []


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("zh-CN", "办件编号PT-2026-000001已以不同内容推送过。"),
        ("en", "Case PT-2026-000001 was already pushed with different content."),
    ],
)
def test_the_same_case_number_with_other_content_is_a_conflict(
    app: Flask,
    client: FlaskClient,
    province: Province,
    platform_headers: dict[str, str],
    language: str,
    message: str,
) -> None:
    connect(app)
    assert push(client, platform_headers, application()).status_code == 201
    stored = blobs(app)
    headers = {**platform_headers, "Accept-Language": language}
    other_form = push(client, headers, application(form={"categories": [1]}))
    other_file = push(client, headers, application(), {"form": (JPEG, "申请表.jpg")})
    for response in (other_form, other_file):
        assert response.status_code == 409
        assert response.get_json() == {"error": "case_number_conflict", "message": message}
    assert blobs(app) == stored and _cases(app) == 1  # the refused file is gone again


# Each bad member alone: its field, code, and words in Chinese and English.
ONE_BAD_FIELD = [
    (
        {"case_number": "办件/1"},
        "case_number",
        "invalid_case_number",
        "应为1至40位字母、数字、连字符或下划线。",
        "Use 1–40 letters, digits, hyphens or underscores.",
    ),
    ({"case_number": "X" * 41}, "case_number", "too_long", None, "This is too long."),
    ({"case_number": None}, "case_number", "required", None, "This field is required."),
    (
        {"item_code": "999"},
        "item_code",
        "unknown_item_code",
        "没有此编码的事项。",
        "No service item has this code.",
    ),
    ({"item_code": 117001000}, "item_code", "not_a_string", None, "Send this field as a string."),
    (
        {"implementing_body": "11370100MB00000008"},
        "implementing_body",
        "credit_code_check_failed",
        None,
        "The check character of the unified social credit code “11370100MB00000008” is wrong: the 18th "
        "character does not match the first 17. Check the code for typing errors.",
    ),
    (
        {"implementing_body": "jinan"},
        "implementing_body",
        "invalid_credit_code",
        None,
        "“jinan” is not a unified social credit code "
        "(18 digits and capital letters, without I, O, S, V or Z).",
    ),
    (
        {"submitted_at": "yesterday"},
        "submitted_at",
        "invalid_datetime",
        "时间格式应如2026-03-02T09:30:00+08:00。",
        "Use a time like 2026-03-02T09:30:00+08:00.",
    ),
    (
        {"submitted_at": "2026-03-02T09:30:00"},
        "submitted_at",
        "datetime_without_offset",
        "时间须带时区偏移，如2026-03-02T09:30:00+08:00。",
        "Give the time with its offset from UTC, like 2026-03-02T09:30:00+08:00.",
    ),
    (
        {"submitted_at": "2099-01-01T00:00:00+08:00"},
        "submitted_at",
        "submitted_in_future",
        "提交时间晚于当前时间。",
        "The submission time is in the future.",
    ),
    (
        {"channel": "window"},
        "channel",
        "invalid_channel",
        "应为“platform_online”或“platform_window”。",
        'Use "platform_online" or "platform_window".',
    ),
    (
        {"applicant": "王小明"},
        "applicant",
        "not_a_json_object",
        "此项应为JSON对象。",
        "Send this as a JSON object.",
    ),
    (
        {"applicant": {**APPLICANT, "id_number": "370102199003071230"}},
        "applicant.id_number",
        "id_number_check_character",
        None,
        "The last character of the ID number does not match the others: check it for a typing error.",
    ),
    (
        {"applicant": {**APPLICANT, "phone": "call me"}},
        "applicant.phone",
        "invalid_phone",
        None,
        "Give a phone number of 7 to 15 digits.",
    ),
    (
        {"applicant": {**APPLICANT, "email": "a@b.c"}},
        "applicant.email",
        "unknown_field",
        None,
        "This field is not part of the form.",
    ),
    ({"form": {"categories": []}}, "form.categories", "no_category", None, "Choose at least one category."),
    (
        {"form": {"categories": [2], "colour": "red"}},
        "form.colour",
        "unknown_field",
        None,
        "This field is not part of the form.",
    ),
    (
        {"materials": {"file": "form"}},
        "materials",
        "not_a_list",
        "此字段应为列表。",
        "Send this field as a list.",
    ),
    (
        {"materials": [{"file": "form", "kind": "selfie"}]},
        "materials[0].kind",
        "material_kind",
        None,
        "Unknown kind of material for",
    ),
    (
        {"materials": [{"file": "form", "kind": "photo"}, {"file": "scan", "kind": "id_card"}]},
        "materials[1].file",
        "unknown_part",
        "请求中没有此名称的文件部分。",
        "The request has no file part of this name.",
    ),
    (
        {"materials": [{"file": "form", "kind": "photo"}, {"file": "form", "kind": "id_card"}]},
        "materials[1].file",
        "part_named_twice",
        "此文件部分已被另一份材料引用。",
        "Another material names this file part already.",
    ),
    (
        {"materials": []},
        "form",
        "part_not_named",
        "此文件部分未列入材料清单。",
        "This file part is not in the list of materials.",
    ),
    (
        {"materials": [{"file": "form", "kind": "photo", "note": 1}]},
        "materials[0].note",
        "unknown_field",
        None,
        "This field is not part of the form.",
    ),
    ({"priority": "high"}, "priority", "unknown_field", None, "This field is not part of the form."),
    (
        {"item_code": "000117001002", "form": {"certificate_number": "A-1", "reason": "a\u0000b"}},
        "form.reason",
        "invalid_text",
        "此文本含有无法保存的字符（NUL或不成对的代理字符）。",
        "This text holds characters that cannot be stored (NUL or half of a surrogate pair).",
    ),
]


@pytest.mark.parametrize(("change", "field", "code", "chinese", "english"), ONE_BAD_FIELD)
def test_each_bad_field_is_named_with_its_words(
    app: Flask,
    client: FlaskClient,
    province: Province,
    platform_headers: dict[str, str],
    change: dict[str, Any],
    field: str,
    code: str,
    chinese: str | None,
    english: str,
) -> None:
    connect(app)
    refused = push(client, {**platform_headers, **EN}, application(**change))
    assert refused.status_code == 422, refused.get_json()
    body = refused.get_json()
    assert body["error"] == "invalid_fields" and body["message"] == "Some fields are missing or wrong."
    assert body["fields"][field]["code"] == code, body["fields"]
    assert body["fields"][field]["message"] == english
    chinese_body = push(client, platform_headers, application(**change)).get_json()
    assert chinese_body["message"] == "部分字段缺失或有误。"
    if chinese is not None:
        assert chinese_body["fields"][field]["message"] == chinese
    assert chinese_body["fields"][field]["message"] != english
    assert _cases(app) == 0 and blobs(app) == []


def test_a_push_with_many_bad_fields_lists_every_one(
    app: Flask, client: FlaskClient, province: Province, platform_headers: dict[str, str]
) -> None:
    bad = application(
        case_number="no spaces",
        item_code="000117001000",
        implementing_body="11370100MB00000008",
        applicant={"name": "", "id_number": "370102199003071230", "phone": "12"},
        form={"categories": ["99"], "extra": 1},
        submitted_at="2026-13-01T00:00:00+08:00",
        channel="fax",
        materials=[{"file": "nowhere", "kind": "photo"}, {"file": "form", "kind": "?"}, "x"],
        comment="hello",
    )
    refused = push(client, platform_headers, bad, {"form": (FORM_PDF, "form.exe"), "spare": (PNG, "a.png")})
    assert refused.status_code == 422
    assert _fields(refused) == {
        "case_number": "invalid_case_number",
        "implementing_body": "credit_code_check_failed",
        "applicant.name": "required",
        "applicant.id_number": "id_number_check_character",
        "applicant.phone": "invalid_phone",
        "form.categories": "unknown_category",
        "form.extra": "unknown_field",
        "submitted_at": "invalid_datetime",
        "channel": "invalid_channel",
        "materials[0].file": "unknown_part",
        "materials[1].kind": "material_kind",
        "materials[1].file": "material_type",
        "materials[2]": "not_a_json_object",
        "spare": "part_not_named",
        "comment": "unknown_field",
    }
    assert refused.get_json()["fields"]["form.categories"]["message"] == "未知类别：99。" or (
        refused.get_json()["fields"]["form.categories"]["message"].startswith("未知")
    )
    assert _cases(app) == 0 and blobs(app) == []


def test_parts_that_are_missing_or_not_json(
    app: Flask, client: FlaskClient, platform_headers: dict[str, str]
) -> None:
    headers = {**platform_headers, **EN}
    cases = [
        (push(client, headers, None), {"application": "required"}),
        (push(client, headers, None, raw="{"), {"application": "not_json"}),
        (push(client, headers, None, raw="[" * 100_000), {"application": "not_json"}),
        (push(client, headers, None, raw="[1]"), {"application": "not_a_json_object"}),
    ]
    for response, fields in cases:
        assert response.status_code == 422 and _fields(response) == fields
    assert cases[1][0].get_json()["fields"]["application"]["message"] == "This part is not valid JSON."
    everything_missing = push(client, headers, {}, {})
    assert set(_fields(everything_missing)) == {
        "case_number",
        "item_code",
        "implementing_body",
        "applicant",
        "form",
        "submitted_at",
        "channel",
        "materials",
    }


def test_too_many_materials(app: Flask, client: FlaskClient, platform_headers: dict[str, str]) -> None:
    app.config["APPLICATION_MATERIALS_MAX_COUNT"] = 2
    listed = [{"file": f"f{n}", "kind": "other"} for n in range(3)]
    parts = {f"f{n}": (PNG, f"{n}.png") for n in range(3)}
    refused = push(client, {**platform_headers, **EN}, application(materials=listed), parts)
    assert refused.status_code == 422
    assert refused.get_json()["fields"]["materials"] == {
        "code": "too_many_materials",
        "message": "At most 2 materials.",
    }


@pytest.mark.parametrize(
    ("change", "code", "field", "english"),
    [
        (
            {"item_code": "000117001001", "form": {"certificate_number": "NO-SUCH"}},
            "item_not_connected",
            "item_code",
            "This service is not connected to the government service platform in this region.",
        ),
        (
            {"implementing_body": QINGDAO},
            "item_not_connected",
            "item_code",
            "This service is not connected to the government service platform in this region.",
        ),
        (
            {"implementing_body": "11370000MB00000002"},
            "item_unassigned",
            "implementing_body",
            "No authority provides this service in region 370000.",
        ),
        (
            {"implementing_body": "91370100MA3C00000E"},
            "unknown_implementing_body",
            "implementing_body",
            "No authority has this unified social credit code.",
        ),
    ],
)
def test_an_item_not_connected_or_a_body_that_does_not_implement_it(
    app: Flask,
    client: FlaskClient,
    province: Province,
    platform_headers: dict[str, str],
    change: dict[str, Any],
    code: str,
    field: str,
    english: str,
) -> None:
    connect(app)  # issue at Jinan only
    refused = push(client, {**platform_headers, **EN}, application(**change))
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json() == {
        "error": code,
        "message": english,
        "fields": {field: {"code": code, "message": english}},
    }
    assert push(client, platform_headers, application(**change)).get_json()["message"] != english
    assert _cases(app) == 0 and blobs(app) == []


def test_a_body_that_is_not_the_one_configured_for_the_item_there(
    app: Flask, client: FlaskClient, province: Province, platform_headers: dict[str, str]
) -> None:
    """A district bureau in Jinan's region: Jinan, not it, implements the issue there."""
    district = "11370102MB0000000" + credit_code_check_char("11370102MB0000000")
    with app.app_context():
        session = get_session()
        authorities.create_authority(
            session, name="历下区交通运输局", credit_code=district, region_code="370100", level="county"
        )
        authorities.set_connected(session, "370100", ServiceItem.ISSUE, True)
        session.commit()
    refused = push(client, platform_headers, application(implementing_body=district))
    assert refused.status_code == 422
    assert refused.get_json()["error"] == "not_implementing_body"
    assert refused.get_json()["message"] == "该地区此事项的实施主体是济南市交通运输局。"
    english = push(client, {**platform_headers, **EN}, application(implementing_body=district))
    assert english.get_json()["message"] == "In this region the service is provided by 济南市交通运输局."
    assert _cases(app) == 0 and blobs(app) == []


@pytest.mark.parametrize(
    ("content", "filename", "status", "code", "english"),
    [
        (
            PNG,
            "scan.pdf",
            415,
            "material_mismatch",
            "scan.pdf is not what its name says (a PDF, JPEG or PNG file).",
        ),
        (
            b"",
            "empty.png",
            415,
            "material_mismatch",
            "empty.png is not what its name says (a PDF, JPEG or PNG file).",
        ),
        (JPEG + b"\x00" * 3000, "big.jpg", 413, "material_too_large", "big.jpg is larger than 0 MB."),
    ],
)
def test_a_material_that_is_not_what_its_name_says_or_too_large_leaves_nothing(
    app: Flask,
    client: FlaskClient,
    province: Province,
    platform_headers: dict[str, str],
    content: bytes,
    filename: str,
    status: int,
    code: str,
    english: str,
) -> None:
    connect(app)
    app.config["APPLICATION_MATERIAL_MAX_BYTES"] = 2048
    listed = [{"file": "form", "kind": "application_form"}, {"file": "other", "kind": "other"}]
    parts = {"form": (FORM_PDF[:2000], "form.pdf"), "other": (content, filename)}
    refused = push(client, {**platform_headers, **EN}, application(materials=listed), parts)
    assert refused.status_code == status, refused.get_json()
    assert refused.get_json() == {
        "error": code,
        "message": english,
        "fields": {"materials[1].file": {"code": code, "message": english}},
    }
    assert _cases(app) == 0 and blobs(app) == []  # the good file was received, then discarded too


def test_a_request_past_the_cap_is_refused_before_it_is_read(
    app: Flask, client: FlaskClient, platform_headers: dict[str, str]
) -> None:
    app.config["APPLICATION_MATERIAL_MAX_BYTES"] = 1024
    app.config["APPLICATION_MATERIALS_MAX_COUNT"] = 1
    refused = push(
        client, {**platform_headers, **EN}, application(), {"form": (b"%PDF-" + b"x" * 400_000, "f.pdf")}
    )
    assert refused.status_code == 413
    assert refused.get_json() == {"error": "too_large", "message": "The request is larger than 0 MB."}
    assert blobs(app) == []


def test_no_token_a_bad_token_or_a_token_without_the_scope(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    connect(app)
    graduation = bearer(client, app, ["graduation:write", "graduation:read"])
    for headers, status, code in (
        ({}, 401, "invalid_token"),
        ({"Authorization": "Bearer nope"}, 401, "invalid_token"),
        (graduation, 403, "insufficient_scope"),
    ):
        for response in (
            push(client, {**headers, **EN}, application()),
            push(client, {**headers, **EN}, [], path=f"{PUSH}/PT-1/materials", name="materials"),
            client.get(f"{PUSH}/PT-1", headers={**headers, **EN}),
        ):
            assert response.status_code == status and response.get_json()["error"] == code
    refused = push(client, {**graduation, **EN}, application())
    assert refused.get_json()["message"] == "The access token lacks the scope platform:push."
    chinese = push(client, graduation, application()).get_json()["message"]
    assert chinese == "访问令牌缺少权限范围 platform:push。"
    assert _cases(app) == 0 and blobs(app) == []


def test_supplementary_materials_after_a_one_time_notice(
    app: Flask, client: FlaskClient, province: Province, platform_headers: dict[str, str]
) -> None:
    connect(app)
    created = push(client, platform_headers, application()).get_json()
    materials = f"{PUSH}/{created['case_number']}/materials"
    listed = [{"file": "health", "kind": "health_certificate"}]
    health = {"health": (JPEG, "体检证明.jpg")}

    waiting = push(client, {**platform_headers, **EN}, listed, health, path=materials, name="materials")
    assert waiting.status_code == 409
    assert waiting.get_json() == {
        "error": "case_not_waiting",
        "message": "This case is not waiting for materials.",
    }

    with app.app_context():  # a staff member of Jinan gives the one-time notice
        session = get_session()
        clerk = authorities.create_staff(
            session,
            username="notice",
            display_name="受理员",
            password="correct horse battery",
            authority=province.body(session, "jinan"),
            role=Role.CLERK,
            permissions=[(ServiceItem.ISSUE, stage) for stage in Stage],
        )
        case = session.scalars(select(Application)).one()
        apps.act(
            session,
            services().issuing,
            services().blobs,
            clerk,
            case.id,
            "accept",
            expected=case.next_sequence,
        )
        apps.act(
            session,
            services().issuing,
            services().blobs,
            clerk,
            case.id,
            "notify",
            apps.StepInput(opinion="缺体检证明", missing=["health_certificate"]),
            expected=case.next_sequence,
        )
        session.commit()
    state = client.get(f"{PUSH}/{created['case_number']}", headers=platform_headers).get_json()
    assert state["stage"] == "materials" and state["due"] is None and state["time_left"] is None

    for listed_wrong, parts, fields in (
        ([], {}, {"materials": "materials_required"}),
        ([{"file": "nothing", "kind": "photo"}], {}, {"materials[0].file": "unknown_part"}),
        ([{"file": "health", "kind": "x"}], health, {"materials[0].kind": "material_kind"}),
    ):
        refused = push(client, platform_headers, listed_wrong, parts, path=materials, name="materials")
        assert refused.status_code == 422 and _fields(refused) == fields
    not_json = push(client, platform_headers, None, health, raw="{", path=materials, name="materials")
    assert _fields(not_json) == {"materials": "not_json"}
    mismatch = push(
        client, platform_headers, listed, {"health": (PNG, "体检证明.jpg")}, path=materials, name="materials"
    )
    assert mismatch.status_code == 415 and mismatch.get_json()["error"] == "material_mismatch"
    unknown = push(
        client, {**platform_headers, **EN}, listed, health, path=f"{PUSH}/NO-SUCH/materials", name="materials"
    )
    assert unknown.status_code == 404 and unknown.get_json() == {
        "error": "case_not_found",
        "message": "No such case.",
    }
    odd = push(client, platform_headers, listed, health, path=f"{PUSH}/a%20b/materials", name="materials")
    assert odd.status_code == 404 and odd.get_json()["message"] == "没有这个办件。"
    stored = blobs(app)

    handed_in = push(client, platform_headers, listed, health, path=materials, name="materials")
    assert handed_in.status_code == 200, handed_in.get_json()
    body = handed_in.get_json()
    assert body["stage"] == "review" and body["due"] and body["time_left"] is not None
    assert [(m["kind"], m["supplementary"]) for m in body["materials"]] == [
        ("application_form", False),
        ("health_certificate", True),
    ]
    assert len(blobs(app)) == len(stored) + 1
    history = client.get(f"{PUSH}/{created['case_number']}", headers=platform_headers).get_json()["history"]
    assert [(h["action"], h["stage_after"]) for h in history] == [
        ("create", "accept"),
        ("accept", "review"),
        ("notify", "materials"),
        ("materials", "review"),
    ]
    assert history[2]["opinion"] == "缺体检证明" and history[1]["handler"] == "受理员"
    with app.app_context():  # the platform is told of staff's steps, not of its own
        kinds = get_session().scalars(select(PlatformMessage.kind).order_by(PlatformMessage.sequence)).all()
        assert kinds == ["accept", "notify", "materials"]


def test_the_state_of_a_case_the_platform_does_not_know(
    app: Flask, client: FlaskClient, platform_headers: dict[str, str]
) -> None:
    for number in ("NO-SUCH", "x" * 41, "a b"):
        response = client.get(f"{PUSH}/{number}", headers={**platform_headers, **EN})
        assert response.status_code == 404 and response.get_json() == {
            "error": "case_not_found",
            "message": "No such case.",
        }


def test_every_field_error_has_words() -> None:
    assert set(platform.FIELD_ERRORS) <= set(MESSAGES)


def test_an_old_submission_and_one_a_little_ahead_of_our_clock_are_accepted(
    app: Flask, client: FlaskClient, province: Province, platform_headers: dict[str, str]
) -> None:
    connect(app)
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)).isoformat()
    assert push(client, platform_headers, application(submitted_at=ahead)).status_code == 201
    other = id_number("37010219850101123")
    old = application(
        case_number="PT-OLD", submitted_at="2026-01-05T08:00:00Z", applicant={**APPLICANT, "id_number": other}
    )
    accepted = push(client, platform_headers, old)
    assert accepted.status_code == 201 and accepted.get_json()["submitted_at"] == "2026-01-05T08:00:00+00:00"
    with app.app_context():
        assert get_session().scalar(select(func.count()).select_from(ApplicationMaterial)) == 2
    assert accepted.get_json()["stage"] == CaseStage.ACCEPT

"""Applications (办件): every stage transition and refusal of the service, the clock that stops for
a one-time notice, the certificate a granted case makes, and the messages a connected case leaves
for the government service platform — in the same transaction as the step."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Application, ApplicationEvent, AuditEvent, Certificate, PlatformMessage
from app.models.enums import CaseStage, Role, ServiceItem, Stage
from app.services import applications as apps
from app.services import authorities
from app.services import certificates as certs
from app.services.applications import materials
from app.services.container import services
from app.services.errors import Conflict, InvalidFields, NotFound, PermissionDenied, RuleViolation

from ...functional.case_data import passed_exam
from ...helpers import id_number, on_day
from ...registry import PASSWORD, Province

DAY = dt.date(2026, 3, 2)  # a Monday
APPLICANT = {"name": "王小明", "id_number": id_number("37010219900307123"), "phone": "13800138000"}
PDF = b"%PDF-1.4\n% test material\n"


def staff_with(
    session: Session, province: Province, body: str, name: str, grants: list[tuple[ServiceItem, Stage]]
):  # type: ignore[no-untyped-def]
    return authorities.create_staff(
        session,
        username=name,
        display_name=name,
        password=PASSWORD,
        authority=province.body(session, body),
        role=Role.CLERK,
        permissions=grants,
    )


def everything(item: ServiceItem = ServiceItem.ISSUE) -> list[tuple[ServiceItem, Stage]]:
    return [(item, stage) for stage in Stage]


def upload(name: str = "form.pdf", data: bytes = PDF, kind: str = "application_form") -> materials.Upload:
    return materials.receive(services().blobs, io.BytesIO(data), filename=name, kind=kind, limit=1024 * 1024)


def window_case(session: Session, province: Province, actor, form=None, item="issue", day=DAY):  # type: ignore[no-untyped-def]
    return apps.open_at_window(
        session,
        on_day(province.context, day),
        services().blobs,
        actor,
        apps.NewCase(item=item, applicant=APPLICANT, form=form or {"categories": [2]}, uploads=[upload()]),
    )


def step(session, province, actor, case, name, day=DAY, **given):  # type: ignore[no-untyped-def]
    return apps.act(
        session,
        on_day(province.context, day),
        services().blobs,
        actor,
        case.id,
        name,
        apps.StepInput(**given),
        expected=case.next_sequence,
    )


def test_a_window_case_goes_through_all_three_stages_to_a_certificate_linked_both_ways(
    session: Session, province: Province
) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    passed_exam(session, 1)
    case = window_case(session, province, clerk, form={"categories": [1]})
    assert case.stage == CaseStage.ACCEPT and case.due == dt.date(2026, 3, 9)
    step(session, province, clerk, case, "accept")
    assert case.stage == CaseStage.REVIEW and case.accepted_on == DAY
    assert case.due == dt.date(2026, 3, 9)  # 5 working days after Monday
    step(session, province, clerk, case, "approve", opinion="材料齐全")
    step(session, province, clerk, case, "grant")
    assert case.stage == CaseStage.GRANTED and case.due is None and case.concluded_at is not None
    certificate = session.get(Certificate, case.certificate_id)
    assert certificate is not None and certificate.state == "active"
    assert certs.current_version(certificate).application_id == case.id
    actions = [e.action for e in session.scalars(select(ApplicationEvent).filter_by(application_id=case.id))]
    assert actions == ["create", "accept", "approve", "grant"]
    audited = session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == case.case_number)).all()
    assert audited == ["application.create", "application.accept", "application.approve", "application.grant"]
    # Not connected: nothing for the platform.
    assert session.scalars(select(PlatformMessage)).all() == []


def test_a_connected_item_leaves_one_message_per_step_in_sequence(
    session: Session, province: Province
) -> None:
    authorities.set_connected(session, "370100", ServiceItem.ISSUE, True)
    clerk = staff_with(session, province, "jinan", "all3", everything())
    passed_exam(session, 1)
    case = window_case(session, province, clerk, form={"categories": [1]})
    step(session, province, clerk, case, "accept")
    step(session, province, clerk, case, "notify", opinion="缺体检证明", missing=["health_certificate"])
    step(session, province, clerk, case, "materials", uploads=[upload("health.png", b"\x89PNG\r\n\x1a\nxx")])
    step(session, province, clerk, case, "approve")
    step(session, province, clerk, case, "grant")
    messages = session.scalars(select(PlatformMessage).order_by(PlatformMessage.sequence)).all()
    assert [(m.sequence, m.kind) for m in messages] == [
        (1, "create"),
        (2, "accept"),
        (3, "notify"),
        (4, "materials"),
        (5, "approve"),
        (6, "grant"),
    ]
    assert {m.idempotency_key for m in messages} == {f"{case.case_number}:{n}" for n in range(1, 7)}
    assert (
        messages[2].payload["missing"] == ["health_certificate"]
        and messages[2].payload["opinion"] == "缺体检证明"
    )
    granted = messages[-1].payload
    assert granted["result"]["certificate_number"] and granted["handler"] == {"id": "all3", "name": "all3"}
    assert granted["item_code"] == apps.ITEMS[ServiceItem.ISSUE].platform_code


def test_the_clock_stops_for_missing_materials_and_runs_again_across_the_spring_festival(
    session: Session, province: Province
) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    accepted = dt.date(2026, 2, 12)  # Thursday before the 2026 Spring Festival (15–23 February off)
    case = window_case(session, province, clerk, day=accepted)
    step(session, province, clerk, case, "accept", day=accepted)
    # 5 working days: 13 Feb, 14 Feb (a make-up Saturday), 24, 25, 26 Feb.
    assert case.due == dt.date(2026, 2, 26)
    step(session, province, clerk, case, "notify", day=dt.date(2026, 2, 13), opinion="缺照片")
    assert case.stage == CaseStage.MATERIALS and case.due is None
    assert apps.time_left(case, dt.date(2026, 3, 1)) is None
    step(session, province, clerk, case, "materials", day=dt.date(2026, 2, 25), uploads=[upload()])
    # Stood still from 13 to 25 February: 14, 24 and 25 February are 3 working days more.
    assert case.stage == CaseStage.REVIEW and case.paused_days == 3
    # 8 working days after 12 February: 13, 14, 24, 25, 26, 27, 28 (another make-up Saturday), 2 March.
    assert case.due == dt.date(2026, 3, 2)
    assert apps.time_left(case, dt.date(2026, 3, 2)) == 0
    assert apps.time_left(case, dt.date(2026, 3, 4)) == -2


def test_a_notice_before_acceptance_restarts_the_acceptance_clock(
    session: Session, province: Province
) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    case = window_case(session, province, clerk)
    step(session, province, clerk, case, "notify", opinion="缺身份证复印件")
    later = DAY + dt.timedelta(days=14)
    step(session, province, clerk, case, "materials", day=later, uploads=[upload()])
    assert case.stage == CaseStage.ACCEPT and case.paused_days == 0 and case.due == dt.date(2026, 3, 23)


@pytest.mark.parametrize(
    ("steps", "stage"),
    [
        (["refuse"], CaseStage.NOT_ACCEPTED),
        (["accept", "reject", "deny"], CaseStage.REFUSED),
        (["accept", "approve", "deny"], CaseStage.REFUSED),
    ],
)
def test_refusals_end_the_case_with_the_reason_and_no_certificate(
    session: Session, province: Province, steps: list[str], stage: CaseStage
) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    passed_exam(session, 1)
    case = window_case(session, province, clerk, form={"categories": [1]})
    for name in steps:
        step(session, province, clerk, case, name, opinion="不符合条件")
    assert case.stage == stage and case.certificate_id is None and case.due is None
    assert case.events[-1].opinion == "不符合条件"


@pytest.mark.parametrize("name", ["refuse", "notify", "reject", "deny"])
def test_a_refusal_needs_its_reason(session: Session, province: Province, name: str) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    case = window_case(session, province, clerk)
    if name in ("reject", "deny"):
        step(session, province, clerk, case, "accept")
    if name == "deny":
        step(session, province, clerk, case, "reject", opinion="照片不合格")
    with pytest.raises(RuleViolation) as refused:
        step(session, province, clerk, case, name)
    assert refused.value.code == "opinion_required"


def test_a_grant_after_a_rejecting_review_is_refused(session: Session, province: Province) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    case = window_case(session, province, clerk)
    step(session, province, clerk, case, "accept")
    step(session, province, clerk, case, "reject", opinion="照片不合格")
    with pytest.raises(RuleViolation) as refused:
        step(session, province, clerk, case, "grant")
    assert refused.value.code == "review_not_approved"


def test_missing_prerequisites_are_shown_and_stop_approval(session: Session, province: Province) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    case = window_case(session, province, clerk, form={"categories": [1, 2]})
    found = {p.code: p.met for p in apps.case_prerequisites(session, case, DAY)}
    assert found == {"prerequisite_graduation": False, "prerequisite_exam": False, "prerequisite_age": True}
    step(session, province, clerk, case, "accept")
    with pytest.raises(RuleViolation) as refused:
        step(session, province, clerk, case, "approve")
    assert refused.value.code == "prerequisite_graduation_missing"


def test_a_driver_of_60_is_refused_and_a_loader_is_not(session: Session, province: Province) -> None:
    old = {**APPLICANT, "id_number": id_number("37010219650301123")}
    clerk = staff_with(session, province, "jinan", "all3", everything())
    for categories, met in (([9], False), ([4], True)):
        case = apps.open_at_window(
            session,
            on_day(province.context, DAY),
            services().blobs,
            clerk,
            apps.NewCase(item="issue", applicant=old, form={"categories": categories}),
        )
        age = [p for p in apps.case_prerequisites(session, case, DAY) if p.code == "prerequisite_age"]
        assert [p.met for p in age] == ([met] if categories == [9] else [])


def test_only_holders_of_the_item_and_stage_at_the_implementing_body_act(
    session: Session, province: Province
) -> None:
    acceptor = staff_with(session, province, "jinan", "acceptor", [(ServiceItem.ISSUE, Stage.ACCEPT)])
    reviewer = staff_with(session, province, "jinan", "reviewer", [(ServiceItem.ISSUE, Stage.REVIEW)])
    other = staff_with(session, province, "qingdao", "qd_all3", everything())
    case = window_case(session, province, acceptor)
    for actor, name, code in (
        (reviewer, "accept", "no_permission"),
        (other, "accept", "other_authority_case"),
        (province.actor(session, "jinan_inspector"), "accept", "role"),
    ):
        with pytest.raises(PermissionDenied) as refused:
            step(session, province, actor, case, name)
        assert refused.value.code == code
    step(session, province, acceptor, case, "accept")
    with pytest.raises(PermissionDenied):
        step(session, province, acceptor, case, "approve")
    step(session, province, reviewer, case, "reject", opinion="照片不清晰")
    assert case.stage == CaseStage.CONCLUDE
    refused_events = session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("%.refused"))
    ).all()
    assert refused_events.count("application.accept.refused") == 3


def test_a_second_body_for_the_item_stops_every_case_of_the_region(
    session: Session, province: Province
) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    case = window_case(session, province, clerk)
    authorities.assign_item(session, "370100", ServiceItem.ISSUE, province.body(session, "qingdao"))
    with pytest.raises(RuleViolation) as refused:
        step(session, province, clerk, case, "accept")
    assert refused.value.code == "item_conflict"


def test_a_double_submitted_step_is_done_once_and_a_stale_page_is_a_conflict(
    session: Session, province: Province
) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    other = staff_with(session, province, "jinan", "other", everything())
    case = window_case(session, province, clerk)
    shown = case.next_sequence
    context = on_day(province.context, DAY)
    first = apps.act(session, context, services().blobs, clerk, case.id, "accept", expected=shown)
    again = apps.act(session, context, services().blobs, clerk, case.id, "accept", expected=shown)
    assert not first.repeated and again.repeated and case.next_sequence == shown + 1
    with pytest.raises(Conflict) as stale:
        apps.act(
            session, context, services().blobs, other, case.id, "refuse", apps.StepInput("x"), expected=shown
        )
    assert stale.value.code == "case_changed"
    with pytest.raises(Conflict) as moved:
        apps.act(session, context, services().blobs, other, case.id, "accept")
    assert moved.value.code == "case_moved_on"


def test_window_input_is_checked_all_at_once(session: Session, province: Province) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything())
    with pytest.raises(InvalidFields) as bad:
        apps.open_at_window(
            session,
            province.context,
            services().blobs,
            clerk,
            apps.NewCase(
                item="issue",
                applicant={"name": "", "id_number": "370102199003071230", "phone": "call me"},
                form={"categories": [99], "colour": "red"},
            ),
        )
    assert bad.value.errors == {
        "applicant.name": "required",
        "applicant.id_number": "id_number_check_character",
        "applicant.phone": "invalid_phone",
        "form.categories": "unknown_category",
        "form.colour": "unknown_field",
    }
    assert session.scalars(select(Application)).all() == []


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("scan.pdf", b"\xff\xd8\xff\xe0 a jpeg", "material_mismatch"),
        ("scan.exe", b"MZ", "material_type"),
        ("empty.png", b"", "material_mismatch"),
        ("big.pdf", b"%PDF-" + b"0" * 2000, "material_too_large"),
    ],
)
def test_a_material_that_is_not_what_it_says_or_too_large_is_refused_and_not_kept(
    app, name: str, data: bytes, code: str
) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        with pytest.raises(RuleViolation) as refused:
            materials.receive(services().blobs, io.BytesIO(data), filename=name, kind="id_card", limit=1000)
        assert refused.value.code == code
        assert list(services().blobs.hashes()) == []


def test_renew_case_renews_the_applicants_certificate_through_the_core(
    session: Session, province: Province
) -> None:
    clerk = staff_with(session, province, "jinan", "all3", everything(ServiceItem.RENEW))
    issuer = province.actor(session, "jinan_admin")
    issued = certs.issue(
        session,
        on_day(province.context, dt.date(2020, 3, 2)),
        issuer,
        certs.IssueRequest(APPLICANT["id_number"], "王小明", [4]),
    ).certificate
    renewal_day = issued.valid_until - dt.timedelta(days=10)
    case = window_case(
        session, province, clerk, item="renew", form={"certificate_number": issued.number}, day=renewal_day
    )
    assert case.certificate_id == issued.id
    for name in ("accept", "approve", "grant"):
        step(session, province, clerk, case, name, day=renewal_day)
    assert issued.current_version == 2 and case.certificate_version == 2
    with pytest.raises(RuleViolation) as other:
        window_case(
            session,
            province,
            clerk,
            item="renew",
            form={"certificate_number": "NO-SUCH"},
        )
    assert other.value.code == "case_certificate_not_found"


def test_platform_push_is_idempotent_and_checks_the_body_and_connection(
    session: Session, province: Province
) -> None:
    context = on_day(province.context, DAY)
    jinan = province.body(session, "jinan")
    new = apps.NewCase(
        item="issue",
        applicant=APPLICANT,
        form={"categories": [2]},
        channel="platform_online",
        case_number="PLAT-0001",
        submitted_at=dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC),
    )
    pushed = apps.Pushed(jinan.credit_code, "a" * 64, "gov")
    with pytest.raises(RuleViolation) as unconnected:
        apps.open_from_platform(session, context, services().blobs, new, pushed)
    assert unconnected.value.code == "item_not_connected"
    authorities.set_connected(session, "370100", ServiceItem.ISSUE, True)
    first, created = apps.open_from_platform(session, context, services().blobs, new, pushed)
    again, created_again = apps.open_from_platform(session, context, services().blobs, new, pushed)
    assert created and not created_again and first.id == again.id
    assert first.created_by == "platform:gov" and session.scalars(select(PlatformMessage)).all() == []
    with pytest.raises(Conflict) as different:
        apps.open_from_platform(
            session, context, services().blobs, new, apps.Pushed(jinan.credit_code, "b" * 64, "gov")
        )
    assert different.value.code == "case_number_conflict"
    qingdao = province.body(session, "qingdao")
    with pytest.raises(RuleViolation) as wrong_body:
        apps.open_from_platform(
            session,
            context,
            services().blobs,
            apps.NewCase(**{**new.__dict__, "case_number": "PLAT-0002"}),
            apps.Pushed(qingdao.credit_code, "c" * 64, "gov"),
        )
    assert (
        wrong_body.value.code == "item_not_connected"
    )  # Qingdao implements it in its own region, unconnected
    clerk = staff_with(session, province, "jinan", "all3", everything())
    step(session, province, clerk, first, "notify", opinion="缺照片")
    with pytest.raises(NotFound):
        apps.supplement_from_platform(session, context, services().blobs, "NO-SUCH", [upload()], "gov")
    apps.supplement_from_platform(session, context, services().blobs, "PLAT-0001", [upload()], "gov")
    assert first.stage == CaseStage.ACCEPT and [m.supplementary for m in first.materials] == [True]
    with pytest.raises(Conflict) as not_waiting:
        apps.supplement_from_platform(session, context, services().blobs, "PLAT-0001", [upload()], "gov")
    assert not_waiting.value.code == "case_not_waiting"

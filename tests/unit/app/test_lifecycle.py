"""The certificate lifecycle: each action's effect, version, status list and audit event, and
every refusal a clerk can run into, with its code."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Certificate, HolderCategory
from app.models.enums import CancelReason
from app.services import certificates as certs
from app.services import status_lists
from app.services.certificates.rules import validity_end
from app.services.errors import Conflict, PermissionDenied, RuleViolation
from signing import KeySet, Purpose, Status, Verifier, start_of_day, verify_status_list
from signing.errors import Superseded

from ...helpers import id_number, on_day
from ...registry import Province

HOLDER = id_number()


def issue(session: Session, province: Province, who: str = "jinan_admin", **kw):  # type: ignore[no-untyped-def]
    args = {"id_number": HOLDER, "name": "张三明", "categories": [1, 2]}
    args.update(kw)
    key = args.pop("request_key", None)
    request = certs.IssueRequest(**args)
    return certs.issue(
        session, province.context, province.actor(session, who), request, request_key=key
    ).certificate


def verifier(session: Session, province: Province) -> Verifier:
    keys = province.context.keys.published(now=2_000_000_000)
    jinan = province.body(session, "jinan")
    token, _ = status_lists.signed_list(session, province.context, jinan)
    signed = verify_status_list(token, KeySet(keys))
    return Verifier(keys, {signed.issuer: signed})


def test_issue_signs_a_verifiable_credential(session: Session, province: Province) -> None:
    cert = issue(session, province)
    (version,) = cert.versions
    assert cert.number == HOLDER and cert.state == "active" and version.version == 1
    assert version.identifier.startswith("1.2.156.3005.2.11100000000000000D.11370100MB00000007.00000001.001.")
    assert version.valid_until == validity_end(cert.first_issued, 6)
    result = verifier(session, province).verify(version.credential)
    assert result.holder == {"name": "张三明", "id": HOLDER} and result.status == "valid"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "certificate.issue")).one()
    assert event.actor == "jinan_admin" and event.target_id == str(cert.id)
    assert event.after is not None and event.after["categories"] == [1, 2]


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"id_number": "370102199003071230"}, "id_number_check_character"),
        ({"id_number": "370102199002301234"}, "id_number_birth_date"),
        ({"id_number": "3701021990030712"}, "id_number_shape"),
        ({"name": "张\u202e三"}, "invalid_name_characters"),
        ({"name": "王" * 51}, "invalid_name"),
        ({"categories": []}, "no_category"),
        ({"categories": [99]}, "unknown_category"),
        ({"categories": [10]}, "legacy_category"),
        ({"categories": [1, 1]}, "repeated_category"),
        ({"name": "  "}, "invalid_name"),
    ],
)
def test_issue_refuses_bad_input(session: Session, province: Province, kw: dict, code: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(RuleViolation) as caught:
        issue(session, province, **kw)
    assert caught.value.code == code
    assert session.scalar(select(Certificate.id)) is None


def test_second_live_certificate_and_category(session: Session, province: Province) -> None:
    issue(session, province)
    with pytest.raises(RuleViolation) as caught:
        issue(session, province, categories=[3])
    assert caught.value.code == "live_certificate_exists"


def test_other_authority_refused_and_recorded(session: Session, province: Province) -> None:
    cert = issue(session, province)
    with pytest.raises(PermissionDenied) as caught:
        certs.perform(
            session,
            province.context,
            province.actor(session, "qingdao_admin"),
            "reissue",
            cert.id,
            certs.ActionInput(reason="x"),
        )
    assert caught.value.code == "other_authority"
    refused = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.reissue.refused")
    ).one()
    assert refused.actor == "qingdao_admin" and refused.reason == "other_authority"
    assert session.get(Certificate, cert.id).state == "active"  # type: ignore[union-attr]


def test_renew_window(session: Session, province: Province) -> None:
    cert = issue(session, province)
    with pytest.raises(RuleViolation) as caught:
        certs.perform(session, province.context, province.actor(session, "jinan_clerk"), "renew", cert.id)
    assert caught.value.code == "renew_window"
    assert caught.value.params["ends"] == cert.valid_until.isoformat()
    inside = cert.valid_until - dt.timedelta(days=10)
    if True:
        result = certs.perform(
            session,
            on_day(province.context, inside),
            province.actor(session, "jinan_clerk"),
            "renew",
            cert.id,
            expected_version=1,
        )
    renewed = result.certificate
    assert renewed.current_version == 2
    old, new = renewed.versions
    assert old.state == "superseded" and new.valid_from == old.valid_until + dt.timedelta(days=1)
    check = verifier(session, province)
    starts = start_of_day(new.valid_from)
    assert check.verify(new.credential, at=starts).status == "valid"
    with pytest.raises(Superseded):
        check.verify(old.credential, at=starts - 60)


def test_reissue_change_suspend_lift_revoke(session: Session, province: Province) -> None:
    cert = issue(session, province)
    admin = province.actor(session, "jinan_admin")
    ctx = province.context
    certs.perform(
        session, ctx, admin, "reissue", cert.id, certs.ActionInput(reason="lost"), expected_version=1
    )
    certs.perform(
        session,
        ctx,
        admin,
        "change",
        cert.id,
        certs.ActionInput(reason="改名", holder_name="张三", categories=[1, 2, 3]),
    )
    assert cert.current_version == 3 and certs.current_version(cert).holder_name == "张三"
    held = set(session.scalars(select(HolderCategory.category)))
    assert held == {1, 2, 3}
    certs.perform(session, province.context, admin, "suspend", cert.id, certs.ActionInput(reason="违章"))
    index = certs.current_version(cert).status_index
    assert status_lists.get_status(session, cert.authority_id, index) == Status.SUSPENDED
    certs.perform(session, province.context, admin, "lift", cert.id, certs.ActionInput(reason="期满"))
    assert status_lists.get_status(session, cert.authority_id, index) == Status.VALID
    certs.perform(session, province.context, admin, "revoke", cert.id, certs.ActionInput(reason="处罚决定"))
    assert (
        cert.state == "revoked"
        and status_lists.get_status(session, cert.authority_id, index) == Status.REVOKED
    )
    assert list(session.scalars(select(HolderCategory))) == []
    with pytest.raises(RuleViolation) as caught:
        certs.perform(session, ctx, admin, "reissue", cert.id, certs.ActionInput(reason="again"))
    assert caught.value.code == "not_live"
    actions = list(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_type == "certificate").order_by(AuditEvent.seq)
        )
    )
    assert actions == [
        "certificate.issue",
        "certificate.reissue",
        "certificate.change",
        "certificate.suspend",
        "certificate.lift",
        "certificate.revoke",
    ]


def test_cancel_reasons_and_reissue_after_cancel(session: Session, province: Province) -> None:
    cert = issue(session, province)
    admin = province.actor(session, "jinan_admin")
    with pytest.raises(RuleViolation) as caught:
        certs.perform(
            session,
            province.context,
            admin,
            "cancel",
            cert.id,
            certs.ActionInput(cancel_reason="felt like it"),
        )
    assert caught.value.code == "cancel_reason"
    certs.perform(
        session,
        province.context,
        admin,
        "cancel",
        cert.id,
        certs.ActionInput(cancel_reason=CancelReason.OWN_REQUEST),
    )
    assert cert.state == "cancelled"
    again = issue(session, province)  # the number is free again once the old one is cancelled
    assert again.id != cert.id and again.serial == "00000002"


def test_change_cannot_take_a_category_held_elsewhere(session: Session, province: Province) -> None:
    first = issue(session, province, categories=[1])
    assert first.state == "active"
    with pytest.raises(RuleViolation) as caught:
        certs.perform(
            session,
            province.context,
            province.actor(session, "jinan_admin"),
            "change",
            first.id,
            certs.ActionInput(reason="same"),
        )
    assert caught.value.code == "no_change"


def test_stale_form_is_a_conflict(session: Session, province: Province) -> None:
    cert = issue(session, province)
    admin = province.actor(session, "jinan_admin")
    certs.perform(
        session,
        province.context,
        admin,
        "reissue",
        cert.id,
        certs.ActionInput(reason="lost"),
        expected_version=1,
    )
    with pytest.raises(Conflict) as caught:
        certs.perform(
            session,
            province.context,
            admin,
            "reissue",
            cert.id,
            certs.ActionInput(reason="lost"),
            expected_version=1,
        )
    assert caught.value.code == "superseded_version"


def test_double_submit_is_a_no_op(session: Session, province: Province) -> None:
    cert = issue(session, province, request_key="k1")
    again = certs.issue(
        session,
        province.context,
        province.actor(session, "jinan_admin"),
        certs.IssueRequest(HOLDER, "张三明", [1, 2]),
        request_key="k1",
    )
    assert again.repeated and again.certificate.id == cert.id
    admin = province.actor(session, "jinan_admin")
    certs.perform(
        session,
        province.context,
        admin,
        "reissue",
        cert.id,
        certs.ActionInput(reason="lost"),
        expected_version=1,
        request_key="k2",
    )
    repeat = certs.perform(
        session,
        province.context,
        admin,
        "reissue",
        cert.id,
        certs.ActionInput(reason="lost"),
        expected_version=1,
        request_key="k2",
    )
    assert repeat.repeated and cert.current_version == 2


def test_missing_signing_key(session: Session, province: Province) -> None:
    kid = province.context.keys.signer(Purpose.CERTIFICATE, now=10, issuer="11370100MB00000007").info.kid
    province.context.keys.retire(kid, now=10)
    with pytest.raises(RuleViolation) as caught:
        issue(session, province)
    assert caught.value.code == "no_signing_key"
    assert session.scalar(select(Certificate.id)) is None

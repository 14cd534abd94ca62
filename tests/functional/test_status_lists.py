"""Status lists over HTTP: signed, cacheable, and changed as soon as a change commits."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import certificates as certs
from signing import KeySet, Status, verify_status_list

from ..helpers import id_number
from ..registry import Province

JINAN = "11370100MB00000007"


def fetch(client: FlaskClient, etag: str | None = None):  # type: ignore[no-untyped-def]
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"/status/{JINAN}", headers=headers)


def test_status_list_follows_changes(client: FlaskClient, session: Session, province: Province) -> None:
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, id_number=id_number(), name="张三明", categories=[1]
    ).certificate
    index = certs.current_version(cert).status_index
    keys = KeySet.from_jwks(client.get("/.well-known/jwks.json").json)
    first = fetch(client)
    assert first.status_code == 200 and first.mimetype == "application/statuslist+jwt"
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    signed = verify_status_list(first.get_data(as_text=True), keys)
    assert signed.uri == f"https://rtc.example.cn/status/{JINAN}"
    assert signed.statuses.get(index) == Status.VALID
    assert fetch(client, first.headers["ETag"]).status_code == 304
    certs.suspend(session, admin, cert.id, reason="违章")
    second = fetch(client, first.headers["ETag"])
    assert second.status_code == 200
    assert verify_status_list(second.get_data(as_text=True), keys).statuses.get(index) == Status.SUSPENDED


def test_unknown_authority(client: FlaskClient) -> None:
    response = client.get("/status/11370900MB0000000G", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_issuer_metadata(client: FlaskClient, province: Province) -> None:
    response = client.get("/.well-known/issuers.json")
    assert (
        response.headers["Access-Control-Allow-Origin"] == "*"
        and "max-age" in response.headers["Cache-Control"]
    )
    by_code = {i["credit_code"]: i for i in response.json["issuers"]}
    assert by_code[JINAN] == {
        "credit_code": JINAN,
        "name": "济南市交通运输局",
        "region_code": "370100",
        "level": "city",
        "status_list": f"https://rtc.example.cn/status/{JINAN}",
    }
    assert response.json["licence_type_code"] == "11100000000000000D"
    assert (
        client.get(
            "/.well-known/issuers.json", headers={"If-None-Match": response.headers["ETag"]}
        ).status_code
        == 304
    )

"""Status lists over HTTP: signed once per change and stored, the same bytes from every worker
and instance, covering every issued index with a large fixed minimum, cacheable, open to other
origins, and changed as soon as a change commits."""

from __future__ import annotations

import datetime as dt
import json
import zlib
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.services import certificates as certs
from app.services import status_lists
from app.services.clock import FixedClock
from signing import (
    LEGACY_LAYOUT_UNTIL,
    KeySet,
    Purpose,
    Status,
    status_list_size,
    verify_key_status,
    verify_status_list,
)
from signing.errors import StatusOutOfBounds

from ..helpers import b64url_decode, id_number
from ..registry import Province

JINAN = "11370100MB00000007"


def fetch(client: FlaskClient, etag: str | None = None, code: str = JINAN):  # type: ignore[no-untyped-def]
    headers = {"If-None-Match": etag} if etag else {}
    return client.get(f"/status/{code}", headers=headers)


def keys_of(client: FlaskClient) -> KeySet:
    jwks = client.get("/.well-known/jwks.json").json
    return verify_key_status(jwks, client.get("/.well-known/key-status").get_data(as_text=True))


@pytest.fixture
def instance(make_app: Callable[..., Flask]) -> Flask:
    """A second instance of the service: its own app (as in another worker or on another host)
    on the same database and keys, with a clock that can be moved."""
    return make_app(clock=FixedClock(dt.datetime.now(dt.UTC)))


def test_status_list_follows_changes(client: FlaskClient, session: Session, province: Province) -> None:
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1])
    ).certificate
    session.commit()
    index = certs.current_version(cert).status_index
    keys = keys_of(client)
    first = fetch(client)
    assert first.status_code == 200 and first.mimetype == "application/statuslist+jwt"
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    signed = verify_status_list(first.get_data(as_text=True), keys)
    assert signed.uri == f"https://rtc.example.cn/status/{JINAN}"
    assert signed.statuses.get(index) == Status.VALID
    assert fetch(client, first.headers["ETag"]).status_code == 304
    certs.perform(session, province.context, admin, "suspend", cert.id, certs.ActionInput(reason="违章"))
    session.commit()
    second = fetch(client, first.headers["ETag"])
    assert second.status_code == 200
    assert verify_status_list(second.get_data(as_text=True), keys).statuses.get(index) == Status.SUSPENDED


def test_list_covers_every_issued_index_padded_to_the_minimum(
    client: FlaskClient, session: Session, province: Province
) -> None:
    # The defect: ten certificates used indexes 0-9, entry 7 was revoked, and the list held
    # 8 entries, so independent decoders rejected indexes 8 and 9 while ours read them as valid.
    jinan = province.authority["jinan"]
    assert status_lists.allocate(session, jinan, 10) == 0
    status_lists.set_statuses(session, jinan, {7: Status.REVOKED})
    session.commit()
    token = fetch(client).get_data(as_text=True)
    statuses = verify_status_list(token, keys_of(client)).statuses
    assert len(statuses) == status_list_size(10) == 1 << 17
    assert statuses.get(7) == Status.REVOKED and statuses.get(9) == Status.VALID
    with pytest.raises(StatusOutOfBounds):
        statuses.get(1 << 17)
    # What any decoder sees: 2 bits per entry, 32 KiB of entries once inflated.
    lst = json.loads(b64url_decode(token.split(".")[1]))["status_list"]["lst"]
    assert len(zlib.decompress(b64url_decode(lst))) == (1 << 17) // 4
    assert status_lists.get_status(session, jinan, 9) == Status.VALID


def test_list_grows_in_large_steps(client: FlaskClient, session: Session, province: Province) -> None:
    jinan = province.authority["jinan"]
    status_lists.allocate(session, jinan, 3 << 15)  # three quarters of the minimum in use
    session.commit()
    first = fetch(client)
    assert len(verify_status_list(first.get_data(as_text=True), keys_of(client)).statuses) == 1 << 17
    status_lists.allocate(session, jinan)  # one more: the list doubles, and is signed again
    session.commit()
    grown = fetch(client, first.headers["ETag"])
    assert grown.status_code == 200
    assert len(verify_status_list(grown.get_data(as_text=True), keys_of(client)).statuses) == 1 << 18


def test_two_instances_serve_the_same_bytes_and_etag(
    app: Flask, instance: Flask, session: Session, province: Province
) -> None:
    # P-256 signatures differ each time they are made: signing in each worker gave each its own
    # bytes and ETag, and a conditional GET reaching the other worker missed (200, not 304).
    province.context.keys.generate("ES256", Purpose.CERTIFICATE, now=2, issuer=JINAN)
    one, two = app.test_client(), instance.test_client()
    first, again = fetch(one), fetch(two)
    assert first.status_code == again.status_code == 200
    assert first.get_data() == again.get_data() and first.headers["ETag"] == again.headers["ETag"]
    # A conditional GET answers 304 whichever instance it reaches.
    assert all(fetch(c, first.headers["ETag"]).status_code == 304 for c in (one, two, one, two))
    status_lists.set_statuses(session, province.authority["jinan"], {0: Status.SUSPENDED})
    session.commit()
    changed, changed_too = fetch(two, first.headers["ETag"]), fetch(one, first.headers["ETag"])
    assert changed.status_code == changed_too.status_code == 200
    assert changed.get_data() != first.get_data() and changed.headers["ETag"] != first.headers["ETag"]
    assert (
        changed.get_data() == changed_too.get_data()
        and changed.headers["ETag"] == changed_too.headers["ETag"]
    )
    assert (
        verify_status_list(changed.get_data(as_text=True), keys_of(one)).statuses.get(0) == Status.SUSPENDED
    )


def test_unchanged_list_is_signed_again_after_a_day(instance: Flask, province: Province) -> None:
    client, clock = instance.test_client(), instance.extensions["services"].clock
    first = fetch(client)
    clock.advance(hours=23)
    assert fetch(client, first.headers["ETag"]).status_code == 304
    clock.advance(hours=2)
    later = fetch(client, first.headers["ETag"])
    assert later.status_code == 200 and later.headers["ETag"] != first.headers["ETag"]
    signed = verify_status_list(later.get_data(as_text=True), keys_of(client))
    assert signed.issued_at == clock.timestamp() and signed.expires_at - signed.issued_at == 7 * 86400


def test_a_new_key_signs_the_list_again(client: FlaskClient, province: Province) -> None:
    first = fetch(client)
    new = province.context.keys.generate("ES256", Purpose.CERTIFICATE, now=2, issuer=JINAN)
    second = fetch(client, first.headers["ETag"])
    assert second.status_code == 200
    token = second.get_data(as_text=True)
    assert verify_status_list(token, keys_of(client)).issuer == JINAN
    assert json.loads(b64url_decode(token.split(".")[0]))["kid"] == new.info.kid


@pytest.mark.parametrize("path", [f"/status/{JINAN}", "/.well-known/jwks.json", "/.well-known/issuers.json"])
def test_cors_preflight(client: FlaskClient, province: Province, path: str) -> None:
    response = client.options(
        path,
        headers={
            "Origin": "https://inspector.example.cn",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"].lower() == "if-none-match"
    assert int(response.headers["Access-Control-Max-Age"]) > 0


def test_unknown_authority(client: FlaskClient) -> None:
    response = client.get("/status/11370900MB0000000G", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and response.json["error"] == "not_found"


def test_authority_without_a_key_has_no_list(client: FlaskClient, province: Province) -> None:
    response = fetch(client, code="11370000MB00000002")  # the province bureau issues nothing
    assert response.status_code == 503 and response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.json["message"] == "本机构目前没有可签署状态列表的密钥，请稍后再试。"


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
        "jwks_uri": f"https://rtc.example.cn/keys/{JINAN}.json",
    }
    assert response.json["licence_type_code"] == "11100000000000000D"
    # until then the scanner (fed this document) accepts compact codes in the first layout
    assert response.json["legacy_layout_until"] == LEGACY_LAYOUT_UNTIL
    assert (
        client.get(
            "/.well-known/issuers.json", headers={"If-None-Match": response.headers["ETag"]}
        ).status_code
        == 304
    )


def test_every_listed_status_list_answers(client: FlaskClient, province: Province) -> None:
    # The province bureau has no certificate key: its list was listed and answered 503.
    issuers = client.get("/.well-known/issuers.json").json["issuers"]
    listed = [i["status_list"] for i in issuers if "status_list" in i]
    assert len(listed) == 2 and len(issuers) == 3
    for url in listed:
        response = client.get(url.removeprefix("https://rtc.example.cn"))
        assert response.status_code == 200, url
        assert verify_status_list(response.get_data(as_text=True), keys_of(client)).uri == url

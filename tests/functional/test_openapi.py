"""The partner API's OpenAPI document: valid OpenAPI 3.1, served cacheably, in step with the code — and
every real response of the API (each documented status, driven for real) matches the schema the
document gives for its status code."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse

from app.db import get_session
from app.models import Application, AuditEvent
from app.models.enums import CaseStage, Role, ServiceItem, Stage
from app.services import applications as apps
from app.services import authorities, graduation, graduation_checks, partners
from app.services import certificates as certs
from app.services.applications import platform
from app.services.applications.items import BY_PLATFORM_CODE, MATERIAL_KINDS
from app.services.container import services
from app.services.errors import Conflict
from app.web import partner_api, platform_api
from app.web.openapi import document
from signing import KeySet, Verifier, is_credit_code

from ..helpers import id_number
from ..registry import QINGDAO, Province
from .partner_helpers import bearer, client_with, encrypted_pdf, metadata, pdf, push, token
from .platform_helpers import JPEG, PNG, application, connect
from .platform_helpers import push as platform_push

DOC_URI = "urn:rtc:openapi"
PUSH = "/api/v1/graduation-certificates"
STATE = "/api/v1/graduation-certificates/{number}"
TOKEN = "/oauth/token"
APPLICATIONS = "/api/v1/platform/applications"
CASE = "/api/v1/platform/applications/{case_number}"
MATERIALS = "/api/v1/platform/applications/{case_number}/materials"
BOTH = ["graduation:write", "graduation:read"]


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


class Conformance:
    """Checks real responses against the document and records which (path, method, status) were seen."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.registry = Registry().with_resource(
            DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
        )
        self.seen: set[tuple[str, str, str]] = set()

    def documented(self) -> set[tuple[str, str, str]]:
        """Every (path, method, status) the document lists."""
        return {
            (path, method, status)
            for path, item in self.doc["paths"].items()
            for method, operation in item.items()
            for status in operation["responses"]
        }

    def check(self, response: TestResponse, path: str, method: str = "post") -> dict[str, Any]:
        """Assert ``response`` is documented for the operation and its body and headers match."""
        status = str(response.status_code)
        responses = self.doc["paths"][path][method]["responses"]
        assert status in responses, (
            f"{method.upper()} {path}: undocumented status {status}: {response.data!r}"
        )
        pointer = _pointer("paths", path, method, "responses", status)
        spec = responses[status]
        if "$ref" in spec:
            pointer = spec["$ref"][1:]
            spec = _resolve(self.doc, spec["$ref"])
        assert response.mimetype == "application/json", response.mimetype
        assert set(spec["content"]) == {"application/json"}
        body: dict[str, Any] = response.get_json()
        schema = {"$ref": f"{DOC_URI}#{pointer}{_pointer('content', 'application/json', 'schema')}"}
        validator = Draft202012Validator(
            schema, registry=self.registry, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
        assert not errors, f"{method.upper()} {path} {status}: {errors}\n{body}"
        for name, header in spec.get("headers", {}).items():
            header = _resolve(self.doc, header["$ref"]) if "$ref" in header else header
            assert name in response.headers, f"{method.upper()} {path} {status}: no {name} header"
            header_validator = Draft202012Validator(header["schema"])
            assert header_validator.is_valid(response.headers[name]), (name, response.headers[name])
        self.seen.add((path, method, status))
        return body


@pytest.fixture
def conformance(client: FlaskClient) -> Conformance:
    """The document as served, ready to check responses against."""
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return Conformance(response.get_json())


# --- the document itself -----------------------------------------------------------------------


def test_document_is_valid_openapi_3_1() -> None:
    doc = document()
    assert doc["openapi"].startswith("3.1.")
    validate(doc, cls=OpenAPIV31SpecValidator)
    for ref in set(_refs(doc)):  # the spec validator does not follow every reference
        _resolve(doc, ref)
    for name, schema in doc["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert name in {ref.rsplit("/", 1)[-1] for ref in _refs(doc)}, f"unused schema {name}"


def test_document_is_served_cacheably(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == document()
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get("/api/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_document_matches_the_code(app: Flask) -> None:
    doc = document()
    schemas = doc["components"]["schemas"]
    # every partner route is documented, and nothing else
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("partner_api.", "platform_api."))
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    assert routes == {(path, method) for path, item in doc["paths"].items() for method in item}
    assert schemas["CertificateNumber"]["pattern"] == graduation_checks.NUMBER.pattern
    credit_code = re.compile(schemas["CreditCode"]["pattern"])
    for code in ("52370100MJD0000012", "9137010OMA3C000001", "91370100MA3C00000", "٩1370100MA3C000001"):
        assert bool(credit_code.match(code)) == is_credit_code(code), code
    assert set(schemas["GraduationMetadata"]["required"]) == set(graduation.FIELDS)
    assert set(schemas["FieldError"]["properties"]["code"]["enum"]) == set(graduation.FIELD_ERRORS)
    flow = doc["components"]["securitySchemes"]["partnerOAuth"]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == TOKEN and set(flow["scopes"]) == set(partners.SCOPES)
    types = graduation.training_types(app.config["TRAINING_TYPES"])
    for example in schemas["GraduationMetadata"]["examples"]:
        assert graduation.parse_metadata(example, types, dt.date.today())
    # the platform's applications
    assert schemas["CaseNumber"]["pattern"] == f"^{platform.CASE_NUMBER.pattern}$"
    assert set(schemas["ItemCode"]["enum"]) == set(BY_PLATFORM_CODE)
    assert schemas["PlatformApplication"]["required"] == list(platform.FIELDS)
    assert set(schemas["PlatformApplication"]["properties"]) == set(platform.FIELDS)
    assert set(schemas["Applicant"]["properties"]) == set(platform.APPLICANT_FIELDS)
    assert schemas["PlatformFieldError"]["properties"]["code"]["enum"] == list(platform.FIELD_ERRORS)
    assert schemas["MaterialList"]["items"]["properties"]["kind"]["enum"] == list(MATERIAL_KINDS)
    stages = schemas["PlatformCaseFields"]["properties"]["stage"]["enum"]
    assert stages == [stage.value for stage in CaseStage]
    for example in schemas["PlatformApplication"]["examples"]:
        parts = {m["file"]: f"{m['file']}.pdf" for m in example["materials"]}
        pushed = platform.parse_push(example, parts, dt.datetime.now(dt.UTC), max_materials=10)
        assert pushed.implementing_body == example["implementing_body"]


# --- real responses against the document -------------------------------------------------------


def test_token_responses_match(app: Flask, client: FlaskClient, conformance: Conformance) -> None:
    client_id, secret = client_with(app, ["graduation:write"])
    body = conformance.check(token(client, client_id, secret), TOKEN)
    assert body["scope"] == "graduation:write"
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    conformance.check(client.post(TOKEN, data=form), TOKEN)
    for refused in (
        token(client, client_id, "wrong"),
        client.post(TOKEN, data={"grant_type": "client_credentials"}),
        client.post(TOKEN, data={**form, "client_id": "p-unknown"}),
    ):
        assert conformance.check(refused, TOKEN)["error"] == "invalid_client"
        assert refused.headers["WWW-Authenticate"] == 'Basic realm="rtc"'
    assert conformance.check(token(client, client_id, secret, scope="graduation:read"), TOKEN)["error"] == (
        "invalid_scope"
    )
    grant = client.post(TOKEN, data={"grant_type": "password"}, headers={"Accept-Language": "en"})
    assert conformance.check(grant, TOKEN) == {
        "error": "unsupported_grant_type",
        "message": "Only grant_type=client_credentials is supported.",
    }
    for _ in range(40):  # the limit is 30 a minute
        limited = client.post(TOKEN, data={"grant_type": "password"})
        if limited.status_code == 429:
            break
    assert conformance.check(limited, TOKEN)["error"] == "too_many_requests"
    assert conformance.seen == {(TOKEN, "post", status) for status in ("200", "400", "401", "429")}


def test_every_documented_response_is_real(
    app: Flask, client: FlaskClient, conformance: Conformance, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = bearer(client, app, BOTH)
    # stored, the same again, a new revision; the state with its history
    body = pdf()  # (reportlab dates each PDF: keep the bytes for the same push again)
    first = conformance.check(push(client, writer, metadata(), body), PUSH)
    assert first["revision"] == 1 and first["warnings"] == ["unknown_school"]
    same = push(client, writer, metadata(), body)
    assert same.status_code == 200 and conformance.check(same, PUSH) == first
    revised = push(client, writer, metadata(name="张三"), pdf("第二版"))
    assert revised.status_code == 201 and conformance.check(revised, PUSH)["revision"] == 2
    number = first["certificate_number"]
    state = conformance.check(client.get(f"{PUSH}/{number}", headers=writer), STATE, "get")
    assert [r["revision"] for r in state["history"]] == [2, 1] and state["name"] == "张三"
    assert [r["current"] for r in state["history"]] == [True, False]

    # refused metadata: every field, and metadata that is missing, not JSON, or not an object
    bad = metadata(
        certificate_number="-x",
        student_id_number="370102199003071230",
        sex="X",
        training_type="Z9",
        school_credit_code="short",
        period_start="2026-02-30",
        completed_on=None,
        name=["not", "a", "string"],
    )
    refused = conformance.check(push(client, writer, bad, pdf()), PUSH)
    assert refused["error"] == "invalid_fields" and set(refused["fields"]) == {
        "certificate_number",
        "student_id_number",
        "sex",
        "training_type",
        "school_credit_code",
        "period_start",
        "completed_on",
        "name",
    }
    for raw, field, code in (("{", "metadata", "invalid_json"), ("[1]", "metadata", "not_an_object")):
        response = push(client, writer, None, pdf(), raw=raw)
        assert conformance.check(response, PUSH)["fields"][field]["code"] == code
    no_file = conformance.check(push(client, writer, metadata(), None), PUSH)
    assert {name: field["code"] for name, field in no_file["fields"].items()} == {"file": "required"}
    nothing = client.post(PUSH, headers=writer, data={}, content_type="multipart/form-data")
    assert conformance.check(nothing, PUSH)["fields"]["metadata"]["code"] == "required"

    # files that are not usable PDFs
    assert conformance.check(push(client, writer, metadata(), b"GIF89a..."), PUSH)["error"] == "not_pdf"
    assert conformance.check(push(client, writer, metadata(), encrypted_pdf()), PUSH)["error"] == (
        "encrypted_pdf"
    )
    broken = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF"
    assert conformance.check(push(client, writer, metadata(), broken), PUSH)["error"] == "broken_pdf"

    # too large: the PDF past its cap while streaming, and a request past the cap before it is read
    app.config["GRADUATION_PDF_MAX_BYTES"] = 2048
    assert conformance.check(push(client, writer, metadata(), pdf() + b"%" * 4096), PUSH)["error"] == (
        "too_large"
    )
    huge = push(client, writer, metadata(), pdf() + b"%" * (300 * 1024))
    assert conformance.check(huge, PUSH)["error"] == "too_large"
    app.config["GRADUATION_PDF_MAX_BYTES"] = 20 * 1024 * 1024

    # two pushes of one number at the same moment: the loser is told to push again
    def _beaten(*args: Any, **kwargs: Any) -> Any:
        raise Conflict("the certificate was changed at the same time; push again")

    monkeypatch.setattr(partner_api.graduation, "receive", _beaten)
    assert conformance.check(push(client, writer, metadata(), pdf()), PUSH)["error"] == "conflict"
    monkeypatch.undo()

    # no token, a bad token, a token without the scope
    basic = base64.b64encode(b"a:b").decode()
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": f"Basic {basic}"}):
        for response, path, method in (
            (push(client, headers, metadata(), pdf()), PUSH, "post"),
            (client.get(f"{PUSH}/{number}", headers=headers), STATE, "get"),
        ):
            assert conformance.check(response, path, method)["error"] == "invalid_token"
            assert response.headers["WWW-Authenticate"].startswith("Bearer ")
    read_only, write_only = (
        bearer(client, app, ["graduation:read"]),
        bearer(client, app, ["graduation:write"]),
    )
    assert (
        conformance.check(push(client, read_only, metadata(), pdf()), PUSH)["error"] == "insufficient_scope"
    )
    scoped = client.get(f"{PUSH}/{number}", headers=write_only)
    assert conformance.check(scoped, STATE, "get")["error"] == "insufficient_scope"

    # unknown numbers, and numbers another client pushed, are not found
    for other in ("NO-SUCH-1", number):
        response = client.get(f"{PUSH}/{other}", headers=read_only)
        assert conformance.check(response, STATE, "get")["error"] == "not_found"
    english = client.get(f"{PUSH}/NO-SUCH-1", headers={**writer, "Accept-Language": "en"})
    assert conformance.check(english, STATE, "get")["message"] == (
        "You have not pushed a certificate with this number."
    )

    # a NUL character anywhere in the path or query is a bad request
    assert (
        conformance.check(client.get(f"{PUSH}/A%00B", headers=writer), STATE, "get")["error"] == "bad_request"
    )
    assert conformance.check(client.post(f"{PUSH}?note=%00", headers=writer), PUSH)["error"] == "bad_request"

    documented = {key for key in conformance.documented() if key[0] in (PUSH, STATE)}
    assert conformance.seen == documented, documented ^ conformance.seen


def test_ownership_refusals_match(app: Flask, client: FlaskClient, conformance: Conformance) -> None:
    """A school the client is not registered for (422 on the field), another owner's number and another
    student on the owner's own number (409), as documented."""
    owner, other = bearer(client, app, BOTH), bearer(client, app, BOTH)
    unregistered = bearer(client, app, BOTH, schools=["52370100MJD0000012"])
    refused = conformance.check(push(client, unregistered, metadata(), pdf()), PUSH)
    assert refused["error"] == "invalid_fields"
    assert refused["fields"]["school_credit_code"]["code"] == "not_registered_for_school"
    assert conformance.check(push(client, owner, metadata(), pdf()), PUSH)["revision"] == 1
    taken = conformance.check(push(client, other, metadata(), pdf()), PUSH)
    assert taken["error"] == "number_taken"
    another_student = metadata(student_id_number=id_number("11010519491231002"), name="李四", sex="F")
    moved = push(client, owner, another_student, pdf())
    assert conformance.check(moved, PUSH)["error"] == "different_student", moved.get_json()
    doc = conformance.doc["paths"][PUSH]["post"]["responses"]["409"]["content"]["application/json"]["schema"]
    assert set(doc["properties"]["error"]["enum"]) == {"conflict", "number_taken", "different_student"}


def test_parts_sent_as_the_document_encodes_them(
    app: Flask, client: FlaskClient, conformance: Conformance
) -> None:
    """``metadata`` as a part with ``Content-Type: application/json`` (the document's ``encoding``, as
    generated clients send it) and the file with any content type are accepted."""
    writer = bearer(client, app, ["graduation:write"])
    meta = json.dumps(metadata(), ensure_ascii=False).encode()
    data = {
        "metadata": FileStorage(
            io.BytesIO(meta), filename=None, name="metadata", content_type="application/json"
        ),
        "file": (io.BytesIO(pdf()), "cert.pdf", "application/octet-stream"),
    }
    response = client.post(PUSH, headers=writer, data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    conformance.check(response, PUSH)


ODD_METADATA = [
    pytest.param("[" * 100_000, "metadata", "invalid_json", id="nested-past-recursion-limit"),
    pytest.param('{"name": ' + "9" * 5000 + "}", "metadata", "invalid_json", id="int-past-digit-limit"),
    pytest.param(
        json.dumps(metadata()).replace('"\\u5f20', '"\\ud800'),
        "name",
        "invalid_name_characters",
        id="lone-surrogate",
    ),
    pytest.param(json.dumps(metadata(name="张\x00三")), "name", "invalid_name_characters", id="nul"),
    pytest.param(json.dumps(metadata(name="张\n三")), "name", "invalid_name_characters", id="line-break"),
    pytest.param(
        json.dumps(metadata(student_id_number="٣70102199003071238")),
        "student_id_number",
        "id_number_shape",
        id="id-number-other-digits",
    ),
    pytest.param(
        json.dumps(metadata(school_credit_code="91٣٧٠١٠٠MA3C000001")),
        "school_credit_code",
        "invalid_credit_code",
        id="credit-code-other-digits",
    ),
]


@pytest.mark.parametrize(("raw", "field", "code"), ODD_METADATA)
def test_odd_metadata_is_refused_as_documented(
    app: Flask, client: FlaskClient, conformance: Conformance, raw: str, field: str, code: str
) -> None:
    writer = bearer(client, app, ["graduation:write"])
    body = conformance.check(push(client, writer, None, pdf(), raw=raw), PUSH)
    assert body["fields"][field]["code"] == code


def test_nul_characters_are_refused_as_documented(
    app: Flask, client: FlaskClient, conformance: Conformance
) -> None:
    """NUL characters never reach the database (PostgreSQL refuses them in text)."""
    reader = bearer(client, app, ["graduation:read", "graduation:write"])
    found = client.get(f"{PUSH}/A%00B", headers=reader)
    assert conformance.check(found, STATE, "get")["error"] == "bad_request"
    pushed = client.post(f"{PUSH}?note=%00", headers=reader)
    assert conformance.check(pushed, PUSH)["error"] == "bad_request"
    form = {"grant_type": "client_credentials", "client_id": "p-\x00", "client_secret": "x"}
    assert conformance.check(client.post(TOKEN, data=form), TOKEN)["error"] == "bad_request"
    basic = base64.b64encode(b"p-%00:x").decode()
    refused = client.post(
        TOKEN, data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert conformance.check(refused, TOKEN)["error"] == "invalid_client"


def test_every_documented_platform_response_is_real(
    app: Flask,
    client: FlaskClient,
    province: Province,
    conformance: Conformance,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    connect(app)
    pusher = bearer(client, app, ["platform:push"])
    number = "PT-DOC-1"
    case = f"{APPLICATIONS}/{number}"
    materials = f"{case}/materials"
    new = conformance.check(platform_push(client, pusher, application(case_number=number)), APPLICATIONS)
    assert new["stage"] == "accept"
    same = platform_push(client, pusher, application(case_number=number))
    assert same.status_code == 200 and conformance.check(same, APPLICATIONS) == new
    other = platform_push(client, pusher, application(case_number=number, channel="platform_window"))
    assert conformance.check(other, APPLICATIONS)["error"] == "case_number_conflict"
    bad = platform_push(client, pusher, application(case_number="?", applicant={}))
    assert set(conformance.check(bad, APPLICATIONS)["fields"]) == {
        "case_number",
        "applicant.name",
        "applicant.id_number",
        "applicant.phone",
    }
    unconnected = platform_push(client, pusher, application(implementing_body=QINGDAO))
    assert conformance.check(unconnected, APPLICATIONS)["error"] == "item_not_connected"
    mismatch = platform_push(client, pusher, application(), {"form": (PNG, "form.pdf")})
    assert conformance.check(mismatch, APPLICATIONS)["error"] == "material_mismatch"
    app.config["APPLICATION_MATERIAL_MAX_BYTES"] = 1024
    big = platform_push(client, pusher, application(), {"form": (b"%PDF-" + b"x" * 2000, "form.pdf")})
    assert conformance.check(big, APPLICATIONS)["error"] == "material_too_large"
    huge = platform_push(client, pusher, application(), {"form": (b"%PDF-" + b"x" * 3_000_000, "form.pdf")})
    assert conformance.check(huge, APPLICATIONS)["error"] == "too_large"
    app.config["APPLICATION_MATERIAL_MAX_BYTES"] = 10 * 1024 * 1024

    def _beaten(*args: Any, **kwargs: Any) -> Any:
        raise Conflict("pushed at the same moment", code="concurrent_change")

    monkeypatch.setattr(platform_api.apps, "open_from_platform", _beaten)
    raced = platform_push(client, pusher, application(case_number="PT-DOC-2"))
    assert conformance.check(raced, APPLICATIONS)["error"] == "concurrent_push"
    monkeypatch.undo()

    # the state, and materials after a one-time notice
    state = conformance.check(client.get(case, headers=pusher), CASE, "get")
    assert [entry["action"] for entry in state["history"]] == ["create"]
    listed = [{"file": "health", "kind": "health_certificate"}]
    health = {"health": (JPEG, "health.jpg")}

    def supplement(parts: dict[str, tuple[bytes, str]], path: str = materials, data: Any = listed) -> Any:
        return platform_push(client, pusher, data, parts, path=path, name="materials")

    assert conformance.check(supplement(health), MATERIALS)["error"] == "case_not_waiting"
    with app.app_context():
        session = get_session()
        clerk = authorities.create_staff(
            session,
            username="doc",
            display_name="受理员",
            password="correct horse battery",
            authority=province.body(session, "jinan"),
            role=Role.CLERK,
            permissions=[(ServiceItem.ISSUE, Stage.ACCEPT)],
        )
        row = session.scalars(select(Application).filter_by(case_number=number)).one()
        apps.act(
            session,
            services().issuing,
            services().blobs,
            clerk,
            row.id,
            "notify",
            apps.StepInput(opinion="缺体检证明"),
            expected=row.next_sequence,
        )
        session.commit()
    assert conformance.check(supplement(health, data=[]), MATERIALS)["error"] == "invalid_fields"
    wrong = supplement({"health": (PNG, "health.jpg")})
    assert conformance.check(wrong, MATERIALS)["error"] == "material_mismatch"
    app.config["APPLICATION_MATERIAL_MAX_BYTES"] = 1024
    assert conformance.check(supplement({"health": (JPEG * 40, "h.jpg")}), MATERIALS)["error"] == (
        "material_too_large"
    )
    assert conformance.check(supplement({"health": (JPEG * 50_000, "h.jpg")}), MATERIALS)["error"] == (
        "too_large"
    )
    app.config["APPLICATION_MATERIAL_MAX_BYTES"] = 10 * 1024 * 1024
    missing = supplement(health, path=f"{APPLICATIONS}/NO-SUCH/materials")
    assert conformance.check(missing, MATERIALS)["error"] == "case_not_found"
    back = conformance.check(supplement(health), MATERIALS)
    assert back["stage"] == "accept" and back["materials"][-1]["supplementary"] is True
    assert conformance.check(client.get(f"{APPLICATIONS}/NO-SUCH", headers=pusher), CASE, "get")["error"] == (
        "case_not_found"
    )

    # no token, a token without the scope, a NUL in the path or query
    graduation_only = bearer(client, app, ["graduation:write"])
    for headers, code in (({}, "invalid_token"), (graduation_only, "insufficient_scope")):
        assert conformance.check(platform_push(client, headers, application()), APPLICATIONS)["error"] == code
        assert conformance.check(supplement_as(client, headers, materials), MATERIALS)["error"] == code
        assert conformance.check(client.get(case, headers=headers), CASE, "get")["error"] == code
    for response, path, method in (
        (client.post(f"{APPLICATIONS}?x=%00", headers=pusher), APPLICATIONS, "post"),
        (client.post(f"{APPLICATIONS}/A%00/materials", headers=pusher), MATERIALS, "post"),
        (client.get(f"{APPLICATIONS}/A%00", headers=pusher), CASE, "get"),
    ):
        assert conformance.check(response, path, method)["error"] == "bad_request"

    documented = {key for key in conformance.documented() if key[0] in (APPLICATIONS, CASE, MATERIALS)}
    assert conformance.seen == documented, documented ^ conformance.seen


def supplement_as(client: FlaskClient, headers: dict[str, str], path: str) -> Any:
    """An empty supplement (refused before its content is looked at)."""
    return platform_push(client, headers, [], {}, path=path, name="materials")


CREDENTIAL = "/api/v1/certificates/{identifier}/credential"


def test_every_documented_credential_response_is_real(
    app: Flask, client: FlaskClient, conformance: Conformance, province: Province
) -> None:
    """A partner system with ``certificate:read`` fetches the signed credential of a version by its
    identifier (the printed code names it); each fetch is audited; no token, another scope and an
    unknown identifier are refused as documented."""
    with app.app_context():
        session = get_session()
        admin = province.actor(session, "jinan_admin")
        cert = certs.issue(
            session, province.context, admin, certs.IssueRequest(id_number("37010219850611004"), "赵六", [1])
        ).certificate
        session.commit()
        version = certs.current_version(cert)
        identifier, credential = version.identifier, version.credential
    reader = bearer(client, app, ["certificate:read"])
    url = f"/api/v1/certificates/{identifier}/credential"
    body = conformance.check(client.get(url, headers=reader), CREDENTIAL, "get")
    assert body == {"identifier": identifier, "version": 1, "current": True, "credential": credential}
    verified = Verifier(KeySet(province.context.keys.published(now=2_000_000_000))).verify(body["credential"])
    assert verified.kind == "credential" and verified.holder["name"] == "赵六"
    assert conformance.check(client.get(url), CREDENTIAL, "get")["error"] == "invalid_token"
    other = bearer(client, app, ["graduation:read"])
    assert (
        conformance.check(client.get(url, headers=other), CREDENTIAL, "get")["error"] == "insufficient_scope"
    )
    unknown = client.get(url.replace(".001.", ".009."), headers=reader)
    assert conformance.check(unknown, CREDENTIAL, "get")["error"] == "not_found"
    documented = {key for key in conformance.documented() if key[0] == CREDENTIAL}
    assert conformance.seen == documented
    with app.app_context():
        fetches = (
            get_session()
            .scalars(select(AuditEvent).where(AuditEvent.action == "certificate.credential"))
            .all()
        )
        assert [(e.actor.startswith("partner:p-"), e.reason) for e in fetches] == [(True, identifier)]

"""Property-based fuzzing of the partner API from its own OpenAPI document (schemathesis, in-process
over WSGI, on the test database).

Requests are generated from the document, valid (positive) and invalid (negative), and sent with a
real client's credentials so they reach the handlers. Every response must pass schemathesis's checks:
no server error, a documented status code and content type, a body and headers as documented, invalid
data refused, authentication not ignored. Two checks are left out: ``positive_data_acceptance`` (a
schema-valid request may still be refused: the ID number's check character, its sex digit, configured
training types, dates not in the future and the PDF's content are beyond JSON Schema) and
``unsupported_method`` (the app's JSON error handler drops the ``Allow`` header of a 405).

Half the valid pushes are steered to carry a real PDF and mostly valid metadata, so they get past the
first refusal into the PDF checks and storage (201, the same push again 200, new revisions), and the
look-up finds them.
"""

from __future__ import annotations

import base64
import functools
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance, unsupported_method
from schemathesis.transport.serialization import Binary

from app.security import limiter

from .partner_helpers import client_with, encrypted_pdf, metadata, pdf, token

PUSH = "/api/v1/graduation-certificates"
EXCLUDED_CHECKS = [positive_data_acceptance, unsupported_method]


@functools.cache
def _pdfs() -> tuple[Binary, ...]:
    """Real PDFs (two different ones, so a push can revise), an encrypted one and a truncated one, as
    schemathesis holds generated files (so the steered case still counts as schema-valid)."""
    first, second = pdf(), pdf("第二版")
    return tuple(Binary(data) for data in (first, second, encrypted_pdf(), first[: len(first) // 2]))


@pytest.fixture
def credentials(app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Authorization headers of a client with both scopes: Basic for the token endpoint, Bearer else."""
    monkeypatch.setattr(limiter, "enabled", False)  # every generated request reaches the handler
    client_id, secret = client_with(app, ["graduation:write", "graduation:read"])
    access = token(client, client_id, secret).get_json()["access_token"]
    return {
        "basic": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode(),
        "bearer": f"Bearer {access}",
    }


@pytest.fixture
def api_schema(app: Flask, credentials: dict[str, str]) -> Any:
    """The document as the app serves it, bound to the app for in-process calls, with the steering."""
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    loaded.hook(flatmap_case)
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> st.SearchStrategy[Any]:
    """Schemathesis hook: give some valid pushes a real PDF, and valid metadata with only some
    generated members kept (negative cases stay as they are: they must remain invalid)."""
    body = case.body
    if case.operation.path != PUSH or not isinstance(body, dict) or case.meta is None:
        return st.just(case)
    if case.meta.generation.mode.is_negative:
        return st.just(case)
    generated = body.get("metadata")
    members = sorted(generated) if isinstance(generated, dict) else []

    def steer(choice: tuple[Binary | None, frozenset[str] | None]) -> schemathesis.Case:
        file, kept = choice
        if file is None and kept is None:
            return case
        steered = dict(body)
        if file is not None:
            steered["file"] = file
        if isinstance(generated, dict) and kept is not None:
            steered["metadata"] = {**metadata(), **{name: generated[name] for name in kept}}
        case.body = steered
        return case

    kept = st.frozensets(st.sampled_from(members)) if members else st.just(frozenset[str]())
    return st.tuples(st.none() | st.sampled_from(_pdfs()), st.none() | kept).map(steer)


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same requests on every run: CI stays reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_partner_api(case: schemathesis.Case, credentials: dict[str, str]) -> None:
    auth = credentials["basic"] if case.operation.path == "/oauth/token" else credentials["bearer"]
    case.call_and_validate(headers={"Authorization": auth}, excluded_checks=EXCLUDED_CHECKS)

"""Property-based fuzzing of the partner API from its own OpenAPI document (schemathesis, in-process
over WSGI, on the test database).

Requests are generated from the document, valid (positive) and invalid (negative), and sent with a
real client's credentials (rate limit off) so they reach the handlers. Every response must pass
schemathesis's checks: no server error, a documented status code and content type, a body and headers
as documented, invalid data refused, authentication not ignored, ``Allow`` on a 405. One check is
left out: ``positive_data_acceptance`` (a schema-valid request may still be refused: the ID number's check
character and sex digit, the configured training types, dates not in the future and the PDF's content
are beyond JSON Schema).

Random bytes are never a PDF and random metadata is rarely right, so most valid pushes are steered
(:func:`flatmap_case`) to carry a real PDF and mostly valid metadata: they get past the first refusal
into the PDF checks and storage (201, the same push again 200, new revisions), and the look-up finds
them. Generation is derandomized: the same requests on every run.
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
from schemathesis.specs.openapi.checks import (
    negative_data_rejection,
    positive_data_acceptance,
)
from schemathesis.transport.serialization import Binary

from app.security import limiter

from .partner_helpers import client_with, encrypted_pdf, metadata, pdf, token

PUSH = "/api/v1/graduation-certificates"
TOKEN = "/oauth/token"
EXCLUDED_CHECKS = [positive_data_acceptance]


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

    @loaded.auth(refresh_interval=None)
    class PartnerAuth:
        """The real client's credentials: HTTP Basic at the token endpoint, its access token elsewhere."""

        def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
            return credentials["basic" if case.operation.path == TOKEN else "bearer"]

        def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": data}

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema").exclude(tag="platform")  # test_platform_fuzz.py


class SteeredBody(dict[str, Any]):
    """A push body the steering changed. Schemathesis takes any changed body holding a file for invalid
    (it cannot check binary data), so ``negative_data_rejection`` is not asked of these: they are valid."""


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
            case.body = body  # as generated (the same case may have been steered on an earlier draw)
            return case
        steered = SteeredBody(body)
        if file is not None:
            steered["file"] = file
        if isinstance(generated, dict) and kept is not None:
            steered["metadata"] = {**metadata(), **{name: generated[name] for name in kept}}
        case.body = steered
        return case

    # mostly valid metadata three times in four, with at most two generated members kept
    kept = st.frozensets(st.sampled_from(members), max_size=2) if members else st.just(frozenset[str]())
    metadata_choice = st.sampled_from((True, True, True, False)).flatmap(
        lambda yes: kept if yes else st.none()
    )
    return st.tuples(st.sampled_from((None, *_pdfs())), metadata_choice).map(steer)


@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,  # the same requests on every run: CI stays reproducible
    suppress_health_check=[HealthCheck.too_slow],
)
def test_partner_api(case: schemathesis.Case) -> None:
    steered = isinstance(case.body, SteeredBody)
    case.call_and_validate(
        excluded_checks=[*EXCLUDED_CHECKS, negative_data_rejection] if steered else EXCLUDED_CHECKS
    )

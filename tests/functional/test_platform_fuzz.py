"""Property-based fuzzing of the platform's inbound API from the OpenAPI document (schemathesis,
in-process over WSGI, on the test database with the test province and the issue connected at
Jinan), like the graduation API's (``test_api_fuzz.py``): no server error, only documented statuses
and bodies, invalid data refused, authentication not ignored.

Random JSON is rarely a valid push and random bytes never a PDF, so most valid pushes are steered
(:func:`flatmap_case`) to a mostly valid application (at most two generated members kept) naming
real files under one of a few case numbers: they get past the checks into the files and the case
(201, the same push again 200, other content 409), and the state and supplement operations find
those cases. ``positive_data_acceptance`` is left out as for the graduation API (the ID number's
check character, the item's form and the files' bytes are beyond JSON Schema)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.transport import wsgi
from schemathesis.transport.serialization import Binary

from app.security import limiter

from ..registry import Province
from .partner_helpers import bearer, pdf
from .platform_helpers import JPEG, PNG, application, connect

APPLICATIONS = "/api/v1/platform/applications"
NUMBERS = ("PF-1", "PF-2", "PF-3", "PF-4", "PF-5", "PF-6")
PICKS = ((0,), (0, 1), (1, 2), (), (3,), (0, 2))
"""Which of the files a steered request names (the one at 3 is not what its name says)."""
EXCLUDED_CHECKS = [positive_data_acceptance]


def _file_parts(original: Callable[..., dict[str, list]]) -> Callable[..., dict[str, list]]:
    """Schemathesis's multipart encoding over WSGI, with the steered files sent as files. The
    document's file parts are its ``additionalProperties`` (the JSON part names them), and
    schemathesis sends an undeclared part without a file name, as a form field: the steered ones
    get their part name as file name."""

    def encode(files: list | None, data: dict[str, Any] | None) -> dict[str, list]:
        steered = {name for name, _ in _files()}
        named = [
            (name, (name, *part[1:]))
            if name in steered and isinstance(part, tuple) and part[0] is None
            else (name, part)
            for name, part in files or []
        ]
        return original(named, data)

    return encode


@functools.cache
def _files() -> tuple[tuple[str, Binary], ...]:
    """(part name, file): the part is sent with its name as its file name, so it has the extension;
    the last one's bytes are not what its name says."""
    return (
        ("form.pdf", Binary(pdf())),
        ("photo.png", Binary(PNG)),
        ("scan.jpg", Binary(JPEG)),
        ("id.pdf", Binary(PNG)),
    )


@pytest.fixture
def api_schema(app: Flask, client: FlaskClient, province: Province, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The platform's operations of the document as the app serves it, with a platform client's
    token and the steering."""
    monkeypatch.setattr(limiter, "enabled", False)
    monkeypatch.setattr(wsgi, "_to_werkzeug_parts", _file_parts(wsgi._to_werkzeug_parts))
    connect(app)
    token = bearer(client, app, ["platform:push"])["Authorization"]
    loaded = schemathesis.openapi.from_wsgi("/api/openapi.json", app).include(tag="platform")
    loaded.hook(flatmap_case)

    @loaded.auth(refresh_interval=None)
    class PlatformAuth:
        """The platform client's access token."""

        def get(self, case: schemathesis.Case, ctx: schemathesis.AuthContext) -> str:
            return token

        def set(self, case: schemathesis.Case, data: str, ctx: schemathesis.AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": data}

    return loaded


schema = schemathesis.pytest.from_fixture("api_schema").include(tag="platform")


class SteeredBody(dict[str, Any]):
    """A body the steering changed: valid, though schemathesis cannot tell (it holds files)."""


def flatmap_case(context: schemathesis.HookContext, case: schemathesis.Case) -> st.SearchStrategy[Any]:
    """Schemathesis hook: steer some valid pushes and supplements (see the module); the case numbers
    in paths mostly those the pushes use."""
    if case.meta is None or case.meta.generation.mode.is_negative:
        return st.just(case)
    body = case.body
    if case.path_parameters and "case_number" in case.path_parameters:
        numbered = _with_number(case, st.sampled_from((case.path_parameters["case_number"], *NUMBERS)))
        if case.operation.method.upper() == "GET":
            return numbered
        return numbered.flatmap(lambda steered: _steered_supplement(steered, body))
    if case.operation.path != APPLICATIONS or not isinstance(body, dict):
        return st.just(case)
    generated = body.get("application")
    members = sorted(generated) if isinstance(generated, dict) else []
    kept = st.frozensets(st.sampled_from(members), max_size=2) if members else st.just(frozenset[str]())

    def steer(choice: tuple[bool, str, frozenset[str], tuple[int, ...]]) -> schemathesis.Case:
        steer_it, number, keep, picked = choice
        if not steer_it:
            case.body = body
            return case
        files = [_files()[index] for index in sorted(set(picked))]
        listed = [{"file": name, "kind": "other"} for name, _ in files]
        data = application(case_number=number, materials=listed)
        if isinstance(generated, dict):
            data.update({name: generated[name] for name in keep})
        case.body = SteeredBody({"application": data, **dict(files)})
        return case

    choices = st.tuples(
        st.sampled_from((True, True, True, False)), st.sampled_from(NUMBERS), kept, st.sampled_from(PICKS)
    )
    return choices.map(steer)


def _with_number(case: schemathesis.Case, numbers: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    def put(number: str) -> schemathesis.Case:
        case.path_parameters = {**(case.path_parameters or {}), "case_number": number}
        return case

    return numbers.map(put)


def _steered_supplement(case: schemathesis.Case, body: Any) -> st.SearchStrategy[Any]:
    def steer(picked: tuple[int, ...]) -> schemathesis.Case:
        if not picked:
            case.body = body
            return case
        files = [_files()[index] for index in sorted(set(picked))]
        case.body = SteeredBody(
            {"materials": [{"file": n, "kind": "other"} for n, _ in files], **dict(files)}
        )
        return case

    return st.sampled_from(PICKS).map(steer)


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_platform_api(case: schemathesis.Case) -> None:
    steered = isinstance(case.body, SteeredBody)
    case.call_and_validate(
        excluded_checks=[*EXCLUDED_CHECKS, negative_data_rejection] if steered else EXCLUDED_CHECKS
    )

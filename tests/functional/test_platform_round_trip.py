"""A platform case from end to end over real HTTP, as the README shows it: the platform simulator
pushes an application to the served app, a clerk asks once for missing materials, the platform
pushes them, the case is accepted, reviewed and concluded with a certificate, and the relay tells
the simulator of every step — in order, each under its idempotency key."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import make_server

from app.db import get_session
from app.models import Application
from app.models.enums import CaseStage, ServiceItem
from app.services import applications as apps
from app.services import authorities, partners
from app.services.applications.items import ITEMS
from app.services.container import services
from app.services.platform.relay import Relay
from simulator import push
from simulator.server import Platform, PlatformServer, running

from ..registry import JINAN, Province
from .relay_helpers import all_sent, ledger, run_until, settings

pytestmark = pytest.mark.real_commits  # the app is served on threads of its own

PDF = b"%PDF-1.4\n% the missing health certificate\n%%EOF\n"


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture
def platform() -> Iterator[PlatformServer]:
    with running(Platform(seed=3)) as server:
        yield server


def _act(app: Flask, province: Province, number: str, name: str, **given: object) -> None:
    with app.app_context():
        session = get_session()
        case = session.scalars(select(Application).filter_by(case_number=number)).one()
        apps.act(
            session,
            province.context,
            services().blobs,
            province.actor(session, "jinan_admin"),
            case.id,
            name,
            apps.StepInput(**given),  # type: ignore[arg-type]
            expected=case.next_sequence,
        )
        session.commit()


def test_a_platform_case_flows_in_and_every_step_flows_back(
    app: Flask, province: Province, served: str, platform: PlatformServer
) -> None:
    with app.app_context():
        session = get_session()
        authorities.set_connected(session, "370100", ServiceItem.ISSUE, True)
        client, secret = partners.register(session, name="一体化平台", scopes=["platform:push"], actor="test")
        session.commit()
        client_id = client.client_id
    target = push.Target(served, client_id, secret)
    number = "HN2026030200001"
    application = push.example_application(number, ITEMS[ServiceItem.ISSUE].platform_code, JINAN)
    application["form"] = {"categories": [9]}  # a taxi driver: no exam or graduation certificate needed
    status, answer = push.push_application(target, application, {"application_form.pdf": push.EXAMPLE_PDF})
    assert status == 201 and answer["case_number"] == number and answer["stage"] == "accept"
    # The same push again is the first answer, not a second case.
    assert push.push_application(target, application, {"application_form.pdf": push.EXAMPLE_PDF})[0] == 200

    _act(app, province, number, "notify", opinion="缺体检合格证明", missing=["health_certificate"])
    supplied = push.supplement(
        target, number, [{"file": "health.pdf", "kind": "health_certificate"}], {"health.pdf": PDF}
    )
    assert supplied[0] == 200, supplied
    for name in ("accept", "approve", "grant"):
        _act(app, province, number, name)
    with app.app_context():
        case = get_session().scalars(select(Application).filter_by(case_number=number)).one()
        assert case.stage == CaseStage.GRANTED and case.certificate_id is not None

    engine = app.extensions["db_engine"]
    relay = Relay(engine, settings(platform.url))
    run_until(relay, all_sent(engine), 20)
    arrived = [
        (d["sequence"], d["action"], d["stage"])
        for d in ledger(platform.url)["deliveries"]
        if d["case_number"] == number
    ]
    # The push itself is the platform's own: what comes back starts with the notice.
    assert arrived == [
        (2, "notify", "materials"),
        (3, "materials", "accept"),
        (4, "accept", "review"),
        (5, "approve", "conclude"),
        (6, "grant", "granted"),
    ]

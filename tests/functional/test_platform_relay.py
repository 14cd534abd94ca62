"""The relay against the platform simulator over real HTTP: every step of a connected case
arrives, in order per case, through injected faults, with duplicates only where a retry happened
and each under the same idempotency key; the platform down for a "day" and the backlog draining
in order when it returns; a 400 for one case making a dead letter while other cases go on."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy.engine import Engine

from app.models.enums import MessageState
from app.services.platform.client import PlatformClient
from app.services.platform.relay import Relay
from simulator.server import Faults, Platform, PlatformServer, running

from ..registry import Province
from .admin_client import csrf, login
from .relay_helpers import (
    admin,
    all_sent,
    attempts,
    bulk_messages,
    check_ledger,
    connected_cases,
    ledger,
    messages,
    run_until,
    settings,
)

pytestmark = pytest.mark.real_commits  # the relay's senders use connections of their own


@pytest.fixture
def platform() -> Iterator[PlatformServer]:
    with running(Platform(seed=11)) as server:
        yield server


@pytest.fixture
def engine(app: Flask) -> Engine:
    return app.extensions["db_engine"]


def keys(engine: Engine) -> set[str]:
    return {f"{m.case_number}:{m.sequence}" for m in messages(engine)}


def test_every_step_arrives_in_order_through_faults(
    app: Flask, province: Province, platform: PlatformServer, engine: Engine
) -> None:
    numbers = connected_cases(app, province, 6)
    bulk_messages(engine, province.authority["jinan"], 30, 5)
    platform.platform.faults = Faults(
        error_rate=0.15,
        reset_rate=0.05,
        timeout_rate=0.05,
        timeout_seconds=0.4,
        slow_rate=0.1,
        slow_seconds=0.03,
        duplicate_ack_rate=0.1,
        reorder_seconds=0.01,
    )
    relay = Relay(engine, settings(platform.url, timeout=0.25))
    summary = run_until(relay, all_sent(engine), limit=20)
    assert all_sent(engine)(), summary
    found = ledger(platform.url)
    counts = check_ledger(found, attempts(engine))
    outcomes = [r["outcome"] for r in found["requests"]]
    # the faults did happen, and were retried
    assert {"error", "reset"} <= set(outcomes) and any(o.endswith("+timeout") for o in outcomes)
    assert summary.retried > 0 and summary.dead == 0
    assert counts["deliveries"] - counts["duplicates"] == len(keys(engine)) == 6 * 4 + 30 * 5
    # the window cases' first message is their creation, with the applicant
    creates = [d for d in found["deliveries"] if d["case_number"] in numbers and d["sequence"] == 1]
    assert {d["action"] for d in creates} == {"create"}
    assert found["tokens_issued"] == 1  # the token is kept until near its expiry


def test_the_platform_down_for_a_day_then_the_backlog_drains_in_order(
    app: Flask, province: Province, platform: PlatformServer, engine: Engine
) -> None:
    bulk_messages(engine, province.authority["jinan"], 40, 5)
    # waits that grow up to 10 s: without noticing the platform is back, the drain would take that long
    relay = Relay(engine, settings(platform.url, backoff=0.05, backoff_max=10))
    relay.client.token()  # the relay was running when the platform went down
    admin(platform.url, "down", {"seconds": 1.0})  # a day, compressed
    start = time.monotonic()
    back_at: list[float] = []

    def done() -> bool:
        if not back_at and not ledger(platform.url)["down"]:
            back_at.append(time.monotonic())
        return all_sent(engine)()

    summary = run_until(relay, done, limit=15)
    assert all_sent(engine)(), summary
    assert back_at and back_at[0] - start >= 0.9
    assert time.monotonic() - back_at[0] < 3.0  # drained soon after it came back
    found = ledger(platform.url)
    assert any(r["outcome"] == "down" for r in found["requests"])
    check_ledger(found, attempts(engine))


def test_a_refused_message_is_dead_and_holds_back_only_its_case(
    app: Flask, province: Province, platform: PlatformServer, engine: Engine
) -> None:
    refused, *others = connected_cases(app, province, 3)
    platform.platform.faults.reject_cases = [refused]
    summary = Relay(engine, settings(platform.url)).run(once=True)
    assert summary.dead == 1 and summary.delivered == 8
    states = {(m.case_number, m.sequence): m for m in messages(engine)}
    dead = states[(refused, 1)]
    assert dead.state == MessageState.DEAD and dead.attempts == 1
    assert dead.last_error == "refused: HTTP 400 rejected 办件信息校验不通过"
    assert [states[(refused, n)].state for n in (2, 3, 4)] == [MessageState.PENDING] * 3
    assert all(states[(n, s)].state == MessageState.SENT for n in others for s in range(1, 5))
    # a second run sends nothing of that case: it waits for staff
    assert Relay(engine, settings(platform.url)).run(once=True).delivered == 0
    # staff fix the case with the platform and send it again from the page
    platform.platform.faults.reject_cases = []
    client = app.test_client()
    login(client, "jinan_admin")
    dead_id = next(m.id for m in messages(engine) if m.state == MessageState.DEAD)
    page = client.get("/admin/platform/").get_data(as_text=True)
    assert refused in page
    client.post(f"/admin/platform/messages/{dead_id}/retry", data={"csrf_token": csrf(page)})
    assert Relay(engine, settings(platform.url)).run(once=True).delivered == 4
    assert all_sent(engine)()
    found = ledger(platform.url)
    check_ledger(found, attempts(engine))
    assert [d["sequence"] for d in found["deliveries"] if d["case_number"] == refused] == [1, 2, 3, 4]


def test_too_many_failures_make_a_message_dead(
    app: Flask, province: Province, platform: PlatformServer, engine: Engine
) -> None:
    bulk_messages(engine, province.authority["jinan"], 1, 2)
    platform.platform.faults.error_rate = 1.0
    relay = Relay(engine, settings(platform.url, max_attempts=3, backoff=0.01, backoff_max=0.02))
    run_until(relay, lambda: any(m.state == MessageState.DEAD for m in messages(engine)), limit=10)
    first, second = sorted(messages(engine), key=lambda m: m.sequence)
    assert (first.state, first.attempts, first.last_error) == (
        MessageState.DEAD,
        3,
        "gave_up: server_error: HTTP 500",
    )
    assert (second.state, second.attempts) == (MessageState.PENDING, 0)


def test_no_token_blames_no_message(
    app: Flask, province: Province, platform: PlatformServer, engine: Engine
) -> None:
    bulk_messages(engine, province.authority["jinan"], 2, 1)
    summary = Relay(engine, settings(platform.url, client_secret="wrong")).run(once=True)
    assert summary.no_token >= 1 and summary.delivered == 0
    assert {(m.state, m.attempts) for m in messages(engine)} == {(MessageState.PENDING, 0)}
    with pytest.raises(Exception, match="no_token: HTTP 401"):
        PlatformClient(settings(platform.url, client_secret="wrong")).token()

"""``flask platform status`` and ``flask platform reconcile`` against the simulator, and the
relay command's summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import update

from app.models import PlatformMessage
from simulator.server import Case, Platform, PlatformServer, running

from ..registry import Province
from .relay_helpers import bulk_messages, connected_cases

pytestmark = pytest.mark.real_commits  # the relay's senders use connections of their own


@pytest.fixture
def platform(app: Flask) -> Iterator[PlatformServer]:
    with running(Platform()) as server:
        app.config.update(
            PLATFORM_URL=server.url,
            PLATFORM_CLIENT_ID="rtc",
            PLATFORM_CLIENT_SECRET="rtc-secret",
            PLATFORM_TIMEOUT=1.0,
            PLATFORM_BACKOFF=0.01,
            PLATFORM_BACKOFF_MAX=0.05,
            PLATFORM_SENDERS=2,
        )
        yield server


def test_status_relay_and_reconcile(app: Flask, province: Province, platform: PlatformServer) -> None:
    runner = app.test_cli_runner()
    engine = app.extensions["db_engine"]
    numbers = connected_cases(app, province, 3, steps=1)  # two messages each
    bulk_messages(engine, province.authority["jinan"], 1, 3, prefix="DEAD")
    with engine.begin() as conn:  # written three hours ago; one dead
        conn.execute(
            update(PlatformMessage.__table__).values(
                created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=3, minutes=5)
            )
        )
    platform.platform.faults.reject_cases = ["DEAD00000000"]

    status = runner.invoke(args=["platform", "status"])
    assert status.exit_code == 0, status.output
    assert "pending: 9" in status.output and "dead:    0" in status.output
    assert "oldest pending: 3h 5m" in status.output

    relayed = runner.invoke(args=["platform", "relay", "--once"])
    assert relayed.exit_code == 0, relayed.output
    assert "delivered 6, to retry 0, dead 1; errors: refused 1" in relayed.output

    status = runner.invoke(args=["platform", "status"])
    assert "pending: 2" in status.output and "dead:    1" in status.output and "sent:    6" in status.output
    assert "重新发送" in status.output

    # the platform forgets one case and learns of one we never had
    with platform.platform.lock:
        del platform.platform.cases[numbers[0]]
        platform.platform.cases[numbers[1]].last_sequence = 1
        platform.platform.cases[numbers[2]].stage = "granted"
    since = "2026-03-01"  # the cases' steps were taken on 2026-03-02
    platform.platform.cases["ELSEWHERE01"] = Case(
        "ELSEWHERE01", 4, "review", dt.datetime.now(dt.UTC).isoformat()
    )
    found = runner.invoke(args=["platform", "reconcile", "--since", since])
    assert found.exit_code == 1, found.output
    lines = found.output.splitlines()
    assert lines[0] == f"5 differences since {since}:"
    assert f"{numbers[0]}  missing at the platform: ours 2 (review), theirs - (-)" in lines
    assert f"{numbers[1]}  platform behind: ours 2 (review), theirs 1 (review)" in lines
    assert f"{numbers[2]}  stage differs: ours 2 (review), theirs 2 (granted)" in lines
    assert (
        "DEAD00000000  missing at the platform: ours 3 (review), theirs - (-), 3 not yet delivered" in lines
    )
    assert "ELSEWHERE01  unknown here: ours - (-), theirs 4 (review)" in lines


def test_the_commands_need_the_platform_configured(app: Flask) -> None:
    app.config["PLATFORM_URL"] = None
    runner = app.test_cli_runner()
    for args in (["platform", "relay", "--once"], ["platform", "reconcile", "--since", "2026-03-01"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and "RTC_PLATFORM_URL is not set" in result.output


def test_reconcile_when_the_platform_is_down(app: Flask, platform: PlatformServer) -> None:
    platform.platform.down_until = float("inf")
    result = app.test_cli_runner().invoke(args=["platform", "reconcile", "--since", "2026-03-01"])
    assert result.exit_code == 1 and "the platform did not answer: no_token: HTTP 503" in result.output

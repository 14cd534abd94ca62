"""Relays killed with SIGKILL at random moments while they deliver, against a platform that fails
now and then: nothing is lost, every case arrives in order, and no message is ever sent by two live
relays at once (the simulator records when each request started and ended, and which relay sent it).

On PostgreSQL several relays run at once; SQLite has no row locks, so there one relay runs at a
time (as the relay's documentation says), killed and started again."""

from __future__ import annotations

import itertools
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from simulator.server import Faults, Platform, PlatformServer, running

from ..registry import Province
from .relay_helpers import all_sent, attempts, bulk_messages, check_ledger, ledger, messages

pytestmark = pytest.mark.real_commits  # the relays are processes of their own

ROOT = Path(__file__).resolve().parents[2]
CASES, PER_CASE = 60, 4


@pytest.fixture
def platform() -> Iterator[PlatformServer]:
    # every answer takes 10 ms, so that the relays are still at work when they are killed
    faults = Faults(error_rate=0.1, reset_rate=0.05, slow_rate=1.0, slow_seconds=0.01)
    with running(Platform(faults=faults, seed=5)) as server:
        yield server


def start_relay(app: Flask, url: str, folder: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RTC_DATABASE_URL": app.config["DATABASE_URL"],
        "RTC_KEYS_DIR": app.config["KEYS_DIR"],
        "RTC_INSTANCE_PATH": str(folder),
        "RTC_SECRET_KEY": "x",
        "RTC_PLATFORM_URL": url,
        "RTC_PLATFORM_CLIENT_ID": "rtc",
        "RTC_PLATFORM_CLIENT_SECRET": "rtc-secret",
        "RTC_PLATFORM_TIMEOUT": str(TIMEOUT),
        "RTC_PLATFORM_BACKOFF": "0.02",
        "RTC_PLATFORM_BACKOFF_MAX": "0.2",
        "RTC_PLATFORM_SENDERS": "4",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "platform", "relay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


TIMEOUT = 2.0
"""Seconds a relay waits for the platform's answer (``RTC_PLATFORM_TIMEOUT`` below)."""


def overlapping(requests: list[dict[str, Any]], killed: set[str]) -> list[tuple[str, str, str]]:
    """Requests of one key that were at the platform at the same time, the earlier one neither from
    a relay killed meanwhile nor one its relay had given up on (a request the platform took longer
    than the timeout to answer — on a busy machine — may still be answered after the message was
    sent again: at least once, not two sends at once)."""
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in requests:
        by_key[r["key"]].append(r)
    found = []
    for key, sent in by_key.items():
        sent.sort(key=lambda r: r["started"])
        for first, second in itertools.pairwise(sent):
            gave_up = first["ended"] - first["started"] >= TIMEOUT
            if first["ended"] > second["started"] and first["agent"] not in killed and not gave_up:
                found.append((key, first["agent"], second["agent"]))
    return found


def test_relays_killed_at_random_lose_nothing_and_never_send_one_message_twice_at_once(
    app: Flask, province: Province, platform: PlatformServer, tmp_path: Path
) -> None:
    engine = app.extensions["db_engine"]
    postgres = engine.dialect.name == "postgresql"
    bulk_messages(engine, province.authority["jinan"], CASES, PER_CASE)
    dice = random.Random(3)
    kills = 2 if postgres else 1
    relays = [start_relay(app, platform.url, tmp_path / f"r{n}") for n in range(3 if postgres else 1)]
    killed: set[str] = set()
    try:
        for n in range(kills):
            # a relay that is sending, killed a random moment later
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                sending = {r["agent"] for r in ledger(platform.url)["requests"]}
                working = [relay for relay in relays if f"rtc-relay/{relay.pid}" in sending]
                if working:
                    break
                time.sleep(0.05)
            assert working, "no relay started sending"
            time.sleep(dice.uniform(0.02, 0.2))
            victim = dice.choice(working)
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            relays.remove(victim)
            killed.add(f"rtc-relay/{victim.pid}")
            relays.append(start_relay(app, platform.url, tmp_path / f"k{n}"))
        deadline = time.monotonic() + 60  # generous: a busy machine's relays start slowly
        while time.monotonic() < deadline and not all_sent(engine)():
            time.sleep(0.1)
    finally:
        for relay in relays:
            relay.send_signal(signal.SIGTERM)
        outputs = [relay.communicate(timeout=20)[0].decode() for relay in relays]
    assert all_sent(engine)(), f"{sum(m.state != 'sent' for m in messages(engine))} messages not delivered"
    found = ledger(platform.url)
    # SIGTERM: a clean stop with a summary (a relay still starting up may not have its handler yet)
    sending = {r["agent"] for r in found["requests"]}
    stopped = [
        (relay.returncode, out)
        for relay, out in zip(relays, outputs, strict=True)
        if f"rtc-relay/{relay.pid}" in sending
    ]
    assert stopped and all(code == 0 and out.startswith("delivered ") for code, out in stopped), stopped
    counts = check_ledger(found, attempts(engine), lambda r: r["agent"] in killed)
    assert overlapping(found["requests"], killed) == []
    assert counts["deliveries"] - counts["duplicates"] == CASES * PER_CASE
    assert {"error", "reset"} <= {r["outcome"] for r in found["requests"]}  # the platform's faults

"""The relay to the government service platform (issue 11): messages delivered per second to the
platform simulator (``python -m simulator``, a process of its own) with no faults and with 20 %
of the answers failing (500); the time to drain a backlog of 10,000 messages once the platform
returns from a downtime the relay saw (its waits had grown to their long form, so the relay has to
notice the platform is back); and from the simulator's ledger, the messages lost (target 0) and
delivered more than once.

The messages are written directly into the outbox (cases of five steps each) of a fresh database:
SQLite always, PostgreSQL too when ``BENCH_PG_URL`` names an empty database to use (its schema is
replaced). The relay runs in this process with the configured number of senders (8).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine

from app import create_app
from app.cli.database import upgrade
from app.db import get_session
from app.models import Application, PlatformMessage
from app.services import authorities
from app.services.platform.client import Settings
from app.services.platform.relay import Relay

from .instance import databases, empty_database
from .table import Row

MESSAGES = int(os.environ.get("BENCH_RELAY_MESSAGES", "3000"))
BACKLOG = int(os.environ.get("BENCH_RELAY_BACKLOG", "10000"))
PER_CASE = 5
DRAIN_TARGET = 60.0
DOWN_SECONDS = 5.0
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Simulator:
    """``python -m simulator`` in a process of its own."""

    def __init__(self, *args: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "--port", str(self.port), *args],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                self.ledger()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the simulator did not start")

    def _call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.url}{path}", data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # our own simulator
            return json.loads(response.read())

    def ledger(self) -> dict[str, Any]:
        return self._call("/_admin/ledger")

    def admin(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self._call(f"/_admin/{path}", body)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def _database(folder: Path, url: str | None) -> str:
    if url is None:
        url = f"sqlite:///{folder / 'relay.sqlite3'}"
    else:
        empty_database(url)
    upgrade(url)
    return url


def _backlog(engine: Engine, authority_id: int, messages: int, prefix: str) -> None:
    """``messages`` pending messages, ``PER_CASE`` to a case, due now."""
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        for start in range(0, messages // PER_CASE, 500):
            cases = [f"{prefix}{n:09d}" for n in range(start, min(start + 500, messages // PER_CASE))]
            ids = (
                conn.execute(
                    insert(Application.__table__).returning(
                        Application.__table__.c.id, sort_by_parameter_order=True
                    ),
                    [
                        {
                            "case_number": number,
                            "item": "issue",
                            "authority_id": authority_id,
                            "channel": "window",
                            "connected": True,
                            "applicant_name": "测试",
                            "applicant_id_number": "370102199003071238",
                            "applicant_phone": "13800138000",
                            "form": {"categories": [2]},
                            "stage": "review",
                            "submitted_at": now,
                            "paused_days": 0,
                            "due_estimated": False,
                            "next_sequence": PER_CASE + 1,
                            "lock_version": 1,
                            "created_by": "bench",
                        }
                        for number in cases
                    ],
                )
                .scalars()
                .all()
            )
            conn.execute(
                insert(PlatformMessage.__table__),
                [
                    {
                        "application_id": application_id,
                        "case_number": number,
                        "sequence": s,
                        "kind": "accept",
                        "payload": {
                            "case_number": number,
                            "sequence": s,
                            "action": "accept",
                            "stage": "review",
                            "at": now.isoformat(),
                            "handler": {"id": "bench", "name": "bench"},
                        },
                        "state": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for application_id, number in zip(ids, cases, strict=True)
                    for s in range(1, PER_CASE + 1)
                ],
            )


def _unsent(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).select_from(PlatformMessage).where(PlatformMessage.state != "sent")
            )
            or 0
        )


def _run_until_sent(relay: Relay, engine: Engine, limit: float = 300) -> float:
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    start = time.perf_counter()
    thread.start()
    deadline = time.monotonic() + limit
    while _unsent(engine) and time.monotonic() < deadline:
        time.sleep(0.05)
    took = time.perf_counter() - start
    stop.set()
    thread.join()
    return took


def _lost_and_duplicated(ledger: dict[str, Any], prefix: str, expected: int) -> tuple[int, int]:
    keys = {d["key"] for d in ledger["deliveries"] if d["case_number"].startswith(prefix)}
    duplicates = sum(
        1 for d in ledger["deliveries"] if d["case_number"].startswith(prefix) and d["duplicate"]
    )
    return expected - len(keys), duplicates


def _measure(folder: Path, url: str | None) -> dict[str, Any]:
    url = _database(folder, url)
    app = create_app(
        {
            "DATABASE_URL": url,
            "KEYS_DIR": str(folder / "keys"),
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(folder / "instance"),
            "LOG_JSON": True,
        }
    )
    app.logger.setLevel("ERROR")
    with app.app_context():
        session = get_session()
        body = authorities.create_authority(
            session,
            name="济南市交通运输局",
            credit_code="11370100MB00000007",
            region_code="370100",
            level="city",
        )
        session.commit()
        authority_id = body.id
    engine: Engine = app.extensions["db_engine"]
    results: dict[str, Any] = {}
    simulator = Simulator()
    try:
        quick = Settings(
            url=simulator.url,
            client_id="rtc",
            client_secret="rtc-secret",
            timeout=5,
            backoff=0.05,
            backoff_max=0.5,
        )
        _backlog(engine, authority_id, MESSAGES, "CLEAN")
        took = _run_until_sent(Relay(engine, quick), engine)
        results["clean"] = (MESSAGES / took, took)
        simulator.admin("faults", {"error_rate": 0.2})
        _backlog(engine, authority_id, MESSAGES, "FAULT")
        took = _run_until_sent(Relay(engine, quick), engine)
        results["faulty"] = (MESSAGES / took, took)
        simulator.admin("faults", {"error_rate": 0.0})
        # the backlog: written while the platform is down and the relay keeps failing, with the
        # service's own waits (1 s doubling up to 30 min)
        real = Settings(url=simulator.url, client_id="rtc", client_secret="rtc-secret", timeout=5)
        relay = Relay(engine, real)
        relay.client.token()
        simulator.admin("down", {"seconds": DOWN_SECONDS})
        down_at = time.monotonic()
        _backlog(engine, authority_id, BACKLOG, "BACKLOG")
        stop = threading.Event()
        thread = threading.Thread(target=relay.run, args=(stop,))
        thread.start()
        while simulator.ledger()["down"]:
            time.sleep(0.05)
        back = time.perf_counter()
        while _unsent(engine):
            time.sleep(0.05)
            if time.monotonic() - down_at > 600:
                break
        results["drain"] = time.perf_counter() - back
        stop.set()
        thread.join()
        ledger = simulator.ledger()
        results["down_attempts"] = sum(1 for r in ledger["requests"] if r["outcome"] == "down")
        results["lost"] = sum(
            _lost_and_duplicated(ledger, prefix, n)[0]
            for prefix, n in (("CLEAN", MESSAGES), ("FAULT", MESSAGES), ("BACKLOG", BACKLOG))
        )
        results["duplicated"] = sum(
            _lost_and_duplicated(ledger, prefix, n)[1]
            for prefix, n in (("CLEAN", MESSAGES), ("FAULT", MESSAGES), ("BACKLOG", BACKLOG))
        )
        results["sent"] = len(ledger["deliveries"])
    finally:
        simulator.close()
        engine.dispose()
    return results


def run() -> list[Row]:
    """Measure on SQLite (and PostgreSQL when ``BENCH_PG_URL`` is set)."""
    rows = []
    for label, url in databases():
        with tempfile.TemporaryDirectory() as tmp:
            r = _measure(Path(tmp), url)
        clean_rate, clean_took = r["clean"]
        faulty_rate, faulty_took = r["faulty"]
        rows += [
            Row(
                f"relay to the platform simulator, {MESSAGES:,} messages, no faults ({label})",
                f"{clean_rate:,.0f} messages/s ({clean_took:.1f} s)",
                "",
                None,
                "(reported)",
            ),
            Row(
                f"relay, {MESSAGES:,} messages, 20 % answered 500 ({label})",
                f"{faulty_rate:,.0f} messages/s ({faulty_took:.1f} s)",
                f"no faults {clean_rate:,.0f}/s",
                faulty_rate / clean_rate,
                "(reported)",
            ),
            Row(
                f"relay: a {BACKLOG:,}-message backlog drained after {DOWN_SECONDS:.0f} s down ({label})",
                f"{r['drain']:.1f} s after the platform returned",
                f"{r['down_attempts']:,} attempts refused while down",
                None,
                f"<= {DRAIN_TARGET:.0f} s",
                r["drain"] <= DRAIN_TARGET,
            ),
            Row(
                f"relay: lost / delivered twice, from the simulator's ledger ({label})",
                f"{r['lost']} lost, {r['duplicated']} duplicates of {r['sent']:,} deliveries",
                "",
                None,
                "0 lost",
                r["lost"] == 0,
            ),
        ]
    return rows


if __name__ == "__main__":
    from .table import render

    print(render(run()))

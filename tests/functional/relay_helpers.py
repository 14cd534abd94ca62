"""Cases for the platform, the simulator's ledger read over HTTP, and a relay run until a condition
holds: shared by the relay's tests."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from flask import Flask
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from app.db import get_session
from app.models import Application, ExamResult, PlatformMessage
from app.models.enums import CaseStage, Channel, MessageState, ServiceItem
from app.services import authorities
from app.services.platform.client import Settings
from app.services.platform.relay import Relay, Summary

from ..registry import Province
from .case_data import APPLICANT_ID, new_case, passed_exam, take

STEPS = (("accept", ""), ("approve", ""), ("deny", "不符合条件"))
"""After ``create``: four messages a case."""


def settings(url: str, **changes: Any) -> Settings:
    """Settings for a test: short timeout and waits."""
    base: dict[str, Any] = {
        "url": url,
        "client_id": "rtc",
        "client_secret": "rtc-secret",
        "timeout": 0.5,
        "max_attempts": 50,
        "backoff": 0.02,
        "backoff_max": 0.2,
        "senders": 4,
        "poll": 0.02,
    }
    return Settings(**{**base, **changes})


def connected_cases(app: Flask, province: Province, count: int, steps: int = len(STEPS)) -> list[str]:
    """``count`` window cases of a connected item at Jinan, each taken through ``steps`` steps
    by the real service, committed; their case numbers."""
    numbers = []
    with app.app_context():
        session = get_session()
        authorities.set_connected(session, "370100", ServiceItem.ISSUE, True)
        if session.scalar(select(ExamResult.id).where(ExamResult.id_number == APPLICANT_ID)) is None:
            passed_exam(session)
        actor = province.actor(session, "jinan_admin")
        for _ in range(count):
            case = new_case(session, province, actor)
            for name, opinion in STEPS[:steps]:
                take(session, province, actor, case, name, opinion=opinion)
            numbers.append(case.case_number)
        session.commit()
    return numbers


def bulk_messages(engine: Engine, authority_id: int, cases: int, per_case: int, prefix: str = "BULK") -> int:
    """``cases`` connected cases with ``per_case`` pending messages each, written directly
    (for load); how many messages."""
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        for n in range(cases):
            number = f"{prefix}{n:08d}"
            application_id = conn.execute(
                insert(Application.__table__).values(
                    case_number=number,
                    item="issue",
                    authority_id=authority_id,
                    channel=Channel.WINDOW.value,
                    connected=True,
                    applicant_name="测试",
                    applicant_id_number=APPLICANT_ID,
                    applicant_phone="13800138000",
                    form={"categories": [2]},
                    stage=CaseStage.REVIEW.value,
                    submitted_at=now,
                    paused_days=0,
                    due_estimated=False,
                    next_sequence=per_case + 1,
                    lock_version=1,
                    created_by="test",
                )
            ).inserted_primary_key[0]
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
                        },
                        "state": MessageState.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for s in range(1, per_case + 1)
                ],
            )
    return cases * per_case


def messages(engine: Engine) -> list[Any]:
    """Every message's case number, sequence, state, attempts and error."""
    table = PlatformMessage.__table__
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(
                    table.c.id,
                    table.c.case_number,
                    table.c.sequence,
                    table.c.state,
                    table.c.attempts,
                    table.c.last_error,
                )
            )
        )


def ledger(url: str) -> dict[str, Any]:
    """The simulator's ledger, over HTTP."""
    with urllib.request.urlopen(f"{url}/_admin/ledger", timeout=10) as response:
        return json.loads(response.read())


def admin(url: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to the simulator's admin endpoint."""
    request = urllib.request.Request(
        f"{url}/_admin/{path}", data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def run_until(relay: Relay, done: Callable[[], bool], limit: float) -> Summary:
    """Run ``relay`` until ``done()`` (checked every 20 ms) or ``limit`` seconds; stops it either way."""
    stop = threading.Event()
    result: list[Summary] = []
    thread = threading.Thread(target=lambda: result.append(relay.run(stop)), daemon=True)
    thread.start()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and not done():
        time.sleep(0.02)
    stop.set()
    thread.join(10)
    assert result, "the relay did not stop"
    return result[0]


def attempts(engine: Engine) -> dict[str, int]:
    """The attempts the relay counted, by idempotency key."""
    return {f"{m.case_number}:{m.sequence}": m.attempts for m in messages(engine)}


def all_sent(engine: Engine) -> Callable[[], bool]:
    """A condition: no message is pending or dead."""
    return lambda: all(m.state == MessageState.SENT for m in messages(engine))


def check_ledger(
    found: dict[str, Any],
    attempts: dict[str, int],
    excused: Callable[[dict[str, Any]], bool] | None = None,
) -> dict[str, int]:
    """Assert what the platform received against our messages (``attempts``: the attempts each key
    took, as the relay counted them): every key arrived, in order per case, each delivery under the
    key of its case and sequence, and a key delivered more than once only where the relay tried it
    more than once (a retry after an answer that did not come back) or ``excused`` says a request
    came from a relay killed meanwhile (it could not count its attempt). Counts of deliveries and
    duplicates."""
    deliveries = found["deliveries"]
    keys = {d["key"] for d in deliveries}
    missing = set(attempts) - keys
    assert not missing, f"lost: {sorted(missing)[:10]}"
    by_case: dict[str, list[int]] = defaultdict(list)
    for d in deliveries:
        assert d["key"] == f"{d['case_number']}:{d['sequence']}"
        by_case[d["case_number"]].append(d["sequence"])
    for number, sequences in by_case.items():
        assert sequences == sorted(sequences), f"{number} out of order: {sequences}"
    unaccounted: dict[str, int] = defaultdict(int)
    for r in found["requests"]:
        if excused is not None and excused(r):
            unaccounted[r["key"]] += 1
    delivered: dict[str, int] = defaultdict(int)
    for d in deliveries:
        delivered[d["key"]] += 1
    for key, n in delivered.items():
        allowed = attempts.get(key, 0) + unaccounted[key]
        assert n == 1 or n <= allowed, f"{key} delivered {n} times in {attempts.get(key)} attempts"
    # A request the platform could not read comes only from a relay killed while sending it.
    unreadable = [r for r in found["requests"] if r["outcome"] in ("bad_key", "bad_request")]
    assert not [r for r in unreadable if excused is None or not excused(r)], unreadable
    return {"deliveries": len(deliveries), "duplicates": sum(n - 1 for n in delivered.values())}

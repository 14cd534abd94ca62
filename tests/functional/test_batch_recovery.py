"""A batch whose process is killed mid-import (``kill -9``): its job is shown as failed, nothing of
it is seen or kept, and it can be started again from its page."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, BatchJob, Certificate, Practitioner
from app.services.audit import verify_chain
from app.services.batch_jobs import STALE, notice_dead
from app.services.clock import FixedClock
from app.services.container import services

from ..helpers import id_number, running_job
from ..registry import Province
from .admin_client import csrf, login

pytestmark = pytest.mark.real_commits  # a second process and a background thread write
ROOT = Path(__file__).resolve().parents[2]
ROWS = 600
SURNAMES = "张王李赵刘陈杨黄"


def _csv(path: Path) -> None:
    day = dt.date(1975, 1, 1)
    lines = [
        f"{id_number(f'370102{day + dt.timedelta(days=n):%Y%m%d}003')},{SURNAMES[n % 8]}明,cargo"
        for n in range(ROWS)
    ]
    path.write_text("身份证号码,姓名,从业资格类别\n" + "\n".join(lines) + "\n", encoding="utf-8")


def _count(session: Session, query: object) -> int:
    """Count in a transaction of its own (a test holding one would hold SQLite's write lock)."""
    try:
        return int(session.scalar(query) or 0)  # type: ignore[call-overload]
    finally:
        session.rollback()


def _wait(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_killed_batch_fails_leaves_nothing_and_starts_again(
    app: Flask, client: FlaskClient, session: Session, province: Province, tmp_path: Path
) -> None:
    upload = tmp_path / "list.csv"
    _csv(upload)
    env = {
        **os.environ,
        "RTC_DATABASE_URL": app.config["DATABASE_URL"],
        "RTC_KEYS_DIR": app.config["KEYS_DIR"],
        "RTC_INSTANCE_PATH": str(tmp_path / "cli"),
        "RTC_SECRET_KEY": "x",
        "RTC_BATCH_CHUNK_ROWS": "10",
    }
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "certificates", "batch", str(upload)]
    worker = subprocess.Popen(
        [*command, "--as", "jinan_clerk"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    pending = select(func.count()).where(Certificate.state == "pending")
    try:
        _wait(lambda: _count(session, pending) >= 20 or worker.poll() is not None)
        assert worker.poll() is None, worker.stderr.read().decode()  # type: ignore[union-attr]
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    job = session.scalars(select(BatchJob)).one()
    job_id, state = job.id, job.state
    session.rollback()
    assert state == "running" and 0 < _count(session, pending) < ROWS
    people = _count(session, select(func.count()).select_from(Practitioner))
    assert people >= 20

    login(client, "jinan_clerk")
    page = client.get(f"/admin/batches/{job_id}").get_data(as_text=True)
    assert "失败" in page
    assert "批量核发失败，未核发任何证书。 办理该批次的进程在完成前中止。" in page
    withdraw_events = select(func.count()).where(AuditEvent.action == "certificate.batch_withdraw")
    _wait(lambda: _count(session, withdraw_events) == 1)  # withdrawn in the background
    assert _count(session, pending) == 0
    assert _count(session, select(func.count()).select_from(Certificate)) == 0
    assert _count(session, select(func.count()).select_from(Practitioner)) == 0
    withdrawn = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "certificate.batch_withdraw")
    ).one()
    assert withdrawn.actor == "system" and withdrawn.after["withdrawn"] >= 20  # type: ignore[index]
    assert verify_chain(session)[1] == []
    session.rollback()

    token = csrf(page)
    response = client.post(f"/admin/batches/{job_id}/restart", data={"csrf_token": token})
    assert response.status_code == 302
    for thread in app.extensions.get("batch_threads", {}).values():
        thread.join(timeout=120)
    page = client.get(f"/admin/batches/{job_id}").get_data(as_text=True)
    assert f"已核发 {ROWS} 本证书；0 行不予核发；0 行未核发。" in page
    assert _count(session, select(func.count()).where(Certificate.state == "active")) == ROWS
    again = client.post(f"/admin/batches/{job_id}/restart", data={"csrf_token": token})
    assert again.status_code == 409
    assert "只有失败的批次才能重新开始" in again.get_data(as_text=True)


def test_a_batch_without_heartbeat_is_noticed_as_dead(
    app: Flask, session: Session, province: Province
) -> None:
    """A worker on another host cannot be asked whether it lives: its heartbeat can."""
    clock = services(app).clock
    beat = clock.now()
    job = running_job(
        session, province.staff["jinan_clerk"], beat, worker="another-host:1234", heartbeat_at=beat
    )
    session.commit()
    with app.test_request_context("/admin/batches"):
        assert notice_dead(app, session) == []
        built = app.extensions["services"]
        app.extensions["services"] = replace(built, clock=FixedClock(beat + STALE + dt.timedelta(seconds=1)))
        try:
            assert notice_dead(app, session) == [job.id]
        finally:
            app.extensions["services"] = built
        session.commit()
    session.refresh(job)
    assert (job.state, job.failure) == ("failed", "worker_lost")


def test_a_running_job_beats_its_heartbeat(
    app: Flask, session: Session, province: Province, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between chunks (planning a large file, publishing), the heartbeat thread keeps the job alive."""
    import threading

    from app.services import batch_jobs

    monkeypatch.setattr(batch_jobs, "HEARTBEAT", 0.01)
    job = running_job(session, province.staff["jinan_clerk"], services(app).clock.now())
    session.commit()
    job_id = job.id
    later = FixedClock(dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    stop = threading.Event()
    beat = threading.Thread(target=batch_jobs._beat, args=(app, later, job_id, 1, stop))
    beat.start()
    _wait(lambda: _count(session, select(func.count()).where(BatchJob.heartbeat_at.is_not(None))) == 1, 10)
    stop.set()
    beat.join()
    session.expire_all()
    beat_at = session.get(BatchJob, job_id).heartbeat_at  # type: ignore[union-attr]
    assert beat_at is not None and beat_at.replace(tzinfo=dt.UTC) == later.now()


def test_a_failed_jobs_file_is_dropped_after_thirty_days(
    app: Flask, session: Session, province: Province
) -> None:
    """Names and ID numbers are not kept for a restart that never comes."""
    from app.services.batch_jobs import UPLOAD_KEPT, restartable

    now = services(app).clock.now()
    clerk = province.staff["jinan_clerk"]
    old = running_job(
        session, clerk, now, state="failed", finished_at=now - UPLOAD_KEPT - dt.timedelta(hours=1)
    )
    recent = running_job(session, clerk, now, state="failed", finished_at=now - dt.timedelta(days=1))
    old.upload = recent.upload = "身份证号码,姓名\n".encode()
    session.commit()
    old_id, recent_id = old.id, recent.id
    with app.test_request_context("/admin/batches"):
        notice_dead(app, session)
        session.commit()
    session.expire_all()
    kept = {job_id: restartable(session, session.get(BatchJob, job_id)) for job_id in (old_id, recent_id)}  # type: ignore[arg-type]
    assert kept == {old_id: False, recent_id: True}


def test_the_sweep_command_does_what_opening_the_pages_does(
    app: Flask, session: Session, province: Province
) -> None:
    """Where nobody may open the batch pages for a while, a timer runs the sweep."""
    now = services(app).clock.now()
    clerk = province.staff["jinan_clerk"]
    dead = running_job(session, clerk, now, worker="another-host:1", heartbeat_at=now - 2 * STALE)
    alive = running_job(session, clerk, now, worker="another-host:2", heartbeat_at=now)
    session.commit()
    dead_id, alive_id = dead.id, alive.id
    result = app.test_cli_runner().invoke(args=["certificates", "batch-sweep"])
    assert result.exit_code == 0, result.output
    assert "1 batches marked failed; 0 certificates withdrawn" in result.output
    session.expire_all()
    states = {job_id: session.get(BatchJob, job_id).state for job_id in (dead_id, alive_id)}  # type: ignore[union-attr]
    assert states == {dead_id: "failed", alive_id: "running"}

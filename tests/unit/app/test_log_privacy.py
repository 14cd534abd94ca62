"""No personal data in logs: the access log keeps paths without query strings, SQL errors carry no
bound values, and any ID-card number that still reaches a log line is masked."""

from __future__ import annotations

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from app.cli.database import upgrade
from app.db import get_session
from app.logs import redact

ROOT = Path(__file__).resolve().parents[3]
ID_NUMBER = "370102199003071238"


def test_redact_masks_id_numbers_only() -> None:
    assert (
        redact(f"Key (number)=({ID_NUMBER}) already exists")
        == "Key (number)=(3701**********1238) already exists"
    )
    assert redact("11010519491231002X and 11010519491231002x") == "1101**********002X and 1101**********002x"
    assert redact("request 6387a8edd5f044efaf99cf0e0f81d83e serial 00000001") == (
        "request 6387a8edd5f044efaf99cf0e0f81d83e serial 00000001"
    )


def test_a_database_error_logs_no_bound_values(app: Flask) -> None:
    out = io.StringIO()
    handler = app.logger.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    previous = handler.setStream(out)
    try:
        with app.test_request_context("/"):
            try:
                get_session().execute(
                    text("SELECT no_such_column WHERE :who = :name"), {"who": ID_NUMBER, "name": "张三明"}
                )
            except Exception:
                app.logger.exception("unhandled error")
    finally:
        handler.setStream(previous)  # type: ignore[arg-type]
    logged = out.getvalue()
    assert "unhandled error" in logged and "no_such_column" in logged
    assert ID_NUMBER not in logged and "张三明" not in logged and "parameters hidden" in logged


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.real_commits
def test_the_access_log_of_make_run_keeps_no_query_strings(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir()
    upgrade(f"sqlite:///{instance / 'rtc.sqlite3'}")
    port = _free_port()
    env = {**os.environ, "RTC_INSTANCE_PATH": str(instance), "RTC_LOG_JSON": "1"}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        query = urllib.parse.quote("张三明")
        for path in (f"/legacy?number=P2020001&name={query}", f"/admin/certificates?q={ID_NUMBER}"):
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()
    finally:
        server.terminate()
        logged = server.communicate(timeout=10)[0].decode()
    assert '"GET /legacy HTTP/1.1" 200' in logged and "/admin/certificates" in logged
    for secret in ("P2020001", "张三明", query, ID_NUMBER, "q="):
        assert secret not in logged

"""Several processes at once on the real database: two staff acting on one certificate, and two
issuing in parallel. No lost update, no duplicate serial, identifier or status index."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Certificate, CertificateVersion
from app.services import certificates as certs

from ...helpers import id_number
from ...registry import Province

pytestmark = pytest.mark.real_commits  # other processes and connections see what is committed


def _worker(config: dict[str, object], actor_id: int, job: str, arg: int, start: object) -> list[str]:
    from app import create_app
    from app.db import get_session
    from app.models import Staff
    from app.services.container import issuing_context
    from app.services.errors import Conflict
    from app.services.unit_of_work import commit

    app = create_app(config)
    outcomes = []
    with app.app_context():
        session = get_session()
        actor = session.get(Staff, actor_id)
        context = issuing_context(app)
        assert actor is not None and actor.authority is not None and actor.permissions is not None
        session.commit()  # hold no transaction (on SQLite: no write lock) while waiting
        start.wait()  # type: ignore[attr-defined]
        if job == "reissue":
            try:
                certs.perform(
                    session,
                    context,
                    actor,
                    "reissue",
                    arg,
                    certs.ActionInput(reason="lost"),
                    expected_version=1,
                )
                commit(session)  # the request's unit of work
                outcomes.append("ok")
            except Conflict as exc:
                outcomes.append(exc.code)
        else:
            for n in range(arg):
                first17 = f"370102199{job[-1]}01{n + 1:02d}{n:03d}"
                result = certs.issue(
                    session, context, actor, certs.IssueRequest(id_number(first17), "并发", [2])
                )
                commit(session)
                outcomes.append(result.certificate.serial)
    app.extensions["db_engine"].dispose()
    return outcomes


def _run(jobs: list[tuple[dict[str, object], int, str, int]]) -> list[list[str]]:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        start = manager.Barrier(len(jobs))
        with ctx.Pool(len(jobs)) as pool:
            pending = [pool.apply_async(_worker, (*job, start)) for job in jobs]
            return [p.get(timeout=120) for p in pending]


def _config(app: Flask, tmp_path: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "DATABASE_URL": app.config["DATABASE_URL"],
        "KEYS_DIR": app.config["KEYS_DIR"],
        "SECRET_KEY": "x",
        "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
        "INSTANCE_PATH": str(tmp_path / "worker"),
        "LOG_JSON": True,
    }


def test_two_staff_one_certificate_and_parallel_issuing(
    app: Flask, session: Session, province: Province, tmp_path: Path
) -> None:
    admin = province.actor(session, "jinan_admin")
    cert = certs.issue(
        session, province.context, admin, certs.IssueRequest(id_number(), "张三明", [1])
    ).certificate
    session.commit()
    config = _config(app, tmp_path)
    clerk_id = province.staff["jinan_clerk"]
    results = _run(
        [
            (config, admin.id, "reissue", cert.id),
            (config, admin.id, "reissue", cert.id),
            (config, clerk_id, "issue1", 8),
            (config, clerk_id, "issue2", 8),
        ]
    )
    reissues = results[0] + results[1]
    assert reissues.count("ok") == 1
    assert {*reissues} - {"ok"} <= {"concurrent_change", "superseded_version"}
    session.expire_all()
    assert session.get(Certificate, cert.id).current_version == 2  # type: ignore[union-attr]
    serials = results[2] + results[3]
    assert len(serials) == 16 and len(set(serials)) == 16
    versions = session.scalar(select(func.count()).select_from(CertificateVersion))
    assert versions == 1 + 1 + 16
    for column in (CertificateVersion.identifier, CertificateVersion.status_index):
        distinct = session.scalar(select(func.count(func.distinct(column))))
        assert distinct == versions


def test_reads_do_not_wait_for_a_writer(app: Flask) -> None:
    """While another connection holds the write lock, a GET request still answers at once."""
    import time

    from sqlalchemy import text

    client = app.test_client()
    with app.extensions["db_engine"].connect() as writer:
        writer.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))
        start = time.perf_counter()
        assert client.get("/.well-known/issuers.json").status_code == 200
        assert time.perf_counter() - start < 2
        writer.rollback()

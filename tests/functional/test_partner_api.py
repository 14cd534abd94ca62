"""The partner API over HTTP: tokens, pushes (idempotent, revised, refused), and look-ups."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.db import get_session
from app.models import AuditEvent, GraduationCertificate, Practitioner, TrainingSchool
from app.services import partners
from app.services.container import services

from .partner_helpers import SCHOOL, bearer, client_with, encrypted_pdf, metadata, pdf, push, raw_pdf, token

WRITE = ["graduation:write", "graduation:read"]


def _stored(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(GraduationCertificate)) or 0


def _blobs(app: Flask) -> list[str]:
    return sorted(services(app).blobs.hashes())


def test_token_and_its_errors(app: Flask, client: FlaskClient) -> None:
    client_id, secret = client_with(app, ["graduation:write"])
    good = token(client, client_id, secret)
    assert good.status_code == 200 and good.headers["Cache-Control"] == "no-store"
    body = good.get_json()
    assert (
        body["token_type"] == "Bearer" and body["scope"] == "graduation:write" and body["expires_in"] == 600
    )
    wrong = token(client, client_id, "not-the-secret")
    assert wrong.status_code == 401 and wrong.get_json()["error"] == "invalid_client"
    assert wrong.get_json()["message"] == "客户端不存在、密钥错误或已停用。"
    assert token(client, client_id, secret, scope="graduation:read").get_json()["error"] == "invalid_scope"
    grant = client.post("/oauth/token", data={"grant_type": "password"})
    assert grant.status_code == 400 and grant.get_json()["error"] == "unsupported_grant_type"


def test_push_needs_a_token_with_the_scope(app: Flask, client: FlaskClient) -> None:
    none = push(client, {}, metadata(), pdf())
    assert none.status_code == 401 and none.headers["WWW-Authenticate"].startswith("Bearer")
    assert none.get_json()["message"] == "请提供访问令牌：Authorization: Bearer <令牌>。"
    forged = push(client, {"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."}, metadata(), pdf())
    assert forged.status_code == 401 and forged.get_json()["error"] == "invalid_token"
    read_only = bearer(client, app, ["graduation:read"])
    refused = push(client, read_only, metadata(), pdf())
    assert refused.status_code == 403 and refused.get_json()["error"] == "insufficient_scope"


def test_rotated_secret_and_deactivation_end_old_tokens(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    client_id, secret = client_with(app, WRITE)
    old = {"Authorization": f"Bearer {token(client, client_id, secret).get_json()['access_token']}"}
    assert client.get("/api/v1/graduation-certificates/X1", headers=old).status_code == 404
    new_secret = partners.rotate_secret(session, client_id, actor="test")
    session.commit()
    assert client.get("/api/v1/graduation-certificates/X1", headers=old).status_code == 401
    assert token(client, client_id, secret).status_code == 401
    fresh = {"Authorization": f"Bearer {token(client, client_id, new_secret).get_json()['access_token']}"}
    assert client.get("/api/v1/graduation-certificates/X1", headers=fresh).status_code == 404
    partners.set_active(session, client_id, False, actor="test")
    assert client.get("/api/v1/graduation-certificates/X1", headers=fresh).status_code == 401


def test_push_stores_links_and_is_idempotent(app: Flask, client: FlaskClient) -> None:
    headers = bearer(client, app, WRITE)
    context = app.app_context()
    context.push()
    session = get_session()
    session.add(TrainingSchool(credit_code=SCHOOL, name="济南驾校", region_code="370100"))
    session.commit()
    document = pdf()
    first = push(client, headers, metadata(), document)
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (
        body["revision"] == 1 and body["warnings"] == [] and body["student_id_number"] == "370102199003071238"
    )
    assert first.headers["Location"].endswith("/api/v1/graduation-certificates/JY2026-0001")
    again = push(client, headers, metadata(), document)
    assert again.status_code == 200 and again.get_json() == body
    assert _stored(session) == 1 and len(_blobs(app)) == 1
    practitioner = session.scalars(select(Practitioner)).one()
    assert (practitioner.name, practitioner.sex) == ("张三明", "M")
    with services(app).blobs.open(body["pdf_sha256"]) as stored:
        assert stored.read() == document
    # different content → a new revision; the first stays, with the history visible
    revised = push(client, headers, metadata(completed_on="2026-06-29"), document)
    assert revised.status_code == 201 and revised.get_json()["revision"] == 2
    state = client.get("/api/v1/graduation-certificates/JY2026-0001", headers=headers).get_json()
    assert [r["revision"] for r in state["history"]] == [2, 1]
    assert [r["current"] for r in state["history"]] == [True, False]
    assert state["completed_on"] == "2026-06-29"
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("graduation.%"))).all()
    assert actions == ["graduation.receive", "graduation.revise"]
    session.close()
    context.pop()
    other = bearer(client, app, WRITE)
    assert client.get("/api/v1/graduation-certificates/JY2026-0001", headers=other).status_code == 404


def test_unknown_school_is_accepted_with_a_warning(app: Flask, client: FlaskClient) -> None:
    response = push(client, bearer(client, app, WRITE), metadata(), pdf())
    assert response.status_code == 201 and response.get_json()["warnings"] == ["unknown_school"]


def test_bad_metadata_lists_every_field(app: Flask, client: FlaskClient, session: Session) -> None:
    headers = bearer(client, app, WRITE)
    response = push(
        client,
        headers,
        metadata(
            student_id_number="370102199003071239",
            name=None,
            training_type="C1",
            period_end="2026-02-01",
            completed_on="2099-01-01",
        ),
        pdf(),
    )
    assert response.status_code == 422
    fields = response.get_json()["fields"]
    assert {name: f["code"] for name, f in fields.items()} == {
        "student_id_number": "id_number_check_character",
        "name": "required",
        "training_type": "unknown_training_type",
        "period_end": "before_period_start",
        "completed_on": "in_the_future",
    }
    assert fields["student_id_number"]["message"] == "身份证号码最后一位与前面的号码不符，请检查是否输错。"
    assert push(client, headers, None, pdf(), raw="{not json").get_json()["fields"] == {
        "metadata": {"code": "invalid_json", "message": "元数据不是有效的 JSON。"}
    }
    no_file = push(client, headers, metadata(), None)
    assert no_file.status_code == 422 and no_file.get_json()["fields"]["file"]["code"] == "required"
    assert _stored(session) == 0 and _blobs(app) == []


def test_files_that_are_not_usable_pdfs(app: Flask, client: FlaskClient, session: Session) -> None:
    headers = bearer(client, app, WRITE)
    png = push(client, headers, metadata(), b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert png.status_code == 415 and png.get_json()["message"] == "文件不是 PDF。"
    locked = push(client, headers, metadata(), encrypted_pdf())
    assert locked.status_code == 422 and locked.get_json()["error"] == "encrypted_pdf"
    broken = push(client, headers, metadata(), pdf()[:200])
    assert broken.status_code == 422 and broken.get_json()["error"] == "broken_pdf"
    assert broken.get_json()["message"] == "PDF 文件已损坏，无法读取。"
    assert _stored(session) == 0 and _blobs(app) == []
    assert list(Path(services(app).blobs.incoming).iterdir()) == []


class _CountingStream(io.BytesIO):
    """A request body that counts how much of it the server reads."""

    read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        n = super().readinto(buffer)
        self.read_bytes += n
        return n


def test_too_large_is_cut_off_unread(app: Flask, client: FlaskClient, session: Session) -> None:
    app.config["GRADUATION_PDF_MAX_BYTES"] = 1024 * 1024
    headers = bearer(client, app, WRITE)
    body = _CountingStream(bytes(50 * 1024 * 1024))
    response = client.post(
        "/api/v1/graduation-certificates",
        input_stream=body,  # type: ignore[arg-type]
        headers={**headers, "Content-Length": str(50 * 1024 * 1024)},
        content_type="multipart/form-data; boundary=x",
    )
    assert response.status_code == 413 and response.is_json
    assert body.read_bytes == 0
    # a body within the request cap whose file part is past the PDF cap: cut off while streaming
    big = pdf() + b"%" * (1024 * 1024 + 10)
    over = push(client, headers, metadata(), big)
    assert over.status_code == 413 and over.get_json()["message"] == "PDF 文件超过 1 MB。"
    assert _stored(session) == 0 and _blobs(app) == []


def test_push_interrupted_halfway_stores_nothing(app: Flask, client: FlaskClient, session: Session) -> None:
    headers = bearer(client, app, WRITE)
    boundary = "cut"
    start = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{{}}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + pdf()[:300]
    response = client.post(
        "/api/v1/graduation-certificates",
        input_stream=io.BytesIO(start),
        headers={**headers, "Content-Length": str(len(start) + 5000)},  # the rest never comes
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    # Werkzeug's parser drops a form whose body ends early, so the push lacks its fields (under
    # gunicorn a client that goes away mid-body is a 400 instead): either way nothing is kept
    assert response.status_code == 422 and response.get_json()["error"] == "invalid_fields"
    assert _stored(session) == 0 and _blobs(app) == []
    assert list(Path(services(app).blobs.incoming).iterdir()) == []


@pytest.mark.real_commits  # another connection watches the database's locks
def test_no_transaction_is_held_while_the_upload_streams_in(app: Flask, client: FlaskClient) -> None:
    """A slow 20 MB upload must not hold SQLite's write lock (or a PostgreSQL transaction) open:
    staff issuing certificates meanwhile would wait and fail."""
    headers = bearer(client, app, WRITE)
    engine = create_engine(app.config["DATABASE_URL"])
    seen: list[bool] = []

    def watch() -> None:
        with engine.connect() as other:
            if engine.dialect.name == "sqlite":
                other.exec_driver_sql("PRAGMA busy_timeout = 0")
                try:
                    other.exec_driver_sql("BEGIN IMMEDIATE")
                    other.exec_driver_sql("ROLLBACK")
                    seen.append(True)
                except OperationalError:
                    seen.append(False)
            else:
                busy = other.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"
                    )
                )
                seen.append(busy == 0)

    class Watching(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            watch()
            return super().read(size)

        def readinto(self, buffer: Any) -> int:
            watch()
            return super().readinto(buffer)

    boundary = "b0undary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n'
            + json.dumps(metadata(), ensure_ascii=False)
            + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + pdf()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        "/api/v1/graduation-certificates",
        input_stream=Watching(body),
        headers={**headers, "Content-Length": str(len(body))},
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    engine.dispose()
    assert response.status_code == 201, response.get_json()
    assert seen and all(seen)


def test_a_number_belongs_to_the_partner_that_pushed_it(app: Flask, client: FlaskClient) -> None:
    first, second = bearer(client, app, WRITE), bearer(client, app, WRITE)
    assert push(client, first, metadata(), pdf()).status_code == 201
    for body in (metadata(name="李四"), metadata()):  # different content, or the very same
        taken = push(client, second, body, pdf())
        assert taken.status_code == 409 and taken.get_json()["error"] == "number_taken"
        assert taken.get_json()["message"] == (
            "这个证书编号属于另一个合作系统或本局自行导入的记录，不能在此推送。"
        )
    assert client.get("/api/v1/graduation-certificates/JY2026-0001", headers=second).status_code == 404
    own = client.get("/api/v1/graduation-certificates/JY2026-0001", headers=first).get_json()
    assert [r["revision"] for r in own["history"]] == [1] and own["name"] == "张三明"


def test_the_same_push_again_restores_a_lost_file(app: Flask, client: FlaskClient) -> None:
    headers, document = bearer(client, app, WRITE), pdf()
    sha = push(client, headers, metadata(), document).get_json()["pdf_sha256"]
    services(app).blobs.delete(sha)
    assert push(client, headers, metadata(), document).status_code == 200
    with services(app).blobs.open(sha) as stored:
        assert stored.read() == document


def test_hostile_pdf_content_is_refused_not_a_crash(app: Flask, client: FlaskClient) -> None:
    nested = push(client, bearer(client, app, WRITE), metadata(), raw_pdf(b"[" * 5000))
    assert nested.status_code == 422 and nested.get_json()["error"] == "broken_pdf"


def test_metadata_over_the_form_limit_says_so(app: Flask, client: FlaskClient) -> None:
    huge = push(client, bearer(client, app, WRITE), None, pdf(), raw='"' + "x" * 600_000 + '"')
    assert huge.status_code == 413 and huge.get_json()["message"] == "元数据超过 500 KB。"


@pytest.mark.real_commits
def test_the_token_check_waits_for_no_writer(app: Flask, client: FlaskClient) -> None:
    """While another writer holds SQLite's write lock (a batch storing a chunk), a push is turned
    down for what it lacks at once: its token check only reads, only storing takes the lock."""
    import time

    headers = bearer(client, app, ["graduation:write"])
    with app.extensions["db_engine"].connect() as writer:
        writer.exec_driver_sql("UPDATE audit_head SET seq = seq WHERE id = 1")
        started = time.perf_counter()
        response = client.post("/api/v1/graduation-certificates", headers=headers, data={})
        waited = time.perf_counter() - started
        writer.rollback()
    assert response.status_code == 422 and "metadata" in response.get_json()["fields"]
    assert waited < 2, f"waited {waited:.1f} s"

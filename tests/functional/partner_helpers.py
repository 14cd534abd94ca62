"""Partner-API test helpers: real PDFs, a registered client (for :data:`SCHOOL` unless told otherwise)
and its token, multipart pushes."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen.canvas import Canvas

from app.db import get_session
from app.services import partners

SCHOOL = "91370100MA3C00000E"


def pdf(text: str = "结业证书") -> bytes:
    """A small one-page PDF."""
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, text)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """A password-protected PDF."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf())))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def metadata(**changes: Any) -> dict[str, Any]:
    """Valid metadata, with ``changes`` applied (None removes a field)."""
    data = {
        "certificate_number": "JY2026-0001",
        "student_id_number": "370102199003071238",
        "name": "张三明",
        "sex": "M",
        "training_type": "A2",
        "school_credit_code": SCHOOL,
        "period_start": "2026-03-01",
        "period_end": "2026-06-30",
        "completed_on": "2026-06-30",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def client_with(
    app: Flask, scopes: list[str], name: str = "计时平台", schools: Iterable[str] = (SCHOOL,)
) -> tuple[str, str]:
    """Register a partner client for ``schools``; (client_id, secret)."""
    with app.app_context():
        session = get_session()
        client, secret = partners.register(session, name=name, scopes=scopes, actor="test", schools=schools)
        session.commit()
        return client.client_id, secret


def token(http: FlaskClient, client_id: str, secret: str, scope: str | None = None) -> Any:
    """POST /oauth/token with HTTP Basic; the response."""
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    form = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return http.post("/oauth/token", data=form, headers={"Authorization": f"Basic {basic}"})


def bearer(
    http: FlaskClient, app: Flask, scopes: list[str], schools: Iterable[str] = (SCHOOL,)
) -> dict[str, str]:
    """Authorization headers for a new client with ``scopes``, registered for ``schools``."""
    response = token(http, *client_with(app, scopes, schools=schools))
    return {"Authorization": f"Bearer {response.get_json()['access_token']}"}


def push(
    http: FlaskClient, headers: dict[str, str], meta: Any, body: bytes | None, raw: str | None = None
) -> Any:
    """POST a graduation certificate as multipart."""
    data: dict[str, Any] = {"metadata": raw if raw is not None else json.dumps(meta, ensure_ascii=False)}
    if body is not None:
        data["file"] = (io.BytesIO(body), "cert.pdf", "application/pdf")
    return http.post(
        "/api/v1/graduation-certificates", data=data, headers=headers, content_type="multipart/form-data"
    )


def raw_pdf(content: bytes) -> bytes:
    """A hand-built one-page PDF whose page content stream is ``content`` (for hostile inputs)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offsets))
    out.write(b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()

"""A batch's activation notices: new codes for the holders who have not activated their account,
one PDF (a notice a page) and one CSV, audited, offered to the batch's own staff member only."""

from __future__ import annotations

import csv
import io
import re
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Practitioner
from app.services import holders

from ..helpers import id_number
from ..registry import Province
from .admin_client import csrf, login
from .test_batch_pages import HEADER, confirm, upload, wait
from .test_words import seen

A, B, C = id_number("37010219900307123"), id_number("11010519491231002"), id_number("37010219850101123")
pytestmark = pytest.mark.real_commits  # batches and notices are made by threads of their own


def issued_batch(app: Flask, client: FlaskClient, session: Session) -> str:
    login(client, "jinan_clerk")
    body = f"{HEADER}{A},张三明,cargo,\n{B},李四,cargo,\n{C},王五,taxi,\n".encode()
    job_url = upload(client, "list.csv", body).headers["Location"]
    confirm(client, job_url)
    wait(app, session)
    return job_url


def generate(app: Flask, client: FlaskClient, job_url: str, **extra: str) -> str:
    token = csrf(client.get(job_url).get_data(as_text=True))
    response = client.post(f"{job_url}/notices", data={"csrf_token": token, **extra}, follow_redirects=True)
    for thread in app.extensions.get("notice_threads", {}).values():
        thread.join(timeout=60)
    return response.get_data(as_text=True)


def test_notices_for_every_holder_not_yet_activated(
    app: Flask, client: FlaskClient, session: Session, province: Province
) -> None:
    job_url = issued_batch(app, client, session)
    # One holder activated his account already: he gets no notice.
    third = session.scalars(select(Practitioner).where(Practitioner.id_number == C)).one()
    clerk = province.actor(session, "jinan_clerk")
    code = holders.new_activation_code(session, third, clerk)
    holders.activate(session, C, code, "a long password")
    session.commit()
    page = seen(client.get(job_url).get_data(as_text=True))
    assert "本批次有 2 位持证人尚未激活账号。" in page and "生成激活通知" in page and "重新生成" not in page

    refused = generate(app, client, job_url)
    assert "请勾选确认框，然后生成激活通知。" in seen(refused)

    done = generate(app, client, job_url, confirm="y")
    assert "正在生成激活码；生成后激活通知会显示在下方。" in seen(done)
    page = client.get(job_url).get_data(as_text=True)
    found = {kind: url for url, kind in re.findall(r'href="([^"]+/notices\.(pdf|csv))"', page)}
    assert set(found) == {"pdf", "csv"} and "已就绪 · 2 份通知" in seen(page)
    # The files hold activation codes: only the service's user reads them.
    (folder,) = (f for f in (Path(app.instance_path) / "activation-notices").iterdir() if f.is_dir())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in folder.glob("notices.*")} == {0o600}

    pdf = client.get(found["pdf"])
    assert pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.get_data()))
    texts = [p.extract_text() for p in reader.pages]
    assert len(texts) == 2
    assert "张三明" in texts[0] and "李四" in texts[1] and all("激活码" in t for t in texts)
    codes = [re.search(r"激活码：([0-9A-Z]{5}-[0-9A-Z]{5})", t).group(1) for t in texts]  # type: ignore[union-attr]

    table = client.get(found["csv"])
    assert table.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(table.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["姓名", "身份证号码", "证号", "激活码", "激活码有效期至"]
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [("张三明", A, codes[0]), ("李四", B, codes[1])]
    assert rows[1][1] != A and rows[1][1][:4] == A[:4]  # masked as the notice shows it

    session.rollback()
    # The printed codes open the accounts.
    assert holders.activate(session, A, codes[0], "another password").activated_at is not None
    session.rollback()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert "batch.activation_notices" in actions and actions.count("holder.activation_code") == 3
    assert actions.count("batch.activation_notices_download") == 2
    session.rollback()

    # Codes exist now: the page says so, and the button says "again".
    page = seen(client.get(job_url).get_data(as_text=True))
    assert "重新生成激活通知" in page and "之前已为其中部分持证人生成过激活码" in page


def test_notices_in_english_and_only_for_the_batchs_staff(
    app: Flask, client: FlaskClient, province: Province
) -> None:
    with app.app_context():
        from app.db import get_session

        job_url = issued_batch(app, client, get_session())
    page = seen(client.get(f"{job_url}?lang=en").get_data(as_text=True))
    assert "3 holders of this batch have not activated their account yet." in page
    assert "Generate activation notices" in page
    generate(app, client, job_url, confirm="y")
    page = client.get(job_url).get_data(as_text=True)
    pdf_url = re.search(r'href="([^"]+/notices\.pdf)"', page).group(1)  # type: ignore[union-attr]
    assert client.get(pdf_url).status_code == 200
    for other in ("jinan_admin", "qingdao_clerk"):
        stranger = app.test_client()
        login(stranger, other)
        assert stranger.get(pdf_url).status_code == 404
        token = csrf(stranger.get("/admin/batches").get_data(as_text=True))
        assert (
            stranger.post(f"{job_url}/notices", data={"csrf_token": token, "confirm": "y"}).status_code == 404
        )
    assert client.get(pdf_url.replace("notices.pdf", "other.pdf")).status_code == 404

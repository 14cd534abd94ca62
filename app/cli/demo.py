"""``flask demo load``: a small demo province, its staff, keys and certificates, for a first run.

Idempotent: run it again and it only fills in what is missing. The demo password is made at
random on the first run, kept in the instance folder and printed; demo data is for development
machines only.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from reportlab.lib.pagesizes import A5
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from signing._identifier import id_check_char

from ..db import get_session
from ..models import Authority, Certificate, Staff, TrainingSchool
from ..models.enums import Role, ServiceItem, Stage
from ..renderers.pdf import FONT
from ..services import authorities, graduation
from ..services import certificates as certs
from ..services.context import blob_store, issuing_context
from ..services.keys import app_keystore, ensure_development_keys

PROVINCE = ("山东省交通运输厅", "11370000MB0000000A", "370000")
CITIES = [
    ("济南市交通运输局", "11370100MB0000000X", "370100", "jinan"),
    ("青岛市交通运输局", "11370200MB0000000Y", "370200", "qingdao"),
]
DEMO_ISSUERS = [code for _, code, _, _ in CITIES]
HOLDERS = ["张三明", "李四", "王小五", "赵六", "欧阳娜娜", "孙七", "周八", "吴九", "郑十", "冯一"]
CLERK_ITEMS = [
    (ServiceItem.ISSUE, Stage.CONCLUDE),
    (ServiceItem.RENEW, Stage.CONCLUDE),
    (ServiceItem.REISSUE, Stage.CONCLUDE),
    (ServiceItem.CHANGE, Stage.CONCLUDE),
]
CITY_STAFF: list[tuple[str, str, Role, list[tuple[ServiceItem, Stage]]]] = [
    ("admin", "管理员", Role.AUTHORITY_ADMIN, []),
    ("clerk", "办事员", Role.CLERK, CLERK_ITEMS),
    ("inspector", "执法员", Role.INSPECTOR, []),
]


def demo_password(instance: Path) -> str:
    """The demo accounts' password (made once per instance folder)."""
    path = instance / "demo_password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def _authorities(session: Session, password: str) -> list[Authority]:
    existing = {a.credit_code: a for a in session.scalars(select(Authority))}
    name, code, region = PROVINCE
    province = existing.get(code) or authorities.create_authority(
        session, name=name, credit_code=code, region_code=region, level="province"
    )
    if code not in existing:
        authorities.create_staff(
            session,
            username="province",
            display_name="省级管理员",
            password=password,
            authority=province,
            role=Role.PROVINCE_ADMIN,
        )
    cities = []
    for name, code, region, slug in CITIES:
        city = existing.get(code)
        if city is None:
            city = authorities.create_authority(
                session, name=name, credit_code=code, region_code=region, level="city", parent=province
            )
            for item in ServiceItem:
                authorities.assign_item(session, region, item, city)
            for suffix, title, role, grants in CITY_STAFF:
                authorities.create_staff(
                    session,
                    username=f"{slug}_{suffix}",
                    display_name=f"{name}{title}",
                    password=password,
                    authority=city,
                    role=role,
                    permissions=grants,
                )
        cities.append(city)
    session.commit()
    return cities


def _certificates(session: Session, city: Authority, offset: int) -> int:
    admin = session.scalars(
        select(Staff).filter_by(authority_id=city.id, role=Role.AUTHORITY_ADMIN.value)
    ).first()
    if admin is None:
        return 0
    if session.scalar(select(Certificate.id).where(Certificate.authority_id == city.id)) is not None:
        return 0
    context = issuing_context(current_app)
    today = certs.today_cst()
    made = 0
    for n, name in enumerate(HOLDERS):
        first17 = f"{city.region_code[:4]}02{1970 + n + offset * 10}{1 + n % 9:02d}{10 + n:02d}{offset}{n}1"
        # Some certificates started almost six years ago, so they expire within 30 days.
        start = today - dt.timedelta(days=365 * 6 - 10 - n) if n < 3 else today - dt.timedelta(days=30 * n)
        result = certs.issue(
            session,
            context,
            admin,
            id_number=first17 + id_check_char(first17),
            name=name,
            categories=[1 + n % 9] if n % 3 else [1, 2],
            valid_from=start,
        )
        if n == 4:
            certs.suspend(session, admin, result.certificate.id, reason="演示：交通违法暂扣")
        made += 1
    return made


SCHOOLS = [
    ("济南通达驾驶员培训学校", "52370100MJ0000001K", "370100"),
    ("青岛顺风驾校", "52370200MJ0000002L", "370200"),
]


def _graduation_pdf(name: str, number: str, kind: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A5, invariant=True)
    canvas.setFont(FONT, 20)
    canvas.drawCentredString(A5[0] / 2, A5[1] - 60, "结业证书")
    canvas.setFont(FONT, 12)
    canvas.drawString(50, A5[1] - 110, f"学员 {name} 已完成 {kind} 培训，准予结业。")
    canvas.drawString(50, A5[1] - 135, f"证书编号：{number}（演示数据）")
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def _graduation(session: Session, cities: list[Authority]) -> int:
    """Known schools and, for the first holders of each city, a pushed graduation certificate."""
    if session.scalar(select(TrainingSchool.id)) is not None:
        return 0
    for name, code, region in SCHOOLS:
        session.add(TrainingSchool(name=name, credit_code=code, region_code=region))
    session.commit()
    types = graduation.training_types(current_app.config["TRAINING_TYPES"])
    made = 0
    for (_, school, _), city in zip(SCHOOLS, cities, strict=True):
        holders = session.scalars(
            select(Certificate).filter_by(authority_id=city.id).order_by(Certificate.id).limit(3)
        )
        for n, certificate in enumerate(holders):
            person, kind = certificate.practitioner, list(types)[n % len(types)]
            number = f"JY{city.region_code[:4]}{n + 1:04d}"
            graduation.receive(
                session,
                blob_store(current_app),
                raw={
                    "certificate_number": number,
                    "student_id_number": person.id_number,
                    "name": person.name,
                    "sex": person.sex,
                    "training_type": kind,
                    "school_credit_code": school,
                    "period_start": "2026-03-01",
                    "period_end": "2026-06-30",
                    "completed_on": "2026-06-30",
                },
                stream=io.BytesIO(_graduation_pdf(person.name, number, types[kind])),
                limit=int(current_app.config["GRADUATION_PDF_MAX_BYTES"]),
                types=types,
                client=None,
                source="backfill",
                actor="demo",
                today=dt.date.today(),
            )
            made += 1
    return made


@click.group("demo")
def demo_cli() -> None:
    """Demo data for development."""


@demo_cli.command("load")
@with_appcontext
def load_command() -> None:
    """Create the demo province, staff, keys and certificates where missing, and print the accounts."""
    session = get_session()
    made = ensure_development_keys(app_keystore(current_app), session, DEMO_ISSUERS)
    for key in made:
        click.echo(f"generated development key {key.info.kid} ({key.info.purpose.value})")
    password = demo_password(Path(current_app.instance_path))
    cities = _authorities(session, password)
    issued = sum(_certificates(session, city, n) for n, city in enumerate(cities))
    if issued:
        click.echo(f"issued {issued} demo certificates")
    if stored := _graduation(session, cities):
        click.echo(f"stored {stored} demo graduation certificates")
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"\nDemo accounts (password for all: {password}), sign in at {base}/admin/login")
    for staff in session.scalars(select(Staff).order_by(Staff.id)):
        click.echo(f"  {staff.username:<18} {staff.role:<16} {staff.authority.name}")
    click.echo(f"public keys: {base}/.well-known/jwks.json")
    for _, code, _, _ in CITIES:
        click.echo(f"status list: {base}/status/{code}")

"""``flask demo load``: a small demo province, its staff, keys and certificates, for a first run.

The province is the one our sources come from, Hainan: its road transport bureau (海南省道路运输局),
and the transport bureaus of 海口, 三亚, 儋州 and 琼海, each implementing the service items of its
region, except in 海口, where the administrative approval bureau (海口市行政审批服务局) issues, renews,
reissues, changes and cancels (谁核发、谁注销) while the transport bureau keeps suspension, revocation
and the import of paper certificates. 洋浦's bureau only checks certificates: GB/T 2260 gives the
洋浦 economic development zone no code of its own (it lies in 儋州, 460400, whose bureau implements
the items there). The credit codes are fictitious (organisation codes MB00000n, schools MA5T000n) but
valid: their check characters are right.

Idempotent: run it again and it only fills in what is missing. The demo password is made at
random on the first run, kept in the instance folder and printed; demo data is for development
machines only.
"""

from __future__ import annotations

import datetime as dt
import io
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask import current_app
from reportlab.lib.pagesizes import A5
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from signing import id_check_char

from ..db import get_session
from ..models import Application, Authority, Certificate, Staff, TrainingSchool
from ..models.enums import Role, ServiceItem, Stage
from ..renderers.pdf import FONT
from ..services import authorities, graduation
from ..services import certificates as certs
from ..services.container import services
from ..services.keys import app_keystore, ensure_development_keys
from . import demo_applications
from .transactional import transactional


@dataclass(frozen=True)
class DemoBody:
    """A demo authority: the items it implements in its region and its accounts' suffixes."""

    name: str
    credit_code: str
    region_code: str
    slug: str
    level: str
    items: tuple[ServiceItem, ...] = ()
    staff: tuple[str, ...] = ()


APPROVAL_ITEMS = (
    ServiceItem.ISSUE,
    ServiceItem.RENEW,
    ServiceItem.REISSUE,
    ServiceItem.CHANGE,
    ServiceItem.CANCEL,
)
TRANSPORT_ITEMS = tuple(item for item in ServiceItem if item not in APPROVAL_ITEMS)
ALL_ITEMS = tuple(ServiceItem)
CLERK_ITEMS = (
    ServiceItem.ISSUE,
    ServiceItem.RENEW,
    ServiceItem.REISSUE,
    ServiceItem.CHANGE,
    ServiceItem.SUSPEND,
)
"""What a clerk concludes, among the items the clerk's authority implements (admins do all)."""
STAFF = {
    "admin": ("管理员", Role.AUTHORITY_ADMIN),
    "clerk": ("办事员", Role.CLERK),
    "inspector": ("执法员", Role.INSPECTOR),
}
EVERYONE = ("admin", "clerk", "inspector")
PROVINCE = DemoBody("海南省道路运输局", "11460000MB0000019H", "460000", "province", "province")
BODIES = [
    DemoBody("海口市交通运输局", "11460100MB0000027H", "460100", "haikou", "city", TRANSPORT_ITEMS, EVERYONE),
    DemoBody(
        "海口市行政审批服务局",
        "11460100MB0000035C",
        "460100",
        "haikou_approval",
        "city",
        APPROVAL_ITEMS,
        ("admin", "clerk"),
    ),
    DemoBody("三亚市交通运输局", "11460200MB0000043C", "460200", "sanya", "city", ALL_ITEMS, EVERYONE),
    DemoBody("儋州市交通运输局", "11460400MB0000051H", "460400", "danzhou", "city", ALL_ITEMS, EVERYONE),
    DemoBody("琼海市交通运输局", "11469002MB000006X1", "469002", "qionghai", "county", ALL_ITEMS, EVERYONE),
    DemoBody(
        "洋浦经济开发区交通运输局",
        "11460400MB00000789",
        "460400",
        "yangpu",
        "county",
        (),
        ("admin", "inspector"),
    ),
]
ISSUERS = [body for body in BODIES if ServiceItem.ISSUE in body.items]
DEMO_ISSUERS = [body.credit_code for body in ISSUERS]
HOLDERS = ["张三明", "李四", "王小五", "赵六", "欧阳娜娜", "孙七", "周八", "吴九", "郑十", "冯一"]


def demo_password(instance: Path) -> str:
    """The demo accounts' password (made once per instance folder)."""
    path = instance / "demo_password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


def _account(
    session: Session, username: str, authority: Authority, role: Role, password: str, **kw: Any
) -> None:
    """A demo account, unless the user name exists (an older demo may have used it)."""
    if session.scalar(select(Staff.id).filter_by(username=username)) is None:
        authorities.create_staff(
            session, username=username, password=password, authority=authority, role=role, **kw
        )


def _authorities(session: Session, password: str) -> dict[str, Authority]:
    """The demo authorities by slug (made where missing), their service items and accounts."""
    existing = {a.credit_code: a for a in session.scalars(select(Authority))}
    made: dict[str, Authority] = {}
    for body in [PROVINCE, *BODIES]:
        authority = existing.get(body.credit_code)
        if authority is None:
            authority = authorities.create_authority(
                session,
                name=body.name,
                credit_code=body.credit_code,
                region_code=body.region_code,
                level=body.level,
                parent=made.get(PROVINCE.slug),
            )
            for item in body.items:
                authorities.assign_item(session, body.region_code, item, authority)
        made[body.slug] = authority
        if body is PROVINCE:
            _account(session, "province", authority, Role.PROVINCE_ADMIN, password, display_name="省级管理员")
        for suffix in body.staff:
            title, role = STAFF[suffix]
            grants = (
                [(i, Stage.CONCLUDE) for i in body.items if i in CLERK_ITEMS] if role == Role.CLERK else []
            )
            _account(
                session,
                f"{body.slug}_{suffix}",
                authority,
                role,
                password,
                display_name=f"{body.name}{title}",
                permissions=grants,
            )
    session.commit()
    return made


def _certificates(session: Session, city: Authority, offset: int, *, suspends: bool) -> int:
    """Ten certificates issued by ``city`` (one suspended if it implements suspension)."""
    admin = session.scalars(
        select(Staff).filter_by(authority_id=city.id, role=Role.AUTHORITY_ADMIN.value)
    ).first()
    if admin is None:
        return 0
    if session.scalar(select(Certificate.id).where(Certificate.authority_id == city.id)) is not None:
        return 0
    context = services().issuing
    today = context.clock.today()
    made = 0
    for n, name in enumerate(HOLDERS):
        first17 = f"{city.region_code[:4]}02{1970 + n + offset * 6}{1 + n % 9:02d}{10 + n:02d}{offset}{n}1"
        # Some certificates started almost six years ago, so they expire within 30 days.
        start = today - dt.timedelta(days=365 * 6 - 10 - n) if n < 3 else today - dt.timedelta(days=30 * n)
        result = certs.issue(
            session,
            context,
            admin,
            certs.IssueRequest(
                first17 + id_check_char(first17), name, [1 + n % 9] if n % 3 else [1, 2], valid_from=start
            ),
        )
        if n == 4 and suspends:
            certs.perform(
                session,
                context,
                admin,
                "suspend",
                result.certificate.id,
                certs.ActionInput("演示：交通违法暂扣"),
            )
        made += 1
    return made


SCHOOLS = [  # one in each issuing body's region, in the order of ISSUERS
    ("海口椰风驾驶员培训学校", "91460100MA5T00010J", "460100"),
    ("三亚南山驾驶员培训学校", "91460200MA5T00029L", "460200"),
    ("儋州东坡驾驶员培训学校", "91460400MA5T00037R", "460400"),
    ("琼海万泉河驾驶员培训学校", "91469002MA5T00045C", "469002"),
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
    """Known schools and, for the first holders of each issuing body, a graduation certificate."""
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
                services().blobs,
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
                today=services().clock.today(),
            )
            made += 1
    return made


@click.group("demo")
def demo_cli() -> None:
    """Demo data for development."""


@demo_cli.command("load")
@transactional
def load_command() -> None:
    """Create the demo province, staff, keys and certificates where missing, and print the accounts."""
    session = get_session()
    made = ensure_development_keys(app_keystore(current_app), session, DEMO_ISSUERS)
    for key in made:
        click.echo(f"generated development key {key.info.kid} ({key.info.purpose.value})")
    password = demo_password(Path(current_app.instance_path))
    bodies = _authorities(session, password)
    issuers = [bodies[body.slug] for body in ISSUERS]
    issued = sum(
        _certificates(session, bodies[body.slug], n, suspends=ServiceItem.SUSPEND in body.items)
        for n, body in enumerate(ISSUERS)
    )
    if issued:
        click.echo(f"issued {issued} demo certificates")
    if stored := _graduation(session, issuers):
        click.echo(f"stored {stored} demo graduation certificates")
    if cases := demo_applications.load(session, bodies, password, _graduation_pdf):
        click.echo(f"opened {len(cases)} demo applications (办件) at {bodies['sanya'].name}")
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo(f"\nDemo accounts (password for all: {password}), sign in at {base}/admin/login")
    for staff in session.scalars(select(Staff).order_by(Staff.id)):
        grants = sorted({p.stage for p in staff.permissions if p.item == ServiceItem.ISSUE.value})
        held = f" (issue: {', '.join(grants)})" if grants else ""
        click.echo(f"  {staff.username:<22} {staff.role:<16} {staff.authority.name}{held}")
    example = demo_applications.CASES[0]
    found = session.scalars(
        select(Application).where(Application.applicant_id_number == demo_applications.applicant_id(example))
    ).first()
    if found is not None:
        click.echo(
            f"applicant progress: {base}/progress (case number {found.case_number}, "
            f"ID number {found.applicant_id_number})"
        )
    click.echo(f"public keys: {base}/.well-known/jwks.json")
    for code in DEMO_ISSUERS:
        click.echo(f"status list: {base}/status/{code}")

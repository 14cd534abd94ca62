"""A benchmark's instance of the service: an authority with its keys, an administrator, a partner
system and one issued certificate, made by a process of its own (as ``make run`` would, on the
database of ``env``)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from sqlalchemy import create_engine, text

PASSWORD = "benchmark-only"
SCHOOL = "91370100MA3C00000E"

SEED = """
import sys
from app import create_app
from app.cli.database import upgrade
from app.db import get_session
from app.models.enums import Role, ServiceItem
from app.services import authorities, certificates, partners
from app.services.container import issuing_context
from app.services.keys import DEFAULT_ALGORITHM
from app.services.presentations import present
from signing import Purpose
app = create_app()
upgrade(app.config["DATABASE_URL"])
with app.app_context():
    s = get_session()
    body = authorities.create_authority(s, name="济南市交通运输局", credit_code="11370100MB00000007",
                                        region_code="370100", level="city")
    authorities.assign_item(s, "370100", ServiceItem.ISSUE, body)
    actor = authorities.create_staff(s, username="bench", display_name="bench", password=sys.argv[1],
                                     authority=body, role=Role.AUTHORITY_ADMIN)
    client, secret = partners.register(s, name="计时平台", scopes=["graduation:write"], actor="bench",
                                       schools=[sys.argv[2]])
    s.commit()
    ctx = issuing_context(app)
    ctx.keys.generate(DEFAULT_ALGORITHM, Purpose.CERTIFICATE, now=1, issuer="11370100MB00000007")
    ctx.keys.generate(DEFAULT_ALGORITHM, Purpose.PRESENTATION, now=1)
    request = certificates.IssueRequest("370102199003071238", "张三明", [1, 2])
    cert = certificates.issue(s, ctx, actor, request)
    s.commit()
    print(client.client_id, secret, present(ctx, cert.certificate, 86400).payload)
"""


@dataclass(frozen=True)
class Seeded:
    """What a benchmark needs of the instance: the partner's credentials and a presentation."""

    client_id: str
    secret: str
    payload: str


def seed(env: dict[str, str]) -> Seeded:
    """Migrate the instance of ``env`` and fill it (see the module)."""
    out = subprocess.run(
        [sys.executable, "-c", SEED, PASSWORD, SCHOOL], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return Seeded(*out[-3:])


def empty_database(url: str) -> None:
    """Drop everything in the benchmark's own PostgreSQL database (``BENCH_PG_URL``) first."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def databases() -> list[tuple[str, str | None]]:
    """The databases a benchmark runs on, by label: SQLite (``None``: the instance's own file)
    always, PostgreSQL too when ``BENCH_PG_URL`` names an empty database to use."""
    url = os.environ.get("BENCH_PG_URL")
    return [("SQLite", None)] + ([("PostgreSQL", url)] if url else [])

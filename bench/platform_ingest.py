"""Platform pushes of applications (办件) over HTTP under gunicorn: distinct cases, each with two
materials (a PDF application form and a JPEG photo, ~20 KB together), pushed to
``POST /api/v1/platform/applications`` by 4 concurrent keep-alive clients (token from
``/oauth/token``, multipart bodies built beforehand) — every push checked, its files streamed into
the blob store, the case, its history, materials and audit event committed — against the same
bodies posted to a bare Flask endpoint that only parses them and hashes the files
(``bench/bare_app.py`` ``/upload``), in the same run with the same gunicorn settings. On the
instance's SQLite database, and on PostgreSQL too when ``BENCH_PG_URL`` names an empty database to
use (its schema is dropped first), as the other benchmarks of writes.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.helpers import id_number

from .graduation_ingest import make_pdf
from .instance import databases, empty_database
from .serve import THREADED, concurrently, gunicorn, partner_token
from .table import Row

PUSHES = int(os.environ.get("BENCH_PLATFORM_PUSHES", "1000"))
CLIENTS = 4
TARGET = 0.3
BODY = "11370100MB00000007"
SEED = """
import sys
from app import create_app
from app.cli.database import upgrade
from app.db import get_session
from app.models.enums import ServiceItem
from app.services import authorities, partners
app = create_app()
upgrade(app.config["DATABASE_URL"])
with app.app_context():
    s = get_session()
    body = authorities.create_authority(s, name="济南市交通运输局", credit_code=sys.argv[1],
                                        region_code="370100", level="city")
    authorities.assign_item(s, "370100", ServiceItem.ISSUE, body, connected=True)
    client, secret = partners.register(s, name="一体化政务服务平台", scopes=["platform:push"], actor="bench")
    s.commit()
    print(client.client_id, secret)
"""


def application(number: str, submitted: str) -> dict[str, object]:
    """A valid push of an issue case at Jinan naming the parts ``form`` and ``photo``."""
    return {
        "case_number": number,
        "item_code": "000117001000",
        "implementing_body": BODY,
        "applicant": {"name": "王小明", "id_number": id_number("37010219900307123"), "phone": "13800138000"},
        "form": {"categories": [2]},
        "submitted_at": submitted,
        "channel": "platform_online",
        "materials": [{"file": "form", "kind": "application_form"}, {"file": "photo", "kind": "photo"}],
    }


def multipart(data: dict[str, object], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with the JSON part ``application`` and ``files`` (part name:
    (file name, bytes)); (body, content type)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="application"\r\n'
        "Content-Type: application/json\r\n\r\n".encode()
        + json.dumps(data, ensure_ascii=False).encode()
        + b"\r\n"
    ]
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    return b"".join([*parts, f"--{boundary}--\r\n".encode()]), f"multipart/form-data; boundary={boundary}"


def _bodies() -> list[tuple[bytes, str]]:
    submitted = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(timespec="seconds")
    bodies = []
    for n in range(PUSHES):
        form = make_pdf(f"PT-{n:06d}", os.urandom(100 * 100), 100)  # each case its own files
        photo = b"\xff\xd8\xff\xe0" + os.urandom(10_000)
        data = application(f"BENCH-{n:06d}", submitted)
        bodies.append(multipart(data, {"form": ("申请表.pdf", form), "photo": ("photo.jpg", photo)}))
    return bodies


def _prepare(folder: Path, database_url: str | None) -> tuple[dict[str, str], str, str]:
    """A migrated instance with Jinan's issue connected and a platform client (on
    ``database_url``, else the instance's SQLite file); (environment, client id, secret)."""
    env = {
        **os.environ,
        "RTC_INSTANCE_PATH": str(folder),
        "RTC_RATELIMIT_ENABLED": "0",
        "RTC_LOG_JSON": "1",
    }
    if database_url:
        env["RTC_DATABASE_URL"] = database_url
        empty_database(database_url)
    out = subprocess.run(
        [sys.executable, "-c", SEED, BODY], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return env, out[-2], out[-1]


def _post_all(port: int, path: str, token: str, bodies: list[tuple[bytes, str]]) -> float:
    def worker() -> Callable[[int], None]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

        def post(item: int) -> None:
            body, content_type = bodies[item]
            conn.request(
                "POST",
                path,
                body=body,
                headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
            )
            response = conn.getresponse()
            data = response.read()
            if response.status != 201:
                raise RuntimeError(f"{path}: HTTP {response.status} {data[:300]!r}")

        return post

    return concurrently(len(bodies), worker, CLIENTS)


def _measure(name: str, database_url: str | None) -> Row:
    bodies = _bodies()
    size_kb = sum(len(body) for body, _ in bodies) / len(bodies) / 1024
    with tempfile.TemporaryDirectory() as tmp:
        env, client_id, secret = _prepare(Path(tmp) / "instance", database_url)
        with gunicorn("wsgi:app", env, *THREADED) as (port, _):
            token = partner_token(port, client_id, secret, "platform:push")
            pushed = _post_all(port, "/api/v1/platform/applications", token, bodies)
        with gunicorn("bench.bare_app:app", env, *THREADED) as (port, _):
            bare = _post_all(port, "/upload", "-", bodies)
    rate, bare_rate = PUSHES / pushed, PUSHES / bare
    return Row(
        f"platform push ({name}), {PUSHES:,} cases, 2 files ({size_kb:.0f} KB), gunicorn, {CLIENTS} clients",
        f"{rate:,.0f} pushes/s ({pushed:.1f} s)",
        f"bare Flask multipart {bare_rate:,.0f}/s",
        rate / bare_rate,
        f">= {TARGET}x",
        rate / bare_rate >= TARGET,
    )


def run() -> list[Row]:
    """Push PUSHES cases to the service and the same bodies to the bare endpoint, on SQLite (and
    PostgreSQL when ``BENCH_PG_URL`` is set)."""
    return [_measure(name, url) for name, url in databases()]


if __name__ == "__main__":
    from .table import render

    print(render(run()))

"""Graduation certificate pushes over HTTP under gunicorn:

- 1,000 distinct ~200 KB PDFs pushed to ``POST /api/v1/graduation-certificates`` by 4 concurrent
  keep-alive clients (token from ``/oauth/token``, multipart bodies built beforehand), against
  writing, fsyncing and SHA-256-hashing the same bodies to files with the same 4 threads in the
  same run (the least any durable receipt has to do);
- the peak memory growth of the one sync gunicorn worker while it receives one 50 MB PDF (its
  RSS just before, its peak RSS ``VmHWM`` just after): the upload must stream, not sit in memory.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from app import create_app
from app.cli.database import upgrade
from app.db import get_session
from app.services import partners
from app.services.graduation import check_pdf
from tests.helpers import id_number

from .serve import THREADED, concurrently, gunicorn, partner_token
from .table import Row

PUSHES = int(os.environ.get("BENCH_GRADUATION_PUSHES", "1000"))
CLIENTS = 4
MB = 1024 * 1024
SMALL_WIDTH, SMALL_HEIGHT = 512, 400  # an 8-bit grey image of 200 KB
BIG_MB = 50
GROWTH_LIMIT_MB = 10
ID_NUMBER = id_number("37010219900307123")


def make_pdf(text: str, image: bytes, width: int) -> bytes:
    """A one-page PDF showing ``text`` and an uncompressed 8-bit grey image ``width`` pixels wide
    made of ``image`` (random bytes make every PDF distinct and incompressible)."""
    height = len(image) // width
    content = (
        f"q 451 0 0 {max(1, 451 * height // width)} 72 100 cm /Im1 Do Q BT /F1 14 Tf 72 760 Td ({text}) Tj ET"
    ).encode()
    image_dict = (
        f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
        f"/ColorSpace /DeviceGray /BitsPerComponent 8 /Length {width * height} >>"
    ).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
        b"/Resources << /Font << /F1 4 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        image_dict + b"\nstream\n" + image[: width * height] + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def metadata(number: str) -> dict[str, str]:
    """Valid metadata for certificate ``number``."""
    return {
        "certificate_number": number,
        "student_id_number": ID_NUMBER,
        "name": "张三明",
        "sex": "M",
        "training_type": "A2",
        "school_credit_code": "91370100MA3C00000E",
        "period_start": "2025-03-01",
        "period_end": "2025-06-30",
        "completed_on": "2025-06-30",
    }


def multipart(meta: dict[str, str], pdf: bytes) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with ``metadata`` and ``file``; (body, content type)."""
    boundary = uuid.uuid4().hex
    body = b"".join(
        [
            f'--{boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n'
            "Content-Type: application/json\r\n\r\n".encode(),
            json.dumps(meta, ensure_ascii=False).encode(),
            f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="certificate.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode(),
            pdf,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return body, f"multipart/form-data; boundary={boundary}"


def _prepare(folder: Path) -> tuple[dict[str, str], str, str]:
    """A migrated instance with one partner client; (environment, client id, secret)."""
    app = create_app({"INSTANCE_PATH": str(folder), "LOG_JSON": True})
    upgrade(app.config["DATABASE_URL"])
    with app.app_context():
        session = get_session()
        client, secret = partners.register(
            session,
            name="计时平台 (benchmark)",
            scopes=["graduation:write"],
            actor="bench",
            schools=[metadata("")["school_credit_code"]],
        )
        session.commit()
        client_id = client.client_id
    app.extensions["db_engine"].dispose()
    env = {
        **os.environ,
        "RTC_INSTANCE_PATH": str(folder),
        "RTC_RATELIMIT_ENABLED": "0",
        "RTC_LOG_JSON": "1",
    }
    return env, client_id, secret


def _push(conn: http.client.HTTPConnection, token: str, body: bytes, content_type: str) -> None:
    conn.request(
        "POST",
        "/api/v1/graduation-certificates",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
    )
    response = conn.getresponse()
    data = response.read()
    if response.status != 201:
        raise RuntimeError(f"push: HTTP {response.status} {data[:300]!r}")


def _push_all(port: int, token: str, bodies: list[tuple[bytes, str]]) -> float:
    def worker() -> Callable[[int], None]:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        return lambda item: _push(conn, token, *bodies[item])

    return concurrently(len(bodies), worker, CLIENTS)


def _baseline(folder: Path, bodies: list[tuple[bytes, str]]) -> float:
    """Write, fsync and SHA-256 every body into its own file, CLIENTS threads."""
    folder.mkdir()

    def store(item: int) -> None:
        body = bodies[item][0]
        digest = hashlib.sha256(body).hexdigest()
        with (folder / f"{item}-{digest[:16]}").open("xb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())

    return concurrently(len(bodies), lambda: store, CLIENTS)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def _memory_growth(env: dict[str, str], client_id: str, secret: str) -> tuple[float, float, float]:
    """(growth, RSS before, peak after) in MB of the single sync worker across one 50 MB push,
    after warm-up pushes of 200 KB and 1 MB: its peak RSS (VmHWM) is reset to the current RSS
    (``/proc/<pid>/clear_refs``) just before the push and read just after it."""
    env = {**env, "RTC_GRADUATION_PDF_MAX_BYTES": str(60 * MB)}
    with gunicorn("wsgi:app", env, "--workers", "1", "--worker-class", "sync") as (port, master):
        token = partner_token(port, client_id, secret, "graduation:write")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        for n, size in enumerate((200 * 1024, MB, 200 * 1024, MB)):  # every code path loaded
            _push(
                conn, token, *multipart(metadata(f"WARM-{n}"), make_pdf(f"WARM-{n}", os.urandom(size), 1024))
            )
        big = multipart(metadata("BIG-0001"), make_pdf("BIG-0001", os.urandom(BIG_MB * MB), 1024))
        (worker,) = _children(master)
        # The peak so far includes transients that have nothing to do with uploads (the token
        # request's Argon2 check takes ~30 MB for a moment), so it is reset to the current RSS.
        Path(f"/proc/{worker}/clear_refs").write_text("5")
        before = _status_kb(worker, "VmHWM")
        _push(conn, token, *big)
        after = _status_kb(worker, "VmHWM")
        if _children(master) != [worker]:
            raise RuntimeError("the gunicorn worker was replaced during the measurement")
        conn.close()
    return (after - before) / 1024, before / 1024, after / 1024


def run() -> list[Row]:
    """Push PUSHES PDFs, time the file-writing baseline, and measure the 50 MB push's memory."""
    noise = [os.urandom(SMALL_WIDTH * SMALL_HEIGHT) for _ in range(PUSHES)]
    pdfs = [make_pdf(f"GC-{n:06d}", image, SMALL_WIDTH) for n, image in enumerate(noise)]
    check_pdf_bytes(pdfs[0])
    bodies = [multipart(metadata(f"GC-{n:06d}"), pdf) for n, pdf in enumerate(pdfs)]
    del noise, pdfs
    size_kb = sum(len(body) for body, _ in bodies) / len(bodies) / 1024
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env, client_id, secret = _prepare(folder / "instance")
        with gunicorn("wsgi:app", env, *THREADED) as (port, _):
            token = partner_token(port, client_id, secret, "graduation:write")
            pushed = _push_all(port, token, bodies)
        written = _baseline(folder / "baseline", bodies)
        del bodies
        growth, before, after = _memory_growth(env, client_id, secret)
    rate, base_rate = PUSHES / pushed, PUSHES / written
    return [
        Row(
            f"graduation push, {PUSHES:,} distinct {size_kb:.0f} KB PDFs, gunicorn, {CLIENTS} clients",
            f"{rate:,.0f} pushes/s ({pushed:.1f} s)",
            f"write+fsync+SHA-256 {base_rate:,.0f}/s",
            rate / base_rate,
            "(reported)",
        ),
        Row(
            f"graduation push of one {BIG_MB} MB PDF: worker peak memory growth",
            f"{growth:.1f} MB (RSS {before:.0f} MB -> peak {after:.0f} MB)",
            "",
            None,
            f"< {GROWTH_LIMIT_MB} MB",
            growth < GROWTH_LIMIT_MB,
        ),
    ]


def check_pdf_bytes(pdf: bytes) -> None:
    """Fail early if the generated PDF would not pass the service's own PDF check."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sample.pdf"
        path.write_bytes(pdf)
        check_pdf(path)

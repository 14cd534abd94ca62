"""Test data builders shared by the suites."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import replace
from pathlib import Path

import cbor2
from PIL import Image
from sqlalchemy.orm import Session

from app.models import BatchJob
from app.renderers.qr import png, presentation_qr
from app.services.clock import CHINA, FixedClock
from app.services.context import IssuingContext
from signing import CertificateFacts, Identifier, LocalKey, Purpose, id_check_char

ISSUER = "11370100MB00000007"
TYPE_CODE = "11100000000000000D"
T0 = 1_795_000_000  # 2026-11-18T07:06:40Z, a fixed "now" for deterministic tests


def id_number(first17: str = "37010219900307123") -> str:
    """A valid ID number built from its first 17 digits."""
    return first17 + id_check_char(first17)


def facts(
    *,
    version: int = 1,
    serial: str = "00012345",
    name: str = "张三明",
    categories: tuple[int, ...] = (1, 2),
    valid_from: dt.date = dt.date(2026, 11, 1),
    valid_until: dt.date = dt.date(2032, 10, 31),
    status_index: int = 5,
    issuer: str = ISSUER,
) -> CertificateFacts:
    """A typical certificate version."""
    holder = id_number()
    return CertificateFacts(
        identifier=Identifier(TYPE_CODE, issuer, serial, version),
        number=holder,
        holder_name=name,
        holder_id=holder,
        categories=categories,
        issuer_name="济南市交通运输局",
        first_issued=dt.date(2020, 11, 1),
        issued=valid_from,
        valid_from=valid_from,
        valid_until=valid_until,
        status_index=status_index,
    )


def keys(alg: str = "EdDSA", *, not_before: int = T0 - 3600) -> tuple[LocalKey, LocalKey]:
    """A (certificate key for ISSUER, presentation key) pair."""
    cert = LocalKey.generate(alg, Purpose.CERTIFICATE, not_before=not_before, issuer=ISSUER)
    pres = LocalKey.generate(alg, Purpose.PRESENTATION, not_before=not_before)
    return cert, pres


def b64url_encode(data: bytes) -> str:
    """Unpadded base64url text (written here, not taken from the library under test)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Inverse of :func:`b64url_encode`."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def decimal_decode(payload: str) -> bytes:
    """The COSE bytes a numeric QR payload carries (one big-endian number in decimal digits)."""
    number = int(payload)
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def decimal_encode(raw: bytes) -> str:
    """Inverse of :func:`decimal_decode`, for bytes that do not start with zero."""
    return str(int.from_bytes(raw, "big"))


def cose_sign1_parts(payload: str) -> tuple[bytes, bytes]:
    """(signature, signed bytes) of a presentation payload: its COSE_Sign1 signature and the
    RFC 9052 ``Sig_structure`` it signs, rebuilt here with cbor2."""
    message = cbor2.loads(decimal_decode(payload))
    if isinstance(message, cbor2.CBORTag):  # the layout: tag 18 (COSE_Sign1); the first had none
        message = message.value
    protected, _unprotected, claims, signature = message
    return signature, cbor2.dumps(["Signature1", protected, b"", claims])


def on_day(context: IssuingContext, day: dt.date) -> IssuingContext:
    """``context`` with a clock standing at noon (China time) of ``day``."""
    return replace(context, clock=FixedClock(dt.datetime.combine(day, dt.time(12), CHINA)))


def running_job(session: Session, staff_id: int, at: dt.datetime, **fields: object) -> BatchJob:
    """A batch job running in this process, as an upload starts one (flushed, so it has an id);
    ``fields`` change any column."""
    defaults: dict[str, object] = {
        "filename": "b.csv",
        "all_or_nothing": True,
        "state": "running",
        "total": 0,
        "attempts": 1,
    }
    job = BatchJob(staff_id=staff_id, created_at=at, **{**defaults, **fields})
    session.add(job)
    session.flush()
    return job


def photo_of_code(url: str, path: Path) -> Path:
    """A phone photo (JPEG at ``path``) of the code printed for ``url``: the QR off centre on a
    grey desk."""
    desk = Image.new("RGB", (1200, 900), (150, 150, 140))
    code = Image.open(io.BytesIO(png(presentation_qr(url), scale=4))).convert("RGB")
    code.thumbnail((500, 500))
    desk.paste(code, (420, 230))
    desk.save(path, quality=85)
    return path

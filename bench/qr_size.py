"""How big the presentation QR is: a typical certificate (3-character Chinese name, 2 categories,
the full identifier) at error-correction level M, against a naive JWT with the same fields and the
same COSE bytes written as base32 in alphanumeric mode."""

from __future__ import annotations

import base64
import json

import qrcode
import qrcode.constants
import qrcode.util

from app.renderers.qr import presentation_qr
from signing import LocalKey, Purpose, mask_id, mask_name, presentation_url, sign_presentation
from tests.helpers import T0, decimal_decode, facts

from .table import Row

BASE = "https://dzzz.jtt.example.gov.cn"
"""A realistic production host (31 characters with the scheme)."""


def _naive_jwt(key: LocalKey) -> str:
    import jwt

    good = facts()
    claims = {
        "jti": str(good.identifier),
        "name": mask_name(good.holder_name),
        "id": mask_id(good.holder_id),
        "cat": list(good.categories),
        "nbf": good.valid_from.isoformat(),
        "exp": good.valid_until.isoformat(),
        "iat": T0,
        "lifetime": 120,
        "idx": good.status_index,
    }
    return jwt.encode(claims, key.private, algorithm=key.info.alg, headers={"kid": key.info.kid})


def _version(*segments: qrcode.util.QRData) -> int:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    for segment in segments:
        code.add_data(segment)
    return int(code.best_fit())


def run() -> list[Row]:
    """Measure QR versions and payload sizes."""
    rows = []
    for alg in ("EdDSA", "ES256"):
        key = LocalKey.generate(alg, Purpose.PRESENTATION, not_before=T0 - 60)
        payload = sign_presentation(facts(), key, now=T0)
        url = presentation_url(BASE, payload)
        code = presentation_qr(url)
        cose = decimal_decode(payload)
        b32 = base64.b32encode(cose).decode().rstrip("=")
        alnum = _version(
            qrcode.util.QRData(f"{BASE}/v/".encode(), mode=qrcode.util.MODE_8BIT_BYTE),
            qrcode.util.QRData(b32, mode=qrcode.util.MODE_ALPHA_NUM),
        )
        naive = _version(qrcode.util.QRData(f"{BASE}/v/{_naive_jwt(key)}".encode()))
        rows.append(
            Row(
                f"presentation QR ({alg}, level M)",
                f"v{code.version} ({len(cose)} B COSE, {len(payload)} digits, {len(url)} chars)",
                f"naive JWT v{naive}; base32 v{alnum}",
                target="<= v10 (anchors: EU DCC v18, SHC v18)",
                passed=code.version <= 10,
            )
        )
    rows.append(
        Row("presentation claims", json.dumps({"name": "3 chars", "categories": 2, "identifier": "full"}))
    )
    return rows
